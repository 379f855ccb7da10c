import type { ResourceIndex } from '../resources/index.js';
import { appliedCluster } from '../resources/deployment.js';
import { compareStrings } from '../linter/finding.js';
import { safe, startsCommand } from './stylish.js';

/** What each cluster deploys, through which Flux Kustomization: the debugging view of the Flux graph. */
export interface GraphView {
  readonly clusters: readonly {
    readonly name: string;
    readonly kustomizations: readonly GraphKustomization[];
  }[];
  /** Flux Kustomizations no cluster reaches (shelved, archived). */
  readonly unreached: readonly GraphKustomization[];
  /** Whether the repository has no Flux that reaches its files, and is read as plain kustomize (one implicit cluster). */
  readonly plainKustomize: boolean;
  readonly resources: { readonly total: number; readonly inClusters: number };
  readonly files: { readonly total: number; readonly reached: number };
}

export interface GraphKustomization {
  readonly id: string;
  readonly file: string;
  /** Relative to the repository root; `null` when absent, unknown, or in another source. */
  readonly path: string | null;
  readonly pathExists: boolean;
  readonly targetNamespace: string | null;
  readonly dependsOn: readonly string[];
  /** Resources it applies in this cluster. */
  readonly resources: number;
}

export function graphView(index: ResourceIndex, fileCount: number): GraphView {
  const counts = new Map<string, number>();
  const reachedFiles = new Set<string>();
  let inClusters = 0;
  for (const resource of index.all) {
    let placed = false;
    for (const placement of resource.placements) {
      // In a repository read as plain kustomize, its one implicit cluster deploys what a kustomization lists.
      if (placement.cluster === undefined) continue;
      placed = true;
      if (placement.fluxKustomization === undefined) continue;
      const key = `${placement.cluster}\u0000${placement.fluxKustomization}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (placed) {
      inClusters++;
      reachedFiles.add(resource.file.path);
    }
  }
  const entry = (cluster: string | undefined) => (kustomization: (typeof index.deployment.fluxKustomizations)[number]): GraphKustomization => {
    // In a cluster, the path that cluster resolves (a shared ks.yaml's `${CLUSTER}`).
    const { path, exists } = kustomization.pathIn.find((entry) => entry.cluster === cluster) ?? { path: kustomization.path, exists: kustomization.pathExists };
    return {
      id: kustomization.id,
      file: kustomization.resource.file.path,
      path: kustomization.appliesThisRepository ? (path ?? null) : null,
      pathExists: exists,
      targetNamespace: kustomization.targetNamespace ?? null,
      dependsOn: kustomization.dependsOn.map((dependency) => `${dependency.namespace}/${dependency.name}`),
      resources: cluster === undefined ? 0 : (counts.get(`${appliedCluster(cluster, kustomization.remote)}\u0000${kustomization.id}`) ?? 0),
    };
  };
  const all = index.deployment.fluxKustomizations;
  const names = [...new Set(all.flatMap((kustomization) => kustomization.clusters))].sort(compareStrings);
  const byId = (a: GraphKustomization, b: GraphKustomization) => compareStrings(a.id, b.id) || compareStrings(a.file, b.file);
  return {
    clusters: names.map((name) => ({ name, kustomizations: all.filter((k) => k.clusters.includes(name)).map(entry(name)).sort(byId) })),
    unreached: all.filter((k) => k.clusters.length === 0).map(entry(undefined)).sort(byId),
    plainKustomize: !index.deployment.usesFlux,
    resources: { total: index.all.length, inClusters },
    files: { total: fileCount, reached: reachedFiles.size },
  };
}

export function formatGraphText(view: GraphView): string {
  const lines: string[] = [];
  const table = (rows: readonly GraphKustomization[], withCount: boolean) => {
    const cells = rows.map((k) => [
      safe(k.id),
      k.path === null ? '(no path in this repository)' : k.pathExists ? safe(k.path) : `${safe(k.path)} (missing)`,
      safe(k.targetNamespace ?? '-'),
      withCount ? `${k.resources} ${k.resources === 1 ? 'resource' : 'resources'}` : safe(k.file),
    ]);
    const widths = [0, 1, 2].map((i) => Math.max(...cells.map((row) => row[i]!.length)));
    for (const row of cells) lines.push(`  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`);
  };
  if (view.clusters.length === 0) {
    lines.push(
      view.plainKustomize
        ? 'No Flux Kustomization reaches a file: the repository is read as plain kustomize.'
        : 'No Flux Kustomization or flux-operator sync reaches a file of this repository (they apply other sources): no cluster is known.',
    );
  }
  for (const cluster of view.clusters) {
    lines.push(`cluster ${safe(cluster.name)}`);
    table(cluster.kustomizations, true);
    lines.push('');
  }
  if (view.unreached.length > 0) {
    lines.push('not in any cluster');
    table(view.unreached, false);
    lines.push('');
  }
  lines.push(
    `${view.resources.inClusters} of ${view.resources.total} resources deployed by a cluster; ${view.files.reached} of ${view.files.total} files reached.`,
  );
  return `${lines.map(notACommand).join('\n')}\n`;
}

/**
 * Names and paths come from manifests (escaped above); a line that would
 * start with `::` or `##[`, a GitHub Actions workflow command, has its first
 * character shown as an escape.
 */
function notACommand(line: string): string {
  if (!startsCommand(line)) return line;
  return line.replace(/^(\s*)(.)/, (_match, blanks: string, first: string) => `${blanks}\\u${first.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
