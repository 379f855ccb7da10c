import { parseArgs } from 'node:util';
import { UsageError } from '../discovery/discover.js';

export const DEFAULT_BASELINE = '.homeops-lint-baseline.json';

export interface LintOptions {
  readonly paths: readonly string[];
  readonly format: string;
  readonly color: boolean | undefined;
  readonly config: string | undefined;
  readonly allowJsConfig: boolean;
  readonly printConfig: boolean;
  readonly baseline: string | undefined;
  readonly writeBaseline: string | undefined;
  readonly pruneBaseline: boolean;
  readonly requireReason: boolean | undefined;
  readonly reportUnusedDisableDirectives: string | undefined;
}

export type Command =
  | { readonly name: 'help' }
  | { readonly name: 'version' }
  | { readonly name: 'rules' }
  | { readonly name: 'explain'; readonly ruleId: string }
  | ({ readonly name: 'lint' } & LintOptions);

// Options whose value may be left out; the default is filled in before
// parseArgs (which has no optional values) sees them. A following word is
// their value only when it looks like one (a .json file), so
// `--baseline kubernetes/` still lints kubernetes/ against the default file.
const OPTIONAL_VALUES: Readonly<Record<string, { readonly fallback: string; readonly accepts: RegExp }>> = {
  '--baseline': { fallback: DEFAULT_BASELINE, accepts: /\.json$/i },
  '--write-baseline': { fallback: DEFAULT_BASELINE, accepts: /\.json$/i },
};

const SUBCOMMANDS = new Set(['rules', 'explain']);

export function parseCommand(argv: readonly string[]): Command {
  const args = withOptionalValues(argv);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'f', default: 'stylish' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean', default: false },
      config: { type: 'string', short: 'c' },
      'no-js-config': { type: 'boolean', default: false },
      'print-config': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'write-baseline': { type: 'string' },
      'prune-baseline': { type: 'boolean', default: false },
      'require-reason': { type: 'boolean' },
      'report-unused-disable-directives': { type: 'boolean', default: false },
      'report-unused-disable-directives-severity': { type: 'string' },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  if (values.help) return { name: 'help' };
  if (values.version) return { name: 'version' };
  const [first, ...rest] = positionals;
  if (first !== undefined && SUBCOMMANDS.has(first)) {
    if (first === 'rules') return rest.length === 0 ? { name: 'rules' } : usage('"rules" takes no arguments');
    return rest.length === 1 ? { name: 'explain', ruleId: rest[0]! } : usage('usage: homeops-lint explain <rule-id>');
  }
  if (values.baseline !== undefined && values['write-baseline'] !== undefined) usage('--baseline and --write-baseline cannot be combined');
  const unusedSeverity = values['report-unused-disable-directives'] ? 'error' : values['report-unused-disable-directives-severity'];
  return {
    name: 'lint',
    paths: positionals,
    format: values.format,
    color: values['no-color'] ? false : values.color,
    config: values.config,
    allowJsConfig: !values['no-js-config'],
    printConfig: values['print-config'],
    baseline: values.baseline ?? (values['prune-baseline'] ? DEFAULT_BASELINE : undefined),
    writeBaseline: values['write-baseline'],
    pruneBaseline: values['prune-baseline'],
    requireReason: values['require-reason'],
    reportUnusedDisableDirectives: unusedSeverity,
  };
}

function withOptionalValues(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    args.push(arg);
    const optional = OPTIONAL_VALUES[arg];
    if (!optional) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('-') && optional.accepts.test(next)) {
      args.push(next);
      i++;
    } else {
      args.push(optional.fallback);
    }
  }
  return args;
}

function usage(message: string): never {
  throw new UsageError(message);
}
