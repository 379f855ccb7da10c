import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { EOL } from 'node:os';
import { dirname, extname, resolve } from 'node:path';
import * as core from '@actions/core';
import { BaselineError } from '../baseline/baseline.js';
import { ConfigError } from '../config/validate.js';
import { UsageError } from '../discovery/discover.js';
import { formatters } from '../formatters/index.js';
import { createSarif } from '../formatters/sarif.js';
import { summarize, type Formatter } from '../formatters/types.js';
import type { Finding } from '../linter/finding.js';
import { lintProject, writeOutput, type ProjectResult } from '../project/lint-project.js';
import { ruleMetas } from '../rules/registry.js';

/**
 * The package version, put in by scripts/build-action.mjs: the bundle runs from
 * the action's checkout, where no package.json sits where the formatters look.
 */
declare const __HOMEOPS_LINT_VERSION__: string | undefined;
const VERSION = typeof __HOMEOPS_LINT_VERSION__ === 'string' ? __HOMEOPS_LINT_VERSION__ : '0.0.0-development';

const FAIL_ON = ['error', 'warn', 'never'] as const;
type FailOn = (typeof FAIL_ON)[number];

/** Events whose checkout is a pull request's code: its configuration must not run code. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']);
const JS_CONFIG_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

/** Job summaries are limited to 1 MiB; past this many rows the annotations and SARIF carry the rest. */
const MAX_SUMMARY_ROWS = 500;

/** Every format reads the version from the build, never from a package.json at run time. */
const outputFormats: Readonly<Record<string, Formatter>> = { ...formatters, sarif: createSarif(VERSION) };

interface ActionInputs {
  readonly paths: readonly string[];
  readonly config: string | undefined;
  readonly format: string | undefined;
  readonly sarifFile: string | undefined;
  readonly failOn: FailOn;
  readonly diffBase: string | undefined;
  readonly baseline: string | undefined;
}

/** Runs the action; the step fails through `core.setFailed`, which sets the exit code. */
async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const cwd = process.env.GITHUB_WORKSPACE || process.cwd();
    const event = process.env.GITHUB_EVENT_NAME ?? '';
    const allowJsConfig = !PULL_REQUEST_EVENTS.has(event);
    if (!allowJsConfig && inputs.config !== undefined && JS_CONFIG_EXTENSIONS.has(extname(inputs.config))) {
      throw new UsageError(
        `refusing the JavaScript configuration ${inputs.config} on a ${event} event: a pull request must not run code through the configuration; use a YAML or JSON configuration`,
      );
    }
    const result = await lintProject({
      cwd,
      paths: inputs.paths,
      configFile: inputs.config,
      allowJsConfig,
      baseline: inputs.baseline,
      diffBase: inputs.diffBase,
    });
    report(result, inputs, cwd);
    await writeSummary(result);
    const { errors, warnings } = summarize(result.findings);
    core.setOutput('errors', errors);
    core.setOutput('warnings', warnings);
    const failure = failureMessage(errors, warnings, inputs.failOn);
    if (failure !== undefined) core.setFailed(failure);
  } catch (error) {
    fail(error);
  }
}

function readInputs(): ActionInputs {
  const failOn = core.getInput('fail-on') || 'error';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`fail-on must be one of ${FAIL_ON.join(', ')}; got "${failOn}"`);
  const format = optional('format');
  if (format !== undefined && !formatters[format]) {
    throw new UsageError(`unknown format "${format}"; expected one of: ${Object.keys(formatters).join(', ')}`);
  }
  const paths = core.getInput('path').split(/\s+/).filter((path) => path !== '');
  return {
    paths: paths.length > 0 ? paths : ['.'],
    config: optional('config'),
    format,
    sarifFile: optional('sarif-file'),
    failOn: failOn as FailOn,
    diffBase: optional('diff-base'),
    baseline: optional('baseline'),
  };
}

function optional(name: string): string | undefined {
  return core.getInput(name) || undefined;
}

/** Annotations, the extra log format, the SARIF file and notes. */
function report(result: ProjectResult, inputs: ActionInputs, cwd: string): void {
  for (const finding of result.findings) annotate(finding);
  const formatInput = { findings: result.findings, fileCount: result.fileCount, sourceOf: result.sourceOf, color: false };
  if (inputs.format !== undefined) logUntrusted(`homeops-lint --format ${inputs.format}`, outputFormats[inputs.format]!(formatInput));
  if (inputs.sarifFile !== undefined) {
    const path = resolve(cwd, inputs.sarifFile);
    mkdirSync(dirname(path), { recursive: true });
    writeOutput(path, inputs.sarifFile, outputFormats.sarif!(formatInput));
  }
  if (result.notes.length > 0) logUntrusted('homeops-lint notes', result.notes.join('\n'));
  const { errors, warnings } = summarize(result.findings);
  core.info(`homeops-lint: ${counted(errors, 'error')}, ${counted(warnings, 'warning')} in ${counted(result.fileCount, 'file')}`);
}

/** @actions/core escapes the message and every property, so text from a manifest cannot start a command. */
function annotate(finding: Finding): void {
  const properties: core.AnnotationProperties = {
    title: finding.ruleId,
    file: finding.file,
    startLine: finding.line,
    startColumn: finding.column,
    endLine: finding.endLine,
    endColumn: finding.endColumn,
  };
  if (finding.severity === 'error') core.error(finding.message, properties);
  else core.warning(finding.message, properties);
}

/**
 * Text that quotes manifests, written to the log with workflow commands
 * stopped: a line of it that starts with `::` is printed, not run.
 */
function logUntrusted(title: string, text: string): void {
  const token = randomUUID();
  core.startGroup(title);
  process.stdout.write(`::stop-commands::${token}${EOL}`);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  process.stdout.write(`::${token}::${EOL}`);
  core.endGroup();
}

async function writeSummary(result: ProjectResult): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const { findings, fileCount } = result;
  const { errors, warnings } = summarize(findings);
  const summary = core.summary
    .addHeading('homeops-lint', 2)
    .addRaw(`<p>${counted(errors, 'error')}, ${counted(warnings, 'warning')} in ${counted(fileCount, 'file')}.</p>`, true);
  if (findings.length > 0) {
    const header = ['Location', 'Severity', 'Rule', 'Message'].map((data) => ({ data, header: true }));
    summary.addTable([header, ...findings.slice(0, MAX_SUMMARY_ROWS).map(summaryRow)]);
    if (findings.length > MAX_SUMMARY_ROWS) {
      summary.addRaw(`<p>${findings.length - MAX_SUMMARY_ROWS} more findings are in the annotations and the SARIF file.</p>`, true);
    }
  }
  await summary.write();
}

const DOCS = new Map(ruleMetas.map((meta) => [meta.id, meta.docsUrl]));

/** core.summary.addTable puts cells into HTML as they are, so every value from a manifest is escaped here. */
function summaryRow(finding: Finding): string[] {
  const docs = DOCS.get(finding.ruleId);
  const rule = escapeHtml(finding.ruleId);
  return [
    `<code>${escapeHtml(`${finding.file}:${finding.line}:${finding.column}`)}</code>`,
    finding.severity,
    docs === undefined ? rule : `<a href="${escapeHtml(docs)}">${rule}</a>`,
    escapeHtml(finding.message),
  ];
}

/**
 * HTML text and attribute values. Line breaks become `<br>` so the table stays
 * one line: a blank line would end the HTML block and let the rest be read as
 * Markdown.
 */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\r\n|\r|\n/g, '<br>');
}

function failureMessage(errors: number, warnings: number, failOn: FailOn): string | undefined {
  if (failOn === 'error' && errors > 0) return `homeops-lint found ${counted(errors, 'error')}`;
  if (failOn === 'warn' && errors + warnings > 0) return `homeops-lint found ${counted(errors, 'error')} and ${counted(warnings, 'warning')}`;
  return undefined;
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function fail(error: unknown): void {
  const known = error instanceof UsageError || error instanceof ConfigError || error instanceof BaselineError;
  const message = error instanceof Error ? error.message : String(error);
  if (!known && error instanceof Error && error.stack) core.debug(error.stack);
  core.setFailed(`homeops-lint: ${known ? '' : 'internal error: '}${message}`);
}

await run();
