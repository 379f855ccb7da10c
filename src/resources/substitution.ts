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
}

export interface VariableReference {
  /** The reference as written, `${NAME}` or `${NAME:=default}`. */
  readonly source: string;
  readonly name: string;
  /** The default after `:=`/`:-`/`=`/`-`, when one is given. */
  readonly fallback: string | undefined;
}

const REFERENCE = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}/g;

/** Variables a string refers to, escapes excluded. */
export function referencesIn(text: string): VariableReference[] {
  if (!text.includes('${')) return [];
  const found: VariableReference[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    if (match[1] === '$') continue;
    found.push({ source: match[0], name: match[2]!, fallback: match[3] === undefined ? undefined : (match[4] ?? '') });
  }
  return found;
}

/**
 * The string after substitution; references whose value is unknown stay as
 * they are, so the result still reads as unknown (`${...}`) to the rules.
 */
export function substituteText(text: string, substitution: Substitution): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (match, escape: string, name: string, operator: string | undefined, fallback: string | undefined) => {
    if (escape === '$') return match.slice(1);
    const value = substitution.variables.get(name);
    if (typeof value === 'string') return value;
    if (value === null) return match;
    if (operator !== undefined) return fallback ?? '';
    return match;
  });
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
  return [metadata?.annotations, metadata?.labels].some((map) => isMapping(map) && map['kustomize.toolkit.fluxcd.io/substitute'] === 'disabled');
}
