import type { FluxKustomization } from '../resources/deployment.js';
import type { ResourceIndex } from '../resources/index.js';
import { FLUX_KUSTOMIZATION } from '../resources/kinds.js';
import { defineRule } from './types.js';

export default defineRule({
  id: 'flux-dependency-cycle',
  description: 'Flux Kustomizations must not depend on themselves or on one another in a cycle',
  defaultSeverity: 'error',
  kinds: [FLUX_KUSTOMIZATION],
  messages: {
    self: 'Flux Kustomization "{{id}}" depends on itself; it waits for its own readiness, which never comes, and never applies again. Remove the entry.',
    cycle:
      'Flux Kustomization "{{id}}" depends on "{{dependency}}", whose dependencies lead back to it ({{cycle}}); each waits for the next to be ready first, so on a new cluster none of them ever applies, and in a running one they stop applying the commits of a source they share. Remove one of the dependsOn entries.',
  },
  check(resource, context) {
    for (const kustomization of context.index.deployment.fluxKustomizationsOf(resource)) {
      for (const dependency of kustomization.dependsOn) {
        const at = ['spec', 'dependsOn', dependency.index, 'name'];
        const dependencyId = `${dependency.namespace}/${dependency.name}`;
        if (dependencyId === kustomization.id) {
          context.report({ messageId: 'self', data: { id: kustomization.id }, at });
          continue;
        }
        const loop = loopThrough(context.index, kustomization, dependencyId);
        if (loop !== undefined) context.report({ messageId: 'cycle', data: { id: kustomization.id, dependency: dependencyId, cycle: shown(loop) }, at });
      }
    }
  },
});

/**
 * The Kustomizations each one depends on, by id, in each cluster (the
 * clusters' own graphs: two clusters may use the same names the other way
 * round), and among those no cluster applies.
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

const UNAPPLIED = '';

function graphsOf(index: ResourceIndex): ReadonlyMap<string, DependencyGraph> {
  return index.derived(graphsOf, () => {
    const edgesByGroup = new Map<string, Map<string, Set<string>>>();
    for (const kustomization of index.deployment.fluxKustomizations) {
      for (const group of groupsOf(kustomization)) {
        const edges = edgesByGroup.get(group) ?? edgesByGroup.set(group, new Map()).get(group)!;
        // Copies of one id in one cluster (a duplicate) wait for all that each names.
        const out = edges.get(kustomization.id) ?? edges.set(kustomization.id, new Set()).get(kustomization.id)!;
        for (const dependency of kustomization.dependsOn) out.add(`${dependency.namespace}/${dependency.name}`);
      }
    }
    return new Map(
      [...edgesByGroup].map(([group, edges]) => {
        const component = components(edges);
        const sizes: number[] = [];
        for (const id of component.values()) sizes[id] = (sizes[id] ?? 0) + 1;
        return [group, { edges, component, sizes }];
      }),
    );
  });
}

function groupsOf(kustomization: FluxKustomization): readonly string[] {
  return kustomization.clusters.length > 0 ? kustomization.clusters : [UNAPPLIED];
}

/**
 * The shortest way from `dependencyId` back to `kustomization` in one of its
 * clusters, as `kustomization -> dependency -> … -> kustomization` (in a
 * component too large to search, without the ids between); `undefined`
 * when there is none.
 */
function loopThrough(index: ResourceIndex, kustomization: FluxKustomization, dependencyId: string): string[] | undefined {
  const graphs = graphsOf(index);
  for (const group of groupsOf(kustomization)) {
    const { edges, component, sizes } = graphs.get(group)!;
    const own = component.get(kustomization.id);
    if (own === undefined || component.get(dependencyId) !== own) continue;
    if (sizes[own]! > MAX_TRACED) return [kustomization.id, dependencyId, '…', kustomization.id];
    // Breadth first inside the component, from the dependency to the dependent.
    const cameFrom = new Map<string, string | null>([[dependencyId, null]]);
    const queue = [dependencyId];
    for (let next = 0; next < queue.length; next++) {
      const id = queue[next]!;
      if (id === kustomization.id) {
        const way: string[] = [];
        for (let at: string | null = id; at !== null; at = cameFrom.get(at)!) way.push(at);
        return [kustomization.id, ...way.reverse()];
      }
      for (const target of edges.get(id) ?? []) {
        if (cameFrom.has(target) || component.get(target) !== own) continue;
        cameFrom.set(target, id);
        queue.push(target);
      }
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
