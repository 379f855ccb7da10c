import { posix } from 'node:path';
import type { Placement, Resource } from './resource.js';

/** Every placed resource of the run, looked up by kind and by cluster. */
export class ResourceIndex {
  private readonly byType = new Map<string, Resource[]>();

  /**
   * @param root the repository root, relative to the working directory (`''` for it)
   */
  constructor(
    readonly all: readonly Resource[],
    readonly root: string = '',
  ) {
    for (const resource of all) {
      const list = this.byType.get(resource.typeId) ?? [];
      list.push(resource);
      this.byType.set(resource.typeId, list);
    }
  }

  /** The resource's file relative to the repository root, as Flux paths are written. */
  pathInRepo(resource: Resource): string {
    return posix.relative(this.root || '.', resource.file.path);
  }

  /** Resources of the given `group/Kind` ids, in file order. */
  ofType(...typeIds: string[]): readonly Resource[] {
    if (typeIds.length === 1) return this.byType.get(typeIds[0]!) ?? [];
    return typeIds.flatMap((typeId) => this.byType.get(typeId) ?? []);
  }

  /**
   * Resources of `typeIds` that can live in a cluster with `resource`. A
   * resource whose cluster is unknown is compared with every cluster, so a
   * lookup never misses a real neighbour.
   */
  neighbours(resource: Resource, ...typeIds: string[]): readonly Resource[] {
    return this.ofType(...typeIds).filter((other) => mayShareCluster(resource, other));
  }
}

export function mayShareCluster(a: Resource, b: Resource): boolean {
  const clustersA = knownClusters(a.placements);
  const clustersB = knownClusters(b.placements);
  if (clustersA.length === 0 || clustersB.length === 0) return true;
  return clustersA.some((cluster) => clustersB.includes(cluster));
}

function knownClusters(placements: readonly Placement[]): string[] {
  return placements.flatMap((p) => (p.cluster === undefined ? [] : [p.cluster]));
}
