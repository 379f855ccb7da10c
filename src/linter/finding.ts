import type { Severity } from '../rules/types.js';
import type { Region } from '../yaml/source.js';
import { sha256Hex } from './digest.js';

export interface ResourceIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string | null;
}

export interface Location extends Region {
  readonly file: string;
}

export interface RelatedLocation extends Location {
  readonly message: string;
}

/** One problem, positioned and ready for any formatter. */
export interface Finding extends Location {
  readonly ruleId: string;
  /** Which of the rule's messages this is; for tests and tools, not shown to users. */
  readonly messageId: string;
  readonly severity: Severity;
  readonly message: string;
  readonly resource: ResourceIdentity | null;
  readonly related: readonly RelatedLocation[];
  /** Stable across line moves: rule, message, resource and offending text (see `fingerprintOf`). */
  readonly fingerprint: string;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareStrings(a.ruleId, b.ruleId) ||
    compareStrings(a.message, b.message)
  );
}

// Plain code-unit order, not locale order, so output is the same on every machine.
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Identifies a finding by what it is about, not where: rule, message, resource
 * and the offending text. Baselines and diffs match on it, so findings keep
 * their identity when unrelated edits move lines.
 */
export function fingerprintOf(parts: readonly string[]): string {
  return sha256Hex(parts.join('\u0000')).slice(0, 16);
}
