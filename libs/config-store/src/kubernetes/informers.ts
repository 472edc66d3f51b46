/**
 * The list/watch side of the Kubernetes source, as an injected interface: one informer per kind.
 * In production it is `@kubernetes/client-node`'s informer (`makeInformer`), which lists, watches
 * from the list's resourceVersion, resumes after a cleanly closed watch and relists after
 * `410 Gone`; the source restarts it after the errors it gives up on. Tests give the same
 * informer a fake transport, or their own informer.
 */
import {
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Schema } from '@mesh/config-model';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What the source needs from an informer (client-node's `Informer & ObjectCache` fits). */
export interface KubeInformer {
  on(verb: 'add' | 'update' | 'delete', callback: (object: KubernetesObject) => void): void;
  on(verb: 'error', callback: (error?: unknown) => void): void;
  /** Lists (unless it can resume from its last resourceVersion) and starts watching. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Its cache: after `start()` resolves without an error, the truth as of the list or watch. */
  list(): ReadonlyArray<KubernetesObject>;
}

export type InformerFactory = (schema: Schema) => KubeInformer;

/** The collection path the informer lists and watches, at the schema's preferred version. */
export function watchPathOf(schema: Schema): string {
  const version = schema.versions[0];
  return schema.group === '' ? `/api/${version}/${schema.plural}` : `/apis/${schema.group}/${version}/${schema.plural}`;
}

/** A list call that hangs (API server overloaded, connection half open) fails after this long. */
const LIST_TIMEOUT_MS = 60_000;

/** Informers talking to the API server of `kubeConfig`, across all namespaces. */
export function informersFromKubeConfig(kubeConfig: KubeConfig): InformerFactory {
  return (schema) => {
    const path = watchPathOf(schema);
    return makeInformer(kubeConfig, path, () => listAsServed(kubeConfig, path));
  };
}

/**
 * GET the collection at `path` and return the API server's JSON as it is, like the watch events.
 * Not client-node's typed list calls (`listPodForAllNamespaces`...): they turn timestamps into
 * Dates (`...:03Z` came back as `...:03.000Z`) and drop fields their model does not know, so an
 * object read from a list differed from the same object read from a watch event (checked against
 * kube-apiserver 1.36 in e2e/envtest). Errors carry the HTTP status as `statusCode` (404 tells the
 * source that a CRD is not installed).
 */
async function listAsServed(kubeConfig: KubeConfig, path: string): Promise<KubernetesListObject<KubernetesObject>> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(server.replace(/\/+$/, '') + path);
  const options: RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  // CA, client certificate, token or exec credentials, proxy: the same agent client-node's own calls use.
  await kubeConfig.applyToHTTPSOptions(options);
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(LIST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${LIST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
  if (body.status !== 200) {
    const error = new Error(`list ${path}: HTTP ${body.status}: ${statusMessageOf(body.text)}`);
    throw Object.assign(error, { statusCode: body.status });
  }
  const list = JSON.parse(body.text) as KubernetesListObject<KubernetesObject>;
  if (!Array.isArray(list.items)) throw new Error(`list ${path}: the answer has no items`);
  return list;
}

/** The message of a Kubernetes Status body, or the start of whatever else came back. */
function statusMessageOf(text: string): string {
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}
