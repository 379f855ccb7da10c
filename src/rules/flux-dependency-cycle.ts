import type { FluxKustomization } from '../resources/deployment.js';
import { appliedByFlux, releaseDependencies } from '../resources/helm-release.js';
import type { ResourceIndex } from '../resources/index.js';
import { FLUX_KUSTOMIZATION, HELM_RELEASE } from '../resources/kinds.js';
import type { Resource } from '../resources/resource.js';
import { defineRule, type RuleContext } from './types.js';

export default defineRule({
  id: 'flux-dependency-cycle',
  description: 'Flux Kustomizations and HelmReleases must not depend on themselves or on one another in a cycle',
  defaultSeverity: 'error',
  kinds: [FLUX_KUSTOMIZATION, HELM_RELEASE],
  messages: {
    self: 'Flux Kustomization "{{id}}" depends on itself; it waits for its own readiness, which never comes, and never applies again. Remove the entry.',
    cycle:
      'Flux Kustomization "{{id}}" depends on "{{dependency}}", whose dependencies lead back to it ({{cycle}}); each waits for the next to be ready first, so on a new cluster none of them ever applies, and in a running one they stop applying the commits of a source they share. Remove one of the dependsOn entries.',
    releaseSelf:
      'HelmRelease "{{id}}" depends on itself; helm-controller waits until it is ready and has observed its latest spec, so it is never installed on a new cluster and never upgraded once its spec changes. Remove the entry.',
    releaseCycle:
      'HelmRelease "{{id}}" depends on "{{dependency}}", whose dependencies lead back to it ({{cycle}}); each waits for the next to be ready first, so on a new cluster none of them is ever installed, and in a running one none is upgraded once their specs change. Remove one of the dependsOn entries.',
  },
  check(resource, context) {
    if (resource.typeId === HELM_RELEASE) {
      checkRelease(resource, context);
      return;
    }
    const graphs = kustomizationGraphs(context.index);
    for (const kustomization of context.index.deployment.fluxKustomizationsOf(resource)) {
      for (const dependency of kustomization.dependsOn) {
        if (dependency.readyExpr) continue;
        const at = ['spec', 'dependsOn', dependency.index, 'name'];
        const dependencyId = `${dependency.namespace}/${dependency.name}`;
        if (dependencyId === kustomization.id) {
          context.report({ messageId: 'self', data: { id: kustomization.id }, at });
          continue;
        }
        const loop = groupsOf(kustomization)
          .map((group) => loopThrough(graphs.get(group)!, kustomization.id, dependencyId))
          .find((found) => found !== undefined);
        if (loop !== undefined) context.report({ messageId: 'cycle', data: { id: kustomization.id, dependency: dependencyId, cycle: shown(loop) }, at });
      }
    }
  },
});

/**
 * Which objects each one depends on, by id, in one cluster (the clusters'
 * own graphs: two clusters may use the same names the other way round), or
 * among the Kustomizations no cluster applies.
 */
interface DependencyGraph {
  readonly edges: ReadonlyMap<string, ReadonlySet<string>>;
  /** Ids of the strongly connected component each id is in: a dependency in another one cannot lead back. */
  readonly component: ReadonlyMap<string, number>;
  /** How many ids each component holds. */
  readonly sizes: readonly number[];
}

// A component larger than this (only a generated repository has one) is
// not searched for each entry's shortest way back: that is quadratic.
const MAX_TRACED = 200;
// Ids a message shows of a long way back; the middle is left out.
const MAX_SHOWN = 8;

function shown(loop: readonly string[]): string {
  if (loop.length <= MAX_SHOWN) return loop.join(' -> ');
  return [...loop.slice(0, 4), `(${loop.length - 7} more)`, ...loop.slice(-3)].join(' -> ');
}

/**
 * A HelmRelease's `dependsOn` entries, as each copy reads them:
 * helm-controller waits for the HelmReleases of the copy's cluster, by
 * namespace and name, as kustomize-controller does for Kustomizations. A
 * cycle through others is looked for only among copies a cluster's Flux
 * Kustomizations apply. Each entry is reported once.
 */
function checkRelease(release: Resource, context: RuleContext): void {
  const dependencies = releaseDependencies(release);
  if (dependencies === undefined) return;
  const graphs = releaseGraphs(context.index);
  const reported = new Set<number>();
  for (const placement of release.placements) {
    const id = deployedId(placement);
    if (id === undefined) continue;
    for (const { index, name, namespace, readyExpr } of dependencies(placement)) {
      if (namespace === undefined || readyExpr || reported.has(index)) continue;
      const dependencyId = `${namespace}/${name}`;
      const at = ['spec', 'dependsOn', index, 'name'];
      // Waiting for itself is wrong wherever it is applied.
      if (dependencyId === id) {
        reported.add(index);
        context.report({ messageId: 'releaseSelf', data: { id }, at });
        continue;
      }
      if (!appliedByFlux(placement)) continue;
      const loop = loopThrough(graphs.get(placement.cluster)!, id, dependencyId);
      if (loop === undefined) continue;
      reported.add(index);
      context.report({ messageId: 'releaseCycle', data: { id, dependency: dependencyId, cycle: shown(loop) }, at });
    }
  }
}

/** `namespace/name` of a copy of a HelmRelease; `undefined` where either is not known offline. */
function deployedId(placement: { readonly namespace: string | undefined; readonly name: string | undefined }): string | undefined {
  return placement.namespace === undefined || placement.name === undefined ? undefined : `${placement.namespace}/${placement.name}`;
}

const UNAPPLIED = '';

function kustomizationGraphs(index: ResourceIndex): ReadonlyMap<string, DependencyGraph> {
  return index.derived(kustomizationGraphs, () => {
    const edgesByGroup = new Map<string, Map<string, Set<string>>>();
    for (const kustomization of index.deployment.fluxKustomizations) {
      for (const group of groupsOf(kustomization)) {
        // Copies of one id in one cluster (a duplicate) wait for all that each names.
        const out = edgesFrom(edgesByGroup, group, kustomization.id);
        // An entry with its own readiness check (a CEL readyExpr) may not wait as Flux's does.
        for (const dependency of kustomization.dependsOn) if (!dependency.readyExpr) out.add(`${dependency.namespace}/${dependency.name}`);
      }
    }
    return graphsOf(edgesByGroup);
  });
}

/** The HelmReleases each one waits for, by cluster; only copies a Flux Kustomization applies, whose ids are known. */
function releaseGraphs(index: ResourceIndex): ReadonlyMap<string, DependencyGraph> {
  return index.derived(releaseGraphs, () => {
    const edgesByCluster = new Map<string, Map<string, Set<string>>>();
    for (const release of index.ofType(HELM_RELEASE)) {
      const dependencies = releaseDependencies(release);
      if (dependencies === undefined) continue;
      for (const placement of release.placements) {
        const id = deployedId(placement);
        if (id === undefined || !appliedByFlux(placement)) continue;
        const out = edgesFrom(edgesByCluster, placement.cluster, id);
        for (const { name, namespace, readyExpr } of dependencies(placement)) if (namespace !== undefined && !readyExpr) out.add(`${namespace}/${name}`);
      }
    }
    return graphsOf(edgesByCluster);
  });
}

function edgesFrom(edgesByGroup: Map<string, Map<string, Set<string>>>, group: string, id: string): Set<string> {
  const edges = edgesByGroup.get(group) ?? edgesByGroup.set(group, new Map()).get(group)!;
  return edges.get(id) ?? edges.set(id, new Set()).get(id)!;
}

function graphsOf(edgesByGroup: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>): ReadonlyMap<string, DependencyGraph> {
  return new Map(
    [...edgesByGroup].map(([group, edges]) => {
      const component = components(edges);
      const sizes: number[] = [];
      for (const id of component.values()) sizes[id] = (sizes[id] ?? 0) + 1;
      return [group, { edges, component, sizes }];
    }),
  );
}

function groupsOf(kustomization: FluxKustomization): readonly string[] {
  return kustomization.clusters.length > 0 ? kustomization.clusters : [UNAPPLIED];
}

/**
 * The shortest way from `dependencyId` back to `id` in a graph, as
 * `id -> dependency -> … -> id` (in a component too large to search,
 * without the ids between); `undefined` when there is none.
 */
function loopThrough({ edges, component, sizes }: DependencyGraph, id: string, dependencyId: string): string[] | undefined {
  const own = component.get(id);
  if (own === undefined || component.get(dependencyId) !== own) return undefined;
  if (sizes[own]! > MAX_TRACED) return [id, dependencyId, '…', id];
  // Breadth first inside the component, from the dependency to the dependent.
  const cameFrom = new Map<string, string | null>([[dependencyId, null]]);
  const queue = [dependencyId];
  for (let next = 0; next < queue.length; next++) {
    const at = queue[next]!;
    if (at === id) {
      const way: string[] = [];
      for (let step: string | null = at; step !== null; step = cameFrom.get(step)!) way.push(step);
      return [id, ...way.reverse()];
    }
    for (const target of edges.get(at) ?? []) {
      if (cameFrom.has(target) || component.get(target) !== own) continue;
      cameFrom.set(target, at);
      queue.push(target);
    }
  }
  return undefined;
}

/**
 * Tarjan's strongly connected components, without recursion: a chain of
 * thousands of dependencies must not overflow the stack. Ids that are only
 * named (no Kustomization has them) have no edges and no component.
 */
function components(edges: ReadonlyMap<string, ReadonlySet<string>>): Map<string, number> {
  const component = new Map<string, number>();
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let counter = 0;
  let components = 0;
  for (const root of edges.keys()) {
    if (order.has(root)) continue;
    const frames: { readonly id: string; readonly targets: Iterator<string> }[] = [];
    const enter = (id: string) => {
      order.set(id, counter);
      low.set(id, counter++);
      stack.push(id);
      onStack.add(id);
      frames.push({ id, targets: edges.get(id)![Symbol.iterator]() });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames.at(-1)!;
      const step = frame.targets.next();
      if (!step.done) {
        const target = step.value;
        if (!edges.has(target)) continue;
        if (!order.has(target)) enter(target);
        else if (onStack.has(target)) low.set(frame.id, Math.min(low.get(frame.id)!, order.get(target)!));
        continue;
      }
      frames.pop();
      const parent = frames.at(-1);
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === order.get(frame.id)) {
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.set(member, components);
        } while (member !== frame.id);
        components++;
      }
    }
  }
  return component;
}
