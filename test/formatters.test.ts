import { describe, expect, it } from 'vitest';
import { json } from '../src/formatters/json.js';
import { stylish } from '../src/formatters/stylish.js';
import { sampleFinding } from './helpers/findings.js';

const finding = sampleFinding;

const SOURCES: Record<string, string> = {
  'db/backup.yaml': 'kind: Backup\nspec:\n  immediate: true\n  other: x\n',
  'z.yaml': 'a:\tb\n',
};
const sourceOf = (file: string) => SOURCES[file];

describe('stylish', () => {
  it('prints path:line:col, severity, message and rule, the source line with an underline, grouped by file, and a summary', () => {
    const output = stylish({
      findings: [finding({}), finding({ line: 4, column: 10, endColumn: 11, severity: 'warning', message: 'w' }), finding({ file: 'z.yaml', line: 1, column: 4, endColumn: 5 })],
      fileCount: 2,
      sourceOf,
      color: false,
    });
    expect(output).toBe(
      [
        'db/backup.yaml:3:3  error  Backup "b" sets spec.immediate.  cnpg-backup-immediate',
        '  3 |   immediate: true',
        '    |   ^~~~~~~~~',
        'db/backup.yaml:4:10  warning  w  cnpg-backup-immediate',
        '  4 |   other: x',
        '    |          ^',
        '',
        'z.yaml:1:4  error  Backup "b" sets spec.immediate.  cnpg-backup-immediate',
        '  1 | a: b',
        '    |    ^',
        '',
        '3 problems (2 errors, 1 warning)',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing when there are no findings', () => {
    expect(stylish({ findings: [], fileCount: 3, sourceOf, color: false })).toBe('');
  });

  it('never passes control characters from manifests to the terminal', () => {
    const output = stylish({ findings: [finding({ message: 'bad \u001b[31mred\u001b[0m\nline', file: 'x\u0007.yaml' })], fileCount: 1, sourceOf, color: false });
    expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(output).toContain('bad \\u001b[31mred\\u001b[0m\\u000aline');
  });

  it('colours severities only when asked', () => {
    expect(stylish({ findings: [finding({})], fileCount: 1, sourceOf, color: true })).toContain('\u001b[31merror\u001b[0m');
  });
});

describe('json', () => {
  it('prints the public shape: findings with positions and resource, and a summary', () => {
    const parsed = JSON.parse(json({ findings: [finding({})], fileCount: 7, sourceOf, color: false }));
    expect(parsed).toEqual({
      findings: [
        {
          ruleId: 'cnpg-backup-immediate',
          messageId: 'immediate',
          severity: 'error',
          message: 'Backup "b" sets spec.immediate.',
          file: 'db/backup.yaml',
          line: 3,
          column: 3,
          endLine: 3,
          endColumn: 12,
          resource: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', namespace: 'db', name: 'b' },
          related: [],
          fingerprint: '0123456789abcdef',
        },
      ],
      summary: { errors: 1, warnings: 0, files: 7 },
    });
  });
});
