/**
 * DestinationRule traffic policies (also reused by Sidecar for connection pools): load
 * balancing, connection pools, outlier detection, client TLS, per-port overrides, tunnelling.
 */
import type { Field } from '../walker';
import { checkDuration } from './duration';
import { fqdnProblem } from './hosts';
import { isIPAddress } from './net';
import { checkPercentValue } from './numbers';
import { checkRequiredPort } from './ports';
import { checkClientTLS } from './tls';

const TRAFFIC_POLICY_FIELDS = [
  'loadBalancer',
  'connectionPool',
  'outlierDetection',
  'tls',
  'portLevelSettings',
  'tunnel',
  'proxyProtocol',
  'retryBudget',
] as const;
const PORT_POLICY_FIELDS = ['port', 'loadBalancer', 'connectionPool', 'outlierDetection', 'tls'] as const;
const LOAD_BALANCER_FIELDS = ['simple', 'consistentHash', 'localityLbSetting', 'warmupDurationSecs', 'warmup'] as const;
const SIMPLE_LB = ['UNSPECIFIED', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN'] as const;
const HASH_KEYS = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'] as const;
const HASH_ALGORITHMS = ['ringHash', 'maglev'] as const;
const CONSISTENT_HASH_FIELDS = [...HASH_KEYS, ...HASH_ALGORITHMS, 'minimumRingSize'] as const;
const HTTP_COOKIE_FIELDS = ['name', 'path', 'ttl', 'attributes'] as const;
const LOCALITY_FIELDS = ['distribute', 'failover', 'failoverPriority', 'enabled'] as const;
const CONNECTION_POOL_FIELDS = ['tcp', 'http'] as const;
const TCP_POOL_FIELDS = [
  'maxConnections',
  'connectTimeout',
  'tcpKeepalive',
  'maxConnectionDuration',
  'idleTimeout',
] as const;
const HTTP_POOL_FIELDS = [
  'http1MaxPendingRequests',
  'http2MaxRequests',
  'maxRequestsPerConnection',
  'maxRetries',
  'idleTimeout',
  'h2UpgradePolicy',
  'useClientProtocol',
  'maxConcurrentStreams',
] as const;
const OUTLIER_FIELDS = [
  'splitExternalLocalOriginErrors',
  'consecutiveLocalOriginFailures',
  'consecutiveGatewayErrors',
  'consecutive5xxErrors',
  'interval',
  'baseEjectionTime',
  'maxEjectionPercent',
  'minHealthPercent',
  'consecutiveErrors',
] as const;

/** A traffic policy (top level or per subset). */
export function checkTrafficPolicy(field: Field): void {
  const policy = field.struct(TRAFFIC_POLICY_FIELDS);
  if (!policy) return;
  if (policy.setAmong(TRAFFIC_POLICY_FIELDS).length === 0) {
    policy.error('traffic policy must set at least one field');
    return;
  }
  if (policy.has('tunnel') && policy.has('proxyProtocol'))
    policy.error('tunnel and proxyProtocol cannot be set together');
  const outlier = policy.field('outlierDetection');
  checkLoadBalancer(policy.field('loadBalancer'), outlier.present);
  checkConnectionPool(policy.field('connectionPool'));
  checkOutlierDetection(outlier);
  checkClientTLS(policy.field('tls'));
  checkPortLevelSettings(policy.field('portLevelSettings'));
  checkTunnel(policy.field('tunnel'));
  const proxyProtocol = policy.field('proxyProtocol').struct(['version']);
  proxyProtocol?.field('version').enumOf(['V1', 'V2']);
  checkRetryBudget(policy.field('retryBudget'));
}

function checkPortLevelSettings(field: Field): void {
  const seen = new Map<number, number>();
  (field.list() ?? []).forEach((item, index) => {
    const setting = item.struct(PORT_POLICY_FIELDS);
    if (!setting) return;
    const port = setting.required('port', 'port is required for a port-level traffic policy').struct(['number']);
    const number = port ? checkRequiredPort(port.field('number')) : undefined;
    if (number !== undefined) {
      const first = seen.get(number);
      if (first !== undefined)
        setting.field('port').error(`port ${number} already has settings at portLevelSettings[${first}]`);
      else seen.set(number, index);
    }
    if (setting.setAmong(['loadBalancer', 'connectionPool', 'outlierDetection', 'tls']).length === 0) {
      setting.error('port traffic policy must set at least one of loadBalancer, connectionPool, outlierDetection, tls');
      return;
    }
    const outlier = setting.field('outlierDetection');
    checkLoadBalancer(setting.field('loadBalancer'), outlier.present);
    checkConnectionPool(setting.field('connectionPool'));
    checkOutlierDetection(outlier);
    checkClientTLS(setting.field('tls'));
  });
}

export function checkLoadBalancer(field: Field, hasOutlierDetection: boolean): void {
  const lb = field.struct(LOAD_BALANCER_FIELDS);
  if (!lb) return;
  lb.oneOf(['simple', 'consistentHash']);
  lb.field('simple').enumOf(SIMPLE_LB);
  checkConsistentHash(lb.field('consistentHash'));
  checkLocality(lb.field('localityLbSetting'), hasOutlierDetection);
  checkDuration(lb.field('warmupDurationSecs'));
  const warmup = lb.field('warmup').struct(['duration', 'minimumPercent', 'aggression']);
  if (warmup) {
    checkDuration(warmup.required('duration'));
    checkPercentValue(warmup.field('minimumPercent'));
    const aggression = warmup.field('aggression').number();
    if (aggression !== undefined && aggression < 1)
      warmup.field('aggression').error(`aggression must be at least 1 (got ${aggression})`);
  }
  if (lb.has('warmupDurationSecs') && lb.has('warmup'))
    lb.error('only one of warmupDurationSecs and warmup may be set');
}

function checkConsistentHash(field: Field): void {
  const hash = field.struct(CONSISTENT_HASH_FIELDS);
  if (!hash) return;
  const key = hash.oneOf(HASH_KEYS);
  if (key === undefined) {
    hash.warn(
      'no hash key (httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName): requests are not hashed consistently',
    );
  }
  const header = hash.field('httpHeaderName').string();
  if (header === '') hash.field('httpHeaderName').error('must not be empty');
  const param = hash.field('httpQueryParameterName').string();
  if (param === '') hash.field('httpQueryParameterName').error('must not be empty');
  hash.field('useSourceIp').boolean();
  const cookie = hash.field('httpCookie').struct(HTTP_COOKIE_FIELDS);
  if (cookie) {
    cookie.requiredString('name', 'name is required for httpCookie');
    cookie.field('path').string();
    // A ttl of 0s asks Envoy for a session cookie, so zero is allowed here.
    checkDuration(cookie.field('ttl'), { min: 0n });
    for (const attribute of cookie.field('attributes').list() ?? []) {
      const pair = attribute.struct(['name', 'value']);
      pair?.requiredString('name');
      pair?.field('value').string();
    }
  }
  const algorithm = hash.oneOf(HASH_ALGORITHMS);
  const minimumRingSize = hash.field('minimumRingSize');
  if (minimumRingSize.present) {
    minimumRingSize.uint32();
    minimumRingSize.warn('minimumRingSize is deprecated: use ringHash.minimumRingSize');
    if (algorithm) minimumRingSize.error(`minimumRingSize cannot be set together with ${algorithm}`);
  }
  hash.field('ringHash').struct(['minimumRingSize'])?.field('minimumRingSize').uint32();
  const maglev = hash.field('maglev').struct(['tableSize']);
  if (maglev) {
    const tableSizeField = maglev.field('tableSize');
    const tableSize = tableSizeField.present ? tableSizeField.uint32() : 0;
    if (tableSize === 0) tableSizeField.error('tableSize must be set for maglev');
    else if (tableSize !== undefined) {
      if (tableSize >= 5000011) tableSizeField.error(`tableSize must be less than 5000011 (got ${tableSize})`);
      else if (!isPrime(tableSize)) tableSizeField.error(`tableSize must be a prime number (got ${tableSize})`);
    }
  }
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n < 4) return true;
  if (n % 2 === 0) return false;
  for (let factor = 3; factor * factor <= n; factor += 2) if (n % factor === 0) return false;
  return true;
}

function checkLocality(field: Field, hasOutlierDetection: boolean): void {
  const locality = field.struct(LOCALITY_FIELDS);
  if (!locality) return;
  locality.field('enabled').boolean();
  const distribute = locality.field('distribute').list() ?? [];
  const failover = locality.field('failover').list() ?? [];
  const failoverPriority = locality.field('failoverPriority').strings();
  if (distribute.length > 0 && failover.length > 0) {
    locality.error('distribute and failover cannot be set together');
    return;
  }
  if (failover.length > 0) {
    for (const { value, field: entry } of failoverPriority) {
      if (TOPOLOGY_LABELS.includes(value)) {
        entry.error(`failoverPriority cannot use the topology label "${value}" when failover is set`);
      }
    }
  }
  const sources: Array<{ locality: string; field: Field }> = [];
  for (const item of distribute) {
    const rule = item.struct(['from', 'to']);
    if (!rule) continue;
    const from = rule.requiredString('from');
    if (from !== undefined) sources.push({ locality: from, field: rule.field('from') });
    const to = rule.field('to');
    const entries = to.entries();
    if (!entries || entries.length === 0) {
      to.error('distribute.to must list at least one locality with a weight');
      continue;
    }
    let total = 0;
    let weightsValid = true;
    for (const [, weightField] of entries) {
      const weight = weightField.integerIn(1, 100);
      if (weight === undefined) weightsValid = false;
      else total += weight;
    }
    if (weightsValid && total !== 100) to.error(`locality weights must sum to 100 (they sum to ${total})`);
    checkLocalities(
      to,
      entries.map(([name, weightField]) => ({ locality: name, field: weightField })),
    );
  }
  checkLocalities(locality.field('distribute'), sources);
  if ((failover.length > 0 || failoverPriority.length > 0) && !hasOutlierDetection) {
    locality.warn('failover needs outlierDetection to notice unhealthy endpoints; without it failover never happens');
  }
  for (const item of failover) {
    const rule = item.struct(['from', 'to']);
    if (!rule) continue;
    const from = rule.requiredString('from');
    const to = rule.requiredString('to');
    if (from === undefined || to === undefined) continue;
    if (from === to) rule.error(`failover from and to must be different regions (both are "${from}")`);
    if (from.includes('/') || to.includes('/')) rule.error('failover from and to must be regions, without zones ("/")');
    if (from.includes('*') || to.includes('*')) rule.error('failover regions must not contain "*"');
  }
}

const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

/** Localities `region[/zone[/subzone]]`, at most one trailing "*", none overlapping another. */
function checkLocalities(owner: Field, localities: Array<{ locality: string; field: Field }>): void {
  const seen: string[][] = [];
  for (const { locality, field } of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !locality.endsWith('*'))) {
      field.error(`locality "${locality}" may contain at most one "*", at the end`);
      continue;
    }
    const parts = locality.split('/');
    if (parts.length > 3 || parts.some((part) => part === '')) {
      field.error(`locality "${locality}" must be region, region/zone or region/zone/subzone`);
      continue;
    }
    const overlapping = seen.find((other) => covers(other, parts) || covers(parts, other));
    if (overlapping) {
      owner.error(`locality "${locality}" overlaps "${overlapping.join('/')}"`);
      continue;
    }
    seen.push(parts);
  }
}

/** Whether locality `a` (as parts) includes every locality `b` names. */
function covers(a: string[], b: string[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '*') return true;
    if (i >= b.length || a[i] !== b[i]) return false;
  }
  return a.length <= b.length;
}

export function checkConnectionPool(field: Field): void {
  const pool = field.struct(CONNECTION_POOL_FIELDS);
  if (!pool) return;
  if (!pool.has('tcp') && !pool.has('http')) {
    pool.error('connection pool must set tcp or http');
    return;
  }
  const tcp = pool.field('tcp').struct(TCP_POOL_FIELDS);
  if (tcp) {
    tcp.field('maxConnections').nonNegativeInt32();
    checkDuration(tcp.field('connectTimeout'));
    checkDuration(tcp.field('maxConnectionDuration'));
    checkDuration(tcp.field('idleTimeout'));
    const keepalive = tcp.field('tcpKeepalive').struct(['probes', 'time', 'interval']);
    if (keepalive) {
      keepalive.field('probes').uint32();
      checkDuration(keepalive.field('time'));
      checkDuration(keepalive.field('interval'));
    }
  }
  const http = pool.field('http').struct(HTTP_POOL_FIELDS);
  if (http) {
    for (const name of [
      'http1MaxPendingRequests',
      'http2MaxRequests',
      'maxRequestsPerConnection',
      'maxRetries',
      'maxConcurrentStreams',
    ] as const) {
      http.field(name).nonNegativeInt32();
    }
    checkDuration(http.field('idleTimeout'));
    const upgrade = http.field('h2UpgradePolicy').enumOf(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE']);
    const useClientProtocol = http.field('useClientProtocol').boolean();
    if (upgrade === 'UPGRADE' && useClientProtocol) {
      http.field('useClientProtocol').error('useClientProtocol cannot be true when h2UpgradePolicy is UPGRADE');
    }
  }
}

export function checkOutlierDetection(field: Field): void {
  const outlier = field.struct(OUTLIER_FIELDS);
  if (!outlier) return;
  const split = outlier.field('splitExternalLocalOriginErrors').boolean() ?? false;
  const localOrigin = outlier.field('consecutiveLocalOriginFailures').uint32();
  if (!split && localOrigin !== undefined && localOrigin > 0) {
    outlier
      .field('consecutiveLocalOriginFailures')
      .error('consecutiveLocalOriginFailures only takes effect with splitExternalLocalOriginErrors: true');
  }
  outlier.field('consecutiveGatewayErrors').uint32();
  outlier.field('consecutive5xxErrors').uint32();
  const deprecated = outlier.field('consecutiveErrors');
  if (deprecated.present) {
    deprecated.integer();
    deprecated.warn('consecutiveErrors is deprecated: use consecutiveGatewayErrors or consecutive5xxErrors');
  }
  checkDuration(outlier.field('interval'));
  checkDuration(outlier.field('baseEjectionTime'));
  outlier.field('maxEjectionPercent').integerIn(0, 100);
  outlier.field('minHealthPercent').integerIn(0, 100);
}

function checkTunnel(field: Field): void {
  const tunnel = field.struct(['protocol', 'targetHost', 'targetPort']);
  if (!tunnel) return;
  tunnel.field('protocol').enumOf(['CONNECT', 'POST']);
  const host = tunnel.requiredString('targetHost');
  if (host !== undefined && fqdnProblem(host) && !isIPAddress(host)) {
    tunnel.field('targetHost').error(`"${host}" is neither a valid host name nor an IP address`);
  }
  checkRequiredPort(tunnel.field('targetPort'));
}

function checkRetryBudget(field: Field): void {
  const budget = field.struct(['percent', 'minRetryConcurrency']);
  if (!budget) return;
  checkPercentValue(budget.field('percent'));
  budget.field('minRetryConcurrency').uint32();
}
