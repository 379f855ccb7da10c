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
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter });
  const docs = Array.isArray(documents) ? documents : [];
  const isTemplate = options.template === true || TEMPLATE_LINE.test(text);
  // Later errors in a document mostly follow from the first one, as in ESLint's one fatal error per file.
  const problems = isTemplate ? [] : docs.flatMap((doc) => doc.errors.slice(0, 1).map(toProblem));
  return {
    path,
    text,
    documents: isTemplate ? [] : docs,
    problems,
    isTemplate,
    regionOf: (span) => regionOf(lineCounter, text, span),
  };
}

function toProblem(error: { code: string; message: string; pos: [number, number] }): SyntaxProblem {
  const [start, end] = error.pos;
  return { code: error.code, message: firstLine(error.message), span: { start, end: Math.max(end, start) } };
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
