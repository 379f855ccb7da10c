// The npm package as users get it: `npm pack` of the working tree (which runs
// `prepare`, the tsc build), the tarball's file list, and the installed
// package run through `npx homeops-lint` in a fresh project with production
// dependencies only.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkingTree } from './helpers/temp-repo.js';
import { ruleMetas } from '../src/rules/registry.js';

const ROOT = join(import.meta.dirname, '..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

const BACKUP = [
  'apiVersion: postgresql.cnpg.io/v1',
  'kind: Backup',
  'metadata:',
  '  name: postgres-pre-upgrade',
  '  namespace: database',
  'spec:',
  '  cluster:',
  '    name: postgres',
  '  immediate: true',
  '',
].join('\n');
const CONFIG_MAP = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: settings', '  namespace: default', 'data:', '  TZ: Europe/Paris', ''].join('\n');

/** Files the package may ship: its `files` entries plus what npm always adds. */
const ALLOWED = [/^bin\//, /^lib\//, /^schemas\//, /^docs\/rules\/[^/]+\.md$/, /^package\.json$/, /^README\.md$/, /^LICEN[CS]E(\.\w+)?$/];

let temp: string;
let app: string;
let tarball: string;
let packed: string[];


/** The environment a user's shell would have: none of the `npm_*` variables `npm test` exports to scripts. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'));
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to its end. Asynchronous: a synchronous spawn would block
 * the test worker for as long as an install takes.
 */
function exec(command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}, timeout = 240_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...userEnv(), ...extraEnv }, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr: code === null && error ? `${stderr}${error.message}` : stderr });
    });
  });
}

async function ok(pending: Promise<Result>, what: string): Promise<string> {
  const result = await pending;
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  return result.stdout;
}

/** `npx homeops-lint` in the temp project; `--no-install` so it can only use the installed bin. */
function npx(args: string[]): Promise<Result> {
  return exec('npx', ['--no-install', 'homeops-lint', ...args], app, { NO_COLOR: '1' }, 60_000);
}

describe('the npm package', () => {
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'homeops-lint-package-'));
    const source = join(temp, 'source');
    copyWorkingTree(ROOT, source);
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
    // What a local run of the bin leaves beside the bundle; it must not be packed.
    mkdirSync(join(source, 'lib', 'cli'), { recursive: true });
    writeFileSync(join(source, 'lib', 'cli', 'bundle.cjs.v8-cache'), 'left by a local run');

    // `prepare` (tsc) runs in the background so that stdout is only the JSON;
    // in the foreground, npm pack prints the script's banner there too.
    const out = await ok(exec('npm', ['pack', '--json', '--pack-destination', temp, '--foreground-scripts=false'], source), 'npm pack');
    const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    tarball = join(temp, info!.filename);
    packed = info!.files.map((file) => file.path).sort();

    app = join(temp, 'app');
    mkdirSync(app);
    await ok(exec('npm', ['init', '-y'], app), 'npm init');
    await ok(exec('npm', ['install', tarball, '--omit=dev', '--no-audit', '--no-fund'], app), 'npm install <tarball>');
    writeFixture(join(app, 'fixture'));
  }, 300_000);

  // An installed package holds thousands of files: removing them can take longer than vitest's 10 s on a busy machine.
  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }, 120_000);

  it('packs the CLI, the built library, the schema and a doc page for every rule', () => {
    expect(existsSync(tarball)).toBe(true);
    for (const path of ['package.json', 'README.md', 'bin/homeops-lint.js', 'bin/package.json', 'lib/cli/bundle.cjs', 'lib/cli/main.js', 'lib/index.js', 'schemas/config.schema.json']) {
      expect(packed, path).toContain(path);
    }
    const pages = packed.filter((path) => path.startsWith('docs/rules/'));
    // One page per rule, and the generated index of them.
    expect(pages).toEqual([...ruleMetas.map((meta) => `docs/rules/${meta.id}.md`), 'docs/rules/README.md'].sort());
  });

  it('packs nothing else: no sources, tests, examples or node_modules', () => {
    expect(packed.filter((path) => /^(src|test|examples|node_modules|scripts)\//.test(path) || path.includes('/node_modules/'))).toEqual([]);
    expect(packed.filter((path) => !ALLOWED.some((pattern) => pattern.test(path)))).toEqual([]);
    expect(packed.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs with production dependencies only', () => {
    const installed = join(app, 'node_modules', MANIFEST.name);
    expect(existsSync(join(installed, 'lib', 'cli', 'main.js'))).toBe(true);
    for (const devOnly of ['typescript', 'vitest']) expect(existsSync(join(app, 'node_modules', devOnly)), devOnly).toBe(false);
  });

  it('npx homeops-lint lints a repository: exit 1 and the exact stylish output', async () => {
    const result = await npx(['--no-color', 'fixture']);
    expect(result).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        'fixture/db/backup.yaml:9:3  error  Backup "postgres-pre-upgrade" sets spec.immediate, a field that Backup does not have; server-side apply rejects it and fails the whole Flux Kustomization. Remove spec.immediate (a Backup always starts at once; only ScheduledBackup has immediate).  cnpg-backup-immediate',
        '  9 |   immediate: true',
        '    |   ^~~~~~~~~',
        '',
        '1 problem (1 error, 0 warnings)',
        '',
      ].join('\n'),
    });
  });

  it('npx homeops-lint --format json prints the findings and the summary', async () => {
    const result = await npx(['--format', 'json', 'fixture']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const parsed = JSON.parse(result.stdout) as { findings: unknown[]; summary: unknown };
    expect(parsed.summary).toEqual({ errors: 1, warnings: 0, files: 2 });
    expect(parsed.findings).toEqual([
      expect.objectContaining({
        ruleId: 'cnpg-backup-immediate',
        severity: 'error',
        file: 'fixture/db/backup.yaml',
        line: 9,
        column: 3,
        endLine: 9,
        endColumn: 12,
        resource: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', namespace: 'database', name: 'postgres-pre-upgrade' },
      }),
    ]);
  });

  it('npx homeops-lint exits 0 on a clean repository', async () => {
    expect(await npx(['--no-color', 'fixture/apps'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('npx homeops-lint --version prints the package version', async () => {
    expect(await npx(['--version'])).toEqual({ code: 0, stdout: `${MANIFEST.version}\n`, stderr: '' });
  });

  it('npx homeops-lint explain prints the rule page shipped in the package', async () => {
    const page = readFileSync(join(app, 'node_modules', MANIFEST.name, 'docs', 'rules', 'cnpg-backup-immediate.md'), 'utf8');
    expect(page).toBe(readFileSync(join(ROOT, 'docs', 'rules', 'cnpg-backup-immediate.md'), 'utf8'));
    expect(await npx(['explain', 'cnpg-backup-immediate'])).toEqual({ code: 0, stdout: page, stderr: '' });
  });

  it('keeps V8\'s compiled code beside the bundle, and runs the same with it, without it and with a damaged one', async () => {
    const codeCache = join(app, 'node_modules', MANIFEST.name, 'lib', 'cli', 'bundle.cjs.v8-cache');
    const expected = await npx(['--format', 'json', 'fixture']);
    expect(expected.code).toBe(1);
    expect(existsSync(codeCache)).toBe(true);
    expect(await npx(['--format', 'json', 'fixture'])).toEqual(expected);
    rmSync(codeCache);
    // --version compiles little of the linter: its cache would be a poor one to keep.
    await npx(['--version']);
    expect(existsSync(codeCache)).toBe(false);
    expect(await npx(['--format', 'json', 'fixture'])).toEqual(expected);
    expect(existsSync(codeCache)).toBe(true);
    writeFileSync(codeCache, 'not a code cache');
    expect(await npx(['--format', 'json', 'fixture'])).toEqual(expected);
    // V8 refused it, and the run wrote a good one.
    expect(readFileSync(codeCache).length).toBeGreaterThan(1000);
  });

  it('runs a rebuilt bundle of the same length as it is, not the code cached from the one before', async () => {
    const bundlePath = join(app, 'node_modules', MANIFEST.name, 'lib', 'cli', 'bundle.cjs');
    const installed = readFileSync(bundlePath, 'latin1');
    const help = await ok(npx(['--help']), '--help');
    await npx(['--format', 'json', 'fixture']);
    expect(existsSync(join(dirname(bundlePath), 'bundle.cjs.v8-cache'))).toBe(true);
    // A rebuild that changed one letter: V8 alone would take the old code cache, which holds the old text.
    const code = installed.slice(installed.indexOf('\n') + 1).replace('`Usage: homeops-lint', '`USAGE: homeops-lint');
    const { withContentId } = (await import(pathToFileURL(join(ROOT, 'scripts', 'bundle.mjs')).href)) as { withContentId(code: string): string };
    const rebuilt = withContentId(code);
    expect(rebuilt).toHaveLength(installed.length);
    try {
      writeFileSync(bundlePath, rebuilt, 'latin1');
      expect(await ok(npx(['--help']), '--help')).toBe(help.replace('Usage:', 'USAGE:'));
    } finally {
      writeFileSync(bundlePath, installed, 'latin1');
    }
    expect(await ok(npx(['--help']), '--help')).toBe(help);
  });

  it('keeps the cached findings of another build of the same version apart', async () => {
    const bundlePath = join(app, 'node_modules', MANIFEST.name, 'lib', 'cli', 'bundle.cjs');
    const installed = readFileSync(bundlePath, 'latin1');
    const cacheLocation = join(app, 'lint-cache');
    const first = await npx(['--no-color', '--cache-location', cacheLocation, 'fixture']);
    expect(first.stdout).toContain('a field that Backup does not have');
    // A build from another commit whose message changed, under the same package version.
    const code = installed.slice(installed.indexOf('\n') + 1).replaceAll('a field that Backup does not have', 'a field Backup does not have');
    expect(code).not.toBe(installed.slice(installed.indexOf('\n') + 1));
    const { withContentId } = (await import(pathToFileURL(join(ROOT, 'scripts', 'bundle.mjs')).href)) as { withContentId(code: string): string };
    try {
      writeFileSync(bundlePath, withContentId(code), 'latin1');
      const rebuilt = await npx(['--no-color', '--cache-location', cacheLocation, 'fixture']);
      expect(rebuilt).toEqual({ ...first, stdout: first.stdout.replace('a field that Backup does not have', 'a field Backup does not have') });
    } finally {
      writeFileSync(bundlePath, installed, 'latin1');
      rmSync(cacheLocation, { recursive: true, force: true });
    }
  });

  it('loads a JavaScript configuration, also when the bundle runs from the code cache', async () => {
    const dir = join(app, 'js-config');
    writeFixture(dir);
    writeFileSync(join(dir, 'homeops-lint.config.mjs'), "export default { rules: { 'cnpg-backup-immediate': 'warn' } };\n");
    // The first run may write the code cache; the second runs from it, where the bundle's own import() cannot work.
    for (let run = 0; run < 2; run++) {
      const result = await npx(['--format', 'json', 'js-config']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect((JSON.parse(result.stdout) as { findings: { severity: string }[] }).findings.map((finding) => finding.severity)).toEqual(['warning']);
    }
  });

  it('writes the same output to a pipe, a file and a terminal-less stream, and ends quietly when the reader stops early', async () => {
    const piped = await npx(['--format', 'json', 'fixture']);
    expect(piped.code).toBe(1);
    const outFile = join(temp, 'redirected.json');
    // The shell gives the bin a file as its stdout, and a pipe to a reader that exits without reading.
    const shell = (script: string) => exec('bash', ['-c', script], app, { NO_COLOR: '1' }, 60_000);
    expect(await shell(`npx --no-install homeops-lint --format json fixture > '${outFile}'; echo $?`)).toEqual({ code: 0, stdout: '1\n', stderr: '' });
    expect(readFileSync(outFile, 'utf8')).toBe(piped.stdout);
    expect(await shell('npx --no-install homeops-lint --format json fixture | true; echo "${PIPESTATUS[0]}"')).toEqual({ code: 0, stdout: '1\n', stderr: '' });
  });

  it('ships the CLI bundle as ASCII, which the bin reads as latin1', () => {
    const bytes = readFileSync(join(app, 'node_modules', MANIFEST.name, 'lib', 'cli', 'bundle.cjs'));
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
  });

  it('never packs a code cache left in lib/ by a local run', () => {
    expect(packed.filter((path) => path.endsWith('.v8-cache'))).toEqual([]);
  });
});

/** The repository the installed CLI lints: one CNPG Backup with spec.immediate, one clean ConfigMap. */
function writeFixture(dir: string): void {
  for (const [path, text] of Object.entries({ 'db/backup.yaml': BACKUP, 'apps/configmap.yaml': CONFIG_MAP })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}
