import { FLUX_KUSTOMIZATION, FLUX_SYNC_KINDS } from '../resources/kinds.js';
import { defineRule } from './types.js';

export default defineRule({
  id: 'flux-path-missing',
  description: 'A Flux Kustomization spec.path (or a flux-operator sync path) must exist in the repository',
  defaultSeverity: 'error',
  kinds: [FLUX_KUSTOMIZATION, ...FLUX_SYNC_KINDS],
  messages: {
    missing:
      'Flux Kustomization "{{id}}" applies {{path}}, which does not exist in this repository; its reconcile fails with "kustomization path not found" and nothing below it is applied. Fix the path, or remove the Kustomization.',
  },
  check(resource, context) {
    for (const kustomization of context.index.deployment.fluxKustomizationsOf(resource)) {
      if (!kustomization.appliesThisRepository) continue;
      if (kustomization.path === undefined || kustomization.pathExists) continue;
      context.report({ messageId: 'missing', data: { id: kustomization.id, path: kustomization.path }, at: kustomization.pathAt });
    }
  },
});
