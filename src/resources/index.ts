import { ALL_KINDS } from '../rules/types.js';
import type { Deployment } from './deployment.js';
import { relativePath } from './paths.js';
import type { Resource } from './resource.js';

/** Every placed resource of the run, looked up by kind and by cluster. */
export class ResourceIndex {
  private readonly byType = new Map<string, Resource[]>();
  private readonly clusterSets = new Map<Resource, ReadonlySet<string>>();
  private readonly derivations = new Map<object, unknown>();

  /**
   * @param root the repository root, relative to the working directory (`''` for it)
   * @param deployment how the repository is deployed (kustomize and the Flux graph)
   */
  constructor(
    readonly all: readonly Resource[],
    readonly root: string,
    readonly deployment: Deployment,
  ) {
    for (const resource of all) {
      const list = this.byType.get(resource.typeId) ?? [];
      list.push(resource);
      this.byType.set(resource.typeId, list);
    }
  }

  /** The resource's file relative to the repository root, as Flux paths are written. */
  pathInRepo(resource: Resource): string {
    return relativePath(this.root, resource.file.path);
  }

  /** Resources of the given `group/Kind` ids, in file order. */
  ofType(...typeIds: string[]): readonly Resource[] {
    if (typeIds.includes(ALL_KINDS)) return this.all;
    if (typeIds.length === 1) return this.byType.get(typeIds[0]!) ?? [];
    return typeIds.flatMap((typeId) => this.byType.get(typeId) ?? []);
  }

  /**
   * Resources of `typeIds` deployed to a cluster that `resource` is also
   * deployed to. A file that no cluster deploys (an `_archive/` copy, a
   * stray manifest) has no neighbours and is no one's neighbour.
   */
  neighbours(resource: Resource, ...typeIds: string[]): readonly Resource[] {
    return this.ofType(...typeIds).filter((other) => this.shareCluster(resource, other));
  }

  /**
   * What `compute` derives from the whole run, computed on first use and kept
   * with the index: rules that look across resources ask for it once per
   * resource they check. `key` names what is derived (the function that
   * derives it, or a rule's options object, one per rule and run).
   */
  derived<T>(key: object, compute: () => T): T {
    if (!this.derivations.has(key)) this.derivations.set(key, compute());
    return this.derivations.get(key) as T;
  }

  /** Whether some cluster deploys both; never for a resource that no cluster deploys. */
  shareCluster(a: Resource, b: Resource): boolean {
    const clustersOfB = this.clustersOf(b);
    for (const cluster of this.clustersOf(a)) if (clustersOfB.has(cluster)) return true;
    return false;
  }

  // Rules ask about every pair of neighbours (each workload and every
  // Namespace, say): each resource's clusters are collected once.
  private clustersOf(resource: Resource): ReadonlySet<string> {
    let clusters = this.clusterSets.get(resource);
    if (clusters === undefined) {
      clusters = new Set(resource.placements.flatMap((p) => (p.cluster === undefined ? [] : [p.cluster])));
      this.clusterSets.set(resource, clusters);
    }
    return clusters;
  }
}
