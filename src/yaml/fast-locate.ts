import { afterSpaces, ANCHOR, composeRecorded, LOCAL_TAG, plainLine, quotedPart, restIsBlank, type EntryRecorder, type Key } from './fast-compose.js';
import type { Path, SpanTarget } from './locate.js';
import type { Span } from './source.js';

/**
 * Where a path of a document stands, exactly as `locate` finds it in the
 * document `yaml` parses from the same text; undefined when this cannot be
 * sure, and the caller asks `locate`.
 */
export type FastLocator = (documentIndex: number, path: Path, target: SpanTarget) => Span | undefined;

/**
 * A locator for a text the fast composer takes (undefined for another). A
 * finding needs a position; parsing its file with `yaml` for it costs more
 * than the rest of a cold run on a repository with many findings. So the
 * file is composed again, noting where each key and value of each
 * collection stands, and paths are followed as `locate` follows them: through aliases
 * and merge keys, to the closest existing ancestor for a missing path.
 *
 * Spans are noted only where `yaml`'s range is certain: keys, and values
 * that are scalars (plain, quoted, block; over lines too), aliases or flow
 * collections, also after an anchor or a local tag. Block collections,
 * empty values, and scalars that start on the line after their key have
 * none: a path that ends there is left to `yaml`, as is the whole document
 * when the path is missing from its first step. test/fast-locate.test.ts
 * holds this to `locate` on every path of every corpus file.
 */
export function fastLocator(text: string): FastLocator | undefined {
  const recorder = new Recorder(text);
  const documents = composeRecorded(text, recorder);
  if (documents === undefined) return undefined;
  return (documentIndex, path, target) => (documentIndex < documents.length ? recorder.locate(documents[documentIndex], path, target) : undefined);
}

/** Where one entry of a collection stands; `value` is left out where `yaml` might place it otherwise. */
interface Entry {
  value?: Span;
}

interface Pair extends Entry {
  readonly key: Span;
}

interface MapRecord {
  /** The pairs `locate` finds by key (String(key)): all but those whose key is an alias or a `{NAME}`, which it never finds. */
  readonly pairs: Map<string, Pair>;
  /** The mapping `<<: *name` merged in, where `locate` looks for a key the mapping does not have. */
  merged?: object;
  /** False when `locate` would read a pair otherwise than the composer (a quoted `"<<"` key, which it takes for a merge). */
  certain: boolean;
  /** A flow mapping's own range; a block mapping's is left to `yaml`. */
  span?: Span;
}

interface SequenceRecord {
  readonly items: Entry[];
  /** A flow sequence's own range; a block sequence's is left to `yaml`. */
  span?: Span;
}

/** A step of a path: the entry reached, and the composed value there (an alias's is the anchored value, as `locate` resolves it). */
interface Step {
  readonly entry: Entry | Pair;
  readonly node: unknown;
}

// A path that goes where the recorder cannot follow (a mapping with a quoted "<<" key, a merged copy): only `yaml` knows.
const UNKNOWN = Symbol('unknown');

// locate.ts follows merge keys this deep.
const MAX_MERGE_DEPTH = 8;

class Recorder implements EntryRecorder {
  private readonly lines: readonly string[];
  /** The offset in the text where each row starts. */
  private readonly starts: number[];
  private readonly length: number;
  /** By composed mapping or sequence object: its entries. Merged copies have none. */
  private readonly records = new WeakMap<object, MapRecord | SequenceRecord>();
  /** The entry of a block collection told last, and its row: what `value` completes. */
  private last: Entry | undefined;
  private lastRow = -1;
  /** The range of the node in a flow collection told last. */
  private lastFlow: Span | undefined;

  constructor(text: string) {
    this.lines = text.split('\n');
    this.length = text.length;
    this.starts = [];
    let offset = 0;
    for (const line of this.lines) {
      this.starts.push(offset);
      offset += line.length + 1;
    }
  }

  key(map: object, row: number, at: number, key: Key): void {
    const line = this.lines[row]!;
    // The key's scalar (or alias) ends before the spaces before its `:`.
    let end = key.end - 1;
    while (end > at && line.charCodeAt(end - 1) === 32) end--;
    const pair: Pair = { key: this.span(row, at, row, end) };
    this.tell(pair, row);
    const record = this.mapRecord(map);
    if (line[at] === '*') return;
    if (!key.plain && key.text === '<<') record.certain = false;
    record.pairs.set(key.text, pair);
  }

  item(items: unknown[], row: number): void {
    const entry: Entry = {};
    this.sequenceRecord(items).items.push(entry);
    this.tell(entry, row);
  }

  value(row: number, at: number, indent: number, end: number): void {
    if (this.last === undefined || this.lastRow !== row) return;
    this.last.value = this.valueSpan(row, at, indent, end);
    this.last = undefined;
  }

  merge(map: object, source: object, row: number, at: number, end: number): void {
    const record = this.mapRecord(map);
    record.merged = source;
    // The `<<` pair's value is the alias.
    record.pairs.get('<<')!.value = this.span(row, at, row, end);
  }

  flowNode(value: unknown, row: number, at: number, endRow: number, endAt: number): void {
    // A plain scalar ends before the spaces before the `,`, `:` or bracket after it.
    const line = this.lines[endRow]!;
    let end = endAt;
    while (end > (endRow === row ? at : 0) && line.charCodeAt(end - 1) === 32) end--;
    this.lastFlow = this.span(row, at, endRow, end);
    const char = this.lines[row]![at];
    if (char === '[') this.sequenceRecord(value as unknown[]).span = this.lastFlow;
    else if (char === '{') this.mapRecord(value as object).span = this.lastFlow;
  }

  flowItem(items: unknown[]): void {
    this.sequenceRecord(items).items.push({ value: this.lastFlow });
  }

  flowKey(map: object, text: string, template: boolean): void {
    const record = this.mapRecord(map);
    // `yaml` reads `{NAME}` as a mapping: a key `locate` never finds.
    if (!template) record.pairs.set(text, { key: this.lastFlow! });
  }

  flowValue(map: object, text: string): void {
    const pair = this.mapRecord(map).pairs.get(text);
    if (pair !== undefined) pair.value = this.lastFlow;
  }

  locate(root: unknown, path: Path, target: SpanTarget): Span | undefined {
    let step: Step | undefined;
    let node = root;
    for (const segment of path) {
      const next = this.child(node, segment);
      if (next === UNKNOWN) return undefined;
      // A missing path: the closest existing ancestor.
      if (next === undefined) break;
      step = next;
      node = next.node;
    }
    // The document itself: a collection, whose range is left to `yaml`.
    if (step === undefined) return undefined;
    if (target === 'key' && 'key' in step.entry) return step.entry.key;
    // A flow collection as the value of a block entry (not through an alias, whose span the entry has): its own range.
    return step.entry.value ?? (typeof step.node === 'object' && step.node !== null ? this.records.get(step.node)?.span : undefined);
  }

  private child(node: unknown, segment: string | number): Step | undefined | typeof UNKNOWN {
    // A scalar (or an alias to one) has no children.
    if (typeof node !== 'object' || node === null) return undefined;
    const record = this.records.get(node);
    if (record === undefined) return UNKNOWN;
    if ('items' in record) {
      if (typeof segment !== 'number') return undefined;
      const entry = record.items[segment];
      return entry && { entry, node: (node as unknown[])[segment] };
    }
    return this.pair(record, node, String(segment), 0);
  }

  /** As locate.ts's findPair: the mapping's own pair, else one of the mapping it merged. */
  private pair(record: MapRecord, map: object, key: string, depth: number): Step | undefined | typeof UNKNOWN {
    if (!record.certain) return UNKNOWN;
    const own = record.pairs.get(key);
    if (own !== undefined) return { entry: own, node: key === '<<' ? record.merged : (map as Record<string, unknown>)[key] };
    if (record.merged === undefined || depth > MAX_MERGE_DEPTH) return undefined;
    const source = this.records.get(record.merged);
    if (source === undefined || 'items' in source) return UNKNOWN;
    return this.pair(source, record.merged, key, depth + 1);
  }

  private mapRecord(map: object): MapRecord {
    let record = this.records.get(map) as MapRecord | undefined;
    if (record === undefined) {
      record = { pairs: new Map(), certain: true };
      this.records.set(map, record);
    }
    return record;
  }

  private sequenceRecord(items: unknown[]): SequenceRecord {
    let record = this.records.get(items) as SequenceRecord | undefined;
    if (record === undefined) {
      record = { items: [] };
      this.records.set(items, record);
    }
    return record;
  }

  private tell(entry: Entry, row: number): void {
    this.last = entry;
    this.lastRow = row;
  }

  /** The range `yaml` gives the value that starts at `at`; `yaml` leaves an anchor or tag out of it, an alias is its own node. */
  private valueSpan(row: number, start: number, indent: number, end: number): Span | undefined {
    const line = this.lines[row]!;
    let at = start;
    if (line[start] === '*' || line[start] === '&') {
      const name = ANCHOR.exec(line.slice(start))?.[1];
      if (name === undefined) return undefined;
      if (line[start] === '*') return this.span(row, start, row, start + 1 + name.length);
      at = afterSpaces(line, start + 1 + name.length);
      // An anchored collection on the lines below.
      if (restIsBlank(line, at)) return undefined;
    } else if (line[start] === '!') {
      const tag = LOCAL_TAG.exec(line.slice(start))?.[0];
      if (tag === undefined) return undefined;
      at = afterSpaces(line, start + tag.length);
    }
    const char = line[at];
    // A flow collection: its own range, noted once it is read (see locate).
    if (char === '[' || char === '{') return undefined;
    if (char === '"' || char === "'") return this.quotedSpan(row, at, end);
    if (char === '|' || char === '>') return this.blockSpan(row, at, indent, end);
    return this.plainSpan(row, at, indent, end);
  }

  /** A plain scalar's range: to the end of its last line's text (the composer's plainText reads the same lines). */
  private plainSpan(row: number, at: number, indent: number, end: number): Span {
    const first = plainLine(this.lines[row]!, at);
    let last = row;
    let column = at + first.text.length;
    if (!first.commented) {
      for (let next = row + 1; next < end; next++) {
        const line = this.lines[next]!;
        const spaces = afterSpaces(line, 0);
        if (spaces === line.length) continue;
        if (spaces <= indent || line[spaces] === '#') break;
        const part = plainLine(line, spaces);
        last = next;
        column = spaces + part.text.length;
        if (part.commented) break;
      }
    }
    return this.span(row, at, last, column);
  }

  /** A quoted scalar's range: to after its closing quote; lines between hold text from their first non-space (or nothing). */
  private quotedSpan(row: number, at: number, end: number): Span | undefined {
    const double = this.lines[row]![at] === '"';
    let last = row;
    let part = quotedPart(double, this.lines[row]!, at + 1);
    while (part.end < 0) {
      // The next line with text (the composer's quotedText skips the same empty lines and lines of spaces).
      let line: string;
      do {
        if (++last >= end) return undefined;
        line = this.lines[last]!;
      } while (afterSpaces(line, 0) === line.length);
      part = quotedPart(double, line, afterSpaces(line, 0));
    }
    return this.span(row, at, last, part.end);
  }

  /**
   * A literal or folded block scalar's range: from its `|` or `>` to the
   * line break after its last line with content (the empty lines after it,
   * which clip and strip chomping drop, are left out); an empty one is
   * left to `yaml`.
   */
  private blockSpan(row: number, at: number, indent: number, end: number): Span | undefined {
    let last = -1;
    for (let next = row + 1; next < end; next++) {
      const line = this.lines[next]!;
      if (line.length === 0) continue;
      if (afterSpaces(line, 0) <= indent) break;
      last = next;
    }
    if (last === -1) return undefined;
    const start = this.starts[row]! + at;
    return { start, end: Math.min(this.starts[last]! + this.lines[last]!.length + 1, this.length) };
  }

  private span(row: number, at: number, lastRow: number, end: number): Span {
    return { start: this.starts[row]! + at, end: this.starts[lastRow]! + end };
  }
}
