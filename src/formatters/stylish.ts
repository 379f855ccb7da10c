import type { Finding } from '../linter/finding.js';
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
  let previousFile: string | undefined;
  for (const finding of findings) {
    if (previousFile !== undefined && finding.file !== previousFile) blocks.push('');
    previousFile = finding.file;
    blocks.push(formatFinding(finding, sourceOf(finding.file), paint));
  }
  const { errors, warnings } = summarize(findings);
  const total = errors + warnings;
  const summary = `${total} ${plural(total, 'problem')} (${errors} ${plural(errors, 'error')}, ${warnings} ${plural(warnings, 'warning')})`;
  return `${blocks.join('\n')}\n\n${paint(errors > 0 ? '1;31' : '1;33', summary)}\n`;
};

function formatFinding(finding: Finding, source: string | undefined, paint: Paint): string {
  const severity = finding.severity === 'error' ? paint('31', 'error') : paint('33', 'warning');
  const head = `${safe(finding.file)}:${finding.line}:${finding.column}  ${severity}  ${safe(finding.message)}  ${paint('2', finding.ruleId)}`;
  const line = source?.split('\n', finding.line)[finding.line - 1];
  if (line === undefined) return head;
  return `${head}\n${snippet(finding, line.replace(/\r$/, ''), paint)}`;
}

function snippet(finding: Finding, line: string, paint: Paint): string {
  const startIndex = finding.column - 1;
  const endIndex = finding.endLine === finding.line ? Math.max(finding.endColumn - 1, finding.column) : line.length;
  const from = Math.max(0, Math.min(startIndex - 40, line.length - SNIPPET_WIDTH));
  const visible = line.slice(from, from + SNIPPET_WIDTH);
  const gutter = String(finding.line);
  const pad = ' '.repeat(gutter.length);
  const offset = Math.max(0, startIndex - from);
  const width = Math.max(1, Math.min(endIndex, from + SNIPPET_WIDTH) - startIndex);
  const marker = `${' '.repeat(offset)}^${'~'.repeat(width - 1)}`;
  return `  ${paint('2', gutter)} | ${safe(visible)}\n  ${pad} | ${paint('31', marker)}`;
}

/**
 * Manifests are written by strangers: control characters (ANSI escapes
 * among them) are shown as escapes, never sent to the terminal. Tabs become
 * one space so the underline keeps its column.
 */
export function safe(text: string): string {
  return text.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
