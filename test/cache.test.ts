import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FileAnalysis } from '../src/linter/linter.js';
import { ProjectCache } from '../src/project/cache.js';
import { certainlyLacksKey, certainlyLacksText, writtenJson } from '../src/resources/values.js';
import { lintProject, type ProjectOptions } from '../src/project/lint-project.js';
import { git, tempTree } from './helpers/temp-repo.js';

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

const cached = (version = '1.0.0', now?: () => number) => ({ location: '.cache', version, now });

// Files this test wrote are trusted by their stamp (not read again) only once
// they are older than the racy window; this clock runs a minute ahead.
const aMinuteLater = () => Date.now() + 60_000;

describe('--cache', () => {
  it.each([
    ['files just written (read again every run)', undefined, false],
    ['unchanged files trusted by their stamp', aMinuteLater, false],
    ['in a git work tree, with the stamps discovery took', aMinuteLater, true],
  ])('gives the same findings as an uncached run: cold, warm, after a change, a deletion, a new config and a new version; %s', async (_, now, inGit) => {
    const dir = exampleCopy();
    if (inGit) {
      git(dir, 'init', '-q');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'example');
    }
    const expectSame = async (version?: string, configFile?: string) => {
      const fresh = await run(dir, undefined, configFile);
      expect(await run(dir, cached(version, now), configFile)).toEqual(fresh);
      // The second run is served from the stored run; it must not differ either.
      expect(await run(dir, cached(version, now), configFile)).toEqual(fresh);
      return fresh;
    };

    const first = await expectSame();
    expect(first.length).toBeGreaterThan(10);
    const cacheFiles = [
      '.gitignore',
      expect.stringMatching(/^analyses-\w+\.json$/),
      ...(now ? [expect.stringMatching(/^files-\w+\.json$/)] : []),
      expect.stringMatching(/^inputs-\w+\.json$/),
      expect.stringMatching(/^plan-\w+-\w+\.bin$/),
      expect.stringMatching(/^run-\w+-\w+\.json$/),
    ];
    expect(readdirSync(join(dir, '.cache')).sort()).toEqual(cacheFiles);

    // A changed file: the fixed Backup no longer reports, a new mistake does.
    const backup = join(dir, 'kubernetes/apps/database/cloudnative-pg/cluster/backup.yaml');
    writeFileSync(backup, '---\napiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: fixed\nspec:\n  cluster:\n    name: postgres\n  metadata: {}\n');
    // A whole second, which utimes sets exactly, to put back below.
    const modified = Math.floor(Date.now() / 1000);
    utimesSync(backup, modified, modified);
    const changed = await expectSame();
    expect(changed).not.toEqual(first);

    // Changed again to the same size, with its modification time put back:
    // the inode change time still tells.
    writeFileSync(backup, readFileSync(backup, 'utf8').replace('metadata: {}', 'immediate: 1'));
    utimesSync(backup, modified, modified);
    expect(statSync(backup).mtimeMs).toBe(modified * 1000);
    const sameSize = await expectSame();
    expect(sameSize).not.toEqual(changed);

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
    expect(new Set(readdirSync(join(dir, '.cache')).flatMap((name) => /^run-(\w+)-/.exec(name)?.[1] ?? []))).toHaveProperty('size', 2);
  });

  it('ignores a directory it makes for itself in git, and leaves alone one that existed', async () => {
    const dir = tempTree({ 'db/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n', 'mine/notes.txt': 'mine\n' });
    git(dir, 'init', '-q');
    await run(dir, cached());
    expect(readFileSync(join(dir, '.cache', '.gitignore'), 'utf8')).toBe('# homeops-lint cache\n*\n');
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('?? db/a.yaml\n?? mine/notes.txt\n');
    await lintProject({ cwd: dir, paths: [], allowJsConfig: false, cache: { location: 'mine', version: '1.0.0' } });
    expect(existsSync(join(dir, 'mine', '.gitignore'))).toBe(false);
  });

  it('keeps the deployment plan while edits leave what it reads alone, and plans again when they do not', async () => {
    const dir = exampleCopy();
    const apps = join(dir, 'kubernetes/apps');
    // Each plan file by its name, with its inode: a file written anew has another.
    const planFiles = () => readdirSync(join(dir, '.cache')).filter((name) => name.startsWith('plan-')).map((name) => `${name}@${statSync(join(dir, '.cache', name)).ino}`);
    // Each run is compared with an uncached one; `planned` tells whether the run wrote a plan.
    let before: string[] = [];
    const expectSame = async () => {
      const fresh = await run(dir, undefined);
      expect(await run(dir, cached())).toEqual(fresh);
      const after = planFiles();
      const planned = after.some((file) => !before.includes(file));
      before = after;
      return { findings: fresh, planned };
    };
    const edit = (path: string, from: string, to: string) => writeFileSync(join(dir, path), readFileSync(join(dir, path), 'utf8').replace(from, to));

    expect((await expectSame()).planned).toBe(true);
    // An app's manifest: the plan reads nothing in it.
    edit('kubernetes/apps/default/podinfo/app/ingress.yaml', 'podinfo.${SECRET_DOMAIN}', 'info.${SECRET_DOMAIN}');
    expect((await expectSame()).planned).toBe(false);
    // A file the kustomization lists, not linted, appears on disk: no new plan, but the entry is no longer missing.
    edit('kubernetes/apps/default/kustomization.yaml', './whoami/ks.yaml', './whoami.json');
    expect((await expectSame()).findings.filter((line) => line.includes('kustomize-missing-resource'))).toHaveLength(1);
    writeFileSync(join(apps, 'default/whoami.json'), '{}\n');
    const noLongerMissing = await expectSame();
    expect(noLongerMissing.planned).toBe(false);
    expect(noLongerMissing.findings.filter((line) => line.includes('kustomize-missing-resource'))).toEqual([]);
    // A Flux Kustomization's path, a substitution variable, a new file: each plans again.
    edit('kubernetes/apps/default/podinfo/ks.yaml', 'podinfo/app', 'podinfo/gone');
    const moved = await expectSame();
    expect(moved.planned).toBe(true);
    expect(moved.findings.some((line) => line.includes('flux-path-missing') && line.includes('podinfo/ks.yaml'))).toBe(true);
    edit('kubernetes/flux/vars/cluster-settings.yaml', 'CLUSTER_NAME: home', 'TIMEZONE: Europe/Paris');
    const substituted = await expectSame();
    expect(substituted.planned).toBe(true);
    expect(substituted.findings.some((line) => line.includes('flux-substitution-undefined'))).toBe(false);
    writeFileSync(join(apps, 'default/podinfo/gone.yaml'), 'a: 1\n');
    expect((await expectSame()).planned).toBe(true);
  });

  it('plans again, and does not take the stored run, when a .sourceignore file changes', async () => {
    const dir = exampleCopy();
    const sourceIgnore = join(dir, 'kubernetes/apps/default/.sourceignore');
    const plans = () => readdirSync(join(dir, '.cache')).filter((name) => name.startsWith('plan-')).map((name) => `${name}@${statSync(join(dir, '.cache', name)).ino}`);
    const expectSame = async () => {
      const fresh = await run(dir, undefined);
      expect(await run(dir, cached())).toEqual(fresh);
      return fresh.filter((line) => line.includes('kustomize-missing-resource'));
    };
    const missing = await expectSame();
    const before = plans();
    writeFileSync(sourceIgnore, 'podinfo/\n');
    const excluded = await expectSame();
    expect(excluded).toEqual([
      expect.stringContaining('resources entry "./podinfo/ks.yaml" is left out of the artifact Flux builds from, by the pattern "podinfo/" of kubernetes/apps/default/.sourceignore'),
      ...missing,
    ]);
    expect(plans()).not.toEqual(before);
    writeFileSync(sourceIgnore, '# podinfo/\n');
    expect(await expectSame()).toEqual(missing);
  });

  it('keeps the plans of a repository linted from a few places, and no more than a few', async () => {
    const dir = exampleCopy();
    // From the repository's top, and from outside it: each plans the paths from where it stands.
    const fromTop = () => lintProject({ cwd: dir, paths: [], allowJsConfig: false, cache: { location: join(dir, '.cache'), version: '1.0.0' } });
    const fromAbove = () => lintProject({ cwd: join(dir, '..'), paths: [basename(dir)], allowJsConfig: false, cache: { location: join(dir, '.cache'), version: '1.0.0' } });
    const plans = () => readdirSync(join(dir, '.cache')).filter((name) => name.startsWith('plan-')).sort();
    await fromTop();
    await fromAbove();
    const both = plans();
    expect(both).toHaveLength(2);
    // Either one again finds its plan: no plan is written.
    const written = () => both.map((name) => statSync(join(dir, '.cache', name)).mtimeMs);
    const times = written();
    await fromTop();
    await fromAbove();
    expect(plans()).toEqual(both);
    expect(written()).toEqual(times);
    // Plans for other trees push the oldest out: four are kept.
    for (const name of ['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']) {
      writeFileSync(join(dir, 'kubernetes/apps', name), 'a: 1\n');
      await fromTop();
    }
    expect(plans()).toHaveLength(4);
  });

  it('adds the analyses of changed files to a file of their own, and folds them in once many are stale', async () => {
    const backup = (name: string) => `apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: ${name}\nspec:\n  cluster:\n    name: pg\n  immediate: true\n`;
    const dir = tempTree(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`b${i}.yaml`, backup(`b${i}`)])));
    const cacheFile = (prefix: string) => readdirSync(join(dir, '.cache')).find((name) => name.startsWith(prefix));
    const expectSame = async () => expect(await run(dir, cached())).toEqual(await run(dir, undefined));

    await expectSame();
    const main = join(dir, '.cache', cacheFile('analyses-')!);
    expect(cacheFile('analyses-added-')).toBeUndefined();
    const mainBytes = readFileSync(main);

    // One file changed: its analysis is added; the main file is not rewritten.
    writeFileSync(join(dir, 'b0.yaml'), backup('renamed'));
    await expectSame();
    expect(cacheFile('analyses-added-')).toBeDefined();
    expect(readFileSync(main).equals(mainBytes)).toBe(true);

    // Half the files gone: what is left is folded into the main file.
    for (let i = 10; i < 20; i++) rmSync(join(dir, `b${i}.yaml`));
    await expectSame();
    expect(cacheFile('analyses-added-')).toBeUndefined();
    expect(readFileSync(main).equals(mainBytes)).toBe(false);
    await expectSame();
  });

  it('refuses a file replaced by a symbolic link since it was cached, as an uncached run does', async () => {
    const dir = exampleCopy();
    const backup = join(dir, 'kubernetes/apps/database/cloudnative-pg/cluster/backup.yaml');
    await run(dir, cached('1.0.0', aMinuteLater));
    cpSync(backup, join(dir, 'elsewhere.txt'));
    rmSync(backup);
    symlinkSync(join(dir, 'elsewhere.txt'), backup);
    // Named on the command line, so that discovery lists it (a walk leaves links out).
    const named = async (cache: ProjectOptions['cache']) => {
      const result = await lintProject({ cwd: dir, paths: ['.', 'kubernetes/apps/database/cloudnative-pg/cluster/backup.yaml'], allowJsConfig: false, cache });
      return result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.ruleId} ${f.message}`);
    };
    const fresh = await named(undefined);
    expect(fresh).toContainEqual(expect.stringMatching(/backup\.yaml:1:1 error yaml-syntax .*symbolic link/));
    expect(await named(cached('1.0.0', aMinuteLater))).toEqual(fresh);
  });

  it('still reports every finding when the cache cannot be written, with a note saying so', async () => {
    const dir = exampleCopy();
    writeFileSync(join(dir, 'not-a-directory'), '');
    const fresh = await lintProject({ cwd: dir, paths: [], allowJsConfig: false });
    const result = await lintProject({ cwd: dir, paths: [], allowJsConfig: false, cache: { location: 'not-a-directory/cache', version: '1.0.0' } });
    expect(result.findings).toEqual(fresh.findings);
    expect(result.notes).toEqual(['results not cached: cannot write in not-a-directory/cache: ENOTDIR: not a directory']);
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
    for (const name of readdirSync(join(dir, '.cache'))) if (name.startsWith('run-')) rmSync(join(dir, '.cache', name));
    expect(await run(dir, cached())).toEqual(fresh);
  });

  it('gives back each document as composed, reading an object\'s rest (all but type and metadata) once, when first asked for', () => {
    // `${K:=x}` is a key Flux's substitution may turn into `x`, or any other.
    const key = fc.constantFrom('apiVersion', 'kind', 'metadata', 'spec', 'data', '__proto__', 'toString', '1', 'x', '${K:=x}');
    // Doubles include NaN, -0 and the infinities, which JSON does not keep.
    const leaf = fc.oneof(fc.string({ maxLength: 3 }), fc.double(), fc.constantFrom(-0, Number.NaN, -Infinity), fc.boolean(), fc.constant(null));
    // Plain objects, as composing makes them (fast-check's have no prototype); `__proto__` stays an own key.
    const mapping = (entry: fc.Arbitrary<unknown>) => fc.dictionary(key, entry, { maxKeys: 5 }).map((d) => Object.fromEntries(Object.entries(d)));
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.sparseArray(tie('value'), { maxLength: 3 }), mapping(tie('value'))),
    }));
    const analysisOf = (values: unknown[]): FileAnalysis => ({ isTemplate: false, mentionsVariables: false, problems: [], composeErrors: [], directives: [], values, feedsDeployment: false });
    const dir = tempTree({});
    let round = 0;
    // Aliases: one object at two places, and one inside itself (no other kind is that long).
    const withAliases = fc.tuple(value, fc.boolean()).map(([shared, cyclic]) => {
      const spec: Record<string, unknown> = { a: shared, b: shared };
      if (cyclic) spec.self = spec;
      return { kind: 'Aliased', metadata: { labels: { x: 'y' } }, spec };
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(value, withAliases, fc.constant(undefined)), { maxLength: 3 }), (values) => {
        const written = new ProjectCache(dir, `${round++}`);
        written.set('file', analysisOf(values));
        written.save('run', { findings: [], fileCount: 1, probes: [] });
        const restored = new ProjectCache(dir, `${round - 1}`).get('file')!.values;
        expect(restored).toStrictEqual(values);
        values.forEach((document, index) => {
          if ((document as { kind?: unknown } | undefined)?.kind !== 'Aliased') return;
          const { spec } = document as { spec: Record<string, unknown> };
          const again = (restored[index] as { spec: Record<string, unknown> }).spec;
          if (spec.self === spec) expect(again.self).toBe(again);
          // Kept one object, not a copy at every use: JSON would grow an alias of an alias exponentially.
          if (typeof spec.a === 'object' && spec.a !== null) expect(again.a).toBe(again.b);
        });
        restored.forEach((document, index) => {
          if (typeof document !== 'object' || document === null || Array.isArray(document)) return;
          expect(Object.keys(document)).toEqual(Object.keys(values[index] as object));
          for (const name of Object.keys(document)) {
            const own = Object.getOwnPropertyDescriptor(document, name)!;
            expect(own.get === undefined).toBe(['apiVersion', 'kind', 'metadata'].includes(name));
            // Read once: later reads are the same values, which memos keyed by object rely on.
            expect((document as Record<string, unknown>)[name]).toBe((document as Record<string, unknown>)[name]);
          }
          // Said to lack a key only if no mapping inside it has that key, or a key that substitution may turn into it.
          for (const name of ['apiVersion', 'kind', 'metadata', 'spec', 'data', '__proto__', 'toString', '1', 'x', 'y', 'releaseName']) {
            if (!certainlyLacksKey(document as Record<string, unknown>, name)) continue;
            expect(holdsKey(values[index], name, new Set()), name).toBe(false);
            expect(holdsKey(values[index], '${K:=x}', new Set()), name).toBe(false);
          }
          // Said to lack a text only if no key or string inside it holds that text.
          for (const text of ['a', 'x', '${', 'K:=', 'LoadBalancer', '1']) {
            if (certainlyLacksText(document as Record<string, unknown>, text)) expect(holdsText(values[index], text, new Set()), text).toBe(false);
          }
          // Its JSON, when it gives one, holds every key and string inside, and each entry of a mapping as JSON writes it.
          const json = writtenJson(document as Record<string, unknown>);
          if (json !== undefined) for (const piece of jsonPieces(values[index], new Set())) expect(json).toContain(piece);
        });
      }),
      { seed: 6, numRuns: 300 },
    );
  });
});

describe('--cache, rule by rule', () => {
  const ROOT = join(import.meta.dirname, '..');
  const FIXTURES = join(ROOT, 'test', 'fixtures');
  const cases = readdirSync(FIXTURES)
    .sort()
    .flatMap((rule) => ['valid', 'invalid'].flatMap((kind) => readdirSync(join(FIXTURES, rule, kind)).sort().map((name) => `test/fixtures/${rule}/${kind}/${name}`)));

  // Rules read documents restored from the cache through shortcuts of their
  // own (their keys, their JSON text): each fixture, linted again from its
  // stored analyses, must give what an uncached run gives.
  it.each(cases)('%s', async (target) => {
    const location = tempTree({});
    const lintIt = (cache?: ProjectOptions['cache']) => lintProject({ cwd: ROOT, paths: [target], allowJsConfig: false, cache });
    const fresh = (await lintIt()).findings;
    await lintIt({ location, version: '1.0.0' });
    // Without the stored run, the rules run again, on the stored analyses.
    for (const name of readdirSync(location)) if (name.startsWith('run-')) rmSync(join(location, name));
    expect((await lintIt({ location, version: '1.0.0' })).findings).toEqual(fresh);
  });
});

describe('ProjectCache', () => {
  it('keeps each run in a file of its own, the sixteen newest', () => {
    const dir = tempTree({});
    const keyOf = (i: number) => `${i}-`.padEnd(64, 'k');
    for (let i = 0; i < 20; i++) {
      new ProjectCache(dir, '1').save(keyOf(i), { findings: [], fileCount: i, probes: [] });
      // A second apart: the clock of a file system may give files written in a row one time.
      const made = readdirSync(dir).find((name) => name.startsWith('run-') && name.includes(`-${i}-k`))!;
      utimesSync(join(dir, made), 1_000_000 + i, 1_000_000 + i);
    }
    expect(readdirSync(dir).filter((name) => name.startsWith('run-'))).toHaveLength(16);
    const cache = new ProjectCache(dir, '1');
    expect(cache.run(keyOf(19))?.fileCount).toBe(19);
    expect(cache.run(keyOf(0))).toBeUndefined();
    // A key that shares its file's name with another is not that one's.
    expect(cache.run(`${keyOf(19).slice(0, 16)}${'z'.repeat(48)}`)).toBeUndefined();
  });

  it('keeps the keys of runs that found their stored run, or filled an empty cache, with their inputs, and makes a key anew for other inputs', () => {
    const dir = tempTree({});
    const file = (path: string, text: string) => ({ path, text });
    // As lintProject does: the key, the stored run under it if there is one, and the run saved.
    const key = (files: { path: string; text: string }[], settings: unknown) => {
      const cache = new ProjectCache(dir, '1');
      const made = cache.runKey(files, settings);
      cache.save(made, cache.run(made) ?? { findings: [], fileCount: files.length, probes: [] });
      return made;
    };
    const kept = () => {
      const [inputs] = readdirSync(dir).filter((name) => name.startsWith('inputs-'));
      return inputs === undefined ? [] : JSON.parse(readFileSync(join(dir, inputs), 'utf8')).map((entry: { key: string }) => entry.key);
    };
    const a = key([file('a.yaml', 'a: 1\n')], { rules: {} });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    const b = key([file('a.yaml', 'a: 2\n')], { rules: {} });
    const c = key([file('a.yaml', 'a: 2\n')], { rules: { x: 'off' } });
    const d = key([file('b.yaml', 'a: 2\n')], { rules: { x: 'off' } });
    expect(new Set([a, b, c, d]).size).toBe(4);
    // The run that filled the empty cache keeps its key; a later one that
    // made a new stored run (after an edit) keeps none: the next, which finds it, does.
    expect(kept()).toEqual([a]);
    expect(key([file('a.yaml', 'a: 1\n')], { rules: {} })).toBe(a);
    expect(kept()).toEqual([a]);
    expect(key([file('a.yaml', 'a: 1\n')], { rules: {} })).toBe(a);
    // Two runs taking turns (one from inside the repository, and its run from the top) find theirs.
    expect(key([file('a.yaml', 'a: 2\n')], { rules: {} })).toBe(b);
    expect(kept()).toEqual([b, a]);
    expect(key([file('a.yaml', 'a: 1\n')], { rules: {} })).toBe(a);
    expect(kept()).toEqual([b, a]);
    // A kept key is used only with the inputs it was made of.
    const [inputs] = readdirSync(dir).filter((name) => name.startsWith('inputs-'));
    writeFileSync(join(dir, inputs!), JSON.stringify([{ key: 'f'.repeat(64), inputs: 'something else' }]));
    expect(key([file('a.yaml', 'a: 1\n')], { rules: {} })).toBe(a);
    expect(kept()).toEqual([a, 'f'.repeat(64)]);
  });

  it.each([
    ['from the top', false],
    ['from inside a git work tree, which it lints from the top with the same cache', true],
  ])('answers a run where nothing changed without loading node:crypto, %s', async (_, inside) => {
    const dir = exampleCopy();
    // Not its configuration: cosmiconfig, which reads one, loads node:crypto itself.
    rmSync(join(dir, '.homeops-lintrc.yaml'));
    if (inside) git(dir, 'init', '-q');
    const bin = join(import.meta.dirname, '..', 'bin', 'homeops-lint.js');
    const listModules = join(dir, 'list-modules.cjs');
    writeFileSync(listModules, "process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList)));\n");
    // A file changed within two seconds of a run is read again by the next (the racy window).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const lint = () =>
      inside
        ? spawnSync(process.execPath, ['-r', listModules, bin, '--cache', '--format', 'json'], { cwd: join(dir, 'kubernetes'), encoding: 'utf8' })
        : spawnSync(process.execPath, ['-r', listModules, bin, '--cache', '--format', 'json', 'kubernetes'], { cwd: dir, encoding: 'utf8' });
    // The first run fills the empty cache and keeps its key with its inputs: the next ones hash nothing.
    const [first, second, third] = [lint(), lint(), lint()];
    expect(second.stdout).toBe(first.stdout);
    expect(third.stdout).toBe(first.stdout);
    expect(JSON.parse(first.stderr)).toContain('NativeModule crypto');
    expect(JSON.parse(second.stderr)).not.toContain('NativeModule crypto');
    expect(JSON.parse(third.stderr)).not.toContain('NativeModule crypto');
  });

  it('writes its files in ASCII and gives back text beyond it as it was', () => {
    const dir = tempTree({});
    const text = 'caf\u00e9 \u{1f600} \ud800 \u2028';
    const document = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: text }, data: { [text]: text } };
    const written = new ProjectCache(dir, '1');
    written.set('text', { isTemplate: false, mentionsVariables: false, problems: [], composeErrors: [], directives: [], values: [document], feedsDeployment: false });
    written.save(text, { findings: [], fileCount: 1, probes: [[text, 'exists']] });
    for (const name of readdirSync(dir)) expect(readFileSync(join(dir, name), 'latin1'), name).toMatch(/^[\x00-\x7f]*$/);
    const cache = new ProjectCache(dir, '1');
    expect(cache.get('text')!.values).toStrictEqual([document]);
    expect(cache.run(text)?.probes).toEqual([[text, 'exists']]);
  });

  it('gives two files with the same text values of their own', () => {
    const dir = tempTree({});
    const document = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' } }, data: { k: 'v' } };
    const written = new ProjectCache(dir, '1');
    written.set('text', { isTemplate: false, mentionsVariables: false, problems: [], composeErrors: [], directives: [], values: [document], feedsDeployment: false });
    written.save('run', { findings: [], fileCount: 2, probes: [] });
    const cache = new ProjectCache(dir, '1');
    const [first] = cache.get('text')!.values as (typeof document)[];
    const [second] = cache.get('text')!.values as (typeof document)[];
    expect([first, second]).toStrictEqual([document, document]);
    expect(second!.metadata).not.toBe(first!.metadata);
    expect(second!.metadata.labels).not.toBe(first!.metadata.labels);
    expect(second!.data).not.toBe(first!.data);
    // So does a file whose text the run has just analysed and stored.
    const fresh = new ProjectCache(dir, '2');
    fresh.set('text', { isTemplate: false, mentionsVariables: false, problems: [], composeErrors: [], directives: [], values: [document], feedsDeployment: false });
    const [again] = fresh.get('text')!.values as (typeof document)[];
    expect(again).toStrictEqual(document);
    expect(again!.metadata).not.toBe(document.metadata);
  });
});

function holdsKey(value: unknown, name: string, seen: Set<object>): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, name)) return true;
  return Object.values(value).some((inner) => holdsKey(inner, name, seen));
}

function holdsText(value: unknown, text: string, seen: Set<object>): boolean {
  if (typeof value === 'string') return value.includes(text);
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  if (!Array.isArray(value) && Object.keys(value).some((key) => key.includes(text))) return true;
  return Object.values(value).some((inner) => holdsText(inner, text, seen));
}

/** What a document's JSON text holds: each key and string, and each mapping entry whose value is not an object, as JSON writes them. */
function jsonPieces(value: unknown, seen: Set<object>): string[] {
  if (typeof value === 'string') return [JSON.stringify(value)];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const entries = Array.isArray(value)
    ? []
    : Object.entries(value).flatMap(([key, inner]) => [JSON.stringify(key), ...(typeof inner === 'object' && inner !== null ? [] : [`${JSON.stringify(key)}:${JSON.stringify(inner)}`])]);
  return [...entries, ...Object.values(value).flatMap((inner) => jsonPieces(inner, seen))];
}
