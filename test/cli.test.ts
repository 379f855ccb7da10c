import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleMetas } from '../src/rules/registry.js';
import { cli } from './helpers/cli.js';
import { git, tempTree, writeTree } from './helpers/temp-repo.js';

const ROOT = join(import.meta.dirname, '..');

const BACKUP = 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: b\nspec:\n  cluster: {name: pg}\n  immediate: true\n';
const CLEAN = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n';

describe('homeops-lint CLI', async () => {
  it('names, in a finding about one copy of a file applied into several namespaces, that copy: in its message and its resource', async () => {
    const fixture = 'test/fixtures/duplicate-resource/invalid/copies-collide-in-two-namespaces';
    const result = await cli(['--format', 'json', fixture], join(import.meta.dirname, '..'));
    const findings = JSON.parse(result.stdout).findings as { file: string; message: string; resource: { namespace: string } }[];
    // Before: the copy in vars/ was reported for namespace a only, and a finding about b's copy said namespace a in its resource.
    expect(findings.map((finding) => [finding.file.split('/').slice(-2).join('/'), finding.resource.namespace, /"(\w+)\/cluster-settings"/.exec(finding.message)?.[1]])).toEqual([
      ['shared/settings.yaml', 'a', 'a'],
      ['shared/settings.yaml', 'b', 'b'],
      ['vars/settings.yaml', 'a', 'a'],
      ['vars/settings.yaml', 'b', 'b'],
    ]);
  });

  it('exits 0 and prints nothing for a clean repo', async () => {
    expect(await cli([], tempTree({ 'c.yaml': CLEAN }))).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('exits 1 on an error-level finding', async () => {
    const result = await cli(['--no-color'], tempTree({ 'db/backup.yaml': BACKUP, 'c.yaml': CLEAN }));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^db\/backup\.yaml:7:3 {2}error {2}Backup "b" sets spec\.immediate/);
  });

  it('prints JSON with paths relative to the working directory', async () => {
    const dir = tempTree({ 'repo/db/backup.yaml': BACKUP });
    const result = await cli(['--format', 'json', 'repo'], dir);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.summary).toEqual({ errors: 1, warnings: 0, files: 1 });
    expect(parsed.findings[0]).toMatchObject({ file: 'repo/db/backup.yaml', line: 7, column: 3, endLine: 7, endColumn: 12, ruleId: 'cnpg-backup-immediate' });
  });

  it('reports a file that does not parse and still lints the others', async () => {
    const result = await cli(['--format', 'json'], tempTree({ 'a.yaml': 'a: [\n', 'b.yaml': BACKUP }));
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).findings.map((f: { file: string; ruleId: string }) => `${f.file} ${f.ruleId}`)).toEqual([
      'a.yaml yaml-syntax',
      'b.yaml cnpg-backup-immediate',
    ]);
  });

  it('exits 2 with a one-line message for usage errors', async () => {
    const dir = tempTree({});
    expect(await cli(['--bogus'], dir)).toMatchObject({ code: 2, stdout: '' });
    expect((await cli(['--bogus'], dir)).stderr).toMatch(/^homeops-lint: Unknown option '--bogus'.*\n$/);
    expect(await cli(['--format', 'xml'], dir)).toEqual({ code: 2, stdout: '', stderr: 'homeops-lint: unknown format "xml"; expected one of: github, json, junit, sarif, stylish\n' });
    expect(await cli(['nope'], dir)).toEqual({ code: 2, stdout: '', stderr: 'homeops-lint: no such file or directory: nope\n' });
  });

  it('prints help and version', async () => {
    const dir = tempTree({});
    expect((await cli(['--help'], dir)).stdout).toContain('Usage: homeops-lint');
    expect((await cli(['--version'], dir)).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('runs as a real process through the bin entry, with exit code and stdout', async () => {
    const dir = tempTree({ 'db/backup.yaml': BACKUP });
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'homeops-lint.js'), '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).summary.errors).toBe(1);
  });
});

describe('a run over part of a repository', () => {
  const fluxKs = (name: string, path: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
  const tree = () => tempTree({ 'clusters/main/apps.yaml': fluxKs('apps', './apps'), 'clusters/main/infra.yaml': fluxKs('infra', './infra'), 'apps/c.yaml': CLEAN });

  it('reads Flux paths from the top, and takes one outside the linted directory for there when it is on disk', async () => {
    const result = await cli(['--format', 'json', 'clusters/main'], tree());
    // ./apps is on disk; ./infra is not, anywhere.
    expect(JSON.parse(result.stdout).findings.map((f: { ruleId: string; message: string }) => `${f.ruleId} ${f.message.split(',')[0]}`)).toEqual([
      'flux-path-missing Flux Kustomization "flux-system/infra" applies infra',
    ]);
    // The same through a cache, filled, then read (the plan is kept under the top it was made for).
    const dir = tree();
    const uncached = await cli(['--format', 'json', 'clusters/main'], dir);
    for (let run = 0; run < 2; run++) expect(await cli(['--format', 'json', '--cache-location', 'cache', 'clusters/main'], dir)).toEqual(uncached);
  });

  describe('run from a directory inside the repository', () => {
    // Flux paths written from the top; each cluster directory applies apps and infra.
    const files = (under: string) => ({
      [`${under}kubernetes/flux/apps.yaml`]: fluxKs('apps', `./${under}kubernetes/apps`),
      [`${under}kubernetes/flux/infra.yaml`]: fluxKs('infra', `./${under}kubernetes/infra`),
      [`${under}kubernetes/apps/db/backup.yaml`]: BACKUP,
      [`${under}kubernetes/apps/c.yaml`]: CLEAN,
      [`${under}kubernetes/infra/backup.yaml`]: BACKUP.replace('name: b', 'name: infra'),
      [`${under}other/backup.yaml`]: BACKUP.replace('name: b', 'name: other'),
    });
    const findings = async (dir: string, args: string[] = []) =>
      (JSON.parse((await cli(['--format', 'json', ...args], dir)).stdout).findings as { file: string; line: number; ruleId: string }[]).map((f) => `${f.file}:${f.line} ${f.ruleId}`);

    it('lints from the top of the git work tree, as --repo does, and reports what lies below the working directory', async () => {
      const dir = tempTree(files(''));
      git(dir, 'init', '-q');
      expect(await findings(dir)).toEqual([
        'kubernetes/apps/db/backup.yaml:7 cnpg-backup-immediate',
        'kubernetes/infra/backup.yaml:7 cnpg-backup-immediate',
        'other/backup.yaml:7 cnpg-backup-immediate',
      ]);
      const fromKubernetes = ['../kubernetes/apps/db/backup.yaml:7 cnpg-backup-immediate', '../kubernetes/infra/backup.yaml:7 cnpg-backup-immediate'];
      expect(await findings(join(dir, 'kubernetes'))).toEqual(fromKubernetes);
      expect(await findings(join(dir, 'kubernetes'), ['--repo', '..', '.'])).toEqual(fromKubernetes);
      // Files that apply nothing say nothing of where the top is: the work tree's.
      expect(await findings(join(dir, 'kubernetes/apps'))).toEqual(['../../kubernetes/apps/db/backup.yaml:7 cnpg-backup-immediate']);
      // A path above the working directory, inside the work tree, is read from the top too.
      expect(await findings(join(dir, 'kubernetes/apps'), ['../flux'])).toEqual([]);
      expect((await cli(['--format', 'json', '../flux'], join(dir, 'kubernetes/apps'))).code).toBe(0);
      expect(await findings(join(dir, 'kubernetes'), ['infra'])).toEqual(['../kubernetes/infra/backup.yaml:7 cnpg-backup-immediate']);
      // Through a cache, filled, then read: the stored run from here sends the next one to the top at once.
      for (let run = 0; run < 2; run++) expect(await findings(join(dir, 'kubernetes'), ['--cache-location', '../cache'])).toEqual(fromKubernetes);
      expect((await cli(['graph', '--format', 'json'], join(dir, 'kubernetes'))).stdout).toContain('"file":"../kubernetes/flux/apps.yaml","path":"kubernetes/apps","pathExists":true');
    });

    it('goes to the top from an app directory whose ks.yaml names its path from there', async () => {
      const dir = tempTree({
        'kubernetes/flux/apps.yaml': fluxKs('apps', './kubernetes/apps'),
        'kubernetes/apps/kustomization.yaml': 'resources: [db/ks.yaml]\n',
        'kubernetes/apps/db/ks.yaml': fluxKs('db', './kubernetes/apps/db/app'),
        'kubernetes/apps/db/app/backup.yaml': BACKUP,
      });
      git(dir, 'init', '-q');
      expect(await findings(dir)).toEqual(['kubernetes/apps/db/app/backup.yaml:7 cnpg-backup-immediate']);
      expect(await findings(join(dir, 'kubernetes/apps/db'))).toEqual(['../../../kubernetes/apps/db/app/backup.yaml:7 cnpg-backup-immediate']);
    });

    it('keeps what the run from inside asked for: its configuration, a file named that the top passes by, and --diff-base', async () => {
      const dir = tempTree({ ...files(''), 'kubernetes/.homeops-lintrc.yaml': 'rules:\n  cnpg-backup-immediate: warn\n', '.gitignore': 'scratch/\n', 'kubernetes/scratch/bad.yaml': BACKUP });
      git(dir, 'init', '-q');
      const severities = async (args: string[] = []) =>
        (JSON.parse((await cli(['--format', 'json', ...args], join(dir, 'kubernetes'))).stdout).findings as { file: string; severity: string }[]).map((f) => `${f.file} ${f.severity}`);
      expect(await severities()).toEqual(['../kubernetes/apps/db/backup.yaml warning', '../kubernetes/infra/backup.yaml warning']);
      // Named with --repo, a file git ignores is linted all the same, as without --repo
      // (whose search for a configuration starts at the repository's top).
      expect(await severities(['--repo', '..', 'scratch/bad.yaml'])).toEqual(['../kubernetes/scratch/bad.yaml error']);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'base');
      expect(await severities(['--diff-base', 'HEAD'])).toEqual([]);
      writeFileSync(join(dir, 'kubernetes/apps/db/other.yaml'), BACKUP.replace('name: b', 'name: new'));
      expect(await severities(['--diff-base', 'HEAD'])).toEqual(['../kubernetes/apps/db/other.yaml warning']);
    });

    it('finds the top again through a cache once paths above the working directory appear', async () => {
      // Of three paths one resolves from `site`, none from the top: the top is `site`, until two appear at the top.
      const dir = tempTree({
        'site/flux.yaml': `${fluxKs('x', './apps/x')}---\n${fluxKs('y', './apps/y')}---\n${fluxKs('z', './apps/z')}`,
        'site/apps/x/cm.yaml': CLEAN,
      });
      git(dir, 'init', '-q');
      const run = async () => findings(join(dir, 'site'), ['--cache-location', '../cache']);
      const fromSite = ['flux.yaml:21 flux-path-missing', 'flux.yaml:34 flux-path-missing'];
      expect(await run()).toEqual(fromSite);
      expect(await run()).toEqual(fromSite);
      writeTree(dir, { 'apps/y/cm.yaml': CLEAN, 'apps/z/cm.yaml': CLEAN });
      expect(await run()).toEqual(['../site/flux.yaml:8 flux-path-missing']);
    });

    it('does not read a work tree at the home directory (a dotfiles repository) from one of its directories', () => {
      const dir = tempTree({ ...files(''), 'other/backup.yaml': BACKUP });
      git(dir, 'init', '-q');
      const bin = join(ROOT, 'bin', 'homeops-lint.js');
      const result = spawnSync(process.execPath, [bin, '--format', 'json'], { cwd: join(dir, 'kubernetes'), encoding: 'utf8', env: { ...process.env, HOME: dir } });
      expect((JSON.parse(result.stdout).findings as { file: string }[]).every((f) => !f.file.startsWith('../'))).toBe(true);
    });

    it('stops at the directory the Flux paths are written from, below the top of the work tree', async () => {
      const dir = tempTree({ ...files('site/'), 'site/kubernetes/flux/apps.yaml': fluxKs('apps', './kubernetes/apps'), 'site/kubernetes/flux/infra.yaml': fluxKs('infra', './kubernetes/infra') });
      git(dir, 'init', '-q');
      expect(await findings(join(dir, 'site/kubernetes'))).toEqual(['../kubernetes/apps/db/backup.yaml:7 cnpg-backup-immediate', '../kubernetes/infra/backup.yaml:7 cnpg-backup-immediate']);
    });

    it('looks no higher than the working directory outside git', async () => {
      const result = await findings(join(tempTree(files('')), 'kubernetes'));
      expect(result.filter((finding) => finding.startsWith('../'))).toEqual([]);
      expect(result).toContain('apps/db/backup.yaml:7 cnpg-backup-immediate');
    });
  });
});

describe('a kustomization entry that git ignores', () => {
  const files = {
    'apps/kustomization.yaml': 'resources:\n  - ./cm.yaml\n  - ./cm.local.yaml\n  - ./secrets\n  - ./gone.yaml\n',
    'apps/cm.yaml': CLEAN,
    'apps/cm.local.yaml': CLEAN,
    'apps/secrets/kustomization.yaml': 'resources: [s.yaml]\n',
    'apps/secrets/s.yaml': CLEAN,
    '.gitignore': '*.local.yaml\nsecrets/\n',
  };
  const findings = async (dir: string) =>
    (JSON.parse((await cli(['--format', 'json'], dir)).stdout).findings as { file: string; line: number; column: number; endColumn: number; messageId: string }[]).map(
      (f) => `${f.file}:${f.line}:${f.column}-${f.endColumn} ${f.messageId}`,
    );
  const expected = ['apps/kustomization.yaml:3:5-20 ignored', 'apps/kustomization.yaml:4:5-14 ignored', 'apps/kustomization.yaml:5:5-16 missing'];

  it('is reported as ignored in a git work tree, and as present once committed', async () => {
    const dir = tempTree(files);
    git(dir, 'init', '-q');
    expect(await findings(dir)).toEqual(expected);
    git(dir, 'add', '-f', 'apps/cm.local.yaml');
    expect(await findings(dir)).toEqual(expected.slice(1));
  });

  it('is asked about again by a run from the cache, which no linted file changed', async () => {
    const dir = tempTree({ 'apps/kustomization.yaml': 'resources:\n  - ./crds.json\n', 'apps/crds.json': '{}\n', '.gitignore': '*.json\n' });
    git(dir, 'init', '-q');
    const cached = async () => (JSON.parse((await cli(['--format', 'json', '--cache-location', 'cache'], dir)).stdout).findings as { messageId: string }[]).map((f) => f.messageId);
    expect(await cached()).toEqual(['ignored']);
    expect(await cached()).toEqual(['ignored']);
    git(dir, 'add', '-f', 'apps/crds.json');
    expect(await cached()).toEqual([]);
  });

  it('is reported as ignored outside git, by the .gitignore files of the tree', async () => {
    expect(await findings(tempTree(files))).toEqual(expected);
  });
});

describe('homeops-lint rules and explain', () => {
  it('lists every rule with its default severity, kinds and description', async () => {
    const { code, stdout } = await cli(['rules'], tempTree({}));
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RULE +DEFAULT +KINDS +DESCRIPTION$/);
    expect(lines.slice(1).map((line) => line.split(/ {2,}/)[0])).toEqual(ruleMetas.map((meta) => meta.id));
    expect(stdout).toMatch(/^cnpg-backup-immediate +error +postgresql\.cnpg\.io\/Backup, postgresql\.cnpg\.io\/ScheduledBackup +CloudNativePG Backup and ScheduledBackup specs must hold only fields/m);
  });

  it('prints a rule page, and refuses an unknown rule', async () => {
    const dir = tempTree({});
    const page = await cli(['explain', 'pss-s6-overlay'], dir);
    expect(page.code).toBe(0);
    expect(page.stdout).toBe(readFileSync(join(ROOT, 'docs/rules/pss-s6-overlay.md'), 'utf8'));
    expect(await cli(['explain', 'nope'], dir)).toEqual({ code: 2, stdout: '', stderr: 'homeops-lint: unknown rule "nope"; run "homeops-lint rules" to list them\n' });
  });
});
