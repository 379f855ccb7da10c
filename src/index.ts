export { lint, type InputFile, type LintInput, type LintResult } from './linter/linter.js';
export type { Finding, RelatedLocation, ResourceIdentity } from './linter/finding.js';
export { rules, ruleMetas } from './rules/registry.js';
export { run } from './cli/main.js';
