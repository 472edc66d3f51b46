/**
 * AuthorizationPolicy: allow, deny, audit or delegate (CUSTOM) requests by source, operation and
 * conditions. A policy with no rules matches nothing (ALLOW with no rules denies everything it
 * selects); a rule `{}` matches every request.
 */
import { checkIPOrCIDR } from '../rules/net';
import { checkPolicyTargets } from '../rules/policy-target';
import type { Field, Struct } from '../walker';

const POLICY_FIELDS = ['selector', 'targetRef', 'targetRefs', 'rules', 'action', 'provider'] as const;
const ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const;
const SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
] as const;
const OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'ports',
  'notPorts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
] as const;
/** Source fields a TCP connection carries (the others need HTTP). */
const TCP_SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
] as const;
/** Source fields the CUSTOM action cannot use (its external authorizer sees no peer identity). */
const CUSTOM_UNSUPPORTED_SOURCE = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
] as const;

type Action = (typeof ACTIONS)[number];

export function validateAuthorizationPolicy(spec: Field): void {
  const policy = spec.struct(POLICY_FIELDS);
  if (!policy) return;
  checkPolicyTargets(policy, policy.field('selector'), policy.field('targetRef'), policy.field('targetRefs'));
  const action: Action = policy.field('action').enumOf(ACTIONS) ?? 'ALLOW';
  const rulesField = policy.field('rules');
  const rules = rulesField.list() ?? [];

  const provider = policy.field('provider').struct(['name']);
  if (action === 'CUSTOM') {
    if (rules.length === 0) {
      rulesField.error(
        'a CUSTOM policy without rules never applies: add an empty rule {} to apply it to every request',
      );
    } else if (!provider || !provider.field('name').string()) {
      policy.field('provider').at('name').error('provider.name is required with action CUSTOM');
    }
  } else if (policy.has('provider')) {
    policy.field('provider').error(`provider can only be set with action CUSTOM (action is ${action})`);
  }
  if (action === 'DENY' && rules.length === 0) {
    rulesField.error('a DENY policy without rules never applies: add an empty rule {} to deny every request');
  }
  for (const rule of rules) checkRule(rule, action);
}

function checkRule(field: Field, action: Action): void {
  if (!field.present) {
    field.error('a rule must not be null (use {} to match every request)');
    return;
  }
  const rule = field.struct(['from', 'to', 'when']);
  if (!rule) return;
  let hasFrom = false;
  let tcpInFrom = false;
  const from = rule.field('from').list();
  if (from && from.length === 0)
    rule.field('from').error('from must not be an empty list (omit it to match any source)');
  for (const item of from ?? []) {
    const source = item.struct(['source'])?.field('source');
    if (!source?.present) {
      item.at('source').error('source is required in a from entry');
      continue;
    }
    hasFrom = true;
    const checked = checkSource(source, action);
    tcpInFrom ||= checked.tcp;
  }
  let hasTo = false;
  let tcpInTo = false;
  const to = rule.field('to').list();
  if (to && to.length === 0) rule.field('to').error('to must not be an empty list (omit it to match any operation)');
  for (const item of to ?? []) {
    const operation = item.struct(['operation'])?.field('operation');
    if (!operation?.present) {
      item.at('operation').error('operation is required in a to entry');
      continue;
    }
    hasTo = true;
    const namesPorts = checkOperation(operation);
    tcpInTo ||= namesPorts;
  }
  for (const condition of rule.field('when').list() ?? []) checkCondition(condition, action);

  if (action === 'DENY' && ((hasFrom && !hasTo && !tcpInFrom) || (hasTo && !tcpInTo))) {
    rule.warn(
      'this DENY rule uses only HTTP attributes: it denies all traffic to TCP ports it applies to; name the ports explicitly',
    );
  }
}

/** Checks a source; `tcp` tells whether it uses attributes a plain TCP connection has. */
function checkSource(field: Field, action: Action): { tcp: boolean } {
  const source = field.struct(SOURCE_FIELDS);
  if (!source) return { tcp: false };
  const set = source.setAmong(SOURCE_FIELDS);
  if (set.length === 0) source.error('source must set at least one field (omit the from entry to match any source)');
  for (const name of SOURCE_FIELDS) checkNoEmptyValues(source, name);
  for (const name of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) {
    for (const { value, field: entry } of source.field(name).strings()) if (value !== '') checkIPOrCIDR(entry, value);
  }
  checkServiceAccounts(source);
  if (action === 'CUSTOM') {
    for (const name of CUSTOM_UNSUPPORTED_SOURCE) {
      if (source.has(name)) source.field(name).error(`${name} is not supported with action CUSTOM`);
    }
  }
  return { tcp: TCP_SOURCE_FIELDS.some((name) => source.has(name)) };
}

/** `serviceAccounts`: `namespace/name` entries, no wildcards, not mixed with principals or namespaces. */
function checkServiceAccounts(source: Struct<(typeof SOURCE_FIELDS)[number]>): void {
  for (const name of ['serviceAccounts', 'notServiceAccounts'] as const) {
    const entries = source.field(name).strings();
    if (entries.length === 0) continue;
    const mixed = (['principals', 'notPrincipals', 'namespaces', 'notNamespaces'] as const).filter((other) =>
      source.has(other),
    );
    if (mixed.length > 0) source.field(name).error(`${name} cannot be combined with ${mixed.join(', ')}`);
    if (entries.length > 16)
      source.field(name).error(`at most 16 service accounts may be listed (got ${entries.length})`);
    for (const { value, field } of entries) {
      if (value.includes('*')) field.error(`wildcards are not supported in ${name} ("${value}")`);
      else if (value.length > 320) field.error('a service account entry must be at most 320 characters');
      else if (value !== '' && !/^[^/]+\/[^/]+$/.test(value))
        field.error(`"${value}" must be of the form namespace/serviceaccount`);
    }
  }
}

/** Checks an operation; returns whether it names ports (which TCP traffic has). */
function checkOperation(field: Field): boolean {
  const operation = field.struct(OPERATION_FIELDS);
  if (!operation) return false;
  if (operation.setAmong(OPERATION_FIELDS).length === 0) {
    operation.error('operation must set at least one field (omit the to entry to match any operation)');
  }
  for (const name of OPERATION_FIELDS) checkNoEmptyValues(operation, name);
  for (const name of ['ports', 'notPorts'] as const) {
    for (const { value, field: entry } of operation.field(name).strings()) {
      if (value !== '' && !(/^\d+$/.test(value) && Number(value) <= 65535)) {
        entry.error(`"${value}" is not a port number (a string of digits, at most 65535)`);
      }
    }
  }
  for (const name of ['paths', 'notPaths'] as const) {
    for (const { value, field: entry } of operation.field(name).strings()) checkPathTemplate(entry, value);
  }
  return operation.has('ports') || operation.has('notPorts');
}

/** Lists of strings where "" would silently match nothing. */
function checkNoEmptyValues<K extends string>(owner: Struct<K>, name: K): void {
  for (const { value, field } of owner.field(name).strings())
    if (value === '') field.error('empty values are not allowed');
}

/**
 * Paths may use the templates `{*}` (one segment) and `{**}` (any number of segments); other
 * template forms (named variables, bare `*` segments alongside templates) are not supported.
 */
function checkPathTemplate(field: Field, path: string): void {
  if (!path.includes('{*}') && !path.includes('{**}')) return;
  if (/\/\{\w+=\*\*?\}|\{\w*\}|\/\*\*?|\*\*?\//.test(path)) {
    field.error(`"${path}" uses an unsupported path template: only {*} and {**} are supported`);
  }
}

/** Map-like attributes, named with their entry in brackets, and an example of each. */
const MAP_ATTRIBUTES: ReadonlyArray<{ prefix: string; example: string }> = [
  { prefix: 'request.headers', example: 'request.headers[x-api-key]' },
  { prefix: 'request.auth.claims', example: 'request.auth.claims[groups]' },
  { prefix: 'experimental.envoy.filters.', example: 'experimental.envoy.filters.network.mysql_proxy[db.table]' },
];
const IP_ATTRIBUTES = ['source.ip', 'remote.ip', 'destination.ip'];
const PLAIN_ATTRIBUTES = [
  'source.namespace',
  'source.principal',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'connection.sni',
];

function checkCondition(field: Field, action: Action): void {
  const condition = field.struct(['key', 'values', 'notValues']);
  if (!condition) return;
  const key = condition.requiredString('key', 'key is required');
  const values = condition.field('values').strings();
  const notValues = condition.field('notValues').strings();
  if (key === undefined) return;
  if (values.length === 0 && notValues.length === 0) {
    condition.error(`condition on "${key}" needs values or notValues`);
    return;
  }
  const keyField = condition.field('key');
  if (
    action === 'CUSTOM' &&
    (key === 'source.namespace' || key === 'source.principal' || key.startsWith('request.auth.'))
  ) {
    keyField.error(`"${key}" is not supported with action CUSTOM`);
  }
  const problem = attributeProblem(key);
  if (problem) {
    keyField.error(problem);
    return;
  }
  for (const { value, field: entry } of [...values, ...notValues]) {
    if (value === '') entry.error('empty values are not allowed');
    else if (IP_ATTRIBUTES.includes(key)) checkIPOrCIDR(entry, value);
    else if (key === 'destination.port' && !(/^\d+$/.test(value) && Number(value) <= 65535)) {
      entry.error(`"${value}" is not a port number (a string of digits, at most 65535)`);
    }
  }
}

/** Whether `key` is a condition attribute Istio supports; map attributes need the `a[b]` form. */
function attributeProblem(key: string): string | undefined {
  const map = MAP_ATTRIBUTES.find((attribute) => key.startsWith(attribute.prefix));
  if (map) {
    const open = key.indexOf('[');
    if (key.endsWith(']') && open > 0 && open < key.length - 2) return undefined;
    return `"${key}" must name its entry in brackets, e.g. ${map.example}`;
  }
  if (IP_ATTRIBUTES.includes(key) || PLAIN_ATTRIBUTES.includes(key) || key === 'destination.port') return undefined;
  if (key === 'destination.namespace')
    return '"destination.namespace" is not supported: the policy\'s namespace already scopes it';
  if (key.startsWith('destination.labels')) return `"${key}" is not supported: use the workload selector`;
  if (key === 'destination.name' || key === 'destination.user') return `"${key}" is no longer supported`;
  return `unknown condition key "${key}" (supported: request.headers[...], source.ip, remote.ip, source.namespace, source.principal, request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[...], destination.ip, destination.port, connection.sni, experimental.envoy.filters.*)`;
}
