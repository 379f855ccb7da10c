import { ruleMetas, rules } from '../rules/registry.js';
import type { JsonSchema } from '../rules/types.js';

export const SEVERITY_NAMES = ['off', 'warn', 'error'] as const;
export type SeverityName = (typeof SEVERITY_NAMES)[number];

export const CONFIG_SCHEMA_ID = 'https://github.com/homeops-lint/homeops-lint/blob/main/schemas/config.schema.json';

/**
 * The JSON Schema of the configuration file, built from the rules'
 * metadata so that it cannot drift from them. `schemas/config.schema.json`
 * ships this (a test fails when the file is stale); editors use it through
 * yaml-language-server for completion and hover text.
 */
export function buildConfigSchema(): JsonSchema {
  const severity = { type: 'string', enum: [...SEVERITY_NAMES], description: 'off, warn (report, exit 0) or error (report, exit 1).' };
  const ruleProperties = Object.fromEntries(
    ruleMetas.map((meta) => {
      const rule = rules.find((candidate) => candidate.id === meta.id);
      const description = `${meta.description}. Default: ${meta.defaultSeverity === 'warning' ? 'warn' : meta.defaultSeverity}. ${meta.docsUrl}`;
      const withOptions = rule?.optionsSchema
        ? [{ type: 'array', prefixItems: [severity, rule.optionsSchema], minItems: 1, maxItems: 2, items: false, description: '[severity, options]' }]
        : [];
      return [meta.id, { description, oneOf: [severity, ...withOptions] }];
    }),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: CONFIG_SCHEMA_ID,
    title: 'homeops-lint configuration',
    description: 'Configuration of homeops-lint, the policy linter for Flux GitOps repositories.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'The schema of this file, for editors.' },
      rules: {
        type: 'object',
        description: 'Severity of each rule ("off", "warn", "error"), or [severity, options] for rules that take options.',
        additionalProperties: false,
        properties: ruleProperties,
      },
      ignores: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Glob patterns (relative to the configuration file) of files not to lint, e.g. "**/_archive/**".',
      },
      reportUnusedDisableDirectives: {
        ...severity,
        description: 'Severity of disable directives that suppress nothing (default: warn).',
      },
      requireReason: {
        type: 'boolean',
        description: 'Whether a disable directive must give a reason after "--" (default: false).',
      },
    },
  };
}
