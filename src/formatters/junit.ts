import type { Finding } from '../linter/finding.js';
import type { Formatter } from './types.js';

const SUITE = 'homeops-lint';

/**
 * JUnit XML for CI test-report views: one `<testsuite>`, one `<testcase>` per
 * file with findings (each finding one `<failure>`), and one passing testcase
 * standing for the files without findings, so a clean run is a passing suite
 * rather than an empty one (which some CI systems treat as an error).
 */
export const junit: Formatter = ({ findings, fileCount }) => {
  const byFile = groupByFile(findings);
  const cleanFiles = Math.max(0, fileCount - byFile.size);
  const cases = [...byFile].map(([file, fileFindings]) => failingCase(file, fileFindings));
  if (cleanFiles > 0) cases.push(`  <testcase classname="${SUITE}" name="${cleanFiles} ${cleanFiles === 1 ? 'file' : 'files'} without findings"/>`);
  const head = `<testsuite name="${SUITE}" tests="${cases.length}" failures="${byFile.size}" errors="0" skipped="0">`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...cases, '</testsuite>', ''].join('\n');
};

// Findings arrive sorted by file; a Map keeps that order.
function groupByFile(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const group = groups.get(finding.file);
    if (group) group.push(finding);
    else groups.set(finding.file, [finding]);
  }
  return groups;
}

function failingCase(file: string, findings: readonly Finding[]): string {
  const failures = findings.map(
    (finding) => `    <failure message="${attribute(finding.message)}" type="${attribute(finding.ruleId)}">${text(failureText(finding))}</failure>`,
  );
  return [`  <testcase classname="${attribute(file)}" name="${attribute(file)}">`, ...failures, '  </testcase>'].join('\n');
}

/** `file:line:col: severity: message [rule]`, then one line per related location. */
function failureText(finding: Finding): string {
  const head = `${finding.file}:${finding.line}:${finding.column}: ${finding.severity}: ${finding.message} [${finding.ruleId}]`;
  const related = finding.related.map((location) => `\n  ${location.file}:${location.line}:${location.column}: ${location.message}`);
  return head + related.join('');
}

/**
 * Characters that XML 1.0 forbids even as references (C0 controls other than
 * tab and line breaks, lone surrogates, U+FFFE, U+FFFF) are written as visible
 * `\uXXXX` text, so the document stays well-formed and nothing is silently lost.
 */
function legal(value: string): string {
  return value.replace(/[\u{0}-\u{8}\u{B}\u{C}\u{E}-\u{1F}\u{D800}-\u{DFFF}\u{FFFE}\u{FFFF}]/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function text(value: string): string {
  // A raw CR would be read back as LF (XML normalizes line ends), so it is a reference.
  return legal(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Tabs and line breaks as references too: a parser would otherwise normalize them to spaces. */
function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
