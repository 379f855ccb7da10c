import { KUSTOMIZE_CONFIG_KINDS } from '../resources/kinds.js';
import { nameShown } from '../resources/resource.js';
import { ALL_KINDS, defineRule } from './types.js';

export default defineRule({
  id: 'orphan-manifest',
  description: 'A Kubernetes manifest under the cluster directories should be deployed by some cluster',
  defaultSeverity: 'off',
  kinds: [ALL_KINDS],
  messages: {
    orphan:
      '{{kind}} "{{name}}" is under {{directory}}/ but no Flux Kustomization of any cluster applies this file, so changes to it never reach a cluster. List it in a kustomization.yaml, or move it out (an _archive/ outside the cluster directories).',
  },
  check(resource, context) {
    const { deployment } = context.index;
    if (!deployment.usesFlux || KUSTOMIZE_CONFIG_KINDS.includes(resource.typeId)) return;
    // Left out of the artifact Flux builds from (a .sourceignore pattern): out of every cluster on purpose.
    if (deployment.artifactExclusionOf(resource.file.path) !== undefined) return;
    if (resource.placements.some((placement) => placement.cluster !== undefined)) return;
    // A cluster's entry is applied from outside the repository (flux bootstrap, flux-operator).
    if (deployment.fluxKustomizationsOf(resource).some((kustomization) => kustomization.clusters.length > 0)) return;
    const path = context.index.pathInRepo(resource);
    const directory = clusterDirectories(deployment.fluxKustomizations.flatMap((kustomization) => kustomization.clusters)).find(
      (candidate) => candidate === '.' || path.startsWith(`${candidate}/`),
    );
    if (directory === undefined) return;
    context.report({ messageId: 'orphan', data: { kind: resource.kind, name: nameShown(resource), directory }, at: ['kind'] });
  },
});

// The cluster directories are the top-level directories that hold a
// cluster's entry (kubernetes/ for kubernetes/main/flux): stray files in
// talos/ or docs/ are not manifests someone forgot to deploy.
function clusterDirectories(clusters: readonly string[]): string[] {
  return [...new Set(clusters.map((cluster) => cluster.split('/')[0]!))].sort();
}
