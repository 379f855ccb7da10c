import { getPath, isMapping, type Mapping } from './values.js';

/**
 * Flux post-build substitution (`postBuild.substitute` and `substituteFrom`):
 * `${VAR}`, `${VAR:=default}`, `${VAR:-default}`; `$${VAR}` is an escape.
 */

/** What one Flux Kustomization substitutes. */
export interface Substitution {
  /** Variables by name; `null` when defined but the value is unknown offline (SOPS, base64 that is not text). */
  readonly variables: ReadonlyMap<string, string | null>;
  /** Whether every source was found and read, so a variable missing here is really undefined. */
  readonly complete: boolean;
  /** The ConfigMaps and Secrets of the repository whose keys became variables, in the order read. */
  readonly sources: readonly SubstitutionSource[];
  /** The sources of the Kustomization's own substituteFrom that a parent's patch replaced (`Secret "app-secrets"`). */
  readonly dropped: readonly string[];
}

/** A ConfigMap or Secret document a substitution read its variables from. */
export interface SubstitutionSource {
  readonly file: string;
  readonly documentIndex: number;
}

export interface VariableReference {
  /** The reference as written: `${NAME}`, `${NAME:=default}`, `${NAME%%.*}`... */
  readonly source: string;
  readonly name: string;
  /** What Flux uses when the variable is unset (after `:=`, `:-`, `=`, `-`, `:?`, `:+`), when the operator gives one. */
  readonly fallback: string | undefined;
}

/** One `${...}` of a text, as Flux's envsubst (fluxcd/pkg/envsubst) parses it. */
interface Expansion {
  /** Where it stands in the text: from `${` to past its `}`. */
  readonly start: number;
  readonly end: number;
  readonly name: string;
  /** What follows the name: `''` for none, `:=`, `-`, `/`, `^^`, `%%`...; `#` for a length, `${#NAME}`. */
  readonly operator: string;
  /** The text after the operator, up to the closing brace (a default, a pattern). */
  readonly argument: string;
  /** An escaped `$${` (its three characters): Flux writes it out as `${`. */
  readonly escaped: boolean;
}

// Operators that supply a value when the variable is unset, and so do not
// fail strict mode: envsubst's isDefaultOp, and `=`. Every other operator
// (a substring, a case change, a trim, a replacement) reads the variable,
// and an unset one fails the reconcile. A `-` without the colon is no
// operator to Flux (fluxcd/pkg envsubst/parse: missing closing brace).
const DEFAULT_OPERATORS: ReadonlySet<string> = new Set(['=', ':-', ':=', ':?', ':+']);

const NAME_CHARACTER = /[\p{L}\p{N}_]/u;

// What kustomize-controller accepts as a variable's name (fluxcd/pkg
// kustomize/kustomize_varsub.go, varsubRegex; Go's [:alpha:] is ASCII).
// envsubst parses more (any Unicode letter or digit): such a name no
// source can define, since a source holding it fails the substitution.
const ACCEPTED_NAME = /^[_A-Za-z][_A-Za-z0-9]*$/;

/** Whether kustomize-controller takes `name` for a variable's name. */
export function isAcceptedVariableName(name: string): boolean {
  return ACCEPTED_NAME.test(name);
}

/**
 * The `${...}` expansions of a text, in order, nested ones inside their
 * arguments; `unreadable` is told where an unescaped `${` starts that
 * envsubst cannot parse, and why. Where `$$` is an escape (`escapes`: not in
 * a default's argument, where envsubst reads it as text), an escaped `$${`
 * is an expansion of its own three characters: what follows it is text, up
 * to the next `${`, which envsubst expands even before the `}` that would
 * have closed the escaped one.
 */
function expansionsIn(text: string, unreadable?: (at: number, why: UnreadableExpansion['why']) => void, escapes = true): Expansion[] {
  const found: Expansion[] = [];
  const closes = closingBraces(text);
  for (let at = text.indexOf('${'); at !== -1; ) {
    // envsubst reads `$$` as a `$`: `$${VAR}` is text, `$$${VAR}` a `$` and then a reference.
    let dollars = 0;
    while (escapes && at - dollars - 1 >= 0 && text[at - dollars - 1] === '$') dollars++;
    if (dollars % 2 === 1) {
      found.push({ start: at - 1, end: at + 2, name: '', operator: '', argument: '', escaped: true });
      at = text.indexOf('${', at + 2);
      continue;
    }
    const expansion = expansionAt(text, at, closes);
    if (typeof expansion === 'object') found.push(expansion);
    else unreadable?.(at, expansion);
    at = text.indexOf('${', typeof expansion === 'object' ? expansion.end : at + 2);
  }
  return found;
}

/** The expansion whose `${` is at `at`; for text envsubst would not expand, why not. */
function expansionAt(text: string, at: number, closes: (at: number) => number): Expansion | UnreadableExpansion['why'] {
  const head = headAt(text, at);
  if (head === undefined) return NAME_CHARACTER.test(text[at + 2 + (text[at + 2] === '#' ? 1 : 0)] ?? '') ? 'end' : 'name';
  const close = closes(at);
  if (close === -1) return 'unclosed';
  const argument = text.slice(head.argumentStart, close);
  if (!readableArgument(head, argument)) return head.length ? 'length' : 'argument';
  return { start: at, end: close + 1, name: head.name, operator: head.operator, argument, escaped: false };
}

/**
 * Whether envsubst parses what follows an operator (fluxcd/pkg
 * envsubst/parse, parseFunc and its helpers): a length `${#VAR}` and a case
 * change (`,` `^`, one or two in any mix) end at the name or operator; a
 * trim (`#` `%`) takes a pattern, a substring (`:1:2`) a position and
 * maybe a length, a replacement (`/a/b`) a pattern, a `/` and a
 * replacement, each of them text or one `${...}` (parseParam), never both.
 * A default's argument is any text.
 */
function readableArgument(head: Head, argument: string): boolean {
  if (head.length) return argument === '';
  switch (head.operator) {
    case ',,':
    case '^^':
      return argument === '';
    case ',':
    case '^':
      return argument === '' || argument === ',' || argument === '^';
    case '#':
    case '##':
    case '%':
    case '%%':
      return argument !== '' && argumentEnd(argument, 0, '') === argument.length;
    case ':': {
      const position = argumentEnd(argument, 0, ':');
      if (position <= 0 || position === argument.length) return position > 0;
      const length = argumentEnd(argument, position + 1, '');
      return argument[position] === ':' && length > position + 1 && length === argument.length;
    }
    case '/':
    case '//':
    case '/#':
    case '/%': {
      // An empty pattern (`${VAR/#/p-}`) is the `/` at once.
      const pattern = argument.startsWith('/') ? 0 : argumentEnd(argument, 0, '/', true);
      return pattern !== -1 && argument[pattern] === '/' && argumentEnd(argument, pattern + 1, '', true) === argument.length;
    }
    default:
      return true;
  }
}

/**
 * Where one argument of an operator that starts at `from` ends: past a
 * whole `${...}`, or at the first of `stops` (or the end) for text; -1 for
 * text that runs into a `${`, which envsubst does not take. A replacement's
 * arguments have escapes (`escapes`): `\` and `$$` take the character
 * after them as text (parseReplaceFunc scans with scanEscape).
 */
function argumentEnd(text: string, from: number, stops: string, escapes = false): number {
  if (text.startsWith('${', from)) {
    const close = closingBraces(text)(from);
    return close === -1 ? -1 : close + 1;
  }
  let at = from;
  for (; at < text.length && !stops.includes(text[at]!); at++) {
    if (escapes && (text[at] === '\\' || text.startsWith('$$', at))) at++;
    else if (text.startsWith('${', at)) return -1;
  }
  return Math.min(at, text.length);
}

/** What follows a `${`: the name, and the operator after it; a length, `${#NAME}`, has the operator `#`. */
interface Head {
  readonly name: string;
  readonly operator: string;
  readonly length: boolean;
  /** Where the operator's argument starts. */
  readonly argumentStart: number;
}

/** The name and operator after the `${` at `at`; `undefined` when envsubst reads no name and operator there. */
function headAt(text: string, at: number): Head | undefined {
  let index = at + 2;
  const length = text[index] === '#';
  if (length) index++;
  const nameStart = index;
  while (index < text.length && NAME_CHARACTER.test(text[index]!)) index++;
  const name = text.slice(nameStart, index);
  if (name === '') return undefined;
  const operator = length ? '#' : operatorAt(text, index);
  if (operator === undefined) return undefined;
  return { name, operator, length, argumentStart: index + (length ? 0 : operator.length) };
}

function operatorAt(text: string, index: number): string | undefined {
  const first = text[index];
  const second = text[index + 1];
  switch (first) {
    case '}':
      return '';
    case ':':
      return second !== undefined && '=-?+'.includes(second) ? `:${second}` : ':';
    case '=':
      return first;
    case ',':
    case '^':
    case '#':
    case '%':
      return second === first ? `${first}${first}` : first;
    case '/':
      return second !== undefined && '/#%'.includes(second) ? `/${second}` : '/';
    default:
      return undefined;
  }
}

/**
 * The `}` that closes each `${` of a text (-1 for none): the first
 * after its argument starts, past any `${...}` nested in it. Worked out in
 * one pass from the end, each position once: a text of `${A:=` repeated
 * (the fuzzer's kind) must take neither the stack nor quadratic time.
 */
function closingBraces(text: string): (at: number) => number {
  // Most texts hold one `${`: its `}` is the first after its argument.
  const first = text.indexOf('${');
  if (text.indexOf('${', first + 2) === -1) {
    const head = first === -1 ? undefined : headAt(text, first);
    const close = head === undefined ? -1 : text.indexOf('}', head.argumentStart);
    return (at) => (at === first ? close : -1);
  }
  const closes = new Int32Array(text.length).fill(-1);
  // The first `}` at or after each position that no nested expansion takes.
  const next = new Int32Array(text.length + 1).fill(-1);
  for (let index = text.length - 1; index >= 0; index--) {
    if (text[index] === '}') {
      next[index] = index;
    } else if (text[index] === '$' && text[index + 1] === '{') {
      const head = headAt(text, index);
      closes[index] = head === undefined ? -1 : next[head.argumentStart]!;
      next[index] = closes[index] === -1 ? next[index + 1]! : next[closes[index]! + 1]!;
    } else {
      next[index] = next[index + 1]!;
    }
  }
  return (at) => closes[at]!;
}

/**
 * Variables a string refers to, escapes excluded; those inside a default
 * too, since Flux evaluates a default before it knows whether it needs it.
 */
export function referencesIn(text: string, depth = 0, escapes = true): VariableReference[] {
  if (!text.includes('${') || depth > MAX_NESTING) return [];
  const found: VariableReference[] = [];
  for (const expansion of expansionsIn(text, undefined, escapes)) {
    if (expansion.escaped) continue;
    const tolerant = DEFAULT_OPERATORS.has(expansion.operator);
    found.push({ source: text.slice(expansion.start, expansion.end), name: expansion.name, fallback: tolerant ? expansion.argument : undefined });
    found.push(...referencesIn(expansion.argument, depth + 1, !tolerant));
  }
  return found;
}

// Defaults nested deeper than any written by hand are not read: a text of
// `${A:=` repeated thousands of times (the fuzzer's kind) must not take the stack.
const MAX_NESTING = 32;

/** A `${` that Flux's envsubst cannot parse, and why. */
export interface UnreadableExpansion {
  /** From the `${` to the `}` that closes it on its line, else to the end of its name. */
  readonly source: string;
  /**
   * `name`: no variable name follows the `${`; `end`: the name is followed
   * by neither `}` nor an operator; `unclosed`: no `}` closes it;
   * `length`: a length, `${#NAME`, not closed at the name; `argument`: what
   * follows the operator is not what it takes.
   */
  readonly why: 'name' | 'end' | 'unclosed' | 'length' | 'argument';
  /** The operator, for `argument`. */
  readonly operator?: string;
}

/**
 * The `${` of a text that envsubst fails to parse (`${.PVC.name}`,
 * `${{ secrets.TOKEN }}`, `${VAR.field}`, an unclosed `${VAR`): Flux then
 * fails the whole build of a Kustomization that substitutes, whether the
 * variable is defined or not. Escaped ones (`$${`) are text. Those nested
 * in another's default are not looked at.
 */
export function unreadableExpansionsIn(text: string): UnreadableExpansion[] {
  const found: UnreadableExpansion[] = [];
  expansionsIn(text, (at, why) => {
    const nameStart = at + 2 + (text[at + 2] === '#' ? 1 : 0);
    let end = nameStart;
    while (end < text.length && NAME_CHARACTER.test(text[end]!)) end++;
    const operator = why === 'argument' ? operatorAt(text, end) : undefined;
    for (let index = at + 2, depth = 1; index < Math.min(text.length, at + MAX_UNREADABLE_SHOWN) && text[index] !== '\n'; index++) {
      depth += text[index] === '{' ? 1 : text[index] === '}' ? -1 : 0;
      if (depth === 0) {
        end = index + 1;
        break;
      }
    }
    found.push({ source: text.slice(at, Math.max(end, at + 2)), why, ...(operator === undefined ? {} : { operator }) });
  });
  return found;
}

/**
 * Whether a text, or a document's JSON text, may hold a `${` that envsubst
 * cannot parse: any but `${NAME}`, `${#NAME}`, and a name and a default's
 * operator closed before any `"` (in JSON text, a `}` after one may be the
 * object's); the other operators take only some arguments. Escaped ones
 * match too.
 */
export function mayHoldUnreadableExpansion(text: string): boolean {
  return UNREADABLE_START.test(text);
}

const UNREADABLE_START = /\$\{(?!#?[\p{L}\p{N}_]+\}|[\p{L}\p{N}_]+(?::[=?+-]|=)[^"}]*\})/u;

// How far the text of an unreadable `${` is looked for its `}`: it is only shown.
const MAX_UNREADABLE_SHOWN = 200;

// What starts a reference: `${`, a `#` for a length, a name, and the operator
// after it when it is one that supplies a fallback (see operatorAt).
const REFERENCE_START = /\$\{(#?)([\p{L}\p{N}_]+)(:[=?+-]|=)?/gu;

/**
 * The name of every variable a text may read without a fallback: each of
 * referencesIn's without one, and maybe more (escaped ones, say). The
 * characters of a reference's start are ones JSON does not escape: a scan
 * of a document's JSON text finds them.
 */
export function variablesReadIn(text: string): string[] {
  const names = new Set<string>();
  for (const [, length, name, fallbackOperator] of text.matchAll(REFERENCE_START)) if (length || !fallbackOperator) names.add(name!);
  return [...names];
}

/**
 * The string after substitution; references whose value is unknown stay as
 * they are, so the result still reads as unknown (`${...}`) to the rules.
 * A case change, a trim or a replacement of a known value is not worked
 * out either: it stays unknown.
 */
export function substituteText(text: string, substitution: Substitution, depth = 0, escapes = true): string {
  // Too deep to read: left as written, so it reads as unknown.
  if (!text.includes('${') || depth > MAX_NESTING) return text;
  let result = '';
  let last = 0;
  for (const expansion of expansionsIn(text, undefined, escapes)) {
    const written = text.slice(expansion.start, expansion.end);
    result += text.slice(last, expansion.start) + (expansion.escaped ? written.slice(1) : expand(expansion, written, substitution, depth));
    last = expansion.end;
  }
  return result + text.slice(last);
}

function expand(expansion: Expansion, written: string, substitution: Substitution, depth: number): string {
  const value = substitution.variables.get(expansion.name);
  if (value === null) return written;
  if (expansion.operator === '') return value ?? written;
  if (!DEFAULT_OPERATORS.has(expansion.operator)) return written;
  // envsubst's toDefault: the value when it is set and not empty, else the default.
  return value !== undefined && value !== '' ? value : substituteText(expansion.argument, substitution, depth + 1, false);
}

/**
 * A composed document with every string (keys too) substituted. Only what
 * holds a `${` is copied; the rest is shared with `value` (nothing mutates
 * composed values), which for a HelmRelease with one templated host is
 * almost all of it.
 */
export function substituteValue(value: unknown, substitution: Substitution, seen = new Map<object, unknown>(), mentions = new Map<object, boolean>()): unknown {
  if (typeof value === 'string') return substituteText(value, substitution);
  if (typeof value !== 'object' || value === null) return value;
  const cached = seen.get(value);
  if (cached !== undefined) return cached;
  if (!mentionsVariable(value, mentions)) return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(substituteValue(item, substitution, seen, mentions));
    return copy;
  }
  const copy: Mapping = {};
  seen.set(value, copy);
  for (const key of Object.keys(value)) {
    // An own property even for `__proto__`, which plain assignment would make the prototype.
    Object.defineProperty(copy, substituteText(key, substitution), {
      value: substituteValue((value as Mapping)[key], substitution, seen, mentions),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * A document as Flux applies it with one substitution, computed as it is
 * read: a path is resolved through the keys as substituted, and only the
 * value found there is substituted (shared with later reads and with the
 * whole). Most objects of a run are only asked for a field or two (their
 * identity, an annotation), which costs a copy of nothing.
 */
export class SubstitutedValue {
  private readonly seen = new Map<object, unknown>();
  private readonly mentions = new Map<object, boolean>();
  private whole: Mapping | undefined;

  constructor(
    private readonly written: Mapping,
    private readonly substitution: Substitution,
  ) {}

  /** substituteValue of the whole document. */
  get value(): Mapping {
    this.whole ??= substituteValue(this.written, this.substitution, this.seen, this.mentions) as Mapping;
    return this.whole;
  }

  /** What getPath finds at `path` in `value`, without substituting the rest. */
  at(path: readonly (string | number)[]): unknown {
    if (this.whole !== undefined) return getPath(this.whole, path);
    let current: unknown = this.written;
    for (const segment of path) {
      if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
      else if (isMapping(current)) current = entryAfterSubstitution(current, String(segment), this.substitution);
      else return undefined;
    }
    return substituteValue(current, this.substitution, this.seen, this.mentions);
  }
}

/** The value under `key` once the mapping's keys are substituted: the last key that becomes `key`, as in substituteValue's copy. */
function entryAfterSubstitution(mapping: Mapping, key: string, substitution: Substitution): unknown {
  const keys = Object.keys(mapping);
  if (!keys.some((written) => written.includes('${'))) return mapping[key];
  const last = keys.findLast((written) => substituteText(written, substitution) === key);
  // No own key: what a plain object has under that name, as the copy would.
  return last === undefined ? ({} as Mapping)[key] : mapping[last];
}

/** Whether a string inside `value`, or a key, holds `${`; once per object (aliases share objects). */
function mentionsVariable(value: object, known: Map<object, boolean>): boolean {
  const memo = known.get(value);
  if (memo !== undefined) return memo;
  // An alias inside its own anchor leads back here: counted as mentioning, so
  // that a cycle is copied whole, as every copy was before sharing.
  known.set(value, true);
  let found = false;
  if (Array.isArray(value)) {
    for (const item of value) if ((found = holdsVariable(item, known))) break;
  } else {
    for (const key of Object.keys(value)) if ((found = key.includes('${') || holdsVariable((value as Mapping)[key], known))) break;
  }
  known.set(value, found);
  return found;
}

function holdsVariable(value: unknown, known: Map<object, boolean>): boolean {
  if (typeof value === 'string') return value.includes('${');
  return typeof value === 'object' && value !== null && mentionsVariable(value, known);
}

/** Objects that opt out with `kustomize.toolkit.fluxcd.io/substitute: disabled`, as an annotation or a label (Flux reads both). */
export function substitutionDisabled(value: unknown): boolean {
  const metadata = isMapping(value) && isMapping(value.metadata) ? value.metadata : undefined;
  return [metadata?.annotations, metadata?.labels].some((map) => isMapping(map) && map[SUBSTITUTE_KEY] === SUBSTITUTE_DISABLED);
}

/** The label or annotation, and its value, that turn Flux's substitution off for an object. */
export const SUBSTITUTE_KEY = 'kustomize.toolkit.fluxcd.io/substitute';
export const SUBSTITUTE_DISABLED = 'disabled';
