import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { git, tempTree, writeTree } from './helpers/temp-repo.js';

const backup = (name: string, pad = '') =>
  `${pad}apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: ${name}\nspec:\n  cluster: {name: pg}\n  immediate: true\n`;
const locations = (stdout: string) => JSON.parse(stdout).findings.map((f: { file: string; line: number; column: number }) => `${f.file}:${f.line}:${f.column}`);

/** A repository whose main branch has one finding, and a feature branch checked out. */
function repoWithBase() {
  const dir = tempTree({ 'db/old.yaml': backup('old'), 'README.md': '# x\n' });
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  git(dir, 'checkout', '-qb', 'renovate/update');
  return dir;
}

describe('--diff-base', () => {
  it('reports only the finding a change introduces, and exits on it alone', async () => {
    const dir = repoWithBase();
    writeTree(dir, { 'db/new.yaml': backup('new') });
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'head');
    const result = await cli(['--diff-base', 'main', '--format', 'json'], dir);
    expect(result.code).toBe(1);
    expect(locations(result.stdout)).toEqual(['db/new.yaml:7:3']);
  });

  it('reports nothing for a change that only moves lines and renames files', async () => {
    const dir = repoWithBase();
    git(dir, 'mv', 'db/old.yaml', 'db/renamed.yaml');
    writeFileSync(join(dir, 'db/renamed.yaml'), backup('old', '# a comment that moves everything down\n---\n'));
    git(dir, 'commit', '-qam', 'move');
    expect(await cli(['--diff-base', 'main'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('reports nothing for a renamed file whose findings are about no resource (syntax, directives)', async () => {
    const dir = tempTree({ 'db/broken.yaml': '# homeops-lint-disable-next-line no-such-rule\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n' });
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'base');
    git(dir, 'checkout', '-qb', 'rename');
    git(dir, 'mv', 'db/broken.yaml', 'db/renamed.yaml');
    git(dir, 'commit', '-qm', 'rename');
    expect((await cli(['--format', 'json'], dir)).code).toBe(1);
    expect(await cli(['--diff-base', 'main'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('compares uncommitted work with the merge base too, and limits both sides to the paths given', async () => {
    const dir = repoWithBase();
    writeTree(dir, { 'db/wip.yaml': backup('wip'), 'other/wip.yaml': backup('other') });
    expect(locations((await cli(['--diff-base', 'main', '--format', 'json', 'db'], dir)).stdout)).toEqual(['db/wip.yaml:7:3']);
  });

  it('refuses a ref that does not exist', async () => {
    const dir = repoWithBase();
    const result = await cli(['--diff-base', 'no-such-branch'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^homeops-lint: cannot find the merge base of "no-such-branch" and HEAD: /);
  });
});

describe('--repo', () => {
  it('lints the whole repository for context and reports only the files given', async () => {
    const release = (file: string) => `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: grafana\n  namespace: monitoring\n# ${file}\n`;
    const dir = tempTree({ 'apps/grafana.yaml': release('a'), 'infrastructure/grafana.yaml': release('b'), 'db/old.yaml': backup('old') });
    const result = await cli(['--repo', '.', '--format', 'json', 'apps/grafana.yaml'], dir);
    expect(result.code).toBe(1);
    const [finding] = JSON.parse(result.stdout).findings;
    expect(JSON.parse(result.stdout).findings).toHaveLength(1);
    expect(finding).toMatchObject({ file: 'apps/grafana.yaml', line: 4, column: 9, ruleId: 'duplicate-helmrelease' });
    expect(finding.message).toContain('infrastructure/grafana.yaml:4:9');
  });

  it('reports the files given from a subdirectory of the repository, however they are written', async () => {
    const dir = tempTree({ 'db/a.yaml': backup('a'), 'db/b.yaml': backup('b') });
    for (const path of ['a.yaml', '../db/a.yaml', join(dir, 'db/a.yaml')]) {
      expect(locations((await cli(['--repo', '..', '--format', 'json', path], join(dir, 'db'))).stdout)).toEqual(['../db/a.yaml:7:3']);
    }
  });

  it('refuses a path given that does not exist, as a run without --repo does', async () => {
    const dir = tempTree({ 'db/a.yaml': backup('a') });
    expect(await cli(['--repo', '.', 'db/typo.yaml'], dir)).toEqual({ code: 2, stdout: '', stderr: 'homeops-lint: no such file or directory: db/typo.yaml\n' });
  });

  it('reports every finding when no path is given', async () => {
    const dir = tempTree({ 'db/a.yaml': backup('a'), 'db/b.yaml': backup('b') });
    const result = await cli(['--repo', '.', '--format', 'json'], dir);
    expect(result.code).toBe(1);
    expect(locations(result.stdout)).toEqual(['db/a.yaml:7:3', 'db/b.yaml:7:3']);
  });
});

describe('several formats', () => {
  it('writes one format to stdout and the others to files', async () => {
    const dir = tempTree({ 'db/a.yaml': backup('a') });
    const result = await cli(['--no-color', '--format', 'stylish', '--format', 'sarif=out/../results.sarif', '--format', 'json=findings.json'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^db\/a\.yaml:7:3 {2}error {2}/);
    expect(JSON.parse(readFileSync(join(dir, 'results.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(locations(readFileSync(join(dir, 'findings.json'), 'utf8'))).toEqual(['db/a.yaml:7:3']);
  });

  it('sends the stdout format to --output', async () => {
    const dir = tempTree({ 'db/a.yaml': backup('a') });
    expect(await cli(['-f', 'junit', '-o', 'junit.xml'], dir)).toEqual({ code: 1, stdout: '', stderr: '' });
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/^<\?xml/);
  });

  it('refuses two formats on stdout, and an unwritable file', async () => {
    const dir = tempTree({ 'db/a.yaml': backup('a') });
    expect(await cli(['-f', 'json', '-f', 'sarif'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'homeops-lint: only one --format can write to stdout; give the others a file: --format sarif=results.sarif\n',
    });
    expect((await cli(['-f', 'sarif=missing/x.sarif'], dir)).stderr).toMatch(/^homeops-lint: cannot write missing\/x\.sarif: ENOENT/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});
