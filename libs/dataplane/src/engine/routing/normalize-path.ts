/**
 * RFC 3986 path normalization, as the connection manager's `normalize_path` asks before routing:
 * percent-encoded unreserved characters are decoded (`%7E` → `~`, RFC 3986 §6.2.2.2), the other
 * escapes are upper-cased (§6.2.2.1), and `.` and `..` segments are removed (§5.2.4). The query
 * is left alone. A path that is not absolute or holds a malformed escape cannot be normalized:
 * the request is refused (Envoy answers 400).
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const HEX = /^[0-9A-Fa-f]{2}$/;

/** The normalized path and query; undefined when the path cannot be normalized. */
export function normalizePath(pathAndQuery: string): string | undefined {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q);
  if (!path.startsWith('/')) return undefined;
  // Fast path: nothing to do for the usual path without escapes or dot segments.
  if (!path.includes('%') && !path.includes('/.')) return pathAndQuery;
  const decoded = normalizeEscapes(path);
  if (decoded === undefined) return undefined;
  return removeDotSegments(decoded) + query;
}

function normalizeEscapes(path: string): string | undefined {
  if (!path.includes('%')) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return undefined;
    const char = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** RFC 3986 §5.2.4 over an absolute path. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  // segments[0] is the empty string before the leading slash.
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (segment === '.') {
      if (last) out.push('');
    } else if (segment === '..') {
      out.pop();
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  }
  return `/${out.join('/')}`;
}
