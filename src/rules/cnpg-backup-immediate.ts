import { defineRule } from './types.js';

const BACKUP = 'postgresql.cnpg.io/Backup';
const SCHEDULED_BACKUP = 'postgresql.cnpg.io/ScheduledBackup';

export default defineRule({
  id: 'cnpg-backup-immediate',
  description: 'CloudNativePG Backup must not set spec.immediate; Backup and ScheduledBackup must not set spec.metadata',
  defaultSeverity: 'error',
  kinds: [BACKUP, SCHEDULED_BACKUP],
  messages: {
    immediate:
      'Backup "{{name}}" sets spec.immediate, a field that Backup does not have; server-side apply rejects it and fails the whole Flux Kustomization. Remove spec.immediate (a Backup always starts at once; only ScheduledBackup has immediate).',
    specMetadata:
      '{{kind}} "{{name}}" sets spec.metadata, a field that {{kind}} does not have; server-side apply rejects it and fails the whole Flux Kustomization. Move labels and annotations to the top-level metadata.',
  },
  check(backup, context) {
    const spec = backup.get(['spec']);
    if (typeof spec !== 'object' || spec === null) return;
    const data = { kind: backup.kind, name: backup.name ?? '(unnamed)' };
    if (backup.typeId === BACKUP && 'immediate' in spec) {
      context.report({ messageId: 'immediate', data, at: ['spec', 'immediate'], span: 'key' });
    }
    if ('metadata' in spec) {
      context.report({ messageId: 'specMetadata', data, at: ['spec', 'metadata'], span: 'key' });
    }
  },
});
