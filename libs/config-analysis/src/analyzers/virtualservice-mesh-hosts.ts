/**
 * IST0109: two VirtualServices bound to the sidecars (`mesh`) that declare the same host for the
 * same namespaces: the sidecar uses only one of them, and which one is undefined. (Gateways merge
 * VirtualServices; sidecars do not.) The host is compared as an FQDN, short names resolved in the
 * VirtualService's namespace, and per namespace the VirtualService is exported to.
 */
import { resolveShortName, type ConfigOfKind } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import { ConflictingMeshGatewayVirtualServiceHosts } from '../message-types';
import { visibility } from '../registry';
import { boundGateways } from './route-destinations';

interface Claim {
  readonly vs: ConfigOfKind<'VirtualService'>;
  readonly hostIndex: number;
}

export const virtualServiceMeshHostsAnalyzer: Analyzer = {
  name: 'virtualservice.mesh-hosts',
  description: 'Checks that no two VirtualServices bound to the sidecars define the same host',
  inputs: ['VirtualService'],
  reports: [ConflictingMeshGatewayVirtualServiceHosts],
  analyze(context) {
    const claims = new Map<string, { host: string; claims: Claim[] }>();
    for (const vs of context.list('VirtualService')) {
      if (!boundGateways(vs.spec).includes('mesh')) continue;
      const scopes = new Set(visibility(vs.spec.exportTo, vs.namespace));
      (vs.spec.hosts ?? []).forEach((written, hostIndex) => {
        const host = resolveShortName(written, vs.namespace, context.domainSuffix).toLowerCase();
        for (const scope of scopes) {
          const key = `${scope}/${host}`;
          const entry = claims.get(key) ?? { host, claims: [] };
          if (!entry.claims.some((c) => c.vs === vs)) entry.claims.push({ vs, hostIndex });
          claims.set(key, entry);
        }
      });
    }
    for (const { host, claims: list } of claims.values()) {
      if (list.length < 2) continue;
      const names = list.map((c) => `${c.vs.namespace}/${c.vs.name}`).join(',');
      for (const { vs, hostIndex } of list) {
        context.report(ConflictingMeshGatewayVirtualServiceHosts, vs, [names, host], ['spec', 'hosts', hostIndex]);
      }
    }
  },
};
