import { posix } from 'node:path';
import { parseDocument } from 'yaml';
import { fastCompose } from '../yaml/fast-compose.js';
import { dependencyReference, FLUX_INSTANCE, FLUX_KUSTOMIZATION, GIT_REPOSITORY, HELM_RELEASE, isClusterScoped, typeIdOf } from './kinds.js';
import { documentKey, isKustomizationFile, KUSTOMIZATION_FILE_NAMES, type Placement, type RawResource } from './resource.js';
import { joinPath, normalizeDir, relativePath } from './paths.js';
import { substituteText, substituteValue, SUBSTITUTE_DISABLED, SUBSTITUTE_KEY, substitutionDisabled, type Substitution, type SubstitutionSource } from './substitution.js';
import { labelsOf, matchesSelector, parseSelectorText, UNKNOWN_LABEL_VALUE } from './selectors.js';
import { artifactFilter, type ArtifactExclusion, type ArtifactFilter, type SourceIgnoreFile } from './source-ignore.js';
import { asArray, getPath, isMapping, knownString, type Mapping } from './values.js';

/**
 * How the repository is deployed: which kustomizations and Flux Kustomizations
 * reach each file, into which namespace and under which name, for which
 * cluster, with which substitutions. Built offline from the files alone,
 * without running kustomize or Flux, in time linear in the repository's size.
 */
export interface Deployment {
  placementsOf(resource: RawResource): Placement[];
  /** True when the file is only ever used as a kustomize patch, never as a resource. */
  isPatchOnly(path: string): boolean;
  /** Whether the repository deploys with Flux (some Flux Kustomization reaches a file). */
  readonly usesFlux: boolean;
  /** Every Flux Kustomization (and flux-operator sync), in file order. */
  readonly fluxKustomizations: readonly FluxKustomization[];
  /** The Flux Kustomizations (or flux-operator syncs) a document defines. */
  fluxKustomizationsOf(resource: Pick<RawResource, 'file' | 'documentIndex'>): readonly FluxKustomization[];
  /** kustomization.yaml `resources`/`components`/`bases` entries that kustomize cannot read: missing, or a directory without a kustomization. */
  readonly missingEntries: readonly MissingEntry[];
  /** Whether objects of the type have no namespace: the built-in list, and CustomResourceDefinitions in the repository that say `scope: Cluster`. */
  isClusterScoped(typeId: string): boolean;
  /**
   * What leaves a linted file out of the artifact of the repository's own
   * GitRepository, which Flux builds from (a `.sourceignore` pattern, its
   * `spec.ignore`); `undefined` for a file in it, and for every file when
   * Flux builds this repository from no GitRepository of its own.
   */
  artifactExclusionOf(path: string): ArtifactExclusion | undefined;
}

/** A Flux Kustomization as the graph sees it. */
export interface FluxKustomization {
  /** `namespace/name`. */
  readonly id: string;
  /** The object that defines it: a Kustomization, a FluxInstance, or a flux-instance HelmRelease. */
  readonly resource: RawResource;
  /** `spec.path` (or `spec.sync.path`), relative to the repository root; `undefined` when absent or unknown. */
  readonly path: string | undefined;
  /** Where `path` is written in `resource`. */
  readonly pathAt: readonly (string | number)[];
  /** Whether it applies this repository's own source (its path is a path in this repository). */
  readonly appliesThisRepository: boolean;
  readonly pathExists: boolean;
  /** What leaves `path`, a directory of the repository, out of the artifact it builds from: then it does not exist for Flux. */
  readonly pathExcluded?: ArtifactExclusion;
  readonly targetNamespace: string | null | undefined;
  /** `readyExpr`: the entry's own CEL readiness check, which replaces Flux's. */
  readonly dependsOn: readonly { readonly name: string; readonly namespace: string; readonly index: number; readonly readyExpr: boolean }[];
  /** Clusters it is part of, sorted. */
  readonly clusters: readonly string[];
  /** With `spec.kubeConfig`, the remote cluster what it applies goes to (see remoteCluster and appliedCluster). */
  readonly remote: string | undefined;
  /**
   * The remote cluster its `spec.patches` send the HelmReleases it applies
   * to, by giving them a `spec.kubeConfig` (a hub that installs releases
   * into spoke clusters).
   */
  readonly helmReleaseRemote: string | undefined;
  /**
   * The path it applies in each of those clusters where that is not `path`:
   * a `${CLUSTER}` in the path of a ks.yaml that several clusters apply
   * resolves in each.
   */
  readonly pathIn: readonly { readonly cluster: string; readonly path: string | undefined; readonly exists: boolean; readonly excluded?: ArtifactExclusion }[];
  /** Its `spec.components` entries known offline: each directory, relative to the repository root, and whether it exists. */
  readonly components: readonly {
    readonly index: number;
    readonly path: string;
    readonly exists: boolean;
    /** What leaves the directory out of the artifact (see pathExcluded). */
    readonly excluded?: ArtifactExclusion;
    /** Whether the directory holds a kustomization file, which kustomize needs of a component (none known outside the linted files). */
    readonly kustomization: boolean;
  }[];
}

export interface MissingEntry {
  /** The kustomization.yaml holding the entry. */
  readonly file: string;
  readonly field: 'resources' | 'components' | 'bases';
  readonly index: number;
  readonly entry: string;
  /** `path`: nothing is there; `kustomization`: a directory in which kustomize finds no kustomization file; `directory`: a kustomization file, named where its directory should be. */
  readonly lacks: 'path' | 'kustomization' | 'directory';
  /** The path is on disk, but git ignores it (DeploymentInput.pathIgnored). */
  readonly ignored: boolean;
  /** The path is there, but the artifact the kustomization is built from leaves it out, by this pattern. */
  readonly excluded?: ArtifactExclusion;
}

/**
 * What the model reads. Of `resources` it reads only those that
 * feedsDeployment accepts, and `pathExists` only for kustomization entries
 * that are not among `paths`; the rest is per resource (placementsOf).
 */
export interface DeploymentInput {
  /** Directory (relative to the working directory, `''` for it) that Flux paths are relative to (see repositoryRoot). */
  readonly root: string;
  /**
   * The directory linted, when only part of the repository above it is
   * (`root` is then above it): a Flux path outside it may exist on disk.
   */
  readonly linted?: string;
  /** Every discovered YAML file that could be read. */
  readonly paths: readonly string[];
  /**
   * The first document of each kustomization file (isKustomizationFile)
   * among them, composed; `undefined` for one that did not compose. The
   * model reads no other document whole, so the others' values can be
   * released as soon as their resources are read.
   */
  readonly kustomizations: readonly { readonly path: string; readonly value: unknown }[];
  /** Files holding a list of kustomize replacements (isReplacementList), which a kustomization names by `path`. */
  readonly replacements?: readonly { readonly path: string; readonly value: unknown }[];
  /** Files holding flux-instance chart values (isFluxInstanceValues), which a configMapGenerator makes a HelmRelease's valuesFrom of. */
  readonly instanceValues?: readonly { readonly path: string; readonly value: unknown }[];
  readonly resources: readonly RawResource[];
  /**
   * Whether a path that is not a linted YAML file exists all the same (a
   * `.json` resource, an ignored file); the caller answers from the file
   * system, so this model stays free of it.
   */
  readonly pathExists?: (path: string) => boolean;
  /** Whether a path that does not exist for `pathExists` is on disk all the same, but ignored by git: not in the repository that Flux reads. */
  readonly pathIgnored?: (path: string) => boolean;
  /** The `.sourceignore` files under the linted directories, which leave paths out of the artifact Flux builds from (see artifactFilter). */
  readonly sourceIgnores?: readonly SourceIgnoreFile[];
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
  /** Namespace set on objects that have none, by the innermost kustomization that sets one so (a NamespaceTransformer with unsetOnly). */
  readonly namespaceDefault?: NamespaceOverride;
  /**
   * Read by kustomize as a patch, or as an input (a generator's file, a
   * transformer's or generator's configuration), not applied as it is.
   */
  readonly patch: boolean;
  /** Labels the kustomizations on the way set (`labels`, `commonLabels`), and whether they may set others (a patch). */
  readonly addedLabels: AddedLabels;
  /** The kustomize patches on the way that delete objects or set a Flux Kustomization's path, innermost first. */
  readonly patches?: readonly PatchOnTheWay[];
  /** `namePrefix`s and `nameSuffix`es on the way, outermost outside. */
  readonly prefix: string;
  readonly suffix: string;
  /**
   * Its namespace, affixes and labels before the outermost kustomization's
   * own: as the patches of that kustomization, and a Flux Kustomization's
   * `spec.patches` added to it, see it. The same as the member's for a file
   * no kustomization lists.
   */
  readonly beforeOutermost?: Pick<Member, 'namespace' | 'prefix' | 'suffix' | 'addedLabels'>;
  /**
   * The `spec.targetNamespace` that kustomize replacements on the way write
   * into the Flux Kustomizations of this file (see copiesNamespaceIntoFlux),
   * the outermost's; `undefined` when none does.
   */
  readonly fluxTargetNamespace?: NamespaceOverride;
}

/** Where a file is applied, before the resources in it are known. */
export interface FilePlacement {
  readonly cluster: string | undefined;
  readonly namespace: NamespaceOverride;
  /** Member.namespaceDefault. */
  readonly namespaceDefault?: NamespaceOverride;
  readonly fluxKustomization: string | undefined;
  readonly substitution: Substitution | undefined;
  readonly addedLabels: AddedLabels;
  /** The kustomize patches on the way (Member.patches), of which placementsOf follows the deletions. */
  readonly patches?: readonly PatchOnTheWay[];
  /** undefined when a Flux Kustomization's prefix or suffix is not known offline: so is the name. */
  readonly prefix: string | undefined;
  readonly suffix: string | undefined;
}

interface KustomizeConfig {
  readonly file: string;
  /** `namespace:`, or an inline NamespaceTransformer's, which runs after it. */
  readonly namespace: NamespaceOverride;
  /** An inline NamespaceTransformer's with `unsetOnly`: for objects without a namespace. */
  readonly namespaceDefault: NamespaceOverride;
  readonly labels: AddedLabels;
  readonly namePrefix: string;
  readonly nameSuffix: string;
  readonly resources: readonly { readonly entry: string; readonly field: MissingEntry['field']; readonly index: number }[];
  /** Local files kustomize reads as patches or as inputs (see Member.patch). */
  readonly patches: readonly string[];
  /** Its `patches` and `patchesStrategicMerge` entries, for what they delete or set (readPatches). */
  readonly patchEntries: readonly PatchEntry[];
  /** Literal values of `configMapGenerator`s by name; `null` when a generator reads files. */
  readonly generatedConfigMaps: ReadonlyMap<string, ReadonlyMap<string, string> | null>;
  /** The names of the Secrets its `secretGenerator` makes. */
  readonly generatedSecrets: readonly string[];
  /** The files its `configMapGenerator`s read, by ConfigMap name and key (`key=path`, or the file's name), relative to its directory. */
  readonly generatedConfigMapFiles: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Whether its replacements copy the Namespace's name into Flux Kustomizations' spec.targetNamespace. */
  readonly copiesNamespaceIntoFlux: boolean;
  /** The ConfigMaps and Secrets its patches, replacements and merging generators may change (sourceEditsOf). */
  readonly sourceEdits: readonly SourceEdit[];
}

/** ConfigMaps or Secrets a kustomization may change: of a kind (any when absent), by a name pattern (any when absent). */
interface SourceEdit {
  readonly kind?: string;
  readonly name?: string;
}

/**
 * What the model decides from the repository's layout and the objects that
 * feedsDeployment accepts, and from nothing else: the costly part of
 * building it, which a cache may keep while none of those change.
 */
export interface DeploymentPlan {
  readonly usesFlux: boolean;
  /** Where each file is applied; a file that nothing applies is absent. */
  readonly placements: ReadonlyMap<string, readonly FilePlacement[]>;
  /** Per file listed as a patch or a resource: true when only ever as a patch. */
  readonly patchUses: ReadonlyMap<string, boolean>;
  /** The Flux Kustomizations, each naming the document that defines it. */
  readonly fluxKustomizations: readonly PlannedFluxKustomization[];
  /**
   * Entries of kustomization files that the linted files do not resolve:
   * missing, or directories without a kustomization file among them. The
   * entry is missing unless one of `probes` exists on disk. One `excluded`
   * is missing for Flux while it is there: among the linted files (no
   * probes), or on disk.
   */
  readonly unresolvedEntries: readonly (Omit<MissingEntry, 'ignored'> & { readonly probes: readonly string[] })[];
  /** The linted files that the artifact of the repository's own GitRepository leaves out (Deployment.artifactExclusionOf). */
  readonly excludedFiles: ReadonlyMap<string, ArtifactExclusion>;
}

type PlannedFluxKustomization = Omit<FluxKustomization, 'resource'> & { readonly definedIn: { readonly file: string; readonly documentIndex: number } };

/** The implicit cluster of a repository that has no Flux Kustomizations at all. */
export const IMPLICIT_CLUSTER = '.';

const SYNC_PATHS = new Map<string, readonly string[]>([
  [FLUX_INSTANCE, ['spec', 'sync']],
  // The flux-instance chart's values.
  [HELM_RELEASE, ['spec', 'values', 'instance', 'sync']],
]);

/**
 * Whether the deployment model reads this object: a Flux Kustomization, a
 * flux-operator sync, a GitRepository (which sources are the repository's
 * own), a ConfigMap or Secret (substitution sources) or an object that makes
 * a Secret (SECRET_GENERATORS), a Namespace (whose name a replacement
 * copies), or a patch that deletes what it names.
 */
export function feedsDeployment(resource: RawResource): boolean {
  return (
    FEEDING_TYPES.has(resource.typeId) ||
    resource.value.$patch === 'delete' ||
    syncOf(resource) !== undefined ||
    valuesFromOfInstance(resource).length > 0
  );
}

/**
 * The `valuesFrom` ConfigMaps of a HelmRelease of the flux-instance chart
 * (by its chart's name, or its own), with their index: where the cluster
 * template keeps `instance.sync`, in a file a configMapGenerator reads.
 */
function valuesFromOfInstance(resource: RawResource): { readonly index: number; readonly name: string; readonly key: string }[] {
  if (resource.typeId !== HELM_RELEASE) return [];
  const spec = getPath(resource.value, ['spec']);
  const chart = getPath(spec, ['chart', 'spec', 'chart']) ?? getPath(spec, ['chartRef', 'name']) ?? resource.name;
  if (chart !== 'flux-instance') return [];
  return asArray(getPath(spec, ['valuesFrom'])).flatMap((entry, index) => {
    const name = knownString(getPath(entry, ['name']));
    // A targetPath puts the values somewhere else than the top.
    if (getPath(entry, ['kind']) !== 'ConfigMap' || name === undefined || getPath(entry, ['targetPath']) !== undefined) return [];
    return [{ index, name, key: knownString(getPath(entry, ['valuesKey'])) ?? 'values.yaml' }];
  });
}

/** Whether a document is the flux-instance chart's values with a sync: `instance.sync.path`. */
export function isFluxInstanceValues(value: unknown): boolean {
  return typeof getPath(value, ['instance', 'sync', 'path']) === 'string' && getPath(value, ['apiVersion']) === undefined;
}

const ownName = (value: Mapping) => knownString(getPath(value, ['metadata', 'name']));

/**
 * The types of objects that make a Secret, each with the name of the
 * Secret one makes (`undefined` when not known offline).
 */
const SECRET_GENERATORS: ReadonlyMap<string, (value: Mapping) => string | undefined> = new Map([
  // spec.target.name defaults to the ExternalSecret's own; with creationPolicy None it makes nothing.
  [
    'external-secrets.io/ExternalSecret',
    (value: Mapping) => (getPath(value, ['spec', 'target', 'creationPolicy']) === 'None' ? undefined : (knownString(getPath(value, ['spec', 'target', 'name'])) ?? ownName(value))),
  ],
  // The controller names the Secret after the SealedSecret.
  ['bitnami.com/SealedSecret', ownName],
  ['onepassword.com/OnePasswordItem', ownName],
]);

const FEEDING_TYPES = new Set([FLUX_KUSTOMIZATION, GIT_REPOSITORY, 'Namespace', 'ConfigMap', 'Secret', ...SECRET_GENERATORS.keys()]);

/** The flux-operator sync a FluxInstance, or a flux-instance HelmRelease, defines. */
function syncOf(resource: RawResource): { readonly at: readonly string[]; readonly sync: Record<string, unknown> & { readonly path: string } } | undefined {
  const at = SYNC_PATHS.get(resource.typeId);
  const sync = at && getPath(resource.value, at);
  return at && isMapping(sync) && typeof sync.path === 'string' ? { at, sync: sync as Record<string, unknown> & { path: string } } : undefined;
}

/** The model, from a plan of the same input (planDeployment's, or one a cache kept). */
export function buildDeployment(input: DeploymentInput, plan: DeploymentPlan): Deployment {
  // By type, not by feedsDeployment, which would read every HelmRelease's values.
  const definers = new Map(
    input.resources
      .filter((resource) => resource.typeId === FLUX_KUSTOMIZATION || SYNC_PATHS.has(resource.typeId))
      .map((resource) => [documentKey(resource.file.path, resource.documentIndex), resource]),
  );
  const pathExists = input.pathExists ?? (() => false);
  // A Flux path outside the linted directory is not among the linted files; it may exist on disk.
  const linted = input.linted ?? input.root;
  const existsOutside = (path: string | undefined, exists: boolean) => {
    if (exists || path === undefined) return exists;
    const fromHere = normalizeDir(joinPath(input.root || '.', path));
    return !(linted === '' || fromHere === linted || fromHere.startsWith(`${linted}/`)) && pathExists(fromHere);
  };
  // Rules ask for the Kustomizations of each object they check: kept by document, not searched for each.
  const byDocument = new Map<string, FluxKustomization[]>();
  const fluxKustomizations = plan.fluxKustomizations.map(({ definedIn, ...planned }) => {
    const key = documentKey(definedIn.file, definedIn.documentIndex);
    const resource = definers.get(key);
    if (resource === undefined) throw new Error(`the deployment plan names ${definedIn.file} document ${definedIn.documentIndex}, which defines no Flux Kustomization`);
    const kustomization = {
      ...planned,
      pathExists: existsOutside(planned.path, planned.pathExists),
      pathIn: planned.pathIn.map((entry) => ({ ...entry, exists: existsOutside(entry.path, entry.exists) })),
      // One on disk outside the linted files: whether it holds a kustomization is not known, so it is taken to.
      components: planned.components.map((entry) => ({ ...entry, exists: existsOutside(entry.path, entry.exists), kustomization: entry.kustomization || !entry.exists })),
      resource,
    };
    (byDocument.get(key) ?? byDocument.set(key, []).get(key)!).push(kustomization);
    return kustomization;
  });
  const clusterScoped = clusterScopedTypes(input.resources);
  const unplaced: FilePlacement = {
    cluster: undefined,
    namespace: undefined,
    fluxKustomization: undefined,
    substitution: undefined,
    addedLabels: NO_ADDED_LABELS,
    prefix: '',
    suffix: '',
  };
  return {
    usesFlux: plan.usesFlux,
    fluxKustomizations,
    fluxKustomizationsOf: (resource) => byDocument.get(documentKey(resource.file.path, resource.documentIndex)) ?? [],
    missingEntries: plan.unresolvedEntries.flatMap(({ probes, excluded, ...entry }): MissingEntry[] => {
      const onDisk = probes.some(pathExists);
      // There for kustomize (a linted file, which needs no probe, or on disk), not for Flux.
      if (excluded !== undefined && (probes.length === 0 || onDisk)) return [{ ...entry, ignored: false, excluded }];
      return onDisk ? [] : [{ ...entry, ignored: entry.lacks === 'path' && probes.some((path) => input.pathIgnored?.(path) ?? false) }];
    }),
    isPatchOnly: (path) => plan.patchUses.get(path) === true,
    isClusterScoped: clusterScoped,
    artifactExclusionOf: (path) => plan.excludedFiles.get(path),
    placementsOf(resource) {
      const found = plan.placements.get(resource.file.path) ?? [unplaced];
      // A copy that a kustomize patch on the way deletes is not applied.
      const placed = found.flatMap((placement) => {
        const deleted = placement.patches !== undefined && deletedBy(placement.patches, resource.typeId, resource.name, knownString(getPath(resource.value, ['metadata', 'namespace'])));
        return deleted ? [] : [placeIn(resource, placement, clusterScoped)];
      });
      // Deleted from every build that applies it, it is in no cluster (not even a repository's implicit one).
      return sortPlacements(placed.length > 0 ? placed : [placeIn(resource, { ...unplaced, cluster: undefined }, clusterScoped)]);
    },
  };
}

/**
 * For each file a kustomization builds, the namespace each top-level
 * kustomization's build gives it (`undefined` for none set on the way),
 * read on first use: what a substitution source's namespace may be. The
 * outermost kustomization that sets one wins, as kustomize applies them,
 * through nested bases and components alike.
 */
function namespacesByBuild(view: BuildView, roots: readonly string[]): () => ReadonlyMap<string, readonly NamespaceOverride[]> {
  let byFile: Map<string, NamespaceOverride[]> | undefined;
  return () => {
    if (byFile) return byFile;
    const found = new Map<string, NamespaceOverride[]>();
    for (const root of roots) {
      for (const member of view.members.get(root)) {
        if (member.patch) continue;
        const list = found.get(member.file) ?? found.set(member.file, []).get(member.file)!;
        if (!list.includes(member.namespace)) list.push(member.namespace);
      }
    }
    byFile = found;
    return byFile;
  };
}

/** The objects of each file that feed the deployment (the Namespaces and patches among them). */
function resourcesByFile(resources: readonly RawResource[]): Map<string, RawResource[]> {
  const byFile = new Map<string, RawResource[]>();
  for (const resource of resources) (byFile.get(resource.file.path) ?? byFile.set(resource.file.path, []).get(resource.file.path)!).push(resource);
  return byFile;
}

/** The built-in cluster-scoped kinds, and those the repository's CustomResourceDefinitions declare so. */
function clusterScopedTypes(resources: readonly RawResource[]): (typeId: string) => boolean {
  const declared = new Set<string>();
  for (const resource of resources) {
    if (resource.typeId !== CUSTOM_RESOURCE_DEFINITION || getPath(resource.value, ['spec', 'scope']) !== 'Cluster') continue;
    const group = knownString(getPath(resource.value, ['spec', 'group']));
    const kind = knownString(getPath(resource.value, ['spec', 'names', 'kind']));
    if (group !== undefined && kind !== undefined) declared.add(typeIdOf(`${group}/v1`, kind));
  }
  return (typeId) => isClusterScoped(typeId) || declared.has(typeId);
}

const CUSTOM_RESOURCE_DEFINITION = 'apiextensions.k8s.io/CustomResourceDefinition';

/** The costly part of the model (see DeploymentPlan), which never asks the file system. */
export function planDeployment(input: Omit<DeploymentInput, 'pathExists'>): DeploymentPlan {
  const resources = input.resources.filter(feedsDeployment);
  const configs = readKustomizeConfigs(input.kustomizations, input.replacements ?? []);
  const byFile = resourcesByFile(resources);
  const lookups: BuildLookups = {
    namespacesIn: (file) => (byFile.get(file) ?? []).filter((resource) => resource.typeId === 'Namespace').map((resource) => knownString(resource.name) ?? null),
    documentsIn: (file) => (byFile.get(file) ?? []).map((resource) => resource.value),
  };
  const whole = new BuildView(new FileTree(input.paths), configs, emptyKustomizations(input.kustomizations), lookups);
  const { tree, members } = whole;
  const leftOut = ownArtifactFilter(input.root, resources, input.sourceIgnores ?? []);
  const excludedFiles = new Map(
    leftOut === undefined
      ? []
      : input.paths.flatMap((path) => {
          const excluded = leftOut(path, false);
          return excluded === undefined ? [] : [[path, excluded] as const];
        }),
  );
  const inArtifact = (path: string) => !excludedFiles.has(path);
  // Most builds read nothing the artifact leaves out (a `.github/` workflow,
  // say): they are the whole tree's, not made again (a third of the plan's time).
  const holdingExcluded = new Set([...excludedFiles.keys()].flatMap(directoriesAbove));
  const readsNothingExcluded = (dir: string) =>
    ![dir, ...whole.reachedOutside.get(dir)].some((reached) => holdingExcluded.has(reached)) && !whole.members.get(dir).some((member) => excludedFiles.has(member.file));
  const artifact: Artifact | undefined = leftOut && {
    leftOut,
    // With no linted file left out, only paths outside them may be (a `.json` entry).
    view:
      excludedFiles.size === 0
        ? whole
        : new BuildView(
            new FileTree(input.paths.filter(inArtifact)),
            new Map([...configs].filter(([, config]) => inArtifact(config.file))),
            emptyKustomizations(input.kustomizations.filter(({ path }) => inArtifact(path))),
            lookups,
            { view: whole, alike: readsNothingExcluded },
          ),
  };
  const placements = new Map<string, FilePlacement[]>();
  const addPlacement = (file: string, placement: FilePlacement) => {
    const list = placements.get(file) ?? [];
    if (!list.some((p) => samePlacement(p, placement))) list.push(placement);
    placements.set(file, list);
  };
  const patchUses = new Map<string, boolean>();
  const notePatchUse = (member: Member) => patchUses.set(member.file, (patchUses.get(member.file) ?? true) && member.patch);

  const topLevel = topLevelKustomizations(configs);
  const substitutions = new SubstitutionSources(resources, configs, namespacesByBuild(whole, topLevel));
  const hasDirectory = (path: string) => tree.hasDirectory(normalizeDir(joinPath(input.root || '.', path)));
  // Read by a kustomization as a patch, in a build that may not be applied here: no Kustomization of its own.
  const patchFiles = new Set(topLevel.flatMap((dir) => members.get(dir).filter((member) => member.patch).map((member) => member.file)));
  const nodes = fluxNodesOf(resources, hasDirectory, instanceValuesOf(configs, input.instanceValues));
  const graph = new FluxGraph(
    nodes,
    whole,
    artifact,
    substitutions,
    input.root,
    fluxTargetNamespaces(configs, members),
    patchFiles,
  );
  const placeAll = (placedBefore?: ReadonlyMap<string, ReadonlySet<string>>) => {
    placements.clear();
    patchUses.clear();
    return graph.place((member, placement) => {
      notePatchUse(member);
      if (!member.patch) addPlacement(member.file, placement);
    }, placedBefore);
  };
  // A flux-operator sync says the repository deploys with Flux, even one
  // whose artifact is not known to be this repository: not plain kustomize.
  const syncs = nodes.some((node) => node.isSync);
  let usesFlux = placeAll() || syncs;
  // Which of several `cluster-settings` a cluster reads is known once its
  // files are: placed again, each reads the one it applies itself.
  const placedFiles = filesByCluster(placements);
  if (substitutions.picksAnotherIn(placedFiles)) usesFlux = placeAll(placedFiles) || syncs;

  // Files that no Flux Kustomization reaches still take the namespace of the
  // kustomizations that list them; whether they belong to a cluster is unknown,
  // unless the repository does not deploy with Flux at all.
  const cluster = usesFlux ? undefined : IMPLICIT_CLUSTER;
  for (const dir of topLevel) {
    for (const member of members.get(dir)) {
      notePatchUse(member);
      if (!member.patch && !placements.has(member.file)) addPlacement(member.file, { ...member, cluster, fluxKustomization: undefined, substitution: undefined });
    }
  }
  // Without Flux, a manifest no kustomization builds is applied as it is
  // (`kubectl apply -f`), unless a kustomization builds its directory (one
  // lies beside it, or one above lists files beside it): `kubectl apply -k`
  // (or Argo CD) builds only what that lists there. A directory below one
  // that no build reads may be an Argo CD Application's path of its own.
  if (!usesFlux) {
    const built = new Set([...placements.keys(), ...patchUses.keys()].map((file) => normalizeDir(posix.dirname(file))));
    const builtHere = (dir: string) => configs.has(dir) || whole.emptyKustomizations.has(dir) || built.has(dir);
    for (const file of input.paths) {
      if (placements.has(file) || patchUses.has(file) || builtHere(normalizeDir(posix.dirname(file)))) continue;
      addPlacement(file, { cluster, namespace: undefined, fluxKustomization: undefined, substitution: undefined, addedLabels: NO_ADDED_LABELS, prefix: '', suffix: '' });
    }
  }

  return {
    usesFlux,
    placements,
    patchUses,
    // One written in a patch file is a patch: no Kustomization, defined or checked.
    fluxKustomizations: graph
      .summaries((file) => placements.get(file)?.[0]?.namespace)
      .filter(({ resource }) => patchUses.get(resource.file.path) !== true)
      .map(({ resource, ...kustomization }) => ({
        ...kustomization,
        definedIn: { file: resource.file.path, documentIndex: resource.documentIndex },
      })),
    unresolvedEntries: unresolvedEntries(whole, artifact),
    excludedFiles,
  };
}

/** kustomize refuses an empty kustomization.yaml (only comments, say): Flux, seeing the file, generates none, and the directory builds nothing. */
function emptyKustomizations(kustomizations: DeploymentInput['kustomizations']): Set<string> {
  return new Set(kustomizations.filter(({ value }) => value === undefined || value === null).map(({ path }) => normalizeDir(posix.dirname(path))));
}

/**
 * What source-controller leaves out of the artifact of the repository's own
 * GitRepository (artifactFilter), with the `spec.ignore` of the source most
 * Flux Kustomizations apply: the first GitRepository of that name, in file
 * order. `undefined` when Flux builds this repository from no GitRepository
 * of its own (an OCI artifact that CI pushes, say).
 */
function ownArtifactFilter(root: string, resources: readonly RawResource[], sourceIgnores: readonly SourceIgnoreFile[]): ArtifactFilter | undefined {
  const top = topSourceOf(resources.filter((resource) => resource.typeId === FLUX_KUSTOMIZATION));
  const name = top?.startsWith(GIT_SOURCE) ? top.slice(GIT_SOURCE.length) : undefined;
  const syncsGit = resources.some((resource) => {
    const found = syncOf(resource);
    return found !== undefined && syncsGitRepository(found.sync);
  });
  if (name === undefined && !syncsGit) return undefined;
  const source = name === undefined ? undefined : resources.find((resource) => resource.typeId === GIT_REPOSITORY && resource.name === name);
  const text = knownString(getPath(source?.value, ['spec', 'ignore']));
  const specIgnore = source === undefined || text === undefined ? undefined : { text, source: `the spec.ignore of GitRepository "${name}" (${source.file.path})` };
  return artifactFilter(root, sourceIgnores, specIgnore);
}

/** Whether a flux-operator sync applies a GitRepository (its default), whose artifact .sourceignore files filter. */
function syncsGitRepository(sync: Record<string, unknown>): boolean {
  return sync.kind === undefined || sync.kind === 'GitRepository';
}

/**
 * kustomize's `namespace:` and Flux's `targetNamespace` override the
 * object's own metadata.namespace (both set it on every namespaced object),
 * and rename Namespace objects themselves (the namespace transformer sets
 * metadata.name of a Namespace, which lets repos write `name: _`).
 * `namePrefix`/`nameSuffix` rename every other object.
 */
function placeIn(resource: RawResource, placement: FilePlacement, isClusterScoped: (typeId: string) => boolean): Placement {
  const { cluster, fluxKustomization, addedLabels } = placement;
  // Flux reads the opt-out on the object kustomize built: one a kustomization set counts as one written.
  const substitution = addedLabels.substitutionDisabled ? undefined : placement.substitution;
  const override = placement.namespace;
  // A name or namespace written with a ${VAR} is read as this copy's Flux Kustomization substitutes it (a component's `${APP}`).
  const substituted = (path: readonly string[]) => {
    const written = getPath(resource.value, path);
    return typeof written === 'string' && written.includes('${') && substitution && !substitutionDisabled(resource.value) ? knownString(substituteText(written, substitution)) : knownString(written);
  };
  const ownName = resource.name ?? substituted(['metadata', 'name']);
  if (resource.typeId === 'Namespace') {
    return { cluster, fluxKustomization, substitution, addedLabels, namespace: undefined, name: override === undefined ? ownName : (override ?? undefined) };
  }
  const { prefix, suffix } = placement;
  const name = ownName === undefined || prefix === undefined || suffix === undefined ? undefined : `${prefix}${ownName}${suffix}`;
  if (isClusterScoped(resource.typeId)) return { cluster, fluxKustomization, substitution, addedLabels, namespace: undefined, name };
  const written = getPath(resource.value, ['metadata', 'namespace']);
  // A default (unsetOnly) fills only a namespace that is not written; one written as a ${VAR} is unknown, not unset.
  const own = written === undefined || written === null || written === '' ? (placement.namespaceDefault ?? undefined) : substituted(['metadata', 'namespace']);
  return { cluster, fluxKustomization, substitution, addedLabels, namespace: override === undefined ? own : (override ?? undefined), name };
}

function samePlacement(a: FilePlacement, b: FilePlacement): boolean {
  return (
    a.cluster === b.cluster &&
    a.namespace === b.namespace &&
    a.namespaceDefault === b.namespaceDefault &&
    a.fluxKustomization === b.fluxKustomization &&
    a.prefix === b.prefix &&
    a.suffix === b.suffix
  );
}

function sortPlacements(placements: Placement[]): Placement[] {
  if (placements.length < 2) return placements;
  // Keyed once each: a component that many Kustomizations include has a placement for each.
  const keyed = placements.map((p) => ({ p, key: `${p.cluster ?? '\uffff'}\u0000${p.fluxKustomization ?? ''}\u0000${p.namespace ?? ''}\u0000${p.name ?? ''}` }));
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ p }) => p);
}

/** A Flux Kustomization, or the sync of a flux-operator FluxInstance, before it is resolved. */
interface FluxNode {
  readonly name: string;
  /** metadata.namespace as written; kustomize or a parent's targetNamespace may set another. */
  readonly namespace: string | undefined;
  readonly resource: RawResource;
  readonly spec: unknown;
  readonly pathAt: readonly (string | number)[];
  /** flux-operator syncs start a cluster, whoever applies them. */
  readonly isSync: boolean;
  readonly appliesThisRepository: boolean;
  /**
   * Whether it builds from the artifact of the repository's own
   * GitRepository, which `.sourceignore` files and `spec.ignore` filter;
   * not from an OCI artifact that CI pushes of the repository.
   */
  readonly fromOwnGit: boolean;
}

function fluxNodesOf(resources: readonly RawResource[], hasDirectory: (path: string) => boolean, instanceValues: InstanceValues = () => undefined): FluxNode[] {
  const kustomizations = resources.filter((resource) => resource.typeId === FLUX_KUSTOMIZATION);
  const ownSources = ownGitRepositories(kustomizations, resources.filter((resource) => resource.typeId === GIT_REPOSITORY));
  const nodes: FluxNode[] = kustomizations.map((resource) => ({
    name: resource.name ?? '',
    namespace: knownString(getPath(resource.value, ['metadata', 'namespace'])),
    resource,
    spec: getPath(resource.value, ['spec']),
    pathAt: ['spec', 'path'],
    isSync: false,
    appliesThisRepository: appliesOwnSource(resource, ownSources),
    fromOwnGit: true,
  }));
  // flux-operator creates a Kustomization "flux-system" from spec.sync of a
  // FluxInstance (or of the flux-instance chart's values.instance.sync).
  for (const resource of resources) {
    const found = syncOf(resource);
    const fromValues = found ? undefined : instanceValues(resource);
    const instance = found ? getPath(resource.value, found.at.slice(0, -1)) : fromValues?.instance;
    const sync = found?.sync ?? (getPath(instance, ['sync']) as (Record<string, unknown> & { readonly path: string }) | undefined);
    if (sync === undefined) continue;
    const namespace = knownString(getPath(resource.value, ['metadata', 'namespace'])) ?? 'flux-system';
    // flux-operator names the sync's GitRepository and Kustomization after the FluxInstance's namespace.
    const name = knownString(sync.name) ?? namespace;
    const syncPath = sync.path.replace(/^\/+/, '');
    const postBuild = postBuildPatchedInto(getPath(instance, ['kustomize', 'patches']), name);
    nodes.push({
      name,
      namespace,
      resource,
      spec: { path: sync.path, ...(postBuild === undefined ? {} : { postBuild }) },
      // Written in a values file: said at the valuesFrom entry that reads it.
      pathAt: found ? [...found.at, 'path'] : fromValues!.pathAt,
      isSync: true,
      // An OCI artifact (or a bucket) whose path is a directory here is this
      // repository pushed whole: the fleet layout, one FluxInstance per
      // cluster, each syncing `clusters/<name>` of the artifact CI builds.
      // Not its top (`./`): every artifact has one.
      appliesThisRepository: syncsGitRepository(sync) || (normalizeDir(syncPath) !== '.' && hasDirectory(syncPath)),
      fromOwnGit: syncsGitRepository(sync),
    });
  }
  return nodes;
}

/** The `instance` values a flux-instance HelmRelease reads from a generated ConfigMap, and where its valuesFrom names it. */
type InstanceValues = (resource: RawResource) => { readonly instance: unknown; readonly pathAt: readonly (string | number)[] } | undefined;

/**
 * Reads a flux-instance HelmRelease's values from the files the
 * configMapGenerators of the kustomization beside it make its valuesFrom
 * ConfigMaps of (`files: [values.yaml=./helm/values.yaml]`, the cluster
 * template's); the last that holds a sync wins, as Helm merges them.
 */
function instanceValuesOf(configs: ReadonlyMap<string, KustomizeConfig>, files: DeploymentInput['instanceValues']): InstanceValues {
  const valuesIn = new Map((files ?? []).map(({ path, value }) => [path, value]));
  if (valuesIn.size === 0) return () => undefined;
  return (resource) => {
    const dir = normalizeDir(posix.dirname(resource.file.path));
    const generated = configs.get(dir)?.generatedConfigMapFiles;
    let found: ReturnType<InstanceValues>;
    for (const { index, name, key } of valuesFromOfInstance(resource)) {
      const file = generated?.get(name)?.get(key);
      const instance = file === undefined ? undefined : getPath(valuesIn.get(normalizeDir(joinPath(dir, file))), ['instance']);
      if (isMapping(getPath(instance, ['sync']))) found = { instance, pathAt: ['spec', 'valuesFrom', index, 'name'] };
    }
    return found;
  };
}

/**
 * The value a parsed patch sets at `at`: the last JSON 6902 `add` or
 * `replace` of that pointer, or what a strategic merge patch writes there.
 */
function patchedValue(parsed: unknown, at: readonly string[]): unknown {
  const pointer = `/${at.join('/')}`;
  const operation = asArray(parsed).findLast((op) => ['add', 'replace'].includes(getPath(op, ['op']) as string) && getPath(op, ['path']) === pointer);
  return operation === undefined ? getPath(parsed, at) : getPath(operation, ['value']);
}

/**
 * The `spec.postBuild` that a FluxInstance's `kustomize.patches` give the
 * Kustomization of its sync (flux-operator patches the objects it
 * generates, the sync's too): a strategic merge patch, or a JSON 6902
 * `add`/`replace` of `/spec/postBuild`, targeting a Kustomization of that
 * name (or any). The last one wins.
 */
function postBuildPatchedInto(patches: unknown, name: string): unknown {
  let postBuild: unknown;
  for (const entry of asArray(patches)) {
    const target = getPath(entry, ['target']);
    const targetName = getPath(target, ['name']);
    if ((target !== undefined && getPath(target, ['kind']) !== 'Kustomization') || (targetName !== undefined && targetName !== name)) continue;
    const patch = getPath(entry, ['patch']);
    if (typeof patch !== 'string' || !patch.includes('postBuild')) continue;
    const found = patchedValue(safeParse(patch), ['spec', 'postBuild']);
    if (isMapping(found)) postBuild = found;
  }
  return postBuild;
}

/**
 * The GitRepositories that hold this repository: the source most Flux
 * Kustomizations apply from, when that source is a GitRepository; then also
 * `flux-system`, the name both `flux bootstrap` and flux-operator give the
 * repository's own source (a root applying `flux-system` whose children
 * apply a `home-kubernetes` of their own is one repository), and every
 * GitRepository the repository declares with the URL of one of these.
 * Paths of Kustomizations applying another source (an upstream
 * GitRepository, an OCIRepository of flux-manifests) are not paths in this
 * repository. A repository whose Kustomizations mostly apply an
 * OCIRepository (the repository pushed as an artifact, perhaps from a
 * subdirectory) has no own GitRepository: an upstream one it also applies is
 * not it.
 */
function ownGitRepositories(fluxKustomizations: readonly RawResource[], gitRepositories: readonly RawResource[]): ReadonlySet<string> {
  const top = topSourceOf(fluxKustomizations);
  if (!top?.startsWith(GIT_SOURCE)) return new Set();
  const urlOf = new Map(gitRepositories.flatMap((resource) => {
    const url = repositoryUrl(getPath(resource.value, ['spec', 'url']));
    return resource.name === undefined || url === undefined ? [] : [[resource.name, url] as const];
  }));
  const topName = top.slice(GIT_SOURCE.length);
  const byDefault = OWN_BY_DEFAULT.slice(GIT_SOURCE.length);
  // flux-system declared with the URL of another repository (a fleet repository's) is not this one.
  const otherRepository = urlOf.has(byDefault) && urlOf.has(topName) && urlOf.get(byDefault) !== urlOf.get(topName);
  const own = new Set(otherRepository ? [topName] : [topName, byDefault]);
  const ownUrls = new Set([...own].flatMap((name) => urlOf.get(name) ?? []));
  for (const [name, url] of urlOf) if (ownUrls.has(url)) own.add(name);
  return own;
}

/**
 * A Git URL as the repository it names: `https://github.com/o/r.git`,
 * `ssh://git@github.com/o/r` and `git@github.com:o/r` alike give
 * `github.com/o/r` (case-insensitive, as the hosts that hold home-ops
 * repositories treat them).
 */
function repositoryUrl(value: unknown): string | undefined {
  const url = knownString(value);
  if (url === undefined) return undefined;
  const scpLike = /^[\w.-]+@([\w.-]+):(?!\/\/)(.*)$/.exec(url);
  const hostAndPath = scpLike ? `${scpLike[1]}/${scpLike[2]}` : url.replace(/^[a-z][a-z0-9+.-]*:\/\/([^@/]*@)?/i, '');
  return hostAndPath.replace(/(\.git)?\/*$/i, '').toLowerCase();
}

/** The source most Flux Kustomizations apply, as `Kind/name`; `flux-system`'s GitRepository of those tied. */
function topSourceOf(fluxKustomizations: readonly RawResource[]): string | undefined {
  const counts = new Map<string, number>();
  for (const resource of fluxKustomizations) {
    const source = sourceKeyOf(resource);
    if (source !== undefined) counts.set(source, (counts.get(source) ?? 0) + 1);
  }
  const ranked = [...counts].sort(([a, x], [b, y]) => y - x || (a === OWN_BY_DEFAULT ? -1 : b === OWN_BY_DEFAULT ? 1 : a < b ? -1 : 1));
  return ranked[0]?.[0];
}

const GIT_SOURCE = 'GitRepository/';
const OWN_BY_DEFAULT = `${GIT_SOURCE}flux-system`;

function sourceKeyOf(resource: RawResource): string | undefined {
  const kind = knownString(getPath(resource.value, ['spec', 'sourceRef', 'kind']));
  const name = knownString(getPath(resource.value, ['spec', 'sourceRef', 'name']));
  return kind === undefined || name === undefined ? undefined : `${kind}/${name}`;
}

function gitSourceOf(resource: RawResource): string | undefined {
  if (getPath(resource.value, ['spec', 'sourceRef', 'kind']) !== 'GitRepository') return undefined;
  return knownString(getPath(resource.value, ['spec', 'sourceRef', 'name']));
}

function appliesOwnSource(resource: RawResource, ownSources: ReadonlySet<string>): boolean {
  const sourceRef = getPath(resource.value, ['spec', 'sourceRef']);
  if (sourceRef === undefined) return true;
  const source = gitSourceOf(resource);
  return source !== undefined && ownSources.has(source);
}

interface ResolvedNode {
  readonly path: string | undefined;
  /** `spec.components` directories (relative to the path), which Flux adds to the build. */
  readonly components: readonly string[];
  readonly targetNamespace: NamespaceOverride;
  /** `spec.namePrefix` and `spec.nameSuffix`, which Flux adds outside every kustomization's; undefined when not known offline. */
  readonly namePrefix: string | undefined;
  readonly nameSuffix: string | undefined;
  readonly substitution: Substitution | undefined;
  /** The namespace `substitution`'s sources were read in. */
  readonly sourcesNamespace: string;
  /** With `spec.kubeConfig`, what it applies goes to that remote cluster: how it is named (see remoteCluster). */
  readonly remote: string | undefined;
  /** Its `dependsOn` entries naming Flux Kustomizations, as the parent substitutes them; a `null` namespace is the dependent's own. */
  readonly dependsOn: readonly { readonly name: string; readonly namespace: string | null; readonly index: number; readonly readyExpr: boolean }[];
}

/**
 * The Flux Kustomizations and what they apply. A root (one that no other
 * applies, or a flux-operator sync) starts a cluster, named after the
 * directory it applies for a sync and after the directory of its file
 * otherwise, relative to the repository root: two clusters that share a base
 * stay apart. A child's spec is read with its parent's substitutions, so a
 * `${CLUSTER}` in a child's path resolves.
 */
class FluxGraph {
  private readonly definedIn = new Map<string, FluxNode[]>();
  /** Per node, the clusters that reach it and the directory it applies in each. */
  private readonly clusters = new Map<FluxNode, Map<string, string | undefined>>();
  private readonly resolved = new Map<FluxNode, ResolvedNode>();
  /** A node's resolution under each parent substitution it is reached with (one ks.yaml that several clusters apply). */
  private readonly resolvedUnder = new Map<FluxNode, Map<Substitution, ResolvedNode>>();
  private readonly inheritedSources = new Map<FluxNode, PostBuildEdit[]>();
  /** Kustomizations that a kustomization on the way marks `kustomize.toolkit.fluxcd.io/substitute: disabled`: their parent does not substitute them. */
  private readonly substitutionOff = new Set<FluxNode>();
  private readonly appliedNamespace = new Map<FluxNode, string>();
  private readonly appliedName = new Map<FluxNode, string>();
  private readonly patchSources = new Map<FluxNode, PostBuildPatch[]>();

  private readonly leftOut = new Map<FluxNode, boolean>();
  private builders: Map<string, { builder: FluxNode; path: string }[]> | undefined;

  constructor(
    private readonly nodes: readonly FluxNode[],
    /** What builds of the repository as it is see. */
    private readonly whole: BuildView,
    /** What builds of the artifact of the repository's own GitRepository see, when it leaves paths out. */
    private readonly artifact: Artifact | undefined,
    private readonly sources: SubstitutionSources,
    private readonly root: string,
    /** spec.targetNamespace that kustomize replacements write, by the file of the Flux Kustomization (fluxTargetNamespaces). */
    private readonly replacedTargetNamespaces: ReadonlyMap<string, NamespaceOverride>,
    /** Files a kustomization reads as patches or inputs, whether or not anything here applies it (a build bootstrap applies). */
    private readonly patchFiles: ReadonlySet<string>,
  ) {
    for (const node of nodes) {
      const list = this.definedIn.get(node.resource.file.path) ?? [];
      list.push(node);
      this.definedIn.set(node.resource.file.path, list);
    }
  }

  /**
   * Places every file a Flux Kustomization applies; returns whether any was
   * reached. With `placedBefore`, the files each cluster got in a run
   * before: a `substituteFrom` name that several ConfigMaps or Secrets
   * carry (one `cluster-settings` per cluster) is read from the one placed
   * in the cluster the Kustomization runs in.
   */
  place(place: (member: Member, placement: FilePlacement) => void, placedBefore?: ReadonlyMap<string, ReadonlySet<string>>): boolean {
    let reached = false;
    const visited = new Set<string>();
    const visit = (node: FluxNode, cluster: string, parent: FluxNode | undefined, parentSubstitution: Substitution | undefined, patchedPath?: string) => {
      const key = `${cluster}\u0000${this.idOf(node)}\u0000${node.resource.file.path}`;
      if (visited.has(key)) return;
      visited.add(key);
      // A kustomize patch on the way that sets spec.path: the path this cluster's copy applies.
      const resolved = patchedPath === undefined ? this.resolve(node, parent, parentSubstitution) : this.resolveWith(node, parentSubstitution, patchedPath);
      const { path, components, targetNamespace, namePrefix, nameSuffix, remote } = resolved;
      const placed = placedBefore?.get(cluster);
      // Its sources are read in the namespace it is applied in, which its
      // resolution may not have known yet (made while finding the roots).
      const namespace = this.namespaceOf(node);
      const substitution =
        placed || resolved.sourcesNamespace !== namespace
          ? this.sources.substitutionFor(node, namespace, this.inheritedSources.get(node) ?? [], this.appliedTo(node, parentSubstitution), placed && ((file) => placed.has(file)))
          : resolved.substitution;
      (this.clusters.get(node) ?? this.clusters.set(node, new Map()).get(node)!).set(cluster, path);
      // The Kustomization runs here; with a kubeConfig, what it applies lands in another cluster.
      const target = appliedCluster(cluster, remote);
      const labels = this.labelsSetBy(node, parent);
      for (const member of [path, ...components].flatMap((dir) => this.viewOf(node).membersAt(dir))) {
        reached = true;
        place(member, {
          cluster: target,
          namespace: targetNamespace !== undefined ? targetNamespace : member.namespace,
          namespaceDefault: member.namespaceDefault,
          fluxKustomization: this.idOf(node),
          substitution,
          addedLabels: withLabels(member.addedLabels, labels),
          patches: member.patches,
          prefix: namePrefix === undefined ? undefined : `${namePrefix}${member.prefix}`,
          suffix: nameSuffix === undefined ? undefined : `${member.suffix}${nameSuffix}`,
        });
        if (member.patch) continue;
        for (const child of this.definedIn.get(member.file) ?? []) {
          // A child Kustomization lives where it is applied: the parent's
          // targetNamespace or the kustomization's namespace decide.
          const applied = targetNamespace !== undefined ? targetNamespace : member.namespace !== undefined ? member.namespace : child.namespace === undefined ? member.namespaceDefault : undefined;
          // One that a kustomize patch on the way deletes is not applied here.
          if (!child.isSync && deletedBy(member.patches, FLUX_KUSTOMIZATION, child.name, child.namespace)) continue;
          this.inherit(node, child, member);
          if (typeof applied === 'string' && !child.isSync) this.appliedNamespace.set(child, applied);
          // So is its name: a namePrefix on the way renames it (dependsOn entries are written with the new name).
          const prefix = namePrefix === undefined ? undefined : `${namePrefix}${member.prefix}`;
          const suffix = nameSuffix === undefined ? undefined : `${member.suffix}${nameSuffix}`;
          if (prefix !== undefined && suffix !== undefined && (prefix || suffix) && !child.isSync) this.appliedName.set(child, `${prefix}${child.name}${suffix}`);
          visit(child, target, node, substitution, child.isSync ? undefined : pathPatchedBy(member.patches, child.name, child.namespace));
        }
      }
    };
    for (const [root, cluster] of this.clusterOfRoots()) visit(root, cluster, undefined, undefined);
    return reached;
  }

  /**
   * The labels a Flux Kustomization sets on everything it applies:
   * `spec.commonMetadata.labels`, then the two kustomize-controller marks
   * its objects with (kustomize.toolkit.fluxcd.io/name and /namespace);
   * its `spec.patches` may set others, and so may its parent's, which may
   * give it a commonMetadata of their own.
   */
  private labelsSetBy(node: FluxNode, parent: FluxNode | undefined): AddedLabels {
    const namespace = this.namespaceOf(node);
    return {
      known: {
        ...labelsOf(getPath(node.spec, ['commonMetadata', 'labels'])),
        // Unknown, as a variable is, where the Kustomization's name or namespace is.
        [FLUX_NAME_LABEL]: (this.appliedName.get(node) ?? node.name) || UNKNOWN_LABEL_VALUE,
        [FLUX_NAMESPACE_LABEL]: namespace || UNKNOWN_LABEL_VALUE,
      },
      more:
        asArray(getPath(node.spec, ['patches'])).length > 0 ||
        // spec.components: Components whose labels and patches apply to the whole build.
        asArray(getPath(node.spec, ['components'])).length > 0 ||
        (parent !== undefined && patchesKustomizationLabels(parent)),
    };
  }

  /**
   * Each root with the name of its cluster. Roots that reach one another
   * (a flux-operator sync deployed by the Kustomization it replaces, say)
   * are one cluster, named after its flux-operator sync if it has one.
   */
  private clusterOfRoots(): Map<FluxNode, string> {
    const { appliedBy, patches } = this.appliedBy();
    const applied = (node: FluxNode) => [...(appliedBy.get(node.resource.file.path) ?? [])].some((parent) => parent !== node);
    // A Kustomization of another source (an OCI artifact, an upstream Git
    // repository) reaches nothing here, so it starts no cluster; one written
    // in a kustomize patch that a build reads is not applied itself.
    const file = (node: FluxNode) => node.resource.file.path;
    const candidates = this.nodes.filter((node) => node.appliesThisRepository && !(patches.has(file(node)) && !appliedBy.has(file(node))));
    const roots = candidates.filter((node) => node.isSync || (!applied(node) && !this.isLeftOut(node)));
    const reachable = new Set<FluxNode>();
    const reachOf = new Map<FluxNode, Set<FluxNode>>();
    for (const root of roots) reachOf.set(root, this.reach(root, reachable));
    // What a shelved Kustomization would apply is shelved with it.
    const shelved = new Set<FluxNode>();
    for (const node of candidates) if (!node.isSync && !reachable.has(node) && this.isLeftOut(node)) this.reach(node, shelved);
    // Kustomizations that apply each other in a cycle, with no way in: each is a root of its own.
    for (const node of candidates) {
      if (reachable.has(node) || shelved.has(node)) continue;
      roots.push(node);
      reachOf.set(node, this.reach(node, reachable));
    }
    const component = new Map<FluxNode, FluxNode>(roots.map((root) => [root, root]));
    const find = (node: FluxNode): FluxNode => (component.get(node) === node ? node : find(component.get(node)!));
    for (const root of roots) {
      for (const other of reachOf.get(root)!) if (other !== root && component.has(other)) component.set(find(other), find(root));
    }
    const names = new Map<FluxNode, string>();
    for (const root of roots) {
      const leader = find(root);
      const members = roots.filter((candidate) => find(candidate) === leader);
      names.set(root, this.clusterName(members.find((member) => member.isSync) ?? members[0]!));
    }
    // Roots in one directory make one cluster, unless two of them are one
    // Kustomization (clusters/prod.yaml and clusters/staging.yaml, each
    // flux-system/apps, applied from outside the repository): one cluster
    // cannot hold both, so each is named after its own file.
    for (const name of new Set(names.values())) {
      const group = roots.filter((root) => names.get(root) === name);
      const ids = group.map((root) => this.idOf(root));
      if (new Set(ids).size === ids.length) continue;
      for (const root of group) names.set(root, this.relative(find(root).resource.file.path.replace(/\.ya?ml$/i, '')));
    }
    return names;
  }

  /**
   * A Kustomization whose file lies in a directory another Kustomization
   * builds, or in one below it, and which that build leaves out (an app whose
   * ks.yaml was taken out of its namespace's kustomization.yaml): shelved,
   * not a cluster of its own. The directories a build reads are its path's
   * and those its kustomizations reach, through `../` too.
   */
  private isLeftOut(node: FluxNode): boolean {
    const known = this.leftOut.get(node);
    if (known !== undefined) return known;
    const file = node.resource.file.path;
    const builders = this.buildersByDirectory();
    const leftOut = directoriesAbove(file).some((dir) =>
      (builders.get(dir) ?? []).some(({ builder, path }) => builder !== node && !this.viewOf(builder).memberFilesAt(path).has(file)),
    );
    this.leftOut.set(node, leftOut);
    return leftOut;
  }

  /** Per directory, the Kustomizations whose builds read it (their path, or one reached outside it), made once. */
  private buildersByDirectory(): ReadonlyMap<string, readonly { readonly builder: FluxNode; readonly path: string }[]> {
    if (this.builders) return this.builders;
    const builders = new Map<string, { builder: FluxNode; path: string }[]>();
    for (const builder of this.nodes) {
      const { path } = this.resolve(builder, undefined);
      if (path === undefined) continue;
      for (const dir of [path, ...this.viewOf(builder).reachedOutside.get(path)]) (builders.get(dir) ?? builders.set(dir, []).get(dir)!).push({ builder, path });
    }
    this.builders = builders;
    return builders;
  }

  /** The nodes reachable from `root`, itself included; adds them to `into`. */
  private reach(root: FluxNode, into: Set<FluxNode>): Set<FluxNode> {
    const seen = new Set<FluxNode>();
    const stack: [FluxNode, FluxNode | undefined][] = [[root, undefined]];
    while (stack.length > 0) {
      const [node, parent] = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      into.add(node);
      for (const member of this.viewOf(node).membersAt(this.resolve(node, parent).path)) {
        if (member.patch) continue;
        for (const child of this.definedIn.get(member.file) ?? []) {
          this.inherit(node, child, member);
          stack.push([child, node]);
        }
      }
    }
    return seen;
  }

  /**
   * What the rules see of each node. One that no cluster reaches takes the
   * namespace of the kustomizations listing its file (`kustomizeNamespaceOf`),
   * as one that a cluster reaches does.
   */
  summaries(kustomizeNamespaceOf: (file: string) => NamespaceOverride): FluxKustomization[] {
    for (const node of this.nodes) {
      const listed = kustomizeNamespaceOf(node.resource.file.path);
      if (!this.clusters.has(node) && !node.isSync && typeof listed === 'string') this.appliedNamespace.set(node, listed);
    }
    return this.nodes.map((node) => {
      const { path, targetNamespace, remote } = this.resolve(node, undefined);
      // As the parents that apply it substitute it (`name: ${APP}`): an entry
      // two of them read otherwise (one shared ks.yaml, two clusters) is not known.
      const [first, ...others] = [...(this.resolvedUnder.get(node)?.values() ?? [this.resolve(node, undefined)])];
      const dependsOn = first!.dependsOn.filter((entry) =>
        others.every((other) => other.dependsOn.some((read) => read.index === entry.index && read.name === entry.name && read.namespace === entry.namespace)),
      );
      const namespace = this.namespaceOf(node);
      const patchedKubeConfig = kubeConfigPatchedInto(HELM_RELEASE, getPath(node.spec, ['patches']));
      const at = path === undefined ? { exists: false, excluded: undefined } : this.directoryFor(node, path);
      return {
        remote,
        helmReleaseRemote: patchedKubeConfig === undefined ? undefined : remoteCluster(patchedKubeConfig, typeof targetNamespace === 'string' ? targetNamespace : namespace),
        id: this.idOf(node),
        resource: node.resource,
        path: path === undefined ? undefined : this.relative(path),
        pathAt: node.pathAt,
        appliesThisRepository: node.appliesThisRepository,
        pathExists: at.exists,
        ...(at.excluded === undefined ? {} : { pathExcluded: at.excluded }),
        targetNamespace,
        dependsOn: dependsOn.map((entry) => ({ ...entry, namespace: entry.namespace ?? namespace })),
        clusters: [...(this.clusters.get(node)?.keys() ?? [])].sort(),
        // Read relative to the path as written; Flux adds them to the build, which fails without them.
        components: path === undefined || !node.appliesThisRepository || node.isSync ? [] : asArray(getPath(node.spec, ['components'])).flatMap((entry, index) => {
          const component = knownString(entry);
          if (component === undefined) return [];
          const dir = normalizeDir(joinPath(path, component));
          const kustomization = KUSTOMIZATION_FILE_NAMES.some((name) => this.viewOf(node).tree.hasYamlFile(joinPath(dir, name)));
          return [{ index, path: this.relative(dir), ...this.directoryFor(node, dir), kustomization }];
        }),
        pathIn: [...(this.clusters.get(node) ?? [])]
          .filter(([, dir]) => dir !== path)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([cluster, dir]) => ({ cluster, path: dir === undefined ? undefined : this.relative(dir), ...(dir === undefined ? { exists: false } : this.directoryFor(node, dir)) })),
      };
    });
  }

  private relative(dir: string): string {
    return relativePath(this.root, dir) || '.';
  }

  /** `namespace/name`, as Flux refers to it in dependsOn. */
  private idOf(node: FluxNode): string {
    return `${this.namespaceOf(node)}/${this.appliedName.get(node) ?? node.name}`;
  }

  private namespaceOf(node: FluxNode): string {
    return this.appliedNamespace.get(node) ?? node.namespace ?? '';
  }

  /** What the node's builds see: the artifact of the own GitRepository, or the repository as it is (an OCI artifact of it). */
  private viewOf(node: FluxNode): BuildView {
    return this.artifact !== undefined && node.fromOwnGit ? this.artifact.view : this.whole;
  }

  /** Whether the node's builds find a directory, and what leaves it out of the artifact when that is why they do not. */
  private directoryFor(node: FluxNode, dir: string): { readonly exists: boolean; readonly excluded?: ArtifactExclusion } {
    const view = this.viewOf(node);
    if (view.tree.hasDirectory(dir)) return { exists: true };
    if (view === this.whole || !this.whole.tree.hasDirectory(dir)) return { exists: false };
    const excluded = directoryLeftOut(dir, this.artifact!);
    return excluded === undefined ? { exists: true } : { exists: false, excluded };
  }

  /** The Kustomizations that apply each file, and the files their builds read as patches. */
  private appliedBy(): { appliedBy: Map<string, Set<FluxNode>>; patches: Set<string> } {
    const appliedBy = new Map<string, Set<FluxNode>>();
    const patches = new Set<string>(this.patchFiles);
    for (const node of this.nodes) {
      for (const member of this.viewOf(node).membersAt(this.resolve(node, undefined).path)) {
        if (member.patch) patches.add(member.file);
        else (appliedBy.get(member.file) ?? appliedBy.set(member.file, new Set()).get(member.file)!).add(node);
      }
    }
    return { appliedBy, patches };
  }

  private clusterName(node: FluxNode): string {
    const { path } = this.resolve(node, undefined);
    return this.relative(node.isSync && path !== undefined ? path : posix.dirname(node.resource.file.path));
  }

  /**
   * The node's path, target namespace and substitution. Read without a parent
   * first; a path that needs the parent's substitutions is read again with
   * them, once for each parent substitution: a ks.yaml that two clusters
   * apply, each with its own `${CLUSTER}`, has a path in each. Asked without
   * a parent, the first resolution that knows the path answers.
   */
  private resolve(node: FluxNode, parent: FluxNode | undefined, parentSubstitution = parent ? this.resolved.get(parent)?.substitution : undefined): ResolvedNode {
    const cached = this.resolved.get(node);
    if (parentSubstitution === undefined || !(node.resource.file.mentionsVariables || this.inheritsVariables(node))) {
      if (cached && (parent === undefined || cached.path !== undefined)) return cached;
      const result = this.resolveWith(node, parentSubstitution);
      this.resolved.set(node, result);
      return result;
    }
    const under = this.resolvedUnder.get(node) ?? this.resolvedUnder.set(node, new Map()).get(node)!;
    let result = under.get(parentSubstitution);
    if (result === undefined) {
      result = this.resolveWith(node, parentSubstitution);
      under.set(parentSubstitution, result);
      if (cached === undefined || cached.path === undefined) this.resolved.set(node, result);
    }
    return result;
  }

  /**
   * The parent substitutes what it applies, this Kustomization with the
   * postBuild its patches gave it included, unless the object opts out.
   */
  private appliedTo(node: FluxNode, parentSubstitution: Substitution | undefined): Substitution | undefined {
    return parentSubstitution && !substitutionDisabled(node.resource.value) && !this.substitutionOff.has(node) ? parentSubstitution : undefined;
  }

  private resolveWith(node: FluxNode, parentSubstitution: Substitution | undefined, patchedPath?: string): ResolvedNode {
    const applied = this.appliedTo(node, parentSubstitution);
    const read = (value: unknown) => (typeof value === 'string' && applied ? substituteText(value, applied) : value);
    const specPath = node.appliesThisRepository ? knownString(read(patchedPath ?? getPath(node.spec, ['path']))) : undefined;
    const path = specPath === undefined ? undefined : normalizeDir(joinPath(this.root || '.', specPath.replace(/^\/+/, '')));
    const components = path === undefined ? [] : asArray(getPath(node.spec, ['components'])).flatMap((entry) => {
      const component = knownString(read(entry));
      return component === undefined ? [] : [normalizeDir(joinPath(path, component))];
    });
    return {
      path,
      components,
      targetNamespace: this.replacedTargetNamespaces.has(node.resource.file.path)
        ? this.replacedTargetNamespaces.get(node.resource.file.path)
        : namespaceOverride(read(getPath(node.spec, ['targetNamespace']))),
      namePrefix: affixOf(read(getPath(node.spec, ['namePrefix']))),
      nameSuffix: affixOf(read(getPath(node.spec, ['nameSuffix']))),
      substitution: this.sources.substitutionFor(node, this.namespaceOf(node), this.inheritedSources.get(node) ?? [], applied),
      sourcesNamespace: this.namespaceOf(node),
      remote: remoteCluster(getPath(node.spec, ['kubeConfig']), this.namespaceOf(node), read),
      dependsOn: asArray(getPath(node.spec, ['dependsOn'])).flatMap((entry, index) => {
        const reference = dependencyReference(entry, FLUX_KUSTOMIZATION, read);
        return reference === undefined ? [] : [{ ...reference, index }];
      }),
    };
  }

  /** Whether the postBuild blocks a parent's patches give `node` hold a `${`, which that parent substitutes. */
  private inheritsVariables(node: FluxNode): boolean {
    return (this.inheritedSources.get(node) ?? []).some((edit) => {
      if (edit === UNREADABLE_PATCH) return false;
      const text = memoKey(edit);
      return text === undefined || text.includes('${');
    });
  }

  /**
   * Parents often give every child Kustomization its substitution sources
   * through `spec.patches` (a patch of kind Kustomization setting postBuild),
   * or those that opt in or out by a label (`labelSelector:
   * substitution.flux.home.arpa/disabled notin (true)`); those count as the
   * child's own. One whose target may or may not select the child, as far
   * as can be told offline, leaves its sources unknown. A kustomization on
   * the way that turns substitution off leaves the child unsubstituted by
   * its parent. `member` is the child's file as the parent builds it.
   */
  private inherit(parent: FluxNode, child: FluxNode, member: Member): void {
    // Under a kustomization that turns substitution off, the child's own spec is applied as written.
    if (member.addedLabels.substitutionDisabled && !this.substitutionOff.has(child)) {
      this.substitutionOff.add(child);
      this.resolved.delete(child);
      this.resolvedUnder.delete(child);
    }
    if (child.isSync || this.inheritedSources.has(child)) return;
    const inherited = this.sourcesForChildren(parent).flatMap(({ edit, target }): PostBuildEdit[] => {
      const selected = target === undefined || targetsChild(target, child, member);
      if (selected === false) return [];
      return [selected === undefined ? UNREADABLE_PATCH : edit];
    });
    if (inherited.length === 0) return;
    this.inheritedSources.set(child, inherited);
    this.resolved.delete(child);
    this.resolvedUnder.delete(child);
  }

  /** The postBuild blocks a parent's `spec.patches` give the child Kustomizations their targets select; read once per parent. */
  private sourcesForChildren(parent: FluxNode): PostBuildPatch[] {
    const known = this.patchSources.get(parent);
    if (known) return known;
    const inherited: PostBuildPatch[] = [];
    for (const entry of asArray(getPath(parent.spec, ['patches']))) {
      const target = getPath(entry, ['target']);
      // A target without a kind selects objects of every kind, Kustomizations too.
      const kind = getPath(target, ['kind']);
      if (kind !== undefined && kind !== 'Kustomization') continue;
      const patch = getPath(entry, ['patch']);
      if (typeof patch !== 'string' || !patch.includes('postBuild')) continue;
      inherited.push({ edit: postBuildEditOf(safeParse(patch)), target: isMapping(target) ? target : undefined });
    }
    this.patchSources.set(parent, inherited);
    return inherited;
  }

}

const UNREADABLE_PATCH = Symbol('unreadable patch');

/** A parent's patch of the postBuild of the children its target selects (all, without one). */
interface PostBuildPatch {
  readonly edit: PostBuildEdit;
  readonly target: Mapping | undefined;
}

/**
 * How a parent's patch changes a child's postBuild: a strategic merge
 * patch's postBuild, merged in; JSON 6902 operations on it (paths below
 * /spec, as segments); or, for a patch that cannot be read (or may or may
 * not select the child), UNREADABLE_PATCH.
 */
type PostBuildEdit = { readonly merge: Mapping } | { readonly operations: readonly JsonOperation[] } | typeof UNREADABLE_PATCH;

interface JsonOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: readonly string[];
  readonly value?: unknown;
}

/** The edit a parsed patch makes to a Flux Kustomization's postBuild. */
function postBuildEditOf(parsed: unknown): PostBuildEdit {
  if (!Array.isArray(parsed)) {
    const postBuild = getPath(parsed, ['spec', 'postBuild']);
    return isMapping(postBuild) ? { merge: postBuild } : UNREADABLE_PATCH;
  }
  const operations: JsonOperation[] = [];
  for (const operation of parsed) {
    const path = pointerSegments(getPath(operation, ['path']));
    const op = getPath(operation, ['op']);
    // Operations elsewhere (the interval, the patches) do not touch the sources.
    if (path !== undefined && path[0] === 'spec' && path.length > 1 && path[1] !== 'postBuild') continue;
    if (path === undefined || path.length < 2 || (op !== 'add' && op !== 'replace' && op !== 'remove')) return UNREADABLE_PATCH;
    operations.push({ op, path: path.slice(1), value: getPath(operation, ['value']) });
  }
  return { operations };
}

/** A JSON pointer's segments (RFC 6901), `undefined` for what is not one. */
function pointerSegments(pointer: unknown): string[] | undefined {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * A child's postBuild as its parent's patches leave it, in their order. A
 * strategic merge patch merges `substitute` into the child's and replaces
 * its `substituteFrom`: a Flux Kustomization is a custom resource, whose
 * lists kustomize does not merge (the child's own sources are gone). JSON
 * 6902 operations apply as RFC 6902 says: an `add` of /spec/postBuild
 * replaces the whole, one of /spec/postBuild/substituteFrom/- appends. A
 * patch that cannot be read, or fails on the child (a path not there), stays
 * in the list, leaving the sources unknown.
 */
function patchedPostBuilds(own: unknown, edits: readonly PostBuildEdit[]): unknown[] {
  let postBuild = isMapping(own) ? own : undefined;
  let unreadable = false;
  for (const edit of edits) {
    if (edit === UNREADABLE_PATCH) {
      unreadable = true;
    } else if ('merge' in edit) {
      const { merge } = edit;
      postBuild =
        postBuild === undefined
          ? merge
          : { ...postBuild, ...merge, ...(isMapping(postBuild.substitute) && isMapping(merge.substitute) ? { substitute: { ...postBuild.substitute, ...merge.substitute } } : {}) };
    } else {
      const patched = applyOperations({ postBuild }, edit.operations);
      if (patched === undefined) unreadable = true;
      else postBuild = isMapping(patched.postBuild) ? patched.postBuild : undefined;
    }
  }
  return [...(postBuild === undefined ? [] : [postBuild]), ...(unreadable ? [UNREADABLE_PATCH] : [])];
}

/** RFC 6902 `add`, `replace` and `remove` on a copy of `spec`; `undefined` where one fails (kustomize then fails the build). */
function applyOperations(spec: Mapping, operations: readonly JsonOperation[]): Mapping | undefined {
  const root: Mapping = structuredClone(spec);
  for (const { op, path, value } of operations) {
    const parent = getPath(root, path.slice(0, -1).map((segment, index) => (Array.isArray(getPath(root, path.slice(0, index))) ? Number(segment) : segment)));
    const last = path.at(-1)!;
    if (Array.isArray(parent)) {
      const index = last === '-' && op === 'add' ? parent.length : /^(0|[1-9]\d*)$/.test(last) ? Number(last) : -1;
      if (index < 0 || index > parent.length || (op !== 'add' && index === parent.length)) return undefined;
      parent.splice(index, op === 'add' ? 0 : 1, ...(op === 'remove' ? [] : [structuredClone(value)]));
    } else if (isMapping(parent)) {
      if (op !== 'add' && !Object.hasOwn(parent, last)) return undefined;
      if (op === 'remove') delete parent[last];
      else parent[last] = structuredClone(value);
    } else {
      return undefined;
    }
  }
  return root;
}

/**
 * Whether a parent's patch target (its kind a Kustomization's) selects a
 * child as kustomize sees it when it patches: Flux adds `spec.patches` to
 * the kustomization of its path, which patches before its own namespace,
 * affixes and labels. So the child as the kustomizations below add to it:
 * its name (as written, or with their affixes), its namespace (`default`
 * for none), its labels as written with theirs. The name and namespace of
 * a target are regular expressions. `undefined` when not known offline.
 */
function targetsChild(target: Mapping, child: FluxNode, member: Member): boolean | undefined {
  if (target.group !== undefined && target.group !== FLUX_KUSTOMIZATION.slice(0, FLUX_KUSTOMIZATION.indexOf('/'))) return false;
  const seen = member.beforeOutermost ?? member;
  const results: (boolean | undefined)[] = [];
  const matches = (written: unknown, values: readonly (string | undefined)[]) => {
    const pattern = knownString(written);
    const regExp = pattern === undefined ? undefined : namePattern(pattern);
    if (!regExp || values.some((value) => value === undefined)) return undefined;
    return values.some((value) => regExp.test(value!));
  };
  if (target.name !== undefined) results.push(matches(target.name, child.name === '' ? [undefined] : [child.name, `${seen.prefix}${child.name}${seen.suffix}`]));
  if (target.namespace !== undefined) {
    // kustomize selects an object without a namespace as one in `default`.
    const written = getPath(child.resource.value, ['metadata', 'namespace']);
    const namespace = seen.namespace !== undefined ? (seen.namespace ?? undefined) : written === undefined || written === null || written === '' ? 'default' : child.namespace;
    results.push(matches(target.namespace, [namespace]));
  }
  const metadata = getPath(child.resource.value, ['metadata']);
  const selectors = [
    { text: target.labelSelector, labels: { ...labelsOf(getPath(metadata, ['labels'])), ...seen.addedLabels.known }, complete: !seen.addedLabels.more },
    { text: target.annotationSelector, labels: labelsOf(getPath(metadata, ['annotations'])), complete: true },
  ];
  for (const { text, labels, complete } of selectors) {
    if (text === undefined) continue;
    const selector = typeof text === 'string' ? parseSelectorText(text) : undefined;
    results.push(selector === undefined ? undefined : matchesSelector(selector, labels, complete));
  }
  return results.includes(false) ? false : results.includes(undefined) ? undefined : true;
}

/** Whether a Flux Kustomization's `spec.patches` may set labels or commonMetadata on the Kustomizations it applies. */
function patchesKustomizationLabels(node: FluxNode): boolean {
  return asArray(getPath(node.spec, ['patches'])).some((entry) => {
    const kind = getPath(entry, ['target', 'kind']);
    const patch = getPath(entry, ['patch']);
    return (kind === undefined || kind === 'Kustomization') && (typeof patch !== 'string' || /commonMetadata|labels/.test(patch));
  });
}

/** The cluster what an object running in `cluster` applies or installs lands in, given its remoteCluster. */
export function appliedCluster(cluster: string, remote: string | undefined): string {
  return remote === undefined ? cluster : `${cluster} (${remote})`;
}

/**
 * The cluster a Flux `spec.kubeConfig` points at (a Kustomization's or a
 * HelmRelease's), named after the Secret or ConfigMap that holds the
 * kubeconfig, in the object's own namespace: `kubeConfig
 * production/cluster-kubeconfig`. Two objects that name one reference
 * reach one cluster; a reference not known offline is named as written.
 * `undefined` without a kubeConfig: the object's own cluster.
 */
export function remoteCluster(kubeConfig: unknown, namespace: string, read: (value: unknown) => unknown = (value) => value): string | undefined {
  if (kubeConfig === undefined || kubeConfig === null) return undefined;
  for (const field of ['secretRef', 'configMapRef']) {
    const name = knownString(read(getPath(kubeConfig, [field, 'name'])));
    if (name !== undefined) return `kubeConfig ${namespace}/${name}`;
  }
  return `kubeConfig ${namespace}/${memoKey(kubeConfig) ?? '?'}`;
}

/**
 * The `spec.kubeConfig` that a Flux Kustomization's `spec.patches` give the
 * objects of `typeId` it applies: a JSON 6902 `add` or `replace` of
 * `/spec/kubeConfig`, or a strategic merge patch that sets it.
 */
function kubeConfigPatchedInto(typeId: string, patches: unknown): unknown {
  const kind = typeId.slice(typeId.lastIndexOf('/') + 1);
  for (const entry of asArray(patches)) {
    const targetKind = getPath(entry, ['target', 'kind']);
    const patch = getPath(entry, ['patch']);
    if ((targetKind !== undefined && targetKind !== kind) || typeof patch !== 'string' || !patch.includes('kubeConfig')) continue;
    const kubeConfig = patchedValue(safeParse(patch), ['spec', 'kubeConfig']);
    if (kubeConfig !== undefined && kubeConfig !== null) return kubeConfig;
  }
  return undefined;
}

/** A patch's text as kustomize reads it; `undefined` for one that does not parse, on which kustomize fails the build. */
function safeParse(text: string): unknown {
  const documents = fastCompose(text);
  if (documents?.length === 1) return documents[0];
  try {
    // Not `parse`: with its warnings silenced, it silences the errors too and returns what it made of the rest.
    const document = parseDocument(text, { logLevel: 'silent' });
    return document.errors.length > 0 ? undefined : document.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
}

/** Reads `postBuild.substitute` and `substituteFrom` ConfigMaps and Secrets found in the repository. */
class SubstitutionSources {
  private readonly byName = new Map<string, RawResource[]>();
  /** `Kind/name` of the Secrets and ConfigMaps something in the repository makes: an ExternalSecret, a kustomize generator (SECRET_GENERATORS). */
  private readonly made = new Set<string>();
  /** Substitutions by the postBuild blocks they were read from (memoKey). */
  private readonly substitutions = new Map<string, Substitution>();
  /** What the kustomizations may change of ConfigMaps and Secrets (mayBeEdited). */
  private readonly edits: SourceEdit[] = [];

  constructor(
    resources: readonly RawResource[],
    private readonly configs: ReadonlyMap<string, KustomizeConfig>,
    /** The namespaces kustomizations give a file (namespacesByBuild). */
    private readonly namespacesGiven: () => ReadonlyMap<string, readonly NamespaceOverride[]>,
  ) {
    for (const resource of resources) {
      const madeName = SECRET_GENERATORS.get(resource.typeId)?.(resource.value);
      if (madeName !== undefined) this.made.add(`Secret/${madeName}`);
      if ((resource.typeId !== 'ConfigMap' && resource.typeId !== 'Secret') || resource.name === undefined) continue;
      const key = `${resource.kind}/${resource.name}`;
      (this.byName.get(key) ?? this.byName.set(key, []).get(key)!).push(resource);
    }
    const patchFiles = new Set<string>();
    for (const [dir, config] of configs) {
      for (const name of config.generatedConfigMaps.keys()) this.made.add(`ConfigMap/${name}`);
      for (const name of config.generatedSecrets) this.made.add(`Secret/${name}`);
      this.edits.push(...config.sourceEdits);
      for (const entry of config.patches) patchFiles.add(normalizeDir(joinPath(dir, entry)));
    }
    for (const resource of resources) {
      if (SOURCE_KINDS.has(resource.kind) && patchFiles.has(resource.file.path)) this.edits.push({ kind: resource.kind, ...(resource.name === undefined ? {} : { name: resource.name }) });
    }
  }

  /** Whether a kustomization may change the keys of a ConfigMap or Secret of this name (KustomizeConfig.sourceEdits), so that they are not known as written. */
  private mayBeEdited(kind: string, name: string): boolean {
    return this.edits.some((edit) => (edit.kind === undefined || edit.kind === kind) && (edit.name === undefined || namePattern(edit.name)?.test(name) !== false));
  }

  /**
   * Whether placing the clusters again, each knowing its own files, may
   * read other sources: of a name that several ConfigMaps or Secrets carry
   * (one `cluster-settings` per cluster), some cluster applies another than
   * the first, the one a source is read from when the cluster is not known;
   * or a name that a manifest carries is also made by something else (see
   * substitutionFor).
   */
  picksAnotherIn(placed: ReadonlyMap<string, ReadonlySet<string>>): boolean {
    // A made name some cluster applies no manifest of: read as unknown there.
    for (const key of this.made) {
      const objects = this.byName.get(key);
      if (objects && [...placed.values()].some((files) => !objects.some((object) => files.has(object.file.path)))) return true;
    }
    for (const objects of this.byName.values()) {
      if (objects.length < 2) continue;
      for (const files of placed.values()) {
        const first = objects.find((object) => files.has(object.file.path));
        if (first !== undefined && first !== objects[0]) return true;
      }
    }
    return false;
  }

  /**
   * `undefined` when the Kustomization has no postBuild, or one that
   * defines no variable: Flux then substitutes nothing. Its postBuild is read as the parent that applies it
   * substitutes it (`HOSTNAME: sonarr.${DOMAIN}` with the parent's DOMAIN).
   * Flux reads a source in the Kustomization's own `namespace`: of several
   * objects of one name, a source is the first there (or of no namespace
   * known) whose file `preferred` accepts, else the first there, else the
   * first `preferred` accepts, else the first; never one surely in another
   * namespace (as written, or as every kustomization listing it sets it).
   * `preferred` is the files of the cluster applying it, when known: then a
   * name that none of them carries, and that something in the repository
   * makes (an ExternalSecret, a generator), is read from what that makes,
   * not from a manifest the cluster does not apply (one left behind by a
   * move to an ExternalSecret): unknown offline.
   */
  substitutionFor(
    node: FluxNode,
    namespace: string,
    inherited: readonly PostBuildEdit[],
    parent: Substitution | undefined,
    preferred?: (file: string) => boolean,
  ): Substitution | undefined {
    const own = getPath(node.spec, ['postBuild']);
    const written = patchedPostBuilds(own, inherited);
    const postBuilds = parent ? written.map((postBuild) => (postBuild === UNREADABLE_PATCH ? postBuild : substituteValue(postBuild, parent))) : written;
    if (postBuilds.length === 0) return undefined;
    const namespaces = (object: RawResource) => this.namespacesOf(object);
    const inNamespace = (object: RawResource) => namespaces(object)?.includes(namespace) ?? true;
    const elsewhere = (object: RawResource) => namespace !== '' && !inNamespace(object);
    const applied = (object: RawResource) => preferred?.(object.file.path) ?? false;
    const pick = (key: string, objects: readonly RawResource[]) =>
      objects.find((object) => inNamespace(object) && applied(object)) ??
      (preferred !== undefined && this.made.has(key) && !objects.some(applied)
        ? undefined
        : (objects.find(inNamespace) ?? objects.find((object) => !elsewhere(object) && applied(object)) ?? objects.find((object) => !elsewhere(object))));
    // Most Kustomizations get the same sources (a parent's patches give every
    // child the same): they share one substitution, read once, kept once.
    const picked = postBuilds.flatMap((postBuild) =>
      asArray(getPath(postBuild, ['substituteFrom'])).map((source) => {
        const candidates = this.candidates(source);
        const object = candidates && pick(candidates.key, candidates.objects);
        // A document, not a file: one file may hold a ConfigMap of the name for each namespace.
        return object ? [object.file.path, object.documentIndex] : null;
      }),
    );
    const dropped = inherited.length === 0 ? [] : droppedSources(own, written);
    const key = memoKey([postBuilds.map((postBuild) => (postBuild === UNREADABLE_PATCH ? null : postBuild)), picked, dropped]);
    let substitution = key === undefined ? undefined : this.substitutions.get(key);
    if (!substitution) {
      substitution = this.substitutionOf(postBuilds, pick, dropped);
      if (key !== undefined) this.substitutions.set(key, substitution);
    }
    // kustomize-controller substitutes only when there are variables: with
    // none (an empty substitute, no source), `${VAR}` is applied as written.
    return substitution.complete && substitution.variables.size === 0 ? undefined : substitution;
  }

  private substitutionOf(postBuilds: readonly unknown[], pick: SourcePick, dropped: readonly string[]): Substitution {
    const variables = new Map<string, string | null>();
    const sources: SubstitutionSource[] = [];
    let complete = true;
    for (const postBuild of postBuilds) {
      if (postBuild === UNREADABLE_PATCH) {
        complete = false;
        continue;
      }
      for (const source of asArray(getPath(postBuild, ['substituteFrom']))) {
        const read = this.read(source, pick);
        // A source the repository does not hold, optional or not, may exist in
        // the cluster (created by hand or by another tool): its variables are unknown.
        if (read === undefined) {
          complete = false;
          continue;
        }
        for (const [key, value] of read.variables) variables.set(key, value);
        if (read.object) sources.push({ file: read.object.file.path, documentIndex: read.object.documentIndex });
      }
      const substitute = getPath(postBuild, ['substitute']);
      if (isMapping(substitute)) for (const [key, value] of Object.entries(substitute)) variables.set(key, scalarText(value));
    }
    return { variables, complete, sources, dropped };
  }

  /**
   * The namespaces an object may be applied in: the one each kustomization
   * listing its file sets, or else its own; `undefined` when one of them is
   * not known offline.
   */
  private namespacesOf(object: RawResource): readonly string[] | undefined {
    // Not written: not known, as Flux may apply it with a targetNamespace.
    const own = knownString(getPath(object.value, ['metadata', 'namespace']));
    const given = this.namespacesGiven().get(object.file.path) ?? [undefined];
    const namespaces = given.map((namespace) => (namespace === undefined ? own : namespace));
    return namespaces.every((namespace): namespace is string => typeof namespace === 'string') ? namespaces : undefined;
  }

  /** The ConfigMaps or Secrets a `substituteFrom` entry may name, and their `Kind/name`. */
  private candidates(source: unknown): { readonly key: string; readonly objects: readonly RawResource[] } | undefined {
    const reference = sourceReference(source);
    const key = reference && `${reference.kind}/${reference.name}`;
    const objects = key && this.byName.get(key);
    return objects ? { key: key!, objects } : undefined;
  }

  /** A source's variables, and the manifest they were read from (none for a generated ConfigMap). */
  private read(source: unknown, pick: SourcePick): { readonly variables: Map<string, string | null>; readonly object?: RawResource } | undefined {
    const reference = sourceReference(source);
    if (reference === undefined) return undefined;
    const { kind, name } = reference;
    // A source a kustomization patches, or a generator merges into, holds keys not written in it: unknown.
    if (this.mayBeEdited(kind, name)) return undefined;
    const candidates = this.candidates(source);
    const object = candidates && pick(candidates.key, candidates.objects);
    if (object) return { variables: kind === 'ConfigMap' ? configMapData(object.value) : secretData(object.value), object };
    if (kind !== 'ConfigMap') return undefined;
    for (const config of this.configs.values()) {
      const generated = config.generatedConfigMaps.get(name);
      if (generated !== undefined) return generated === null ? undefined : { variables: new Map(generated) };
    }
    return undefined;
  }
}

/**
 * The entries of a child's own `substituteFrom` that its parent's patches
 * left out of the postBuild Flux reads (a strategic merge patch replaces the
 * list), as `Kind "name"`.
 */
function droppedSources(own: unknown, patched: readonly unknown[]): string[] {
  const kept = new Set(patched.flatMap(sourcesNamed));
  return [...new Set(sourcesNamed(own))].filter((source) => !kept.has(source));
}

/** The sources a postBuild's `substituteFrom` names, as `Kind "name"`. */
function sourcesNamed(postBuild: unknown): string[] {
  return asArray(getPath(postBuild, ['substituteFrom'])).flatMap((source) => {
    const reference = sourceReference(source);
    return reference === undefined ? [] : [`${reference.kind} "${reference.name}"`];
  });
}

/** Of the objects carrying a source's `Kind/name`, the one it is read from; `undefined` for none known offline. */
type SourcePick = (key: string, objects: readonly RawResource[]) => RawResource | undefined;

/** The kind and name a `substituteFrom` entry names; `undefined` for any other kind, or a name not known offline. */
function sourceReference(source: unknown): { readonly kind: 'ConfigMap' | 'Secret'; readonly name: string } | undefined {
  const kind = getPath(source, ['kind']);
  const name = knownString(getPath(source, ['name']));
  return (kind === 'ConfigMap' || kind === 'Secret') && name !== undefined ? { kind, name } : undefined;
}

/** A key for equal values; `undefined` for one JSON cannot write (an alias inside its own anchor). */
function memoKey(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function configMapData(value: unknown): Map<string, string | null> {
  const data = getPath(value, ['data']);
  return new Map(isMapping(data) ? Object.entries(data).map(([key, entry]) => [key, scalarText(entry)] as const) : []);
}

// A SOPS-encrypted Secret shows its keys but not its values: defined, unknown.
function secretData(value: unknown): Map<string, string | null> {
  const encrypted = isMapping(getPath(value, ['sops']));
  const result = new Map<string, string | null>();
  const stringData = getPath(value, ['stringData']);
  if (isMapping(stringData)) for (const [key, entry] of Object.entries(stringData)) result.set(key, encrypted ? null : scalarText(entry));
  const data = getPath(value, ['data']);
  if (isMapping(data)) for (const [key, entry] of Object.entries(data)) result.set(key, encrypted ? null : decodeBase64(entry));
  return result;
}

function decodeBase64(value: unknown): string | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(value)) return null;
  const text = Buffer.from(value, 'base64').toString('utf8');
  return text.includes('\uFFFD') ? null : text;
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Files a directory contributes when kustomize (or Flux's generated kustomization) builds it. */
function buildDirectory(dir: string, tree: FileTree, configs: Map<string, KustomizeConfig>, members: Memo<Member[]>, lookups: BuildLookups): Member[] {
  const config = configs.get(dir);
  if (!config) return generatedMembers(dir, tree, configs, members);
  const built: Member[] = [];
  const file = (path: string, patch: boolean): Member => ({ file: path, namespace: undefined, patch, addedLabels: NO_ADDED_LABELS, prefix: '', suffix: '' });
  for (const { entry } of config.resources) {
    const target = joinPath(dir, entry);
    if (tree.hasYamlFile(target)) built.push(file(target, false));
    else if (tree.hasDirectory(target)) built.push(...members.get(normalizeDir(target)));
  }
  for (const entry of config.patches) {
    const target = joinPath(dir, entry);
    if (tree.hasYamlFile(target)) built.push(file(target, true));
  }
  const fluxTargetNamespace = config.copiesNamespaceIntoFlux ? replacedNamespace(config, built, lookups.namespacesIn) : undefined;
  const patches = patchesOfBuild(dir, configs, tree, lookups.documentsIn, new Set());
  return built.map((member) => ({
    ...member,
    beforeOutermost: { namespace: member.namespace, prefix: member.prefix, suffix: member.suffix, addedLabels: member.addedLabels },
    // Each as it runs here: before this kustomization's namespace and affixes, after the inner ones'.
    ...(patches.length === 0 || member.patch
      ? {}
      : { patches: [...(member.patches ?? []), ...patches.map((patch) => ({ patch, namespace: member.namespace, prefix: member.prefix, suffix: member.suffix }))] }),
    namespace: config.namespace !== undefined ? config.namespace : member.namespace,
    // An inner default filled the namespace first; an inner namespace: leaves none unset.
    ...(config.namespaceDefault === undefined || member.namespace !== undefined || member.namespaceDefault !== undefined ? {} : { namespaceDefault: config.namespaceDefault }),
    addedLabels: withLabels(member.addedLabels, config.labels),
    prefix: `${config.namePrefix}${member.prefix}`,
    suffix: `${member.suffix}${config.nameSuffix}`,
    ...(fluxTargetNamespace === undefined ? {} : { fluxTargetNamespace }),
  }));
}

/**
 * The patches a kustomization applies to everything it builds: its own,
 * and those of the Components it includes (a Component patches what the
 * kustomization including it builds, not only its own resources).
 */
function patchesOfBuild(dir: string, configs: Map<string, KustomizeConfig>, tree: FileTree, documentsIn: (file: string) => readonly Mapping[], seen: Set<string>): KustomizePatch[] {
  const config = configs.get(dir);
  if (!config || seen.has(dir)) return [];
  seen.add(dir);
  const own = config.patchEntries.flatMap((entry) => readPatches(entry, dir, tree, documentsIn));
  const fromComponents = config.resources
    .filter(({ field }) => field === 'components')
    .flatMap(({ entry }) => patchesOfBuild(normalizeDir(joinPath(dir, entry)), configs, tree, documentsIn, seen));
  return [...fromComponents, ...own];
}

/** The names of the Namespace objects a file holds; `null` for one not known offline. */
type NamespacesIn = (file: string) => readonly (string | null)[];

/** What a build reads of the objects in its files. */
interface BuildLookups {
  readonly namespacesIn: NamespacesIn;
  /** The documents (feedsDeployment's) of a file, for the patches it holds. */
  readonly documentsIn: (file: string) => readonly Mapping[];
}

/** A `patches` or `patchesStrategicMerge` entry of a kustomization: a file, or a patch written inline, with an optional target. */
interface PatchEntry {
  readonly path?: string;
  readonly patch?: unknown;
  readonly target?: unknown;
}

/**
 * What a kustomize patch does that the model follows: delete the objects
 * it targets (`$patch: delete`), or set the `spec.path` of the Flux
 * Kustomizations it targets (a strategic merge patch, or a JSON 6902
 * `add`/`replace` of `/spec/path`). It targets what its `target` selects
 * (the name a regular expression), else the object it names.
 */
interface KustomizePatch {
  readonly group?: string;
  readonly kind?: string;
  /** The name, or for a target a pattern (see namePattern); `null` for a target not read offline, which matches nothing. */
  readonly name?: string | null;
  readonly nameIsPattern: boolean;
  readonly namespace?: string;
  readonly deletes: boolean;
  readonly path?: string;
}

/** The patches of one entry that delete objects or set a Flux path; none for the others. */
function readPatches(entry: PatchEntry, dir: string, tree: FileTree, documentsIn: (file: string) => readonly Mapping[]): KustomizePatch[] {
  const file = entry.path !== undefined && isLocal(entry.path) ? normalizeDir(joinPath(dir, entry.path)) : undefined;
  const parsed = file !== undefined && tree.hasYamlFile(file) ? documentsIn(file) : typeof entry.patch === 'string' ? [safeParse(entry.patch)] : [entry.patch];
  const target = isMapping(entry.target) ? entry.target : undefined;
  const patches: KustomizePatch[] = [];
  for (const document of parsed) {
    if (Array.isArray(document)) {
      // JSON 6902 operations, which need a target.
      const path = pathValue(patchedValue(document, ['spec', 'path']));
      if (target && path !== undefined) patches.push({ ...selectorOf(target, true), deletes: false, path });
      continue;
    }
    if (!isMapping(document)) continue;
    const deletes = document.$patch === 'delete';
    const path = document.kind === 'Kustomization' ? pathValue(getPath(document, ['spec', 'path'])) : undefined;
    if (!deletes && path === undefined) continue;
    const selector = target
      ? selectorOf(target, true)
      : selectorOf({ group: groupOf(document.apiVersion), kind: document.kind, name: getPath(document, ['metadata', 'name']), namespace: getPath(document, ['metadata', 'namespace']) }, false);
    patches.push({ ...selector, deletes, ...(path === undefined ? {} : { path }) });
  }
  return patches;
}

/** A path a patch sets: a `${VAR}` in it is read as the applying parent substitutes it (resolveWith). */
function pathValue(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What a target selects. One this model cannot read matches nothing: a
 * label or annotation selector, a field that is not a plain string (a
 * `${VAR}`, a number), a namespace written as a pattern.
 */
function selectorOf(target: Mapping, nameIsPattern: boolean): Omit<KustomizePatch, 'deletes' | 'path'> {
  const unreadable =
    target.labelSelector !== undefined ||
    target.annotationSelector !== undefined ||
    ['group', 'kind', 'name', 'namespace'].some((key) => target[key] !== undefined && (knownString(target[key]) === undefined || (key === 'namespace' && nameIsPattern && !/^[\w.-]+$/.test(target[key] as string))));
  const field = (key: string) => knownString(target[key]);
  return { group: field('group'), kind: field('kind'), name: unreadable ? null : field('name'), nameIsPattern, namespace: field('namespace') };
}

function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/**
 * Whether a patch targets an object of this type, name and namespace (as
 * the build names it; `undefined` when not known, which a namespace the
 * patch names is taken to match).
 */
function patchTargets(patch: KustomizePatch, typeId: string, name: string | undefined, namespace: string | undefined): boolean {
  const slash = typeId.lastIndexOf('/');
  const [group, kind] = slash === -1 ? ['', typeId] : [typeId.slice(0, slash), typeId.slice(slash + 1)];
  if ((patch.kind !== undefined && patch.kind !== kind) || (patch.group !== undefined && patch.group !== group)) return false;
  if (patch.namespace !== undefined && namespace !== undefined && patch.namespace !== namespace) return false;
  if (patch.name === null) return false;
  if (patch.name === undefined) return true;
  if (name === undefined) return false;
  if (!patch.nameIsPattern) return patch.name === name;
  return namePattern(patch.name)?.test(name) ?? false;
}

const namePatterns = new Map<string, RegExp | null>();

/**
 * A target's name as kustomize reads it, a regular expression matching the
 * whole name; `null` for one that JavaScript may not read as Go's RE2 does
 * (flags such as `(?i)`, a repeated group, which backtracking can make
 * take exponential time): such a target matches nothing.
 */
function namePattern(name: string): RegExp | null {
  let pattern = namePatterns.get(name);
  if (pattern === undefined) {
    pattern = /\(\?|\)[*+?{]|\\[pPk]|\{/.test(name) ? null : safeRegExp(`^(?:${name})$`);
    namePatterns.set(name, pattern);
  }
  return pattern;
}

function safeRegExp(source: string): RegExp | null {
  try {
    return new RegExp(source);
  } catch {
    return null;
  }
}

/**
 * A patch on a member's way, with the namespace and name affixes the member
 * has where the patch runs: kustomize patches what the kustomizations it
 * includes built, before its own namespace and affixes.
 */
export interface PatchOnTheWay {
  readonly patch: KustomizePatch;
  readonly namespace: NamespaceOverride;
  readonly prefix: string;
  readonly suffix: string;
}

/** Whether one of `patches` deletes the object named `name`, its namespace as written `namespace`. */
function deletedBy(patches: readonly PatchOnTheWay[] | undefined, typeId: string, name: string | undefined, namespace: string | undefined): boolean {
  return patches?.some((on) => on.patch.deletes && targets(on, typeId, name, namespace)) ?? false;
}

/** The `spec.path` the outermost of `patches` that targets this Flux Kustomization gives it. */
function pathPatchedBy(patches: readonly PatchOnTheWay[] | undefined, name: string, namespace: string | undefined): string | undefined {
  return patches?.findLast((on) => on.patch.path !== undefined && targets(on, FLUX_KUSTOMIZATION, name, namespace))?.patch.path;
}

function targets(on: PatchOnTheWay, typeId: string, name: string | undefined, namespace: string | undefined): boolean {
  const namespaceThere = typeof on.namespace === 'string' ? on.namespace : on.namespace === null ? undefined : namespace;
  return patchTargets(on.patch, typeId, name === undefined ? undefined : `${on.prefix}${name}${on.suffix}`, namespaceThere);
}

/**
 * The name a kustomize replacement copies from the Namespace of a build
 * (copiesNamespaceIntoFlux): the kustomization's `namespace:`, which renames
 * it; without one, the name of the one Namespace the build holds, as the
 * kustomizations it includes name it. `null` when not known offline
 * (kustomize fails a replacement whose source matches several).
 */
function replacedNamespace(config: KustomizeConfig, built: readonly Member[], namespacesIn: NamespacesIn): NamespaceOverride {
  if (config.namespace !== undefined) return config.namespace;
  const names = new Set<string | null>();
  for (const member of built) {
    const written = member.patch ? [] : namespacesIn(member.file);
    if (written.length === 0) continue;
    if (member.namespace !== undefined) names.add(member.namespace);
    else for (const name of written) names.add(name);
  }
  const [only] = names;
  return names.size === 1 ? only : null;
}

const MANIFEST_ENTRY = /\.(ya?ml|json)$/i;

/** The directories a file lies in, at any depth: `a/b`, `a` and `.` for `a/b/c.yaml` (and `.` for `../x/c.yaml` too, above `../x` and `..`). */
function directoriesAbove(file: string): string[] {
  const dirs: string[] = [];
  for (let dir = normalizeDir(posix.dirname(file)); dir !== '.'; dir = normalizeDir(posix.dirname(dir))) {
    dirs.push(dir);
    if (dir === '..' || dir.endsWith('/..')) break;
  }
  dirs.push('.');
  return dirs;
}

/**
 * The directories outside `dir` that a build of it chooses files from:
 * those its kustomization's resources name outside it (`../../base`), and
 * theirs; for a directory without one, its subdirectories' (Flux's
 * generated kustomization reads them all). Most builds read only below
 * their own directory.
 */
function directoriesReachedOutside(dir: string, tree: FileTree, configs: Map<string, KustomizeConfig>, reachedOutside: Memo<string[]>): string[] {
  const config = configs.get(dir);
  // An entry naming a manifest is no directory: most entries, passed over without joining paths.
  const reached = config
    ? config.resources.flatMap(({ entry }) => (MANIFEST_ENTRY.test(entry) ? [] : [normalizeDir(joinPath(dir, entry))])).filter((target) => tree.hasDirectory(target))
    : tree.subdirectoriesOf(dir);
  const outside = (path: string) => dir !== '.' && path !== dir && !path.startsWith(`${dir}/`);
  return [...new Set(reached.flatMap((target) => [target, ...reachedOutside.get(target)]).filter(outside))];
}

// Flux applies a directory without a kustomization.yaml as if one listed every
// manifest under it; a subdirectory with its own kustomization.yaml is built
// on its own.
function generatedMembers(dir: string, tree: FileTree, configs: Map<string, KustomizeConfig>, members: Memo<Member[]>): Member[] {
  const result: Member[] = tree
    .yamlFilesIn(dir)
    .filter((file) => !isKustomizationFile(file))
    .map((file) => ({ file, namespace: undefined, patch: false, addedLabels: NO_ADDED_LABELS, prefix: '', suffix: '' }));
  for (const sub of tree.subdirectoriesOf(dir)) {
    result.push(...(configs.has(sub) ? members.get(sub) : generatedMembers(sub, tree, configs, members)));
  }
  return result;
}

function topLevelKustomizations(configs: Map<string, KustomizeConfig>): string[] {
  // A directory is top-level when no other kustomization includes its kustomization file's directory.
  const included = new Set<string>();
  for (const [dir, config] of configs) {
    for (const { entry } of config.resources) {
      const target = normalizeDir(joinPath(dir, entry));
      if (target !== dir) included.add(target);
    }
  }
  return [...configs.keys()].filter((dir) => !included.has(dir)).sort();
}

function filesByCluster(placements: ReadonlyMap<string, readonly FilePlacement[]>): Map<string, Set<string>> {
  const byCluster = new Map<string, Set<string>>();
  for (const [file, list] of placements) {
    for (const { cluster } of list) if (cluster !== undefined) (byCluster.get(cluster) ?? byCluster.set(cluster, new Set()).get(cluster)!).add(file);
  }
  return byCluster;
}

/**
 * The directory the repository's Flux paths are relative to: the root of
 * the Git source, which is not the directory linted when only part of the
 * repository is (`homeops-lint kubernetes/` with paths like
 * `./kubernetes/apps`, or a run from inside `kubernetes/`). Of the linted
 * directory and the directories above it, up to the working directory or
 * up to the top of the git work tree it lies in (`workTreeTop`), the one
 * under which most of the paths that apply this repository name a
 * directory (linted, or on disk); the linted one when none does better.
 * Linted files that apply nothing of this repository (a run inside
 * `kubernetes/apps/media`), or whose paths resolve from nowhere, say
 * nothing: the top of the work tree, where a GitRepository's paths start.
 * A top by another way than the linted directory's (`..` for `.`, or
 * `../..` for `../flux` from inside `kubernetes/apps`) names the files by
 * other paths than this run does: the caller lints again from there
 * (LintResult.repositoryAbove).
 */
export function repositoryRoot(input: Pick<DeploymentInput, 'root' | 'paths' | 'resources' | 'pathExists'> & { readonly workTreeTop?: string }): string {
  const linted = input.root;
  const above = levelsUpTo(input.workTreeTop);
  // A run told where the top is (`--repo`, which leaves workTreeTop out), or
  // from the top of the work tree, or outside one, has no choice to make
  // above the working directory.
  if (above.length === 0 && (linted === '' || linted === '..' || linted.startsWith('../'))) return linted;
  // Kustomizations and FluxInstances only: a flux-instance HelmRelease's sync
  // is in its values, and reading every release's values cost a run ~20 ms.
  // The top is not known yet: an OCI sync, whose path may be this repository's, does not vote.
  const nodes = fluxNodesOf(input.resources.filter((resource) => resource.typeId === FLUX_KUSTOMIZATION || resource.typeId === FLUX_INSTANCE), () => false);
  const paths = nodes.flatMap((node) => {
    const path = node.appliesThisRepository ? knownString(getPath(node.spec, ['path'])) : undefined;
    return path === undefined ? [] : [path.replace(/^\/+/, '')];
  });
  // Linted files that apply nothing of this repository say nothing: the top
  // of the work tree, where a GitRepository's paths start.
  if (paths.length === 0) return above.at(-1) ?? linted;
  const linedUp = [...input.paths].sort();
  const isLinted = (dir: string) => hasPathUnder(linedUp, dir);
  const under = (root: string, exists: (dir: string) => boolean) => paths.filter((path) => exists(normalizeDir(joinPath(root || '.', path)))).length;
  // Most of them name a linted directory from here: they are written from here.
  let most = under(linted, isLinted);
  if (most * 2 >= paths.length) return linted;
  const exists = (dir: string) => isLinted(dir) || (input.pathExists?.(dir) ?? false);
  let best = linted;
  most = under(linted, exists);
  const candidates: string[] = [];
  for (let candidate = linted; candidate !== ''; ) {
    const slash = candidate.lastIndexOf('/');
    candidate = slash === -1 ? '' : candidate.slice(0, slash);
    candidates.push(candidate);
  }
  for (const candidate of [...candidates, ...above]) {
    const resolved = under(candidate, exists);
    if (resolved > most) [best, most] = [candidate, resolved];
  }
  // Paths that resolve from nowhere (mistyped, or of a source the linted
  // files cannot tell from this repository's) say nothing either.
  return most === 0 ? (above.at(-1) ?? best) : best;
}

/** `..`, `../..`, … up to `top` when it lies above the working directory; none otherwise. */
function levelsUpTo(top: string | undefined): string[] {
  if (top === undefined || !(top === '..' || top.startsWith('../'))) return [];
  const levels = top.split('/').length;
  return Array.from({ length: levels }, (_, index) => Array(index + 1).fill('..').join('/'));
}

/** Whether some path of `sorted` lies under `dir`: a binary search for the first path after `dir/`. */
function hasPathUnder(sorted: readonly string[], dir: string): boolean {
  const prefix = dir === '.' || dir === '' ? '' : `${dir}/`;
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < prefix) low = middle + 1;
    else high = middle;
  }
  return low < sorted.length && sorted[low]!.startsWith(prefix);
}

/**
 * kustomize reads a directory entry through its kustomization file, and
 * fails on a directory without one ("unable to find one of
 * 'kustomization.yaml', 'kustomization.yml' or 'Kustomization'"): only the
 * directory a Flux Kustomization applies gets one generated.
 */
function unresolvedEntries(whole: BuildView, artifact: Artifact | undefined): DeploymentPlan['unresolvedEntries'] {
  const { configs, tree } = whole;
  const unresolved: DeploymentPlan['unresolvedEntries'][number][] = [];
  for (const [dir, config] of configs) {
    // What a kustomization in the artifact lists and the artifact leaves out, kustomize-controller does not find.
    const leftOut = artifact?.view.configs.has(dir) ? artifact.leftOut : undefined;
    for (const { entry, field, index } of config.resources) {
      const target = joinPath(dir, entry);
      const at = { file: config.file, field, index, entry };
      if (tree.hasYamlFile(target)) {
        const excluded = leftOut?.(target, false);
        if (excluded !== undefined) unresolved.push({ ...at, lacks: 'path', probes: [], excluded });
        // A kustomization file named as an entry is read as manifests: its Kustomization has no name.
        else if (isKustomizationFile(target)) unresolved.push({ ...at, lacks: 'directory', probes: [] });
        continue;
      }
      const excluded = leftOut && (tree.hasDirectory(target) ? directoryLeftOut(normalizeDir(target), artifact!) : (leftOut(target, false) ?? leftOut(target, true)));
      if (!tree.hasDirectory(target)) {
        // A path not among the linted files (a `.json` manifest) is asked about as a file or a directory.
        unresolved.push({ ...at, lacks: 'path', probes: [target], ...(excluded === undefined ? {} : { excluded }) });
      } else if (excluded !== undefined) {
        unresolved.push({ ...at, lacks: 'path', probes: [], excluded });
      } else if (!configs.has(normalizeDir(target))) {
        const kustomizations = KUSTOMIZATION_FILE_NAMES.map((name) => joinPath(target, name));
        if (!kustomizations.some((file) => tree.hasYamlFile(file))) unresolved.push({ ...at, lacks: 'kustomization', probes: kustomizations });
      }
    }
  }
  return unresolved;
}

// A patch may add labels to what it targets; which ones is not followed.
const PATCH_FIELDS = ['patches', 'patchesStrategicMerge', 'patchesJson6902'];

/** The labels a kustomization sets on what it builds (`commonLabels`, `labels`), and whether it may set others. */
function labelsSetByKustomization(value: Mapping): AddedLabels {
  const known: Record<string, string> = Object.assign({}, labelsOf(value.commonLabels), ...asArray(value.labels).map((entry) => labelsOf(getPath(entry, ['pairs']))));
  return {
    known,
    // A transformer (a LabelTransformer, say) or a replacement may set
    // labels as a patch may; a Component's are added (withComponentLabels).
    more: [...PATCH_FIELDS, 'transformers', 'replacements'].some((field) => asArray(value[field]).length > 0),
    ...substitutionDisabledBy(known, labelsOf(value.commonAnnotations)),
  };
}

function readKustomizeConfigs(files: DeploymentInput['kustomizations'], replacementFiles: NonNullable<DeploymentInput['replacements']>): Map<string, KustomizeConfig> {
  const configs = new Map<string, KustomizeConfig>();
  const replacementsIn = new Map(replacementFiles.map(({ path, value }) => [path, asArray(value)]));
  for (const { path, value } of files) {
    if (!isMapping(value) || !isKustomizeConfig(value)) continue;
    const dir = normalizeDir(posix.dirname(path));
    const replacements = asArray(value.replacements).flatMap((entry) => {
      const file = getPath(entry, ['path']);
      return typeof file === 'string' && isLocal(file) ? (replacementsIn.get(normalizeDir(joinPath(dir, file))) ?? []) : [entry];
    });
    const entries = (field: MissingEntry['field']) =>
      asArray(value[field]).flatMap((entry, index) => (typeof entry === 'string' && isLocal(entry) && !entry.includes('${') ? [{ entry, field, index }] : []));
    configs.set(dir, {
      file: path,
      ...kustomizeNamespaces(value),
      labels: labelsSetByKustomization(value),
      namePrefix: knownString(value.namePrefix) ?? '',
      nameSuffix: knownString(value.nameSuffix) ?? '',
      resources: [...entries('resources'), ...entries('bases'), ...entries('components')],
      patches: [
        ...asArray(value.patches).map((patch) => (isMapping(patch) ? patch.path : undefined)),
        ...asArray(value.patchesJson6902).map((patch) => (isMapping(patch) ? patch.path : undefined)),
        ...asArray(value.patchesStrategicMerge),
        ...generatorInputs(value),
      ].filter((entry): entry is string => typeof entry === 'string' && isLocal(entry)),
      generatedConfigMaps: generatedConfigMaps(value.configMapGenerator),
      generatedSecrets: asArray(value.secretGenerator).flatMap((generator) => knownString(getPath(generator, ['name'])) ?? []),
      generatedConfigMapFiles: generatedConfigMapFiles(value.configMapGenerator),
      patchEntries: [
        ...asArray(value.patches).flatMap((entry): PatchEntry[] => (isMapping(entry) ? [{ path: knownString(entry.path), patch: entry.patch, target: entry.target }] : [])),
        // An entry is a file, or a patch written inline.
        ...asArray(value.patchesStrategicMerge).map((entry): PatchEntry => ({ path: typeof entry === 'string' && !entry.includes('\n') ? entry : undefined, patch: entry })),
      ],
      copiesNamespaceIntoFlux: replacements.some(copiesNamespaceIntoFlux),
      sourceEdits: sourceEditsOf(value, replacements),
    });
  }
  return withComponentLabels(configs);
}

/**
 * A Component's labels, annotations and patches apply to all that the
 * kustomization including it builds: each kustomization's labels with
 * those of its components (and theirs), its substitution opt-out too. A
 * component that is not there, or that includes itself, may set any.
 */
function withComponentLabels(configs: Map<string, KustomizeConfig>): Map<string, KustomizeConfig> {
  const merged = new Map<string, AddedLabels>();
  const labelsOfDir = (dir: string, including: ReadonlySet<string>): AddedLabels => {
    const done = merged.get(dir);
    if (done) return done;
    const config = configs.get(dir);
    if (config === undefined || including.has(dir)) return { known: {}, more: true };
    let labels = config.labels;
    for (const { entry, field } of config.resources) {
      if (field === 'components') labels = withLabels(labelsOfDir(normalizeDir(joinPath(dir, entry)), new Set([...including, dir])), labels);
    }
    merged.set(dir, labels);
    return labels;
  };
  return new Map([...configs].map(([dir, config]) => [dir, { ...config, labels: labelsOfDir(dir, new Set()) }]));
}

/**
 * Files kustomize reads to make objects or to change them, without applying
 * them as they are: the `files` (`key=path` or `path`) and `envs` of
 * generators, a `helmCharts` values file, `replacements` sources, and the
 * configurations of `transformers`, `generators` and `validators`. A
 * ClusterIssuer kept as a chart values file is not a manifest of its own.
 */
function generatorInputs(value: Record<string, unknown>): unknown[] {
  const generatorFiles = [...asArray(value.configMapGenerator), ...asArray(value.secretGenerator)].flatMap((generator) => [
    ...asArray(getPath(generator, ['files'])).map((entry) => (typeof entry === 'string' ? entry.slice(entry.indexOf('=') + 1) : undefined)),
    ...asArray(getPath(generator, ['envs'])),
    getPath(generator, ['env']),
  ]);
  return [
    ...generatorFiles,
    ...asArray(value.helmCharts).map((chart) => getPath(chart, ['valuesFile'])),
    ...asArray(value.replacements).map((replacement) => getPath(replacement, ['path'])),
    ...PLUGIN_FIELDS.flatMap((field) => asArray(value[field])),
  ];
}

const PLUGIN_FIELDS = ['transformers', 'generators', 'validators'];

function generatedConfigMapFiles(generators: unknown): Map<string, ReadonlyMap<string, string>> {
  const result = new Map<string, ReadonlyMap<string, string>>();
  for (const generator of asArray(generators)) {
    const name = knownString(getPath(generator, ['name']));
    if (name === undefined) continue;
    const files = new Map<string, string>();
    for (const entry of asArray(getPath(generator, ['files']))) {
      if (typeof entry !== 'string' || !isLocal(entry.slice(entry.indexOf('=') + 1))) continue;
      const at = entry.indexOf('=');
      files.set(at === -1 ? posix.basename(entry) : entry.slice(0, at), entry.slice(at + 1));
    }
    result.set(name, files);
  }
  return result;
}

// Only `literals` can be read offline; a generator reading env or other files is unknown.
function generatedConfigMaps(generators: unknown): Map<string, ReadonlyMap<string, string> | null> {
  const result = new Map<string, ReadonlyMap<string, string> | null>();
  for (const generator of asArray(generators)) {
    const name = knownString(getPath(generator, ['name']));
    if (name === undefined) continue;
    const readsFiles = asArray(getPath(generator, ['files'])).length > 0 || asArray(getPath(generator, ['envs'])).length > 0 || getPath(generator, ['env']) !== undefined;
    const literals = asArray(getPath(generator, ['literals'])).flatMap((literal) => {
      if (typeof literal !== 'string' || !literal.includes('=')) return [];
      const at = literal.indexOf('=');
      return [[literal.slice(0, at), literal.slice(at + 1)] as const];
    });
    result.set(name, readsFiles ? null : new Map(literals));
  }
  return result;
}

const SOURCE_KINDS: ReadonlySet<unknown> = new Set(['ConfigMap', 'Secret']);

/**
 * The ConfigMaps and Secrets a kustomization may change besides writing
 * them: what its patches and replacements target, what its inline patches
 * are, and what its generators merge into (`behavior: merge` or `replace`).
 * A substitution source among them holds other keys than it is written
 * with. A patch kept in a file without a target is its file's documents
 * (SubstitutionSources reads them).
 */
function sourceEditsOf(value: Mapping, replacements: readonly unknown[]): SourceEdit[] {
  const edits: SourceEdit[] = [];
  const byTarget = (target: unknown) => {
    if (!isMapping(target)) return;
    const kind = knownString(target.kind);
    if (target.kind !== undefined && kind !== undefined && !SOURCE_KINDS.has(kind)) return;
    // A label or annotation selector, or a name not read offline, may select any.
    const name = target.labelSelector === undefined && target.annotationSelector === undefined ? knownString(target.name) : undefined;
    edits.push({ ...(kind === undefined ? {} : { kind }), ...(name === undefined ? {} : { name }) });
  };
  const byDocument = (document: unknown) => {
    const kind = getPath(document, ['kind']);
    const name = knownString(getPath(document, ['metadata', 'name']));
    if (SOURCE_KINDS.has(kind)) edits.push({ kind: kind as string, ...(name === undefined ? {} : { name }) });
  };
  for (const field of ['patches', 'patchesJson6902']) {
    for (const entry of asArray(value[field])) {
      const target = getPath(entry, ['target']);
      const patch = getPath(entry, ['patch']);
      if (isMapping(target)) byTarget(target);
      else if (typeof patch === 'string') byDocument(safeParse(patch));
    }
  }
  for (const entry of asArray(value.patchesStrategicMerge)) if (typeof entry === 'string' && entry.includes('\n')) byDocument(safeParse(entry));
  for (const replacement of replacements) for (const target of asArray(getPath(replacement, ['targets']))) byTarget(getPath(target, ['select']));
  for (const [field, kind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ] as const) {
    for (const generator of asArray(value[field])) {
      const behavior = getPath(generator, ['behavior']);
      const name = knownString(getPath(generator, ['name']));
      if ((behavior === 'merge' || behavior === 'replace') && name !== undefined) edits.push({ kind, name });
    }
  }
  return edits;
}

/** A name prefix or suffix: '' when there is none, undefined when a `${VAR}` leaves it unknown. */
function affixOf(value: unknown): string | undefined {
  return value === undefined || value === null ? '' : knownString(value);
}

function namespaceOverride(value: unknown): NamespaceOverride {
  if (typeof value !== 'string' || value === '') return undefined;
  return knownString(value) ?? null;
}

/**
 * A kustomize replacement that copies a Namespace's name into the
 * `spec.targetNamespace` of every Flux Kustomization it builds, as the
 * home-operations template's `components/replacements/ks.yaml` does:
 * source `{kind: Namespace, fieldPath: metadata.name}`, a target selecting
 * kind Kustomization of Flux's group (by no name), field
 * `spec.targetNamespace`. Other replacements are not followed.
 */
function copiesNamespaceIntoFlux(replacement: unknown): boolean {
  const source = getPath(replacement, ['source']);
  if (getPath(source, ['kind']) !== 'Namespace' || (getPath(source, ['fieldPath']) ?? 'metadata.name') !== 'metadata.name') return false;
  return asArray(getPath(replacement, ['targets'])).some((target) => {
    const select = getPath(target, ['select']);
    const group = getPath(select, ['group']);
    return (
      getPath(select, ['kind']) === 'Kustomization' &&
      (group === undefined || group === 'kustomize.toolkit.fluxcd.io') &&
      getPath(select, ['name']) === undefined &&
      asArray(getPath(target, ['fieldPaths'])).includes('spec.targetNamespace')
    );
  });
}

/** A document that is a list of kustomize replacements (`source` and `targets` in each), which a kustomization may name by `path`. */
export function isReplacementList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => isMapping(entry) && 'source' in entry && 'targets' in entry);
}

/** The spec.targetNamespace replacements write into the Flux Kustomizations of each file (Member.fluxTargetNamespace). */
function fluxTargetNamespaces(configs: Map<string, KustomizeConfig>, members: Memo<Member[]>): ReadonlyMap<string, NamespaceOverride> {
  const byFile = new Map<string, NamespaceOverride>();
  if (![...configs.values()].some((config) => config.copiesNamespaceIntoFlux)) return byFile;
  for (const dir of configs.keys()) {
    for (const member of members.get(dir)) if (member.fluxTargetNamespace !== undefined && !byFile.has(member.file)) byFile.set(member.file, member.fluxTargetNamespace);
  }
  return byFile;
}

/**
 * The namespaces a kustomization sets: its `namespace:`, and an inline
 * builtin NamespaceTransformer in `transformers` (a configuration in a file
 * of its own is not read), which runs after it and so wins; one with
 * `unsetOnly` sets only objects that have none.
 */
function kustomizeNamespaces(value: Record<string, unknown>): { namespace: NamespaceOverride; namespaceDefault: NamespaceOverride } {
  let namespace = namespaceOverride(value.namespace);
  let namespaceDefault: NamespaceOverride;
  for (const entry of asArray(value.transformers)) {
    const transformer = typeof entry === 'string' && entry.includes('\n') ? safeParse(entry) : entry;
    if (!isMapping(transformer) || transformer.kind !== 'NamespaceTransformer' || transformer.apiVersion !== 'builtin') continue;
    const set = namespaceOverride(getPath(transformer, ['metadata', 'namespace']));
    if (set === undefined) continue;
    if (transformer.unsetOnly === true) {
      if (namespace === undefined) namespaceDefault ??= set;
    } else {
      namespace = set;
    }
  }
  return { namespace, namespaceDefault };
}

function isKustomizeConfig(value: Record<string, unknown>): boolean {
  const apiVersion = value.apiVersion;
  return apiVersion === undefined || (typeof apiVersion === 'string' && apiVersion.startsWith('kustomize.config.k8s.io/'));
}

// Remote bases are outside the repository, in the spellings kustomize's
// repospec accepts: a URL, `git::` and `gh:` prefixes, an scp-style
// `git@host:owner/repo`, a known host without scheme, a `.git` repository
// with or without `//path`, and remote query parameters.
const REMOTE = [
  /^[a-z][a-z0-9+.-]*:\/\//i,
  /^(git::|gh:)/,
  /^[\w.-]+@[\w.-]+:/,
  /^(github\.com|gitlab\.com|bitbucket\.org)\//,
  /\.git(\/\/|\/?$|\?)/,
  /\?(.*&)?(ref|version|timeout|submodules)=/,
];

function isLocal(entry: string): boolean {
  return !REMOTE.some((pattern) => pattern.test(entry));
}

/**
 * Labels that kustomize and Flux set on the objects they apply, over the
 * objects' own: by key, the outermost writer's value (a kustomization's over
 * those it includes, Flux's over the build's); `more` when they may set
 * others that are not known offline (a patch, a transformer).
 */
export interface AddedLabels {
  readonly known: Readonly<Record<string, string>>;
  readonly more: boolean;
  /**
   * Whether a label or annotation a kustomization on the way sets turns
   * Flux's substitution off for the object. Not one of Flux's
   * `commonMetadata`: kustomize-controller sets that when it applies, after
   * it has substituted.
   */
  readonly substitutionDisabled?: true;
}

export const NO_ADDED_LABELS: AddedLabels = { known: {}, more: false };

const FLUX_NAME_LABEL = 'kustomize.toolkit.fluxcd.io/name';
const FLUX_NAMESPACE_LABEL = 'kustomize.toolkit.fluxcd.io/namespace';

/** `inner`'s labels, with those an outer kustomization or Flux sets over them. */
function withLabels(inner: AddedLabels, outer: AddedLabels): AddedLabels {
  if (inner === NO_ADDED_LABELS) return outer;
  const substitutionDisabled = inner.substitutionDisabled || outer.substitutionDisabled;
  return { known: { ...inner.known, ...outer.known }, more: inner.more || outer.more, ...(substitutionDisabled ? { substitutionDisabled } : {}) };
}

/** `{ substitutionDisabled: true }` when labels or annotations turn Flux's substitution off, else nothing. */
function substitutionDisabledBy(...maps: readonly Readonly<Record<string, string>>[]): Pick<AddedLabels, 'substitutionDisabled'> {
  return maps.some((map) => map[SUBSTITUTE_KEY] === SUBSTITUTE_DISABLED) ? { substitutionDisabled: true } : {};
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

/** What kustomize builds see of a tree: its files and kustomizations, and what a build of each directory reads. */
class BuildView {
  /** The files a build of each directory applies or reads as patches (buildDirectory). */
  readonly members: Memo<Member[]>;
  /** The directories outside each directory that a build of it reads (directoriesReachedOutside). */
  readonly reachedOutside: Memo<string[]>;
  private readonly memberFiles = new Map<string, ReadonlySet<string>>();

  constructor(
    readonly tree: FileTree,
    readonly configs: Map<string, KustomizeConfig>,
    /** Directories whose kustomization file is empty (emptyKustomizations). */
    readonly emptyKustomizations: ReadonlySet<string>,
    lookups: BuildLookups,
    /** A view whose build of a directory `alike` accepts is this one's too. */
    same?: { readonly view: BuildView; readonly alike: (dir: string) => boolean },
  ) {
    this.members = new Memo(
      (dir) => (same?.alike(dir) ? same.view.members.get(dir) : emptyKustomizations.has(dir) ? [] : buildDirectory(dir, tree, configs, this.members, lookups)),
      [],
    );
    this.reachedOutside = new Memo(
      (dir) => (same?.alike(dir) ? same.view.reachedOutside.get(dir) : emptyKustomizations.has(dir) ? [] : directoriesReachedOutside(dir, tree, configs, this.reachedOutside)),
      [],
    );
  }

  membersAt(path: string | undefined): readonly Member[] {
    return path === undefined || !this.tree.hasDirectory(path) ? [] : this.members.get(path);
  }

  memberFilesAt(path: string): ReadonlySet<string> {
    let files = this.memberFiles.get(path);
    if (!files) {
      files = new Set(this.membersAt(path).map((member) => member.file));
      this.memberFiles.set(path, files);
    }
    return files;
  }
}

/** The artifact of the repository's own GitRepository: what builds from it see, and what leaves a path out of it. */
interface Artifact {
  readonly view: BuildView;
  readonly leftOut: ArtifactFilter;
}

/**
 * What leaves a directory of the repository out of the artifact: nothing
 * while a linted file below it is in it, nor when patterns leave out its
 * files but not itself (it is there, without manifests).
 */
function directoryLeftOut(dir: string, artifact: Artifact): ArtifactExclusion | undefined {
  return artifact.view.tree.hasDirectory(dir) ? undefined : artifact.leftOut(dir, true);
}

/** The linted YAML files seen as directories, for kustomize's view of the tree. */
class FileTree {
  private readonly yamlFiles = new Set<string>();
  private readonly yamlByDir = new Map<string, string[]>();
  private readonly subdirs = new Map<string, Set<string>>();

  constructor(yamlPaths: readonly string[]) {
    for (const path of yamlPaths) {
      this.yamlFiles.add(path);
      const dir = normalizeDir(posix.dirname(path));
      (this.yamlByDir.get(dir) ?? this.yamlByDir.set(dir, []).get(dir)!).push(path);
      for (let child = dir, parent: string; child !== '.'; child = parent) {
        parent = normalizeDir(posix.dirname(child));
        const set = this.subdirs.get(parent) ?? new Set();
        if (set.has(child)) break;
        set.add(child);
        this.subdirs.set(parent, set);
      }
    }
    for (const list of this.yamlByDir.values()) list.sort();
  }

  hasYamlFile(path: string): boolean {
    // Most paths asked about are written normalized: normalize only the others.
    return this.yamlFiles.has(path) || this.yamlFiles.has(posix.normalize(path));
  }

  hasDirectory(path: string): boolean {
    const dir = normalizeDir(path);
    return this.yamlByDir.has(dir) || this.subdirs.has(dir);
  }

  yamlFilesIn(dir: string): string[] {
    return this.yamlByDir.get(dir) ?? [];
  }

  subdirectoriesOf(dir: string): string[] {
    return [...(this.subdirs.get(dir) ?? [])].sort();
  }
}
