import type { Placement, Resource } from './resource.js';
import { certainlyLacksKey, knownString } from './values.js';

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
