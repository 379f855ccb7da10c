import { isEmptySelector } from '../resources/selectors.js';
import { asArray, isMapping } from '../resources/values.js';
import { defineRule } from './types.js';

const PEERING_POLICY = 'cilium.io/CiliumBGPPeeringPolicy';
const ADVERTISEMENT = 'cilium.io/CiliumBGPAdvertisement';
const SELECT_ALL = "matchExpressions: [{key: somekey, operator: NotIn, values: ['never-used-value']}]";

export default defineRule({
  id: 'bgp-empty-service-selector',
  description: 'Cilium BGP virtual routers and Service advertisements must have a serviceSelector that selects something',
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
  },
  check(resource, context) {
    const name = resource.name ?? '(unnamed)';
    if (resource.typeId === ADVERTISEMENT) {
      asArray(resource.get(['spec', 'advertisements'])).forEach((advertisement, index) => {
        // Whether an explicit `selector: {}` selects all or nothing here is not
        // documented; only an absent selector is known to advertise nothing.
        if (isMapping(advertisement) && advertisement.advertisementType === 'Service' && advertisement.selector === undefined) {
          context.report({ messageId: 'advertisementMissing', data: { name }, at: ['spec', 'advertisements', index, 'advertisementType'], span: 'value' });
        }
      });
      return;
    }
    asArray(resource.get(['spec', 'virtualRouters'])).forEach((router, index) => {
      if (!isMapping(router) || !advertisesServices(router)) return;
      const at = ['spec', 'virtualRouters', index];
      const data = { name, router: routerLabel(router, index) };
      if (router.serviceSelector === undefined) {
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

function routerLabel(router: Record<string, unknown>, index: number): string {
  const asn = router.localASN;
  return typeof asn === 'number' || typeof asn === 'string' ? `#${index} (localASN ${asn})` : `#${index}`;
}
