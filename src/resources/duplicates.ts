import type { ResourceIndex } from './index.js';
import type { Placement, Resource } from './resource.js';
import { getPath } from './values.js';

/** One copy of an object as a cluster receives it. */
export interface Copy {
  readonly resource: Resource;
  readonly placement: Placement;
}

/**
 * The other copies of what `resource` deploys: the same kind, namespace and
 * name in the same cluster, from another file or applied a second time by
 * another Flux Kustomization. Copies whose cluster, namespace or name is
 * unknown are never duplicates: an archived copy or a `${NAMESPACE}` value is
 * not evidence of a clash.
 */
export function otherCopies(index: ResourceIndex, resource: Resource): Copy[] {
  const copies = copiesOf(index);
  const others: Copy[] = [];
  for (const placement of resource.placements) {
    const key = identityKey(index, resource, placement);
    if (key === undefined) continue;
    for (const copy of copies.get(key) ?? []) {
      if (copy.resource === resource && copy.placement === placement) continue;
      const same = (other: Copy) =>
        other.resource === copy.resource &&
        other.placement.fluxKustomization === copy.placement.fluxKustomization &&
        other.placement.namespace === copy.placement.namespace &&
        other.placement.name === copy.placement.name;
      if (!others.some(same)) others.push(copy);
    }
  }
  return others;
}

function copiesOf(index: ResourceIndex): Map<string, Copy[]> {
  return index.derived(copiesOf, () => {
    const copies = new Map<string, Copy[]>();
    for (const resource of index.all) {
      for (const placement of resource.placements) {
        const key = identityKey(index, resource, placement);
        if (key === undefined) continue;
        (copies.get(key) ?? copies.set(key, []).get(key)!).push({ resource, placement });
      }
    }
    return copies;
  });
}

// Flux creates such an object only if it is absent and never updates it (or
// leaves it alone): the way to share one object (a RoleBinding in a
// component) between Kustomizations. kustomize-controller reads the policy
// from an annotation or a label, in any case (fluxcd/pkg ssa AnyInMetadata).
const SSA_POLICY = 'kustomize.toolkit.fluxcd.io/ssa';
const SHARED_SSA_POLICIES = new Set(['ifnotpresent', 'ignore']);

function isSharedOnPurpose(resource: Resource): boolean {
  return (['annotations', 'labels'] as const).some((field) => {
    // Most objects have no policy as written: no substituted read for them.
    if (getPath(resource.written, ['metadata', field, SSA_POLICY]) === undefined) return false;
    const policy = resource.get(['metadata', field, SSA_POLICY]);
    return typeof policy === 'string' && SHARED_SSA_POLICIES.has(policy.toLowerCase());
  });
}

function identityKey(index: ResourceIndex, resource: Resource, placement: Placement): string | undefined {
  if (placement.cluster === undefined || placement.name === undefined) return undefined;
  if (isSharedOnPurpose(resource)) return undefined;
  const clusterScoped = resource.typeId === 'Namespace' || index.deployment.isClusterScoped(resource.typeId);
  if (!clusterScoped && placement.namespace === undefined) return undefined;
  return [placement.cluster, resource.typeId, placement.namespace ?? '', placement.name].join('\u0000');
}
