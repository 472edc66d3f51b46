/**
 * Where the control plane reads its configuration: a directory of YAML (`--config-dir`, no
 * Kubernetes at all), a Kubernetes API server (`--kubeconfig FILE`, or in-cluster credentials when
 * running in a pod), and the MeshConfig file (`--mesh-config`). Every object is validated with
 * config-validation before the store serves it, so invalid config never reaches the push path.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { defaultMeshConfig, formatIssue, parseMeshConfig, type ConfigIssue, type MeshConfig } from '@mesh/config-model';
import {
  DirectoryConfigSource,
  informersFromKubeConfig,
  KubernetesConfigSource,
  type ConfigStore,
} from '@mesh/config-store';
import { validateConfig } from '@mesh/config-validation';
import { FlagError } from '@mesh/platform';
import type { XdsLogger } from '../xds-server';
import type { Environment } from './settings';

export interface ConfigSourceOptions {
  readonly configDir?: string;
  readonly kubeconfig?: string;
  /** Consulted for in-cluster mode (KUBERNETES_SERVICE_HOST). */
  readonly env?: Environment;
}

export interface OpenedConfigStore {
  readonly store: ConfigStore;
  /** For the start-up log: `directory /etc/mesh`, `kubernetes (kubeconfig ~/.kube/config)`. */
  readonly description: string;
}

/** Opens the one source the flags name; throws a FlagError when they name none or both. */
export function openConfigStore(options: ConfigSourceOptions): OpenedConfigStore {
  const env = options.env ?? process.env;
  if (options.configDir !== undefined && options.kubeconfig !== undefined) {
    throw new FlagError('give either --config-dir or --kubeconfig, not both');
  }
  if (options.configDir !== undefined) {
    if (options.configDir === '') throw new FlagError('--config-dir: give a directory');
    return {
      store: new DirectoryConfigSource({ dir: options.configDir, validate: validateConfig }),
      description: `directory ${options.configDir}`,
    };
  }
  const kubeConfig = new KubeConfig();
  let description: string;
  if (options.kubeconfig !== undefined) {
    try {
      kubeConfig.loadFromFile(options.kubeconfig);
    } catch (error) {
      throw new Error(`--kubeconfig: cannot load ${options.kubeconfig}: ${(error as Error).message}`, { cause: error });
    }
    if (!kubeConfig.getCurrentCluster()) throw new Error(`--kubeconfig: ${options.kubeconfig} has no current cluster`);
    description = `kubernetes ${kubeConfig.getCurrentCluster()?.server} (kubeconfig ${options.kubeconfig})`;
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kubeConfig.loadFromCluster();
    description = `kubernetes ${kubeConfig.getCurrentCluster()?.server} (in-cluster)`;
  } else {
    throw new FlagError('give --config-dir DIR (no Kubernetes) or --kubeconfig FILE');
  }
  return {
    store: new KubernetesConfigSource({ informers: informersFromKubeConfig(kubeConfig), validate: validateConfig }),
    description,
  };
}

/**
 * The MeshConfig: Istio's defaults, with the file's fields applied. Errors in the file stop the
 * start (istiod would run with settings the user did not intend); unknown fields are warned about.
 */
export function readMeshConfig(file: string | undefined, logger: XdsLogger): MeshConfig {
  if (file === undefined) return defaultMeshConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`--mesh-config: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const { config, issues } = parseMeshConfig(text, file);
  const errors = issues.filter((issue: ConfigIssue) => issue.severity === 'error');
  for (const warning of issues.filter((issue) => issue.severity === 'warning')) {
    logger.warn(`--mesh-config: ${formatIssue(warning)}`);
  }
  if (errors.length > 0) {
    throw new Error(`--mesh-config: ${file} is invalid:\n${errors.map((e) => `  ${formatIssue(e)}`).join('\n')}`);
  }
  return config;
}
