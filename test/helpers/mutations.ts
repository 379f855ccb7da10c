import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { discoverFiles } from '../../src/discovery/discover.js';
import { readInputFile } from '../../src/discovery/read.js';

/**
 * Real manifests (the fixtures, and the corpus of real repositories when
 * ../shared is present) and the ways a hand or a bad merge breaks YAML, for
 * property-based tests.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
export const CORPUS = join(ROOT, '..', 'shared', 'corpus');

export interface TextFile {
  readonly path: string;
  readonly text: string;
}

/** Each fixture case (a directory, or a single file, under <rule>/<valid|invalid>/), with its YAML files. */
export function fixtureCases(): TextFile[][] {
  const cases: TextFile[][] = [];
  for (const rule of readdirSync(FIXTURES).sort()) {
    for (const kind of ['valid', 'invalid']) {
      const dir = join(FIXTURES, rule, kind);
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, entry.name);
        const files = entry.isDirectory() ? yamlFilesUnder(path) : /\.ya?ml$/i.test(entry.name) ? [{ path: entry.name, text: readFileSync(path, 'utf8') }] : [];
        if (files.some((file) => !isConfiguration(file.path))) cases.push(files);
      }
    }
  }
  return cases;
}

function yamlFilesUnder(dir: string): TextFile[] {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
    .map((path) => ({ path: relative(dir, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));
}

/** Every YAML file of the corpus, as the CLI reads them. */
export function corpusFiles(): TextFile[] {
  const files: TextFile[] = [];
  for (const repo of readdirSync(CORPUS).sort()) {
    for (const path of discoverFiles([join(CORPUS, repo)], ROOT).files) {
      const file = readInputFile(ROOT, path);
      if ('text' in file) files.push({ path: file.path, text: file.text });
    }
  }
  return files;
}

// Text a mutation inserts: YAML's indicators, Flux and template syntax, and characters that have broken parsers.
const TOKENS = [
  ':', ': ', '-', '- ', '?', ',', '[', ']', '{', '}', '#', ' #', '&a', '*a', '&a ', '*a ', '*a:', '!', '!!str ', '|', '|-', '>', "'", '"', '%', '@', '`', '\\',
  ' ', '  ', '\t', '\n', '\r\n', '\r', '---\n', '...\n', '${', '}', '${VAR}', '${VAR:=x}', '<<: ', '<< inputs.x >>', '{{ .Values.x }}', '{{-', '{%', '~', 'null', 'true',
  'yes', '0x1F', '1e3', '\u00e9', '\u540d', '\ud83d\ude80', '\u2028', '\ufeff', '\u0000', '\u001b[31m', '\u202e',
];
const LINES = [
  'apiVersion: v1', 'kind: Secret', 'kind: Kustomization', 'kind: HelmRelease', 'metadata:', '  name: x', '  namespace: y', 'spec:', 'resources:', '  - ../base',
  '  - missing.yaml', 'x-anchor: &a {k: v}', '<<: *a', '  <<: *a', '---', '# comment', '  # homeops-lint-disable-next-line duplicate-resource -- reason', '{{- if .Values.x }}',
  'data: ${VAR}', 'postBuild:', '  substitute:', '    VAR: value', 'dependsOn:', '  - name: other',
];

type Mutation =
  | { readonly kind: 'deleteLine' | 'duplicateLine'; readonly at: number }
  | { readonly kind: 'insertLine'; readonly at: number; readonly text: string }
  | { readonly kind: 'swapLines'; readonly at: number; readonly other: number }
  | { readonly kind: 'indent'; readonly at: number; readonly by: number; readonly tab: boolean }
  | { readonly kind: 'deleteChars' | 'duplicateChars'; readonly at: number; readonly length: number }
  | { readonly kind: 'insertChars'; readonly at: number; readonly text: string }
  | { readonly kind: 'splice'; readonly at: number; readonly donor: number; readonly start: number; readonly length: number };

const position = fc.nat({ max: 1_000_000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('deleteLine' as const, 'duplicateLine' as const), at: position }),
  fc.record({ kind: fc.constant('insertLine' as const), at: position, text: fc.oneof(fc.constantFrom(...LINES), fc.array(fc.constantFrom(...TOKENS), { maxLength: 6 }).map((parts) => parts.join(''))) }),
  fc.record({ kind: fc.constant('swapLines' as const), at: position, other: position }),
  fc.record({ kind: fc.constant('indent' as const), at: position, by: fc.integer({ min: -4, max: 4 }), tab: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('deleteChars' as const, 'duplicateChars' as const), at: position, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insertChars' as const), at: position, text: fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('')) }),
  fc.record({ kind: fc.constant('splice' as const), at: position, donor: position, start: position, length: fc.integer({ min: 0, max: 2_000 }) }),
);
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 6 });

/** Applies one mutation; positions wrap around the text, `donors` give text to splice in. */
export function mutate(text: string, change: Mutation, donors: readonly TextFile[]): string {
  const lines = text.split('\n');
  const line = (at: number) => at % lines.length;
  const offset = (at: number) => (text.length === 0 ? 0 : at % (text.length + 1));
  switch (change.kind) {
    case 'deleteLine':
      return lines.filter((_, i) => i !== line(change.at)).join('\n');
    case 'duplicateLine':
      return lines.flatMap((value, i) => (i === line(change.at) ? [value, value] : [value])).join('\n');
    case 'insertLine':
      return [...lines.slice(0, line(change.at)), change.text, ...lines.slice(line(change.at))].join('\n');
    case 'swapLines': {
      const [a, b] = [line(change.at), line(change.other)];
      const swapped = [...lines];
      [swapped[a], swapped[b]] = [lines[b]!, lines[a]!];
      return swapped.join('\n');
    }
    case 'indent': {
      const i = line(change.at);
      const current = lines[i]!;
      const changed = change.by >= 0 ? (change.tab ? '\t' : ' ').repeat(change.by) + current : current.replace(new RegExp(`^[ \\t]{0,${-change.by}}`), '');
      return [...lines.slice(0, i), changed, ...lines.slice(i + 1)].join('\n');
    }
    case 'deleteChars': {
      const at = offset(change.at);
      return text.slice(0, at) + text.slice(at + change.length);
    }
    case 'duplicateChars': {
      const at = offset(change.at);
      return text.slice(0, at) + text.slice(at, at + change.length) + text.slice(at);
    }
    case 'insertChars': {
      const at = offset(change.at);
      return text.slice(0, at) + change.text + text.slice(at);
    }
    case 'splice': {
      const donor = donors[change.donor % donors.length]!.text;
      const start = donor.length === 0 ? 0 : change.start % donor.length;
      const i = line(change.at);
      return [...lines.slice(0, i), '---', donor.slice(start, start + change.length), '---', ...lines.slice(i)].join('\n');
    }
  }
}

export function isConfiguration(path: string): boolean {
  return /(^|\/)\.homeops-lintrc/.test(path);
}
