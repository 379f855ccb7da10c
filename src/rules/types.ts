import type { ResourceIndex } from '../resources/index.js';
import type { Resource } from '../resources/resource.js';
import type { Path, SpanTarget } from '../yaml/locate.js';

export type Severity = 'error' | 'warning';

/** Where in the repo this project's rule documentation lives. */
export const DOCS_BASE_URL = 'https://github.com/homeops-lint/homeops-lint/blob/main/docs/rules/';

export type MessageData = Readonly<Record<string, string | number>>;

/** Another place a finding refers to, e.g. the other copy of a duplicate. */
export interface RelatedReport {
  readonly resource: Resource;
  readonly at: Path;
  readonly span?: SpanTarget;
  readonly message: string;
}

export interface Report {
  readonly messageId: string;
  readonly data?: MessageData;
  /** Path inside the resource being checked; the engine turns it into a position. */
  readonly at: Path;
  readonly span?: SpanTarget;
  readonly related?: readonly RelatedReport[];
}

export interface RuleContext {
  readonly index: ResourceIndex;
  report(report: Report): void;
  /** `file:line:col` of a path in any resource, for messages that point elsewhere. */
  locationOf(resource: Resource, at: Path, span?: SpanTarget): string;
}

/** What every rule declares: identity, severity, messages, documentation. */
export interface RuleMeta {
  readonly id: string;
  /** One line, for `rules` listings and SARIF short descriptions. */
  readonly description: string;
  readonly defaultSeverity: Severity;
  /** Message templates by id; `{{key}}` is replaced from the report's data. */
  readonly messages: Readonly<Record<string, string>>;
  readonly docsUrl: string;
}

/** A rule about resources: the engine calls `check` once for each resource of `kinds`. */
export interface Rule extends RuleMeta {
  /** `group/Kind` ids (`Kind` for the core group). */
  readonly kinds: readonly string[];
  check(resource: Resource, context: RuleContext): void;
}

export function defineRule(rule: Omit<Rule, 'docsUrl'>): Rule {
  return { ...rule, docsUrl: docsUrlOf(rule.id) };
}

export function docsUrlOf(id: string): string {
  return `${DOCS_BASE_URL}${id}.md`;
}

export function formatMessage(template: string, data: MessageData = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, key: string) => (key in data ? String(data[key]) : match));
}
