import { Parser } from 'yaml';
import type { Region } from '../yaml/source.js';

export type DirectiveKind = 'disable' | 'enable' | 'disable-line' | 'disable-next-line';

/** A `# homeops-lint-...` comment. */
export interface Directive {
  readonly kind: DirectiveKind;
  /** Rule ids it names; empty for every rule. */
  readonly ruleIds: readonly string[];
  readonly reason: string | undefined;
  /** Where the comment is. */
  readonly region: Region;
  /** The directive text, for messages. */
  readonly text: string;
}

const PREFIX = 'homeops-lint-';
const DIRECTIVE = /^#\s*homeops-lint-(disable-next-line|disable-line|disable|enable)(?=\s|$)(.*)$/;

/**
 * The directives among a file's real comments. The YAML parser finds the
 * comments, so `# homeops-lint-disable` inside a string or block scalar is
 * text, not a directive. Files without the prefix skip the parse entirely.
 */
export function directivesIn(text: string, regionOf: (span: { start: number; end: number }) => Region): Directive[] {
  if (!text.includes(PREFIX)) return [];
  const directives: Directive[] = [];
  for (const comment of commentsIn(text)) {
    const match = DIRECTIVE.exec(comment.source.trimEnd());
    if (!match) continue;
    const [body = '', reason] = splitReason(match[2] ?? '');
    directives.push({
      kind: match[1] as DirectiveKind,
      ruleIds: body
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
      reason,
      region: regionOf({ start: comment.offset, end: comment.offset + comment.source.trimEnd().length }),
      text: comment.source.trimEnd(),
    });
  }
  return directives;
}

// As in ESLint, `--` starts the reason only with whitespace around it, so a
// rule id can never swallow it (`rule--why` is an unknown rule).
function splitReason(rest: string): [string, string | undefined] {
  const separator = /\s--(?:\s|$)/.exec(rest);
  if (!separator) return [rest, undefined];
  const reason = rest.slice(separator.index + separator[0].length).trim();
  return [rest.slice(0, separator.index), reason === '' ? undefined : reason];
}

interface Comment {
  readonly offset: number;
  readonly source: string;
}

// Comments sit in many places of the concrete syntax tree (before items,
// between key and value, after documents); any token of type `comment` is one.
function commentsIn(text: string): Comment[] {
  const comments: Comment[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    const token = node as { type?: unknown; offset?: unknown; source?: unknown };
    if (token.type === 'comment' && typeof token.offset === 'number' && typeof token.source === 'string') {
      comments.push({ offset: token.offset, source: token.source });
      return;
    }
    for (const value of Object.values(node)) visit(value);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return comments.sort((a, b) => a.offset - b.offset);
}
