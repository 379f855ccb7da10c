import { cpSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintProject, type ProjectOptions } from '../src/project/lint-project.js';
import { tempTree } from './helpers/temp-repo.js';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'home-ops');

/** A copy of the example repository (outside git) to edit freely. */
function exampleCopy(): string {
  const dir = tempTree({});
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

async function run(dir: string, cache: ProjectOptions['cache'] | undefined, configFile?: string) {
  const result = await lintProject({ cwd: dir, paths: [], allowJsConfig: false, cache, configFile });
  return result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.ruleId} ${f.message}`);
}

const cached = (version = '1.0.0') => ({ location: '.cache', version });

describe('--cache', () => {
  it('gives the same findings as an uncached run: cold, warm, after a change, a deletion, a new config and a new version', async () => {
    const dir = exampleCopy();
    const expectSame = async (version?: string, configFile?: string) => {
      const fresh = await run(dir, undefined, configFile);
      expect(await run(dir, cached(version), configFile)).toEqual(fresh);
      // The second run is served from the stored run; it must not differ either.
      expect(await run(dir, cached(version), configFile)).toEqual(fresh);
      return fresh;
    };

    const first = await expectSame();
    expect(first.length).toBeGreaterThan(10);
    expect(readdirSync(join(dir, '.cache')).sort()).toEqual([expect.stringMatching(/^analyses-\w+\.bin$/), expect.stringMatching(/^runs-\w+\.bin$/)]);

    // A changed file: the fixed Backup no longer reports, a new mistake does.
    const backup = join(dir, 'kubernetes/apps/database/cloudnative-pg/cluster/backup.yaml');
    writeFileSync(backup, '---\napiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: fixed\nspec:\n  cluster:\n    name: postgres\n  metadata: {}\n');
    const changed = await expectSame();
    expect(changed).not.toEqual(first);

    // A deleted file: its findings go, and so do cross-file findings it caused.
    rmSync(join(dir, 'kubernetes/infrastructure/monitoring/kube-prometheus-stack'), { recursive: true });
    const deleted = await expectSame();
    expect(deleted.some((line) => line.includes('duplicate-helmrelease'))).toBe(false);

    // A changed configuration.
    writeFileSync(join(dir, 'strict.yaml'), 'rules:\n  cnpg-backup-immediate: warn\n  orphan-manifest: error\n');
    const configured = await expectSame(undefined, 'strict.yaml');
    expect(configured).not.toEqual(deleted);

    // A new tool version never reads the old entries.
    await expectSame('2.0.0');
    expect(readdirSync(join(dir, '.cache')).filter((name) => name.startsWith('runs-'))).toHaveLength(2);
  });

  it('treats a damaged cache as empty', async () => {
    const dir = exampleCopy();
    const fresh = await run(dir, undefined);
    await run(dir, cached());
    for (const name of readdirSync(join(dir, '.cache'))) writeFileSync(join(dir, '.cache', name), 'not a cache');
    expect(await run(dir, cached())).toEqual(fresh);
    expect(existsSync(join(dir, '.cache'))).toBe(true);
  });

  it('places findings in a file read as Flux reads `*app:` (a text that differs from the file) where an uncached run does', async () => {
    const dir = tempTree({
      'backup.yaml': [
        'apiVersion: postgresql.cnpg.io/v1',
        'kind: Backup',
        'metadata:',
        '  name: &app pg',
        '  labels: { x: y }',
        '  annotations:',
        '    *app: yes',
        'spec:',
        '  cluster:',
        '    name: pg',
        '  immediate: true',
        '',
      ].join('\n'),
    });
    const fresh = await run(dir, undefined);
    expect(fresh).toEqual([expect.stringMatching(/^backup\.yaml:11:3 error cnpg-backup-immediate /)]);
    // A run that fills the file cache, and one that reads it (the stored run is not used: another run key).
    expect(await run(dir, cached())).toEqual(fresh);
    rmSync(join(dir, '.cache', readdirSync(join(dir, '.cache')).find((name) => name.startsWith('runs-'))!));
    expect(await run(dir, cached())).toEqual(fresh);
  });
});
