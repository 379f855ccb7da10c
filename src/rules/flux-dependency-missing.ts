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
    const defined = definedKustomizations(context.index);
    for (const kustomization of context.index.deployment.fluxKustomizationsOf(resource)) {
      for (const dependency of kustomization.dependsOn) {
        const id = `${dependency.namespace}/${dependency.name}`;
        if (defined.ids.has(id)) continue;
        // A namespace that is not known offline (no metadata.namespace, and
        // none from a kustomization or a parent) could be any: on either side,
        // only the name is compared.
        if (defined.inUnknownNamespace.has(dependency.name) || (dependency.namespace === '' && defined.names.has(dependency.name))) continue;
        context.report({ messageId: 'missing', data: { id: kustomization.id, dependency: id }, at: ['spec', 'dependsOn', dependency.index, 'name'] });
      }
    }
  },
});

interface Defined {
  readonly ids: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
  readonly inUnknownNamespace: ReadonlySet<string>;
}

// A run's Flux Kustomizations, collected once: every Kustomization asks.
function definedKustomizations(index: ResourceIndex): Defined {
  return index.derived(definedKustomizations, () => {
    const all = index.deployment.fluxKustomizations;
    const nameOf = (id: string) => id.slice(id.indexOf('/') + 1);
    return {
      ids: new Set(all.map((kustomization) => kustomization.id)),
      names: new Set(all.map((kustomization) => nameOf(kustomization.id))),
      inUnknownNamespace: new Set(all.filter((kustomization) => kustomization.id.startsWith('/')).map((kustomization) => nameOf(kustomization.id))),
    };
  });
}
