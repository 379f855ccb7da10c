import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TextFile } from '../src/linter/linter.js';
import { fastComposeFile } from '../src/yaml/fast-compose.js';
import { fastLocator } from '../src/yaml/fast-locate.js';
import { locate, type Path, type PathSegment, type SpanTarget } from '../src/yaml/locate.js';
import { parseSource, restoreSource, type Span } from '../src/yaml/source.js';
import { CORPUS, corpusFiles, fixtureCases, mutate, mutations } from './helpers/mutations.js';

// CI runs fixed seeds; FUZZ_SEED and FUZZ_RUNS explore further (as in test/fast-compose.test.ts).
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);

/** How many positions of each kind the fast locator was asked for, and answered. */
interface Coverage {
  /** Existing scalars (or aliases), target 'value'. */
  scalars: { asked: number; answered: number };
  /** Existing keys, target 'key'. */
  keys: { asked: number; answered: number };
  /** Every query. */
  all: { asked: number; answered: number };
}

function newCoverage(): Coverage {
  return { scalars: { asked: 0, answered: 0 }, keys: { asked: 0, answered: 0 }, all: { asked: 0, answered: 0 } };
}

type Kind = 'scalar' | 'collection' | 'missing';

/**
 * Every path to every node of a composed document, as rules name them:
 * each key of each mapping (also inherited through `<<`) and each index of
 * each sequence; and paths that do not exist or that `locate` reads in its
 * own way: `<<` itself, a missing key, an index past the end, an index as
 * text, a number for a numeric key, a child of a scalar.
 */
function* pathsIn(value: unknown, path: PathSegment[] = []): Generator<{ path: Path; kind: Kind; inMap: boolean }> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      yield* yieldNode(item, [...path, index], false);
    }
    yield { path: [...path, value.length], kind: 'missing', inMap: false };
    yield { path: [...path, -1], kind: 'missing', inMap: false };
    if (value.length > 0) yield { path: [...path, '0'], kind: 'missing', inMap: false };
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      yield* yieldNode(inner, [...path, key], true);
      if (/^(0|[1-9][0-9]{0,8})$/.test(key)) yield { path: [...path, Number(key)], kind: 'missing', inMap: true };
    }
    yield { path: [...path, '<<'], kind: 'missing', inMap: true };
    yield { path: [...path, 'no such key'], kind: 'missing', inMap: true };
    yield { path: [...path, 'no such key', 'deeper', 0], kind: 'missing', inMap: true };
  } else {
    yield { path: [...path, 'child'], kind: 'missing', inMap: true };
    yield { path: [...path, 0], kind: 'missing', inMap: false };
  }
}

function* yieldNode(value: unknown, path: PathSegment[], inMap: boolean): Generator<{ path: Path; kind: Kind; inMap: boolean }> {
  yield { path, kind: typeof value === 'object' && value !== null ? 'collection' : 'scalar', inMap };
  yield* pathsIn(value, path);
}

/**
 * Asks the fast locator for every path of every document of `text` with
 * both targets; every answer must be what `locate` gives on the document
 * parseSource parses. Returns false when the fast composer does not take
 * the text, else the mismatches (at most a few).
 */
function compare(text: string, coverage: Coverage = newCoverage()): string[] | false {
  const fast = fastComposeFile(text);
  if (fast === undefined) return false;
  const source = parseSource('file.yaml', text);
  expect(source.text).toBe(fast.text);
  const locator = fastLocator(fast.text);
  expect(locator, 'the fast composer takes the text, so the fast locator must').toBeDefined();
  const mismatches: string[] = [];
  fast.values.forEach((value, documentIndex) => {
    const document = source.documents[documentIndex]!;
    const queries = [...pathsIn(value)];
    // The document itself, and the path rules use most, whatever the document holds.
    queries.push({ path: [], kind: 'collection', inMap: false }, { path: ['metadata', 'name'], kind: 'missing', inMap: true });
    for (const { path, kind, inMap } of queries) {
      for (const target of ['value', 'key'] as const) {
        const answer = locator!(documentIndex, path, target);
        count(coverage.all, answer);
        if (kind === 'scalar' && target === 'value') count(coverage.scalars, answer);
        if (kind !== 'missing' && inMap && target === 'key') count(coverage.keys, answer);
        if (answer === undefined) continue;
        const expected = locate(document, path, target);
        if (answer.start !== expected.start || answer.end !== expected.end) {
          if (mismatches.length < 5) mismatches.push(mismatchText(fast.text, documentIndex, path, target, answer, expected));
        }
      }
    }
  });
  return mismatches;
}

function count(counter: { asked: number; answered: number }, answer: Span | undefined): void {
  counter.asked++;
  if (answer !== undefined) counter.answered++;
}

function mismatchText(text: string, documentIndex: number, path: Path, target: SpanTarget, answer: Span, expected: Span): string {
  const shown = (span: Span) => `${span.start}-${span.end} ${JSON.stringify(text.slice(span.start, span.end).slice(0, 60))}`;
  return `document ${documentIndex} ${JSON.stringify(path)} ${target}: fast ${shown(answer)}, locate ${shown(expected)}`;
}

/** The text of the span the fast locator gives (undefined when it gives none), failing when that is not what `locate` gives. */
function located(text: string, path: Path, target: SpanTarget = 'value', documentIndex = 0): string | undefined {
  const fast = fastComposeFile(text)!;
  const answer = fastLocator(fast.text)!(documentIndex, path, target);
  if (answer === undefined) return undefined;
  expect(answer).toStrictEqual(locate(parseSource('x.yaml', text).documents[documentIndex]!, path, target));
  return fast.text.slice(answer.start, answer.end);
}

function percent(counter: { asked: number; answered: number }): number {
  return counter.asked === 0 ? 0 : (100 * counter.answered) / counter.asked;
}

function report(name: string, coverage: Coverage): void {
  const line = (label: keyof Coverage) => `${label} ${coverage[label].answered}/${coverage[label].asked} (${percent(coverage[label]).toFixed(1)}%)`;
  console.log(`fast locator on ${name}: ${line('scalars')}, ${line('keys')}, ${line('all')}`);
}

const MANIFEST = `apiVersion: v1
kind: Service
metadata:
  name: &app web
  labels: &labels
    app: web
    "quoted key": 'quoted value'
spec:
  ports:
    - port: 80 # comment
      name: http
  selector:
    <<: *labels
    tier: front
  owner: *app
  copy: *labels
  description: folded
    over lines
  script: |
    echo one

    echo two

  flow: {a: 1, b: [2]}
  empty:
  tagged: !env_var PORT
`;

describe('fastLocator', () => {
  it('places keys and scalars as locate does', () => {
    expect(located(MANIFEST, ['metadata', 'name'])).toBe('web');
    expect(located(MANIFEST, ['metadata', 'name'], 'key')).toBe('name');
    expect(located(MANIFEST, ['spec', 'ports', 0, 'port'])).toBe('80');
    expect(located(MANIFEST, ['spec', 'ports', 0, 'name'], 'key')).toBe('name');
    expect(located(MANIFEST, ['metadata', 'labels', 'quoted key'], 'key')).toBe('"quoted key"');
    expect(located(MANIFEST, ['metadata', 'labels', 'quoted key'])).toBe("'quoted value'");
    expect(located(MANIFEST, ['spec', 'description'])).toBe('folded\n    over lines');
    expect(located(MANIFEST, ['spec', 'script'])).toBe('|\n    echo one\n\n    echo two\n');
    expect(located(MANIFEST, ['spec', 'tagged'])).toBe('PORT');
  });

  it('points at an alias that ends the path, and follows it when the path goes on', () => {
    expect(located(MANIFEST, ['spec', 'owner'])).toBe('*app');
    expect(located(MANIFEST, ['spec', 'copy'])).toBe('*labels');
    expect(located(MANIFEST, ['spec', 'copy', 'app'])).toBe('web');
    expect(located(MANIFEST, ['spec', 'copy', 'app'], 'key')).toBe('app');
    // A scalar has no children: the alias is the closest existing node.
    expect(located(MANIFEST, ['spec', 'owner', 'x'])).toBe('*app');
  });

  it('finds keys inherited through a merge key where they are written, and the merge key itself', () => {
    expect(located(MANIFEST, ['spec', 'selector', 'app'])).toBe('web');
    expect(located(MANIFEST, ['spec', 'selector', 'app'], 'key')).toBe('app');
    expect(located(MANIFEST, ['spec', 'selector', 'tier'])).toBe('front');
    expect(located(MANIFEST, ['spec', 'selector', '<<'])).toBe('*labels');
    expect(located(MANIFEST, ['spec', 'selector', '<<'], 'key')).toBe('<<');
    expect(located(MANIFEST, ['spec', 'selector', '<<', 'app'])).toBe('web');
  });

  it('falls back to the closest existing ancestor for a missing path, as locate does', () => {
    expect(located(MANIFEST, ['spec', 'missing', 'deeper'], 'key')).toBe('spec');
    expect(located(MANIFEST, ['spec', 'ports', 0, 'protocol'], 'key')).toBeUndefined();
    expect(located(MANIFEST, ['spec', 'selector', 'missing'], 'key')).toBe('selector');
    expect(located(MANIFEST, ['spec', 'ports', 5], 'key')).toBe('ports');
    expect(located(MANIFEST, ['spec', 'ports', '0'], 'key')).toBe('ports');
  });

  it('leaves to yaml what it cannot be sure of', () => {
    const unknown: [Path, SpanTarget][] = [
      // Collections, empty values, the document itself.
      [['spec'], 'value'],
      [['spec', 'ports', 0], 'value'],
      [['spec', 'missing'], 'value'],
      [['spec', 'empty'], 'value'],
      [[], 'value'],
      [['nothing'], 'key'],
    ];
    for (const [path, target] of unknown) expect(located(MANIFEST, path, target), JSON.stringify(path)).toBeUndefined();
    // A quoted "<<" is a merge key to locate, and a key to the composer.
    expect(located('a:\n  "<<": x\n  b: y\n', ['a', 'b'])).toBeUndefined();
    expect(located('a:\n  "<<": x\n  b: y\n', ['a'], 'key')).toBe('a');
  });

  it('places flow collections and what is inside them', () => {
    expect(located(MANIFEST, ['spec', 'flow'])).toBe('{a: 1, b: [2]}');
    expect(located(MANIFEST, ['spec', 'flow', 'a'])).toBe('1');
    expect(located(MANIFEST, ['spec', 'flow', 'a'], 'key')).toBe('a');
    expect(located(MANIFEST, ['spec', 'flow', 'b'])).toBe('[2]');
    expect(located(MANIFEST, ['spec', 'flow', 'b', 0])).toBe('2');
    expect(located(MANIFEST, ['spec', 'flow', 'missing'])).toBe('{a: 1, b: [2]}');
    const text = 'port: &p 80\nargs:\n  [\n    "--config", # c\n    plain text  ,\n    x,\n    *p\n  ]\nhosts: &h ["${HOST}"]\ncopy: *h\nmap: {k, {NAME}: v, e: }\n';
    expect(located(text, ['args'])).toBe('[\n    "--config", # c\n    plain text  ,\n    x,\n    *p\n  ]');
    expect(located(text, ['args', 1])).toBe('plain text');
    expect(located(text, ['args', 2])).toBe('x');
    expect(located(text, ['args', 3])).toBe('*p');
    expect(located(text, ['hosts'])).toBe('["${HOST}"]');
    expect(located(text, ['copy'])).toBe('*h');
    expect(located(text, ['copy', 0])).toBe('"${HOST}"');
    // A key without a value, and an empty value: left to yaml; a `{NAME}` key is one locate does not find.
    expect(located(text, ['map', 'k'], 'key')).toBe('k');
    expect(located(text, ['map', 'k'])).toBeUndefined();
    expect(located(text, ['map', 'e'])).toBeUndefined();
    expect(located(text, ['map', '{ NAME }'])).toBe('{k, {NAME}: v, e: }');
  });

  it('does not find a pair whose key is an alias, as locate does not', () => {
    const text = 'k: &k name\nmap:\n  *k : value\n  other: 1\n';
    expect(located(text, ['map', 'name'], 'key')).toBe('map');
    expect(located(text, ['map', 'name'])).toBeUndefined();
    expect(located(text, ['map', 'other'])).toBe('1');
  });

  it('places the text that a go-yaml alias key was rewritten to', () => {
    const text = 'metadata:\n  name: &app web\nspec:\n  controllers:\n    *app:\n      replicas: 1\n  image: "x"\n';
    const rewritten = fastComposeFile(text)!.text;
    expect(rewritten).not.toBe(text);
    // The rewritten key is an alias, which locate does not find: the closest ancestor.
    expect(located(text, ['spec', 'controllers', 'web', 'replicas'], 'key')).toBe('controllers');
    // Offsets after the rewritten key are in the rewritten text.
    const image = fastLocator(rewritten)!(0, ['spec', 'image'], 'value')!;
    expect(image.start).toBe(text.indexOf('"x"') + 1);
    expect(located(text, ['spec', 'image'])).toBe('"x"');
  });

  it('places paths in every document of a file', () => {
    const text = '# head\na: 1\n---\nb: "two"\n---\n---\n- c\n- "d\n  e"\n';
    expect(located(text, ['a'], 'value', 0)).toBe('1');
    expect(located(text, ['b'], 'value', 1)).toBe('"two"');
    expect(located(text, [1], 'value', 3)).toBe('"d\n  e"');
    expect(fastLocator(text)!(7, ['a'], 'value')).toBeUndefined();
  });

  it('gives no locator for a text the fast composer does not take', () => {
    expect(fastLocator('a: !!str 1\n')).toBeUndefined();
    expect(fastLocator('metadata:\n  name: &app web\nspec:\n  *app:\n    x: 1\n')).toBeUndefined();
  });

  it('is what a restored source file offers, for a text the fast composer takes', () => {
    const known = { problems: [], isTemplate: false, mentionsVariables: false };
    expect(restoreSource('a.yaml', () => MANIFEST, known).locateFast!(0, ['kind'], 'value')).toStrictEqual({ start: 21, end: 28 });
    expect(restoreSource('a.yaml', () => 'a: !!str 1\n', known).locateFast!(0, ['a'], 'value')).toBeUndefined();
    expect(restoreSource('a.yaml', () => MANIFEST, { ...known, isTemplate: true }).locateFast!(0, ['kind'], 'value')).toBeUndefined();
    // --no-fast-compose: positions too come from `yaml`.
    expect(restoreSource('a.yaml', () => MANIFEST, known, { fastLocate: false }).locateFast!(0, ['kind'], 'value')).toBeUndefined();
  });

  it('answers only what locate answers on every fixture and example it takes', () => {
    const texts = fixtureCases().flat().map((file) => file.text);
    for (const entry of readdirSync(join(import.meta.dirname, '..', 'examples'), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && /\.ya?ml$/.test(entry.name)) texts.push(readFileSync(join(entry.parentPath, entry.name), 'utf8'));
    }
    const coverage = newCoverage();
    let taken = 0;
    for (const text of texts) {
      const mismatches = compare(text, coverage);
      if (mismatches === false) continue;
      taken++;
      expect(mismatches, text).toStrictEqual([]);
    }
    report('fixtures and examples', coverage);
    expect(taken).toBeGreaterThan(texts.length * 0.8);
    // 7,161 of 7,163 scalars and every key when written.
    expect(percent(coverage.scalars)).toBeGreaterThan(99);
    expect(percent(coverage.keys)).toBeGreaterThan(99);
  });

  // Lines of the shapes the fast composer takes, at random indentation (as in
  // test/fast-compose.test.ts), with the shapes whose ranges the locator
  // works out: keys with spaces before `:`, scalars over lines, block
  // scalars, anchors, tags, aliases, merges and flow collections.
  const KEYS = ['a', 'b', '1', '"q"', "'s'", 'k x ', '"t" ', '__proto__', '<<', '*a', '*a ', '"<<"'];
  const VALUES = ['x', '1', 'x  # c', '"s: #"', "'it''s'", '~', 'a b', '&a v', '&a', '*a', '*b', '&b [1, x]', '!t x', '!t "y"', '|', '|-', '>', '> # c', '[a , "b", *a, [c], {k: v}]', '{k: v, {N}: w, e: , f}', '[', '{', '[]', '{}', '"', "'", 'x\u00a0', 'text'];
  const line = fc.oneof(
    fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES, '')).map(([key, value]) => `${key}:${value === '' ? '' : ` ${value}`}`),
    fc.constantFrom(...VALUES, '').map((value) => `-${value === '' ? '' : ` ${value}`}`),
    fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)).map(([key, value]) => `- ${key}: ${value}`),
    fc.constantFrom('', '# comment', '---', 'more text', 'x"', "y'", '1, 2]', 'k: v}', ']', '}', '  '),
  );
  const document = fc.array(fc.tuple(fc.nat({ max: 6 }), line), { maxLength: 14 }).map((lines) => lines.map(([indent, text]) => ' '.repeat(indent) + text).join('\n'));

  it('answers only what locate answers on generated documents', () => {
    const coverage = newCoverage();
    let taken = 0;
    fc.assert(
      fc.property(document, (text) => {
        const mismatches = compare(text, coverage);
        if (mismatches === false) return;
        taken++;
        expect(mismatches, text).toStrictEqual([]);
      }),
      { seed: SEED + 5, numRuns: RUNS * 5, endOnFailure: true },
    );
    // The generator must reach the fast path, or this test proves nothing.
    report(`${taken} of ${RUNS * 5} generated documents`, coverage);
    expect(taken).toBeGreaterThan(RUNS / 2);
    expect(coverage.all.answered).toBeGreaterThan(RUNS);
  });

  it('answers only what locate answers on mutated fixtures', () => {
    expectAgreementOnMutations(fixtureCases().flat(), SEED + 3);
  });
});

/** Mutated copies of `files` (test/helpers/mutations.ts): where the fast composer takes one, the locator agrees with locate. */
function expectAgreementOnMutations(files: readonly TextFile[], seed: number): void {
  let taken = 0;
  fc.assert(
    fc.property(fc.record({ which: fc.nat(), changes: mutations }), ({ which, changes }) => {
      const text = changes.reduce((current, change) => mutate(current, change, files), files[which % files.length]!.text);
      const mismatches = compare(text);
      if (mismatches === false) return;
      taken++;
      expect(mismatches, text).toStrictEqual([]);
    }),
    { seed, numRuns: RUNS, endOnFailure: true },
  );
  // Most mutations must still reach the fast path, or this proves nothing.
  expect(taken).toBeGreaterThan(RUNS / 10);
}

const hasCorpus = existsSync(CORPUS);
if (!hasCorpus) it.skip(`comparing the fast locator on the corpus needs ${CORPUS}, which is not present`, () => {});

describe.skipIf(!hasCorpus)('fastLocator on the corpus', () => {
  const files = hasCorpus ? corpusFiles() : [];

  it('answers only what locate answers, for most scalars and keys of every file', () => {
    expect(files.length).toBeGreaterThan(2_000);
    const coverage = newCoverage();
    const failures: string[] = [];
    for (const file of files) {
      const mismatches = compare(file.text, coverage);
      if (mismatches !== false && mismatches.length > 0) failures.push(`${file.path}\n  ${mismatches.join('\n  ')}`);
    }
    report('the corpus', coverage);
    expect(failures.slice(0, 10)).toStrictEqual([]);
    // 99.8% of scalars and 100% of keys when written; what is left is empty values and scalars on the line after their key.
    expect(percent(coverage.scalars)).toBeGreaterThan(99.5);
    expect(percent(coverage.keys)).toBeGreaterThan(99.5);
  });

  it('answers only what locate answers on mutated real files', () => {
    expectAgreementOnMutations(files, SEED + 4);
  });

});
