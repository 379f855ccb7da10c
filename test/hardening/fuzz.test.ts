import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatters } from '../../src/formatters/index.js';
import type { Finding } from '../../src/linter/finding.js';
import { lint } from '../../src/linter/linter.js';
import { ProjectCache } from '../../src/project/cache.js';
import { tempTree } from '../helpers/temp-repo.js';
import { cli } from '../helpers/cli.js';
import { hostileTree, outside } from './hostile.js';
import { CORPUS, corpusFiles, fixtureCases, isConfiguration, mutate, mutations, type TextFile } from '../helpers/mutations.js';

/**
 * Property-based tests: real manifests (the fixtures, and the corpus of
 * real repositories when ../shared is present), mutated the ways a hand or a
 * bad merge breaks YAML, must lint without an exception, within a time bound,
 * with every finding inside its file. CI runs a fixed seed and few runs;
 * `npm run fuzz` runs many (FUZZ_RUNS); FUZZ_SEED replays another seed.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_251_127);
const TIME_BOUND_MS = 3_000;
// The long run lints tens of thousands of inputs; vitest's own timeout must not end it early.
const TEST_TIMEOUT_MS = Math.max(60_000, RUNS * 200);

/** Lints `files` and checks every property; returns the findings. */
function lintChecked(files: readonly TextFile[]): readonly Finding[] {
  const start = performance.now();
  const { findings } = lint({ root: '', files });
  const ms = performance.now() - start;
  expect(ms, 'time to lint').toBeLessThan(TIME_BOUND_MS);
  const texts = new Map(files.map((file) => [file.path, file.text]));
  for (const finding of findings) {
    const problem = outside(finding, texts) ?? finding.related.map((related) => outside(related, texts)).find(Boolean);
    expect(problem, `${finding.ruleId} at ${finding.file}:${finding.line}:${finding.column}-${finding.endLine}:${finding.endColumn}`).toBeUndefined();
    expect(['error', 'warning']).toContain(finding.severity);
    expect(finding.message.length).toBeGreaterThan(0);
  }
  const input = { findings, fileCount: files.length, sourceOf: (file: string) => texts.get(file), color: false };
  for (const [name, format] of Object.entries(formatters)) {
    const output = format(input);
    if (name === 'json' || name === 'sarif') JSON.parse(output);
    if (name === 'stylish') expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  }
  return findings;
}

const parameters = { seed: SEED, numRuns: RUNS, endOnFailure: true } as const;

/**
 * A check that lets the event loop run after each case: `npm run fuzz` kept
 * vitest's worker busy for over a minute without, and vitest reported that
 * its worker stopped answering as an error of the run.
 */
function yielding<T>(check: (value: T) => void): (value: T) => Promise<void> {
  return async (value) => {
    check(value);
    await new Promise((resume) => setImmediate(resume));
  };
}

/**
 * The index of a manifest of the case to mutate: not its configuration file
 * (a broken configuration is a usage error, exit 2, by design).
 */
function manifestIndex(files: readonly TextFile[], pick: number): number {
  const manifests = files.flatMap((file, i) => (isConfiguration(file.path) ? [] : [i]));
  return manifests[pick % manifests.length]!;
}

describe('fuzzing the fixtures', () => {
  const cases = fixtureCases();
  const donors = cases.flat();
  // A fixture case, one of its manifests mutated.
  const mutatedCase = fc.record({ which: fc.nat(), file: fc.nat(), changes: mutations }).map(({ which, file, changes }) => {
    const original = cases[which % cases.length]!;
    const target = manifestIndex(original, file);
    const text = changes.reduce((current, change) => mutate(current, change, donors), original[target]!.text);
    return original.map((kept, i) => (i === target ? { path: kept.path, text } : kept));
  });

  it('has cases to mutate', () => {
    expect(cases.length).toBeGreaterThan(50);
  });

  it(
    'a mutated file of a fixture case lints, with the rest of its case, within the bound and with findings inside their files',
    async () => {
      await fc.assert(fc.asyncProperty(mutatedCase, yielding(lintChecked)), parameters);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a mutated fixture case lints from the analyses a cache stored as it lints without one',
    async () => {
      const directory = tempTree({});
      await fc.assert(
        fc.asyncProperty(
          mutatedCase,
          yielding((files) => {
            const fresh = lint({ root: '', files }).findings;
            // Rules read stored documents through shortcuts of their own (their JSON text).
            const writer = new ProjectCache(directory, 'fuzz');
            lint({ root: '', files, cache: writer });
            writer.save('run', { findings: [], fileCount: 0, probes: [] });
            expect(lint({ root: '', files, cache: new ProjectCache(directory, 'fuzz') }).findings).toEqual(fresh);
          }),
        ),
        { ...parameters, numRuns: Math.max(10, Math.round(RUNS / 4)) },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'through the CLI, a mutated case exits 0 or 1 and prints nothing on stderr',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedCase, async (files) => {
          const dir = hostileTree(Object.fromEntries(files.map((file) => [file.path, file.text])));
          const { code, stderr } = await cli(['--format', 'json', '.'], dir);
          expect({ code: code === 0 || code === 1, stderr }).toEqual({ code: true, stderr: '' });
        }),
        { ...parameters, numRuns: Math.max(10, Math.round(RUNS / 10)) },
      );
    },
    TEST_TIMEOUT_MS,
  );
});

const hasCorpus = existsSync(CORPUS);
if (!hasCorpus) it.skip(`fuzzing the corpus needs ${CORPUS}, which is not present`, () => {});

describe.skipIf(!hasCorpus)('fuzzing the corpus', () => {
  const files = hasCorpus ? corpusFiles() : [];

  it(
    'a mutated real manifest lints within the bound, with findings inside the file',
    async () => {
      expect(files.length).toBeGreaterThan(2_000);
      const arbitrary = fc.record({ which: fc.nat(), changes: mutations });
      await fc.assert(
        fc.asyncProperty(
          arbitrary,
          yielding(({ which, changes }) => {
            const original = files[which % files.length]!;
            const text = changes.reduce((current, change) => mutate(current, change, files), original.text);
            lintChecked([{ path: original.path, text }]);
          }),
        ),
        parameters,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
