/**
 * Registers the SDS generator in the ADS server's registry (call once, where generators are
 * wired). Envoy-style proxies only: proxyless gRPC clients get their certificates from their own
 * bootstrap (file watcher plugin), not over ADS.
 */
import type { PushContext } from '@mesh/mesh-model';
import { TypeUrl } from '@mesh/xds';
import type { GeneratorRegistry } from '../../xds-server/generator';
import { SecretGenerator, type SecretGeneratorOptions } from './sds-generator';

export function registerSecretGenerators(
  registry: GeneratorRegistry<PushContext>,
  options: SecretGeneratorOptions = {},
): GeneratorRegistry<PushContext> {
  return registry.register('envoy', TypeUrl.Secret, new SecretGenerator(options));
}
