import { chartNameOf } from '../resources/helm-release.js';
import { hostMatches, ingressEntriesOf, INGRESS_KINDS, type IngressEntry } from '../resources/ingresses.js';
import type { ResourceIndex } from '../resources/index.js';
import { HELM_RELEASE } from '../resources/kinds.js';
import { describeResource, shapeAt, type Resource } from '../resources/resource.js';
import type { Substitution } from '../resources/substitution.js';
import { certainlyLacksKey, certainlyLacksText, getPath, isSwitchedOff, knownString, readsAsTrue, walkMappings } from '../resources/values.js';
import type { Path } from '../yaml/locate.js';
import { defineRule } from './types.js';

// Authentik names the Service of a managed outpost `ak-outpost-<outpost>`;
// self-deployed proxy outposts are usually called `authentik-proxy` or `*-outpost`.
const OUTPOST_SERVICE = /^ak-outpost-|outpost|^authentik-proxy/;
// The Authentik server (login host), deployed by the goauthentik chart as `<release>-server`.
const SERVER_SERVICE = /^authentik(-server)?$/;
const OUTPOST_IMAGE = /(^|\/)goauthentik\/proxy(:|@|$)/;
// Whole-host routes; forward-auth routes only /outpost.goauthentik.io to the outpost.
const WHOLE_HOST_PATHS = new Set([undefined, '', '/', '/*']);

interface Options {
  /** Domains the outpost owns whatever the repo shows: each covers itself and every host below it. */
  readonly domains: readonly string[];
  /** `namespace/name` (or `name`) of Ingresses and HelmReleases that are the outpost's own ingress. */
  readonly outpostIngresses: readonly string[];
}

export default defineRule<Options>({
  id: 'authentik-domain-ingress',
  description: 'No per-service Ingress may serve a host that the Authentik proxy outpost ingress owns',
  defaultSeverity: 'error',
  kinds: [...INGRESS_KINDS, HELM_RELEASE],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      domains: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description:
          'Domains that the Authentik proxy outpost owns, in addition to those read from its ingress: "apps.example.com" covers that host and every host below it.',
      },
      outpostIngresses: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description:
          'Ingresses (or HelmReleases with an ingress) that are the outpost\'s own, as "namespace/name" or "name", when their backend is not named like an outpost (ak-outpost-*).',
      },
    },
  },
  defaultOptions: { domains: [], outpostIngresses: [] },
  messages: {
    ownedByOutpost:
      '{{what}} serves "{{host}}", which the Authentik outpost ingress at {{outpost}} owns ({{pattern}}); a second Ingress for that host bypasses or breaks single sign-on (404/500). Remove this Ingress and serve "{{host}}" through the outpost, or switch this app to forward-auth.',
    configuredDomain:
      '{{what}} serves "{{host}}", on the domain {{domain}} that the configuration gives to the Authentik outpost; a second Ingress for that host bypasses or breaks single sign-on (404/500). Remove this Ingress and serve "{{host}}" through the outpost, or switch this app to forward-auth.',
  },
  check(resource, context) {
    const { options } = context;
    const protectedHosts = outpostHostsOf(context.index, options).filter((owned) => context.index.shareCluster(resource, owned.entry.resource));
    // Most repositories have no proxy outpost: then no release's values need reading.
    if (protectedHosts.length === 0 && options.domains.length === 0) return;
    const isOutpost = (entry: IngressEntry) => isOutpostIngress(entry, options, context.index);
    const own = ingressEntriesOf(resource).filter((entry) => !isOutpost(entry) && !isAuthentiksOwn(entry, context.index));
    for (const entry of own) {
      for (const { host, at } of entry.hosts) {
        if (host === undefined) continue;
        const what = describeResource(resource);
        const owner = protectedHosts.find((owned) => hostMatches(owned.pattern, host) && sameController(owned.entry, entry, context.index));
        if (owner) {
          context.report({
            messageId: 'ownedByOutpost',
            data: { what, host, outpost: context.locationOf(owner.entry.resource, owner.at), pattern: owner.pattern },
            at,
            related: [{ resource: owner.entry.resource, at: owner.at, message: 'Authentik outpost ingress for this host' }],
          });
          continue;
        }
        const domain = options.domains.find((candidate) => isOnDomain(host, candidate));
        if (domain) context.report({ messageId: 'configuredDomain', data: { what, host, domain }, at });
      }
    }
  },
});

interface OutpostHost {
  readonly pattern: string;
  readonly entry: IngressEntry;
  readonly at: Path;
}

// Every outpost host of a run, found once: each Ingress and HelmRelease asks
// for those of its clusters, and reading them per resource was quadratic.
function outpostHostsOf(index: ResourceIndex, options: Options): readonly OutpostHost[] {
  return index.derived(options, () =>
    index
      .ofType(...INGRESS_KINDS, HELM_RELEASE)
      .filter((resource) => mayBeOutpost(resource, options))
      .flatMap(ingressEntriesOf)
      .filter((entry) => isOutpostIngress(entry, options, index))
      .flatMap((entry) => entry.hosts.flatMap((host) => (host.host ? [{ pattern: host.host, entry, at: host.at }] : []))),
  );
}

/**
 * Whether a release's values may hold an outpost ingress (isOutpostIngress),
 * told from its text without reading the values: an outpost Service's name
 * or the proxy image, written or in the value of a variable Flux fills in
 * (a value unknown offline leaves the name unknown, never an outpost's). An
 * Ingress is read whole, which is cheap.
 */
function mayBeOutpost(resource: Resource, options: Options): boolean {
  if (resource.typeId !== HELM_RELEASE || options.outpostIngresses.length > 0) return true;
  if (['outpost', 'authentik-proxy', 'goauthentik/proxy'].some((text) => !certainlyLacksText(resource.written, text))) return true;
  return !certainlyLacksText(resource.written, '${') && resource.placements.some((placement) => placement.substitution !== undefined && mayFillInOutpost(placement.substitution));
}

// Asked for every release a Kustomization substitutes: answered once for each.
const fillsInOutpost = new WeakMap<Substitution, boolean>();

// `proxy` and `outpost` alone: a value may complete a name written around it (`goauthentik/${IMAGE}`).
function mayFillInOutpost(substitution: Substitution): boolean {
  let fills = fillsInOutpost.get(substitution);
  if (fills === undefined) {
    fills = [...substitution.variables.values()].some((value) => value !== null && (value.includes('outpost') || value.includes('proxy')));
    fillsInOutpost.set(substitution, fills);
  }
  return fills;
}

function isOnDomain(host: string, domain: string): boolean {
  const h = host.toLowerCase();
  const d = domain.toLowerCase().replace(/^\*?\./, '');
  return h === d || h.endsWith(`.${d}`);
}

/** An ingress that routes whole hosts to an Authentik outpost: proxy mode. */
function isOutpostIngress(entry: IngressEntry, options: Options, index: ResourceIndex): boolean {
  const { resource } = entry;
  const named = [resource.name, `${resource.namespace ?? ''}/${resource.name}`];
  if (options.outpostIngresses.some((id) => named.includes(id))) return true;
  return entry.hosts.some((host) =>
    host.routes.some((route) => WHOLE_HOST_PATHS.has(route.path) && (route.service ? OUTPOST_SERVICE.test(route.service) : deploysOutpost(resource, index))),
  );
}

// Asked for each ingress of a release, once for the release's own check and
// once for the run's outpost hosts: its values are walked once per run.
function deploysOutpost(resource: Resource, index: ResourceIndex): boolean {
  if (resource.typeId !== HELM_RELEASE) return false;
  const known = index.derived(deploysOutpost, () => new Map<Resource, boolean>());
  let runs = known.get(resource);
  if (runs === undefined) known.set(resource, (runs = runsOutpostImage(resource)));
  return runs;
}

/**
 * Authentik's own ingress: the server's (login host), or one whose routes
 * all go to Authentik, such as a forward-auth ingress of only
 * /outpost.goauthentik.io to the outpost on an app's host.
 */
function isAuthentiksOwn(entry: IngressEntry, index: ResourceIndex): boolean {
  const resource = entry.resource;
  if (resource.typeId === HELM_RELEASE && chartNameOf(resource, index) === 'authentik') return true;
  // In chart values a route without a named Service goes to the release's
  // own, which is an outpost when the release runs the proxy image.
  const goesToAuthentik = (service: string | undefined) =>
    service === undefined ? deploysOutpost(resource, index) : SERVER_SERVICE.test(service) || OUTPOST_SERVICE.test(service);
  const services = entry.hosts.flatMap((host) => host.routes.map((route) => route.service));
  return services.length > 0 && services.every(goesToAuthentik);
}

function runsOutpostImage(release: Resource): boolean {
  let found = false;
  // Only the images found are substituted (shapeAt).
  walkMappings(shapeAt(release, ['spec', 'values']), (mapping, path) => {
    if (!('image' in mapping)) return;
    const image = release.get(['spec', 'values', ...path, 'image']);
    const reference = typeof image === 'string' ? image : knownString(getPath(image, ['repository']));
    if (reference && OUTPOST_IMAGE.test(reference)) found = true;
  });
  return found;
}

// Two ingress controllers (say internal and external classes) do not share hosts.
function sameController(a: IngressEntry, b: IngressEntry, index: ResourceIndex): boolean {
  const classOfA = classOf(a, index);
  const classOfB = classOf(b, index);
  return classOfA === undefined || classOfB === undefined || classOfA === classOfB;
}

/**
 * An ingress's class; for one without, the default IngressClass of its
 * clusters, which the DefaultIngressClass admission plugin writes into it,
 * when the repository declares exactly one there (the same in each).
 */
function classOf(entry: IngressEntry, index: ResourceIndex): string | undefined {
  if (entry.className !== undefined) return entry.className;
  const defaults = defaultClasses(index);
  const names = new Set(entry.resource.placements.map(({ cluster }) => {
    const declared = cluster === undefined ? undefined : defaults.get(cluster);
    return declared?.size === 1 ? [...declared][0] : undefined;
  }));
  return names.size === 1 ? [...names][0] : undefined;
}

const INGRESS_CLASS = 'networking.k8s.io/IngressClass';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/**
 * The default IngressClasses declared in each cluster: IngressClass objects
 * annotated as the default, and the class an ingress-nginx release makes the
 * default (`controller.ingressClassResource.default`, named after
 * `controller.ingressClassResource.name`, `nginx` unless set).
 */
function defaultClasses(index: ResourceIndex): ReadonlyMap<string, ReadonlySet<string>> {
  return index.derived(defaultClasses, () => {
    const byCluster = new Map<string, Set<string>>();
    const add = (resource: Resource, name: string | undefined) => {
      if (name === undefined) return;
      for (const { cluster } of resource.placements) if (cluster !== undefined) (byCluster.get(cluster) ?? byCluster.set(cluster, new Set()).get(cluster)!).add(name);
    };
    for (const ingressClass of index.ofType(INGRESS_CLASS)) {
      if (readsAsTrue(ingressClass.get(['metadata', 'annotations', DEFAULT_CLASS_ANNOTATION]))) add(ingressClass, ingressClass.name);
    }
    for (const release of index.ofType(HELM_RELEASE)) {
      if (certainlyLacksKey(release.written, 'ingressClassResource') || chartNameOf(release, index) !== 'ingress-nginx') continue;
      const values = release.get(['spec', 'values']);
      const path = ['controller', 'ingressClassResource'];
      const resource = getPath(values, path);
      if (readsAsTrue(getPath(resource, ['default'])) && !isSwitchedOff(values, path)) add(release, knownString(getPath(resource, ['name']) ?? 'nginx'));
    }
    return byCluster;
  });
}
