import type { Finding } from '../linter/finding.js';

export interface FormatInput {
  readonly findings: readonly Finding[];
  readonly fileCount: number;
  /** Source text by file path, for formats that quote the offending line. */
  readonly sourceOf: (file: string) => string | undefined;
  readonly color: boolean;
}

/** A formatter is pure: findings in, text out. */
export type Formatter = (input: FormatInput) => string;

export function summarize(findings: readonly Finding[]): { errors: number; warnings: number } {
  const errors = findings.filter((finding) => finding.severity === 'error').length;
  return { errors, warnings: findings.length - errors };
}
