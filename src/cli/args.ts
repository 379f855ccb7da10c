import { parseArgs } from 'node:util';
import { UsageError } from '../discovery/discover.js';
import { DEFAULT_CACHE_LOCATION } from '../project/cache.js';

export const DEFAULT_BASELINE = '.homeops-lint-baseline.json';

/** One output: a format, written to stdout or to a file. */
export interface OutputTarget {
  readonly format: string;
  readonly file: string | undefined;
}

export interface LintOptions {
  readonly paths: readonly string[];
  readonly outputs: readonly OutputTarget[];
  readonly repository: string | undefined;
  readonly diffBase: string | undefined;
  readonly color: boolean | undefined;
  readonly config: string | undefined;
  readonly allowJsConfig: boolean;
  readonly printConfig: boolean;
  readonly baseline: string | undefined;
  readonly writeBaseline: string | undefined;
  readonly pruneBaseline: boolean;
  readonly requireReason: boolean | undefined;
  readonly reportUnusedDisableDirectives: string | undefined;
  /** Cache directory with `--cache`, else `undefined`. */
  readonly cacheLocation: string | undefined;
  /** False with `--no-fast-compose`: every file is parsed by the `yaml` package. */
  readonly fastCompose: boolean;
}

export type Command =
  | { readonly name: 'help' }
  | { readonly name: 'version' }
  | { readonly name: 'rules' }
  | { readonly name: 'explain'; readonly ruleId: string }
  | { readonly name: 'graph'; readonly paths: readonly string[]; readonly json: boolean; readonly config: string | undefined; readonly allowJsConfig: boolean }
  | ({ readonly name: 'lint' } & LintOptions);

// Options whose value may be left out; the default is filled in before
// parseArgs (which has no optional values) sees them. A following word is
// their value only when it looks like one (a .json file), so
// `--baseline kubernetes/` still lints kubernetes/ against the default file.
const OPTIONAL_VALUES: Readonly<Record<string, { readonly fallback: string; readonly accepts: RegExp }>> = {
  '--baseline': { fallback: DEFAULT_BASELINE, accepts: /\.json$/i },
  '--write-baseline': { fallback: DEFAULT_BASELINE, accepts: /\.json$/i },
};

const SUBCOMMANDS = new Set(['rules', 'explain', 'graph']);

export function parseCommand(argv: readonly string[]): Command {
  const args = withOptionalValues(argv);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'f', multiple: true },
      output: { type: 'string', short: 'o' },
      repo: { type: 'string' },
      'diff-base': { type: 'string' },
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
      cache: { type: 'boolean', default: false },
      'cache-location': { type: 'string' },
      'no-fast-compose': { type: 'boolean', default: false },
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
    if (first === 'graph') {
      const format = values.format?.[0] ?? 'text';
      if (values.format && (values.format.length > 1 || !['text', 'json'].includes(format))) usage('"graph" prints --format text (the default) or json');
      return { name: 'graph', paths: rest, json: format === 'json', config: values.config, allowJsConfig: !values['no-js-config'] };
    }
    return rest.length === 1 ? { name: 'explain', ruleId: rest[0]! } : usage('usage: homeops-lint explain <rule-id>');
  }
  if (values.baseline !== undefined && values['write-baseline'] !== undefined) usage('--baseline and --write-baseline cannot be combined');
  if (values['report-unused-disable-directives'] && values['report-unused-disable-directives-severity'] !== undefined) {
    usage('--report-unused-disable-directives and --report-unused-disable-directives-severity cannot be combined');
  }
  const unusedSeverity = values['report-unused-disable-directives'] ? 'error' : values['report-unused-disable-directives-severity'];
  return {
    name: 'lint',
    paths: positionals,
    outputs: outputsOf(values.format ?? ['stylish'], values.output),
    repository: values.repo,
    diffBase: values['diff-base'],
    color: values['no-color'] ? false : values.color,
    config: values.config,
    allowJsConfig: !values['no-js-config'],
    printConfig: values['print-config'],
    baseline: values.baseline ?? (values['prune-baseline'] ? DEFAULT_BASELINE : undefined),
    writeBaseline: values['write-baseline'],
    pruneBaseline: values['prune-baseline'],
    requireReason: values['require-reason'],
    reportUnusedDisableDirectives: unusedSeverity,
    cacheLocation: values.cache || values['cache-location'] !== undefined ? (values['cache-location'] ?? DEFAULT_CACHE_LOCATION) : undefined,
    fastCompose: !values['no-fast-compose'],
  };
}

/**
 * `--format name` writes to stdout, `--format name=file` to a file; `-o file`
 * sends the one format without a file there instead. At most one format may
 * go to stdout.
 */
function outputsOf(formats: readonly string[], output: string | undefined): OutputTarget[] {
  const targets = formats.map((spec) => {
    const at = spec.indexOf('=');
    return at === -1 ? { format: spec, file: undefined } : { format: spec.slice(0, at), file: spec.slice(at + 1) || undefined };
  });
  const toStdout = targets.filter((target) => target.file === undefined);
  if (toStdout.length > 1) usage('only one --format can write to stdout; give the others a file: --format sarif=results.sarif');
  if (output === undefined) return targets;
  if (toStdout.length === 0) usage('--output needs a --format without "=file" to write');
  return targets.map((target) => (target.file === undefined ? { ...target, file: output } : target));
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
