/**
 * IST0102: a namespace that says nothing about sidecar injection (neither `istio-injection` nor
 * `istio.io/rev`) gets pods without proxies. A namespace labelled `istio-injection=disabled` has
 * opted out on purpose and is left alone, as are Kubernetes' own namespaces and the mesh's root
 * namespace. Only Namespace objects present in the input are judged: from files, a namespace that
 * is merely named has unknown labels.
 */
import type { Analyzer } from '../analyzer';
import { NamespaceNotInjected } from '../message-types';

const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
]);

export const namespaceInjectionAnalyzer: Analyzer = {
  name: 'namespace.injection',
  description: 'Checks that namespaces say whether their pods get a sidecar',
  inputs: ['Namespace'],
  reports: [NamespaceNotInjected],
  analyze(context) {
    for (const namespace of context.list('Namespace')) {
      if (SYSTEM_NAMESPACES.has(namespace.name) || namespace.name === context.rootNamespace) continue;
      const labels = namespace.labels;
      const injection = labels['istio-injection'];
      if ((injection === undefined || injection === '') && !Object.hasOwn(labels, 'istio.io/rev')) {
        context.report(NamespaceNotInjected, namespace, [namespace.name], ['metadata', 'name']);
      }
    }
  },
};
