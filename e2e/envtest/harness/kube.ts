/** Small helpers over @kubernetes/client-node for the specs: namespaces, API errors, raw reads. */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { request } from 'node:https';

/** An error from a client-node API call: `code` is the HTTP status, `body` the API server's Status (JSON text). */
export interface ApiError {
  readonly code: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && (status === undefined || code === status);
}

/** The `message` of the Status the API server answered with (client-node keeps the body as text). */
export function statusMessage(error: unknown): string {
  if (!isApiError(error)) throw new Error(`not an API error: ${String(error)}`);
  const body = typeof error.body === 'string' ? (JSON.parse(error.body) as unknown) : error.body;
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  if (typeof message !== 'string')
    throw new Error(`API error ${error.code} without a Status message: ${String(error.body)}`);
  return message;
}

/** Calls `request`, which must fail; returns the API error (status and message) for assertions. */
export async function expectApiError(request: () => Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request();
  } catch (error) {
    if (!isApiError(error)) throw error;
    return { code: error.code, message: statusMessage(error) };
  }
  throw new Error('the API server accepted a request that should have failed');
}

export async function createNamespace(kubeConfig: KubeConfig, name: string): Promise<void> {
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

/**
 * The texts of a `Warning` response header (RFC 7234: `299 - "text"`, several joined by ", "
 * when the response had more than one), with the quoting undone.
 */
export function warningTexts(header: string | undefined): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const match of header.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) {
    out.push(match[1]!.replace(/\\(.)/g, '$1'));
  }
  return out;
}

/**
 * GET `path` and return the JSON exactly as the API server sent it (the typed clients turn
 * timestamps into Dates and drop fields their model does not know).
 */
export async function getRaw(kubeConfig: KubeConfig, path: string): Promise<Record<string, unknown>> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(path, server);
  const options: Parameters<typeof request>[1] = { method: 'GET', headers: { Accept: 'application/json' } };
  await kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text) as Record<string, unknown>);
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}
