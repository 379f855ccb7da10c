import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, YAMLParseError, type Document, type Node } from 'yaml';
import { fastLocator, type FastLocator } from './fast-locate.js';
import type { Path, SpanTarget } from './locate.js';
import { withFlowContentIndented } from './flow-indent.js';
import { withGoYamlAliases } from './go-yaml.js';

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
  /** The text as parsed (see `withGoYamlAliases`); positions refer to it. */
  readonly text: string;
  /** Parsed on first use when the file comes from the cache. */
  readonly documents: readonly Document.Parsed[];
  readonly problems: readonly SyntaxProblem[];
  /** True when the file is a Go/Helm template rather than YAML, and is skipped on purpose. */
  readonly isTemplate: boolean;
  /** Whether the text holds a `${`, i.e. may need Flux substitution (read once per file, not per document). */
  readonly mentionsVariables: boolean;
  regionOf(span: Span): Region;
  /**
   * Where a path of a document stands, found without parsing the file with
   * `yaml` (see fast-locate.ts), for a file whose documents are parsed only
   * on demand; undefined when it cannot tell, and `locate` in `documents` must.
   */
  readonly locateFast?: FastLocator;
}

// A line that starts with a template action (`{{- if ... }}`) outside any
// string is only valid in a Go/Helm template; inside a block scalar (an
// ExternalSecret template, alert text) it is plain text and parses fine, and
// says nothing about a syntax error elsewhere in the file.
const TEMPLATE_LINE = /^[ \t]*\{\{/;
// A Jinja statement or comment line (`{% if x %}`, `{# note #}`) is the same
// in an Ansible template; alone it may be a stray line in a manifest Flux
// applies, so it makes a template only beside a `{{` expression, which in
// such a template often sits only inside block scalars.
const JINJA_LINE = /^[ \t]*\{[%#]/;
// A line whose value is a block scalar header: `key: |`, `- >-`, `key: &a |2`.
const BLOCK_SCALAR_HEADER = /(?:^|[:\s-])\s*(?:[&!][^\s]*\s+)*[|>][-+0-9]*\s*(?:#.*)?$/;

/**
 * Template actions outside block scalars: `line` when a line starts with one
 * (`{{- if ... }}`, only valid in a template, or a Jinja statement in a file
 * that has `{{` anywhere), `inline` when one stands inside a line
 * (`- {{ requiredEnv "DIR" }}/values.yaml`), else undefined.
 */
function templateActions(text: string): 'line' | 'inline' | undefined {
  let found: 'inline' | undefined;
  const hasExpression = text.includes('{{');
  // The indentation of the line that opened the block scalar being read; its content is indented deeper.
  let blockParent: number | undefined;
  for (const line of text.split('\n')) {
    const content = line.trimStart();
    if (content === '') continue;
    const indent = line.length - content.length;
    if (blockParent !== undefined && indent > blockParent) continue;
    blockParent = undefined;
    if (TEMPLATE_LINE.test(line) || (hasExpression && JINJA_LINE.test(line))) return 'line';
    if (line.includes('{{')) found = 'inline';
    if (BLOCK_SCALAR_HEADER.test(content) && (content.startsWith('- ') || content.includes(': '))) blockParent = indent;
  }
  return found;
}

// A Kubernetes object says so at the top level; Flux applies it, so a
// template action in it is a mistake to report, not a template to skip.
const KUBERNETES_OBJECT = /^apiVersion:[ \t]*\S[\s\S]*^kind:[ \t]*\S|^kind:[ \t]*\S[\s\S]*^apiVersion:[ \t]*\S/m;

/**
 * Whether a file that does not parse is a Go template: a line starts with a
 * template action, or an action stands inside a line of a file that is not a
 * Kubernetes object (a helmfile's `- {{ requiredEnv "DIR" }}/values.yaml`).
 */
function isGoTemplate(text: string): boolean {
  const actions = templateActions(text);
  return actions === 'line' || (actions === 'inline' && !KUBERNETES_OBJECT.test(text));
}

// The parser warns about things that are valid for Kubernetes (YAML 1.1 tags,
// unknown directives); warnings are not findings and must not reach stderr.
// Merge keys (`<<: *base`) are honoured, as Flux's go-yaml honours them.
// Duplicate keys are found by `checkStructure` in linear time; the parser's
// own check compares every key with every other (minutes for 100,000 keys).
const PARSE_OPTIONS = { prettyErrors: false, logLevel: 'silent', uniqueKeys: false, merge: true } as const;

/** Deeper documents are refused before rules walk them (recursion would overflow the stack). */
export const MAX_NESTING = 1000;

export function parseSource(path: string, originalText: string, options: { template?: boolean } = {}): SourceFile {
  let text = originalText;
  let docs = parseDocuments(text);
  const failed = () => docs.some((doc) => doc.errors.length > 0);
  if (failed()) {
    const aliased = withGoYamlAliases(text);
    const goText = withFlowContentIndented(aliased);
    const goDocs = goText === text ? undefined : parseDocuments(goText);
    // Indenting a flow collection's lines changes nothing for go-yaml: what
    // is still wrong after it is what go-yaml finds wrong too.
    if (goDocs && (goDocs.every((doc) => doc.errors.length === 0) || goText !== aliased)) {
      text = goText;
      docs = goDocs;
    }
  }
  const isTemplate = options.template === true || (failed() && isGoTemplate(text));
  // Later errors in a document mostly follow from the first one, as in ESLint's one fatal error per file.
  const problems = isTemplate ? [] : docs.flatMap((doc) => doc.errors.slice(0, 1).map((error) => toProblem(error, text)));
  const documents = isTemplate ? [] : docs;
  return { ...fromText(path, text, originalText), problems, isTemplate, documents };
}

/**
 * A source file rebuilt from what an earlier parse of the same text found
 * (the cache, or the fast composer): the text is read, and its documents
 * parsed again, only if something asks for them, which is when a finding
 * needs a position inside it that `locateFast` cannot give (or must not:
 * `fastLocate: false`, as with --no-fast-compose).
 */
export function restoreSource(
  path: string,
  textOf: () => string,
  known: { readonly problems: readonly SyntaxProblem[]; readonly isTemplate: boolean; readonly mentionsVariables: boolean },
  {
    fastLocate = true,
    originalTextOf,
  }: {
    fastLocate?: boolean;
    /** The file's own text, when `textOf` may give a rewritten one (withGoYamlAliases): regions are placed in it. */
    originalTextOf?: () => string;
  } = {},
): SourceFile {
  return new RestoredSource(path, textOf, known, fastLocate, originalTextOf);
}

// A class, not an object literal with getters: a run restores every file
// of the repository from the cache, and V8 builds such literals on its slow path.
class RestoredSource implements SourceFile {
  readonly problems: readonly SyntaxProblem[];
  readonly isTemplate: boolean;
  readonly mentionsVariables: boolean;
  private read: string | undefined;
  private regions: SourceFile['regionOf'] | undefined;
  private parsed: readonly Document.Parsed[] | undefined;
  // Built on the first position asked for; null when the fast composer does not take the text.
  private locator: FastLocator | null | undefined;

  constructor(
    readonly path: string,
    private readonly textOf: () => string,
    known: { readonly problems: readonly SyntaxProblem[]; readonly isTemplate: boolean; readonly mentionsVariables: boolean },
    private readonly fastLocate: boolean,
    private readonly originalTextOf: (() => string) | undefined,
  ) {
    this.problems = known.problems;
    this.isTemplate = known.isTemplate;
    this.mentionsVariables = known.mentionsVariables;
  }

  get text(): string {
    return (this.read ??= this.textOf());
  }

  // A plain function, not a method: callers pass it on (`directivesIn(text, source.regionOf)`).
  readonly regionOf = (span: Span): Region => (this.regions ??= regionsOf(this.text, this.originalTextOf?.()))(span);

  get documents(): readonly Document.Parsed[] {
    return (this.parsed ??= this.isTemplate ? [] : parseDocuments(this.text));
  }

  locateFast(documentIndex: number, path: Path, target: SpanTarget): Span | undefined {
    if (this.locator === undefined) this.locator = (this.fastLocate && !this.isTemplate && fastLocator(this.text)) || null;
    return this.locator?.(documentIndex, path, target);
  }
}

/** Whether a text may need Flux substitution: it holds a `${`. */
export function mentionsVariables(text: string): boolean {
  return text.includes('${');
}

/** What a source file knows from its text alone, however its documents are parsed. */
function fromText(path: string, text: string, originalText: string): Pick<SourceFile, 'path' | 'text' | 'mentionsVariables' | 'regionOf'> {
  return { path, text, mentionsVariables: mentionsVariables(text), regionOf: regionsOf(text, originalText) };
}

/** A text's documents as the linter reads them: a document it refuses has errors. */
export function parseDocuments(text: string): Document.Parsed[] {
  const documents = parseAllDocuments(text, PARSE_OPTIONS);
  const parsed = Array.isArray(documents) ? documents : [];
  for (const document of parsed) if (document.errors.length === 0) checkStructure(document);
  return parsed;
}

/**
 * Adds to a document's errors what Kubernetes refuses and the parser lets
 * through, in one pass without recursion: a key that repeats in a mapping
 * (compared by text, as go-yaml does: `1` and `"1"` are one key), and
 * nesting deeper than MAX_NESTING.
 */
function checkStructure(document: Document.Parsed): void {
  const stack: [Node | null | undefined, number][] = [[document.contents, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!node || isAlias(node) || isScalar(node)) continue;
    if (depth > MAX_NESTING) {
      const start = node.range?.[0] ?? 0;
      document.errors.push(new YAMLParseError([start, start + 1], 'NESTING_TOO_DEEP' as never, `Document nests deeper than ${MAX_NESTING} levels`));
      return;
    }
    if (isSeq(node)) {
      for (const item of node.items) stack.push([item as Node, depth + 1]);
      continue;
    }
    if (!isMap(node)) continue;
    const keys = new Set<string>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (isScalar(key) && typeof key.value !== 'symbol') {
        const text = String(key.value);
        if (keys.has(text)) {
          const start = key.range?.[0] ?? 0;
          document.errors.push(new YAMLParseError([start, start + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
          return;
        }
        keys.add(text);
      }
      stack.push([pair.value as Node | null, depth + 1]);
    }
  }
}

function toProblem(error: { code: string; message: string; pos: [number, number] }, text: string): SyntaxProblem {
  const quote = error.code === 'MISSING_CHAR' ? /Missing closing (["'])quote/.exec(error.message)?.[1] : undefined;
  // A line indented wrongly is reported at the end of the line before it: the mistake is the next line's first token.
  const from = error.code === 'BAD_INDENT' && text[error.pos[0]] === '\n' ? error.pos[0] + 1 : error.pos[0];
  const span = quote ? openingQuoteSpan(text, quote, error.pos[0]) : tokenSpan(text, from, Math.max(from, error.pos[1]));
  return { code: error.code, message: firstLine(error.message), span };
}

// An unterminated string is reported where the file ends; the mistake is the
// quote that opens it: the last quote before that point that does not stand
// for a quote inside the string (`\"` in double quotes, `''` in single ones).
function openingQuoteSpan(text: string, quote: string, before: number): Span {
  for (let at = Math.min(before, text.length) - 1; at >= 0; at--) {
    if (text[at] !== quote) continue;
    if (quote === '"' && text[at - 1] === '\\') continue;
    if (quote === "'" && text[at - 1] === "'") {
      at--;
      continue;
    }
    return { start: at, end: at + 1 };
  }
  return tokenSpan(text, before, before);
}

/**
 * The span to show for a parser error. The parser often places an error at
 * the start of a line's indentation, at a single character of a token, or at
 * the end of the file (an unclosed quote or bracket); the reader needs the
 * token itself, on a line that exists.
 */
function tokenSpan(text: string, from: number, to: number): Span {
  let start = from;
  if (text.slice(start).trim() === '') start = lastContentOffset(text, start);
  // Tabs stay: a tab used as indentation is itself the mistake.
  while (text[start] === ' ') start++;
  let end = Math.max(to, start);
  if (end - start <= 1) {
    end = start;
    while (end < text.length && !/[\s]/.test(text[end]!) && !(text[end] === ':' && /\s|$/.test(text[end + 1] ?? ''))) end++;
    end = Math.max(end, Math.min(start + 1, lineEnd(text, start)));
  }
  return { start, end };
}

function lastContentOffset(text: string, before: number): number {
  let at = Math.min(before, text.length) - 1;
  while (at > 0 && /\s/.test(text[at]!)) at--;
  return Math.max(0, at);
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? message;
  // Some messages quote the rest of the line, which may be a secret's value.
  return line.replace(/ at line \d+, column \d+:?$/, '').replace(/^(Block scalar header includes extra characters): .*$/, '$1');
}

/**
 * Regions of spans in `text`, placed in `original` when `text` is the file's
 * text rewritten as go-yaml reads it (withGoYamlAliases,
 * withFlowContentIndented): a finding points where the file has it, not
 * where the rewritten text does.
 */
function regionsOf(parsed: string, original: string = parsed): (span: Span) => Region {
  const inserted = parsed === original ? [] : insertionsOf(parsed, original);
  const toOriginal = (offset: number) => offset - inserted.filter((at) => at < offset).length;
  const locate = lineRegions(original);
  return (span) => {
    const start = clamp(span.start, parsed.length);
    const end = clamp(Math.max(span.end, start), parsed.length);
    return locate(toOriginal(start), toOriginal(end));
  };
}

/**
 * Where `parsed` has a character that `original` does not. The rewrites
 * only insert spaces: before the colon of `*name:`, or at the start of a
 * line, where one inserted before a blank counts as inserted after the
 * blanks, which moves no position outside them.
 */
function insertionsOf(parsed: string, original: string): number[] {
  const inserted: number[] = [];
  for (let at = 0, from = 0; at < parsed.length; at++) {
    if (parsed[at] === original[from]) from++;
    else inserted.push(at);
  }
  return inserted;
}

function lineRegions(text: string): (start: number, end: number) => Region {
  let starts: number[] | undefined;
  const position = (offset: number) => {
    starts ??= lineStarts(text);
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, col: offset - starts[low]! + 1 };
  };
  return (start, end) => {
    const from = position(start);
    const to = position(end);
    return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
  };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

function clamp(offset: number, length: number): number {
  return Math.min(Math.max(offset, 0), length);
}
