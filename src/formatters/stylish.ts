import type { Finding } from '../linter/finding.js';
import { maskValues, secretLines, type SecretLine } from './secrets.js';
import { summarize, type Formatter } from './types.js';

// Enough of a long line to see the offending span in context.
const SNIPPET_WIDTH = 160;

type Paint = (code: string, text: string) => string;

/**
 * `path:line:col  severity  message  rule-id`, grouped by file, each with its
 * source line and a `^~~~` underline under the span, then a summary line.
 */
export const stylish: Formatter = ({ findings, sourceOf, color }) => {
  if (findings.length === 0) return '';
  const paint: Paint = color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
  const blocks: string[] = [];
  const linesOf = sourceLines(sourceOf, secretLines(findings, sourceOf));
  let previousFile: string | undefined;
  for (const finding of findings) {
    if (previousFile !== undefined && finding.file !== previousFile) blocks.push('');
    previousFile = finding.file;
    blocks.push(formatFinding(finding, linesOf(finding.file), paint));
  }
  const { errors, warnings } = summarize(findings);
  const total = errors + warnings;
  const summary = `${total} ${plural(total, 'problem')} (${errors} ${plural(errors, 'error')}, ${warnings} ${plural(warnings, 'warning')})`;
  return `${blocks.join('\n')}\n\n${paint(errors > 0 ? '1;31' : '1;33', summary)}\n`;
};

/**
 * Each file's lines, split once per run (a large file may have many
 * findings); a line holding secrets has its values masked.
 */
function sourceLines(sourceOf: (file: string) => string | undefined, secretLinesOf: (file: string) => SecretLine): (file: string) => readonly string[] | undefined {
  const cache = new Map<string, readonly string[] | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      const isSecret = secretLinesOf(file);
      const lines = sourceOf(file)
        ?.split('\n')
        .map((line) => line.replace(/\r$/, ''))
        .map((line, index) => (isSecret(index + 1) ? maskValues(line) : line));
      cache.set(file, lines);
    }
    return cache.get(file);
  };
}

function formatFinding(finding: Finding, lines: readonly string[] | undefined, paint: Paint): string {
  const severity = finding.severity === 'error' ? paint('31', 'error') : paint('33', 'warning');
  const head = `${pathShown(finding.file)}:${finding.line}:${finding.column}  ${severity}  ${safe(finding.message)}  ${paint('2', finding.ruleId)}`;
  const line = lines?.[finding.line - 1];
  if (line === undefined) return head;
  return `${head}\n${snippet(finding, line, paint)}`;
}

function snippet(finding: Finding, line: string, paint: Paint): string {
  const startIndex = finding.column - 1;
  const endIndex = finding.endLine === finding.line ? Math.max(finding.endColumn - 1, finding.column) : line.length;
  const from = Math.max(0, Math.min(startIndex - 40, line.length - SNIPPET_WIDTH));
  const visible = line.slice(from, from + SNIPPET_WIDTH);
  const gutter = String(finding.line);
  const pad = ' '.repeat(gutter.length);
  // Measured as printed: an escaped control character takes six columns.
  const offset = shownWidth(line, from, startIndex);
  const width = Math.max(1, shownWidth(line, startIndex, Math.min(endIndex, from + SNIPPET_WIDTH)));
  const marker = `${' '.repeat(offset)}^${'~'.repeat(width - 1)}`;
  return `  ${paint('2', gutter)} | ${safe(visible)}\n  ${pad} | ${paint('31', marker)}`;
}

/** Columns that `line[from, to)` takes once escaped; positions past the line's end count one each. */
function shownWidth(line: string, from: number, to: number): number {
  if (to <= from) return 0;
  const text = line.slice(from, to);
  return safe(text).length + (to - from - text.length);
}

/**
 * A path as the head of a line. GitHub Actions reads any output line that
 * starts (after blanks) with `::` or `##[` as a workflow command, and a file
 * may be named `::set-output name=x::y.yaml`; `./` keeps it a path.
 */
function pathShown(file: string): string {
  return startsCommand(file) ? `./${safe(file)}` : safe(file);
}

/** Whether a line of output would be taken for a GitHub Actions workflow command. */
export function startsCommand(line: string): boolean {
  return /^\s*(?:::|##\[)/.test(line);
}

/**
 * Manifests are written by strangers: control characters (ANSI escapes
 * among them) are shown as escapes, never sent to the terminal. Tabs become
 * one space so the underline keeps its column.
 */
export function safe(text: string): string {
  return text.replace(/\t/g, ' ').replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// C0 and C1 controls and DEL; the line and paragraph separators, which some
// terminals and log viewers break lines at; and the bidirectional controls,
// which can make a line read differently from what it is ("Trojan Source").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
