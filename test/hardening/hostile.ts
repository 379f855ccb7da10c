import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import type { Location } from '../../src/linter/finding.js';
import { cli } from '../helpers/cli.js';
import { tempTree } from '../helpers/temp-repo.js';

/** A finding as `--format json` prints it. */
export interface JsonFinding {
  readonly ruleId: string;
  readonly messageId: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly resource: { kind: string; name: string | null } | null;
  readonly related: readonly { file: string; line: number; column: number }[];
}

/** A fresh temporary directory (removed after the test) holding `files`, text or bytes. */
export function hostileTree(files: Record<string, string | Uint8Array>): string {
  const dir = tempTree({});
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/**
 * Runs the CLI in-process with `--format json`. Whatever the input, it must
 * not fail (exit 2, a message on stderr): only 0 or 1, and valid JSON.
 */
export async function lintJson(dir: string, args: readonly string[] = ['.']): Promise<{ code: number; findings: JsonFinding[]; files: number }> {
  const { code, stdout, stderr } = await cli(['--format', 'json', ...args], dir);
  expect(stderr).toBe('');
  expect([0, 1]).toContain(code);
  const parsed = JSON.parse(stdout) as { findings: JsonFinding[]; summary: { files: number } };
  return { code, findings: parsed.findings, files: parsed.summary.files };
}

/** `file:line:col rule/messageId`, with the parser's error code for syntax findings: what the tests compare. */
export function located(findings: readonly JsonFinding[]): string[] {
  return findings.map((f) => {
    const code = f.messageId === 'syntax' ? ` ${/\(([A-Z0-9_]+)\)/.exec(f.message)?.[1] ?? '?'}` : '';
    return `${f.file}:${f.line}:${f.column} ${f.ruleId}/${f.messageId}${code}`;
  });
}

/** A ConfigMap head, for cases whose mistake comes after it (line 5 on). */
export const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n';

/** A CNPG Backup whose `spec.immediate` (line 7, column 3) is a finding of its own. */
export const BACKUP = 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: b\n  namespace: db\nspec:\n  immediate: true\n  cluster:\n    name: pg\n';

/** Milliseconds `work` takes. */
export async function timed<T>(work: () => Promise<T> | T): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
}


/** Why a location is not inside its file, or undefined when it is. */
export function outside(location: Location, files: ReadonlyMap<string, string>): string | undefined {
  const text = files.get(location.file);
  if (text === undefined) return `unknown file ${location.file}`;
  const lines = text.split('\n');
  const lengthOf = (line: number) => lines[line - 1]!.length;
  const { line, column, endLine, endColumn } = location;
  if (![line, column, endLine, endColumn].every(Number.isInteger)) return 'a position is not an integer';
  if (line < 1 || line > lines.length) return `line ${line} of ${lines.length}`;
  if (column < 1 || column > lengthOf(line) + 1) return `column ${column} on a line of ${lengthOf(line)}`;
  if (endLine < line || endLine > lines.length) return `endLine ${endLine} (line ${line}, ${lines.length} lines)`;
  if (endColumn < 1 || endColumn > lengthOf(endLine) + 1) return `endColumn ${endColumn} on a line of ${lengthOf(endLine)}`;
  if (endLine === line && endColumn < column) return `endColumn ${endColumn} before column ${column}`;
  return undefined;
}
