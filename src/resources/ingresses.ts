import { helmReleaseInstall, renderReleaseTemplate } from './helm-release.js';
import { HELM_RELEASE } from './kinds.js';
import { shapeAt, type Resource } from './resource.js';
import { asArray, certainlyLacksKey, getPath, isMapping, knownString, readsAsTrue, walkMappings, isSwitchedOff, type Mapping } from './values.js';
import type { Path } from '../yaml/locate.js';

/** One host an ingress serves, with where it is written. */
export interface IngressHost {
  /** The host, or `undefined` when it holds a Flux substitution or a Helm template other than the release's name or namespace. */
  readonly host: string | undefined;
  readonly at: Path;
  /** Request paths routed for this host and the Service names they go to (`undefined` when not named). */
  readonly routes: readonly { readonly path: string | undefined; readonly service: string | undefined }[];
}

/** An ingress as a raw `Ingress` or as an `ingress:` block of HelmRelease values. */
export interface IngressEntry {
  readonly resource: Resource;
  readonly at: Path;
  readonly className: string | undefined;
  readonly hosts: readonly IngressHost[];
}

export const INGRESS_KINDS = ['networking.k8s.io/Ingress', 'extensions/Ingress'];

export function ingressEntriesOf(resource: Resource): readonly IngressEntry[] {
  let entries = entriesByResource.get(resource);
  if (entries === undefined) {
    entries = readIngressEntries(resource);
    entriesByResource.set(resource, entries);
  }
  return entries;
}

// Read once per resource: a rule asks for a resource's own entries and for every neighbour's.
const entriesByResource = new WeakMap<Resource, readonly IngressEntry[]>();

function readIngressEntries(resource: Resource): IngressEntry[] {
  if (resource.typeId === HELM_RELEASE) return valuesIngresses(resource);
  if (!INGRESS_KINDS.includes(resource.typeId)) return [];
  const hosts = asArray(resource.get(['spec', 'rules'])).map((rule, index) => ({
    host: knownString(getPath(rule, ['host'])),
    at: ['spec', 'rules', index, 'host'],
    routes: asArray(getPath(rule, ['http', 'paths'])).map((route) => ({
      path: knownString(getPath(route, ['path'])),
      service: knownString(getPath(route, ['backend', 'service', 'name']) ?? getPath(route, ['backend', 'serviceName'])),
    })),
  }));
  return [{ resource, at: ['spec'], className: classOf(resource.get(['metadata', 'annotations']), resource.get(['spec', 'ingressClassName'])), hosts }];
}

// The deprecated annotation still names the class, ahead of the field: the
// Ingress API says it takes precedence, and ingress-nginx reads it.
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

function classOf(annotations: unknown, field: unknown): string | undefined {
  const annotated = getPath(annotations, [CLASS_ANNOTATION]);
  return knownString(annotated === undefined ? field : annotated);
}

// Charts spell an ingress many ways: `ingress: {hosts: [a.example.com]}`,
// `hosts: [{host, paths}]`, bitnami's `hostname`, Longhorn's `ingress:
// {host}`, and app-template's named `ingress: {main: {hosts: [...]}}`. Any
// mapping under an `ingress` key that has hosts is one, unless it says
// `enabled: false`.
function valuesIngresses(resource: Resource): IngressEntry[] {
  // Most releases have none (Gateway API routes, or no web UI): their values are not read.
  if (certainlyLacksKey(resource.written, 'ingress')) return [];
  const entries: IngressEntry[] = [];
  // Only the ingresses found are substituted (shapeAt).
  const values = shapeAt(resource, ['spec', 'values']);
  // Charts pass hosts through `tpl` (app-template, bitnami): `{{ .Release.Name }}.example.com`.
  const placement = resource.placements[0];
  const release = placement && helmReleaseInstall(resource, placement);
  walkMappings(values, (mapping, path) => {
    // `tls: [{hosts: [...]}]` under an ingress names certificates, not routes.
    if (!path.includes('ingress') || path.includes('tls') || !hasHosts(mapping, path)) return;
    if (isSwitchedOff(values, path)) return;
    // A chart's own `ingress:` block renders only when enabled (Helm's chart
    // scaffold, bitnami, Grafana, kube-prometheus-stack default it off);
    // app-template's named ingresses (`ingress.<name>`) are on unless switched off.
    if (path.at(-1) === 'ingress' && !readsAsTrue(mapping.enabled)) return;
    const at = ['spec', 'values', ...path];
    const ingress = resource.get(at) as Mapping;
    const hosts = hostsOf(ingress, at).map((entry) => ({ ...entry, host: entry.host === undefined ? undefined : renderReleaseTemplate(entry.host, release) }));
    entries.push({ resource, at, className: classOf(ingress.annotations, ingress.className ?? ingress.ingressClassName), hosts });
  });
  return entries;
}

function hasHosts(mapping: Mapping, path: readonly (string | number)[]): boolean {
  // `host` only on the `ingress` mapping itself: below it, `hosts: [{host}]` entries are part of one.
  return Array.isArray(mapping.hosts) || typeof mapping.hostname === 'string' || (typeof mapping.host === 'string' && path.at(-1) === 'ingress');
}

function hostsOf(mapping: Mapping, at: Path): IngressHost[] {
  const single = typeof mapping.hostname === 'string' ? 'hostname' : Array.isArray(mapping.hosts) ? undefined : 'host';
  if (single !== undefined) {
    return [{ host: knownString(mapping[single]), at: [...at, single], routes: [{ path: knownString(mapping.path) ?? '/', service: undefined }] }];
  }
  return asArray(mapping.hosts).map((entry, index) => {
    if (!isMapping(entry)) return { host: knownString(entry), at: [...at, 'hosts', index], routes: [{ path: '/', service: undefined }] };
    const paths = asArray(entry.paths);
    return {
      host: knownString(entry.host),
      at: [...at, 'hosts', index, 'host'],
      routes: paths.length === 0 ? [{ path: '/', service: undefined }] : paths.map(routeOf),
    };
  });
}

function routeOf(route: unknown): { path: string | undefined; service: string | undefined } {
  if (typeof route === 'string') return { path: knownString(route), service: undefined };
  const service = getPath(route, ['service']);
  return {
    path: knownString(getPath(route, ['path'])),
    service: knownString(isMapping(service) ? service.name : getPath(route, ['backend', 'service', 'name'])),
  };
}

/** Whether `host` is `pattern`, or lies under a `*.domain` wildcard pattern. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (!p.startsWith('*.')) return p === h;
  const domain = p.slice(2);
  const prefix = h.endsWith(`.${domain}`) ? h.slice(0, -domain.length - 1) : undefined;
  // A Kubernetes wildcard covers exactly one DNS label.
  return prefix !== undefined && prefix.length > 0 && !prefix.includes('.');
}
