/**
 * One HTTP route of a VirtualService: its matches, what it does (route, redirect, direct
 * response or delegation), and the policies around it (rewrite, retries, timeout, fault
 * injection, mirroring, CORS, header operations).
 */
import { checkDestination } from '../rules/destination';
import { checkDuration, NANOS_PER_SECOND } from '../rules/duration';
import { checkGatewayNames } from '../rules/gateway-names';
import {
  checkHeaderName,
  checkHeaderToModify,
  checkHeaderValue,
  checkRequestHeaderToSet,
  isAuthorityHeader,
  isJwtClaimRoute,
} from '../rules/headers';
import { isDNS1123Label } from '../rules/hosts';
import { checkLabels } from '../rules/labels';
import { checkFaultPercent, checkPercentMessage } from '../rules/numbers';
import { checkPortNumber } from '../rules/ports';
import { checkRegex } from '../rules/regex';
import { checkStringMatch } from '../rules/string-match';
import type { Field, Struct } from '../walker';

const HTTP_ROUTE_FIELDS = [
  'name',
  'match',
  'route',
  'redirect',
  'directResponse',
  'delegate',
  'rewrite',
  'timeout',
  'retries',
  'fault',
  'mirror',
  'mirrors',
  'mirrorPercent',
  'mirrorPercentage',
  'corsPolicy',
  'headers',
] as const;
const MATCH_FIELDS = [
  'name',
  'uri',
  'scheme',
  'method',
  'authority',
  'headers',
  'port',
  'sourceLabels',
  'gateways',
  'queryParams',
  'ignoreUriCase',
  'withoutHeaders',
  'sourceNamespace',
  'statPrefix',
] as const;
const HTTP_DESTINATION_FIELDS = ['destination', 'weight', 'headers'] as const;
const REDIRECT_FIELDS = ['uri', 'authority', 'port', 'derivePort', 'scheme', 'redirectCode'] as const;
const REWRITE_FIELDS = ['uri', 'authority', 'uriRegexRewrite'] as const;
const RETRY_FIELDS = [
  'attempts',
  'perTryTimeout',
  'retryOn',
  'retryRemoteLocalities',
  'retryIgnorePreviousHosts',
  'backoff',
] as const;
const CORS_FIELDS = [
  'allowOrigins',
  'allowOrigin',
  'allowMethods',
  'allowHeaders',
  'exposeHeaders',
  'maxAge',
  'allowCredentials',
  'unmatchedPreflights',
] as const;

/** Envoy's `x-envoy-retry-on` and `x-envoy-retry-grpc-on` policies. */
const RETRY_ON_POLICIES = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** HTTP status codes with a registered meaning; Istio accepts them in retryOn. */
const KNOWN_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400,
  401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425,
  426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

const GRPC_STATUS = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'] as const;

const KB = 1024;
const MB = 1024 * KB;

export interface HttpRouteContext {
  /** The VirtualService has no hosts: it is a delegate, included by another's `delegate`. */
  readonly delegate: boolean;
  /** The VirtualService applies only to gateways (not to the sidecars of the mesh). */
  readonly gatewayOnly: boolean;
}

export function checkHttpRoute(field: Field, context: HttpRouteContext): void {
  const route = field.struct(HTTP_ROUTE_FIELDS);
  if (!route) return;
  route.field('name').string();
  checkRouteAction(route, context);
  for (const match of route.field('match').list() ?? []) checkMatch(match, context);

  const authoritySetters = checkHeaderOperations(route.field('headers'));
  const rewriteAuthority = checkRewrite(route.field('rewrite'));
  if (rewriteAuthority !== undefined && authoritySetters.length > 0) {
    authoritySetters[0].error('the authority is already rewritten by rewrite.authority: set it in one place only');
  } else if (authoritySetters.length > 1) {
    authoritySetters[1].error('the authority header is set more than once');
  }

  if (route.has('timeout')) checkDuration(route.field('timeout'));
  checkRetries(route.field('retries'));
  checkFault(route.field('fault'));
  checkRedirect(route.field('redirect'));
  checkDirectResponse(route.field('directResponse'));
  checkMirroring(route);
  checkCors(route.field('corsPolicy'));
  checkHttpDestinations(route.field('route'));
  const delegate = route.field('delegate').struct(['name', 'namespace']);
  if (delegate) {
    delegate.requiredString('name', 'the name of the delegate VirtualService is required');
    const namespace = delegate.field('namespace').string();
    if (namespace && !isDNS1123Label(namespace))
      delegate.field('namespace').error(`"${namespace}" is not a valid namespace`);
  }
}

/** Exactly one of route, redirect, directResponse (or delegate on a root VirtualService). */
function checkRouteAction(route: Struct<string>, context: HttpRouteContext): void {
  const has = (name: string): boolean => route.at(name).present;
  if (has('mirror') && has('mirrors')) route.error('only one of mirror and mirrors may be set');
  if (has('delegate')) {
    if (context.delegate) {
      route.at('delegate').error('a delegate VirtualService cannot delegate again');
    } else {
      if (has('route')) route.at('route').error('a route that delegates must not set route: the delegate routes');
      if (has('redirect')) route.at('redirect').error('a route that delegates must not set redirect');
      return;
    }
  }
  // An empty `route: []` routes nowhere, so it does not count as an action.
  const routes = route.at('route').value;
  const actions = ['route', 'redirect', 'directResponse'].filter(
    (name) => has(name) && !(name === 'route' && Array.isArray(routes) && routes.length === 0),
  );
  if (actions.length === 0) {
    route.error('one of route, redirect or directResponse is required');
    return;
  }
  if (actions.length > 1) {
    route.error(`only one of route, redirect or directResponse may be set (found ${actions.join(', ')})`);
  }
  if (!actions.includes('route')) {
    const action = actions[0];
    if (has('fault')) route.at('fault').error(`fault injection cannot be combined with ${action}`);
    if (has('rewrite')) route.at('rewrite').error(`rewrite cannot be combined with ${action}`);
  }
}

function checkMatch(field: Field, context: HttpRouteContext): void {
  const match = field.struct(MATCH_FIELDS);
  if (!match) return;
  match.field('name').string();
  match.field('statPrefix').string();
  match.field('ignoreUriCase').boolean();
  checkStringMatch(match.field('uri'), { allowEmptyPrefix: true });
  checkStringMatch(match.field('scheme'));
  checkStringMatch(match.field('method'));
  checkStringMatch(match.field('authority'));
  for (const key of ['headers', 'withoutHeaders'] as const) {
    for (const [name, value] of match.field(key).entries() ?? []) {
      if (checkHeaderName(value, name, { allowClaims: true }) && isJwtClaimRoute(name) && !context.gatewayOnly) {
        value.error(`routing on JWT claims ("${name}") is only supported for VirtualServices bound to gateways`);
      }
      if (!value.present) value.error('header match must not be null (use {} to match presence)');
      else checkStringMatch(value, { starMeansPresent: key === 'withoutHeaders' });
    }
  }
  for (const [, value] of match.field('queryParams').entries() ?? []) {
    if (!value.present) value.error('query parameter match must not be null (use {} to match presence)');
    else checkStringMatch(value);
  }
  checkPortNumber(match.field('port'));
  checkLabels(match.field('sourceLabels'));
  checkGatewayNames(match.field('gateways').strings());
  const sourceNamespace = match.field('sourceNamespace').string();
  if (sourceNamespace && !isDNS1123Label(sourceNamespace)) {
    match.field('sourceNamespace').error(`"${sourceNamespace}" is not a valid namespace`);
  }
}

/** `headers: {request, response}`; returns the fields that set the request authority. */
function checkHeaderOperations(field: Field): Field[] {
  const headers = field.struct(['request', 'response']);
  if (!headers) return [];
  const authoritySetters: Field[] = [];
  const request = headers.field('request').struct(['set', 'add', 'remove']);
  for (const operation of ['set', 'add'] as const) {
    for (const { key, value, field: entry } of request?.field(operation).stringMap() ?? []) {
      if (checkRequestHeaderToSet(entry, key)) checkHeaderValue(entry, value);
      if (isAuthorityHeader(key)) authoritySetters.push(entry);
    }
  }
  for (const { value, field: entry } of request?.field('remove').strings() ?? []) checkHeaderToModify(entry, value);
  const response = headers.field('response').struct(['set', 'add', 'remove']);
  for (const operation of ['set', 'add'] as const) {
    for (const { key, value, field: entry } of response?.field(operation).stringMap() ?? []) {
      if (checkHeaderToModify(entry, key)) checkHeaderValue(entry, value);
    }
  }
  for (const { value, field: entry } of response?.field('remove').strings() ?? []) checkHeaderToModify(entry, value);
  return authoritySetters;
}

/** Returns the authority the rewrite sets, if any. */
function checkRewrite(field: Field): string | undefined {
  const rewrite = field.struct(REWRITE_FIELDS);
  if (!rewrite) return undefined;
  const uri = rewrite.field('uri').string();
  const authority = rewrite.field('authority').string();
  const regexRewrite = rewrite.field('uriRegexRewrite').struct(['match', 'rewrite']);
  if (uri && regexRewrite) rewrite.error('only one of uri and uriRegexRewrite may be set');
  if (!uri && !authority && !rewrite.has('uriRegexRewrite')) {
    rewrite.error('rewrite must set at least one of uri, uriRegexRewrite or authority');
  }
  if (regexRewrite) {
    const pattern = regexRewrite.requiredString('match', 'uriRegexRewrite needs both match and rewrite');
    if (!regexRewrite.has('rewrite'))
      regexRewrite.field('rewrite').error('uriRegexRewrite needs both match and rewrite');
    else regexRewrite.field('rewrite').string();
    if (pattern !== undefined) checkRegex(regexRewrite.field('match'), pattern);
  }
  return authority || undefined;
}

function checkRetries(field: Field): void {
  const retries = field.struct(RETRY_FIELDS);
  if (!retries) return;
  const attemptsField = retries.field('attempts');
  const attempts = attemptsField.present ? attemptsField.nonNegativeInt32() : 0;
  const perTryTimeout = retries.field('perTryTimeout');
  if (perTryTimeout.present) checkDuration(perTryTimeout);
  if (retries.has('backoff')) checkDuration(retries.field('backoff'));
  retries.field('retryRemoteLocalities').boolean();
  retries.field('retryIgnorePreviousHosts').boolean();
  const retryOn = retries.field('retryOn').string();
  if (retryOn) {
    for (const policy of retryOn.split(',')) {
      const code = /^\d+$/.test(policy) ? Number(policy) : undefined;
      if (!RETRY_ON_POLICIES.has(policy) && !(code !== undefined && KNOWN_STATUS_CODES.has(code))) {
        retries.field('retryOn').error(`"${policy}" is not a retryOn policy or an HTTP status code`);
      }
    }
  }
  const configured = (['perTryTimeout', 'retryOn', 'retryRemoteLocalities'] as const).filter((name) =>
    retries.has(name),
  );
  if (attempts === 0 && configured.length > 0) {
    attemptsField.error(
      `attempts is 0, which disables retries, but ${configured.join(', ')} ${configured.length > 1 ? 'are' : 'is'} set`,
    );
  }
}

function checkFault(field: Field): void {
  const fault = field.struct(['delay', 'abort']);
  if (!fault) return;
  if (!fault.has('delay') && !fault.has('abort')) {
    fault.error('fault injection needs an abort, a delay or both');
    return;
  }
  const delay = fault.field('delay').struct(['fixedDelay', 'exponentialDelay', 'percent', 'percentage']);
  if (delay) {
    const kind = delay.oneOf(['fixedDelay', 'exponentialDelay']);
    if (kind === undefined) delay.field('fixedDelay').error('fixedDelay is required');
    else if (kind === 'exponentialDelay')
      delay.field('exponentialDelay').error('exponentialDelay is not supported: use fixedDelay');
    else checkDuration(delay.field('fixedDelay'));
    checkDeprecatedPercent(delay.field('percent'));
    checkFaultPercent(delay.field('percentage'));
  }
  const abort = fault.field('abort').struct(['httpStatus', 'grpcStatus', 'http2Error', 'percentage']);
  if (abort) {
    const kind = abort.oneOf(['httpStatus', 'grpcStatus', 'http2Error']);
    if (kind === undefined) abort.warn('abort has no error type (httpStatus or grpcStatus): it does nothing');
    if (kind === 'httpStatus') {
      const status = abort.field('httpStatus').integer();
      if (status !== undefined && (status < 200 || status > 599)) {
        abort.field('httpStatus').error(`HTTP status must be between 200 and 599 (got ${status})`);
      }
    }
    if (kind === 'grpcStatus') abort.field('grpcStatus').enumOf(GRPC_STATUS);
    if (kind === 'http2Error')
      abort.field('http2Error').error('HTTP/2 error aborts are not supported: use httpStatus or grpcStatus');
    checkFaultPercent(abort.field('percentage'));
  }
}

/** The deprecated integer `percent` of fault delays. */
function checkDeprecatedPercent(field: Field): void {
  if (!field.present) return;
  field.integerIn(0, 100);
  field.warn('percent is deprecated: use percentage: {value: ...}');
}

function checkRedirect(field: Field): void {
  const redirect = field.struct(REDIRECT_FIELDS);
  if (!redirect) return;
  redirect.field('uri').string();
  redirect.field('authority').string();
  redirect.oneOf(['port', 'derivePort']);
  checkPortNumber(redirect.field('port'));
  redirect.field('derivePort').enumOf(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']);
  if (redirect.setAmong(['uri', 'authority', 'port', 'derivePort', 'scheme']).length === 0) {
    redirect.error('redirect must set at least one of uri, authority, port, derivePort or scheme');
  }
  const scheme = redirect.field('scheme').string();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    redirect.field('scheme').error(`redirect scheme must be "http" or "https" (got "${scheme}")`);
  }
  const code = redirect.field('redirectCode').integer();
  if (code !== undefined && code !== 0 && (code < 300 || code > 399)) {
    redirect.field('redirectCode').error(`redirect code must be a 3xx status (got ${code})`);
  }
}

function checkDirectResponse(field: Field): void {
  const response = field.struct(['status', 'body']);
  if (!response) return;
  const status = response.required('status').integer();
  if (status !== undefined && (status < 200 || status > 599)) {
    response.field('status').error(`HTTP status must be between 200 and 599 (got ${status})`);
  }
  const body = response.field('body').struct(['string', 'bytes']);
  if (!body) return;
  const kind = body.oneOf(['string', 'bytes']);
  const text = kind ? body.field(kind).string() : undefined;
  if (text === undefined) return;
  let size = new TextEncoder().encode(text).length;
  if (kind === 'bytes') {
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      body.field('bytes').error('bytes must be base64-encoded');
      return;
    }
    size = (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  }
  if (size > MB) body.error(`direct response body is ${size} bytes; it must be less than 1MB`);
  else if (size > 100 * KB)
    body.warn(`direct response body is ${size} bytes; large bodies slow down config distribution`);
}

function checkMirroring(route: Struct<string>): void {
  checkDestination(route.at('mirror'));
  for (const item of route.at('mirrors').list() ?? []) {
    const mirror = item.struct(['destination', 'percentage']);
    if (!mirror) continue;
    if (!mirror.has('destination')) mirror.field('destination').error('destination is required for a mirror');
    checkDestination(mirror.field('destination'));
    checkPercentMessage(mirror.field('percentage'));
  }
  const mirrorPercent = route.at('mirrorPercent');
  if (mirrorPercent.present) {
    mirrorPercent.integerIn(0, 100);
    mirrorPercent.warn('mirrorPercent is deprecated: use mirrorPercentage: {value: ...}');
  }
  checkPercentMessage(route.at('mirrorPercentage'));
}

function checkCors(field: Field): void {
  const cors = field.struct(CORS_FIELDS);
  if (!cors) return;
  for (const origin of cors.field('allowOrigins').list() ?? []) {
    const match = checkStringMatch(origin);
    if (match && !match.value) origin.error('an allowOrigins entry needs a non-empty exact, prefix or regex');
  }
  if (cors.has('allowOrigin')) {
    cors.field('allowOrigin').strings();
    cors.field('allowOrigin').warn('allowOrigin is deprecated: use allowOrigins with exact, prefix or regex');
  }
  for (const { value, field: entry } of cors.field('allowMethods').strings()) {
    if (!(HTTP_METHODS as readonly string[]).includes(value)) {
      entry.error(`"${value}" is not a supported HTTP method (${HTTP_METHODS.join(', ')})`);
    }
  }
  for (const key of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const { value, field: entry } of cors.field(key).strings()) checkHeaderName(entry, value, { allowStar: true });
  }
  if (cors.has('maxAge')) checkDuration(cors.field('maxAge'), { precision: NANOS_PER_SECOND });
  cors.field('allowCredentials').boolean();
  cors.field('unmatchedPreflights').enumOf(['UNSPECIFIED', 'FORWARD', 'IGNORE']);
}

/** The weighted destinations of an HTTP route. */
function checkHttpDestinations(field: Field): void {
  const items = field.list() ?? [];
  const weights: Array<number | undefined> = [];
  for (const item of items) {
    const destination = item.struct(HTTP_DESTINATION_FIELDS);
    if (!destination) {
      weights.push(undefined);
      continue;
    }
    if (!destination.has('destination')) destination.field('destination').error('destination is required');
    checkDestination(destination.field('destination'));
    checkHeaderOperations(destination.field('headers'));
    const weightField = destination.field('weight');
    weights.push(weightField.present ? weightField.nonNegativeInt32() : 0);
  }
  checkWeights(field, weights);
}

/**
 * Istio's rule for weights: each is non-negative; with several destinations they are relative
 * proportions that must not all be zero (a single destination gets all traffic whatever its weight).
 */
export function checkWeights(field: Field, weights: Array<number | undefined>): void {
  if (weights.length < 2 || weights.some((w) => w === undefined)) return;
  const total = weights.reduce<number>((sum, w) => sum + (w ?? 0), 0);
  if (total === 0) {
    field.error('the weights of a route with several destinations must not all be 0 (unset weights count as 0)');
  } else if (total !== 100) {
    field.warn(`weights sum to ${total}, not 100: traffic is split in proportion to them`);
  }
}
