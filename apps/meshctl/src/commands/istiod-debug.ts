/**
 * Reading istiod's debug port (8080) for `proxy-status` and `proxy-config`: the `--istiod-debug`
 * flag, a GET with a timeout, and the JSON shapes these commands read (wire contracts of
 * /debug/syncz and /debug/config_dump; meshctl does not import the control plane).
 */
import { FlagError, stringFlag } from '@mesh/platform';

export const DEFAULT_ISTIOD_DEBUG = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 10_000;

export const istiodDebugFlag = stringFlag(
  'istiod-debug',
  DEFAULT_ISTIOD_DEBUG,
  "base URL of istiod's (or pilot's) debug port",
);

/** One type of one proxy in /debug/syncz. */
export interface SyncTypeStatus {
  readonly type: string;
  readonly sent_nonce: string;
  readonly acked_nonce: string;
  readonly sent_version?: string;
  readonly acked_version?: string;
  readonly nack?: { readonly message: string; readonly nonce: string };
}

/** One connected proxy in /debug/syncz. */
export interface SyncStatus {
  readonly proxy: string;
  readonly proxy_type?: string;
  readonly types?: readonly SyncTypeStatus[];
  readonly [field: string]: unknown;
}

export class DebugRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DebugRequestError';
  }
}

/** The base URL, checked: http or https, no query. */
export function debugBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FlagError(`--istiod-debug: "${text}" is not a URL (e.g. ${DEFAULT_ISTIOD_DEBUG})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FlagError(`--istiod-debug: "${text}" must be an http:// or https:// URL`);
  }
  return url;
}

/** GETs `path` under the base URL and parses JSON; errors name the URL and what went wrong. */
export async function getDebugJson(base: URL, path: string, query: Record<string, string> = {}): Promise<unknown> {
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new DebugRequestError(`cannot reach istiod at ${url.origin}: ${cause}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DebugRequestError(
      `${url.pathname} answered ${response.status} with non-JSON: ${text.slice(0, 200)}`,
      response.status,
    );
  }
  if (!response.ok) {
    const message = isRecord(body) && typeof body.error === 'string' ? body.error : text.slice(0, 200);
    throw new DebugRequestError(`${url.pathname} answered ${response.status}: ${message}`, response.status);
  }
  return body;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `pod.namespace` of a node ID `sidecar~10.0.0.1~pod.namespace~namespace.svc.cluster.local` (Istio's proxy name). */
export function proxyName(nodeId: string): string {
  return nodeId.split('~')[2] ?? nodeId;
}
