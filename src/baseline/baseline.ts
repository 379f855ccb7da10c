import { compareStrings, type Finding } from '../linter/finding.js';

/** One recorded finding: what it is about, never where (lines move). */
export interface BaselineEntry {
  readonly ruleId: string;
  readonly file: string;
  /** `Kind/namespace/name`, or `null` for findings about a whole file. */
  readonly resource: string | null;
  readonly fingerprint: string;
  /** The message when recorded, for people reading the file. */
  readonly message: string;
}

export interface Baseline {
  readonly version: 1;
  readonly findings: readonly BaselineEntry[];
}

export class BaselineError extends Error {}

export function createBaseline(findings: readonly Finding[]): Baseline {
  return { version: 1, findings: findings.map(entryOf).sort(compareEntries) };
}

export function parseBaseline(text: string, source: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const baseline = value as Partial<Baseline> | null;
  if (!baseline || baseline.version !== 1 || !Array.isArray(baseline.findings) || !baseline.findings.every(isEntry)) {
    throw new BaselineError(`${source} is not a homeops-lint baseline (expected {"version": 1, "findings": [...]})`);
  }
  return baseline as Baseline;
}

export interface BaselineMatch {
  /** Findings the baseline does not cover: what the run reports. */
  readonly fresh: Finding[];
  /** Entries that matched no finding: fixed since, and ready to prune. */
  readonly stale: BaselineEntry[];
  /** The baseline without its stale entries. */
  readonly pruned: Baseline;
}

/**
 * Each entry covers one finding with the same rule, file, resource and
 * fingerprint, so two identical findings need two entries. Comparing with
 * another revision (`byFile: false`) ignores the file, so a moved or renamed
 * manifest keeps its findings.
 */
export function matchBaseline(findings: readonly Finding[], baseline: Baseline, { byFile = true } = {}): BaselineMatch {
  const keyOf = (entry: BaselineEntry) => [entry.ruleId, byFile ? entry.file : '', entry.resource ?? '', entry.fingerprint].join('\u0000');
  const remaining = new Map<string, BaselineEntry[]>();
  for (const entry of baseline.findings) {
    const list = remaining.get(keyOf(entry)) ?? [];
    list.push(entry);
    remaining.set(keyOf(entry), list);
  }
  const kept: BaselineEntry[] = [];
  const fresh = findings.filter((finding) => {
    const entry = remaining.get(keyOf(entryOf(finding)))?.shift();
    if (entry) kept.push(entry);
    return !entry;
  });
  const stale = [...remaining.values()].flat().sort(compareEntries);
  return { fresh, stale, pruned: { version: 1, findings: kept.sort(compareEntries) } };
}

function entryOf(finding: Finding): BaselineEntry {
  const resource = finding.resource ? `${finding.resource.kind}/${finding.resource.namespace ?? ''}/${finding.resource.name ?? ''}` : null;
  return { ruleId: finding.ruleId, file: finding.file, resource, fingerprint: finding.fingerprint, message: finding.message };
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  return compareStrings(a.file, b.file) || compareStrings(a.ruleId, b.ruleId) || compareStrings(a.resource ?? '', b.resource ?? '') || compareStrings(a.fingerprint, b.fingerprint);
}

function isEntry(value: unknown): value is BaselineEntry {
  const entry = value as Partial<BaselineEntry> | null;
  return (
    !!entry &&
    typeof entry.ruleId === 'string' &&
    typeof entry.file === 'string' &&
    (entry.resource === null || typeof entry.resource === 'string') &&
    typeof entry.fingerprint === 'string'
  );
}
