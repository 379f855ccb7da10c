import { HELM_RELEASE } from '../resources/kinds.js';
import { describeResource, nameShown, type Placement, type Resource } from '../resources/resource.js';
import { isEmptySelector, labelsOf, matchesSelector, selectorKeys, UNKNOWN_LABEL_VALUE, type Labels } from '../resources/selectors.js';
import { certainlyLacksText, isMapping, isSwitchedOff, knownString, keysMayBeSubstituted, readsAsTrue, walkMappings, writtenJson, type Mapping } from '../resources/values.js';
import type { Path } from '../yaml/locate.js';
import { defineRule, type RuleContext } from './types.js';

const POOL = 'cilium.io/CiliumLoadBalancerIPPool';
/** A community convention, not an upstream Cilium key: it works only as a label. */
export const DEFAULT_POOL_KEY = 'io.cilium/lb-ipam-pool';
// LB-IPAM serves Services without a class or with one of Cilium's own.
const CILIUM_CLASSES = new Set(['io.cilium/bgp-control-plane', 'io.cilium/l2-announcer']);

/** A LoadBalancer Service, raw or described inside HelmRelease values. */
interface LoadBalancer {
  /** How messages name it: `Service "ns/name"`, or the values path inside its HelmRelease. */
  readonly description: string;
  readonly name: string | undefined;
  readonly namespace: string | undefined;
  /** Its labels: those written, and those kustomize or Flux set over them. */
  readonly labels: Labels;
  /** False when a chart, kustomize or Flux may set labels beyond these. */
  readonly labelsComplete: boolean;
  /** Whether labels are written (where a finding about them points). */
  readonly labelsWritten: boolean;
  readonly annotations: unknown;
  readonly labelsAt: Path;
  readonly annotationsAt: Path;
  readonly typeAt: Path;
}

interface Options {
  readonly poolKey: string;
}

export default defineRule<Options>({
  id: 'lb-ipam-pool-label',
  description: 'LoadBalancer Services must carry the LB-IPAM pool key as a label that a CiliumLoadBalancerIPPool selects',
  defaultSeverity: 'error',
  kinds: ['Service', HELM_RELEASE],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      poolKey: {
        type: 'string',
        minLength: 1,
        description: `Label key that CiliumLoadBalancerIPPool serviceSelectors use to pick a pool (default ${DEFAULT_POOL_KEY}).`,
      },
    },
  },
  defaultOptions: { poolKey: DEFAULT_POOL_KEY },
  messages: {
    annotationOnly:
      '{{what}} sets {{key}} only as an annotation, but CiliumLoadBalancerIPPool "{{pool}}" selects on the label {{key}}; annotations are never matched, so no pool gives it an IP. Move {{key}} from annotations to labels.',
    annotationOnlyOtherPool:
      '{{what}} sets {{key}} only as an annotation, but CiliumLoadBalancerIPPool "{{pool}}" selects on the label {{key}}; annotations are never matched, so it gets its IP from "{{fallback}}" instead. Move {{key}} from annotations to labels.',
    annotationOnlyNoPoolOfValue:
      '{{what}} sets {{key}}: "{{value}}" only as an annotation, which no pool reads; the CiliumLoadBalancerIPPools select on the label {{key}} ({{pools}}), and none on "{{value}}", so {{outcome}}. Set the label {{key}} to a value one of these pools selects.',
    noPoolMatches:
      '{{what}} is a LoadBalancer whose labels match no CiliumLoadBalancerIPPool serviceSelector ({{pools}}), so it never gets an IP. Add the label that one of these pools selects.',
  },
  check(resource, context) {
    const pools = context.index.neighbours(resource, POOL).filter((pool) => !isDisabled(pool));
    if (pools.length === 0) return;
    // Each copy against the pools of its own cluster, read as its Flux
    // Kustomization applies it (one base that two clusters apply, each with
    // its own values); the first copy that gets no address is reported.
    for (const placement of resource.placements) {
      if (placement.cluster === undefined) continue;
      const inCluster = pools.filter((pool) => pool.placements.some((p) => p.cluster === placement.cluster));
      if (inCluster.length === 0) continue;
      const problems = loadBalancersIn(resource, placement).flatMap((service) => problemOf(service, inCluster, context.options.poolKey) ?? []);
      for (const problem of problems) context.report(problem);
      if (problems.length > 0) return;
    }
  },
});

type Report = Parameters<RuleContext<Options>['report']>[0];

function problemOf(service: LoadBalancer, pools: readonly Resource[], key: string): Report | undefined {
  const labels = syntheticLabels(service.labels, service);
  const annotations = labelsOf(service.annotations);
  const selectorOf = (pool: Resource) => pool.get(['spec', 'serviceSelector']);
  // A pool without a selector serves every Service.
  const selects = (pool: Resource, candidate: Labels) =>
    isEmptySelector(selectorOf(pool)) || matchesSelector(selectorOf(pool), candidate, service.labelsComplete);
  const wanted = annotations[key];
  if (wanted !== undefined && !(key in labels)) {
    const keyed = pools.filter((pool) => selectorKeys(selectorOf(pool)).includes(key));
    const intended = keyed.find((pool) => selects(pool, { ...labels, [key]: wanted }) !== false);
    // A pool that serves the Service without the label too (no selector on
    // that key, or `NotIn` other pools' values) gives it the address it names:
    // the annotation does nothing, and costs nothing either.
    if ((intended ?? keyed[0]) && selects(intended ?? keyed[0]!, labels) !== true) {
      const fallback = pools.find((pool) => selects(pool, labels) === true);
      const at = [...service.annotationsAt, key];
      if (intended === undefined) {
        // Named after no pool (a typo, a pool renamed): as a label it would not do either.
        const outcome = fallback ? `it gets its IP from "${nameShown(fallback)}"` : 'no pool gives it an IP';
        const names = keyed.map((pool) => `"${nameShown(pool)}"`).join(', ');
        return { messageId: 'annotationOnlyNoPoolOfValue', data: { what: service.description, key, value: wanted, pools: names, outcome }, at, span: 'key' };
      }
      return {
        messageId: fallback ? 'annotationOnlyOtherPool' : 'annotationOnly',
        data: { what: service.description, key, pool: nameShown(intended), fallback: fallback ? nameShown(fallback) : '' },
        at,
        span: 'key',
      };
    }
  }
  if (pools.some((pool) => selects(pool, labels) !== false)) return undefined;
  const poolNames = pools.map((pool) => `"${nameShown(pool)}"`).join(', ');
  return {
    messageId: 'noPoolMatches',
    data: { what: service.description, pools: poolNames },
    at: service.labelsWritten ? service.labelsAt : service.typeAt,
    span: service.labelsWritten ? 'key' : 'value',
  };
}

// Pools may also select on the Service's name and namespace through these keys;
// when either is unknown the key is left as a substitution so matching says "unknown".
function syntheticLabels(labels: Labels, service: LoadBalancer): Labels {
  return {
    'io.kubernetes.service.name': service.name ?? UNKNOWN_LABEL_VALUE,
    'io.kubernetes.service.namespace': service.namespace ?? UNKNOWN_LABEL_VALUE,
    ...labels,
  };
}

/** The LoadBalancer Services of one copy of the resource, read as its placement applies them. */
function loadBalancersIn(resource: Resource, placement: Placement): LoadBalancer[] {
  const read = (path: readonly (string | number)[]) => resource.getAs(placement, path);
  const description = describeResource({ kind: resource.kind, name: resource.name, namespace: placement.namespace, written: resource.written });
  if (resource.typeId === 'Service') {
    if (!isLoadBalancer(read(['spec']))) return [];
    const written = read(['metadata', 'labels']);
    return [
      {
        description,
        // The name it is applied under: a kustomize or Flux namePrefix/nameSuffix renames it.
        name: placement.name,
        namespace: placement.namespace,
        // What kustomize and Flux set over the labels written (Flux's own two marks, commonMetadata).
        labels: { ...labelsOf(written), ...placement.addedLabels.known },
        labelsComplete: !placement.addedLabels.more,
        labelsWritten: isMapping(written),
        annotations: read(['metadata', 'annotations']),
        labelsAt: ['metadata', 'labels'],
        annotationsAt: ['metadata', 'annotations'],
        typeAt: ['spec', 'type'],
      },
    ];
  }
  // Chart values describe Services in many shapes (ingress-nginx
  // controller.service, Grafana service, app-template service.<name>); a
  // mapping with `type: LoadBalancer` beside labels, annotations or ports is
  // one. Charts add labels of their own, so the labels written are not all.
  // Most releases have none: their values are not substituted and walked
  // again (nor decoded from the cache, when no text could make one).
  if (certainlyLacksText(resource.written, 'LoadBalancer') && certainlyLacksText(resource.written, '${')) return [];
  if (!mayHoldLoadBalancer(resource.written)) return [];
  const found: LoadBalancer[] = [];
  const values = read(['spec', 'values']);
  walkMappings(values, (mapping, path) => {
    if (!isLoadBalancer(mapping) || isSwitchedOff(values, path) || isExternalSwitchedOff(mapping)) return;
    if (!('labels' in mapping || 'annotations' in mapping || 'ports' in mapping)) return;
    const at = ['spec', 'values', ...path];
    found.push({
      description: `${description} values.${path.join('.')}`,
      name: undefined,
      namespace: undefined,
      labels: labelsOf(mapping.labels),
      labelsComplete: false,
      labelsWritten: isMapping(mapping.labels),
      annotations: mapping.annotations,
      labelsAt: [...at, 'labels'],
      annotationsAt: [...at, 'annotations'],
      typeAt: [...at, 'type'],
    });
  });
  return found;
}

/**
 * Whether substituting a document (as written) may give a mapping with
 * `type: LoadBalancer`: one has that type, or a type that holds a `${`, or a
 * key holds one (which may become `type`, or `values`). Substitution changes
 * only strings that hold `${`, so anything else stays as written. A cached
 * document's JSON tells without decoding it: most releases of a repository
 * that substitutes its domain hold a `${`, and none of these.
 */
function mayHoldLoadBalancer(document: Mapping): boolean {
  const json = writtenJson(document);
  if (json !== undefined) return json.includes('LoadBalancer') || TYPE_WITH_VARIABLE.test(json) || keysMayBeSubstituted(document);
  let may = false;
  walkMappings(document, (mapping) => {
    if (may) return;
    const { type } = mapping;
    may = type === 'LoadBalancer' || (typeof type === 'string' && type.includes('${')) || Object.keys(mapping).some((key) => key.includes('${'));
  });
  return may;
}

// In JSON text, where a `"` inside a string is always escaped: an entry
// `type` whose string holds `${`.
const TYPE_WITH_VARIABLE = /"type":"(?:[^"\\]|\\.)*\$\{/;

/**
 * ingress-nginx renders its main Service only while
 * `controller.service.external.enabled` is not false (an internal-only
 * deployment); the `internal` Service is described in a mapping of its own.
 */
function isExternalSwitchedOff(service: Mapping): boolean {
  return isMapping(service.external) && service.external.enabled === false;
}

/**
 * A pool that allocates nothing: `spec.disabled: true`, or a string that
 * YAML reads as true, which is what Flux's substitution of `${VAR}` makes of
 * `disabled: ${VAR}` (a quoted one the API server refuses: no pool either).
 */
function isDisabled(pool: Resource): boolean {
  return readsAsTrue(pool.get(['spec', 'disabled']));
}

function isLoadBalancer(spec: unknown): boolean {
  if (!isMapping(spec) || spec.type !== 'LoadBalancer') return false;
  const lbClass = spec.loadBalancerClass;
  if (lbClass === undefined || lbClass === null) return true;
  const known = knownString(lbClass);
  return known !== undefined && CILIUM_CLASSES.has(known);
}
