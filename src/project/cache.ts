import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as V8 from 'node:v8';
import { createRequire } from 'node:module';
import { currentStamp, readStampedFile, resolveListed, sameStamp, type FileStamp } from '../discovery/read.js';
import { murmur128Hex, sha256Hex } from '../linter/digest.js';
import type { Finding } from '../linter/finding.js';
import type { AnalysisCache, FileAnalysis, InputFile, KeptPlan, PathState, TextFile } from '../linter/linter.js';
import { isMapping, keysMayBeSubstituted, WRITTEN, type Mapping, type Written } from '../resources/values.js';

// Loaded on first use: only plans and YAML aliases are kept in V8's
// serialization, and a run answered from its cache reads neither.
let v8: typeof V8 | undefined;
const loadV8 = () => (v8 ??= createRequire(import.meta.url)('node:v8') as typeof V8);

/** Default cache directory, relative to the working directory (as ESLint and others keep theirs). */
export const DEFAULT_CACHE_LOCATION = 'node_modules/.cache/homeops-lint';

// Changes whenever what the cache holds changes shape, so that no build reads another's entries.
const CACHE_FORMAT = 45;

// Runs remembered per cache directory: enough for a few paths and
// configurations. One file each: a run reads only its own, and a repository
// with hundreds of findings kept sixteen copies of them in one file that
// every run read and every run after an edit wrote (10 MB, ~0.2 s a run).
const MAX_RUNS = 16;

// Deployment plans kept: one per place a repository is linted from (see savePlan).
const MAX_PLANS = 4;
// Run keys kept with their inputs (see runKey): a run from inside the
// repository makes two, its own and the run from the top.
const MAX_KEPT_KEYS = 2;

// New analyses go to a small file of their own until there are this many, or
// an eighth of those in the main file: rewriting all of them after each edit
// cost a run with one file changed ~30 ms of 1,100 files. Analyses no run
// uses any more stay in the main file until they are a quarter of it.
const MIN_ADDED_ANALYSES = 64;

// A file changed this close to the time it was read may change again with
// the same stamp (coarse file-system clocks: 2 s on FAT); it is read again
// next time, as git treats a "racily clean" index entry.
const RACY_MILLISECONDS = 2000;

export interface CacheOptions {
  readonly location: string;
  /** Keeps the entries of tool versions apart. */
  readonly version: string;
  /** The clock a run's start is read from (tests move it on to age the files they wrote). */
  readonly now?: () => number;
}

/** A run's result, and what it found on disk beyond the files it linted: whether each of these paths existed. */
export interface StoredRun {
  readonly findings: readonly Finding[];
  readonly fileCount: number;
  /** The top of the repository above the working directory, to lint from instead (LintResult.repositoryAbove). */
  readonly repositoryAbove?: string;
  /** Paths outside the linted files that the run asked about, and what was there (see PathState). */
  readonly probes: readonly (readonly [path: string, state: PathState])[];
}

/** What a file held when it was read, by its absolute path: its stamp and its content's digest. */
interface StoredFile {
  readonly stamp: FileStamp;
  readonly digest: string;
  readonly invalidEncodingAt?: number;
}

/** The analyses read from the cache: the main file's, and those added since it was written (see MIN_ADDED_ANALYSES). */
interface StoredAnalyses {
  readonly main: Map<string, StoredAnalysis>;
  readonly added: Map<string, StoredAnalysis>;
}

/** An analysis as the cache keeps it: its documents stored by storeDocument. */
interface StoredAnalysis extends Omit<FileAnalysis, 'values'> {
  readonly values: readonly StoredDocument[];
}

/**
 * A document as the cache keeps it, in the JSON of the cache's file: null
 * for one the analysis does not keep (not an object); a kept value that is
 * not a mapping, whole; for an object, its keys, the keys every run reads
 * (HEAD_KEYS) as a value of the file's JSON, and the rest apart, decoded
 * only when something reads it.
 */
type StoredDocument =
  | null
  | { readonly whole: Encoded }
  | {
      readonly keys: readonly string[];
      /** The head, when JSON keeps it as it is (see isPlainJson); else `headV8`. */
      readonly head?: Mapping;
      readonly headV8?: string;
      readonly rest: Encoded;
      /** For a rest kept in V8's serialization, which cannot be searched: its JSON text, each object written once (jsonWithObjectsOnce). */
      readonly restJson?: string;
      /** Set when a key holds a Flux variable: which keys the document holds is known only once it is substituted. */
      readonly unsearchable?: true;
    };

/**
 * JSON text when it reads back the same (see isPlainJson), else V8's
 * serialization in base64. V8 decodes objects an order of magnitude slower
 * than JSON.parse: for gavinmcfall's metadata, 10 ms against 0.6 ms.
 */
type Encoded = string | { readonly v8: string };

// A run reads every object's type, name, namespace, labels and annotations
// (placement, duplicates, the substitution opt-out), and little else of
// most: a run after one edit rules on one file's objects. Decoding the rest
// (a HelmRelease's values, say) of every file took a third of such a run,
// with the garbage collection it caused.
const HEAD_KEYS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata']);

/** A file whose stamp is the one recorded when it was last read: its digest is known, its text is read only if asked for. */
class UnchangedFile implements TextFile {
  private read: string | undefined;

  constructor(
    readonly path: string,
    private readonly absolute: string,
    readonly stored: StoredFile,
  ) {}

  get invalidEncodingAt(): number | undefined {
    return this.stored.invalidEncodingAt;
  }

  get text(): string {
    if (this.read === undefined) {
      const { file } = readStampedFile(this.absolute, this.path);
      if (!('text' in file)) throw new Error(`${this.path} changed while it was being linted: ${file.error}`);
      this.read = file.text;
    }
    return this.read;
  }
}

/**
 * A content-addressed cache in one directory. File analyses are kept by the
 * hash of each file's content, so an edit invalidates only that file; the
 * last few deployment plans by the hash of what they read (see loadRepository);
 * the last sixteen whole runs, a file each, by the hash of every file, the
 * configuration and the options, so a run where nothing changed skips
 * linting. All live in files named
 * after the tool version: another version never reads them. A cache that
 * cannot be read is treated as empty, never as an error.
 */
export class ProjectCache implements AnalysisCache {
  /** Read on first use: a run that nothing changed needs only its run's file. */
  private analysesRead: StoredAnalyses | undefined;
  private readonly used = new Set<string>();
  /** Analyses handed out in this run: another file with the same text gets its own copies of their values. */
  private readonly restored = new Set<string>();
  /** sha256 of each text this run saw, by the text itself. */
  private readonly digests = new Map<string, string>();
  private changed = false;
  /** The stored run this run found, which need not be written again. */
  private runFound: StoredRun | undefined;
  private readonly files: Map<string, StoredFile>;
  private readonly filesSeen = new Set<string>();
  private filesChanged = false;
  /** Files changed since this time are not trusted by their stamp next time. */
  private readonly startedAt: number;
  private readonly analysesFile: string;
  private readonly addedAnalysesFile: string;
  private readonly filesFile: string;
  private readonly directory: string;
  /** What the names of this version's plan and run files start with; each ends with its key. */
  private readonly planPrefix: string;
  private readonly runPrefix: string;
  /** The plan this run made, to be written. */
  private planMade: StoredPlan | undefined;
  /** Whether the first run this process stored was the cache's first (see saveRun). */
  private filledEmpty: boolean | undefined;
  /** The last run keys made, with the inputs each was made of (see runKey). */
  private readonly runInputsFile: string;
  private runInputsKept: readonly KeyedInputs[] | undefined;

  constructor(
    directory: string,
    version: string,
    now: () => number = Date.now,
  ) {
    this.startedAt = now();
    const tag = murmur128Hex(`${CACHE_FORMAT}\u0000${version}`).slice(0, 12);
    this.analysesFile = join(directory, `analyses-${tag}.json`);
    this.addedAnalysesFile = join(directory, `analyses-added-${tag}.json`);
    this.filesFile = join(directory, `files-${tag}.json`);
    this.runInputsFile = join(directory, `inputs-${tag}.json`);
    this.directory = directory;
    this.planPrefix = `plan-${tag}-`;
    this.runPrefix = `run-${tag}-`;
    this.files = readMap<StoredFile>(this.filesFile);
  }

  /**
   * The file at `path`, read from disk unless its stamp is the one recorded
   * when it was last read: then its text is read only if something asks for
   * it, which in a run where nothing changed is nothing. `known` is its
   * stamp when the caller has just taken it (discovery, in a git work tree).
   */
  readFile(cwd: string, path: string, known?: FileStamp): InputFile {
    const absolute = resolveListed(cwd, path);
    this.filesSeen.add(absolute);
    const stored = this.files.get(absolute);
    const stamp = stored && (known ?? currentStamp(absolute));
    if (stored && stamp && sameStamp(stamp, stored.stamp)) return new UnchangedFile(path, absolute, stored);
    const read = readStampedFile(absolute, path);
    const { file } = read;
    if (read.stamp && 'text' in file && Math.max(read.stamp[1], read.stamp[2]) < this.startedAt - RACY_MILLISECONDS) {
      this.files.set(absolute, { stamp: read.stamp, digest: this.digestOf(file.text), invalidEncodingAt: file.invalidEncodingAt });
      this.filesChanged = true;
    } else if (this.files.delete(absolute)) {
      this.filesChanged = true;
    }
    return file;
  }

  private get analyses(): StoredAnalyses {
    this.analysesRead ??= { main: readMap<StoredAnalysis>(this.analysesFile), added: readMap<StoredAnalysis>(this.addedAnalysesFile) };
    return this.analysesRead;
  }

  get(key: string): FileAnalysis | undefined {
    const { main, added } = this.analyses;
    const found = main.get(key) ?? added.get(key);
    if (!found) return undefined;
    this.used.add(key);
    const shared = this.restored.has(key);
    this.restored.add(key);
    return { ...found, values: found.values.map((stored) => restoreDocument(stored, shared)) };
  }

  set(key: string, analysis: FileAnalysis): void {
    this.analyses.added.set(key, { ...analysis, values: analysis.values.map(storeDocument) });
    this.used.add(key);
    // The stored heads are the caller's values: a file with the same text later in the run gets copies.
    this.restored.add(key);
    this.changed = true;
  }

  deploymentPlan(key: string): KeptPlan | undefined {
    const stored = readPlan(this.planFileOf(key));
    return stored?.key === key ? stored.kept : undefined;
  }

  setDeploymentPlan(key: string, kept: KeptPlan): void {
    this.planMade = { key, kept };
  }

  private planFileOf(key: string): string {
    return join(this.directory, `${this.planPrefix}${key.slice(0, 16)}.bin`);
  }

  /**
   * Keeps the plan made, and the few most recent others: one repository is
   * linted from a few places (the pre-commit hook from its top, CI or an
   * editor from elsewhere), whose plans name paths from there.
   */
  private savePlan(stored: StoredPlan): void {
    const made = this.planFileOf(stored.key);
    writeAtomically(made, loadV8().serialize(stored));
    this.keepNewest(this.planPrefix, '.bin', made, MAX_PLANS);
  }

  run(key: string): StoredRun | undefined {
    const stored = readKeyed<StoredRun>(this.runFileOf(key));
    this.runFound = stored?.key === key ? stored.value : undefined;
    return this.runFound;
  }

  private runFileOf(key: string): string {
    return join(this.directory, `${this.runPrefix}${key.slice(0, 16)}.json`);
  }

  /**
   * Removes all but the `count` newest files named `prefix…suffix`, `made`
   * among them (not another run's temporary file, which ends otherwise);
   * says how many others there were.
   */
  private keepNewest(prefix: string, suffix: string, made: string, count: number): number {
    const others = readdirSync(this.directory)
      .filter((name) => name.startsWith(prefix) && name.endsWith(suffix))
      .map((name) => join(this.directory, name))
      .filter((path) => path !== made)
      .map((path) => ({ path, time: statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.time - a.time);
    for (const { path } of others.slice(count - 1)) rmSync(path, { force: true });
    return others.length;
  }

  /**
   * Records a run, and keeps the analyses and file stamps this run used
   * (files that changed or went away are dropped; see MIN_ADDED_ANALYSES).
   * Writes only what changed.
   */
  save(runKey: string, run: StoredRun): void {
    for (const path of this.files.keys()) {
      if (this.filesSeen.has(path)) continue;
      this.files.delete(path);
      this.filesChanged = true;
    }
    if (this.analysesRead) this.saveAnalyses(this.analysesRead);
    if (this.filesChanged) writeAtomically(this.filesFile, jsonOf(this.files));
    if (this.planMade) this.savePlan(this.planMade);
    this.saveRun(runKey, run);
  }

  /**
   * Records a run and nothing else: for a run from inside the repository
   * that is made again from its top (LintResult.repositoryAbove), whose
   * files and analyses the run from the top keeps with this same cache.
   */
  saveRun(runKey: string, run: StoredRun): void {
    // For a run that found its stored run, and for the first run a cache
    // stores, whose next run (the first from a CI cache it left, say) often
    // changes nothing: a run after an edit hashes a file anyway, and writing
    // the inputs (~50 KB) cost it more than the next run saves.
    if (run !== this.runFound) {
      const made = this.runFileOf(runKey);
      writeAtomically(made, asciiJson({ key: runKey, value: run }));
      const others = this.keepNewest(this.runPrefix, '.json', made, MAX_RUNS);
      // A run from inside the repository stores two, its own and the run from the top's.
      this.filledEmpty ??= others === 0;
    }
    if (this.runInputsKept && (run === this.runFound || this.filledEmpty === true)) writeAtomically(this.runInputsFile, asciiJson(this.runInputsKept));
  }

  private saveAnalyses({ main, added }: StoredAnalyses): void {
    const used = (map: Map<string, StoredAnalysis>) => new Map([...map].filter(([key]) => this.used.has(key)));
    const keptAdded = used(added);
    // Counted, not copied: the main file is rewritten only now and then.
    let keptInMain = 0;
    for (const key of this.used) if (main.has(key)) keptInMain++;
    if (main.size === 0 || keptAdded.size > Math.max(MIN_ADDED_ANALYSES, main.size / 8) || main.size - keptInMain > main.size / 4) {
      writeAtomically(this.analysesFile, jsonOf(new Map([...used(main), ...keptAdded])));
      rmSync(this.addedAnalysesFile, { force: true });
    } else if (this.changed || keptAdded.size !== added.size) {
      writeAtomically(this.addedAnalysesFile, jsonOf(keptAdded));
    }
  }

  /**
   * What a run's result depends on: every file's path and content, and
   * everything else given. Each text is hashed once, here; its analysis is
   * kept under the same digest (`keyOf`).
   */
  runKey(files: readonly InputFile[], settings: unknown): string {
    const parts = [JSON.stringify(settings)];
    for (const file of files) parts.push(file.path, 'text' in file ? `${file.invalidEncodingAt ?? ''}\u0000${this.contentDigest(file)}` : `error\u0000${file.error}`);
    const inputs = parts.join('\u0000');
    // Hashing takes node:crypto, ~6 ms to load, which a run where nothing
    // changed needs for nothing else: the last keys of such runs are kept
    // with their inputs.
    const kept = readKeyedInputs(this.runInputsFile);
    const found = kept.find((entry) => entry.inputs === inputs);
    if (found !== undefined) return found.key;
    const key = sha256Hex(inputs);
    this.runInputsKept = [{ key, inputs }, ...kept].slice(0, MAX_KEPT_KEYS);
    return key;
  }

  keyOf(file: TextFile, variant: string): string {
    return `${variant}:${this.contentDigest(file)}`;
  }

  private contentDigest(file: TextFile): string {
    return file instanceof UnchangedFile ? file.stored.digest : this.digestOf(file.text);
  }

  private digestOf(text: string): string {
    let digest = this.digests.get(text);
    if (digest === undefined) {
      digest = sha256Hex(text);
      this.digests.set(text, digest);
    }
    return digest;
  }
}

function storeDocument(value: unknown): StoredDocument {
  if (value === undefined) return null;
  if (!isMapping(value)) return { whole: encode(value) };
  const head: Mapping = {};
  const rest: Mapping = {};
  const keys = Object.keys(value);
  for (const key of keys) {
    // An own property even for `__proto__`, as the composers make it.
    Object.defineProperty(HEAD_KEYS.has(key) ? head : rest, key, { value: value[key], writable: true, enumerable: true, configurable: true });
  }
  const storedHead = isPlainJson(head, new Set()) ? { head } : { headV8: v8Base64(head) };
  const encodedRest = encode(rest);
  // A key that Flux substitutes (`${NAME:=ingress}:`) may become any key: such a document cannot tell which it lacks.
  if (keysMayBeSubstituted(value)) return { keys, ...storedHead, rest: encodedRest, unsearchable: true };
  return { keys, ...storedHead, rest: encodedRest, ...(typeof encodedRest === 'string' ? {} : { restJson: jsonWithObjectsOnce(rest) }) };
}

/**
 * JSON text of a value whose objects may stand at several places (YAML
 * aliases), or inside themselves: each written where it first stands, and
 * `null` where it stands again. Every key and string is in it, and every
 * entry as JSON writes it, as in the value's own JSON, which would copy an
 * object at every use (exponentially many times for an alias of an alias).
 */
function jsonWithObjectsOnce(value: unknown): string {
  const seen = new Set<object>();
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner !== 'object' || inner === null) return inner;
    if (seen.has(inner)) return null;
    seen.add(inner);
    return inner;
  });
}

/**
 * The document as composed. Its keys are in their order; the head's are
 * plain values, the others read the rest, decoded on first use. Nothing
 * writes to a composed document, so the accessors are never noticed.
 * `shared` when the stored head was handed out before (two files with the
 * same text): each document gets its own values, as composing gives.
 */
function restoreDocument(stored: StoredDocument, shared: boolean): unknown {
  if (stored === null) return undefined;
  if ('whole' in stored) return decode(stored.whole);
  const { keys, rest } = stored;
  const head = (stored.head === undefined ? decode({ v8: stored.headV8! }) : shared ? JSON.parse(JSON.stringify(stored.head)) : stored.head) as Mapping;
  let decoded: Mapping | undefined;
  const value: Mapping = {};
  for (const key of keys) {
    // Assigned: a head key is never `__proto__`.
    if (HEAD_KEYS.has(key)) value[key] = head[key];
    else Object.defineProperty(value, key, { get: () => (decoded ??= decode(rest) as Mapping)[key], enumerable: true, configurable: true });
  }
  // JSON text writes every key as `"key":` and every key and string whole,
  // escaping only quotes, backslashes and control characters; a rest in V8's
  // serialization comes with a JSON text of its own.
  const restJson = typeof rest === 'string' ? rest : stored.restJson;
  if (stored.head !== undefined && !stored.unsearchable && restJson !== undefined) {
    // Made on the first question: most documents are asked none. The whole
    // is kept, as several rules scan it (a joined string is copied flat by
    // the first scan).
    let headJson: string | undefined;
    let json: string | undefined;
    const inHead = (text: string) => (headJson ??= JSON.stringify(head)).includes(text);
    const written: Written = {
      mayHoldKey: (name) => {
        const entry = `${JSON.stringify(name)}:`;
        return restJson.includes(entry) || inHead(entry);
      },
      mayHoldText: (text) => restJson.includes(text) || inHead(text),
      json: () => (json ??= `${(headJson ??= JSON.stringify(head))}${restJson}`),
    };
    Object.defineProperty(value, WRITTEN, { value: written });
  }
  return value;
}

function encode(value: unknown): Encoded {
  return isPlainJson(value, new Set()) ? JSON.stringify(value) : { v8: v8Base64(value) };
}

function decode(encoded: Encoded): unknown {
  return typeof encoded === 'string' ? JSON.parse(encoded) : loadV8().deserialize(Buffer.from(encoded.v8, 'base64'));
}

function v8Base64(value: unknown): string {
  return loadV8().serialize(value).toString('base64');
}

/**
 * Whether JSON.parse(JSON.stringify(value)) is the same value: strings,
 * booleans, null, finite numbers but -0, and arrays and plain objects of
 * them (JSON.parse makes `__proto__` an own key, as the composers do). An
 * object met twice (a YAML alias) is not: JSON would copy it at every use,
 * which for an alias of an alias grows exponentially.
 */
function isPlainJson(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (seen.has(value)) return false;
      seen.add(value);
      if (Array.isArray(value)) {
        // By index: `every` would pass over a hole, which JSON writes as null.
        for (let index = 0; index < value.length; index++) if (!isPlainJson(value[index], seen)) return false;
        return true;
      }
      return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every((item) => isPlainJson(item, seen));
    }
    default:
      return false;
  }
}

interface StoredPlan {
  readonly key: string;
  readonly kept: KeptPlan;
}

function readPlan(path: string): StoredPlan | undefined {
  try {
    const value = loadV8().deserialize(readFileSync(path)) as Partial<StoredPlan> | null;
    return typeof value?.key === 'string' && value.kept?.plan !== undefined && Array.isArray(value.kept.topProbes) ? (value as StoredPlan) : undefined;
  } catch {
    return undefined;
  }
}

// The maps the cache keeps are JSON (its entries): V8's deserializer built
// them several times slower than JSON.parse, in every run that reads them.
// The plan, which holds maps of its own, stays in V8's serialization.
function readMap<T>(path: string): Map<string, T> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(value) ? new Map(value as [string, T][]) : new Map();
  } catch {
    return new Map();
  }
}

function jsonOf(map: ReadonlyMap<string, unknown>): string {
  return asciiJson([...map]);
}

// Written in ASCII, every other character escaped: Node.js decodes an ASCII
// file several times faster than one with a single character beyond it
// (gavinmcfall's analyses, 1.5 MB with 22 such: 1.8 ms against 7.5 ms).
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface KeyedInputs {
  readonly key: string;
  readonly inputs: string;
}

function readKeyedInputs(path: string): KeyedInputs[] {
  try {
    const stored: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(stored) ? stored.filter((entry): entry is KeyedInputs => typeof entry?.key === 'string' && typeof entry.inputs === 'string') : [];
  } catch {
    return [];
  }
}

/** A value stored with the whole key its file is named after (by a prefix of it). */
function readKeyed<T>(path: string): { readonly key: string; readonly value: T } | undefined {
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { key?: unknown; value?: unknown } | null;
    return typeof stored?.key === 'string' && typeof stored.value === 'object' && stored.value !== null ? { key: stored.key, value: stored.value as T } : undefined;
  } catch {
    return undefined;
  }
}

// Two runs at once (pre-commit and an editor) must never leave a half-written cache.
function writeAtomically(path: string, data: Buffer | string): void {
  const directory = dirname(path);
  // A directory made for the cache ignores itself, as pytest's and ruff's do:
  // one in the repository (the pre-commit hook's) never shows as untracked.
  // One that existed may be the user's own, and is left as it is.
  if (mkdirSync(directory, { recursive: true }) !== undefined) writeFileSync(join(directory, '.gitignore'), '# homeops-lint cache\n*\n');
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}
