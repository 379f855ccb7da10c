import type { Finding } from '../../src/linter/finding.js';

/** A complete finding for formatter tests; override what a test is about. */
export const sampleFinding = (overrides: Partial<Finding> = {}): Finding => ({
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
  ...overrides,
});
