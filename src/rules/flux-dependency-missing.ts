import type { ResourceIndex } from '../resources/index.js';
import { FLUX_KUSTOMIZATION } from '../resources/kinds.js';
import { asArray, getPath, isMapping } from '../resources/values.js';
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
      // (commented out) is never created. That is only known while the graph
      // follows everything the clusters apply; otherwise, and for a
      // dependent no cluster reaches, every Kustomization in the repository counts.
      const applied = kustomization.clusters.length > 0 && followsEveryKustomization(context.index);
      const defined = definedKustomizations(context.index, applied ? APPLIED : ANYWHERE);
      for (const dependency of kustomization.dependsOn) {
        if (isDefined(defined, dependency)) continue;
        const where = applied ? 'no cluster of this repository applies' : 'this repository does not define';
        context.report({
          messageId: 'missing',
          data: { id: kustomization.id, dependency: `${dependency.namespace}/${dependency.name}`, where },
          at: ['spec', 'dependsOn', dependency.index, 'name'],
        });
      }
    }
  },
});

/**
 * Whether the graph follows every Flux Kustomization a cluster applies: none
 * has a path it cannot read (a `${VAR}` from a Secret) or applies another
 * source (an OCI artifact built from this repository, perhaps), under which
 * Kustomizations it does not reach may still be applied.
 */
function followsEveryKustomization(index: ResourceIndex): boolean {
  return index.derived(followsEveryKustomization, () =>
    index.deployment.fluxKustomizations.every(
      (kustomization) =>
        kustomization.clusters.length === 0 ||
        (kustomization.appliesThisRepository && kustomization.path !== undefined && kustomization.pathIn.every((entry) => entry.path !== undefined)),
    ),
  );
}

/** Which Kustomizations count: those a cluster applies (or that apply another source, which the graph does not follow), or all. */
type Scope = typeof APPLIED | typeof ANYWHERE;
const APPLIED = 'applied';
const ANYWHERE = 'anywhere';

interface Defined {
  readonly ids: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
  readonly inUnknownNamespace: ReadonlySet<string>;
  /** `namespace/name` of Kustomizations a ResourceSet makes from inputs not known offline. */
  readonly templated: readonly RegExp[];
}

function isDefined(defined: Defined, dependency: { readonly name: string; readonly namespace: string }): boolean {
  const id = `${dependency.namespace}/${dependency.name}`;
  if (defined.ids.has(id) || defined.templated.some((pattern) => pattern.test(id))) return true;
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
  const generated = index
    .ofType(RESOURCE_SET)
    .filter((resourceSet) => scope === ANYWHERE || resourceSet.placements.some((placement) => placement.cluster !== undefined))
    .flatMap((resourceSet) => kustomizationsOfResourceSet(resourceSet.get(['spec']), resourceSet.namespace ?? ''));
  const ids = [...all.map((kustomization) => kustomization.id), ...generated.filter((id) => typeof id === 'string')];
  const nameOf = (id: string) => id.slice(id.indexOf('/') + 1);
  const defined: Defined = {
    ids: new Set(ids),
    names: new Set(ids.map(nameOf)),
    inUnknownNamespace: new Set(ids.filter((id) => id.startsWith('/')).map(nameOf)),
    templated: generated.filter((id): id is RegExp => id instanceof RegExp),
  };
  byScope.set(scope, defined);
  return defined;
}

const RESOURCE_SET = 'fluxcd.controlplane.io/ResourceSet';
const INPUT = /<<\s*inputs\.([\w.-]+)\s*>>/g;
const HOLDS_INPUT = /<<\s*inputs\.[\w.-]+\s*>>/;

/**
 * The Flux Kustomizations a flux-operator ResourceSet makes from its
 * `resources` templates, once for each of its inline `inputs` (namespace:
 * the template's, else the ResourceSet's). An id that still holds an input
 * (from `inputsFrom`, or not among the inputs) is a pattern.
 */
function kustomizationsOfResourceSet(spec: unknown, ownNamespace: string): (string | RegExp)[] {
  const templates = asArray(getPath(spec, ['resources'])).filter(
    (template) => getPath(template, ['kind']) === 'Kustomization' && String(getPath(template, ['apiVersion'])).startsWith('kustomize.toolkit.fluxcd.io/'),
  );
  const inputs = asArray(getPath(spec, ['inputs'])).filter(isMapping);
  return templates.flatMap((template) => {
    const name = getPath(template, ['metadata', 'name']);
    const namespace = getPath(template, ['metadata', 'namespace']) ?? ownNamespace;
    if (typeof name !== 'string' || typeof namespace !== 'string') return [];
    const id = `${namespace}/${name}`;
    const rendered = (inputs.length > 0 ? inputs : [{}]).map((input) => id.replace(INPUT, (whole, key: string) => scalarOf(getPath(input, key.split('.'))) ?? whole));
    return rendered.map((each) => (HOLDS_INPUT.test(each) ? templatePattern(each) : each));
  });
}

function scalarOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function templatePattern(id: string): RegExp {
  const parts = id.split(INPUT).filter((_, index) => index % 2 === 0);
  return new RegExp(`^${parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`);
}
