/**
 * Reading a live cluster for `meshctl analyze --kubeconfig`: config-store's Kubernetes source lists
 * the kinds the analyzers read (and only those: no Secrets), then is closed. What the API server
 * sends that is not a usable object comes back as issues. If some kind cannot be listed within the
 * timeout (API server unreachable, no permission), the command fails naming the kinds and why.
 */
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { Config, ConfigIssue, Kind } from '@mesh/config-model';
import { informersFromKubeConfig, KubernetesConfigSource } from '@mesh/config-store';

/** Retries of a failing kind before the command gives up (~1.5 s with the backoff below). */
const GIVE_UP_AFTER_RESTARTS = 3;

export interface ClusterConfigs {
  readonly configs: Config[];
  readonly issues: ConfigIssue[];
}

export async function readClusterConfigs(
  kubeconfigPath: string,
  kinds: readonly Kind[],
  timeoutMs: number,
): Promise<ClusterConfigs> {
  if (!existsSync(kubeconfigPath)) throw new Error(`--kubeconfig ${kubeconfigPath}: no such file`);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no current cluster)';
  const source = new KubernetesConfigSource({
    informers: informersFromKubeConfig(kubeConfig),
    kinds,
    backoff: { initialMs: 200, maxMs: 2000 },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await new Promise<'ready' | 'failing' | 'timeout'>((resolve) => {
      source.ready().then(
        () => resolve('ready'),
        () => undefined, // rejected only when closed, which happens after this settles
      );
      const started = Date.now();
      // Errors that persist over a few retries (no permission, wrong address, TLS) will not go
      // away by waiting: give up on them early instead of waiting for the whole timeout.
      const poll = (): void => {
        if (Date.now() - started >= timeoutMs) return resolve('timeout');
        if (Object.values(source.status()).some((s) => s && !s.synced && s.restarts >= GIVE_UP_AFTER_RESTARTS)) {
          return resolve('failing');
        }
        timer = setTimeout(poll, 100);
      };
      poll();
    });
    if (outcome !== 'ready') {
      const failing = Object.entries(source.status())
        .filter(([, status]) => !status?.synced)
        .map(([kind, status]) => status?.lastError ?? `${kind}: no answer`);
      const why = outcome === 'timeout' ? `within ${timeoutMs / 1000}s` : `after ${GIVE_UP_AFTER_RESTARTS} retries`;
      throw new Error(`could not list from the cluster at ${server} ${why}: ${failing.join('; ')}`);
    }
    return { configs: kinds.flatMap((kind) => source.list(kind)), issues: source.rejected() };
  } finally {
    clearTimeout(timer);
    await source.close();
  }
}
