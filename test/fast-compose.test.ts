import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lint, type InputFile } from '../src/linter/linter.js';
import { discoverFiles } from '../src/discovery/discover.js';
import { readInputFile } from '../src/discovery/read.js';
import { fastCompose, fastComposeFile } from '../src/yaml/fast-compose.js';
import { parseSource } from '../src/yaml/source.js';
import { cli } from './helpers/cli.js';
import { CORPUS, corpusFiles, fixtureCases, mutate, mutations } from './helpers/mutations.js';

// CI runs fixed seeds; FUZZ_SEED and FUZZ_RUNS explore further (as in test/hardening/fuzz.test.ts).
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);

/**
 * The fast composer must never change what the linter sees: whenever it
 * returns values, `yaml` parses the same text without a problem and
 * composes the same values (same keys in the same order, same types).
 */
function composedByYaml(text: string): { text: string; values: unknown[] } | undefined {
  const source = parseSource('file.yaml', text);
  if (source.problems.length > 0) return undefined;
  try {
    return { text: source.text, values: source.documents.map((document) => document.toJS({ maxAliasCount: 100 }) as unknown) };
  } catch {
    return undefined;
  }
}

/**
 * True when the fast composer took the text; fails the test when it took it
 * and differs from what parseSource and `yaml` read (values, and the text
 * positions refer to).
 */
function expectSameAsYaml(text: string): boolean {
  const fast = fastComposeFile(text);
  if (fast === undefined) {
    expect(fastCompose(text)).toBeUndefined();
    return false;
  }
  const expected = composedByYaml(text);
  expect(expected, `yaml refuses what the fast composer took:\n${text}`).toBeDefined();
  expect(fast.text, text).toBe(expected!.text);
  expect(fast.values, text).toStrictEqual(expected!.values);
  expect(JSON.stringify(fast.values), text).toBe(JSON.stringify(expected!.values));
  return true;
}

describe('fastCompose', () => {
  it.each([
    ['an empty file', ''],
    ['comments only', '# a\n\n# b\n'],
    ['a mapping', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x # trailing\n  namespace: y\n'],
    ['documents', '---\na: 1\n---\n# only a comment\n---\nb: 2\n---\n'],
    ['a marker with a comment', 'a: 1\n---  # next\nb: 2\n'],
    ['sequences, also at the key column', 'a:\n  - x\n  -\n  - y\nb:\n- 1\n- k: v\n  l: w\nc: 3\n'],
    ['a dash alone before a nested block', 'items:\n  -\n    name: a\n  - # comment\n    name: b\n'],
    ['core schema scalars', 'a: ~\nb: null\nc: true\nd: FALSE\ne: 0o17\nf: 0x1F\ng: -12\nh: +3\ni: 1.50\nj: .inf\nk: -.Inf\nl: .nan\nm: 1e3\nn: 2.5E-2\no: yes\np: 010\nq: 12345678901234567890\nr:\n'],
    ['keys the core schema resolves', '1: a\ntrue: b\n1.5: c\n0x10: d\n"quoted": e\n\'single\': f\nwith space: g\na:b: h\n'],
    ['prototype names as keys', '__proto__: a\nconstructor: b\ntoString: c\nhasOwnProperty: d\n'],
    ['quoted scalars', 'a: "x\\ty\\u00e9\\x41\\U0001F680 \\"q\\" \\\\ \\/ \\0\\a\\b\\e\\f\\n\\r\\v\\N\\_\\L\\P\\ "\nb: \'it\'\'s # not a comment\'\nc: "" # c\n'],
    ['quoted scalars over lines', 'a: "one\n  two  \n\n  three # not a comment\n\n\n  four"\nb: \'it\'\'s\n  \'\'q\'\'  \n\n  x\'\nc: "x\n  "\nd: \'\n  y\'\n'],
    ['lines of spaces inside quotes', 'a: "x\n \n\n     \n  y"\nb: \'x\n   \n  y\'\n'],
    ['escaped line breaks in double quotes', 'a: "x\\\n   y \\\n  z"\nb: "x\\   \n  y\\\\\n  z"\nc: "\\x41\n  \\u00e9\\\n  \\"q\\""\n'],
    ['quoted scalars over lines as entries, after anchors and tags', 's:\n- "x\n y"\n- k: \'x\n   y\'\n  l: &a "p\n   q" # c\n- *a\n- !t "x\n y"\nm:\n  "on the\n next line"\n'],
    ['Prometheus rule annotations', 'spec:\n  groups:\n    - name: cert-manager\n      rules:\n        - alert: CertManagerAbsent\n          expr: |\n            absent(up{job="cert-manager"})\n          annotations:\n            description: "New certificates will not be able to be minted, and existing\n              ones can\'t be renewed until cert-manager is back."\n            message:\n              "The cert {{ $labels.name }} is {{ $value | humanizeDuration }}\n              from expiry."\n            summary: \'{{ $labels.kind }} reconciliation has been failing\n              for more than ten minutes.\'\n          for: 10m\n'],
    ['Unicode spaces at the end of plain scalars', 'a: x\u00a0\nb\u00a0: y\nc: [z\u00a0, {k\u00a0: v}]\nd: w\u3000 # c\n'],
    ['plain scalars with indicators inside', 'a: x:y\nb: http://h:80/p?q=1#f\nc: a#b\nd: -x\ne: a, b\nf: it\'s "so"\n'],
    ['plain scalars over several lines', 'summary: one\n  two\n\n  three\n\n\n  four\nnext: x\nlist:\n- a\n  b\n'],
    ['a scalar on the line after its key', 'a:\n  plain text\nb:\n  "quoted"\nc:\n  [1, 2]\n'],
    ['literal block scalars', 'a: |\n  line 1\n\n    indented\n  # not a comment\n\n\nb: |-\n  stripped\n\nc: |\nd: |\n\n\n  after empty lines\ne: | # comment\n  x\n'],
    ['folded block scalars', 'a: >\n  one\n  two\n\n  three\n    more\n    indented\n  back\n\n\n  end\nb: >-\n  x\n  y\n'],
    ['block scalars in sequences', 'steps:\n  - |\n    echo 1\n  - run: |\n      echo 2\n    name: two\n'],
    ['flow collections', 'a: []\nb: {}\nc: [1, "two", \'three\', four five, [6], {k: v}]\nd: { drop: ["ALL"], x: 1, }\ne: [a, b,]\nf: {"q": x}\n'],
    ['flow collections over lines', 'args:\n  [\n    "--config", # c\n    /config,\n\n    "--port",\n  ]\nb: {\n  k: v,\n  l: [1,\n    2]\n  }\n'],
    ['scalar anchors and aliases', 'metadata:\n  name: &app my-app\n  labels:\n    app: *app\n    port: &port 80\nspec:\n  port: *port\n  name: *app # comment\n'],
    ['anchored collections', 'a: &probe\n  enabled: true\n  port: &port 8080\nb: *probe\nc: &empty {}\nd: *empty\nlist: &list\n  - 1\ne: *list\n'],
    ['an anchor redefined', 'a: &x 1\nb: *x\nc: &x 2\nd: *x\n'],
    ['alias keys, and go-yaml alias keys', 'metadata:\n  name: &app my-app\n  port: &port 80\nspec:\n  *app : x\n  *port : y\ncontrollers:\n  *app:\n    image: z\n'],
    ['gethomepage template keys', 'widget:\n  accountid: {{HOMEPAGE_VAR_ID}}\n  user: {{ .TESLAMATE_USER }}\n  both: {{a-b.c}, k: 1}\n'],
    ['flow keys with an empty value', 'template: { name: Anime, mal_id: 46, poster: }\nb: { x: , y: 1 }\n'],
    ['local tags on scalars', 'api_key: !env_var RADARR_API_KEY\nport: !num 8080\nq: !t "x: y"\nlist:\n  - !secret a b\n    c\n'],
    ['flow keys without a value', 'template: {name: IMDb Genres, genre: romance,comedy}\nb: {a, "q"}\n'],
    ['aliases in flow collections', 'port: &port 80\nprobe: { path: /healthz, port: *port }\nlist: [*port,*port]\n'],
    ['plain scalars that start with : or ?', 'addr: :8590\nq: ?x\nlist:\n  - :a\n'],
    ['a merge of a source with aliases inside', 'p: &p 80\nbase: &base\n  port: *p\n  name: x\nuse:\n  <<: *base\n  name: y\n'],
    ['merge keys', 'base: &base\n  a: 1\n  b: 2\nx:\n  b: 9\n  <<: *base\n  c: 3\ny:\n  <<: *base\n  a: 0\n'],
    ['a mapping indented at the top', '  a: 1\n  b:\n    c: 2\n'],
    ['a top-level sequence', '- a\n- b: c\n  d: e\n-\n  - nested\n'],
    ['a Flux Kustomization', 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: &app echo\nspec:\n  targetNamespace: default\n  commonMetadata:\n    labels:\n      app.kubernetes.io/name: *app\n  path: ./apps/echo\n  postBuild:\n    substitute:\n      APP: *app\n      VOLSYNC_CAPACITY: 5Gi\n  dependsOn:\n    - name: rook-ceph\n'],
  ])('takes %s, composing what yaml composes', (_name, text) => {
    expect(expectSameAsYaml(text)).toBe(true);
  });

  it.each([
    ['a schema tag', 'a: !!str 1\n'],
    ['a tagged collection', 'a: !t\n  b: 1\n'],
    ['a tag and an anchor', 'a: !t &x 1\n'],
    ['a tab', 'a:\n\tb: 1\n'],
    ['CR line breaks', 'a: 1\r\nb: 2\r\n'],
    ['a byte order mark', '\ufeffa: 1\n'],
    ['a control character', 'a: \u0007\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['content after ---', '--- a\n'],
    ['keep chomping', 'a: |+\n  x\n\n'],
    ['an indentation indicator', 'a: |2\n   x\n'],
    ['a line of spaces in a block scalar', 'a: |\n  x\n  \n  y\n'],
    ['a quoted scalar continued at its key\'s column', 'a: "x\ny"\n'],
    ['a quoted scalar in a sequence continued at the dash\'s column', 'a:\n  - "x\n  y"\n'],
    ['a quoted scalar in a compact mapping continued at its key\'s column', '- k: \'x\n  y\'\n'],
    ['a quoted scalar over lines as a key', '"x\n  y": z\n'],
    ['a quoted scalar over lines as an entry\'s key', '- \'x\n  y\': z\n'],
    ['a quoted scalar over lines with text after it', 'a: "x\n  y" z\n'],
    ['a quoted scalar over lines with a comment not after a space', 'a: "x\n  y"# c\n'],
    ['a quoted scalar over lines followed by a deeper line', 'a: "x\n  y"\n  b: 1\n'],
    ['an escaped line break before an empty line', 'a: "x\\\n\n  y"\n'],
    ['an escaped line break before a line of spaces', 'a: "x\\\n   \n  y"\n'],
    ['a document marker inside quotes', 'a: "x\n---\n  y"\n'],
    ['a document end marker inside quotes', 'a: \'x\n...\n  y\'\n'],
    ['a bad escape on a later line', 'a: "x\n  \\q"\n'],
    ['a quoted scalar over lines in a flow collection', 'a: [ "x\n  y" ]\n'],
    ['a quoted scalar over lines in a nested sequence', '- - "x\n   y"\n'],
    ['an explicit key', '? a\n: b\n'],
    ['a duplicate key', 'a: 1\nb: 2\na: 3\n'],
    ['keys equal as text', '1: a\n"1": b\n'],
    ['a null key', '~: a\n'],
    ['a go-yaml alias key whose YAML 1.2 anchor exists', 'a: &k: x\nb: &k y\n*k: z\n'],
    ['a go-yaml alias key with no anchor', '*k: z\n'],
    ['an alias key to a collection', 'a: &k\n  b: 1\nc:\n  *k : y\n'],
    ['an unknown alias', 'a: *nowhere\n'],
    ['an alias to a collection being read', 'a: &x\n  b: *x\n'],
    ['a collection alias inside a collection anchor', 'a: &x\n  k: v\nb: &y\n  c: *x\n'],
    ['too many aliases for maxAliasCount', `a: &a x\nl:\n${'  - *a\n'.repeat(101)}`],
    ['a scalar after its key with comments between', 'o:\n\n# c\n  S x\ny: 1\n'],
    ['a merge inside an anchored collection', 'a: &a {k: v}\nb: &b\n  <<: *a\n'],
    ['a quoted template key', 'a: {{"X"}}\n'],
    ['a template key that is not a name', 'a: {{X: 1}}\n'],
    ['an alias as a flow key', 'a: &k x\nb: {*k : y}\n'],
    ['a merge of several sources', 'a: &a {k: v}\nb: &b {l: w}\nc:\n  <<: [*a, *b]\n'],
    ['a compact nested mapping', 'a: b: c\n'],
    ['a value ending with a colon', 'a: b:\n'],
    ['a sequence after a key on its line', 'a: - b\n'],
    ['a deeper line after a scalar', 'a: b\n    c: d\n'],
    ['a scalar continued after a comment', 'a: b # c\n  d\n'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['an unterminated quote', 'a: "x\n'],
    ['an unterminated quote over lines', 'a: \'x\n  y\n\n'],
    ['an unclosed flow collection', 'a: [1, 2\n'],
    ['a flow collection not indented', 'a:\n  b: [\n  1]\n'],
    ['a reserved indicator', 'a: @x\n'],
    ['a nested sequence on one line', '- - a\n'],
    ['a top-level scalar', 'just text\n'],
    ['a Helm template', '{{- if .Values.x }}\na: 1\n{{- end }}\n'],
  ])('leaves %s to yaml', (_name, text) => {
    expect(fastComposeFile(text)).toBeUndefined();
  });

  it('gives up, rather than overflowing the stack, on deep nesting', () => {
    const deep = Array.from({ length: 500 }, (_, depth) => `${' '.repeat(depth)}k:`).join('\n');
    expect(fastCompose(deep)).toBeUndefined();
    expect(fastCompose(`${'['.repeat(500)}${']'.repeat(500)}`)).toBeUndefined();
  });

  it('composes every fixture and example it takes as yaml does', () => {
    const texts = fixtureCases().flat().map((file) => file.text);
    for (const dir of ['examples']) {
      for (const entry of readdirSync(join(import.meta.dirname, '..', dir), { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && /\.ya?ml$/.test(entry.name)) texts.push(readFileSync(join(entry.parentPath, entry.name), 'utf8'));
      }
    }
    const taken = texts.filter((text) => expectSameAsYaml(text)).length;
    expect(taken).toBeGreaterThan(texts.length * 0.8);
  });

  // Lines of the shapes the fast composer takes, at random indentation: where
  // its rules about columns, folding, quotes over lines and anchors would
  // differ from `yaml`'s.
  const KEYS = ['a', 'b', 'c', '1', '"q"', "'s'", 'true', '__proto__', 'k x', '<<', '*a', '*b', '*a '];
  const VALUES = ['x', '1', '"s: #"', "'it''s'", '~', 'a b', 'x:y', 'a #c', '[1, x]', '{k: v}', '-1', '0x1F', '&a v', '*a', '&b', '|', '>-', '[', '{', 'text', '""', ':x', '?y', '{a, b: c}', '{k: *a}', '[*b, *a]', '*b', '!t x', '!t 1', '!t', '!!str 1', '{{X}}', '{{ .x }}', '{{"q"}}', '{a: , b: }', '{{1}}', '"x', "'y", '"z\\', '"\\u00e9 #'];
  // Text inside quotes, before a line break: escapes, an escaped line break, indicators, trailing spaces.
  const QUOTED = ['x', 'a b  ', '', '   ', '# c', 'k: v', '- y', "it''s", '\\"q\\"', '\\', '\\ ', '\\\\', '\\x41\\t', '&a *b !t', '---', '...'];
  const line = fc.oneof(
    fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES, '')).map(([key, value]) => `${key}:${value === '' ? '' : ` ${value}`}`),
    fc.constantFrom(...VALUES, '').map((value) => `-${value === '' ? '' : ` ${value}`}`),
    fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)).map(([key, value]) => `- ${key}: ${value}`),
    fc.constantFrom('', '# comment', '---', 'more text', 'a,', ']', '}', '1, 2]', '- - x', '? k', '...', '   '),
    // Lines that go on, or close, a quoted scalar that an earlier line opened.
    fc.constantFrom('x"', "y'", '"', "'", "it''s", '\\"q\\" \\', 'a: b" # c', "c'd'", '" x'),
    // A quoted scalar over lines, each later line at an indentation of its own.
    fc
      .tuple(fc.constantFrom(...KEYS, '-'), fc.constantFrom('"', "'"), fc.array(fc.tuple(fc.constantFrom(...QUOTED), fc.nat({ max: 8 })), { minLength: 1, maxLength: 3 }), fc.constantFrom('', ' # c', ':', ': x', ' x'))
      .map(([key, quote, parts, after]) => `${key === '-' ? '-' : `${key}:`} ${quote}${parts.map(([text, indent]) => `${text}\n${' '.repeat(indent)}`).join('')}${quote}${after}`),
  );
  const document = fc.array(fc.tuple(fc.nat({ max: 6 }), line), { maxLength: 14 }).map((lines) => lines.map(([indent, text]) => ' '.repeat(indent) + text).join('\n'));

  it('composes generated documents as yaml does, or leaves them', () => {
    let taken = 0;
    fc.assert(
      fc.property(document, (text) => {
        if (expectSameAsYaml(text)) taken++;
      }),
      { seed: SEED + 2, numRuns: Number(process.env.FUZZ_RUNS ?? 5_000), endOnFailure: true },
    );
    // The generator must reach the fast path, or this test proves nothing.
    expect(taken).toBeGreaterThan(100);
  });

  it('composes mutated fixtures as yaml does, or leaves them', () => {
    const files = fixtureCases().flat();
    fc.assert(
      fc.property(fc.record({ which: fc.nat(), changes: mutations }), ({ which, changes }) => {
        expectSameAsYaml(changes.reduce((text, change) => mutate(text, change, files), files[which % files.length]!.text));
      }),
      { seed: SEED, numRuns: Number(process.env.FUZZ_RUNS ?? 2_000), endOnFailure: true },
    );
  });
});

describe('--no-fast-compose', () => {
  it('prints the same findings on the example repository, parsing every file with yaml', async () => {
    const root = join(import.meta.dirname, '..');
    const fast = await cli(['--format', 'json', 'examples/home-ops'], root);
    const exact = await cli(['--format', 'json', '--no-fast-compose', 'examples/home-ops'], root);
    expect(fast.code).toBe(1);
    expect(JSON.parse(fast.stdout).findings.length).toBeGreaterThan(10);
    expect(exact).toEqual(fast);
  });
});

const hasCorpus = existsSync(CORPUS);
if (!hasCorpus) it.skip(`comparing the fast composer on the corpus needs ${CORPUS}, which is not present`, () => {});

describe.skipIf(!hasCorpus)('fastCompose on the corpus', () => {
  const files = hasCorpus ? corpusFiles() : [];

  it('takes almost every real file, and composes each as yaml does', () => {
    expect(files.length).toBeGreaterThan(2_000);
    const left = files.filter((file) => !expectSameAsYaml(file.text));
    // 2,888 of 2,890 when written; the two left, mkdocs.yml files, hold `!!python/name` tags, which go to `yaml`.
    expect(1 - left.length / files.length).toBeGreaterThan(0.97);
    expect(left.filter((file) => !file.text.includes('!!')).map((file) => file.path), 'files left to yaml without a `!!` tag').toStrictEqual([]);
  });

  it('composes mutated real files as yaml does, or leaves them', () => {
    fc.assert(
      fc.property(fc.record({ which: fc.nat(), changes: mutations }), ({ which, changes }) => {
        expectSameAsYaml(changes.reduce((text, change) => mutate(text, change, files), files[which % files.length]!.text));
      }),
      { seed: SEED + 1, numRuns: Number(process.env.FUZZ_RUNS ?? 2_000), endOnFailure: true },
    );
  });

  it.each(hasCorpus ? readdirSync(CORPUS).sort() : [])('lints %s with the same findings as with yaml alone', (repo) => {
    const discovery = discoverFiles([join(CORPUS, repo)], process.cwd());
    const files: InputFile[] = discovery.files.map((path) => readInputFile(process.cwd(), path));
    // orphan-manifest (off by default) reports on many more files: more positions to compare.
    const base = { root: discovery.root, files, rules: { 'orphan-manifest': { severity: 'warning' as const } } };
    const fast = lint({ ...base, fastCompose: true }).findings;
    expect(fast.length).toBeGreaterThan(0);
    expect(fast).toStrictEqual(lint({ ...base, fastCompose: false }).findings);
  });
});
