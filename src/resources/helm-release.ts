import { appliedCluster, remoteCluster, type FluxKustomization } from './deployment.js';
import type { ResourceIndex } from './index.js';
import { dependencyReference, HELM_RELEASE, OCI_REPOSITORY } from './kinds.js';
import type { Placement, Resource } from './resource.js';
import { asArray, certainlyLacksKey, getPath, knownString } from './values.js';

/** The Helm release that helm-controller installs for one placement of a HelmRelease. */
export interface HelmReleaseInstall {
  /** spec.releaseName, else `<spec.targetNamespace>-<name>`, else the HelmRelease's name. */
  readonly name: string;
  /** Where the chart's objects go (`.Release.Namespace`): spec.targetNamespace, else the HelmRelease's namespace. */
  readonly namespace: string;
  /** Where the release is stored: spec.storageNamespace, else the HelmRelease's namespace. */
  readonly storage: string;
}

/** undefined when the placement's name or namespace, or a field that changes them, is not known offline. */
export function helmReleaseInstall(resource: Resource, placement: Placement): HelmReleaseInstall | undefined {
  const { namespace, name } = placement;
  if (namespace === undefined || name === undefined) return undefined;
  const written = (field: string) => {
    // Read only where the field may be written: a pre-commit run then decodes no other HelmRelease.
    const value = certainlyLacksKey(resource.written, field) ? undefined : resource.get(['spec', field]);
    return value === undefined || value === null || value === '' ? '' : knownString(value);
  };
  const releaseName = written('releaseName');
  const targetNamespace = written('targetNamespace');
  const storageNamespace = written('storageNamespace');
  if (releaseName === undefined || targetNamespace === undefined || storageNamespace === undefined) return undefined;
  return {
    name: releaseName || (targetNamespace ? `${targetNamespace}-${name}` : name),
    namespace: targetNamespace || namespace,
    storage: storageNamespace || namespace,
  };
}

/**
 * The cluster helm-controller installs this copy of a HelmRelease into, and
 * keeps its release in: the placement's, or with a `spec.kubeConfig` a
 * remote one. The applying Flux Kustomization's `spec.patches` may give it
 * one (a hub that installs into spoke clusters), which wins over one written.
 */
export function installCluster(resource: Resource, placement: Placement, index: ResourceIndex): string | undefined {
  const { cluster } = placement;
  if (cluster === undefined) return undefined;
  const patched = applyingKustomizations(index).get(`${cluster}\u0000${placement.fluxKustomization}`)?.helmReleaseRemote;
  const written = certainlyLacksKey(resource.written, 'kubeConfig') ? undefined : remoteCluster(resource.get(['spec', 'kubeConfig']), placement.namespace ?? '');
  return appliedCluster(cluster, patched ?? written);
}

/** A `spec.dependsOn` entry of a HelmRelease that names a HelmRelease, as one placement of the dependent reads it. */
export interface ReleaseDependency {
  /** The entry's index in `spec.dependsOn`. */
  readonly index: number;
  readonly name: string;
  /** The entry's namespace, else the dependent's (helm-controller's default); `undefined` when neither is known offline. */
  readonly namespace: string | undefined;
  /** The entry's own CEL readiness check, which replaces helm-controller's. */
  readonly readyExpr: boolean;
}

/**
 * The HelmReleases a HelmRelease waits for, as each placement reads its
 * `spec.dependsOn`; `undefined` for a release without one. Entries of
 * another kind, and names not known offline, are left out.
 */
export function releaseDependencies(release: Resource): ((placement: Placement) => readonly ReleaseDependency[]) | undefined {
  // Most releases have none: a cached one is not decoded to find out.
  if (certainlyLacksKey(release.written, 'dependsOn')) return undefined;
  // As written unless a variable is in it: reading a release as substituted decodes it.
  const written = getPath(release.written, ['spec', 'dependsOn']);
  if (written === undefined) return undefined;
  const substituted = JSON.stringify(written).includes('${');
  return (placement) =>
    asArray(substituted ? release.getAs(placement, ['spec', 'dependsOn']) : written).flatMap((entry, index) => {
      const reference = dependencyReference(entry, HELM_RELEASE);
      return reference === undefined ? [] : [{ index, name: reference.name, namespace: reference.namespace ?? placement.namespace, readyExpr: reference.readyExpr }];
    });
}

/**
 * Whether a Flux Kustomization of a cluster applies this copy of a
 * HelmRelease: then which releases wait for which is that cluster's. In a
 * repository (or a file) read as plain kustomize, that is a guess.
 */
export function appliedByFlux(placement: Placement): placement is Placement & { readonly cluster: string; readonly fluxKustomization: string } {
  return placement.cluster !== undefined && placement.fluxKustomization !== undefined;
}

// The Flux Kustomizations by the cluster they apply into and their id, once per run.
function applyingKustomizations(index: ResourceIndex): ReadonlyMap<string, FluxKustomization> {
  return index.derived(applyingKustomizations, () => {
    const byTarget = new Map<string, FluxKustomization>();
    for (const kustomization of index.deployment.fluxKustomizations) {
      for (const cluster of kustomization.clusters) byTarget.set(`${appliedCluster(cluster, kustomization.remote)}\u0000${kustomization.id}`, kustomization);
    }
    return byTarget;
  });
}

/**
 * A chart value as a chart that passes it through `tpl` renders it, where
 * the template reads only the release's name or namespace
 * (`"{{ .Release.Name }}.example.com"`, an app-template idiom); undefined
 * for any other template, which is not evaluated here.
 */
export function renderReleaseTemplate(text: string, release: HelmReleaseInstall | undefined): string | undefined {
  if (!text.includes('{{')) return text;
  if (release === undefined) return undefined;
  const rendered = text.replace(RELEASE_FIELD, (_, field: string) => (field === 'Name' ? release.name : release.namespace));
  return rendered.includes('{{') ? undefined : rendered;
}

// `{{ .Release.Name }}`, also as `{{.Release.Name}}`, `{{ $.Release.Name }}` and with trim markers.
const RELEASE_FIELD = /\{\{-?\s*\$?\.Release\.(Name|Namespace)\s*-?\}\}/g;

/**
 * The name of the chart a HelmRelease installs: `spec.chart.spec.chart`, or
 * for a `spec.chartRef` to an OCIRepository of its cluster, the last segment
 * of that repository's URL (`oci://ghcr.io/goauthentik/helm-charts/authentik`),
 * which need not be the OCIRepository's name; else the chartRef's name.
 */
export function chartNameOf(release: Resource, index: ResourceIndex): string | undefined {
  const chart = knownString(release.get(['spec', 'chart', 'spec', 'chart']));
  if (chart !== undefined) return chart;
  const name = knownString(release.get(['spec', 'chartRef', 'name']));
  if (name === undefined || release.get(['spec', 'chartRef', 'kind']) !== 'OCIRepository') return name;
  const namespace = knownString(release.get(['spec', 'chartRef', 'namespace'])) ?? release.namespace;
  const repository = index.neighbours(release, OCI_REPOSITORY).find((candidate) => candidate.name === name && candidate.namespace === namespace);
  const url = repository && knownString(repository.get(['spec', 'url']));
  return url?.replace(/\/+$/, '').split('/').at(-1) || name;
}
