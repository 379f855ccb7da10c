import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Finding } from '../linter/finding.js';
import type { AnalysisCache, FileAnalysis, InputFile } from '../linter/linter.js';

/** Default cache directory, relative to the working directory (as ESLint and others keep theirs). */
export const DEFAULT_CACHE_LOCATION = 'node_modules/.cache/homeops-lint';

// Changes whenever what the cache holds changes shape, so that no build reads another's entries.
const CACHE_FORMAT = 2;

// Runs remembered per cache directory: enough for a few paths and configurations.
const MAX_RUNS = 16;

interface StoredRun {
  readonly findings: readonly Finding[];
  readonly fileCount: number;
}

/**
 * A content-addressed cache in one directory. File analyses are kept by the
 * hash of each file's content, so an edit invalidates only that file; whole
 * runs are kept by the hash of every file, the configuration and the
 * options, so a run where nothing changed skips linting. Both live in files
 * named after the tool version: another version never reads them. A cache
 * that cannot be read is treated as empty, never as an error.
 */
export class ProjectCache implements AnalysisCache {
  /** Read on first use: a run that nothing changed needs only the runs file. */
  private analysesRead: Map<string, FileAnalysis> | undefined;
  private readonly used = new Set<string>();
  /** sha256 of each text this run saw, by the text itself. */
  private readonly digests = new Map<string, string>();
  private changed = false;
  private readonly runs: Map<string, StoredRun>;
  private readonly analysesFile: string;
  private readonly runsFile: string;

  constructor(
    private readonly directory: string,
    version: string,
  ) {
    const tag = createHash('sha256').update(`${CACHE_FORMAT}\u0000${version}`).digest('hex').slice(0, 12);
    this.analysesFile = join(directory, `analyses-${tag}.bin`);
    this.runsFile = join(directory, `runs-${tag}.bin`);
    this.runs = readMap<StoredRun>(this.runsFile);
  }

  private get analyses(): Map<string, FileAnalysis> {
    this.analysesRead ??= readMap<FileAnalysis>(this.analysesFile);
    return this.analysesRead;
  }

  get(key: string): FileAnalysis | undefined {
    const found = this.analyses.get(key);
    if (found) this.used.add(key);
    return found;
  }

  set(key: string, analysis: FileAnalysis): void {
    this.analyses.set(key, analysis);
    this.used.add(key);
    this.changed = true;
  }

  run(key: string): StoredRun | undefined {
    return this.runs.get(key);
  }

  /** Records a run, and keeps only the analyses this run used (files that changed or went away are dropped). */
  save(runKey: string, run: StoredRun): void {
    this.runs.delete(runKey);
    this.runs.set(runKey, run);
    while (this.runs.size > MAX_RUNS) this.runs.delete(this.runs.keys().next().value!);
    mkdirSync(this.directory, { recursive: true });
    if (this.changed || this.used.size !== this.analyses.size) {
      writeAtomically(this.analysesFile, serialize(new Map([...this.analyses].filter(([key]) => this.used.has(key)))));
    }
    writeAtomically(this.runsFile, serialize(this.runs));
  }

  /**
   * What a run's result depends on: every file's path and content, and
   * everything else given. Each text is hashed once, here; its analysis is
   * kept under the same digest (`keyOf`).
   */
  runKey(files: readonly InputFile[], settings: unknown): string {
    const hash = createHash('sha256').update(JSON.stringify(settings));
    for (const file of files) {
      hash.update(`\u0000${file.path}\u0000`);
      if ('text' in file) hash.update(`${file.invalidEncodingAt ?? ''}\u0000${this.digestOf(file.text)}`);
      else hash.update(`error\u0000${file.error}`);
    }
    return hash.digest('hex');
  }

  keyOf(text: string, template: boolean): string {
    return `${template ? 'template' : 'yaml'}:${this.digestOf(text)}`;
  }

  private digestOf(text: string): string {
    let digest = this.digests.get(text);
    if (digest === undefined) {
      digest = createHash('sha256').update(text).digest('hex');
      this.digests.set(text, digest);
    }
    return digest;
  }
}

function readMap<T>(path: string): Map<string, T> {
  try {
    const value: unknown = deserialize(readFileSync(path));
    return value instanceof Map ? (value as Map<string, T>) : new Map();
  } catch {
    return new Map();
  }
}

// Two runs at once (pre-commit and an editor) must never leave a half-written cache.
function writeAtomically(path: string, data: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}
