import type { Finding } from '../linter/finding.js';
import { parseDocuments } from '../yaml/source.js';

/**
 * Formats that quote source text (stylish's source line, SARIF's snippets)
 * must not print a secret's values: a finding about a Secret, a SOPS file or a
 * kustomize secretGenerator shows keys, not values. A document counts when a
 * finding is about a Secret in it, or when its text says so; the text tests
 * look for a Secret object, not for references to one (`valuesFrom`,
 * `substituteFrom` and `secretRef` entries say `kind: Secret` indented, in
 * most HelmReleases and Flux Kustomizations).
 */
const SENSITIVE_TEXT = [
  // A document's own kind, at the top level.
  /^kind:[ \t]*(["']?)Secret\1[ \t]*(?:#.*)?\r?$/m,
  /^[ \t]*"kind"[ \t]*:[ \t]*"Secret"/m,
  // Only a Secret has stringData, wherever it is embedded (a ResourceSet, an inline patch).
  /^[ \t]*(?:-[ \t]+)?stringData:/m,
  /^secretGenerator:/m,
  /^sops:/m,
  /ENC\[AES256_GCM,/,
];

export function holdsSecrets(text: string): boolean {
  return SENSITIVE_TEXT.some((pattern) => pattern.test(text));
}

/** Whether a 1-based line of a file may hold a secret's text. */
export type SecretLine = (line: number) => boolean;

/** Which lines of a run's files hold secrets; each file's text is tested once. */
export function secretLines(findings: readonly Finding[], sourceOf: (file: string) => string | undefined): (file: string) => SecretLine {
  const knownLines = new Map<string, number[]>();
  for (const finding of findings) {
    if (finding.resource?.kind !== 'Secret' || finding.resource.apiVersion !== 'v1') continue;
    for (const location of [finding, ...finding.related]) {
      if (!knownLines.has(location.file)) knownLines.set(location.file, []);
      knownLines.get(location.file)!.push(location.line);
    }
  }
  const byFile = new Map<string, SecretLine>();
  return (file) => {
    if (!byFile.has(file)) byFile.set(file, secretLinesOf(sourceOf(file) ?? '', knownLines.get(file) ?? []));
    return byFile.get(file)!;
  };
}

const NO_LINE: SecretLine = () => false;
const EVERY_LINE: SecretLine = () => true;

/**
 * The lines of the documents that hold secrets: a Secret beside other
 * objects in a file hides only its own lines. Where a document ends is
 * certain only in a file that parses (in a broken one an unclosed quote can
 * run past a `---` line), so a broken file holding a secret is all secret.
 */
function secretLinesOf(text: string, knownLines: readonly number[]): SecretLine {
  if (knownLines.length === 0 && !holdsSecrets(text)) return NO_LINE;
  const lines = text.split('\n');
  const documentOf = documentIndexes(lines);
  // A file of one document needs no parse: the secret's document is the file.
  if (documentOf.at(-1) === 0 || parseDocuments(text).some((document) => document.errors.length > 0)) return EVERY_LINE;
  const documentLines: string[][] = [];
  lines.forEach((line, at) => (documentLines[documentOf[at]!] ??= []).push(line));
  const secret = new Set(knownLines.map((line) => documentOf[line - 1]));
  documentLines.forEach((document, index) => {
    if (holdsSecrets(document.join('\n'))) secret.add(index);
  });
  return (line) => secret.has(documentOf[line - 1]);
}

/** For each line, the index of the document it belongs to: a `---` or `...` line starts the next one. */
function documentIndexes(lines: readonly string[]): number[] {
  let index = 0;
  return lines.map((line, at) => (at > 0 && DOCUMENT_MARKER.test(line) ? ++index : index));
}

// Indentation, sequence dashes and a plain or quoted key ending in ":".
const KEY = /^(?:[ \t]*(?:-[ \t]+)*)(?:[^\s#"'][^:#]*?|"[^"]*"|'[^']*')[ \t]*:(?=\s|$)/;
const LEAD = /^(?:[ \t]*(?:-[ \t]+)*)/;
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=\s|$)/;

/**
 * A line with everything but its key masked, character for character, so a
 * `^~~~` underline still points at the same column.
 */
export function maskValues(line: string): string {
  const kept = (DOCUMENT_MARKER.exec(line) ?? KEY.exec(line) ?? LEAD.exec(line))![0];
  return kept + line.slice(kept.length).replace(/\S/g, '*');
}
