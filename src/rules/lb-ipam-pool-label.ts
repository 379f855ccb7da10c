import { HELM_RELEASE } from '../resources/kinds.js';
import { describeResource, type Resource } from '../resources/resource.js';
import { isEmptySelector, labelsOf, matchesSelector, selectorKeys, type Labels } from '../resources/selectors.js';
import { isMapping, knownString, walkMappings } from '../resources/values.js';
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
  readonly labels: unknown;
  readonly annotations: unknown;
  readonly labelsAt: Path;
  readonly annotationsAt: Path;
  readonly typeAt: Path;
}

export default defineRule({
  id: 'lb-ipam-pool-label',
  description: 'LoadBalancer Services must carry the LB-IPAM pool key as a label that a CiliumLoadBalancerIPPool selects',
  defaultSeverity: 'error',
  kinds: ['Service', HELM_RELEASE],
  messages: {
    annotationOnly:
      '{{what}} sets {{key}} only as an annotation, but CiliumLoadBalancerIPPool "{{pool}}" selects on the label {{key}}; annotations are never matched, so it never gets an IP. Move {{key}} from annotations to labels.',
    noPoolMatches:
      '{{what}} is a LoadBalancer whose labels match no CiliumLoadBalancerIPPool serviceSelector ({{pools}}), so it never gets an IP. Add the label that one of these pools selects.',
  },
  check(resource, context) {
    const pools = context.index.neighbours(resource, POOL).filter((pool) => pool.get(['spec', 'disabled']) !== true);
    if (pools.length === 0) return;
    for (const service of loadBalancersIn(resource)) checkService(service, pools, context);
  },
});

function checkService(service: LoadBalancer, pools: readonly Resource[], context: RuleContext): void {
  const what = service.description;
  const labels = labelsOf(service.labels);
  const annotations = labelsOf(service.annotations);
  const key = DEFAULT_POOL_KEY;
  if (key in annotations && !(key in labels)) {
    const selecting = pools.find((pool) => selectorKeys(pool.get(['spec', 'serviceSelector'])).includes(key));
    if (selecting) {
      context.report({
        messageId: 'annotationOnly',
        data: { what, key, pool: selecting.name ?? '' },
        at: [...service.annotationsAt, key],
        span: 'key',
      });
      return;
    }
  }
  const selectors = pools.map((pool) => pool.get(['spec', 'serviceSelector']));
  // A pool without a selector serves every Service.
  if (selectors.some(isEmptySelector)) return;
  const withSynthetic = syntheticLabels(labels, service);
  if (selectors.some((selector) => matchesSelector(selector, withSynthetic) !== false)) return;
  const poolNames = pools.map((pool) => `"${pool.name ?? ''}"`).join(', ');
  const hasLabels = isMapping(service.labels);
  context.report({ messageId: 'noPoolMatches', data: { what, pools: poolNames }, at: hasLabels ? service.labelsAt : service.typeAt, span: hasLabels ? 'key' : 'value' });
}

// Pools may also select on the Service's name and namespace through these keys;
// when either is unknown the key is left as a substitution so matching says "unknown".
function syntheticLabels(labels: Labels, service: LoadBalancer): Labels {
  return {
    'io.kubernetes.service.name': service.name ?? '${unknown}',
    'io.kubernetes.service.namespace': service.namespace ?? '${unknown}',
    ...labels,
  };
}

function loadBalancersIn(resource: Resource): LoadBalancer[] {
  if (resource.typeId === 'Service') {
    if (!isLoadBalancer(resource.get(['spec']))) return [];
    return [
      {
        description: describeResource(resource),
        name: resource.name,
        namespace: resource.namespace,
        labels: resource.get(['metadata', 'labels']),
        annotations: resource.get(['metadata', 'annotations']),
        labelsAt: ['metadata', 'labels'],
        annotationsAt: ['metadata', 'annotations'],
        typeAt: ['spec', 'type'],
      },
    ];
  }
  // Chart values describe Services in many shapes (ingress-nginx
  // controller.service, Grafana service, app-template service.<name>); a
  // mapping with `type: LoadBalancer` beside labels or annotations is one.
  const found: LoadBalancer[] = [];
  walkMappings(resource.get(['spec', 'values']), (mapping, path) => {
    if (!isLoadBalancer(mapping) || !('labels' in mapping || 'annotations' in mapping)) return;
    const at = ['spec', 'values', ...path];
    found.push({
      description: `${describeResource(resource)} values.${path.join('.')}`,
      name: undefined,
      namespace: undefined,
      labels: mapping.labels,
      annotations: mapping.annotations,
      labelsAt: [...at, 'labels'],
      annotationsAt: [...at, 'annotations'],
      typeAt: [...at, 'type'],
    });
  });
  return found;
}

function isLoadBalancer(spec: unknown): boolean {
  if (!isMapping(spec) || spec.type !== 'LoadBalancer') return false;
  const lbClass = spec.loadBalancerClass;
  if (lbClass === undefined || lbClass === null) return true;
  const known = knownString(lbClass);
  return known !== undefined && CILIUM_CLASSES.has(known);
}
