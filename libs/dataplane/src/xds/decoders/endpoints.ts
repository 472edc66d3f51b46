/**
 * ClusterLoadAssignment (EDS, or inline in a static/DNS cluster): localities with priorities and
 * weights, and endpoints with a socket address, health and weight.
 */
import { ClusterLoadAssignment } from '@mesh/xds';
import { HealthStatus } from '@mesh/xds/generated/envoy/config/core/v3/health_check';
import type { LbEndpoint, LocalityLbEndpoints } from '@mesh/xds/generated/envoy/config/endpoint/v3/endpoint_components';
import type { XdsClusterLoadAssignment, XdsHealthStatus, XdsLbEndpoint, XdsLocalityEndpoints } from '../model';
import { allowOnly, type SocketAddressOptions, socketAddress } from './common';
import { fail, field, index, type ResourceSpec } from './decode-result';

export const endpointsSpec: ResourceSpec<ClusterLoadAssignment, XdsClusterLoadAssignment> = {
  codec: ClusterLoadAssignment,
  nameField: 'cluster_name',
  nameOf: (m) => m.clusterName,
  check: (m) => checkLoadAssignment(m, '', {}),
};

const HEALTH: Record<number, XdsHealthStatus> = {
  [HealthStatus.UNKNOWN]: 'unknown',
  [HealthStatus.HEALTHY]: 'healthy',
  [HealthStatus.UNHEALTHY]: 'unhealthy',
  [HealthStatus.DRAINING]: 'draining',
  [HealthStatus.TIMEOUT]: 'timeout',
  [HealthStatus.DEGRADED]: 'degraded',
};

export function checkLoadAssignment(
  assignment: ClusterLoadAssignment,
  path: string,
  addressOptions: SocketAddressOptions,
): XdsClusterLoadAssignment {
  allowOnly(assignment, ['clusterName', 'endpoints', 'policy'], path);
  if (assignment.policy) {
    // The overprovisioning factor only shifts load between priorities once hosts are unhealthy;
    // drop_overloads would drop traffic, which this proxy does not do.
    allowOnly(assignment.policy, ['overprovisioningFactor'], field(path, 'policy'));
  }
  const localities = (assignment.endpoints ?? []).map((l, i) =>
    locality(l, index(field(path, 'endpoints'), i), addressOptions),
  );
  return { clusterName: assignment.clusterName ?? '', localities };
}

function locality(l: LocalityLbEndpoints, path: string, addressOptions: SocketAddressOptions): XdsLocalityEndpoints {
  allowOnly(l, ['locality', 'metadata', 'lbEndpoints', 'loadBalancingWeight', 'priority'], path);
  const weight = l.loadBalancingWeight;
  if (weight !== undefined && weight < 1) fail(field(path, 'load_balancing_weight'), 'must be at least 1');
  const priority = l.priority ?? 0;
  if (priority > 128) fail(field(path, 'priority'), `${priority} is above the highest priority, 128`);
  return {
    locality: { region: l.locality?.region ?? '', zone: l.locality?.zone ?? '', subZone: l.locality?.subZone ?? '' },
    priority,
    weight,
    endpoints: (l.lbEndpoints ?? []).map((e, i) =>
      lbEndpoint(e, index(field(path, 'lb_endpoints'), i), addressOptions),
    ),
  };
}

function lbEndpoint(e: LbEndpoint, path: string, addressOptions: SocketAddressOptions): XdsLbEndpoint {
  allowOnly(e, ['endpoint', 'healthStatus', 'metadata', 'loadBalancingWeight'], path);
  const endpoint = e.endpoint;
  if (!endpoint) fail(field(path, 'endpoint'), 'is required');
  // health_check_config and hostname only matter to active health checking, not implemented.
  allowOnly(endpoint, ['address', 'healthCheckConfig', 'hostname'], field(path, 'endpoint'));
  const healthStatus = HEALTH[e.healthStatus ?? 0];
  if (!healthStatus) fail(field(path, 'health_status'), `unknown status ${e.healthStatus}`);
  const weight = e.loadBalancingWeight ?? 1;
  if (weight < 1) fail(field(path, 'load_balancing_weight'), 'must be at least 1');
  const metadata: Record<string, Record<string, unknown>> = {};
  for (const [namespace, values] of Object.entries(e.metadata?.filterMetadata ?? {})) {
    if (values) metadata[namespace] = { ...values };
  }
  return {
    address: socketAddress(endpoint.address, field(path, 'endpoint.address'), addressOptions),
    healthStatus,
    weight,
    metadata,
  };
}
