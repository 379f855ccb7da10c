import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from './helpers/cli.js';
import { git, tempTree, writeTree } from './helpers/temp-repo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMMITTED_BUNDLE = join(ROOT, 'dist/index.js');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };
const ACTION = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }>; runs: { using: string; main: string } };

const backup = (name: string) => `apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: ${name}\nspec:\n  cluster: {name: pg}\n  immediate: true\n`;
const immediate = (name: string) =>
  `Backup "${name}" sets spec.immediate, a field that Backup does not have; server-side apply rejects it and fails the whole Flux Kustomization. Remove spec.immediate (a Backup always starts at once; only ScheduledBackup has immediate).`;
/** A disable directive that suppresses nothing: a warning (lint-directive) at 4:3-4:73. */
const UNUSED_DIRECTIVE = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  # homeops-lint-disable-next-line cnpg-backup-immediate -- nothing here\n  name: settings\n';
const UNUSED_MESSAGE = 'Unused homeops-lint-disable-next-line directive: no "cnpg-backup-immediate" finding to suppress. Remove it.';
const DOCS = 'https://github.com/homeops-lint/homeops-lint/blob/main/docs/rules/';

/** A manifest whose name tries every way out of a workflow command and out of the summary's HTML. */
const EVIL_NAME = 'evil\n::warning file=x::injected 100%25 done, title=x <script>alert(1)</script>';
const EVIL_FILES = {
  'db/we,ird:na%me.yaml': backup(JSON.stringify(EVIL_NAME)),
  'db/new\nline.yaml': backup('nl'),
};

let bundle: string;
let actionCheckout: string;

// The runner runs dist/index.js from the action's checkout, which has no
// node_modules and no package.json where the sources would look for one. The
// copy gets only a package.json saying .js files are ES modules, as the
// repository's does.
beforeAll(() => {
  actionCheckout = mkdtempSync(join(tmpdir(), 'homeops-lint-action-'));
  mkdirSync(join(actionCheckout, 'dist'));
  bundle = join(actionCheckout, ACTION.runs.main);
  copyFileSync(COMMITTED_BUNDLE, bundle);
  writeFileSync(join(actionCheckout, 'package.json'), '{ "type": "module" }\n');
});

afterAll(() => rmSync(actionCheckout, { recursive: true, force: true }));

interface ActionRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Lines the runner would read as workflow commands. */
  readonly commands: readonly string[];
  readonly summary: string;
  readonly outputs: string;
}

/**
 * Runs the bundle as the runner does: every input from action.yml as
 * `INPUT_<NAME>` (upper-cased, hyphens kept), defaults filled in, the
 * workspace as the working directory, and the runner's files for the summary
 * and the outputs.
 */
function runAction(workspace: string, inputs: Record<string, string> = {}, event = 'push'): ActionRun {
  const runner = tempTree({ 'step-summary.md': '', 'output.txt': '' });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: event,
    GITHUB_STEP_SUMMARY: join(runner, 'step-summary.md'),
    GITHUB_OUTPUT: join(runner, 'output.txt'),
  };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  for (const [name, input] of Object.entries(ACTION.inputs)) env[inputVariable(name)] = input.default ?? '';
  for (const [name, value] of Object.entries(inputs)) {
    if (!(name in ACTION.inputs)) throw new Error(`action.yml has no input "${name}"`);
    env[inputVariable(name)] = value;
  }
  const result = spawnSync(process.execPath, [bundle], { cwd: workspace, env, encoding: 'utf8' });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    // The runner trims a line before it looks for "::".
    commands: result.stdout.split(/\r?\n/).filter((line) => line.trimStart().startsWith('::')),
    summary: readFileSync(join(runner, 'step-summary.md'), 'utf8'),
    outputs: readFileSync(join(runner, 'output.txt'), 'utf8'),
  };
}

function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parses the `name<<delimiter` blocks @actions/core appends to GITHUB_OUTPUT, refusing anything else. */
function outputsOf(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const block = /^([\w-]+)<<(ghadelimiter_[0-9a-f-]{36})\n(.*?)\n\2\n/s;
  for (let rest = text; rest !== ''; ) {
    const match = block.exec(rest);
    if (!match) throw new Error(`not in the GITHUB_OUTPUT format: ${JSON.stringify(rest)}`);
    outputs[match[1]!] = match[3]!;
    rest = rest.slice(match[0].length);
  }
  return outputs;
}

/** The text between `::stop-commands::<token>` and `::<token>::`, and the commands outside it. */
function stoppedBlock(stdout: string): { inside: string; commandsOutside: string[] } {
  const start = /^::stop-commands::([0-9a-f-]{36})$/m.exec(stdout);
  if (!start) throw new Error('no ::stop-commands:: line');
  const resume = `\n::${start[1]}::\n`;
  const end = stdout.indexOf(resume, start.index);
  expect(end, 'the commands are resumed').toBeGreaterThan(start.index);
  const outside = `${stdout.slice(0, start.index)}${stdout.slice(end + resume.length)}`;
  return {
    inside: stdout.slice(start.index + start[0].length + 1, end + 1),
    commandsOutside: outside.split('\n').filter((line) => line.trimStart().startsWith('::')),
  };
}

describe('annotations', () => {
  it('writes one annotation per finding, with the properties in the order @actions/core writes them', () => {
    const run = runAction(tempTree({ 'db/a.yaml': backup('a'), 'settings.yaml': UNUSED_DIRECTIVE }));
    expect(run.commands).toEqual([
      `::error title=cnpg-backup-immediate,file=db/a.yaml,line=7,endLine=7,col=3,endColumn=12::${immediate('a')}`,
      `::warning title=lint-directive,file=settings.yaml,line=4,endLine=4,col=3,endColumn=73::${UNUSED_MESSAGE}`,
      '::error::homeops-lint found 1 error',
    ]);
    expect(run.stdout).toContain('\nhomeops-lint: 1 error, 1 warning in 2 files\n');
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
  });

  it('escapes manifest values and file names, so a manifest cannot start a workflow command of its own', () => {
    const run = runAction(tempTree(EVIL_FILES));
    expect(run.commands).toEqual([
      `::error title=cnpg-backup-immediate,file=db/new%0Aline.yaml,line=7,endLine=7,col=3,endColumn=12::${immediate('nl')}`,
      `::error title=cnpg-backup-immediate,file=db/we%2Cird%3Ana%25me.yaml,line=7,endLine=7,col=3,endColumn=12::${immediate(
        'evil%0A::warning file=x::injected 100%2525 done, title=x <script>alert(1)</script>',
      )}`,
      '::error::homeops-lint found 2 errors',
    ]);
    expect(run.stdout.split('\n').filter((line) => line.includes('::warning'))).toHaveLength(1);
  });
});

describe('job summary and outputs', () => {
  it('writes a heading, the counts and a table of findings, and the counts as outputs', () => {
    const run = runAction(tempTree({ 'db/a.yaml': backup('a'), 'settings.yaml': UNUSED_DIRECTIVE }));
    expect(run.summary).toBe(
      [
        '<h2>homeops-lint</h2>',
        '<p>1 error, 1 warning in 2 files.</p>',
        '<table><tr><th>Location</th><th>Severity</th><th>Rule</th><th>Message</th></tr>' +
          `<tr><td><code>db/a.yaml:7:3</code></td><td>error</td><td><a href="${DOCS}cnpg-backup-immediate.md">cnpg-backup-immediate</a></td>` +
          `<td>${immediate('a').replace(/"/g, '&quot;')}</td></tr>` +
          `<tr><td><code>settings.yaml:4:3</code></td><td>warning</td><td><a href="${DOCS}lint-directive.md">lint-directive</a></td>` +
          `<td>${UNUSED_MESSAGE.replace(/"/g, '&quot;')}</td></tr></table>`,
        '',
      ].join('\n'),
    );
    expect(outputsOf(run.outputs)).toEqual({ errors: '1', warnings: '1' });
  });

  it('escapes manifest values in the summary, and keeps the table on one line', () => {
    const run = runAction(tempTree(EVIL_FILES));
    expect(run.summary).not.toMatch(/<script|<\/script/i);
    expect(run.summary).toContain('<td><code>db/new<br>line.yaml:7:3</code></td>');
    expect(run.summary).toContain(
      '<td>Backup &quot;evil<br>::warning file=x::injected 100%25 done, title=x &lt;script&gt;alert(1)&lt;/script&gt;&quot; sets spec.immediate',
    );
    const table = run.summary.split('\n').filter((line) => line.includes('<table>'));
    expect(table).toHaveLength(1);
    expect(table[0]).toMatch(/^<table>.*<\/table>$/);
    expect(outputsOf(run.outputs)).toEqual({ errors: '2', warnings: '0' });
  });

  it('says a clean run is clean', () => {
    const run = runAction(tempTree({ 'db/ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n' }));
    expect(run).toMatchObject({ status: 0, commands: [], summary: '<h2>homeops-lint</h2>\n<p>0 errors, 0 warnings in 1 file.</p>\n' });
    expect(outputsOf(run.outputs)).toEqual({ errors: '0', warnings: '0' });
  });
});

describe('fail-on', () => {
  const errorsAndWarnings = () => tempTree({ 'db/a.yaml': backup('a'), 'settings.yaml': UNUSED_DIRECTIVE });
  const warningsOnly = () => tempTree({ 'settings.yaml': UNUSED_DIRECTIVE });

  it('error (the default) fails on an error-level finding only', () => {
    expect(runAction(errorsAndWarnings()).status).toBe(1);
    expect(runAction(errorsAndWarnings(), { 'fail-on': 'error' }).status).toBe(1);
    const run = runAction(warningsOnly());
    expect(run.status).toBe(0);
    expect(run.commands).toEqual([`::warning title=lint-directive,file=settings.yaml,line=4,endLine=4,col=3,endColumn=73::${UNUSED_MESSAGE}`]);
  });

  it('warn fails on any finding', () => {
    const run = runAction(warningsOnly(), { 'fail-on': 'warn' });
    expect(run.status).toBe(1);
    expect(run.commands.at(-1)).toBe('::error::homeops-lint found 0 errors and 1 warning');
    expect(runAction(tempTree({ 'ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n' }), { 'fail-on': 'warn' }).status).toBe(0);
  });

  it('never annotates but does not fail', () => {
    const run = runAction(errorsAndWarnings(), { 'fail-on': 'never' });
    expect(run.status).toBe(0);
    expect(run.commands).toHaveLength(2);
    expect(outputsOf(run.outputs)).toEqual({ errors: '1', warnings: '1' });
  });

  it('fails the step on any other value, before linting', () => {
    const run = runAction(errorsAndWarnings(), { 'fail-on': 'sometimes' });
    expect(run.status).toBe(1);
    expect(run.commands).toEqual(['::error::homeops-lint: fail-on must be one of error, warn, never; got "sometimes"']);
    expect(run.outputs).toBe('');
  });
});

describe('sarif-file and format', () => {
  it('writes SARIF 2.1.0 with the version built in, creating the directory', () => {
    const dir = tempTree({ 'db/a.yaml': backup('a') });
    const run = runAction(dir, { 'sarif-file': 'reports/homeops-lint.sarif' });
    expect(run.status).toBe(1);
    const sarif = JSON.parse(readFileSync(join(dir, 'reports/homeops-lint.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.semanticVersion).toBe(PACKAGE.version);
    expect(sarif.runs[0].results.map((result: { ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) => [
      result.ruleId,
      result.locations[0]!.physicalLocation.artifactLocation.uri,
    ])).toEqual([['cnpg-backup-immediate', 'db/a.yaml']]);
  });

  it('writes the extra format to the log with workflow commands stopped, so quoted manifest lines are not run', () => {
    // junit quotes the message with its line break: a line of it starts with "::warning".
    const run = runAction(tempTree(EVIL_FILES), { format: 'junit' });
    const { inside, commandsOutside } = stoppedBlock(run.stdout);
    expect(inside).toMatch(/^<\?xml/);
    expect(inside.split('\n').some((line) => line.startsWith('::warning file=x::injected'))).toBe(true);
    expect(commandsOutside).toEqual([
      expect.stringMatching(/^::error title=cnpg-backup-immediate,file=db\/new%0Aline\.yaml,/),
      expect.stringMatching(/^::error title=cnpg-backup-immediate,file=db\/we%2Cird%3Ana%25me\.yaml,/),
      '::group::homeops-lint --format junit',
      '::endgroup::',
      '::error::homeops-lint found 2 errors',
    ]);
  });

  it('writes the json format whole', () => {
    const run = runAction(tempTree({ 'db/a.yaml': backup('a') }), { format: 'json', 'fail-on': 'never' });
    expect(JSON.parse(stoppedBlock(run.stdout).inside).summary).toEqual({ errors: 1, warnings: 0, files: 1 });
    expect(run.status).toBe(0);
  });

  it('fails the step on an unknown format', () => {
    const run = runAction(tempTree({ 'db/a.yaml': backup('a') }), { format: 'xml' });
    expect(run.status).toBe(1);
    expect(run.commands).toEqual(['::error::homeops-lint: unknown format "xml"; expected one of: github, json, junit, sarif, stylish']);
  });
});

describe('paths and configuration', () => {
  it('lints the paths given, separated by spaces or newlines', () => {
    const dir = tempTree({ 'db/a.yaml': backup('a'), 'other/b.yaml': backup('b'), 'skipped/c.yaml': backup('c') });
    for (const path of ['db other', 'db\nother\n']) {
      const files = runAction(dir, { path }).commands.map((line) => /file=([^,]*)/.exec(line)?.[1]);
      expect(files).toEqual(['db/a.yaml', 'other/b.yaml', undefined]);
    }
  });

  it('fails the step with the configuration errors', () => {
    const run = runAction(tempTree({ '.homeops-lintrc.yaml': 'rules:\n  cnpg-backup-immediate: sometimes\n', 'db/a.yaml': backup('a') }));
    expect(run.status).toBe(1);
    expect(run.commands).toEqual([expect.stringMatching(/^::error::homeops-lint: invalid configuration in \.homeops-lintrc\.yaml:%0A {2}rules\.cnpg-backup-immediate: /)]);
  });

  const JS_CONFIG = `import { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('./config-ran', import.meta.url), 'ran');\nexport default { rules: { 'cnpg-backup-immediate': 'warn' } };\n`;

  it('refuses a JavaScript configuration given on a pull request, without running it', () => {
    for (const event of ['pull_request', 'pull_request_target']) {
      const dir = tempTree({ 'homeops-lint.config.mjs': JS_CONFIG, 'db/a.yaml': backup('a') });
      const run = runAction(dir, { config: 'homeops-lint.config.mjs' }, event);
      expect(run.status).toBe(1);
      expect(run.commands).toEqual([
        `::error::homeops-lint: refusing the JavaScript configuration homeops-lint.config.mjs on a ${event} event: a pull request must not run code through the configuration; use a YAML or JSON configuration`,
      ]);
      expect(existsSync(join(dir, 'config-ran'))).toBe(false);
    }
  });

  it('does not load a JavaScript configuration it finds on a pull request, and does on a push', () => {
    const pullRequest = tempTree({ 'homeops-lint.config.mjs': JS_CONFIG, 'db/a.yaml': backup('a') });
    expect(runAction(pullRequest, {}, 'pull_request').commands[0]).toMatch(/^::error title=cnpg-backup-immediate,/);
    expect(existsSync(join(pullRequest, 'config-ran'))).toBe(false);

    const push = tempTree({ 'homeops-lint.config.mjs': JS_CONFIG, 'db/a.yaml': backup('a') });
    const run = runAction(push, {}, 'push');
    expect(run.commands).toEqual([`::warning title=cnpg-backup-immediate,file=db/a.yaml,line=7,endLine=7,col=3,endColumn=12::${immediate('a')}`]);
    expect(run.status).toBe(0);
    expect(existsSync(join(push, 'config-ran'))).toBe(true);
  });
});

describe('diff-base and baseline', () => {
  it('annotates only the findings new since the merge base', () => {
    const dir = tempTree({ 'db/old.yaml': backup('old'), 'README.md': '# x\n' });
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'base');
    git(dir, 'checkout', '-qb', 'renovate/update');
    writeTree(dir, { 'db/new.yaml': backup('new') });
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'head');
    const run = runAction(dir, { 'diff-base': 'main' }, 'pull_request');
    expect(run.commands).toEqual([
      `::error title=cnpg-backup-immediate,file=db/new.yaml,line=7,endLine=7,col=3,endColumn=12::${immediate('new')}`,
      '::error::homeops-lint found 1 error',
    ]);
    expect(outputsOf(run.outputs)).toEqual({ errors: '1', warnings: '0' });
    expect(runAction(dir, { 'diff-base': 'no-such-branch' }).commands).toEqual([
      expect.stringMatching(/^::error::homeops-lint: cannot find the merge base of "no-such-branch" and HEAD: /),
    ]);
  });

  it('annotates only findings the baseline does not record', async () => {
    const dir = tempTree({ 'db/old.yaml': backup('old') });
    expect((await cli(['--write-baseline'], dir)).code).toBe(0);
    writeTree(dir, { 'db/new.yaml': backup('new') });
    const run = runAction(dir, { baseline: '.homeops-lint-baseline.json' });
    expect(run.commands).toEqual([
      `::error title=cnpg-backup-immediate,file=db/new.yaml,line=7,endLine=7,col=3,endColumn=12::${immediate('new')}`,
      '::error::homeops-lint found 1 error',
    ]);
    expect(runAction(dir, { baseline: 'missing.json' }).commands).toEqual([
      '::error::homeops-lint: baseline file not found: missing.json; create it with --write-baseline',
    ]);
  });
});

describe('dist/index.js', () => {
  it('is the bundle of the current sources', async () => {
    expect(PACKAGE.scripts['build:action']).toBe('node scripts/bundle.mjs action');
    const script = (await import(pathToFileURL(join(ROOT, 'scripts/bundle.mjs')).href)) as { bundle(name: string): Promise<Uint8Array> };
    const built = Buffer.from(await script.bundle('action'));
    const committed = existsSync(COMMITTED_BUNDLE) ? readFileSync(COMMITTED_BUNDLE) : Buffer.alloc(0);
    expect(built.equals(committed), 'dist/index.js does not match the sources: run `npm run build:action` and commit dist/index.js').toBe(true);
  });

  it('is what action.yml runs, on a runtime that exists', () => {
    expect(ACTION.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
