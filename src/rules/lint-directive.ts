import { docsUrlOf, type RuleMeta } from './types.js';

/**
 * Problems with `# homeops-lint-...` comments themselves. The engine reports
 * these after applying the directives, so the rule has no `check`. Unused
 * directives take their severity from `reportUnusedDisableDirectives`.
 */
export const lintDirective: RuleMeta = {
  id: 'lint-directive',
  description: 'Disable directives must name known rules, give a reason when required, and suppress something',
  defaultSeverity: 'error',
  messages: {
    unknownRule: 'Unknown rule "{{ruleId}}" in {{directive}} directive; it suppresses nothing. Use an id from "homeops-lint rules".',
    missingReason: '{{directive}} directive has no reason; add one after "--", e.g. "-- waiting for upstream fix".',
    unused: 'Unused {{directive}} directive: {{what}}. Remove it.',
  },
  docsUrl: docsUrlOf('lint-directive'),
};
