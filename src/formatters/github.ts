import type { Finding } from '../linter/finding.js';
import type { Formatter } from './types.js';

/**
 * GitHub Actions workflow commands, one annotation per finding:
 * `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=<rule>::<message>`.
 * Values are escaped as @actions/core escapes them, so text from a manifest
 * can neither end the line (and start a command of its own) nor add properties.
 */
export const github: Formatter = ({ findings }) => findings.map((finding) => `${annotation(finding)}\n`).join('');

function annotation(finding: Finding): string {
  const properties: ReadonlyArray<readonly [string, string | number]> = [
    ['file', finding.file],
    ['line', finding.line],
    ['col', finding.column],
    ['endLine', finding.endLine],
    ['endColumn', finding.endColumn],
    ['title', finding.ruleId],
  ];
  const list = properties.map(([key, value]) => `${key}=${escapeProperty(String(value))}`).join(',');
  return `::${finding.severity} ${list}::${escapeData(finding.message)}`;
}

/** The command's message: a line break would end the command. `%` first, so our own escapes stay unambiguous. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value: additionally `:` (would end the properties) and `,` (would start another property). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
