import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BaselineError } from '../baseline/baseline.js';
import { SEVERITY_NAMES, type SeverityName } from '../config/schema.js';
import type { ModuleImporter } from '../config/load.js';
import { ConfigError, toSeverity, type ResolvedConfig } from '../config/validate.js';
import { toRelative, UsageError } from '../discovery/discover.js';
import { formatters } from '../formatters/index.js';
import { formatGraphText } from '../formatters/graph.js';
import { lintProject, loadProjectConfig, loadProjectGraph, writeBaseline, writeOutput, type ProjectOptions } from '../project/lint-project.js';
import { ruleMetas, rules } from '../rules/registry.js';
import { parseCommand, type LintOptions } from './args.js';

export interface CliIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal that understands colour. */
  readonly color?: boolean;
  /** Told which command the arguments name, once they parse (the bin keeps V8's code cache after a lint). */
  readonly commandStarted?: (name: string) => void;
  /** Imports JavaScript configurations; the bin passes its own import() (see ModuleImporter). */
  readonly importModule?: ModuleImporter;
  /**
   * Names the code that runs (the bin passes the bundle's content hash): two
   * builds of one package version, from different commits, keep their cached
   * findings apart.
   */
  readonly buildId?: string;
}

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const PACKAGE_ROOT = new URL('../../', import.meta.url);

const HELP = `Usage: homeops-lint [options] [path ...]
       homeops-lint rules
       homeops-lint explain <rule-id>
       homeops-lint graph [--format json] [path]

Lints the Kubernetes manifests of a Flux GitOps repository. Paths are
directories or files (default: the current directory).

Options:
  -f, --format <name>[=<file>]   Output format: ${Object.keys(formatters).join(', ')} (default: stylish);
                                 repeat it to write several, each extra one to a file
  -o, --output <file>            Write the format that would go to stdout to this file
      --diff-base <ref>          Report only findings new since the merge base with <ref>
      --repo <dir>               Lint the whole repository at <dir>, report only the given paths
                                 (for pre-commit, which passes the changed files;
                                 every path when none is given)
  -c, --config <file>            Use this configuration file instead of searching for one
      --no-js-config             Refuse JavaScript configuration files (for untrusted pull requests)
      --print-config             Print the resolved configuration for the path and exit
      --baseline [file.json]     Report only findings not recorded in the baseline
                                 (default file: .homeops-lint-baseline.json)
      --write-baseline [file.json]
                                 Record today's findings as the baseline and exit 0
      --prune-baseline           Remove baseline entries that no longer match a finding
      --require-reason           Disable directives must give a reason after "--"
      --report-unused-disable-directives
                                 Report disable directives that suppress nothing as errors
      --report-unused-disable-directives-severity <off|warn|error>
                                 Severity for those (default: warn)
      --cache                    Keep results in a cache and reuse them for files that did not change
      --cache-location <dir>     Where (default: node_modules/.cache/homeops-lint); implies --cache
      --no-fast-compose          Parse every file with the yaml package (slower; the same findings)
      --no-color                 Never colour the output
      --debug                    Print stack traces of internal errors
  -h, --help                     Show this help
  -v, --version                  Show the version

Exit codes: 0 no errors, 1 error-level findings, 2 usage, configuration or internal error.
`;

/** Runs the command line; returns the exit code instead of exiting, so tests can call it. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const command = parseCommand(argv);
    io.commandStarted?.(command.name);
    switch (command.name) {
      case 'help':
        return write(io.stdout, HELP, EXIT_CLEAN);
      case 'version':
        return write(io.stdout, `${packageVersion()}\n`, EXIT_CLEAN);
      case 'rules':
        return write(io.stdout, rulesTable(), EXIT_CLEAN);
      case 'explain':
        return write(io.stdout, explain(command.ruleId), EXIT_CLEAN);
      case 'graph': {
        const view = await loadProjectGraph({ cwd: io.cwd, paths: command.paths, configFile: command.config, allowJsConfig: command.allowJsConfig, importModule: io.importModule });
        return write(io.stdout, command.json ? `${JSON.stringify(view)}\n` : formatGraphText(view), EXIT_CLEAN);
      }
      case 'lint':
        return await lintCommand(command, io);
    }
  } catch (error) {
    return reportFailure(error, io, debug);
  }
}

async function lintCommand(options: LintOptions, io: CliIo): Promise<number> {
  for (const { format } of options.outputs) {
    if (!formatters[format]) throw new UsageError(`unknown format "${format}"; expected one of: ${Object.keys(formatters).join(', ')}`);
  }
  const unusedSeverity = options.reportUnusedDisableDirectives;
  if (unusedSeverity !== undefined && !(SEVERITY_NAMES as readonly string[]).includes(unusedSeverity)) {
    throw new UsageError(`--report-unused-disable-directives-severity must be one of ${SEVERITY_NAMES.join(', ')}`);
  }
  const project: ProjectOptions = {
    cwd: io.cwd,
    paths: options.paths,
    repository: options.repository,
    configFile: options.config,
    allowJsConfig: options.allowJsConfig,
    importModule: io.importModule,
    diffBase: options.diffBase,
    requireReason: options.requireReason,
    reportUnusedDisableDirectives: unusedSeverity === undefined ? undefined : toSeverity(unusedSeverity as SeverityName),
    cache: options.cacheLocation === undefined ? undefined : { location: options.cacheLocation, version: cacheVersion(io) },
    fastCompose: options.fastCompose,
  };
  if (options.printConfig) {
    const { config, configPath } = await loadProjectConfig(project);
    return write(io.stdout, `${JSON.stringify(printableConfig(config, configPath, io.cwd), null, 2)}\n`, EXIT_CLEAN);
  }
  if (options.writeBaseline !== undefined) {
    const { findings } = await lintProject(project);
    writeBaseline(findings, options.writeBaseline, io.cwd);
    io.stderr(`homeops-lint: wrote ${findings.length} findings to ${options.writeBaseline}\n`);
    return EXIT_CLEAN;
  }
  const result = await lintProject({ ...project, baseline: options.baseline, pruneBaseline: options.pruneBaseline });
  for (const note of result.notes) io.stderr(`homeops-lint: ${note}\n`);
  for (const output of options.outputs) {
    const text = formatters[output.format]!({
      findings: result.findings,
      fileCount: result.fileCount,
      sourceOf: result.sourceOf,
      color: output.file === undefined && (options.color ?? io.color ?? false),
    });
    if (output.file === undefined) io.stdout(text);
    else writeOutput(resolve(io.cwd, output.file), output.file, text);
  }
  return result.findings.some((finding) => finding.severity === 'error') ? EXIT_FINDINGS : EXIT_CLEAN;
}

function printableConfig(config: ResolvedConfig, filepath: string | undefined, cwd: string) {
  const name = (severity: string) => (severity === 'warning' ? 'warn' : severity);
  return {
    filepath: filepath === undefined ? null : toRelative(cwd, filepath),
    rules: Object.fromEntries(
      Object.entries(config.rules).map(([id, rule]) => [id, Object.keys(rule.options).length > 0 ? [name(rule.severity), rule.options] : name(rule.severity)]),
    ),
    ignores: config.ignores,
    reportUnusedDisableDirectives: name(config.reportUnusedDisableDirectives),
    requireReason: config.requireReason,
  };
}

function rulesTable(): string {
  const rows = ruleMetas.map((meta) => {
    const kinds = rules.find((rule) => rule.id === meta.id)?.kinds.join(', ') || '(every file)';
    return [meta.id, meta.defaultSeverity === 'warning' ? 'warn' : meta.defaultSeverity, kinds, meta.description];
  });
  const header = ['RULE', 'DEFAULT', 'KINDS', 'DESCRIPTION'];
  const widths = header.slice(0, 3).map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

function explain(ruleId: string): string {
  if (!ruleMetas.some((meta) => meta.id === ruleId)) throw new UsageError(`unknown rule "${ruleId}"; run "homeops-lint rules" to list them`);
  return readFileSync(new URL(`docs/rules/${ruleId}.md`, PACKAGE_ROOT), 'utf8');
}

function reportFailure(error: unknown, io: CliIo, debug: boolean): number {
  const known = error instanceof UsageError || error instanceof ConfigError || error instanceof BaselineError || isParseArgsError(error);
  const message = error instanceof Error ? error.message : String(error);
  const detail = debug && error instanceof Error && error.stack ? `\n${error.stack}` : known ? '' : ' (run with --debug for details)';
  io.stderr(`homeops-lint: ${known ? '' : 'internal error: '}${message}${detail}\n`);
  return EXIT_ERROR;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function write(stream: (text: string) => void, text: string, code: number): number {
  stream(text);
  return code;
}

// What the cache keeps depends on the code that runs, which a bundle's id
// names; package.json is read only without one (lib/, tests): reading it on
// every run cost a pre-commit run 1-2 ms.
function cacheVersion(io: CliIo): string {
  return io.buildId === undefined ? packageVersion() : `build ${io.buildId}`;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string };
  return manifest.version;
}
