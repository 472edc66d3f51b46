/**
 * PeerAuthentication: whether workloads accept plain text, mutual TLS or both, for the mesh, a
 * namespace, or selected workloads (and then per port).
 */
import { checkPolicySelector } from '../rules/policy-target';
import type { Field } from '../walker';

const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;

export function validatePeerAuthentication(spec: Field): void {
  const policy = spec.struct(['selector', 'mtls', 'portLevelMtls']);
  if (!policy) return;
  const selector = policy.field('selector');
  checkPolicySelector(selector);
  policy.field('mtls').struct(['mode'])?.field('mode').enumOf(MTLS_MODES);

  const portLevel = policy.field('portLevelMtls');
  const ports = portLevel.entries();
  if (ports === undefined) return;
  const labels = selector.at('matchLabels').value;
  const hasSelector = labels !== null && typeof labels === 'object' && Object.keys(labels).length > 0;
  if (!hasSelector) {
    portLevel.error(
      'portLevelMtls needs a selector with matchLabels: mesh- and namespace-wide policies cannot set per-port mTLS',
    );
  }
  if (ports.length === 0) portLevel.error('portLevelMtls, when set, must list at least one port');
  for (const [port, setting] of ports) {
    const number = /^\d+$/.test(port) ? Number(port) : NaN;
    if (!(number >= 1 && number <= 65535)) setting.error(`"${port}" is not a port number between 1 and 65535`);
    if (!setting.present) setting.error('the mTLS setting of a port must not be null');
    setting.struct(['mode'])?.field('mode').enumOf(MTLS_MODES);
  }
}
