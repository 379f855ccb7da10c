import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { Span } from './source.js';

/** A path into a document: map keys and sequence indexes, as a rule names them. */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** Which part of a key/value pair a report points at. */
export type SpanTarget = 'key' | 'value';

interface Step {
  readonly pair?: Pair;
  readonly node: Node | null;
}

/**
 * The smallest source span for `path` in `doc`. When the path does not exist
 * (a rule reports a missing field) the closest existing ancestor is used, so a
 * finding always has a position inside its document.
 */
export function locate(doc: Document.Parsed, path: Path, target: SpanTarget = 'value'): Span {
  let step: Step = { node: doc.contents };
  for (const segment of path) {
    const next = child(doc, step.node, segment);
    if (!next) break;
    step = next;
  }
  const keyNode = step.pair?.key as Node | null | undefined;
  const chosen = target === 'key' && keyNode ? keyNode : step.node ?? keyNode;
  return spanOf(chosen) ?? spanOf(doc.contents) ?? { start: 0, end: 0 };
}

function child(doc: Document.Parsed, parent: Node | null, segment: PathSegment): Step | undefined {
  const node = resolve(doc, parent);
  if (isMap(node)) {
    const pair = findPair(doc, node.items, segment, 0);
    return pair ? { pair, node: pair.value as Node | null } : undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment] as Node | undefined;
    return item === undefined ? undefined : { node: item };
  }
  return undefined;
}

// Follows YAML merge keys (`<<: *base`) so that inherited fields have a location.
function findPair(doc: Document.Parsed, items: readonly Pair[], key: PathSegment, depth: number): Pair | undefined {
  const own = items.find((pair) => isPair(pair) && keyOf(pair) === String(key));
  if (own || depth > 8) return own;
  for (const pair of items) {
    if (keyOf(pair) !== '<<') continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const merged = resolve(doc, source as Node | null);
      if (!isMap(merged)) continue;
      const found = findPair(doc, merged.items, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

// With merge keys enabled the parser gives `<<` the value Symbol(<<).
function keyOf(pair: Pair): string | undefined {
  if (!isScalar(pair.key)) return undefined;
  const value = pair.key.value;
  return typeof value === 'symbol' ? value.description : String(value);
}

function resolve(doc: Document.Parsed, node: Node | null | undefined): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return node ?? null;
}

function spanOf(node: Node | null | undefined): Span | undefined {
  const range = node?.range;
  return range ? { start: range[0], end: range[1] } : undefined;
}
