import { nameShown } from '../resources/resource.js';
import { isMapping, type Mapping } from '../resources/values.js';
import type { Path } from '../yaml/locate.js';
import { defineRule } from './types.js';

const BACKUP = 'postgresql.cnpg.io/Backup';
const SCHEDULED_BACKUP = 'postgresql.cnpg.io/ScheduledBackup';

/**
 * The fields each kind's CRD declares under spec (cloudnative-pg v1.26.1
 * api/v1/backup_types.go L122-157, scheduledbackup_types.go L27-84; the same
 * in v1.26.0, v1.27.0 and main): a mapping's declared keys, each with the
 * fields of its own value, `null` for a scalar and `'any'` for a map of
 * free keys (`pluginConfiguration.parameters`).
 */
interface Fields {
  readonly [name: string]: Fields | null | 'any';
}

const COMMON: Fields = {
  cluster: { name: null },
  method: null,
  online: null,
  onlineConfiguration: { immediateCheckpoint: null, waitForArchive: null },
  pluginConfiguration: { name: null, parameters: 'any' },
  target: null,
};
const SCHEDULED_ONLY: Fields = { backupOwnerReference: null, immediate: null, schedule: null, suspend: null };
const SPEC_FIELDS: Readonly<Record<string, Fields>> = {
  [BACKUP]: COMMON,
  [SCHEDULED_BACKUP]: { ...COMMON, ...SCHEDULED_ONLY },
};

export default defineRule({
  id: 'cnpg-backup-immediate',
  description: 'CloudNativePG Backup and ScheduledBackup specs must hold only fields their CRDs declare: no spec.immediate on a Backup, no spec.metadata',
  defaultSeverity: 'error',
  kinds: [BACKUP, SCHEDULED_BACKUP],
  messages: {
    immediate:
      'Backup "{{name}}" sets spec.immediate, a field that Backup does not have; server-side apply rejects it and fails the whole Flux Kustomization. Remove spec.immediate (a Backup always starts at once; only ScheduledBackup has immediate).',
    scheduledOnly:
      'Backup "{{name}}" sets {{field}}, a field that only ScheduledBackup has; server-side apply rejects it and fails the whole Flux Kustomization. Remove {{field}}, or make this a ScheduledBackup to back up on a schedule.',
    specMetadata:
      '{{kind}} "{{name}}" sets spec.metadata, a field that {{kind}} does not have; server-side apply rejects it and fails the whole Flux Kustomization. Move labels and annotations to the top-level metadata.',
    unknownField:
      '{{kind}} "{{name}}" sets {{field}}, a field that {{kind}} does not have (there: {{declared}}); server-side apply rejects it and fails the whole Flux Kustomization. Remove it, or correct its name or indentation.',
  },
  check(backup, context) {
    // Keys as written: Flux substitutes only strings, unless a key holds `${`.
    const spec = backup.written.spec;
    if (!isMapping(spec)) return;
    const data = { kind: backup.kind, name: nameShown(backup) };
    const visit = (mapping: Mapping, fields: Fields, at: Path) => {
      for (const [key, value] of Object.entries(mapping)) {
        const here = [...at, key];
        const declared = Object.hasOwn(fields, key) ? fields[key] : undefined;
        if (declared === undefined) {
          if (key.includes('${')) continue;
          const messageId = messageFor(backup.typeId, here);
          context.report({ messageId, data: { ...data, field: here.join('.'), declared: Object.keys(fields).join(', ') }, at: here, span: 'key' });
        } else if (declared !== null && declared !== 'any' && isMapping(value)) {
          visit(value, declared, here);
        }
      }
    };
    visit(spec, SPEC_FIELDS[backup.typeId]!, ['spec']);
  },
});

/** An undeclared field's message: the mix-ups with ScheduledBackup and with the top-level metadata have their own. */
function messageFor(typeId: string, at: Path): 'immediate' | 'scheduledOnly' | 'specMetadata' | 'unknownField' {
  const field = String(at.at(-1));
  if (at.length !== 2) return 'unknownField';
  if (field === 'metadata') return 'specMetadata';
  if (typeId === BACKUP && Object.hasOwn(SCHEDULED_ONLY, field)) return field === 'immediate' ? 'immediate' : 'scheduledOnly';
  return 'unknownField';
}
