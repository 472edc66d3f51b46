/**
 * Which Gateways a router proxy serves: those whose `selector` matches the proxy's labels
 * (an absent or empty selector matches every gateway workload), from every namespace, or only
 * from the proxy's namespace when scoped (Istio's PILOT_SCOPE_GATEWAY_TO_NAMESPACE, default off).
 */
import { selectorMatches, type Config, type ConfigOfKind } from '@mesh/config-model';
import { sortedByCreation } from '../ordering';

export type GatewayConfig = ConfigOfKind<'Gateway'>;

/** `namespace/name`: how VirtualServices refer to a Gateway once resolved. */
export function gatewayName(gateway: Pick<Config, 'namespace' | 'name'>): string {
  return `${gateway.namespace}/${gateway.name}`;
}

export class GatewayIndex {
  readonly all: readonly GatewayConfig[];

  constructor(
    configs: readonly Config[],
    private readonly scopeToNamespace: boolean,
  ) {
    this.all = Object.freeze(sortedByCreation(configs as readonly GatewayConfig[]));
  }

  /** Gateways for a router with these labels in this namespace, oldest first. */
  forWorkload(workload: {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  }): readonly GatewayConfig[] {
    return this.all.filter(
      (gateway) =>
        (!this.scopeToNamespace || gateway.namespace === workload.namespace) &&
        selectorMatches(gateway.spec.selector, workload.labels),
    );
  }
}
