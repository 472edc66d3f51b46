/**
 * @mesh/galley: the validating admission webhook (`POST /validate`, admission.k8s.io/v1) and the
 * validator it runs. createValidationWebhook serves any AdmissionValidator; validateAdmissionObject
 * is the one istiod and apps/galley pass it.
 */
export * from './admission-review';
export * from './admission';
export * from './admission-validator';
export * from './webhook-server';
