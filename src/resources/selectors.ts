import { asArray, hasSubstitution, isMapping } from './values.js';

/** Kubernetes label selector semantics, with `undefined` for "cannot tell offline". */

/** A label value not known offline: a substitution, so that matching it says "unknown". */
export const UNKNOWN_LABEL_VALUE = '${unknown}';

export type Labels = Readonly<Record<string, string>>;

/** True for a selector with neither matchLabels nor matchExpressions entries. */
export function isEmptySelector(selector: unknown): boolean {
  if (selector === undefined || selector === null) return true;
  if (!isMapping(selector)) return false;
  const matchLabels = selector.matchLabels;
  const labelsEmpty = matchLabels === undefined || matchLabels === null || (isMapping(matchLabels) && Object.keys(matchLabels).length === 0);
  return labelsEmpty && asArray(selector.matchExpressions).length === 0;
}

/** Every label key the selector looks at. */
export function selectorKeys(selector: unknown): string[] {
  if (!isMapping(selector)) return [];
  const keys = isMapping(selector.matchLabels) ? Object.keys(selector.matchLabels) : [];
  for (const expression of asArray(selector.matchExpressions)) {
    if (isMapping(expression) && typeof expression.key === 'string') keys.push(expression.key);
  }
  return keys;
}

/**
 * Whether `labels` satisfy `selector`. `undefined` when a value involved is a
 * Flux substitution or the selector is malformed: unknown, never a guess.
 * With `complete: false` the labels written are not all the object will carry
 * (a chart or kustomize adds more), so a key not written is unknown too.
 */
export function matchesSelector(selector: unknown, labels: Labels, complete = true): boolean | undefined {
  if (!isMapping(selector) || isMalformed(selector.matchLabels, isMapping) || isMalformed(selector.matchExpressions, Array.isArray)) return undefined;
  const results: (boolean | undefined)[] = [];
  const unknown = (key: string) => isUnknown(labels[key]) || (!complete && !(key in labels));
  if (isMapping(selector.matchLabels)) {
    for (const [key, value] of Object.entries(selector.matchLabels)) {
      const wanted = scalarText(value);
      results.push(wanted === undefined || unknown(key) ? undefined : labels[key] === wanted);
    }
  }
  for (const expression of asArray(selector.matchExpressions)) results.push(matchesExpression(expression, labels, unknown));
  if (results.includes(false)) return false;
  return results.includes(undefined) ? undefined : true;
}

// `matchLabels: [{key: value}]` and the like: the API server refuses the
// object, so it selects nothing that could be told here, and never all.
function isMalformed(part: unknown, isShape: (value: unknown) => boolean): boolean {
  return part !== undefined && part !== null && !isShape(part);
}

function matchesExpression(expression: unknown, labels: Labels, unknown: (key: string) => boolean): boolean | undefined {
  if (!isMapping(expression) || typeof expression.key !== 'string') return undefined;
  const actual = labels[expression.key];
  if (unknown(expression.key)) return undefined;
  const values = asArray(expression.values).map(scalarText);
  if (values.includes(undefined)) return undefined;
  switch (expression.operator) {
    case 'In':
      return actual !== undefined && values.includes(actual);
    case 'NotIn':
      return actual === undefined || !values.includes(actual);
    case 'Exists':
      return actual !== undefined;
    case 'DoesNotExist':
      return actual === undefined;
    default:
      return undefined;
  }
}

// Label values are strings in the API; YAML may compose `true` or `1`, which kubectl would reject anyway.
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return hasSubstitution(value) ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function isUnknown(value: string | undefined): boolean {
  // A label value holding a Flux substitution is unknown until Flux applies it.
  return value !== undefined && hasSubstitution(value);
}

/** The string-valued entries of a labels or annotations mapping. */
export function labelsOf(value: unknown): Record<string, string> {
  if (!isMapping(value)) return {};
  const labels: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    const text = typeof entry === 'string' ? entry : typeof entry === 'number' || typeof entry === 'boolean' ? String(entry) : undefined;
    if (text !== undefined) labels[key] = text;
  }
  return labels;
}

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '[A-Za-z0-9._-]*';
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(\\s*(${VALUE}(?:\\s*,\\s*${VALUE})*)\\s*\\)$`);

/**
 * A label selector written as text (`app=web,tier in (a,b),!legacy`, as
 * kubectl and kustomize's patch targets take it), as the matchExpressions
 * of a LabelSelector, for matchesSelector; `undefined` for text it does not
 * read (`>` and `<`, a malformed requirement). The empty text selects everything.
 */
export function parseSelectorText(text: string): { readonly matchExpressions: readonly SelectorRequirement[] } | undefined {
  const requirements: SelectorRequirement[] = [];
  // Commas separate requirements, except inside the parentheses of a set.
  for (const part of text.trim() === '' ? [] : text.split(/,(?![^(]*\))/)) {
    const requirement = part.trim();
    const set = SET.exec(requirement);
    if (set) {
      requirements.push({ key: set[1]!, operator: set[2] === 'in' ? 'In' : 'NotIn', values: set[3]!.split(',').map((value) => value.trim()) });
      continue;
    }
    const equality = EQUALITY.exec(requirement);
    if (equality) {
      requirements.push({ key: equality[1]!, operator: equality[2] === '!=' ? 'NotIn' : 'In', values: [equality[3]!] });
      continue;
    }
    const exists = EXISTS.exec(requirement);
    if (!exists) return undefined;
    requirements.push({ key: exists[2]!, operator: exists[1] === '!' ? 'DoesNotExist' : 'Exists', values: [] });
  }
  return { matchExpressions: requirements };
}
