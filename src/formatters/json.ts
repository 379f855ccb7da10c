import { summarize, type Formatter } from './types.js';

/** A public interface that scripts rely on: add fields, never rename or remove them. */
export const json: Formatter = ({ findings, fileCount }) =>
  `${JSON.stringify({
    findings: findings.map((finding) => ({
      ruleId: finding.ruleId,
      messageId: finding.messageId,
      severity: finding.severity,
      message: finding.message,
      file: finding.file,
      line: finding.line,
      column: finding.column,
      endLine: finding.endLine,
      endColumn: finding.endColumn,
      resource: finding.resource,
      related: finding.related,
      fingerprint: finding.fingerprint,
    })),
    summary: { ...summarize(findings), files: fileCount },
  })}\n`;
