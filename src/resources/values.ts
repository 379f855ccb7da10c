/** Helpers for reading plain JavaScript values composed from YAML. */

export type Mapping = Record<string, unknown>;

/**
 * A document decoded on first use (the cache keeps them so) can tell, from
 * its text and without decoding it, that no mapping inside it has a key (as
 * written or as Flux's substitution of its keys makes it), or that no key or
 * string inside it holds a piece of text: `certainlyLacksKey` and
 * `certainlyLacksText` ask. Rules that look at a field of every object of a
 * kind ask first, so that a run which checks few objects decodes few.
 */
export const WRITTEN = Symbol('written');

export interface Written {
  mayHoldKey(key: string): boolean;
  /** `text` holds no character that JSON escapes. */
  mayHoldText(text: string): boolean;
  /** The document as JSON text, in pieces (see writtenJson). */
  json(): string;
}

export function certainlyLacksKey(document: Mapping, key: string): boolean {
  const written = (document as { [WRITTEN]?: Written })[WRITTEN];
  return written !== undefined && !written.mayHoldKey(key);
}

/**
 * Whether no key or string in the document, as written, holds `text` (no
 * character of which JSON escapes). Flux's substitution may make text that
 * is not written: a caller that reads substituted values asks about `${` too.
 */
export function certainlyLacksText(document: Mapping, text: string): boolean {
  const written = (document as { [WRITTEN]?: Written })[WRITTEN];
  return written !== undefined && !written.mayHoldText(text);
}

/**
 * The document as written, as JSON text, when it can give one without being
 * decoded: JSON texts of its parts one after another, where every mapping
 * entry stands as JSON writes it (`"key":value`), and so every key and
 * string, whole. A scan of it finds whatever a walk of the document would,
 * and maybe more.
 */
export function writtenJson(document: Mapping): string | undefined {
  return (document as { [WRITTEN]?: Written })[WRITTEN]?.json();
}

/**
 * Whether a key inside the value, as written, holds `${`: Flux's substitution
 * may change such a key, and so the value's shape. Without one, the value
 * as written has the shape of every substitution of it (only strings change).
 */
export function keysMayBeSubstituted(value: unknown): boolean {
  const json = isMapping(value) ? writtenJson(value) : undefined;
  if (json !== undefined) return KEY_WITH_VARIABLE.test(json);
  const seen = new Set<object>();
  const holds = (node: unknown): boolean => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return false;
    seen.add(node);
    return (!Array.isArray(node) && Object.keys(node).some((key) => key.includes('${'))) || Object.values(node).some(holds);
  };
  return holds(value);
}

// In JSON text, where a `"` inside a string is always escaped: a `${` in a
// string that a `:` follows, a key.
const KEY_WITH_VARIABLE = /\$\{(?:[^"\\]|\\.)*":/;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Flux replaces `${VAR}` at apply time (postBuild.substitute); until the
// substitution model exists such a value is unknown, never literal text.
const SUBSTITUTION = /\$\{[^}]*\}/;

export function hasSubstitution(value: string): boolean {
  return SUBSTITUTION.test(value);
}

/** The string, when it is a string whose value is known before Flux applies it. */
export function knownString(value: unknown): string | undefined {
  if (typeof value !== 'string' || hasSubstitution(value)) return undefined;
  return value;
}

export function getPath(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isMapping(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Calls `visit` for every mapping inside `value`, with its path relative to
 * `value`. The path is one array grown and shrunk on the way: it holds only
 * during the call, and a visitor that keeps it keeps a copy.
 */
export function walkMappings(value: unknown, visit: (mapping: Mapping, path: readonly (string | number)[]) => void): void {
  const path: (string | number)[] = [];
  // Aliases compose to shared objects; visiting each object once keeps an alias
  // bomb linear and avoids reporting one anchor once per alias.
  const seen = new Set<unknown>();
  const walk = (node: object) => {
    if (seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        const item: unknown = node[index];
        if (typeof item !== 'object' || item === null) continue;
        path.push(index);
        walk(item);
        path.pop();
      }
      return;
    }
    visit(node as Mapping, path);
    // Scalars hold no mapping: the path does not grow for them (most of a values tree).
    for (const key of Object.keys(node)) {
      const child = (node as Mapping)[key];
      if (typeof child !== 'object' || child === null) continue;
      path.push(key);
      walk(child);
      path.pop();
    }
  };
  if (typeof value === 'object' && value !== null) walk(value);
}

/**
 * `true`, or a string YAML reads as true: what Flux's substitution makes of
 * `enabled: ${VAR}` when VAR is `true` (it decodes the substituted text).
 */
export function readsAsTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && YAML_TRUE.has(value));
}

// True in YAML 1.1 and 1.2 alike. Flux decodes substituted text as YAML 1.1,
// where `yes` and `on` are true too; left out, a value counts as not true.
const YAML_TRUE: ReadonlySet<string> = new Set(['true', 'True', 'TRUE']);

/**
 * Whether the mapping at `path` in chart values, or one holding it, says
 * `enabled: false`: a chart renders nothing for a part it is told to leave
 * out (an app-template controller, an ingress, a metrics sidecar).
 */
export function isSwitchedOff(values: unknown, path: readonly (string | number)[]): boolean {
  let current = values;
  for (let depth = 0; ; depth++) {
    if (isMapping(current) && current.enabled === false) return true;
    if (depth === path.length) return false;
    current = getPath(current, [path[depth]!]);
  }
}
