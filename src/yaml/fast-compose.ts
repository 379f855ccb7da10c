import { isScalar, Schema, type ScalarTag } from 'yaml';
import { withGoYamlAliases } from './go-yaml.js';

/**
 * Composes the documents of a file to plain values without the `yaml`
 * package, for the YAML that manifests are written in: block mappings and
 * sequences, plain scalars (folded over lines), quoted scalars (in block
 * collections also over lines, as Prometheus rules' annotations are),
 * literal and folded block scalars with clip or strip chomping, flow
 * collections, comments, `---`, anchors, aliases (also as keys), merge keys,
 * local tags on scalars and gethomepage's `{{VAR}}` keys. Anything else —
 * other tags, directives, quoted scalars over lines as keys or in flow
 * collections, an escaped line break before an empty line, keep chomping,
 * tabs, CR, duplicate keys, lines of spaces only in plain or block scalars —
 * makes it give up (return `undefined`), and the caller parses the file with
 * `yaml`. When it does return, the values are what `yaml` composes for the
 * same text with no error: test/fast-compose.test.ts holds it to that on
 * every corpus file and on generated text. This is most of a cold run's time
 * saved: `yaml` builds tokens, a CST and a document per file, and positions
 * are needed only for the few files that have findings.
 */
export function fastCompose(text: string): unknown[] | undefined {
  const composed = attempt(text);
  return Array.isArray(composed) ? composed : undefined;
}

/**
 * A file's documents as parseSource reads them, with the text their
 * positions refer to. `yaml` refuses `*app:` as a key (an alias named
 * `app:`), and parseSource then parses the text withGoYamlAliases rewrites
 * as Flux's go-yaml reads it; so does this, when it meets such a key.
 */
export function fastComposeFile(text: string): { text: string; values: unknown[] } | undefined {
  const composed = attempt(text);
  if (composed !== GO_YAML_ALIAS_KEY) return composed && { text, values: composed };
  const goText = withGoYamlAliases(text);
  const rewritten = goText === text ? undefined : attempt(goText);
  return Array.isArray(rewritten) ? { text: goText, values: rewritten } : undefined;
}

/**
 * Composes `text` as fastCompose does (no go-yaml rewriting), telling
 * `recorder` where keys and values stand: for fastLocator (fast-locate.ts),
 * which places a finding without `yaml`.
 */
export function composeRecorded(text: string, recorder: EntryRecorder): unknown[] | undefined {
  const composed = attempt(text, recorder);
  return Array.isArray(composed) ? composed : undefined;
}

/**
 * What the composer tells a recorder, in the order it reads the text. It
 * calls each method with optional chaining on an absent recorder, so that
 * composing without one (every file of every run) evaluates no arguments.
 * Rows are indexes into `text.split('\n')`, columns into a row.
 */
export interface EntryRecorder {
  /** A block mapping's key that `key` read at column `at` of `row`, before its value is read. */
  key(map: object, row: number, at: number, key: Key): void;
  /** A block sequence's item whose `-` is on `row`, before its value is read. */
  item(items: unknown[], row: number): void;
  /**
   * The value of the key or item told last, when it starts on the same `row`,
   * at `at` (a scalar, alias or flow collection, perhaps anchored or tagged),
   * in a block whose entries are at column `indent`, in a document that ends
   * before row `end`; before it is read.
   */
  value(row: number, at: number, indent: number, end: number): void;
  /** `<<: *name` merged `source` into `map`: the alias is on `row` from `at` to `end`. */
  merge(map: object, source: object, row: number, at: number, end: number): void;
  /**
   * A scalar, alias or collection in a flow collection (or a flow collection
   * in a block), `value` as composed, from `at` on `row` to before `endAt`
   * on `endRow`; each comes after the nodes inside it.
   */
  flowNode(value: unknown, row: number, at: number, endRow: number, endAt: number): void;
  /** The node told last is an item of a flow sequence. */
  flowItem(items: unknown[]): void;
  /** The node told last is the key of a flow mapping's pair, or inside a `{NAME}` key (`template`). */
  flowKey(map: object, text: string, template: boolean): void;
  /** The node told last is the value of the pair with key `text`. */
  flowValue(map: object, text: string): void;
}

/** A key as the composer reads it: its text as `yaml` writes it, the column after its `:`, and whether it is a plain scalar. */
export interface Key {
  readonly text: string;
  readonly end: number;
  readonly plain: boolean;
}

function attempt(text: string, recorder?: EntryRecorder): unknown[] | typeof GO_YAML_ALIAS_KEY | undefined {
  if (UNSUPPORTED_CHARACTER.test(text)) return undefined;
  try {
    return new Composer(text.split('\n'), recorder).documents();
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    if (error === GO_YAML_ALIAS_KEY) return GO_YAML_ALIAS_KEY;
    throw error;
  }
}

// Tabs (indentation rules), CR (line breaks), BOM, control characters and
// Unicode line breaks each have rules this composer does not follow.
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_CHARACTER = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufeff\u2028\u2029]/;

const GIVE_UP = Symbol('not for the fast composer');
// A key `*name:`, which `yaml` refuses and go-yaml reads as alias `name` (see fastComposeFile).
const GO_YAML_ALIAS_KEY = Symbol('go-yaml alias key');

function giveUp(): never {
  throw GIVE_UP;
}

// Deeper documents go to `yaml`, which reports nesting beyond MAX_NESTING.
const MAX_DEPTH = 200;
// `yaml` refuses implicit keys longer than 1024 characters.
const MAX_KEY_LENGTH = 1000;

// The core schema's scalar tags, in `yaml`'s order: plain scalars resolve exactly as `yaml` resolves them.
const SCALAR_TAGS = new Schema({}).tags.filter((tag): tag is ScalarTag => tag.default === true && 'test' in tag && tag.test !== undefined);
const RESOLVE_OPTIONS = { intAsBigInt: false };
// Plain scalars that can only be strings: not null, bool, int or float by their first character.
const MAYBE_NOT_STRING = /^[-+.0-9~nNtTfF]|^$/;

function resolvePlain(value: string): unknown {
  if (!MAYBE_NOT_STRING.test(value)) return value;
  const tag = SCALAR_TAGS.find((candidate) => candidate.test!.test(value));
  if (!tag) return value;
  const resolved: unknown = tag.resolve(value, giveUp, RESOLVE_OPTIONS as never);
  const plain = isScalar(resolved) ? resolved.value : resolved;
  return typeof plain === 'bigint' ? Number(plain) : plain;
}

const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};
const HEX_DIGITS = { x: 2, u: 4, U: 8 } as const;

// Characters that cannot start a plain scalar (YAML 1.2 c-indicator); `-`, `?`
// and `:` can when a non-space follows, which `plainStart` checks.
const INDICATORS = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);
const FLOW_INDICATORS = new Set([',', '[', ']', '{', '}']);

function plainStart(line: string, at: number): boolean {
  const char = line[at];
  if (char === undefined || char === ' ') return false;
  if (!INDICATORS.has(char)) return true;
  // `-1`, `-Xmx`, `:8080`: a dash, `?` or `:` followed by text starts a plain scalar.
  const next = line[at + 1];
  return (char === '-' || char === '?' || char === ':') && next !== undefined && next !== ' ' && !FLOW_INDICATORS.has(next);
}

/** The first column at or after `at` that is not a space. */
export function afterSpaces(line: string, at: number): number {
  let column = at;
  while (line.charCodeAt(column) === 32) column++;
  return column;
}

/** Whether the rest of `line` from `at` is spaces, then nothing or a comment that follows a space. */
export function restIsBlank(line: string, at: number): boolean {
  const end = afterSpaces(line, at);
  return end === line.length || (line[end] === '#' && end > at);
}

/** `---` or `...` alone or before a blank (a CR of a CRLF line end too, where one is left on the line). */
export function isDocumentMarker(line: string): boolean {
  return (line.startsWith('---') || line.startsWith('...')) && (line.length === 3 || line[3] === ' ' || line[3] === '\t' || line[3] === '\r');
}

function isSequenceEntry(line: string, at: number): boolean {
  return line[at] === '-' && (at + 1 === line.length || line[at + 1] === ' ');
}

// Keys that a plain object inherits: `yaml` defines them as own properties (`key in map`).
const INHERITED_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Sets `key` as `yaml`'s toJS does, so that `__proto__` and friends become
 * own properties. A key the map already has (merged in) is simply replaced.
 */
function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (INHERITED_KEYS.has(key)) Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}

// go-yaml ends anchor and alias names at other characters than YAML 1.2 does
// (see go-yaml.ts); names made of these mean the same in both.
export const ANCHOR = /^[&*]([A-Za-z0-9_.-]+)(?= |$)/;
// In a flow collection a name also ends at `,`, `]` or `}`.
const FLOW_ALIAS = /^\*([A-Za-z0-9_.-]+)(?=[ ,\]}]|$)/;
// An alias as a key: `*name :`, or go-yaml's `*name:` (names as withGoYamlAliases reads them).
const ALIAS_KEY = /^\*([A-Za-z0-9_-]+)( *):(?= |$)/;
// A name `yaml` writes as it is when it stringifies `{name}` (see templateKey).
const TEMPLATE_KEY_NAME = /^[A-Za-z_.][A-Za-z0-9_.-]*$/;
// A local tag (`!env_var`) before a scalar on the same line.
export const LOCAL_TAG = /^![A-Za-z][A-Za-z0-9_-]*(?= )/;
// The linter composes with maxAliasCount 100 (an alias bomb's bound).
const MAX_ALIAS_COUNT = 100;

/**
 * An anchored value and how often aliases use it. `yaml` refuses a document
 * where an anchor's uses times its weight exceed maxAliasCount: a scalar
 * weighs 1, a collection the most any alias inside it was used (1 without
 * aliases, 0 when empty). Counting uses to the end of the document bounds
 * what `yaml` counts while it composes, so staying under the limit here
 * means `yaml` stays under it too.
 */
interface Anchored {
  value: unknown;
  readonly collection: boolean;
  /** Being read: an alias to it from inside is left to `yaml`. */
  open: boolean;
  uses: number;
  /** Scalar anchors that aliases inside this collection use. */
  readonly inside: Anchored[];
}

function weightOf(anchored: Anchored): number {
  if (!anchored.collection) return 1;
  if (anchored.inside.length > 0) return Math.max(...anchored.inside.map((inner) => inner.uses));
  return typeof anchored.value === 'object' && anchored.value !== null && Object.keys(anchored.value).length === 0 ? 0 : 1;
}

class Composer {
  /** The next line to read. */
  private row = 0;
  private end = 0;
  /** The current document's anchors: by name the last one, and all of them. */
  private anchors = new Map<string, Anchored>();
  private allAnchors: Anchored[] = [];

  /** Each line's count of leading spaces. */
  private readonly indents: Int32Array;

  constructor(
    private readonly lines: readonly string[],
    /** Told where entries stand (see fast-locate.ts); absent in normal composing. */
    readonly recorder?: EntryRecorder,
  ) {
    this.indents = new Int32Array(lines.length);
    for (let row = 0; row < lines.length; row++) this.indents[row] = afterSpaces(lines[row]!, 0);
  }

  /** Whether a line holds nothing but spaces and perhaps a comment. */
  private blank(row: number): boolean {
    const line = this.lines[row]!;
    const at = this.indents[row]!;
    return at === line.length || line.charCodeAt(at) === 35;
  }

  documents(): unknown[] {
    const documents: unknown[] = [];
    let start = 0;
    let explicit = false;
    for (let row = 0; row <= this.lines.length; row++) {
      const line = this.lines[row];
      const marker = line !== undefined && isDocumentMarker(line);
      if (line !== undefined && !marker) {
        if (line.startsWith('%')) giveUp();
        continue;
      }
      if (marker && (line!.startsWith('...') || !restIsBlank(line!, 3))) giveUp();
      const value = this.document(start, row, explicit);
      if (value !== NO_DOCUMENT) documents.push(value);
      start = row + 1;
      explicit = true;
    }
    return documents;
  }

  /** The document in lines [start, end); without a `---` before it, comments and blank lines alone are none. */
  private document(start: number, end: number, explicit: boolean): unknown {
    this.row = start;
    this.end = end;
    this.anchors = new Map();
    this.allAnchors = [];
    if (!this.skipBlank()) return explicit ? null : NO_DOCUMENT;
    const value = this.block(this.indents[this.row]!, 1);
    if (this.skipBlank()) giveUp();
    if (this.allAnchors.some((anchored) => anchored.uses * weightOf(anchored) > MAX_ALIAS_COUNT)) giveUp();
    return value;
  }

  /** Moves to the next line with content; false at the end of the document. */
  private skipBlank(): boolean {
    while (this.row < this.end && this.blank(this.row)) this.row++;
    return this.row < this.end;
  }

  /** A mapping or sequence whose entries start at column `indent` of the next content line. */
  private block(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) giveUp();
    const line = this.lines[this.row]!;
    if (isSequenceEntry(line, indent)) return this.sequence(indent, depth);
    return this.mapping(indent, indent, depth);
  }

  private sequence(indent: number, depth: number): unknown[] {
    const items: unknown[] = [];
    while (this.skipBlank()) {
      const line = this.lines[this.row]!;
      const at = this.indents[this.row]!;
      if (at < indent || (at === indent && !isSequenceEntry(line, at))) break;
      if (at > indent) giveUp();
      this.recorder?.item(items, this.row);
      const content = afterSpaces(line, at + 1);
      if (restIsBlank(line, at + 1)) {
        this.row++;
        items.push(this.nested(indent, false, depth));
      } else if (isSequenceEntry(line, content)) {
        giveUp();
      } else {
        items.push(this.entryValue(line, content, indent, depth));
      }
    }
    return items;
  }

  /**
   * A mapping whose first key starts at column `first` of the current line
   * (after `- ` for a mapping inside a sequence entry) and whose other keys
   * start at column `indent` of later lines.
   */
  private mapping(indent: number, first: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    // The keys written so far are the map's own until a merge adds others.
    let written: Set<string> | undefined;
    let at = first;
    for (;;) {
      const line = this.lines[this.row]!;
      const key = this.key(line, at);
      if (key === undefined || (written ? written.has(key.text) : Object.prototype.hasOwnProperty.call(map, key.text))) giveUp();
      written?.add(key.text);
      this.recorder?.key(map, this.row, at, key);
      let value: unknown;
      if (key.plain && key.text === '<<') {
        written ??= new Set([...Object.keys(map), '<<']);
        this.merge(map, line, key.end, indent);
      } else if (restIsBlank(line, key.end)) {
        this.row++;
        value = this.nested(indent, true, depth);
      } else {
        value = this.inline(line, afterSpaces(line, key.end), indent, depth, true);
      }
      if (!(key.plain && key.text === '<<')) setKey(map, key.text, value);
      if (!this.skipBlank()) break;
      const next = this.lines[this.row]!;
      at = this.indents[this.row]!;
      if (at < indent || (at === indent && isSequenceEntry(next, at))) break;
      if (at > indent) giveUp();
    }
    return map;
  }

  /**
   * `<<: *name` (a merge key, which Flux's go-yaml honours too): the keys of
   * the anchored mapping that `map` does not have yet, as copies, as `yaml`
   * merges them. Keys after it override them; lists of sources, and merges
   * inside an anchored collection, are left to `yaml`.
   */
  private merge(map: Record<string, unknown>, line: string, from: number, indent: number): void {
    const at = afterSpaces(line, from);
    const name = line[at] === '*' ? ANCHOR.exec(line.slice(at))?.[1] : undefined;
    const source = name === undefined ? undefined : this.anchors.get(name);
    if (source === undefined || !source.collection || source.open || !isMapping(source.value)) giveUp();
    if (!restIsBlank(line, at + 1 + name!.length)) giveUp();
    // Inside an anchored collection, a merge would weigh on that anchor's count; left to `yaml`.
    if (this.allAnchors.some((anchored) => anchored.open)) giveUp();
    source.uses++;
    // `yaml` composes the source again for the merge, counting the aliases inside it once more.
    for (const inner of source.inside) inner.uses++;
    this.recorder?.merge(map, source.value, this.row, at, at + 1 + name!.length);
    for (const [key, value] of Object.entries(source.value)) {
      if (!Object.prototype.hasOwnProperty.call(map, key)) Object.defineProperty(map, key, { value: copy(value), writable: true, enumerable: true, configurable: true });
    }
    this.row++;
    this.endOfValue(indent);
  }

  /**
   * The value of an entry whose line ends after `key:` or `-`: a block on the
   * following lines, indented deeper than `indent` (or, for a mapping value,
   * a sequence at the same column), or null.
   */
  private nested(indent: number, sequenceAtSameColumn: boolean, depth: number): unknown {
    const after = this.row;
    if (!this.skipBlank()) return null;
    const line = this.lines[this.row]!;
    const at = this.indents[this.row]!;
    if (at > indent) {
      const char = line[at]!;
      if (isSequenceEntry(line, at) || this.key(line, at) !== undefined) return this.block(at, depth + 1);
      // A scalar (or flow collection) on the line after its key or dash. With
      // blank or comment lines between, `yaml` reads some as a multi-line key.
      if (this.row !== after || (char !== '[' && char !== '{' && char !== '"' && char !== "'" && !plainStart(line, at))) giveUp();
      return this.scalar(line, at, indent, depth + 1);
    }
    if (at === indent && sequenceAtSameColumn && isSequenceEntry(line, at)) return this.sequence(at, depth + 1);
    return null;
  }

  /** A sequence entry's value that starts on its line at `at`: a mapping (`- key: value`) or a scalar. */
  private entryValue(line: string, at: number, indent: number, depth: number): unknown {
    if (this.key(line, at) !== undefined) return this.mapping(at, at, depth + 1);
    return this.inline(line, at, indent, depth, false);
  }

  /** The key that starts at `at`, and the column after its `:`; undefined when the line holds no key there. */
  private key(line: string, at: number): Key | undefined {
    if (line[at] === '*') return this.aliasKey(line, at);
    const quote = line[at];
    if (quote === '"' || quote === "'") {
      const scalar = quoted(line, at);
      if (scalar === undefined) return undefined;
      const colon = afterSpaces(line, scalar.end);
      if (line[colon] !== ':' || !(colon + 1 === line.length || line[colon + 1] === ' ')) return undefined;
      if (colon - at > MAX_KEY_LENGTH) giveUp();
      return { text: scalar.value, end: colon + 1, plain: false };
    }
    if (!plainStart(line, at)) return undefined;
    for (let colon = line.indexOf(':', at); colon !== -1; colon = line.indexOf(':', colon + 1)) {
      if (colon + 1 < line.length && line[colon + 1] !== ' ') continue;
      const comment = line.indexOf(' #', at);
      if (comment !== -1 && comment < colon) return undefined;
      if (colon - at > MAX_KEY_LENGTH) giveUp();
      const resolved = resolvePlain(trimSpaces(line.slice(at, colon)));
      // `~:` and `null:` are keys `yaml` writes as ''; leave them, and objects, to it.
      if (resolved === null || typeof resolved === 'object') giveUp();
      return { text: String(resolved), end: colon + 1, plain: true };
    }
    return undefined;
  }

  /**
   * `*name :`, an alias used as a key, as `yaml` reads it: the text of the
   * scalar it stands for (a collection as a key is left to `yaml`). `*name:`
   * is what go-yaml reads that way and `yaml` refuses; see fastComposeFile.
   */
  private aliasKey(line: string, at: number): Key | undefined {
    const match = ALIAS_KEY.exec(line.slice(at));
    if (match === null) return undefined;
    const [whole, name = '', spaces] = match;
    if (spaces === '') throw GO_YAML_ALIAS_KEY;
    const value = this.resolveAlias(name);
    if (typeof value === 'object' || value === undefined) giveUp();
    return { text: String(value), end: at + whole.length, plain: false };
  }

  /**
   * A value that starts at `start` on the current line, of an entry in a
   * block at column `indent`; moves past it. A scalar must end its line: a
   * deeper line after it would continue it or be an error, which `yaml` judges.
   */
  private inline(line: string, start: number, indent: number, depth: number, mappingValue: boolean): unknown {
    this.recorder?.value(this.row, start, indent, this.end);
    if (line[start] === '!') return this.tagged(line, start, indent);
    if (line[start] !== '&' && line[start] !== '*') return this.scalar(line, start, indent, depth);
    const name = ANCHOR.exec(line.slice(start))?.[1];
    if (name === undefined) giveUp();
    if (line[start] === '*') return this.alias(name, line, start + 1 + name.length, indent);
    const at = afterSpaces(line, start + 1 + name.length);
    if (!restIsBlank(line, at)) {
      const char = line[at];
      const flow = char === '[' || char === '{';
      if (!flow && char !== '"' && char !== "'" && !plainStart(line, at)) giveUp();
      const anchored = this.anchor(name, flow);
      // Aliases inside a flow collection weigh on its anchor, as in a block one.
      anchored.open = true;
      anchored.value = this.scalar(line, at, indent, depth);
      anchored.open = false;
      return anchored.value;
    }
    const anchored = this.anchor(name, true);
    anchored.open = true;
    this.row++;
    anchored.value = this.nested(indent, mappingValue, depth);
    anchored.open = false;
    return anchored.value;
  }

  private anchor(name: string, collection: boolean): Anchored {
    const anchored: Anchored = { value: undefined, collection, open: false, uses: 0, inside: [] };
    this.anchors.set(name, anchored);
    this.allAnchors.push(anchored);
    return anchored;
  }

  /** A scalar that starts at `at`, or a flow collection; see `inline`. */
  private scalar(line: string, at: number, indent: number, depth: number): unknown {
    const char = line[at]!;
    let value: unknown;
    if (char === '|' || char === '>') {
      value = this.blockScalar(line, at, indent);
    } else {
      if (char === '"' || char === "'") {
        value = this.quotedText(line, at, indent);
      } else if (char === '[' || char === '{') {
        const flow = new FlowComposer(this, this.lines, this.indents, this.row, at, indent, this.end, depth);
        value = flow.collection();
        if (!restIsBlank(flow.line, flow.at)) giveUp();
        this.row = flow.row;
      } else {
        value = resolvePlain(this.plainText(line, at, indent));
      }
      this.row++;
    }
    this.endOfValue(indent);
    return value;
  }

  /**
   * `!name value` (recyclarr's `!env_var KEY`): `yaml` knows no local tag,
   * warns (which the linter silences) and keeps the scalar a string. Tagged
   * collections, and `!!` tags of the schema, are left to it.
   */
  private tagged(line: string, start: number, indent: number): string {
    const tag = LOCAL_TAG.exec(line.slice(start))?.[0];
    if (tag === undefined) giveUp();
    const at = afterSpaces(line, start + tag.length);
    const value = line[at] === '"' || line[at] === "'" ? this.quotedText(line, at, indent) : this.plainText(line, at, indent);
    this.row++;
    this.endOfValue(indent);
    return value;
  }

  /**
   * `*name` before `end`: the value anchored last before it in the document,
   * the same object for a collection, as `yaml` gives it.
   */
  private alias(name: string, line: string, end: number, indent: number): unknown {
    if (!restIsBlank(line, end)) giveUp();
    const value = this.resolveAlias(name);
    this.row++;
    this.endOfValue(indent);
    return value;
  }

  /** The value `*name` stands for here, counted as a use of its anchor. */
  resolveAlias(name: string): unknown {
    const anchored = this.anchors.get(name);
    if (anchored === undefined || anchored.open) giveUp();
    anchored.uses++;
    for (const outer of this.allAnchors) {
      if (!outer.open) continue;
      // A collection inside a collection multiplies weights; left to `yaml`.
      if (anchored.collection) giveUp();
      outer.inside.push(anchored);
    }
    return anchored.value;
  }

  /** A value that ended its line must not be followed by a deeper line: that would continue it, or be an error `yaml` reports. */
  private endOfValue(indent: number): void {
    if (this.skipBlank() && this.indents[this.row]! > indent) giveUp();
  }

  /**
   * The text of a plain scalar from `at`, and of the lines deeper than
   * `indent` that continue it, folded as YAML folds them: a line break
   * becomes a space, and n empty lines n line breaks. Leaves the cursor on
   * its last line.
   */
  private plainText(line: string, at: number, indent: number): string {
    if (!plainStart(line, at)) giveUp();
    const first = plainLine(line, at);
    let text = first.text;
    if (first.commented) return text;
    let breaks = 0;
    for (let row = this.row + 1; row < this.end; row++) {
      const next = this.lines[row]!;
      const spaces = this.indents[row]!;
      if (spaces === next.length) {
        // A line of spaces only is left to `yaml`.
        if (next.length > 0) giveUp();
        breaks++;
        continue;
      }
      if (spaces <= indent || next[spaces] === '#') break;
      if (INDICATORS.has(next[spaces]!)) giveUp();
      const part = plainLine(next, spaces);
      if (part.commented) giveUp();
      text += breaks > 0 ? '\n'.repeat(breaks) : ' ';
      text += part.text;
      breaks = 0;
      this.row = row;
    }
    return text;
  }

  /**
   * The value of a quoted scalar that opens at `at` and ends its line (but
   * for a comment), or goes on over the lines after it, which must be
   * indented deeper than `indent` (else `yaml` reports the quote unclosed).
   * Folded as `yaml` folds it: a line's trailing spaces and the next one's
   * leading spaces go, a line break between two lines with text becomes a
   * space, and each empty line (or line of spaces) between them a line
   * break; in double quotes `\` at the end of a line joins it to the next.
   * Leaves the cursor on the line of the closing quote; a multi-line scalar
   * as a key (`"a\n b": c`), which `yaml` refuses, is left to it.
   */
  private quotedText(line: string, at: number, indent: number): string {
    const double = line[at] === '"';
    let part = quotedPart(double, line, at + 1);
    let text = line;
    let value = part.value;
    let row = this.row;
    while (part.end < 0) {
      const escaped = part.end === ESCAPED_BREAK;
      let breaks = 0;
      for (;;) {
        // The end of the document (or a `---` inside the quotes, which ends it): unclosed.
        if (++row >= this.end) giveUp();
        if (this.indents[row] !== this.lines[row]!.length) break;
        // `yaml` folds an escaped line break and the empty lines after it to
        // one space, where YAML 1.2 keeps the empty lines: left to it.
        if (escaped) giveUp();
        breaks++;
      }
      text = this.lines[row]!;
      const spaces = this.indents[row]!;
      if (spaces <= indent) giveUp();
      if (!escaped) value += breaks === 0 ? ' ' : '\n'.repeat(breaks);
      part = quotedPart(double, text, spaces);
      value += part.value;
    }
    if (!restIsBlank(text, part.end)) giveUp();
    this.row = row;
    return value;
  }

  /** `|`, `|-`, `>` or `>-` at `at`, and the lines indented deeper than `indent` that follow. */
  private blockScalar(line: string, at: number, indent: number): string {
    const folded = line[at] === '>';
    const strip = line[at + 1] === '-';
    if (!restIsBlank(line, at + (strip ? 2 : 1))) giveUp();
    this.row++;
    const content: string[] = [];
    let contentIndent = -1;
    let last = -1;
    for (; this.row < this.end; this.row++) {
      const text = this.lines[this.row]!;
      if (text.length === 0) {
        content.push('');
        continue;
      }
      const spaces = this.indents[this.row]!;
      // A line of spaces only: whether it is content depends on rules this composer leaves to `yaml`.
      if (spaces === text.length) giveUp();
      if (spaces <= indent) break;
      if (contentIndent === -1) contentIndent = spaces;
      else if (spaces < contentIndent) giveUp();
      content.push(text);
      last = content.length;
    }
    // Trailing empty lines belong to the next entry's blank lines; clip and strip drop them.
    this.row -= content.length - Math.max(last, 0);
    if (last === -1) return '';
    const lines = content.slice(0, last);
    const value = folded ? fold(lines, contentIndent) : lines.map((text) => text.slice(contentIndent)).join('\n');
    return strip ? value : `${value}\n`;
  }
}

const NO_DOCUMENT = Symbol('no document');

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of composed values: `yaml` composes a merge source anew for every merge. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (!isMapping(value)) return value;
  const copied: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) setKey(copied, key, copy(inner));
  return copied;
}

/** A folded block scalar's value, as `yaml` folds it (resolve-block-scalar.js). */
function fold(lines: readonly string[], contentIndent: number): string {
  let value = '';
  let separator = '';
  let previousMoreIndented = false;
  for (const text of lines) {
    if (text === '') {
      if (separator === '\n') value += '\n';
      else separator = '\n';
    } else if (afterSpaces(text, 0) > contentIndent) {
      if (separator === ' ') separator = '\n';
      else if (!previousMoreIndented && separator === '\n') separator = '\n\n';
      value += separator + text.slice(contentIndent);
      separator = '\n';
      previousMoreIndented = true;
    } else {
      value += separator + text.slice(contentIndent);
      separator = ' ';
      previousMoreIndented = false;
    }
  }
  return value;
}

/**
 * The text of a plain scalar's line in block context from `at`, up to a
 * comment (`commented`) or the end of the line.
 */
export function plainLine(line: string, at: number): { text: string; commented: boolean } {
  let end = line.indexOf(' #', at);
  const commented = end !== -1;
  if (!commented) end = line.length;
  const text = trimSpaces(line.slice(at, end));
  // `a: b: c` and `a: b:` are errors in `yaml`; report them through it.
  if (text.includes(': ') || text.endsWith(':')) giveUp();
  return { text, commented };
}

/** A quoted scalar that opens at `at` and closes on the same line; undefined when it does not. */
function quoted(line: string, at: number): { value: string; end: number } | undefined {
  const part = quotedPart(line[at] === '"', line, at + 1);
  return part.end < 0 ? undefined : part;
}

/**
 * What a line holds of a quoted scalar, from `from` (after the opening quote,
 * or where a continuation line's text starts): its value, and the column
 * after the closing quote, or OPEN when the line ends inside the quotes (the
 * value then lacks the trailing spaces that a line break drops), or
 * ESCAPED_BREAK when it ends with `\` (a double-quoted line break escaped).
 */
export interface QuotedPart {
  readonly value: string;
  readonly end: number;
}
const OPEN = -1;
const ESCAPED_BREAK = -2;

export function quotedPart(double: boolean, line: string, from: number): QuotedPart {
  return double ? doubleQuotedPart(line, from) : singleQuotedPart(line, from);
}

function singleQuotedPart(line: string, from: number): QuotedPart {
  let value = '';
  let start = from;
  for (;;) {
    const close = line.indexOf("'", start);
    if (close === -1) return { value: value + line.slice(start, withoutTrailingSpaces(line, start)), end: OPEN };
    value += line.slice(start, close);
    if (line.charCodeAt(close + 1) !== 39) return { value, end: close + 1 };
    value += "'";
    start = close + 2;
  }
}

function doubleQuotedPart(line: string, from: number): QuotedPart {
  let value = '';
  // The text from `start` to the next quote or backslash is taken as it is.
  let start = from;
  for (let index = from; index < line.length; index++) {
    const code = line.charCodeAt(index);
    if (code === 34) return { value: value + line.slice(start, index), end: index + 1 };
    if (code !== 92) continue;
    value += line.slice(start, index);
    const escape = line[++index];
    if (escape === undefined) return { value, end: ESCAPED_BREAK };
    const simple = DOUBLE_QUOTE_ESCAPES[escape];
    if (simple !== undefined) {
      value += simple;
    } else {
      const digits = HEX_DIGITS[escape as keyof typeof HEX_DIGITS];
      if (digits === undefined) giveUp();
      const hex = line.slice(index + 1, index + 1 + digits);
      if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) giveUp();
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) giveUp();
      value += String.fromCodePoint(code);
      index += digits;
    }
    start = index + 1;
  }
  // Spaces that escapes wrote stay; the line's own trailing spaces go.
  return { value: value + line.slice(start, withoutTrailingSpaces(line, start)), end: OPEN };
}

/** Where `line` ends without its trailing spaces, but not before `from`. */
function withoutTrailingSpaces(line: string, from: number): number {
  let end = line.length;
  while (end > from && line.charCodeAt(end - 1) === 32) end--;
  return end;
}

/**
 * `text` without trailing spaces. YAML's white space is spaces and tabs only
 * (tabs are refused): `String#trimEnd` would also take U+00A0 and other
 * Unicode spaces, which are content to `yaml`.
 */
function trimSpaces(text: string): string {
  const end = withoutTrailingSpaces(text, 0);
  return end === text.length ? text : text.slice(0, end);
}

/**
 * A flow collection (`[a, "b"]`, `{k: v}`), on one line or on several that
 * are indented deeper than the block it is in, with comments between entries.
 */
class FlowComposer {
  line: string;

  constructor(
    /** Resolves aliases against the document's anchors. */
    private readonly composer: Composer,
    private readonly lines: readonly string[],
    /** Each line's count of leading spaces (the composer's). */
    private readonly indents: Int32Array,
    public row: number,
    public at: number,
    /** Lines after the first must be deeper than this. */
    private readonly indent: number,
    private readonly end: number,
    private readonly depth: number,
  ) {
    this.line = lines[row]!;
  }

  /** The collection at the cursor (`[` or `{`). */
  collection(): unknown {
    return this.value(this.depth, false);
  }

  private sequence(depth: number): unknown[] {
    if (depth > MAX_DEPTH) giveUp();
    const items: unknown[] = [];
    this.at++;
    for (;;) {
      this.spaces();
      if (this.line[this.at] === ']') break;
      items.push(this.value(depth, false));
      this.composer.recorder?.flowItem(items);
      this.spaces();
      if (this.line[this.at] === ',') this.at++;
      else if (this.line[this.at] !== ']') giveUp();
    }
    this.at++;
    return items;
  }

  private mapping(depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) giveUp();
    const map: Record<string, unknown> = {};
    this.at++;
    for (;;) {
      this.spaces();
      if (this.line[this.at] === '}') break;
      const template = this.line[this.at] === '{';
      const key = template ? this.templateKey(depth) : this.value(depth, true);
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') giveUp();
      const text = String(key);
      if (text === '<<' || Object.prototype.hasOwnProperty.call(map, text)) giveUp();
      this.composer.recorder?.flowKey(map, text, template);
      this.spaces();
      // `{a, b: c}` and `{a: , b: c}`: a key with nothing after it has a null value.
      let value: unknown = null;
      if (this.line[this.at] === ':') {
        this.at++;
        if (this.line[this.at] !== ' ') giveUp();
        this.spaces();
        const next = this.line[this.at];
        if (next !== ',' && next !== '}') {
          value = this.value(depth, false);
          this.composer.recorder?.flowValue(map, text);
          this.spaces();
        }
      }
      setKey(map, text, value);
      if (this.line[this.at] === ',') this.at++;
      else if (this.line[this.at] !== '}') giveUp();
    }
    this.at++;
    return map;
  }

  /**
   * `{NAME}` as a key, as in gethomepage's `{{HOMEPAGE_VAR_NAME}}`: a mapping
   * as a key, which `yaml` writes as the text `{ NAME }` (and warns that it
   * did). Only a plain NAME that `yaml` writes without quotes is taken.
   */
  private templateKey(depth: number): string {
    this.at++;
    this.spaces();
    if (!plainStart(this.line, this.at)) giveUp();
    const name = this.value(depth, true);
    if (typeof name !== 'string' || !TEMPLATE_KEY_NAME.test(name)) giveUp();
    this.spaces();
    if (this.line[this.at] !== '}') giveUp();
    this.at++;
    return `{ ${name} }`;
  }

  /** A scalar or nested collection at the cursor (see read), told to the recorder when there is one. */
  private value(depth: number, isKey: boolean): unknown {
    const recorder = this.composer.recorder;
    if (recorder === undefined) return this.read(depth, isKey);
    const row = this.row;
    const at = this.at;
    const value = this.read(depth, isKey);
    recorder.flowNode(value, row, at, this.row, this.at);
    return value;
  }

  /** A scalar or nested collection at the cursor; as a key, a plain scalar ends at `: `. */
  private read(depth: number, isKey: boolean): unknown {
    const char = this.line[this.at];
    if (char === '[') return this.sequence(depth + 1);
    if (char === '{') return this.mapping(depth + 1);
    if (char === '"' || char === "'") {
      const scalar = quoted(this.line, this.at);
      if (scalar === undefined) giveUp();
      this.at = scalar.end;
      return scalar.value;
    }
    if (char === '*' && !isKey) {
      const name = FLOW_ALIAS.exec(this.line.slice(this.at))?.[1];
      if (name === undefined) giveUp();
      this.at += 1 + name.length;
      return this.composer.resolveAlias(name);
    }
    if (!plainStart(this.line, this.at)) giveUp();
    const start = this.at;
    for (; this.at < this.line.length; this.at++) {
      const current = this.line[this.at]!;
      if (FLOW_INDICATORS.has(current)) break;
      if (current === '#' && this.line[this.at - 1] === ' ') giveUp();
      if (current === ':') {
        const next = this.line[this.at + 1];
        if (next === undefined || next === ' ' || FLOW_INDICATORS.has(next)) {
          if (!isKey) giveUp();
          break;
        }
      }
    }
    return resolvePlain(trimSpaces(this.line.slice(start, this.at)));
  }

  /** Skips spaces, comments and line breaks. */
  private spaces(): void {
    for (;;) {
      this.at = afterSpaces(this.line, this.at);
      const comment = this.line[this.at] === '#' && (this.at === 0 || this.line[this.at - 1] === ' ');
      if (this.at < this.line.length && !comment) return;
      if (++this.row >= this.end) giveUp();
      this.line = this.lines[this.row]!;
      this.at = 0;
      const spaces = this.indents[this.row]!;
      if (spaces < this.line.length && this.line[spaces] !== '#' && spaces <= this.indent) giveUp();
    }
  }
}
