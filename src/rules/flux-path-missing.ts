import type { Deployment, FluxKustomization } from '../resources/deployment.js';
import type { ArtifactExclusion } from '../resources/source-ignore.js';
import { FLUX_KUSTOMIZATION, FLUX_SYNC_KINDS } from '../resources/kinds.js';
import { getPath } from '../resources/values.js';
import { defineRule } from './types.js';

export default defineRule({
  id: 'flux-path-missing',
  description: 'A Flux Kustomization spec.path and spec.components (or a flux-operator sync path) must exist in the repository',
  defaultSeverity: 'error',
  kinds: [FLUX_KUSTOMIZATION, ...FLUX_SYNC_KINDS],
  messages: {
    missing:
      'Flux Kustomization "{{id}}" applies {{path}}, which does not exist in this repository; its reconcile fails with "kustomization path not found" and nothing below it is applied. Fix the path, or remove the Kustomization.',
    excluded:
      'Flux Kustomization "{{id}}" applies {{path}}, which the artifact it builds from leaves out, by the pattern "{{pattern}}" of {{source}}; its reconcile fails with "kustomization path not found" and nothing below it is applied. Narrow the pattern (or re-include the directory with a "!" pattern after it), or fix the path.',
    componentMissing:
      'Flux Kustomization "{{id}}" adds the component {{path}} to its build, which does not exist in this repository; kustomize fails the build and nothing it applies is applied. Fix the entry (it is relative to spec.path), or remove it.',
    componentExcluded:
      'Flux Kustomization "{{id}}" adds the component {{path}} to its build, which the artifact it builds from leaves out, by the pattern "{{pattern}}" of {{source}}; kustomize fails the build and nothing it applies is applied. Narrow the pattern (or re-include the directory with a "!" pattern after it), or remove the entry.',
    componentWithoutKustomization:
      'Flux Kustomization "{{id}}" adds the component {{path}} to its build, a directory without a kustomization.yaml; kustomize fails the build ("unable to find one of \'kustomization.yaml\'") and nothing it applies is applied. Give the component its kustomization.yaml (kind: Component), or fix the entry.',
  },
  check(resource, context) {
    const { deployment } = context.index;
    for (const kustomization of deployment.fluxKustomizationsOf(resource)) {
      if (!kustomization.appliesThisRepository || isUnappliedFragment(kustomization) || isShelvedOutOfArtifact(kustomization, deployment)) continue;
      // The path as written, and as each cluster that applies it resolves it
      // (a `${CLUSTER}` in a shared ks.yaml, a kustomize patch that sets it);
      // as written only while some cluster applies it so, or none applies it.
      const resolvedOtherwise = (cluster: string) => kustomization.pathIn.some((entry) => entry.cluster === cluster);
      const appliedAsWritten = kustomization.clusters.length === 0 || !kustomization.clusters.every(resolvedOtherwise);
      const missing = new Map<string, ArtifactExclusion | undefined>();
      const asWritten = { path: kustomization.path, exists: kustomization.pathExists, excluded: kustomization.pathExcluded };
      for (const { path, exists, excluded } of [...(appliedAsWritten ? [asWritten] : []), ...kustomization.pathIn]) {
        if (path !== undefined && !exists && !missing.has(path)) missing.set(path, excluded);
      }
      for (const [path, excluded] of missing) {
        context.report({ messageId: excluded ? 'excluded' : 'missing', data: { id: kustomization.id, path, ...excluded }, at: kustomization.pathAt });
      }
      // Only under a path that exists: a missing path is said already.
      if (!kustomization.pathExists) continue;
      for (const { index, path, exists, excluded, kustomization: built } of kustomization.components) {
        if (!exists) context.report({ messageId: excluded ? 'componentExcluded' : 'componentMissing', data: { id: kustomization.id, path, ...excluded }, at: ['spec', 'components', index] });
        else if (!built) context.report({ messageId: 'componentWithoutKustomization', data: { id: kustomization.id, path }, at: ['spec', 'components', index] });
      }
    }
  },
});

/**
 * A Kustomization without a sourceRef, which the API server would refuse,
 * in a file no cluster applies: a patch written as a file (an overlay's
 * `spec.path` for a base's Kustomization), not a Kustomization of its own.
 */
function isUnappliedFragment(kustomization: FluxKustomization): boolean {
  return kustomization.resource.typeId === FLUX_KUSTOMIZATION && kustomization.clusters.length === 0 && getPath(kustomization.resource.value, ['spec', 'sourceRef']) === undefined;
}

/**
 * A Kustomization in a file the artifact leaves out, which no cluster
 * applies: kept out of what Flux builds on purpose (an `_old/` directory a
 * `.sourceignore` names), not a Kustomization that runs.
 */
function isShelvedOutOfArtifact(kustomization: FluxKustomization, deployment: Deployment): boolean {
  return kustomization.clusters.length === 0 && deployment.artifactExclusionOf(kustomization.resource.file.path) !== undefined;
}
