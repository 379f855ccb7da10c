import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { BaselineError, createBaseline, matchBaseline, parseBaseline } from '../baseline/baseline.js';
import { loadConfig } from '../config/load.js';
import { SEVERITY_NAMES, type SeverityName } from '../config/schema.js';
import { ConfigError, toSeverity, type ResolvedConfig } from '../config/validate.js';
import { discoverFiles, toRelative, UsageError } from '../discovery/discover.js';
import { readInputFile } from '../discovery/read.js';
import { formatters } from '../formatters/index.js';
import type { Finding } from '../linter/finding.js';
import { lint, type InputFile } from '../linter/linter.js';
import { ruleMetas, rules } from '../rules/registry.js';
import { parseCommand, type LintOptions } from './args.js';

export interface CliIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal that understands colour. */
  readonly color?: boolean;
}

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const PACKAGE_ROOT = new URL('../../', import.meta.url);

const HELP = `Usage: homeops-lint [options] [path ...]
       homeops-lint rules
       homeops-lint explain <rule-id>

Lints the Kubernetes manifests of a Flux GitOps repository. Paths are
directories or files (default: the current directory).

Options:
  -f, --format <name>            Output format: ${Object.keys(formatters).join(', ')} (default: stylish)
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
    switch (command.name) {
      case 'help':
        return write(io.stdout, HELP, EXIT_CLEAN);
      case 'version':
        return write(io.stdout, `${packageVersion()}\n`, EXIT_CLEAN);
      case 'rules':
        return write(io.stdout, rulesTable(), EXIT_CLEAN);
      case 'explain':
        return write(io.stdout, explain(command.ruleId), EXIT_CLEAN);
      case 'lint':
        return await lintCommand(command, io);
    }
  } catch (error) {
    return reportFailure(error, io, debug);
  }
}

async function lintCommand(options: LintOptions, io: CliIo): Promise<number> {
  const formatter = formatters[options.format];
  if (!formatter) throw new UsageError(`unknown format "${options.format}"; expected one of: ${Object.keys(formatters).join(', ')}`);
  const unusedSeverity = options.reportUnusedDisableDirectives;
  if (unusedSeverity !== undefined && !(SEVERITY_NAMES as readonly string[]).includes(unusedSeverity)) {
    throw new UsageError(`--report-unused-disable-directives-severity must be one of ${SEVERITY_NAMES.join(', ')}`);
  }
  const { config, filepath } = await loadConfig({
    cwd: io.cwd,
    searchFrom: searchStart(options.paths, io.cwd),
    configFile: options.config,
    allowJs: options.allowJsConfig,
  });
  if (options.printConfig) return write(io.stdout, `${JSON.stringify(printableConfig(config, filepath, io.cwd), null, 2)}\n`, EXIT_CLEAN);

  const discovery = discoverFiles(options.paths, io.cwd);
  const ignored = ignoreMatcher(config.ignores, filepath ? dirname(filepath) : io.cwd, io.cwd);
  const files = discovery.files.filter((path) => !ignored(path)).map((path) => readInputFile(io.cwd, path));
  const result = lint({
    root: discovery.root,
    files,
    rules: config.rules,
    reportUnusedDisableDirectives: unusedSeverity === undefined ? config.reportUnusedDisableDirectives : toSeverity(unusedSeverity as SeverityName),
    requireReason: options.requireReason ?? config.requireReason,
  });

  if (options.writeBaseline !== undefined) {
    const target = resolve(io.cwd, options.writeBaseline);
    writeOutput(target, options.writeBaseline, `${JSON.stringify(createBaseline(result.findings), null, 2)}\n`);
    io.stderr(`homeops-lint: wrote ${result.findings.length} findings to ${toRelative(io.cwd, target)}\n`);
    return EXIT_CLEAN;
  }
  const findings = options.baseline === undefined ? result.findings : applyBaseline(result.findings, options, io);
  const texts = new Map(files.filter((file): file is Extract<InputFile, { text: string }> => 'text' in file).map((file) => [file.path, file.text]));
  io.stdout(formatter({ findings, fileCount: result.fileCount, sourceOf: (file) => texts.get(file), color: options.color ?? io.color ?? false }));
  return findings.some((finding) => finding.severity === 'error') ? EXIT_FINDINGS : EXIT_CLEAN;
}

function applyBaseline(findings: readonly Finding[], options: LintOptions, io: CliIo): Finding[] {
  const path = resolve(io.cwd, options.baseline!);
  if (!existsSync(path)) throw new UsageError(`baseline file not found: ${options.baseline}; create it with --write-baseline`);
  const { fresh, stale, pruned } = matchBaseline(findings, parseBaseline(readFileSync(path, 'utf8'), options.baseline!));
  if (options.pruneBaseline) {
    writeOutput(path, options.baseline!, `${JSON.stringify(pruned, null, 2)}\n`);
    if (stale.length > 0) io.stderr(`homeops-lint: removed ${stale.length} stale ${plural(stale.length, 'entry', 'entries')} from ${options.baseline}\n`);
  } else if (stale.length > 0) {
    const list = stale.map((entry) => `  ${entry.file}  ${entry.ruleId}  ${entry.resource ?? ''}  ${entry.message}`).join('\n');
    io.stderr(
      `homeops-lint: ${stale.length} baseline ${plural(stale.length, 'entry', 'entries')} no longer ${stale.length === 1 ? 'matches' : 'match'} a finding; run with --prune-baseline to remove ${stale.length === 1 ? 'it' : 'them'}:\n${list}\n`,
    );
  }
  return fresh;
}

function writeOutput(path: string, shown: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new UsageError(`cannot write ${shown}: ${code ?? ''}${code ? ': ' : ''}${message.replace(/^\w+: /, '')}`);
  }
}

/** The configuration is searched from the first path given (its directory when it is a file). */
function searchStart(paths: readonly string[], cwd: string): string {
  const first = paths[0];
  if (first === undefined) return cwd;
  const absolute = resolve(cwd, first);
  try {
    return statSync(absolute).isDirectory() ? absolute : dirname(absolute);
  } catch {
    return cwd;
  }
}

/** `ignores` globs are relative to the configuration file's directory. */
function ignoreMatcher(globs: readonly string[], base: string, cwd: string): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const matches = picomatch([...globs], { dot: true });
  return (path) => {
    const fromBase = relative(base, resolve(cwd, path)).split(sep).join('/');
    return !fromBase.startsWith('../') && matches(fromBase);
  };
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

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string };
  return manifest.version;
}
