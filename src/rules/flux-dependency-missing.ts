import type { ResourceIndex } from '../resources/index.js';
import { FLUX_KUSTOMIZATION } from '../resources/kinds.js';
import { defineRule } from './types.js';

export default defineRule({
  id: 'flux-dependency-missing',
  description: 'Every Flux Kustomization named in dependsOn must be defined in the repository',
  defaultSeverity: 'error',
  kinds: [FLUX_KUSTOMIZATION],
  messages: {
    missing:
      'Flux Kustomization "{{id}}" depends on "{{dependency}}", which no cluster in this repository defines; it waits for it forever and never applies. Fix the name (and namespace) in dependsOn, or remove the entry.',
  },
  check(resource, context) {
    const defined = definedIds(context.index);
    for (const kustomization of context.index.deployment.fluxKustomizationsOf(resource)) {
      for (const dependency of kustomization.dependsOn) {
        const id = `${dependency.namespace}/${dependency.name}`;
        if (defined.has(id)) continue;
        context.report({ messageId: 'missing', data: { id: kustomization.id, dependency: id }, at: ['spec', 'dependsOn', dependency.index, 'name'] });
      }
    }
  },
});

// The ids of a run's Flux Kustomizations, collected once: every Kustomization asks.
function definedIds(index: ResourceIndex): ReadonlySet<string> {
  return index.derived(definedIds, () => new Set(index.deployment.fluxKustomizations.map((kustomization) => kustomization.id)));
}
