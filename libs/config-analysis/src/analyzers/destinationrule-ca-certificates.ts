/**
 * IST0128 and IST0129: a DestinationRule that originates TLS (`SIMPLE` or `MUTUAL`) without a CA to
 * check the server's certificate against accepts any server. A CA comes from `caCertificates` or
 * from the Secret named by `credentialName` (its `ca.crt`); `insecureSkipVerify: true` says the
 * missing check is deliberate.
 */
import type { ClientTLSSettings } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import {
  NoServerCertificateVerificationDestinationLevel,
  NoServerCertificateVerificationPortLevel,
} from '../message-types';

export const destinationRuleCaCertificatesAnalyzer: Analyzer = {
  name: 'destinationrule.ca-certificates',
  description: 'Checks that DestinationRules originating TLS verify the server certificate',
  inputs: ['DestinationRule'],
  reports: [NoServerCertificateVerificationDestinationLevel, NoServerCertificateVerificationPortLevel],
  analyze(context) {
    for (const rule of context.list('DestinationRule')) {
      const name = `${rule.namespace}/${rule.name}`;
      const policy = rule.spec.trafficPolicy;
      if (unverified(policy?.tls)) {
        context.report(
          NoServerCertificateVerificationDestinationLevel,
          rule,
          [name, rule.namespace, policy?.tls?.mode ?? '', rule.spec.host],
          ['spec', 'trafficPolicy', 'tls', 'mode'],
        );
      }
      (policy?.portLevelSettings ?? []).forEach((setting, index) => {
        if (!unverified(setting.tls)) return;
        context.report(
          NoServerCertificateVerificationPortLevel,
          rule,
          // Istio prints the port selector in protobuf text form: `number:443`.
          [name, rule.namespace, setting.tls?.mode ?? '', rule.spec.host, `number:${setting.port?.number ?? 0}`],
          ['spec', 'trafficPolicy', 'portLevelSettings', index, 'tls', 'mode'],
        );
      });
    }
  },
};

function unverified(tls: ClientTLSSettings | undefined): boolean {
  if (tls?.mode !== 'SIMPLE' && tls?.mode !== 'MUTUAL') return false;
  if (tls.insecureSkipVerify === true) return false;
  return !tls.caCertificates && !tls.credentialName;
}
