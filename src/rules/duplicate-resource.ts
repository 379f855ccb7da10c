import { otherCopies } from '../resources/duplicates.js';
import { HELM_RELEASE } from '../resources/kinds.js';
import { COPY_CONSEQUENCE, reportCopies } from './report-copies.js';
import { ALL_KINDS, defineRule } from './types.js';

// HelmReleases have their own rule (duplicate-helmrelease) and its options.
const OWN_RULE_KINDS = new Set([HELM_RELEASE]);

export default defineRule({
  id: 'duplicate-resource',
  description: 'An object (kind, namespace, name) must be deployed once per cluster',
  defaultSeverity: 'error',
  kinds: [ALL_KINDS],
  messages: {
    duplicate: `{{kind}} "{{namespace}}{{name}}" is also deployed by {{others}}; ${COPY_CONSEQUENCE}`,
    appliedTwice: `{{kind}} "{{namespace}}{{name}}" is applied more than once in cluster "{{cluster}}", by Flux Kustomizations {{kustomizations}}; ${COPY_CONSEQUENCE}`,
  },
  check(resource, context) {
    if (OWN_RULE_KINDS.has(resource.typeId)) return;
    reportCopies(resource, otherCopies(context.index, resource), context);
  },
});
