import type { ResourceIndex } from '../resources/index.js';
import { appliedByFlux, releaseDependencies } from '../resources/helm-release.js';
import { FLUX_KUSTOMIZATION, HELM_RELEASE } from '../resources/kinds.js';
import type { Resource } from '../resources/resource.js';
import { asArray, getPath, isMapping, knownString } from '../resources/values.js';
import { defineRule, type RuleContext } from './types.js';

export default defineRule({
  id: 'flux-dependency-missing',
  description: 'Every Flux Kustomization or HelmRelease named in dependsOn must be defined in the repository',
  defaultSeverity: 'error',
  kinds: [FLUX_KUSTOMIZATION, HELM_RELEASE],
  messages: {
    missing:
      'Flux Kustomization "{{id}}" depends on "{{dependency}}", which {{where}}; it waits for it forever and never applies. Fix the name (and namespace) in dependsOn, or remove the entry.',
    missingRelease:
      'HelmRelease "{{id}}" depends on HelmRelease "{{dependency}}", which {{where}}; helm-controller waits for it forever and never installs or upgrades this one. Fix the name (and namespace) in dependsOn, or remove the entry.',
  },
  check(resource, context) {
    if (resource.typeId === HELM_RELEASE) {
      checkRelease(resource, context);
      return;
    }
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
 * A HelmRelease's `dependsOn` entries, in each cluster that applies it: each
 * names a HelmRelease (the dependent's namespace by default) that
 * helm-controller looks for in that cluster. As for Kustomizations, that
 * is only said while the graph follows everything the clusters apply;
 * otherwise a HelmRelease anywhere in the repository counts. A cluster
 * holding a HelmRelease whose name or namespace is not known offline may
 * hold the one named: nothing is said there.
 */
function checkRelease(release: Resource, context: RuleContext): void {
  const dependencies = releaseDependencies(release);
  if (dependencies === undefined) return;
  const reported = new Set<number>();
  const scope = followsEveryKustomization(context.index) ? APPLIED : ANYWHERE;
  for (const placement of release.placements) {
    if (!appliedByFlux(placement)) continue;
    const defined = definedReleases(context.index, scope === APPLIED ? placement.cluster : undefined);
    if (defined.unknown) continue;
    for (const { index, name, namespace } of dependencies(placement)) {
      // Where the dependent's own namespace is not known, only the name is compared.
      if (isDefined(defined, { name, namespace: namespace ?? '' }) || reported.has(index)) continue;
      reported.add(index);
      context.report({
        messageId: 'missingRelease',
        data: {
          id: `${placement.namespace ?? ''}/${placement.name ?? release.name ?? ''}`,
          dependency: `${namespace ?? ''}/${name}`,
          where: scope === APPLIED ? `cluster "${placement.cluster}" does not deploy` : 'this repository does not define',
        },
        at: ['spec', 'dependsOn', index, 'name'],
      });
    }
  }
}

interface DefinedReleases extends Defined {
  /** Whether one of them has a name or namespace not known offline. */
  readonly unknown: boolean;
}

/** The HelmReleases a cluster deploys (every one of the repository for `undefined`), and those ResourceSets make; collected once each. */
function definedReleases(index: ResourceIndex, cluster: string | undefined): DefinedReleases {
  const byCluster = index.derived(definedReleases, () => new Map<string | undefined, DefinedReleases>());
  const known = byCluster.get(cluster);
  if (known) return known;
  const ids: string[] = [];
  let unknown = false;
  for (const release of index.ofType(HELM_RELEASE)) {
    for (const placement of release.placements) {
      if (cluster !== undefined && placement.cluster !== cluster) continue;
      if (placement.name === undefined) unknown = true;
      else ids.push(`${placement.namespace ?? ''}/${placement.name}`);
    }
    // Anywhere: as written too, whether a cluster applies it or not.
    if (cluster === undefined && release.name !== undefined) ids.push(`${knownString(getPath(release.written, ['metadata', 'namespace'])) ?? ''}/${release.name}`);
  }
  const generated = index
    .ofType(RESOURCE_SET)
    .filter((resourceSet) => cluster === undefined || resourceSet.placements.some((placement) => placement.cluster === cluster))
    .flatMap((resourceSet) => objectsOfResourceSet(resourceSet.get(['spec']), resourceSet.namespace ?? '', 'HelmRelease', 'helm.toolkit.fluxcd.io/'));
  const defined: DefinedReleases = { ...definedOf([...ids, ...generated.filter((id) => typeof id === 'string')], generated), unknown };
  byCluster.set(cluster, defined);
  return defined;
}

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
    .flatMap((resourceSet) => objectsOfResourceSet(resourceSet.get(['spec']), resourceSet.namespace ?? '', 'Kustomization', 'kustomize.toolkit.fluxcd.io/'));
  const defined = definedOf([...all.map((kustomization) => kustomization.id), ...generated.filter((id) => typeof id === 'string')], generated);
  byScope.set(scope, defined);
  return defined;
}

/** `namespace/name` ids (an empty namespace: not known offline) and the patterns of those a ResourceSet makes, to look names up in. */
function definedOf(ids: readonly string[], generated: readonly (string | RegExp)[]): Defined {
  const nameOf = (id: string) => id.slice(id.indexOf('/') + 1);
  return {
    ids: new Set(ids),
    names: new Set(ids.map(nameOf)),
    inUnknownNamespace: new Set(ids.filter((id) => id.startsWith('/')).map(nameOf)),
    templated: generated.filter((id): id is RegExp => id instanceof RegExp),
  };
}

const RESOURCE_SET = 'fluxcd.controlplane.io/ResourceSet';
const INPUT = /<<\s*inputs\.([\w.-]+)\s*>>/g;
const HOLDS_INPUT = /<<\s*inputs\.[\w.-]+\s*>>/;

/**
 * The objects of a kind (a Flux Kustomization, a HelmRelease) a flux-operator
 * ResourceSet makes from its `resources` templates, once for each of its
 * inline `inputs` (namespace: the template's, else the ResourceSet's). An id
 * that still holds an input (from `inputsFrom`, or not among the inputs) is
 * a pattern.
 */
function objectsOfResourceSet(spec: unknown, ownNamespace: string, kind: string, apiVersionPrefix: string): (string | RegExp)[] {
  const templates = asArray(getPath(spec, ['resources'])).filter(
    (template) => getPath(template, ['kind']) === kind && String(getPath(template, ['apiVersion'])).startsWith(apiVersionPrefix),
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
