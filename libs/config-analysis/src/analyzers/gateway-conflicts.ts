/**
 * IST0145: Gateways with the same selector that open the same port with overlapping hosts: the
 * gateway proxy can use only one of those servers. Reported on each Gateway involved, naming the
 * others. Server hosts are compared without their `namespace/` part.
 */
import { hostsIntersect, parseNamespacedHost, type ConfigOfKind } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import { selectorText } from '../labels-text';
import { ConflictingGateways } from '../message-types';

interface ServerUse {
  readonly gateway: ConfigOfKind<'Gateway'>;
  readonly hosts: readonly string[];
}

export const gatewayConflictsAnalyzer: Analyzer = {
  name: 'gateway.conflicts',
  description: 'Checks that Gateways selecting the same workload do not claim the same port and hosts',
  inputs: ['Gateway'],
  reports: [ConflictingGateways],
  analyze(context) {
    const gateways = context.list('Gateway');
    // selector + port + bind → the servers of every Gateway listening there.
    const listeners = new Map<string, ServerUse[]>();
    const keyOf = (gateway: ConfigOfKind<'Gateway'>, port: number, bind: string | undefined): string =>
      `${selectorText(gateway.spec.selector ?? {})}~${port}~${bind ?? ''}`;
    for (const gateway of gateways) {
      for (const server of gateway.spec.servers ?? []) {
        const key = keyOf(gateway, server.port.number, server.bind);
        const uses = listeners.get(key) ?? [];
        uses.push({ gateway, hosts: (server.hosts ?? []).map((h) => parseNamespacedHost(h, gateway.namespace).host) });
        listeners.set(key, uses);
      }
    }
    for (const gateway of gateways) {
      (gateway.spec.servers ?? []).forEach((server, index) => {
        const hosts = (server.hosts ?? []).map((h) => parseNamespacedHost(h, gateway.namespace).host);
        const others = (listeners.get(keyOf(gateway, server.port.number, server.bind)) ?? [])
          .filter((use) => use.gateway !== gateway)
          .filter((use) => use.hosts.some((other) => hosts.some((mine) => hostsIntersect(mine, other))))
          .map((use) => `${use.gateway.namespace}/${use.gateway.name}`);
        if (others.length === 0) return;
        context.report(
          ConflictingGateways,
          gateway,
          [
            [...new Set(others)].join(','),
            selectorText(gateway.spec.selector ?? {}),
            server.port.number,
            (server.hosts ?? []).join(','),
          ],
          ['spec', 'servers', index],
        );
      });
    }
  },
};
