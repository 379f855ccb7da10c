import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * A finding a fixture expects, written as a comment on the line it is
 * expected on, in the spirit of markdownlint's inline markers:
 *
 *     immediate: true  # expect: cnpg-backup-immediate/immediate @3-12
 *
 * `@col` is the 1-based start column; `-endCol` (optional) the end column
 * just past the span. Several markers may share a line, separated by `;`.
 */
export interface Expectation {
  readonly file: string;
  readonly line: number;
  readonly ruleId: string;
  readonly messageId: string;
  readonly column: number;
  readonly endColumn?: number;
}

const MARKER = /#\s*expect:\s*(.+)$/;
const ONE = /^([a-z0-9-]+)\/([A-Za-z]+)\s+@(\d+)(?:-(\d+))?$/;

export function expectationsIn(cwd: string, file: string): Expectation[] {
  const lines = readFileSync(resolve(cwd, file), 'utf8').split('\n');
  return lines.flatMap((text, index) => {
    const marker = MARKER.exec(text);
    if (!marker) return [];
    return marker[1]!.split(';').map((part) => {
      const parsed = ONE.exec(part.trim());
      if (!parsed) throw new Error(`${file}:${index + 1}: malformed expectation "${part.trim()}"`);
      const [, ruleId, messageId, column, endColumn] = parsed;
      return {
        file,
        line: index + 1,
        ruleId: ruleId!,
        messageId: messageId!,
        column: Number(column),
        ...(endColumn === undefined ? {} : { endColumn: Number(endColumn) }),
      };
    });
  });
}
