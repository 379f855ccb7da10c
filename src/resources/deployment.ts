import { posix } from 'node:path';
import { FLUX_KUSTOMIZATION, isClusterScoped } from './kinds.js';
import type { Placement, RawResource } from './resource.js';
import { asArray, getPath, isMapping, knownString } from './values.js';

/**
 * How the repository is deployed: which kustomizations and Flux Kustomizations
 * reach each file, into which namespace, for which cluster. Built offline from
 * the files alone, without running kustomize.
 */
export interface Deployment {
  placementsOf(resource: RawResource): Placement[];
  /** True when the file is only ever used as a kustomize patch, never as a resource. */
  isPatchOnly(path: string): boolean;
}

export interface DeploymentInput {
  /** Directory (relative to the working directory, `''` for it) that Flux paths are relative to. */
  readonly root: string;
  /** Every discovered YAML file and its composed documents. */
  readonly files: readonly { readonly path: string; readonly values: readonly unknown[] }[];
  readonly resources: readonly RawResource[];
}

/**
 * A namespace that kustomize or Flux sets on every object they apply:
 * `undefined` when none is set, `null` when one is set to a value unknown
 * offline (`${NAMESPACE}`), which must not fall back to metadata.namespace.
 */
type NamespaceOverride = string | null | undefined;

interface Member {
  readonly file: string;
  /** Namespace set by the outermost kustomization that sets one. */
  readonly namespace: NamespaceOverride;
  readonly patch: boolean;
  /** Whether a kustomization on the way adds labels (`labels`, `commonLabels`). */
  readonly labelsAdded: boolean;
}

/** Where a file is applied, before the resources in it are known. */
interface FilePlacement {
  readonly cluster: string | undefined;
  readonly namespace: NamespaceOverride;
  readonly fluxKustomization: string | undefined;
  readonly labelsAdded: boolean;
}

interface KustomizeConfig {
  readonly namespace: NamespaceOverride;
  readonly addsLabels: boolean;
  readonly resources: readonly string[];
  readonly patches: readonly string[];
}

const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The implicit cluster of a repository that has no Flux Kustomizations at all. */
export const IMPLICIT_CLUSTER = '.';

export function buildDeployment(input: DeploymentInput): Deployment {
  const tree = new FileTree(input.files.map((file) => file.path));
  const configs = readKustomizeConfigs(input.files);
  const members: Memo<Member[]> = new Memo((dir) => buildDirectory(dir, tree, configs, members), []);
  const placements = new Map<string, FilePlacement[]>();
  const addPlacement = (file: string, placement: FilePlacement) => {
    const list = placements.get(file) ?? [];
    if (!list.some((p) => samePlacement(p, placement))) list.push(placement);
    placements.set(file, list);
  };
  const patchUses = new Map<string, boolean>();
  const notePatchUse = (member: Member) => patchUses.set(member.file, (patchUses.get(member.file) ?? true) && member.patch);

  const fluxResources = input.resources.filter((resource) => resource.typeId === FLUX_KUSTOMIZATION);
  const ownSource = ownGitRepository(fluxResources);
  const fluxKustomizations = fluxResources.map((resource) => toFluxNode(resource, input.root, tree, ownSource));
  const reachedByFlux = placeFluxTrees(fluxKustomizations, members, input.root, (member, placement) => {
    notePatchUse(member);
    if (!member.patch) addPlacement(member.file, placement);
  });

  // Files that no Flux Kustomization reaches still take the namespace of the
  // kustomizations that list them; whether they belong to a cluster is unknown,
  // unless the repository does not deploy with Flux at all.
  const cluster = reachedByFlux ? undefined : IMPLICIT_CLUSTER;
  for (const dir of topLevelKustomizations(configs)) {
    for (const member of members.get(dir)) {
      notePatchUse(member);
      if (!member.patch && !placements.has(member.file)) {
        addPlacement(member.file, { cluster, namespace: member.namespace, fluxKustomization: undefined, labelsAdded: member.labelsAdded });
      }
    }
  }

  return {
    isPatchOnly: (path) => patchUses.get(path) === true,
    placementsOf(resource) {
      const found = placements.get(resource.file.path) ?? [{ cluster, namespace: undefined, fluxKustomization: undefined, labelsAdded: false }];
      return sortPlacements(found.map((placement) => placeIn(resource, placement)));
    },
  };
}

/**
 * kustomize's `namespace:` and Flux's `targetNamespace` override the
 * object's own metadata.namespace (both set it on every namespaced object),
 * and rename Namespace objects themselves (the namespace transformer sets
 * metadata.name of a Namespace, which lets repos write `name: _`).
 */
function placeIn(resource: RawResource, placement: FilePlacement): Placement {
  const { cluster, fluxKustomization, labelsAdded } = placement;
  const override = placement.namespace;
  if (resource.typeId === 'Namespace') {
    return { cluster, fluxKustomization, labelsAdded, namespace: undefined, name: override === undefined ? resource.name : (override ?? undefined) };
  }
  if (isClusterScoped(resource.typeId)) return { cluster, fluxKustomization, labelsAdded, namespace: undefined, name: resource.name };
  const own = knownString(getPath(resource.value, ['metadata', 'namespace']));
  return { cluster, fluxKustomization, labelsAdded, namespace: override === undefined ? own : (override ?? undefined), name: resource.name };
}

function samePlacement(a: FilePlacement, b: FilePlacement): boolean {
  return a.cluster === b.cluster && a.namespace === b.namespace && a.fluxKustomization === b.fluxKustomization;
}

function sortPlacements(placements: Placement[]): Placement[] {
  const key = (p: Placement) => `${p.cluster ?? '\uffff'}\u0000${p.fluxKustomization ?? ''}\u0000${p.namespace ?? ''}`;
  return placements.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

interface FluxNode {
  readonly id: string;
  readonly file: string;
  /** Directory the Kustomization applies, or `undefined` when it is unknown or absent. */
  readonly path: string | undefined;
  readonly targetNamespace: NamespaceOverride;
  /** `spec.commonMetadata.labels` adds labels to every object it applies. */
  readonly addsLabels: boolean;
}

/**
 * The GitRepository that holds this repository: the one most Flux
 * Kustomizations apply from. Paths of Kustomizations applying another source
 * (an upstream GitRepository, an OCIRepository of flux-manifests) are not
 * paths in this repository.
 */
function ownGitRepository(fluxKustomizations: readonly RawResource[]): string | undefined {
  const counts = new Map<string, number>();
  for (const resource of fluxKustomizations) {
    const name = gitSourceOf(resource);
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const ranked = [...counts].sort(([a, x], [b, y]) => y - x || (a === 'flux-system' ? -1 : b === 'flux-system' ? 1 : a < b ? -1 : 1));
  return ranked[0]?.[0];
}

function gitSourceOf(resource: RawResource): string | undefined {
  if (getPath(resource.value, ['spec', 'sourceRef', 'kind']) !== 'GitRepository') return undefined;
  return knownString(getPath(resource.value, ['spec', 'sourceRef', 'name']));
}

function appliesOwnSource(resource: RawResource, ownSource: string | undefined): boolean {
  const sourceRef = getPath(resource.value, ['spec', 'sourceRef']);
  return sourceRef === undefined || gitSourceOf(resource) === ownSource;
}

function toFluxNode(resource: RawResource, root: string, tree: FileTree, ownSource: string | undefined): FluxNode {
  const namespace = knownString(getPath(resource.value, ['metadata', 'namespace'])) ?? '';
  const specPath = appliesOwnSource(resource, ownSource) ? knownString(getPath(resource.value, ['spec', 'path'])) : undefined;
  const path = specPath === undefined ? undefined : posix.join(root || '.', specPath.replace(/^\/+/, ''));
  return {
    id: `${namespace}/${resource.name ?? ''}`,
    file: resource.file.path,
    path: path !== undefined && tree.hasDirectory(path) ? normalizeDir(path) : undefined,
    targetNamespace: namespaceOverride(getPath(resource.value, ['spec', 'targetNamespace'])),
    addsLabels: isMapping(getPath(resource.value, ['spec', 'commonMetadata', 'labels'])),
  };
}

/**
 * Walks from each root Flux Kustomization (one that no other one applies)
 * through the Kustomizations it applies. A cluster is named after the
 * directory of its root's file (relative to the repository root), so two
 * clusters that share a base stay apart.
 * Returns whether any Flux Kustomization reached a file.
 */
function placeFluxTrees(
  nodes: readonly FluxNode[],
  members: Memo<Member[]>,
  root: string,
  place: (member: Member, placement: FilePlacement) => void,
): boolean {
  const definedIn = groupBy(nodes, (node) => node.file);
  const appliedBy = new Map<string, Set<FluxNode>>();
  for (const node of nodes) {
    for (const member of node.path === undefined ? [] : members.get(node.path)) {
      if (member.patch) continue;
      const set = appliedBy.get(member.file) ?? new Set();
      set.add(node);
      appliedBy.set(member.file, set);
    }
  }
  const isRoot = (node: FluxNode) => [...(appliedBy.get(node.file) ?? [])].every((parent) => parent === node);
  const roots = nodes.filter(isRoot);
  let reached = false;
  const visited = new Set<string>();
  const visit = (node: FluxNode, cluster: string) => {
    const key = `${cluster}\u0000${node.id}\u0000${node.file}`;
    if (visited.has(key)) return;
    visited.add(key);
    for (const member of node.path === undefined ? [] : members.get(node.path)) {
      reached = true;
      place(member, {
        cluster,
        namespace: node.targetNamespace !== undefined ? node.targetNamespace : member.namespace,
        fluxKustomization: node.id,
        labelsAdded: node.addsLabels || member.labelsAdded,
      });
      if (!member.patch) for (const child of definedIn.get(member.file) ?? []) visit(child, cluster);
    }
  };
  for (const node of roots) visit(node, posix.relative(root || '.', posix.dirname(node.file)) || '.');
  return reached;
}

/** Files a directory contributes when kustomize (or Flux's generated kustomization) builds it. */
function buildDirectory(dir: string, tree: FileTree, configs: Map<string, KustomizeConfig>, members: Memo<Member[]>): Member[] {
  const config = configs.get(dir);
  if (!config) return generatedMembers(dir, tree, configs, members);
  const result: Member[] = [];
  const add = (member: Member) =>
    result.push({
      ...member,
      namespace: config.namespace !== undefined ? config.namespace : member.namespace,
      labelsAdded: config.addsLabels || member.labelsAdded,
    });
  for (const entry of config.resources) {
    const target = posix.join(dir, entry);
    if (tree.hasFile(target)) add({ file: target, namespace: undefined, patch: false, labelsAdded: false });
    else if (tree.hasDirectory(target)) members.get(normalizeDir(target)).forEach(add);
  }
  for (const entry of config.patches) {
    const target = posix.join(dir, entry);
    if (tree.hasFile(target)) add({ file: target, namespace: undefined, patch: true, labelsAdded: false });
  }
  return result;
}

// Flux applies a directory without a kustomization.yaml as if one listed every
// manifest under it; a subdirectory with its own kustomization.yaml is built
// on its own.
function generatedMembers(dir: string, tree: FileTree, configs: Map<string, KustomizeConfig>, members: Memo<Member[]>): Member[] {
  const result: Member[] = tree.filesIn(dir).map((file) => ({ file, namespace: undefined, patch: false, labelsAdded: false }));
  for (const sub of tree.subdirectoriesOf(dir)) {
    result.push(...(configs.has(sub) ? members.get(sub) : generatedMembers(sub, tree, configs, members)));
  }
  return result;
}

function topLevelKustomizations(configs: Map<string, KustomizeConfig>): string[] {
  // A directory is top-level when no other kustomization includes its kustomization file's directory.
  const included = new Set<string>();
  for (const [dir, config] of configs) {
    for (const entry of config.resources) {
      const target = normalizeDir(posix.join(dir, entry));
      if (target !== dir) included.add(target);
    }
  }
  return [...configs.keys()].filter((dir) => !included.has(dir)).sort();
}

function readKustomizeConfigs(files: DeploymentInput['files']): Map<string, KustomizeConfig> {
  const configs = new Map<string, KustomizeConfig>();
  for (const file of files) {
    if (!KUSTOMIZATION_FILE_NAMES.includes(posix.basename(file.path))) continue;
    const value = file.values[0];
    if (!isMapping(value) || !isKustomizeConfig(value)) continue;
    configs.set(normalizeDir(posix.dirname(file.path)), {
      namespace: namespaceOverride(value.namespace),
      addsLabels: isMapping(value.commonLabels) || asArray(value.labels).some((entry) => isMapping(getPath(entry, ['pairs']))),
      resources: [...strings(value.resources), ...strings(value.bases), ...strings(value.components)].filter(isLocal),
      patches: [
        ...asArray(value.patches).map((patch) => (isMapping(patch) ? patch.path : undefined)),
        ...asArray(value.patchesJson6902).map((patch) => (isMapping(patch) ? patch.path : undefined)),
        ...asArray(value.patchesStrategicMerge),
      ].filter((entry): entry is string => typeof entry === 'string' && isLocal(entry)),
    });
  }
  return configs;
}

function namespaceOverride(value: unknown): NamespaceOverride {
  if (typeof value !== 'string' || value === '') return undefined;
  return knownString(value) ?? null;
}

function isKustomizeConfig(value: Record<string, unknown>): boolean {
  const apiVersion = value.apiVersion;
  return apiVersion === undefined || (typeof apiVersion === 'string' && apiVersion.startsWith('kustomize.config.k8s.io/'));
}

function strings(value: unknown): string[] {
  return asArray(value).filter((entry): entry is string => typeof entry === 'string');
}

// Remote bases (URLs, `github.com/...?ref=`) are outside the repository.
function isLocal(entry: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) && !/^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) && !entry.includes('?ref=');
}

function normalizeDir(dir: string): string {
  const normalized = posix.normalize(dir).replace(/\/+$/, '');
  return normalized === '' ? '.' : normalized;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item)) ?? [];
    list.push(item);
    groups.set(key(item), list);
  }
  return groups;
}

/** Caches a recursive computation and breaks cycles (a kustomization that includes itself). */
class Memo<T> {
  private readonly done = new Map<string, T>();
  private readonly active = new Set<string>();
  constructor(
    private readonly compute: (key: string) => T,
    private readonly onCycle: T,
  ) {}
  get(key: string): T {
    const cached = this.done.get(key);
    if (cached !== undefined) return cached;
    if (this.active.has(key)) return this.onCycle;
    this.active.add(key);
    const value = this.compute(key);
    this.active.delete(key);
    this.done.set(key, value);
    return value;
  }
}

/** The discovered files seen as directories, for kustomize's view of the tree. */
class FileTree {
  private readonly files = new Set<string>();
  private readonly filesByDir = new Map<string, string[]>();
  private readonly subdirs = new Map<string, Set<string>>();

  constructor(paths: readonly string[]) {
    for (const path of paths) {
      this.files.add(path);
      const dir = normalizeDir(posix.dirname(path));
      const list = this.filesByDir.get(dir) ?? [];
      list.push(path);
      this.filesByDir.set(dir, list);
      for (let child = dir; child !== '.'; child = normalizeDir(posix.dirname(child))) {
        const parent = normalizeDir(posix.dirname(child));
        const set = this.subdirs.get(parent) ?? new Set();
        if (set.has(child)) break;
        set.add(child);
        this.subdirs.set(parent, set);
      }
    }
  }

  hasFile(path: string): boolean {
    return this.files.has(posix.normalize(path));
  }

  hasDirectory(path: string): boolean {
    const dir = normalizeDir(path);
    return this.filesByDir.has(dir) || this.subdirs.has(dir);
  }

  filesIn(dir: string): string[] {
    return [...(this.filesByDir.get(dir) ?? [])].filter((file) => !KUSTOMIZATION_FILE_NAMES.includes(posix.basename(file))).sort();
  }

  subdirectoriesOf(dir: string): string[] {
    return [...(this.subdirs.get(dir) ?? [])].sort();
  }
}
