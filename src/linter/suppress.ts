import { lintDirective } from '../rules/lint-directive.js';
import { formatMessage, type Severity } from '../rules/types.js';
import type { Directive } from './directives.js';
import { fingerprintOf, type Finding } from './finding.js';

export interface DirectiveOptions {
  readonly knownRuleIds: ReadonlySet<string>;
  /** Severity of problems in directives (unknown rule, missing reason). */
  readonly severity: Severity | 'off';
  readonly reportUnused: Severity | 'off';
  readonly requireReason: boolean;
}

const ALL = '*';

interface Interval {
  readonly directive: Directive;
  readonly ruleId: string;
  readonly except: ReadonlySet<string>;
  readonly start: Position;
  end: Position;
}

type Position = readonly [line: number, column: number];

/**
 * Drops the findings that directives suppress and adds findings about the
 * directives themselves: unknown rule ids, missing reasons, and directives
 * that suppressed nothing.
 */
export function applyDirectives(findings: readonly Finding[], directivesByFile: ReadonlyMap<string, readonly Directive[]>, options: DirectiveOptions): Finding[] {
  const used = new Map<Directive, Set<string>>();
  const intervalsByFile = new Map([...directivesByFile].map(([file, directives]) => [file, blockIntervals(directives)]));
  const kept = findings.filter((finding) => {
    const directives = directivesByFile.get(finding.file);
    if (!directives) return true;
    // As in ESLint: ranges first, then line directives.
    const suppressor = blockSuppressor(intervalsByFile.get(finding.file) ?? [], finding) ?? lineSuppressor(directives, finding);
    if (!suppressor) return true;
    const ids = used.get(suppressor.directive) ?? new Set();
    ids.add(suppressor.ruleId);
    used.set(suppressor.directive, ids);
    return false;
  });
  for (const [file, directives] of directivesByFile) {
    for (const directive of directives) kept.push(...problemsOf(file, directive, used.get(directive), options));
  }
  return kept;
}

function covers(ruleIds: readonly string[], ruleId: string): string | undefined {
  if (ruleIds.length === 0) return ALL;
  return ruleIds.includes(ruleId) ? ruleId : undefined;
}

function lineSuppressor(directives: readonly Directive[], finding: Finding): { directive: Directive; ruleId: string } | undefined {
  for (const directive of directives) {
    const line = directive.kind === 'disable-line' ? directive.region.line : directive.kind === 'disable-next-line' ? directive.region.line + 1 : undefined;
    if (line !== finding.line) continue;
    const ruleId = covers(directive.ruleIds, finding.ruleId);
    if (ruleId) return { directive, ruleId };
  }
  return undefined;
}

function blockSuppressor(intervals: readonly Interval[], finding: Finding): { directive: Directive; ruleId: string } | undefined {
  const at: Position = [finding.line, finding.column];
  // The most recent directive that covers the finding is the one that suppresses it.
  const interval = intervals.findLast(
    (candidate) =>
      (candidate.ruleId === ALL ? !candidate.except.has(finding.ruleId) : candidate.ruleId === finding.ruleId) &&
      compare(candidate.start, at) <= 0 &&
      compare(at, candidate.end) < 0,
  );
  return interval && { directive: interval.directive, ruleId: interval.ruleId };
}

// `disable` opens an interval per named rule (or for all rules) that the next
// matching `enable` closes; one never closed runs to the end of the file,
// which makes a `disable` at the top of a file apply to the whole file.
function blockIntervals(directives: readonly Directive[]): Interval[] {
  const intervals: Interval[] = [];
  const open = new Map<string, Interval>();
  const END: Position = [Number.POSITIVE_INFINITY, 0];
  const start = (directive: Directive, ruleId: string, except: ReadonlySet<string>, position: Position) => {
    // A second disable of a rule already disabled ends the first, so one enable re-enables it.
    const previous = open.get(ruleId);
    if (previous) previous.end = position;
    const interval: Interval = { directive, ruleId, except, start: position, end: END };
    open.set(ruleId, interval);
    intervals.push(interval);
  };
  for (const directive of directives) {
    const position: Position = [directive.region.line, directive.region.column];
    if (directive.kind === 'disable') {
      if (directive.ruleIds.length === 0) start(directive, ALL, new Set(), position);
      for (const ruleId of directive.ruleIds) start(directive, ruleId, new Set(), position);
    } else if (directive.kind === 'enable') {
      const closing = directive.ruleIds.length === 0 ? [...open.keys()] : directive.ruleIds;
      for (const ruleId of closing) {
        const interval = open.get(ruleId);
        if (interval) interval.end = position;
        open.delete(ruleId);
      }
      // Re-enabling one rule inside a disable-all keeps the others disabled.
      const all = open.get(ALL);
      if (all && directive.ruleIds.length > 0) start(all.directive, ALL, new Set([...all.except, ...directive.ruleIds]), position);
    }
  }
  return intervals;
}

function compare(a: Position, b: Position): number {
  return a[0] - b[0] || a[1] - b[1];
}

function problemsOf(file: string, directive: Directive, used: ReadonlySet<string> | undefined, options: DirectiveOptions): Finding[] {
  const problems: Finding[] = [];
  const name = `homeops-lint-${directive.kind}`;
  const add = (messageId: string, severity: Severity | 'off', data: Record<string, string>) => {
    if (severity === 'off') return;
    problems.push({
      ruleId: lintDirective.id,
      messageId,
      severity,
      message: formatMessage(lintDirective.messages[messageId]!, data),
      file,
      ...directive.region,
      resource: null,
      related: [],
      // Without the path: a renamed file keeps its findings (a baseline keeps the file beside it).
      fingerprint: fingerprintOf([lintDirective.id, messageId, directive.text, data.ruleId ?? '']),
    });
  };
  const unknown = directive.ruleIds.filter((ruleId) => !options.knownRuleIds.has(ruleId));
  for (const ruleId of unknown) add('unknownRule', options.severity, { ruleId, directive: name });
  if (directive.kind === 'enable') return problems;
  if (options.requireReason && directive.reason === undefined) add('missingReason', options.severity, { directive: name });
  const known = directive.ruleIds.filter((ruleId) => options.knownRuleIds.has(ruleId));
  if (directive.ruleIds.length === 0 && !used?.has(ALL)) add('unused', options.reportUnused, { directive: name, what: 'nothing was reported here' });
  for (const ruleId of known) {
    if (!used?.has(ruleId)) add('unused', options.reportUnused, { directive: name, what: `no "${ruleId}" finding to suppress` });
  }
  return problems;
}
