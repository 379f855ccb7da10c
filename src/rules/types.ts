import type { ResourceIndex } from '../resources/index.js';
import type { Resource } from '../resources/resource.js';
import type { Path, SpanTarget } from '../yaml/locate.js';

export type Severity = 'error' | 'warning';

/** A severity, or `off` for a rule that does not run. */
export type RuleSetting = Severity | 'off';

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
  /**
   * Narrows the span to where this text first stands inside it, as written
   * in the source: a `${VAR}` inside a block scalar, say.
   */
  readonly text?: string;
  readonly related?: readonly RelatedReport[];
  /**
   * The namespace of the copy the finding is about, where it is not the
   * resource's (its first placement's): a file applied into several
   * namespaces. Findings name the object by it.
   */
  readonly namespace?: string;
}

export interface RuleContext<Options extends object = object> {
  readonly index: ResourceIndex;
  /** The rule's options: its defaults, overridden key by key from the configuration. */
  readonly options: Options;
  report(report: Report): void;
  /** `file:line:col` of a path in any resource, for messages that point elsewhere. */
  locationOf(resource: Pick<Resource, 'file' | 'documentIndex'>, at: Path, span?: SpanTarget): string;
}

/** What every rule declares: identity, severity, messages, documentation. */
export interface RuleMeta {
  readonly id: string;
  /** One line, for `rules` listings and SARIF short descriptions. */
  readonly description: string;
  /** `off` for rules that run only when the configuration turns them on. */
  readonly defaultSeverity: RuleSetting;
  /** Message templates by id; `{{key}}` is replaced from the report's data. */
  readonly messages: Readonly<Record<string, string>>;
  readonly docsUrl: string;
}

/** A rule whose `kinds` is this sees every resource. */
export const ALL_KINDS = '*';

/** A JSON Schema (draft 2020-12 subset that ajv understands), as a plain object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A rule about resources: the engine calls `check` once for each resource of `kinds`. */
export interface Rule<Options extends object = object> extends RuleMeta {
  /** `group/Kind` ids (`Kind` for the core group), or `ALL_KINDS` for every resource. */
  readonly kinds: readonly string[];
  /** Schema of the options object a configuration may give, with a `description` per property. */
  readonly optionsSchema: JsonSchema | undefined;
  readonly defaultOptions: Options;
  check(resource: Resource, context: RuleContext<Options>): void;
}

type RuleDefinition<Options extends object> = Omit<Rule<Options>, 'docsUrl' | 'optionsSchema' | 'defaultOptions'> &
  ({ optionsSchema: JsonSchema; defaultOptions: Options } | { optionsSchema?: undefined; defaultOptions?: undefined });

export function defineRule<Options extends object = Record<string, never>>(rule: RuleDefinition<Options>): Rule<Options> {
  return { ...rule, optionsSchema: rule.optionsSchema, defaultOptions: rule.defaultOptions ?? ({} as Options), docsUrl: docsUrlOf(rule.id) };
}

export function docsUrlOf(id: string): string {
  return `${DOCS_BASE_URL}${id}.md`;
}

export function formatMessage(template: string, data: MessageData = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, key: string) => (key in data ? String(data[key]) : match));
}
