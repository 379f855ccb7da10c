import { LineCounter, parseAllDocuments, type Document } from 'yaml';

/** A half-open range of character offsets into a source text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** 1-based positions; `endColumn` points just past the last character, as in SARIF. */
export interface Region {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface SyntaxProblem {
  readonly code: string;
  readonly message: string;
  readonly span: Span;
}

/** One YAML file: its text, its documents, and what went wrong while reading it. */
export interface SourceFile {
  /** Path relative to the linted root, with `/` separators. */
  readonly path: string;
  readonly text: string;
  readonly documents: readonly Document.Parsed[];
  readonly problems: readonly SyntaxProblem[];
  /** True when the file is a Go/Helm template rather than YAML, and is skipped on purpose. */
  readonly isTemplate: boolean;
  regionOf(span: Span): Region;
}

// A line that starts with a template action (`{{- if ... }}`) is only valid in a
// Go/Helm template, never in a manifest that Flux applies as it is.
const TEMPLATE_LINE = /^[ \t]*\{\{/m;

// The parser warns about things that are valid for Kubernetes (YAML 1.1 tags,
// unknown directives); warnings are not findings and must not reach stderr.
const PARSE_OPTIONS = { prettyErrors: false, logLevel: 'silent', uniqueKeys: true } as const;

export function parseSource(path: string, text: string, options: { template?: boolean } = {}): SourceFile {
  let lineCounter = new LineCounter();
  let docs = parseDocuments(text, lineCounter);
  if (docs.some((doc) => doc.errors.length > 0)) {
    const goText = withGoYamlAliases(text);
    const goCounter = new LineCounter();
    const goDocs = goText === text ? undefined : parseDocuments(goText, goCounter);
    if (goDocs && goDocs.every((doc) => doc.errors.length === 0)) {
      lineCounter = goCounter;
      docs = goDocs;
    }
  }
  const isTemplate = options.template === true || TEMPLATE_LINE.test(text);
  // Later errors in a document mostly follow from the first one, as in ESLint's one fatal error per file.
  const problems = isTemplate ? [] : docs.flatMap((doc) => doc.errors.slice(0, 1).map((error) => toProblem(error, text)));
  return {
    path,
    text,
    documents: isTemplate ? [] : docs,
    problems,
    isTemplate,
    regionOf: (span) => regionOf(lineCounter, text, span),
  };
}

function parseDocuments(text: string, lineCounter: LineCounter): Document.Parsed[] {
  const documents = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter });
  return Array.isArray(documents) ? documents : [];
}

/**
 * `*app:` is an alias named `app:` in YAML 1.2, but Flux, kustomize and
 * kubectl (go-yaml, like libyaml) end an alias name at the first character
 * outside [A-Za-z0-9_-], so they read alias `app` used as a mapping key. When
 * the file defines `&app` and no `&app:`, the file means what Flux reads; the
 * space inserted here makes the YAML 1.2 parser read the same thing. Columns
 * after such an alias on its line move by one.
 */
function withGoYamlAliases(text: string): string {
  return text.replace(/(^|[\s[{,])\*([A-Za-z0-9_-]+):(?=\s|$)/gm, (match, before: string, name: string) =>
    new RegExp(`&${name}(?![A-Za-z0-9_:-])`).test(text) && !text.includes(`&${name}:`) ? `${before}*${name} :` : match,
  );
}

function toProblem(error: { code: string; message: string; pos: [number, number] }, text: string): SyntaxProblem {
  // The parser often places indentation errors at the start of the line; the
  // offending token is the first character after the indentation.
  let start = error.pos[0];
  while (text[start] === ' ' || text[start] === '\t') start++;
  return { code: error.code, message: firstLine(error.message), span: { start, end: Math.max(error.pos[1], start) } };
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

function regionOf(lineCounter: LineCounter, text: string, span: Span): Region {
  const start = clamp(span.start, text.length);
  const end = clamp(Math.max(span.end, start), text.length);
  const from = lineCounter.linePos(start);
  const to = lineCounter.linePos(end);
  return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
}

function clamp(offset: number, length: number): number {
  return Math.min(Math.max(offset, 0), length);
}
