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
      'Flux Kustomization "{{id}}" depends on "{{dependency}}", which {{where}}; it waits for it forever and never applies. Fix the name (and namespace) in dependsOn, or remove the entry.',
  },
  check(resource, context) {
    for (const kustomization of context.index.deployment.fluxKustomizationsOf(resource)) {
      // A dependent that a cluster applies waits for a Kustomization that a
      // cluster applies: one whose ks.yaml no kustomization lists any more
      // (commented out) is never created. A dependent no cluster reaches is
      // checked against every Kustomization in the repository.
      const defined = definedKustomizations(context.index, kustomization.clusters.length > 0 ? APPLIED : ANYWHERE);
      for (const dependency of kustomization.dependsOn) {
        if (isDefined(defined, dependency)) continue;
        const where = kustomization.clusters.length > 0 ? 'no cluster of this repository applies' : 'this repository does not define';
        context.report({
          messageId: 'missing',
          data: { id: kustomization.id, dependency: `${dependency.namespace}/${dependency.name}`, where },
          at: ['spec', 'dependsOn', dependency.index, 'name'],
        });
      }
    }
  },
});

/** Which Kustomizations count: those a cluster applies (or that apply another source, which the graph does not follow), or all. */
type Scope = typeof APPLIED | typeof ANYWHERE;
const APPLIED = 'applied';
const ANYWHERE = 'anywhere';

interface Defined {
  readonly ids: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
  readonly inUnknownNamespace: ReadonlySet<string>;
}

function isDefined(defined: Defined, dependency: { readonly name: string; readonly namespace: string }): boolean {
  if (defined.ids.has(`${dependency.namespace}/${dependency.name}`)) return true;
  // A namespace that is not known offline (no metadata.namespace, and none
  // from a kustomization or a parent) could be any: on either side, only the
  // name is compared.
  return defined.inUnknownNamespace.has(dependency.name) || (dependency.namespace === '' && defined.names.has(dependency.name));
}

// A run's Flux Kustomizations in each scope, collected once: every Kustomization asks.
function definedKustomizations(index: ResourceIndex, scope: Scope): Defined {
  const byScope = index.derived(definedKustomizations, () => new Map<Scope, Defined>());
  const known = byScope.get(scope);
  if (known) return known;
  const all = index.deployment.fluxKustomizations.filter(
    (kustomization) => scope === ANYWHERE || kustomization.clusters.length > 0 || !kustomization.appliesThisRepository,
  );
  const nameOf = (id: string) => id.slice(id.indexOf('/') + 1);
  const defined: Defined = {
    ids: new Set(all.map((kustomization) => kustomization.id)),
    names: new Set(all.map((kustomization) => nameOf(kustomization.id))),
    inUnknownNamespace: new Set(all.filter((kustomization) => kustomization.id.startsWith('/')).map((kustomization) => nameOf(kustomization.id))),
  };
  byScope.set(scope, defined);
  return defined;
}
