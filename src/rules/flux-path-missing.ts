import type { FluxKustomization } from '../resources/deployment.js';
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
    componentMissing:
      'Flux Kustomization "{{id}}" adds the component {{path}} to its build, which does not exist in this repository; kustomize fails the build and nothing it applies is applied. Fix the entry (it is relative to spec.path), or remove it.',
    componentWithoutKustomization:
      'Flux Kustomization "{{id}}" adds the component {{path}} to its build, a directory without a kustomization.yaml; kustomize fails the build ("unable to find one of \'kustomization.yaml\'") and nothing it applies is applied. Give the component its kustomization.yaml (kind: Component), or fix the entry.',
  },
  check(resource, context) {
    for (const kustomization of context.index.deployment.fluxKustomizationsOf(resource)) {
      if (!kustomization.appliesThisRepository || isUnappliedFragment(kustomization)) continue;
      // The path as written, and as each cluster that applies it resolves it
      // (a `${CLUSTER}` in a shared ks.yaml, a kustomize patch that sets it);
      // as written only while some cluster applies it so, or none applies it.
      const resolvedOtherwise = (cluster: string) => kustomization.pathIn.some((entry) => entry.cluster === cluster);
      const appliedAsWritten = kustomization.clusters.length === 0 || !kustomization.clusters.every(resolvedOtherwise);
      const missing = new Set<string>();
      for (const { path, exists } of [...(appliedAsWritten ? [{ path: kustomization.path, exists: kustomization.pathExists }] : []), ...kustomization.pathIn]) {
        if (path !== undefined && !exists) missing.add(path);
      }
      for (const path of missing) context.report({ messageId: 'missing', data: { id: kustomization.id, path }, at: kustomization.pathAt });
      // Only under a path that exists: a missing path is said already.
      if (!kustomization.pathExists) continue;
      for (const { index, path, exists, kustomization: built } of kustomization.components) {
        if (!exists) context.report({ messageId: 'componentMissing', data: { id: kustomization.id, path }, at: ['spec', 'components', index] });
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
