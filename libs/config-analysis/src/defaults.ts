/**
 * What a file-only analysis assumes the mesh installs: Istio's default ingress gateway (a pod
 * labelled `istio: ingressgateway` and its Service in the root namespace). Without it, every
 * Gateway written for the default ingress (Bookinfo's, httpbin's) would be reported as selecting
 * nothing, although the files are meant for a mesh that has one. Istio's `istioctl analyze` adds
 * the same stand-ins when it reads no cluster. They are left out when the input brings its own
 * ingress gateway workload (a pod or pod template labelled `istio: ingressgateway`), and objects
 * of the same kind and name in the input win.
 */
import { configKey, type Config } from '@mesh/config-model';
import type { AnalysisInput } from './analyze';

const LABELS = { app: 'istio-ingressgateway', istio: 'ingressgateway' };

/** The stand-in Pod and Service of the default ingress gateway. */
export function defaultIngressGateway(rootNamespace = 'istio-system'): Config[] {
  const meta = {
    group: '',
    version: 'v1',
    namespace: rootNamespace,
    labels: LABELS,
    annotations: {},
    resourceVersion: '',
  };
  const pod: Config = {
    ...meta,
    kind: 'Pod',
    name: 'istio-ingressgateway',
    spec: {
      containers: [
        {
          name: 'istio-proxy',
          ports: [
            { name: 'status-port', containerPort: 15021 },
            { name: 'http2', containerPort: 8080 },
            { name: 'https', containerPort: 8443 },
            { name: 'http-envoy-prom', containerPort: 15090 },
          ],
        },
      ],
    },
  };
  const service: Config = {
    ...meta,
    kind: 'Service',
    name: 'istio-ingressgateway',
    spec: {
      selector: LABELS,
      ports: [
        { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
        { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
      ],
    },
  };
  return [pod, service];
}

/** The input plus the default ingress gateway, unless the input has an ingress gateway workload of its own. */
export function withDefaultIngressGateway(input: AnalysisInput, rootNamespace = 'istio-system'): AnalysisInput {
  const ownGateway =
    input.configs.some((c) => c.kind === 'Pod' && c.labels.istio === LABELS.istio) ||
    (input.podTemplates ?? []).some((w) => w.labels.istio === LABELS.istio);
  if (ownGateway) return input;
  const present = new Set(input.configs.map(configKey));
  const added = defaultIngressGateway(rootNamespace).filter((config) => !present.has(configKey(config)));
  return { ...input, configs: [...input.configs, ...added] };
}
