/**
 * The entry points: one object's spec (`validateConfig`), one parsed manifest with its envelope
 * and source lines (`validateManifest`), and a whole file (`validateFileText`).
 */
import {
  configFromManifest,
  lookupSchema,
  parseManifests,
  splitApiVersion,
  type Config,
  type ConfigIssue,
  type Kind,
  type Manifest,
} from '@mesh/config-model';
import { validateAuthorizationPolicy } from './kinds/authorization-policy';
import { validateDestinationRule } from './kinds/destination-rule';
import { validateGateway } from './kinds/gateway';
import { validateKubernetes } from './kinds/kubernetes';
import { validatePeerAuthentication } from './kinds/peer-authentication';
import { validateRequestAuthentication } from './kinds/request-authentication';
import { validateServiceEntry } from './kinds/service-entry';
import { validateSidecar } from './kinds/sidecar';
import { validateTelemetry } from './kinds/telemetry';
import { validateVirtualService } from './kinds/virtual-service';
import { validateWorkloadEntry, validateWorkloadGroup } from './kinds/workload-entry';
import { Field, isRecord, IssueList } from './walker';

export interface ValidationResult {
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
}

export interface ValidateOptions {
  /** Namespace for objects that do not name one (like `kubectl apply -n`). */
  readonly defaultNamespace?: string;
}

type SpecValidator = (spec: Field, config: Config) => void;

/** One validator per kind; the Record type makes a new kind without a validator a compile error. */
const validators: Readonly<Record<Kind, SpecValidator>> = {
  VirtualService: validateVirtualService,
  DestinationRule: validateDestinationRule,
  Gateway: validateGateway,
  ServiceEntry: validateServiceEntry,
  Sidecar: validateSidecar,
  WorkloadEntry: validateWorkloadEntry,
  WorkloadGroup: validateWorkloadGroup,
  PeerAuthentication: validatePeerAuthentication,
  AuthorizationPolicy: validateAuthorizationPolicy,
  RequestAuthentication: validateRequestAuthentication,
  Telemetry: validateTelemetry,
  Namespace: validateKubernetes,
  Node: validateKubernetes,
  Service: validateKubernetes,
  EndpointSlice: validateKubernetes,
  Pod: validateKubernetes,
  Secret: validateKubernetes,
  ConfigMap: validateKubernetes,
};

const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/**
 * Validates one object's spec by kind. Issues carry `resource` and `path` (no source line).
 * Kubernetes kinds get only light checks (Service ports and names, etc.).
 */
export function validateConfig(config: Config): ValidationResult {
  const issues = new IssueList({ kind: config.kind, namespace: config.namespace, name: config.name });
  checkDryRunAnnotation(config, issues);
  const validator = validators[config.kind];
  if (validator) validator(new Field(config.spec, ['spec'], issues), config);
  else issues.add('error', ['kind'], `no validator for kind "${String(config.kind)}"`);
  return { errors: issues.errors, warnings: issues.warnings };
}

/** `istio.io/dry-run` is only understood on ALLOW and DENY AuthorizationPolicies, as a boolean. */
function checkDryRunAnnotation(config: Config, issues: IssueList): void {
  const value = config.annotations[DRY_RUN_ANNOTATION];
  if (value === undefined) return;
  const path = ['metadata', 'annotations', DRY_RUN_ANNOTATION];
  if (config.kind !== 'AuthorizationPolicy') {
    issues.add('error', path, `the ${DRY_RUN_ANNOTATION} annotation is only supported on AuthorizationPolicy`);
    return;
  }
  const action = isRecord(config.spec) && config.spec.action !== undefined ? config.spec.action : 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY') {
    issues.add(
      'error',
      path,
      `the ${DRY_RUN_ANNOTATION} annotation only supports actions ALLOW and DENY (action is ${String(action)})`,
    );
  } else if (!['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False', 'T', 'F'].includes(value)) {
    issues.add('error', path, `the ${DRY_RUN_ANNOTATION} annotation must be "true" or "false" (got "${value}")`);
  }
}

/**
 * Envelope (configFromManifest) and spec validation of a parsed manifest. Every issue gets
 * `source: {file, line}` from the manifest. Objects of API groups outside Istio and Kubernetes'
 * discovery kinds (Deployments, ServiceAccounts...) are skipped with a warning: the mesh does not
 * read them. `config` is returned only when there are no errors.
 */
export function validateManifest(
  manifest: Manifest,
  options: ValidateOptions = {},
): ValidationResult & { config?: Config } {
  const locate = (issue: ConfigIssue): ConfigIssue => ({
    ...issue,
    source: { file: manifest.source.file, line: manifest.lineOf(issue.path) },
  });
  const skipped = notReadByTheMesh(manifest);
  if (skipped) return { errors: [], warnings: [locate(skipped)] };

  const envelope = configFromManifest(manifest, options);
  if (!envelope.ok) {
    const errors = envelope.issues.filter((i) => i.severity === 'error').map(locate);
    const warnings = envelope.issues.filter((i) => i.severity === 'warning').map(locate);
    return { errors, warnings };
  }
  const result = validateConfig(envelope.config);
  const errors = result.errors.map(locate);
  const warnings = result.warnings.map(locate);
  return errors.length === 0 ? { errors, warnings, config: envelope.config } : { errors, warnings };
}

/** A warning for objects of kinds outside the mesh's API groups, or undefined. */
function notReadByTheMesh(manifest: Manifest): ConfigIssue | undefined {
  const { apiVersion, kind, metadata } = manifest.object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') return undefined;
  const lookup = lookupSchema(apiVersion, kind);
  if (lookup.ok || lookup.reason !== 'unknown-kind') return undefined;
  const { group } = splitApiVersion(apiVersion);
  if (group === 'istio.io' || group.endsWith('.istio.io')) return undefined; // an Istio kind the mesh lacks is an error
  const meta = isRecord(metadata) ? metadata : {};
  return {
    severity: 'warning',
    path: ['kind'],
    message: `${kind} (${apiVersion}) is not a kind the mesh reads: not validated`,
    resource: {
      kind,
      namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
      name: typeof meta.name === 'string' ? meta.name : '<unnamed>',
    },
  };
}

/** Parses a whole file's text and validates every document; parse errors become issues with file:line. */
export function validateFileText(
  text: string,
  file: string,
  options: ValidateOptions = {},
): { configs: Config[]; errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const parsed = parseManifests(text, file);
  const errors: ConfigIssue[] = parsed.errors.map((error) => ({
    severity: 'error',
    message: error.message,
    path: [],
    source: error.source,
  }));
  const warnings: ConfigIssue[] = [];
  const configs: Config[] = [];
  for (const manifest of parsed.manifests) {
    const result = validateManifest(manifest, options);
    errors.push(...result.errors);
    warnings.push(...result.warnings);
    if (result.config) configs.push(result.config);
  }
  return { configs, errors, warnings };
}
