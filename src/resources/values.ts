/** Helpers for reading plain JavaScript values composed from YAML. */

export type Mapping = Record<string, unknown>;

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

/** Calls `visit` for every mapping inside `value`, with its path relative to `value`. */
export function walkMappings(
  value: unknown,
  visit: (mapping: Mapping, path: readonly (string | number)[]) => void,
  path: readonly (string | number)[] = [],
  seen: Set<unknown> = new Set(),
): void {
  // Aliases compose to shared objects; visiting each object once keeps an alias
  // bomb linear and avoids reporting one anchor once per alias.
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (typeof item === 'object' && item !== null) walkMappings(item, visit, [...path, index], seen);
    });
    return;
  }
  const mapping = value as Mapping;
  visit(mapping, path);
  // Scalars hold no mapping: no path is built for them (most of a values tree).
  for (const [key, child] of Object.entries(mapping)) if (typeof child === 'object' && child !== null) walkMappings(child, visit, [...path, key], seen);
}
