import { isMapping, type Mapping } from './values.js';

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

/** A deep copy of a composed document with every string (keys too) substituted. */
export function substituteValue(value: unknown, substitution: Substitution, seen = new Map<object, unknown>()): unknown {
  if (typeof value === 'string') return substituteText(value, substitution);
  if (typeof value !== 'object' || value === null) return value;
  const cached = seen.get(value);
  if (cached !== undefined) return cached;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(substituteValue(item, substitution, seen));
    return copy;
  }
  const copy: Mapping = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value as Mapping)) copy[substituteText(key, substitution)] = substituteValue(item, substitution, seen);
  return copy;
}

/** Objects that opt out with `kustomize.toolkit.fluxcd.io/substitute: disabled`, as an annotation or a label (Flux reads both). */
export function substitutionDisabled(value: unknown): boolean {
  const metadata = isMapping(value) && isMapping(value.metadata) ? value.metadata : undefined;
  return [metadata?.annotations, metadata?.labels].some((map) => isMapping(map) && map['kustomize.toolkit.fluxcd.io/substitute'] === 'disabled');
}
