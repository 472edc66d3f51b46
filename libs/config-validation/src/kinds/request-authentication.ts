/**
 * RequestAuthentication: which JWTs a workload accepts (issuer, keys, where the token is read
 * from) and which claims it copies to headers.
 */
import { checkDuration } from '../rules/duration';
import { checkHeaderName } from '../rules/headers';
import { checkPolicyTargets } from '../rules/policy-target';
import type { Field } from '../walker';
import { isRecord } from '../walker';

const REQUEST_AUTHENTICATION_FIELDS = ['selector', 'targetRef', 'targetRefs', 'jwtRules'] as const;
const JWT_RULE_FIELDS = [
  'issuer',
  'audiences',
  'jwksUri',
  'jwks',
  'fromHeaders',
  'fromParams',
  'fromCookies',
  'outputPayloadToHeader',
  'forwardOriginalToken',
  'outputClaimToHeaders',
  'timeout',
  'spaceDelimitedClaims',
] as const;

export function validateRequestAuthentication(spec: Field): void {
  const policy = spec.struct(REQUEST_AUTHENTICATION_FIELDS);
  if (!policy) return;
  checkPolicyTargets(policy, policy.field('selector'), policy.field('targetRef'), policy.field('targetRefs'));
  const issuers = new Map<string, string>();
  (policy.field('jwtRules').list() ?? []).forEach((rule, index) => {
    const issuer = checkJwtRule(rule);
    if (issuer === undefined) return;
    const first = issuers.get(issuer);
    if (first !== undefined) rule.at('issuer').warn(`issuer "${issuer}" is already configured in ${first}`);
    else issuers.set(issuer, `jwtRules[${index}]`);
  });
}

/** Checks one JWT rule; returns its issuer. */
function checkJwtRule(field: Field): string | undefined {
  const rule = field.struct(JWT_RULE_FIELDS);
  if (!rule) return undefined;
  const issuer = rule.requiredString('issuer', 'issuer is required');
  for (const { value, field: audience } of rule.field('audiences').strings()) {
    if (value === '') audience.error('audiences must not contain empty strings');
  }
  const jwksUri = rule.field('jwksUri').string();
  if (jwksUri) checkJwksUri(rule.field('jwksUri'), jwksUri);
  const jwks = rule.field('jwks').string();
  if (jwks) checkJwks(rule.field('jwks'), jwks);
  if (jwksUri && jwks) rule.field('jwksUri').warn('jwks is set inline, so jwksUri is not used');

  for (const item of rule.field('fromHeaders').list() ?? []) {
    const header = item.struct(['name', 'prefix']);
    if (!header) continue;
    const name = header.requiredString('name', 'header name is required');
    if (name !== undefined) checkHeaderName(header.field('name'), name);
    header.field('prefix').string();
  }
  for (const key of ['fromParams', 'fromCookies', 'spaceDelimitedClaims'] as const) {
    for (const { value, field: entry } of rule.field(key).strings()) if (value === '') entry.error('must not be empty');
  }
  const payloadHeader = rule.field('outputPayloadToHeader').string();
  if (payloadHeader) checkHeaderName(rule.field('outputPayloadToHeader'), payloadHeader);
  rule.field('forwardOriginalToken').boolean();
  for (const item of rule.field('outputClaimToHeaders').list() ?? []) {
    const mapping = item.struct(['header', 'claim']);
    if (!mapping) continue;
    const header = mapping.requiredString('header', 'header is required');
    mapping.requiredString('claim', 'claim is required');
    if (header !== undefined) checkHeaderName(mapping.field('header'), header);
  }
  if (rule.has('timeout')) checkDuration(rule.field('timeout'));
  return issuer;
}

function checkJwksUri(field: Field, uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    field.error(`"${uri}" is not a valid URL`);
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    field.error(`jwksUri scheme "${url.protocol.slice(0, -1)}" is not supported: use https (or http)`);
  } else if (url.hostname === '') field.error(`"${uri}" has no host`);
}

/** Inline JWKS: a JSON key set `{"keys": [...]}` (or a single JWK), every key with its `kty`. */
function checkJwks(field: Field, text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    field.error(`jwks is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  if (!isRecord(parsed)) {
    field.error('jwks must be a JSON object with a "keys" list');
    return;
  }
  const keys = 'keys' in parsed ? parsed.keys : [parsed];
  if (!Array.isArray(keys) || keys.length === 0) {
    field.error('jwks "keys" must be a non-empty list of keys');
    return;
  }
  keys.forEach((key, index) => {
    if (!isRecord(key) || typeof key.kty !== 'string' || key.kty === '') {
      field.error(`jwks key ${index} has no "kty" (key type)`);
    }
  });
}
