/**
 * HTTP header names and values in matches and header operations. Match names are plain tokens
 * (or a JWT claim reference on gateways); operations may not touch pseudo-headers, and values
 * may use Envoy's `%COMMAND%` substitutions but nothing that would make Envoy reject the route.
 */
import type { Field } from '../walker';

const HEADER_NAME = /^[-_A-Za-z0-9]+$/;
/** `@request.auth.claims.<name>` or `@request.auth.claims[<name>]...`: routing on JWT claims. */
const JWT_CLAIM_ROUTE = /^@request\.auth\.claims(?:\.[^.[\]]+|(?:\[[^[\]]+\])+)(?:\.[^.[\]]+)*$/;

export function isJwtClaimRoute(name: string): boolean {
  return JWT_CLAIM_ROUTE.test(name);
}

/** A header name used for matching or in CORS lists. */
export function checkHeaderName(
  field: Field,
  name: string,
  options: { allowClaims?: boolean; allowStar?: boolean } = {},
): boolean {
  if (name === '') {
    field.error('header name must not be empty');
    return false;
  }
  if (options.allowStar && name === '*') return true;
  if (options.allowClaims && isJwtClaimRoute(name)) return true;
  if (!HEADER_NAME.test(name)) {
    field.error(`"${name}" is not a valid header name (letters, digits, "-" and "_")`);
    return false;
  }
  return true;
}

function isAuthority(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
}

/**
 * A header a route sets or adds to the request: anything but pseudo-headers, except that the
 * authority (":authority" or "host") may be rewritten this way.
 */
export function checkRequestHeaderToSet(field: Field, name: string): boolean {
  if (name === '') {
    field.error('header name must not be empty');
    return false;
  }
  if (name.startsWith(':') && !isAuthority(name)) {
    field.error(`header "${name}" cannot be modified: pseudo-headers (":" prefix) are reserved`);
    return false;
  }
  return true;
}

/** A header removed from the request or modified on the response: no Host, no pseudo-headers. */
export function checkHeaderToModify(field: Field, name: string): boolean {
  if (name === '') {
    field.error('header name must not be empty');
    return false;
  }
  if (name.toLowerCase() === 'host') {
    field.error('the Host header cannot be removed or set on responses');
    return false;
  }
  if (name.startsWith(':')) {
    field.error(`header "${name}" cannot be modified: pseudo-headers (":" prefix) are reserved`);
    return false;
  }
  return true;
}

export function isAuthorityHeader(name: string): boolean {
  return isAuthority(name);
}

/** Control characters other than horizontal tab are not allowed in header values. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** A header value: no control characters, and every "%" either "%%" or a closed `%COMMAND%`. */
export function checkHeaderValue(field: Field, value: string): boolean {
  if (hasControlCharacter(value)) {
    field.error('header value must not contain control characters');
    return false;
  }
  let i = 0;
  while (i < value.length) {
    if (value[i] !== '%') {
      i++;
      continue;
    }
    if (value[i + 1] === '%') {
      i += 2;
      continue;
    }
    const end = substitutionEnd(value, i);
    if (end === undefined) {
      field.error(
        `header value "${value}" has a "%" that does not start a %COMMAND% substitution (write "%%" for a literal percent sign)`,
      );
      return false;
    }
    i = end;
  }
  return true;
}

/**
 * Where an Envoy substitution starting at `start` ends: `%NAME%`, `%NAME(args)%`, optionally
 * with `:length` (the arguments may themselves contain "%", as in `%START_TIME(%s)%`).
 */
function substitutionEnd(value: string, start: number): number | undefined {
  const name = /^[A-Z][A-Z0-9_]*/.exec(value.slice(start + 1));
  if (!name) return undefined;
  let i = start + 1 + name[0].length;
  if (value[i] === '(') {
    const close = value.indexOf(')', i);
    if (close === -1) return undefined;
    i = close + 1;
  }
  const length = /^:\d+/.exec(value.slice(i));
  if (length) i += length[0].length;
  return value[i] === '%' ? i + 1 : undefined;
}
