import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { RuleConfig } from '../linter/linter.js';
import { ruleMetas, rules } from '../rules/registry.js';
import type { JsonSchema, Severity } from '../rules/types.js';
import { SEVERITY_NAMES, type SeverityName } from './schema.js';

/** A configuration with every value checked and every default filled in. */
export interface ResolvedConfig {
  readonly rules: Readonly<Record<string, Required<RuleConfig>>>;
  readonly ignores: readonly string[];
  readonly reportUnusedDisableDirectives: Severity | 'off';
  readonly requireReason: boolean;
}

/** A configuration that cannot be used; `problems` are `path: message` lines. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}

const TOP_LEVEL_KEYS = ['$schema', 'rules', 'ignores', 'reportUnusedDisableDirectives', 'requireReason'];

export function toSeverity(name: SeverityName): Severity | 'off' {
  return name === 'warn' ? 'warning' : name;
}

/**
 * Checks a configuration object and fills in defaults. The checks are
 * written out rather than left to one schema so that every problem reads as
 * `rules.pss-s6-overlay: must be one of off, warn, error`, never as a list of
 * failed `oneOf` branches.
 */
export async function resolveConfig(raw: unknown, source: string): Promise<ResolvedConfig> {
  const problems: string[] = [];
  const config = isObject(raw) ? raw : (problems.push('(root): must be an object'), {});
  for (const key of Object.keys(config)) {
    if (!TOP_LEVEL_KEYS.includes(key)) problems.push(`${key}: unknown property; expected one of ${TOP_LEVEL_KEYS.join(', ')}`);
  }
  const ruleEntries = config.rules === undefined ? {} : isObject(config.rules) ? config.rules : (problems.push('rules: must be an object'), {});
  const resolvedRules: Record<string, Required<RuleConfig>> = {};
  for (const meta of ruleMetas) {
    const rule = rules.find((candidate) => candidate.id === meta.id);
    resolvedRules[meta.id] = { severity: meta.defaultSeverity, options: rule?.defaultOptions ?? {} };
  }
  for (const [id, value] of Object.entries(ruleEntries)) {
    const meta = ruleMetas.find((candidate) => candidate.id === id);
    if (!meta) {
      problems.push(`rules.${id}: unknown rule; run "homeops-lint rules" to list them`);
      continue;
    }
    const rule = rules.find((candidate) => candidate.id === id);
    const [severity, options] = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && (value.length < 1 || value.length > 2)) {
      problems.push(`rules.${id}: must be a severity or [severity, options]`);
      continue;
    }
    const at = Array.isArray(value) ? `rules.${id}[0]` : `rules.${id}`;
    if (typeof severity !== 'string' || !(SEVERITY_NAMES as readonly string[]).includes(severity)) {
      problems.push(`${at}: must be one of ${SEVERITY_NAMES.join(', ')}`);
      continue;
    }
    const defaults = resolvedRules[id]!;
    if (options === undefined) {
      resolvedRules[id] = { ...defaults, severity: toSeverity(severity as SeverityName) };
      continue;
    }
    if (!rule?.optionsSchema) {
      problems.push(`rules.${id}[1]: this rule takes no options`);
      continue;
    }
    const optionProblems = await validateAgainst(rule.optionsSchema, options, `rules.${id}[1]`);
    problems.push(...optionProblems);
    if (optionProblems.length === 0) resolvedRules[id] = { severity: toSeverity(severity as SeverityName), options: { ...defaults.options, ...(options as object) } };
  }
  const ignores = config.ignores ?? [];
  if (!Array.isArray(ignores) || ignores.some((entry) => typeof entry !== 'string' || entry === '')) problems.push('ignores: must be an array of non-empty glob strings');
  const unused = config.reportUnusedDisableDirectives ?? 'warn';
  if (typeof unused !== 'string' || !(SEVERITY_NAMES as readonly string[]).includes(unused)) {
    problems.push(`reportUnusedDisableDirectives: must be one of ${SEVERITY_NAMES.join(', ')}`);
  }
  const requireReason = config.requireReason ?? false;
  if (typeof requireReason !== 'boolean') problems.push('requireReason: must be a boolean');
  if (config.$schema !== undefined && typeof config.$schema !== 'string') problems.push('$schema: must be a string');
  if (problems.length > 0) throw new ConfigError(source, problems);
  return {
    rules: resolvedRules,
    ignores: ignores as string[],
    reportUnusedDisableDirectives: toSeverity(unused as SeverityName),
    requireReason: requireReason as boolean,
  };
}

// Made on first use, and Ajv's module loaded only then: most runs give no
// rule options to validate, and loading it cost every run's start ~5 ms.
let ajv: Ajv2020 | undefined;
const compiled = new Map<JsonSchema, ValidateFunction>();

async function validateAgainst(schema: JsonSchema, value: unknown, at: string): Promise<string[]> {
  let validate = compiled.get(schema);
  if (!validate) {
    ajv ??= new (await import('ajv/dist/2020.js')).Ajv2020({ allErrors: true, strict: false });
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${at}${pathOf(error)}: ${messageOf(error)}`);
}

function pathOf(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  return segments.map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`)).join('');
}

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return 'unknown option';
  if (error.keyword === 'enum') return `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
  return error.message ?? 'is invalid';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
