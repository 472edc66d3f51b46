/** SDS: gateway and DestinationRule credentials (`kubernetes://<name>`) from Kubernetes Secrets. */
export { SecretGenerator, type SecretGeneratorOptions } from './sds-generator';
export { registerSecretGenerators } from './register';
export { parseCredentialReference, type CredentialReference } from './credential-reference';
