import { isEmptySelector } from '../resources/selectors.js';
import { nameShown } from '../resources/resource.js';
import { asArray, getPath, isMapping, readsAsTrue } from '../resources/values.js';
import type { Path } from '../yaml/locate.js';
import { defineRule } from './types.js';

const PEERING_POLICY = 'cilium.io/CiliumBGPPeeringPolicy';
const ADVERTISEMENT = 'cilium.io/CiliumBGPAdvertisement';
const SELECT_ALL = "matchExpressions: [{key: somekey, operator: NotIn, values: ['never-used-value']}]";

export default defineRule({
  id: 'bgp-empty-service-selector',
  description: 'Cilium BGP virtual routers and Service advertisements must have a valid Service selector that selects something',
  defaultSeverity: 'error',
  kinds: [PEERING_POLICY, ADVERTISEMENT],
  messages: {
    routerMissing:
      'CiliumBGPPeeringPolicy "{{name}}" virtual router {{router}} has no serviceSelector, so it announces no Services (here an absent selector selects nothing). Select every Service with serviceSelector: {' +
      SELECT_ALL +
      '}, or select your pool labels.',
    routerEmpty:
      'CiliumBGPPeeringPolicy "{{name}}" virtual router {{router}} has an empty serviceSelector, so it announces no Services (here an empty selector selects nothing). Select every Service with ' +
      SELECT_ALL +
      ', or select your pool labels.',
    advertisementMissing:
      'CiliumBGPAdvertisement "{{name}}" advertises Services without a selector, so it advertises none. Add selector: {' +
      SELECT_ALL +
      '}, or select your pool labels.',
    labelNotString:
      '{{kind}} "{{name}}" has a matchLabels entry "{{key}}" whose value is {{shape}}, not a string; the API server refuses the object, and the Flux Kustomization that applies it fails. Quote the value, or write a match expression under matchExpressions (every Service: ' +
      SELECT_ALL +
      ').',
    emptyValues:
      '{{kind}} "{{name}}" has a {{operator}} selector expression with no values; Cilium rejects it ("values set can\'t be empty") and shuts the virtual router down. Give it a value, e.g. values: [\'never-used-value\'].',
  },
  check(resource, context) {
    const name = nameShown(resource);
    const checkExpressions = (selector: unknown, at: Path) => {
      const matchLabels = getPath(selector, ['matchLabels']);
      if (isMapping(matchLabels)) {
        for (const [key, value] of Object.entries(matchLabels)) {
          if (typeof value === 'string') continue;
          context.report({ messageId: 'labelNotString', data: { kind: resource.kind, name, key, shape: shapeOf(value) }, at: [...at, 'matchLabels', key], span: 'key' });
        }
      }
      asArray(getPath(selector, ['matchExpressions'])).forEach((expression, index) => {
        const operator = getPath(expression, ['operator']);
        // Only a list known to be empty: `values: ${VAR}` is filled in by Flux.
        const values = getPath(expression, ['values']);
        const none = values === undefined || values === null || (Array.isArray(values) && values.length === 0);
        if ((operator === 'In' || operator === 'NotIn') && none) {
          context.report({ messageId: 'emptyValues', data: { kind: resource.kind, name, operator }, at: [...at, 'matchExpressions', index, 'operator'], span: 'value' });
        }
      });
    };
    if (resource.typeId === ADVERTISEMENT) {
      asArray(resource.get(['spec', 'advertisements'])).forEach((advertisement, index) => {
        const at = ['spec', 'advertisements', index];
        if (!isMapping(advertisement)) return;
        checkExpressions(advertisement.selector, [...at, 'selector']);
        // Whether an explicit `selector: {}` selects all or nothing here is not
        // documented; only an absent (or null) selector is known to advertise nothing.
        if (advertisement.advertisementType === 'Service' && (advertisement.selector === undefined || advertisement.selector === null)) {
          context.report({ messageId: 'advertisementMissing', data: { name }, at: [...at, 'advertisementType'], span: 'value' });
        }
      });
      return;
    }
    asArray(resource.get(['spec', 'virtualRouters'])).forEach((router, index) => {
      if (!isMapping(router)) return;
      const at = ['spec', 'virtualRouters', index];
      checkExpressions(router.serviceSelector, [...at, 'serviceSelector']);
      checkExpressions(router.podIPPoolSelector, [...at, 'podIPPoolSelector']);
      if (!advertisesServices(router)) return;
      const data = { name, router: routerLabel(router, index) };
      if (router.serviceSelector === undefined) {
        // Cilium's own example policy: a router for pod CIDRs, Services announced otherwise (L2) or not at all.
        if (readsAsTrue(router.exportPodCIDR) && router.serviceAdvertisements === undefined) return;
        context.report({ messageId: 'routerMissing', data, at: [...at, 'localASN'], span: 'key' });
      } else if (isEmptySelector(router.serviceSelector)) {
        context.report({ messageId: 'routerEmpty', data, at: [...at, 'serviceSelector'], span: 'key' });
      }
    });
  },
});

// serviceAdvertisements defaults to [LoadBalancerIP]; only an explicit empty list turns it off.
function advertisesServices(router: Record<string, unknown>): boolean {
  const advertisements = router.serviceAdvertisements;
  return !Array.isArray(advertisements) || advertisements.length > 0;
}

/** How a label value that is not a string reads in a message. */
function shapeOf(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  return `${typeof value === 'number' ? 'the number' : 'the boolean'} ${String(value)}`;
}

function routerLabel(router: Record<string, unknown>, index: number): string {
  const asn = router.localASN;
  return typeof asn === 'number' || typeof asn === 'string' ? `#${index} (localASN ${asn})` : `#${index}`;
}
