import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { tempTree } from './helpers/temp-repo.js';

const backup = (name: string, pad = '') =>
  `${pad}apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: ${name}\nspec:\n  cluster: {name: pg}\n  immediate: true\n`;

const findingsOf = (stdout: string) => JSON.parse(stdout).findings.map((f: { file: string; line: number; ruleId: string }) => `${f.file}:${f.line} ${f.ruleId}`);

describe('baseline', () => {
  it('records today\'s findings and reports only new ones, even after edits move lines', async () => {
    const dir = tempTree({ 'db/a.yaml': backup('a'), 'db/b.yaml': backup('b') });
    expect(await cli(['--write-baseline'], dir)).toEqual({ code: 0, stdout: '', stderr: 'homeops-lint: wrote 2 findings to .homeops-lint-baseline.json\n' });
    const baseline = JSON.parse(readFileSync(join(dir, '.homeops-lint-baseline.json'), 'utf8'));
    expect(baseline.version).toBe(1);
    expect(baseline.findings.map((e: { file: string; resource: string }) => `${e.file} ${e.resource}`)).toEqual([
      'db/a.yaml Backup//a',
      'db/b.yaml Backup//b',
    ]);

    // Unrelated edits move the recorded finding down five lines; a new Backup appears.
    writeFileSync(join(dir, 'db/a.yaml'), backup('a', '# moved\n# by\n# an\n# unrelated\n# edit\n'));
    writeFileSync(join(dir, 'db/c.yaml'), backup('c'));
    const result = await cli(['--baseline', '--format', 'json'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(findingsOf(result.stdout)).toEqual(['db/c.yaml:7 cnpg-backup-immediate']);
  });

  it('reads and writes a named file, and treats a following path as a path', async () => {
    const dir = tempTree({ 'repo/a.yaml': backup('a') });
    expect(await cli(['--write-baseline', 'missing-dir/known.json', 'repo'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^homeops-lint: cannot write missing-dir\/known\.json: ENOENT/),
    });
    expect((await cli(['--write-baseline', 'known.json', 'repo'], dir)).code).toBe(0);
    expect(await cli(['--baseline', 'known.json', 'repo'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await cli(['--baseline', 'repo'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'homeops-lint: baseline file not found: .homeops-lint-baseline.json; create it with --write-baseline\n',
    });
  });

  it('lists entries that no longer match, and prunes them with --prune-baseline', async () => {
    const dir = tempTree({ 'a.yaml': backup('a'), 'b.yaml': backup('b') });
    await cli(['--write-baseline'], dir);
    writeFileSync(join(dir, 'a.yaml'), backup('a').replace('  immediate: true\n', ''));
    const listed = await cli(['--baseline'], dir);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe('');
    expect(listed.stderr).toMatch(
      /^homeops-lint: 1 baseline entry no longer matches a finding; run with --prune-baseline to remove it:\n {2}a\.yaml {2}cnpg-backup-immediate {2}Backup\/\/a {2}Backup "a" sets spec\.immediate/,
    );
    expect(await cli(['--prune-baseline'], dir)).toEqual({ code: 0, stdout: '', stderr: 'homeops-lint: removed 1 stale entry from .homeops-lint-baseline.json\n' });
    const pruned = JSON.parse(readFileSync(join(dir, '.homeops-lint-baseline.json'), 'utf8'));
    expect(pruned.findings.map((e: { file: string }) => e.file)).toEqual(['b.yaml']);
    expect(await cli(['--baseline'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('needs one entry per finding: a second identical finding is new', async () => {
    const dir = tempTree({ 'a.yaml': backup('a') });
    await cli(['--write-baseline'], dir);
    writeFileSync(join(dir, 'a.yaml'), `${backup('a')}---\n${backup('a')}`);
    expect(findingsOf((await cli(['--baseline', '--format', 'json'], dir)).stdout)).toEqual(['a.yaml:15 cnpg-backup-immediate']);
  });

  it('refuses a file that is not a baseline', async () => {
    const dir = tempTree({ 'a.yaml': backup('a'), 'bad.json': '{"findings": 3}' });
    expect(await cli(['--baseline', 'bad.json'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'homeops-lint: bad.json is not a homeops-lint baseline (expected {"version": 1, "findings": [...]})\n',
    });
  });
});
