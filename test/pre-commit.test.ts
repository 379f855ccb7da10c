// The pre-commit hook (.pre-commit-hooks.yaml) with the real `pre-commit`:
// the working tree is committed to a temporary hook repository, a second
// temporary repository (the user's home-ops repo) uses it at that commit, and
// pre-commit installs it the way it installs every `language: node` hook
// (npm install in a clone, which runs `prepare`; npm pack; npm install -g of
// the tarball into an isolated environment). Skipped when pre-commit is not
// installed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkingTree, writeTree } from './helpers/temp-repo.js';

const ROOT = join(import.meta.dirname, '..');

const version = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const preCommit = version.status === 0 ? version.stdout.trim() : undefined;
if (preCommit === undefined) console.warn('pre-commit tests skipped: `pre-commit` is not on PATH (Debian: apt-get install pre-commit)');

const HELM_RELEASE = [
  'apiVersion: helm.toolkit.fluxcd.io/v2',
  'kind: HelmRelease',
  'metadata:',
  '  name: podinfo',
  '  namespace: default',
  'spec:',
  '  interval: 30m',
  '  chart:',
  '    spec:',
  '      chart: podinfo',
  '      sourceRef: {kind: HelmRepository, name: podinfo, namespace: flux-system}',
  '',
].join('\n');
const backup = (name: string, extra: string) =>
  ['apiVersion: postgresql.cnpg.io/v1', 'kind: Backup', 'metadata:', `  name: ${name}`, '  namespace: database', 'spec:', '  cluster:', '    name: postgres', extra].join('\n');
const CONFIG_MAP = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: settings', '  namespace: default', 'data:', '  TZ: Europe/Paris', ''].join('\n');

let temp: string;
let hook: string;
let user: string;
let env: NodeJS.ProcessEnv;
/** Whether the first test installed the hook's environment; the others run the hook in it. */
let installed = false;


/**
 * Runs a command to its end; stdout and stderr interleaved as a terminal
 * shows them. Asynchronous: a synchronous spawn would block the test worker
 * for the minutes an install can take.
 */
function run(command: string, args: string[], cwd: string, timeout = 120_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, timeout, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, output: signal ? `${output}\n(killed by ${signal})` : output }));
  });
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await run('git', args, cwd);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  return result.output.trim();
}

describe.skipIf(preCommit === undefined)(`pre-commit hook (${preCommit ?? 'pre-commit missing'})`, () => {
  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'homeops-lint-pre-commit-'));
    const gitConfig = join(temp, 'gitconfig');
    writeFileSync(gitConfig, '[user]\n\tname = test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n');
    // A user's shell: pre-commit's own home (fresh environments, removed
    // afterwards), no global git configuration (hooksPath, templates), and
    // none of the npm_* variables `npm test` exports to its scripts.
    env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD')),
      PRE_COMMIT_HOME: join(temp, 'pre-commit-home'),
      GIT_CONFIG_GLOBAL: gitConfig,
      GIT_CONFIG_NOSYSTEM: '1',
    };

    hook = join(temp, 'homeops-lint');
    copyWorkingTree(ROOT, hook);
    await git(hook, 'init', '--quiet');
    await git(hook, 'add', '--all');
    await git(hook, 'commit', '--quiet', '--message', 'homeops-lint working tree');
    const rev = await git(hook, 'rev-parse', 'HEAD');

    user = join(temp, 'home-ops');
    mkdirSync(user);
    await git(user, 'init', '--quiet');
    writeTree(user, {
      '.pre-commit-config.yaml': `repos:\n  - repo: ${JSON.stringify(hook)}\n    rev: ${rev}\n    hooks:\n      - id: homeops-lint\n`,
      'kubernetes/apps/default/podinfo/app/helmrelease.yaml': HELM_RELEASE,
      // Already committed and wrong: the hook reports only the files it is given.
      'kubernetes/_archive/backup.yaml': backup('old', '  immediate: true\n'),
    });
    await git(user, 'add', '--all');
    await git(user, 'commit', '--quiet', '--message', 'initial');
  });

  // An installed package holds thousands of files: removing them can take longer than vitest's 10 s on a busy machine.
  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }, 120_000);

  it('installs: npm install (prepare builds lib/), npm pack, npm install -g of the tarball', async () => {
    const install = await run('pre-commit', ['install', '--install-hooks'], user, 600_000);
    const hint = /> homeops-lint@[^\n]* prepare/.test(install.output)
      ? '\n(npm pack printed the `prepare` banner on stdout, so pre-commit read it as the tarball name: the hook repo needs `foreground-scripts=false` in its .npmrc)'
      : '';
    expect(install.code, `pre-commit install --install-hooks:\n${install.output}${hint}`).toBe(0);
    installed = true;
  }, 600_000);

  it('passes a clean staged manifest, though another committed file has a finding', async () => {
    expect(installed, 'the hook environment did not install (see the first test)').toBe(true);
    writeTree(user, { 'kubernetes/apps/default/settings/configmap.yaml': CONFIG_MAP });
    await git(user, 'add', 'kubernetes/apps/default/settings/configmap.yaml');

    const result = await run('pre-commit', ['run', '--color', 'never'], user);
    expect(result.output).toMatch(/^homeops-lint\.+Passed$/m);
    expect(result.code, result.output).toBe(0);

    // The installed git hook does the same on commit.
    const commit = await run('git', ['commit', '--message', 'settings'], user);
    expect(commit.output).toMatch(/^homeops-lint\.+Passed$/m);
    expect(commit.code, commit.output).toBe(0);
  }, 120_000);

  it('fails staged manifests with findings, one of them only wrong together with a committed file', async () => {
    expect(installed, 'the hook environment did not install (see the first test)').toBe(true);
    const head = await git(user, 'rev-parse', 'HEAD');
    writeTree(user, {
      // A copy of the committed podinfo HelmRelease: only the whole repository shows the duplicate.
      'kubernetes/apps/media/podinfo/helmrelease.yaml': HELM_RELEASE,
      'kubernetes/apps/database/backup.yaml': backup('postgres-pre-upgrade', '  immediate: true\n'),
    });
    await git(user, 'add', '--all');
    // Fixed in the working tree but not staged: pre-commit lints what would be committed.
    writeTree(user, { 'kubernetes/apps/database/backup.yaml': backup('postgres-pre-upgrade', '') });

    const result = await run('pre-commit', ['run', '--color', 'never'], user);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/^homeops-lint\.+Failed\n- hook id: homeops-lint\n- exit code: 1\n/m);
    // Each finding at its file:line:col with the offending line underlined
    // (the rules' own tests pin the message texts).
    expect(result.output).toMatch(
      /^kubernetes\/apps\/database\/backup\.yaml:9:3 {2}error {2}Backup "postgres-pre-upgrade" sets spec\.immediate.* {2}cnpg-backup-immediate\n {2}9 \| {3}immediate: true\n {4}\| {3}\^~~~~~~~~\n/m,
    );
    expect(result.output).toMatch(
      /^kubernetes\/apps\/media\/podinfo\/helmrelease\.yaml:4:9 {2}error {2}HelmRelease "default\/podinfo" .*kubernetes\/apps\/default\/podinfo\/app\/helmrelease\.yaml:4:9.* {2}duplicate-helmrelease\n {2}4 \| {3}name: podinfo\n {4}\| {9}\^~~~~~~\n/m,
    );
    expect(result.output).toMatch(/^2 problems \(2 errors, 0 warnings\)$/m);
    // Not given to the hook: the committed copy and the committed archive file.
    expect(result.output).not.toMatch(/^kubernetes\/apps\/default\/podinfo\/app\/helmrelease\.yaml:/m);
    expect(result.output).not.toContain('kubernetes/_archive/backup.yaml');
    // pre-commit restored the unstaged fix.
    expect(readFileSync(join(user, 'kubernetes/apps/database/backup.yaml'), 'utf8')).not.toContain('immediate');

    const commit = await run('git', ['commit', '--message', 'podinfo in media'], user);
    expect(commit.code, commit.output).toBe(1);
    expect(commit.output).toContain('kubernetes/apps/media/podinfo/helmrelease.yaml:4:9  error');
    expect(await git(user, 'rev-parse', 'HEAD')).toBe(head);
    // The hook's cache, kept in the repository, ignores itself.
    expect(readdirSync(join(user, '.homeops-lint-cache'))).toContain('.gitignore');
    expect(await git(user, 'status', '--porcelain', '--untracked-files=all')).not.toContain('homeops-lint-cache');
  }, 120_000);

  it('runs on a staged Kustomization file, the extensionless name kustomize reads', async () => {
    expect(installed, 'the hook environment did not install (see the first test)').toBe(true);
    await git(user, 'reset', '--quiet', '--hard');
    await git(user, 'clean', '--quiet', '-d', '--force');
    writeTree(user, { 'kubernetes/apps/default/Kustomization': 'resources:\n  - ./podinfo/app/helmrelease.yaml\n  - ./echo/app/helmrelease.yaml\n' });
    await git(user, 'add', '--all');

    const result = await run('pre-commit', ['run', '--color', 'never'], user);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/^kubernetes\/apps\/default\/Kustomization:3:5 {2}error {2}resources entry "\.\/echo\/app\/helmrelease\.yaml" does not exist.* {2}kustomize-missing-resource$/m);
    expect(result.output).toMatch(/^1 problem \(1 error, 0 warnings\)$/m);
  }, 120_000);
});
