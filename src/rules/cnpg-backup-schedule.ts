import { nameShown, type Placement } from '../resources/resource.js';
import { getPath, knownString } from '../resources/values.js';
import { defineRule } from './types.js';

const SCHEDULED_BACKUP = 'postgresql.cnpg.io/ScheduledBackup';
const SCHEDULE = ['spec', 'schedule'];

export default defineRule({
  id: 'cnpg-backup-schedule',
  description: 'A CloudNativePG ScheduledBackup schedule must be one CloudNativePG parses, with six fields (seconds first), not a five-field CronJob schedule',
  defaultSeverity: 'error',
  kinds: [SCHEDULED_BACKUP],
  messages: {
    fiveFields:
      'ScheduledBackup "{{name}}" has the five-field schedule "{{schedule}}"{{from}}, which CloudNativePG reads seconds first ({{reading}}), not minute first as a CronJob would; its webhook only warns. {{cronJob}}; for the reading above, add the day of week: "{{schedule}} *".',
    fiveFieldsRejected:
      'ScheduledBackup "{{name}}" has the five-field schedule "{{schedule}}"{{from}}, which CloudNativePG reads seconds first (second, minute, hour, day of month, month), and then {{reason}}; its webhook rejects the object, and the Flux Kustomization that applies it fails. {{cronJob}}.',
    invalid:
      'ScheduledBackup "{{name}}" has the schedule "{{schedule}}"{{from}}, which CloudNativePG cannot parse: {{reason}}; its webhook rejects the object, and the Flux Kustomization that applies it fails. Write six fields, seconds first ("0 0 3 * * *" is 03:00 every day), or a descriptor such as "@daily".',
  },
  check(backup, context) {
    // Each deployed copy as Flux substitutes it; a schedule still holding a variable is not known offline.
    const written = getPath(backup.written, SCHEDULE);
    const schedules = new Map<unknown, Placement | undefined>();
    for (const placement of backup.placements.length > 0 ? backup.placements : [undefined]) {
      const value = placement ? backup.getAs(placement, SCHEDULE) : written;
      if (!schedules.has(value)) schedules.set(value, placement);
    }
    for (const [value, placement] of schedules) {
      const schedule = knownString(value);
      if (schedule === undefined) continue;
      // A substituted schedule names where its value comes from.
      const from = schedule === written ? '' : ` (${String(written)} as Flux Kustomization "${placement?.fluxKustomization ?? ''}" substitutes it)`;
      const data = { name: nameShown(backup), schedule, from };
      const fields = schedule.split(/\s+/).filter((field) => field !== '');
      const problem = cronProblem(schedule, fields);
      if (fields.length === 5 && !schedule.startsWith('@')) {
        const cronJob = cronJobMeaning(fields);
        const advice = cronJob === undefined ? 'No six-field schedule means the same as this CronJob one' : `For the CronJob meaning write "${cronJob}"`;
        if (problem === undefined) context.report({ messageId: 'fiveFields', data: { ...data, reading: readingOf(fields), cronJob: advice }, at: SCHEDULE });
        else context.report({ messageId: 'fiveFieldsRejected', data: { ...data, reason: problem, cronJob: advice }, at: SCHEDULE });
      } else if (problem !== undefined) {
        context.report({ messageId: 'invalid', data: { ...data, reason: problem }, at: SCHEDULE });
      }
    }
  },
});

interface Bounds {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

// The fields of robfig/cron v1.2.0's default parser, which CloudNativePG's
// webhook and controller call (cron.Parse: Second | Minute | Hour | Dom |
// Month | DowOptional | Descriptor), with their bounds (spec.go).
const FIELDS: readonly Bounds[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: Object.fromEntries(MONTHS.map((month, index) => [month, index + 1])) },
  { name: 'day of week', min: 0, max: 6, names: Object.fromEntries(DAYS.map((day, index) => [day, index])) },
];

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
// Go's time.ParseDuration: an optional sign, then "0" or numbers with units.
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

/** Why robfig/cron v1.2.0's `Parse` refuses a schedule, in its words; `undefined` when it parses. */
function cronProblem(schedule: string, fields: readonly string[]): string | undefined {
  if (schedule === '') return 'it is empty';
  if (schedule.startsWith('@')) {
    if (DESCRIPTORS.has(schedule)) return undefined;
    if (schedule.startsWith('@every ')) return GO_DURATION.test(schedule.slice('@every '.length)) ? undefined : `"${schedule.slice('@every '.length)}" is not a duration`;
    return `"${schedule}" is not a descriptor`;
  }
  if (fields.length < 5 || fields.length > 6) return `it has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5 or 6`;
  for (const [index, field] of fields.entries()) {
    const bounds = FIELDS[index]!;
    // A field is a comma-separated list of ranges; empty items are skipped, as strings.FieldsFunc does.
    for (const range of field.split(',').filter((item) => item !== '')) {
      const problem = rangeProblem(range, bounds);
      if (problem !== undefined) return `the ${bounds.name} field "${field}": ${problem}`;
    }
  }
  return undefined;
}

/** robfig/cron's getRange: `*`, `?`, a number or name, `a-b`, each with an optional `/step`. */
function rangeProblem(range: string, bounds: Bounds): string | undefined {
  const [span = '', ...steps] = range.split('/');
  if (steps.length > 1) return 'too many slashes';
  const ends = span.split('-');
  let start: number;
  let end: number;
  if (ends[0] === '*' || ends[0] === '?') {
    start = bounds.min;
    end = bounds.max;
  } else {
    if (ends.length > 2) return 'too many hyphens';
    const values = ends.map((value) => numberOrName(value, bounds));
    const failed = values.find((value) => typeof value === 'string');
    if (failed !== undefined) return failed as string;
    start = values[0] as number;
    end = values.length === 2 ? (values[1] as number) : start;
  }
  let step = 1;
  if (steps.length === 1) {
    const parsed = numberOrName(steps[0]!, { ...bounds, names: undefined });
    if (typeof parsed === 'string') return parsed;
    step = parsed;
    // "N/step" means "N-max/step".
    if (ends.length === 1) end = bounds.max;
  }
  if (start < bounds.min) return `${start} is below the minimum, ${bounds.min}`;
  if (end > bounds.max) return `${end} is above the maximum, ${bounds.max}`;
  if (start > end) return `the range starts at ${start}, after its end, ${end}`;
  if (step === 0) return 'a step of 0';
  return undefined;
}

/** A number as Go's strconv.Atoi reads it (not negative), or a name of the field's; else why not. */
function numberOrName(text: string, bounds: Bounds): number | string {
  const named = bounds.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[+-]?\d+$/.test(text)) return `"${text}" is not a number${bounds.names ? ' or a name' : ''}`;
  const value = Number(text);
  return value < 0 ? `"${text}" is negative` : value;
}

/**
 * A CronJob's five fields as CloudNativePG's six: a second in front, and a
 * Sunday written 7 (which CronJobs take, and robfig/cron refuses) as 0;
 * `undefined` when that still does not parse.
 */
function cronJobMeaning(fields: readonly string[]): string | undefined {
  const dayOfWeek = fields[4]!.split(',').map((item) => item.replace(/^7$/, '0').replace(/^([0-6])-7$/, (_, start: string) => (start === '0' ? '*' : `${start}-6,0`)));
  const six = ['0', ...fields.slice(0, 4), dayOfWeek.join(',')];
  return cronProblem(six.join(' '), six) === undefined ? six.join(' ') : undefined;
}

/** How CloudNativePG reads five fields: seconds first, the day of week left out (every day). */
function readingOf(fields: readonly string[]): string {
  return fields.map((field, index) => `${FIELDS[index]!.name} ${field}`).join(', ');
}
