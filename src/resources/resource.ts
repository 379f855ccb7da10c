import type { SourceFile } from '../yaml/source.js';
import type { AddedLabels } from './deployment.js';
import { SubstitutedValue, substitutionDisabled, type Substitution } from './substitution.js';
import { typeIdOf } from './kinds.js';
import { getPath, isMapping, keysMayBeSubstituted, knownString, type Mapping } from './values.js';

/**
 * Where one copy of a resource ends up. A file shared by two clusters, or
 * deployed by two Flux Kustomizations, has one placement for each.
 */
export interface Placement {
  /** The cluster's id; `undefined` when the repo deploys with Flux and no cluster reaches the file. */
  readonly cluster: string | undefined;
  /** Effective namespace of this copy; `undefined` for cluster-scoped or unknown. */
  readonly namespace: string | undefined;
  /** `namespace/name` of the Flux Kustomization that applies this copy, if any. */
  readonly fluxKustomization: string | undefined;
  /**
   * Name of this copy: metadata.name, except for a Namespace object, which the
   * kustomize namespace transformer renames; `undefined` when unknown.
   */
  readonly name: string | undefined;
  /** Labels kustomize and Flux set on this copy (`commonLabels`, `labels`, `commonMetadata`, Flux's own), and whether others may be set (a patch). */
  readonly addedLabels: AddedLabels;
  /** What the applying Flux Kustomization substitutes; `undefined` when it has no postBuild. */
  readonly substitution: Substitution | undefined;
}

/** A Kubernetes object read from one YAML document. */
export interface Resource {
  readonly apiVersion: string;
  readonly kind: string;
  /** `group/Kind`, or `Kind` for the core group. */
  readonly typeId: string;
  /** metadata.name; for a Namespace object, the name kustomize gives it in its first placement. */
  readonly name: string | undefined;
  readonly file: SourceFile;
  /** Which document of `file` (its `documents[documentIndex]`) this is. */
  readonly documentIndex: number;
  /** The document composed to plain values, after the first placement's Flux substitutions. */
  readonly value: Mapping;
  /** The document composed to plain values, as written. */
  readonly written: Mapping;
  /** Effective namespace of the first placement (see `placements`). */
  readonly namespace: string | undefined;
  readonly placements: readonly Placement[];
  get(path: readonly (string | number)[]): unknown;
  /** What is at `path` as `placement`'s Flux Kustomization applies the object (its substitution); `get` reads the first placement's. */
  getAs(placement: Placement, path: readonly (string | number)[]): unknown;
}

/** A Kubernetes object before the deployment model has placed it. */
export interface RawResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly typeId: string;
  readonly name: string | undefined;
  readonly file: SourceFile;
  readonly documentIndex: number;
  readonly value: Mapping;
}

/** The Kubernetes object in a composed document, or `undefined` for any other YAML. */
export function toRawResource(file: SourceFile, documentIndex: number, value: unknown): RawResource | undefined {
  const type = objectTypeOf(value, file.path);
  if (type === undefined) return undefined;
  const { apiVersion, kind } = type;
  return {
    apiVersion,
    kind,
    typeId: typeIdOf(apiVersion, kind),
    name: knownString(getPath(value, ['metadata', 'name'])),
    file,
    documentIndex,
    value: value as Mapping,
  };
}

/** The apiVersion and kind of a document in the file at `path` that is a Kubernetes object; `undefined` for other YAML. */
export function objectTypeOf(value: unknown, path: string): { readonly apiVersion: string; readonly kind: string } | undefined {
  if (!isMapping(value)) return undefined;
  const { apiVersion, kind } = value.apiVersion === undefined && value.kind === undefined && isKustomizationFile(path) ? KUSTOMIZATION_CONFIG : value;
  return typeof apiVersion === 'string' && typeof kind === 'string' && isKubernetesApiVersion(apiVersion) && kind !== '' ? { apiVersion, kind } : undefined;
}

// `group/version`, or `v1` for the core group: the only version without a
// group. Talos machine configuration documents (`apiVersion: v1alpha1`,
// `kind: VolumeConfig`) look like objects but are not Kubernetes API objects.
function isKubernetesApiVersion(apiVersion: string): boolean {
  return apiVersion === 'v1' || /^[^/\s]+\/[^/\s]+$/.test(apiVersion);
}

// kustomize reads kustomization.yaml without apiVersion and kind; rules about
// it (missing entries) need it as a resource all the same.
const KUSTOMIZATION_CONFIG = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };

/** The names kustomize looks for in a directory, in its order. */
export const KUSTOMIZATION_FILE_NAMES: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Whether kustomize reads the file at `path` as a directory's kustomization. */
export function isKustomizationFile(path: string): boolean {
  return KUSTOMIZATION_FILE_NAMES.includes(path.slice(path.lastIndexOf('/') + 1));
}

export function placeResource(raw: RawResource, placements: readonly Placement[]): Resource {
  return new PlacedResource(raw, placements);
}

// A class, not an object literal with getters: a run places every object of
// the repository, and V8 builds such literals on its slow path (~5 µs each).
class PlacedResource implements Resource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly typeId: string;
  readonly name: string | undefined;
  readonly file: SourceFile;
  readonly documentIndex: number;
  readonly written: Mapping;
  readonly namespace: string | undefined;
  readonly placements: readonly Placement[];
  private readonly substituted: SubstitutedValue | undefined;
  // Made when a rule reads a copy other than the first: most objects are placed once.
  private substitutedAs: Map<Substitution, SubstitutedValue> | undefined;

  constructor(raw: RawResource, placements: readonly Placement[]) {
    this.apiVersion = raw.apiVersion;
    this.kind = raw.kind;
    this.typeId = raw.typeId;
    this.file = raw.file;
    this.documentIndex = raw.documentIndex;
    this.written = raw.value;
    this.placements = placements;
    this.name = raw.typeId === 'Namespace' && placements.length > 0 ? placements[0]!.name : raw.name;
    this.namespace = placements[0]?.namespace;
    // Rules see the values Flux applies: `${VAR}` replaced where the first
    // placement's Flux Kustomization defines VAR (or a default); unknown values
    // stay `${...}`, which rules treat as unknown.
    const substitution = placements[0]?.substitution;
    this.substituted = substitution && raw.file.mentionsVariables && !substitutionDisabled(raw.value) ? new SubstitutedValue(raw.value, substitution) : undefined;
  }

  get value(): Mapping {
    return this.substituted ? this.substituted.value : this.written;
  }

  get(path: readonly (string | number)[]): unknown {
    return this.substituted ? this.substituted.at(path) : getPath(this.written, path);
  }

  getAs(placement: Placement, path: readonly (string | number)[]): unknown {
    const { substitution } = placement;
    if (substitution === this.placements[0]?.substitution) return this.get(path);
    if (!substitution || !this.file.mentionsVariables || substitutionDisabled(this.written)) return getPath(this.written, path);
    this.substitutedAs ??= new Map();
    let substituted = this.substitutedAs.get(substitution);
    if (!substituted) this.substitutedAs.set(substitution, (substituted = new SubstitutedValue(this.written, substitution)));
    return substituted.at(path);
  }
}

/**
 * What is at `path` in the resource, for a walk that finds where to look and
 * reads what it finds with `resource.get`: as written where no key holds
 * `${` (Flux's substitution then changes strings only, so the written value
 * has the substituted one's shape), else as substituted. Substituting a
 * whole values tree to look at a few of its fields was most of what reading
 * a release cost.
 */
export function shapeAt(resource: Resource, path: readonly (string | number)[]): unknown {
  return keysMayBeSubstituted(resource.written) ? resource.get(path) : getPath(resource.written, path);
}

/** A key for one document of a file: maps of what a document defines are kept by it. */
export function documentKey(file: string, documentIndex: number): string {
  return `${file}\u0000${documentIndex}`;
}

export function describeResource(resource: Pick<Resource, 'kind' | 'name' | 'namespace' | 'written'>): string {
  const name = nameShown(resource);
  return resource.namespace ? `${resource.kind} "${resource.namespace}/${name}"` : `${resource.kind} "${name}"`;
}

/**
 * An object's name for a message. A name holding a variable (`gatus-${APP}`)
 * is no name the index can compare, so `name` leaves it out; a message shows
 * it as written.
 */
export function nameShown(resource: Pick<Resource, 'name' | 'written'>): string {
  if (resource.name !== undefined) return resource.name;
  const written = getPath(resource.written, ['metadata', 'name']);
  return typeof written === 'string' ? written : '(unnamed)';
}
