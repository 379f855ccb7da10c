import { afterSpaces, isDocumentMarker } from './fast-compose.js';

/**
 * A flow collection that spans lines (`args: [` ... `]`) is read by go-yaml
 * (like libyaml) without regard to indentation, while YAML 1.2 wants its
 * lines indented deeper than the block it stands in (`yaml`: "Flow sequence
 * in block collection must be sufficiently indented"). Flux applies such a
 * file: the lines inside the collection are indented here one column past
 * the line that opens it, which changes nothing inside a flow collection.
 * Only collections that open a block value are followed (a plain scalar
 * cannot start with `[` or `{`), and only those that close; quoted strings,
 * comments and block scalars are passed over. Columns on the lines moved
 * shift by what was inserted.
 */
export function withFlowContentIndented(text: string): string {
  const lines = text.split('\n');
  let changed = false;
  // While inside a multi-line flow collection: its depth, the quote it is in,
  // the column its lines must pass, and the lines to indent once it closes.
  let depth = 0;
  let quote: '"' | "'" | undefined;
  let parentIndent = 0;
  // Each line under the opening line's column, with its indentation.
  let under: [row: number, indent: number][] = [];
  // While inside a block scalar: the indentation of the line that opened it.
  let blockScalarParent: number | undefined;
  for (let row = 0; row < lines.length; row++) {
    const line = lines[row]!;
    const indent = line.length - line.trimStart().length;
    // A collection still open where its document ends is broken for go-yaml too: left as it is.
    if (depth > 0 && isDocumentMarker(line)) depth = 0;
    if (depth > 0) {
      // Inside a quoted string too: a continuation line's leading blanks are not part of it.
      if (line.trim() !== '' && indent <= parentIndent) under.push([row, indent]);
      ({ depth, quote } = scanFlow(line, indent, depth, quote));
      if (depth === 0) {
        for (const [at, moved] of under) lines[at] = ' '.repeat(parentIndent + 1 - moved) + lines[at];
        changed ||= under.length > 0;
      }
      continue;
    }
    if (blockScalarParent !== undefined) {
      if (line.trim() === '' || indent > blockScalarParent) continue;
      blockScalarParent = undefined;
    }
    const content = contentColumn(line, indent);
    const start = blockValueStart(line, content);
    if (start === undefined) continue;
    const opener = line[start];
    if (opener === '|' || opener === '>') {
      blockScalarParent = indent;
    } else if (opener === '[' || opener === '{') {
      ({ depth, quote } = scanFlow(line, start, 0, undefined));
      parentIndent = content;
      under = [];
    }
  }
  return changed ? lines.join('\n') : text;
}

/** Where the value of a block entry whose content starts at `content` (after `- `) starts: after `key: ` and anchors or tags; undefined for a line with none. */
function blockValueStart(line: string, content: number): number | undefined {
  let at = content;
  const key = keyEnd(line, at);
  if (key !== undefined) at = afterSpaces(line, key);
  while (line[at] === '&' || line[at] === '!') {
    const space = line.indexOf(' ', at);
    if (space === -1) return undefined;
    at = afterSpaces(line, space);
  }
  return at < line.length && line[at] !== '#' ? at : undefined;
}

/** The column after `key:` when `line` holds a plain or quoted key at `at`; undefined otherwise. */
function keyEnd(line: string, at: number): number | undefined {
  const first = line[at];
  if (first === '"' || first === "'") {
    const close = closingQuote(line, at + 1, first);
    return close !== -1 && line[close + 1] === ':' && (close + 2 === line.length || line[close + 2] === ' ') ? close + 2 : undefined;
  }
  if (first === '[' || first === '{' || first === '#') return undefined;
  for (let colon = line.indexOf(':', at); colon !== -1; colon = line.indexOf(':', colon + 1)) {
    const comment = line.indexOf(' #', at);
    if (comment !== -1 && comment < colon) return undefined;
    if (colon + 1 === line.length || line[colon + 1] === ' ') return colon + 1;
  }
  return undefined;
}

/** The column of the first character after the line's `- ` indicators: the block the collection's lines must be deeper than. */
function contentColumn(line: string, indent: number): number {
  let at = indent;
  while (line.startsWith('- ', at)) at = afterSpaces(line, at + 2);
  return at;
}

/** Follows flow indicators from `from` to the end of the line: the depth after it, and the quote a string is still open in. */
function scanFlow(line: string, from: number, depth: number, quote: '"' | "'" | undefined): { depth: number; quote: '"' | "'" | undefined } {
  for (let at = from; at < line.length; at++) {
    if (quote !== undefined) {
      const close = closingQuote(line, at, quote);
      if (close === -1) return { depth, quote };
      at = close;
      quote = undefined;
      continue;
    }
    const char = line[at];
    if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '{') depth++;
    else if (char === ']' || char === '}') {
      depth--;
      if (depth === 0) return { depth, quote };
    } else if (char === '#' && (at === 0 || line[at - 1] === ' ' || line[at - 1] === '\t')) return { depth, quote };
  }
  return { depth, quote };
}

/** The index of the quote that closes a string opened before `from` (`\"` in double quotes, `''` in single ones stay inside); -1 if none on the line. */
function closingQuote(line: string, from: number, quote: '"' | "'"): number {
  for (let at = from; at < line.length; at++) {
    if (quote === '"' && line[at] === '\\') at++;
    else if (line[at] === quote) {
      if (quote === "'" && line[at + 1] === "'") at++;
      else return at;
    }
  }
  return -1;
}
