import { existsSync, lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, posix, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { createBaseline, matchBaseline, parseBaseline } from '../baseline/baseline.js';
import { loadConfig, type ModuleImporter } from '../config/load.js';
import type { ResolvedConfig } from '../config/validate.js';
import { discoverFiles, nameUnder, toRelative, UsageError } from '../discovery/discover.js';
import { filesAtMergeBase } from '../discovery/git-revision.js';
import { osError, readInputFile } from '../discovery/read.js';
import { compareStrings, type Finding } from '../linter/finding.js';
import { graphView, type GraphView } from '../formatters/graph.js';
import { ProjectCache, type CacheOptions, type StoredRun } from './cache.js';
import { lint, loadRepository, type InputFile, type PathState, type RuleSetting } from '../linter/linter.js';
import type { SourceIgnoreFile } from '../resources/source-ignore.js';

/** Everything a run over a repository on disk needs; the CLI and the GitHub Action both build one. */
export interface ProjectOptions {
  readonly cwd: string;
  /** Directories or files to lint (default: the working directory). */
  readonly paths: readonly string[];
  /**
   * Lint the whole repository at this directory for context, but report only
   * findings in `paths` (what a pre-commit hook passes), or every finding
   * when no path is given.
   */
  readonly repository?: string;
  readonly configFile?: string;
  readonly allowJsConfig: boolean;
  /** Imports a JavaScript configuration where the bundle cannot (see ModuleImporter). */
  readonly importModule?: ModuleImporter;
  readonly baseline?: string;
  readonly pruneBaseline?: boolean;
  /** Report only findings that are new since the merge base with this git ref. */
  readonly diffBase?: string;
  readonly requireReason?: boolean;
  readonly reportUnusedDisableDirectives?: RuleSetting;
  /** Keep results between runs in this directory (`--cache`); the version keeps tool versions apart. */
  readonly cache?: CacheOptions;
  /** False to parse every file with the `yaml` package (`--no-fast-compose`). */
  readonly fastCompose?: boolean;
}

export interface ProjectResult {
  readonly findings: readonly Finding[];
  readonly fileCount: number;
  /** The text of each linted file, for formats that quote source lines. */
  readonly sourceOf: (file: string) => string | undefined;
  /** Notes for the user (stale baseline entries, pruning); a note may span lines. */
  readonly notes: readonly string[];
}

export interface LoadedProject {
  readonly config: ResolvedConfig;
  readonly configPath: string | undefined;
}

export async function loadProjectConfig(options: Pick<ProjectOptions, 'cwd' | 'paths' | 'repository' | 'configFile' | 'allowJsConfig' | 'importModule'>): Promise<LoadedProject> {
  const { config, filepath } = await loadConfig({
    cwd: options.cwd,
    searchFrom: searchStart(options.repository !== undefined ? [options.repository] : options.paths, options.cwd),
    configFile: options.configFile,
    allowJs: options.allowJsConfig,
    importModule: options.importModule,
  });
  return { config, configPath: filepath };
}

interface ProjectFiles {
  readonly config: ResolvedConfig;
  /** The configuration file read, absolute; `undefined` for the defaults. */
  readonly configPath: string | undefined;
  readonly targets: readonly string[];
  /** With --repo, the paths given, named as discovery names the repository's files: what the run reports on. */
  readonly reported: readonly string[] | undefined;
  readonly root: string;
  readonly files: readonly InputFile[];
  /** The `.sourceignore` files under the targets, with their text. */
  readonly sourceIgnores: readonly SourceIgnoreFile[];
  readonly ignored: (path: string) => boolean;
  /** What is at a path the deployment model names, linted or not: on disk, and in the repository as git has it. */
  readonly pathState: (path: string) => PathState;
}

/** The configuration and the files it does not ignore, read from disk (through the cache when there is one). */
async function readProject(options: ProjectOptions, cache?: ProjectCache): Promise<ProjectFiles> {
  const { config, configPath } = await loadProjectConfig(options);
  const targets = options.repository !== undefined ? [options.repository] : options.paths;
  const discovery = discoverFiles(targets, options.cwd);
  const ignored = ignoreMatcher(config.ignores, configPath ? dirname(configPath) : options.cwd, options.cwd);
  const read = cache ? (path: string) => cache.readFile(options.cwd, path, discovery.stamps.get(path)) : (path: string) => readInputFile(options.cwd, path);
  const unlisted = discovery.unlisted.filter(({ path }) => !ignored(path)).map(({ path, error }): InputFile => ({ path, error, directory: true }));
  const reported = options.repository !== undefined && options.paths.length > 0 ? options.paths.map((path) => reportedName(options.cwd, options.repository!, path)) : undefined;
  // A file named with --repo is linted, as without it, even where the
  // repository's discovery passes it by (git ignores it, it is a link).
  const named = (reported ?? []).filter((path) => isNamedFile(options.cwd, path));
  const listed = [...new Set([...discovery.files, ...named])].sort(compareStrings);
  const files = [...listed.filter((path) => !ignored(path)).map(read), ...unlisted];
  const pathState = (path: string): PathState => (!existsSync(resolve(options.cwd, path)) ? 'missing' : discovery.inRepository(path) === false ? 'ignored' : 'exists');
  const sourceIgnores = sourceIgnoreFiles(discovery.sourceIgnores.map((path) => readInputFile(options.cwd, path)));
  return { config, configPath, targets, reported, root: discovery.root, files, sourceIgnores, ignored, pathState };
}

/**
 * The `.sourceignore` files read, each by its directory. One that cannot be
 * read is left out: its patterns are not known (source-controller fails
 * to make the artifact).
 */
function sourceIgnoreFiles(read: readonly InputFile[]): SourceIgnoreFile[] {
  return read.flatMap((file) => ('text' in file ? [{ dir: posix.dirname(file.path) === '.' ? '' : posix.dirname(file.path), text: file.text }] : []));
}

/** Whether a path named on the command line is a file (or a link), not a directory. */
function isNamedFile(cwd: string, path: string): boolean {
  const stats = statSync(resolve(cwd, path), { throwIfNoEntry: false });
  return stats === undefined || !stats.isDirectory();
}

/** The file system questions of the deployment model, answered by `state`. */
function pathQuestions(state: (path: string) => PathState) {
  return { pathExists: (path: string) => state(path) === 'exists', pathIgnored: (path: string) => state(path) === 'ignored' };
}

/** The deployment graph of a repository on disk, for `homeops-lint graph`. */
export async function loadProjectGraph(options: ProjectOptions): Promise<GraphView> {
  const { root, files, sourceIgnores, pathState, configPath } = await readProject(options);
  const { index, repositoryAbove } = loadRepository(files, root, { ...pathQuestions(pathState), sourceIgnores, workTreeTop: options.repository === undefined ? workTreeTop(options.cwd) : undefined });
  return repositoryAbove === undefined ? graphView(index, files.length) : loadProjectGraph(fromTop(options, repositoryAbove, configPath));
}

/**
 * The top of the git work tree `cwd` lies in (the nearest directory holding
 * `.git`, as git finds it), relative to `cwd`; `undefined` outside one, and
 * for a work tree at or above the home directory: a dotfiles repository,
 * whose whole tree a run from one of its directories must not read.
 */
function workTreeTop(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, '.git'))) return holdsHome(dir) ? undefined : toRelative(cwd, dir);
    if (dirname(dir) === dir) return undefined;
  }
}

function holdsHome(dir: string): boolean {
  const home = relative(dir, homedir());
  return home === '' || !(home === '..' || home.startsWith(`..${sep}`) || isAbsolute(home));
}

/**
 * A run from inside the repository, whose Flux paths start above the
 * working directory, made from its top instead: the whole repository read
 * for context, findings reported for what was asked (as `--repo`).
 */
function fromTop(options: ProjectOptions, repository: string, configPath: string | undefined): ProjectOptions {
  return {
    ...options,
    repository,
    paths: options.paths.length > 0 ? options.paths : ['.'],
    // The configuration found from here, not the one a search from the top would find.
    configFile: options.configFile ?? configPath,
  };
}

/** Lints a repository on disk: configuration, discovery, reading, and the baseline or diff filters. */
export async function lintProject(options: ProjectOptions): Promise<ProjectResult> {
  return lintProjectWith(options, options.cache && new ProjectCache(resolve(options.cwd, options.cache.location), options.cache.version, options.cache.now));
}

async function lintProjectWith(options: ProjectOptions, cache: ProjectCache | undefined): Promise<ProjectResult> {
  const { config, configPath, targets, reported, root, files, sourceIgnores, ignored, pathState } = await readProject(options, cache);
  const settings = {
    root,
    sourceIgnores,
    // A run told where the repository is (--repo) goes no higher.
    workTreeTop: options.repository === undefined ? workTreeTop(options.cwd) : undefined,
    rules: config.rules,
    reportUnusedDisableDirectives: options.reportUnusedDisableDirectives ?? config.reportUnusedDisableDirectives,
    requireReason: options.requireReason ?? config.requireReason,
    fastCompose: options.fastCompose ?? true,
  };
  const key = cache?.runKey(files, { version: options.cache!.version, ...settings, reported });
  // A run depends on paths it does not lint too (kustomization entries naming
  // a .json file, say): a stored run holds only while each still exists, or not, as it did.
  const stored = key === undefined ? undefined : cache?.run(key);
  const stillHolds = (run: StoredRun) => run.probes.every(([path, state]) => pathState(path) === state);
  const probes = new Map<string, PathState>();
  const probe = (path: string) => probes.get(path) ?? probes.set(path, pathState(path)).get(path)!;
  const result: StoredRun =
    stored && stillHolds(stored)
      ? stored
      : { ...lint({ ...settings, files, cache, ...pathQuestions(probe), reportOnly: reported && ((path) => isUnder(path, reported)) }), probes: [...probes] };
  if (result.repositoryAbove !== undefined && options.repository === undefined) {
    // Kept, so that the next run from here goes to the top at once; the rest
    // of what this run read is the run from the top's to keep, with the same
    // cache: kept from here, it would drop what lies outside the working directory.
    try {
      if (key !== undefined) cache?.saveRun(key, result);
    } catch {
      // Said by the run from the top, which writes in the same place.
    }
    return lintProjectWith(fromTop(options, result.repositoryAbove, configPath), cache);
  }
  const notes: string[] = [];
  if (cache && key !== undefined) {
    // The cache only saves time: one that cannot be written must not hide the findings.
    try {
      cache.save(key, result);
    } catch (error) {
      notes.push(`results not cached: cannot write in ${options.cache!.location}: ${osError(error)}`);
    }
  }
  let findings = result.findings;
  if (options.diffBase !== undefined) {
    // From the top this run took: the base, which may lack the Flux
    // Kustomizations that told it, must not go looking for another.
    const atBase = filesAtMergeBase(options.diffBase, targets, options.cwd);
    const baseFiles = atBase.files.filter((file) => !ignored(file.path));
    const base = lint({ ...settings, workTreeTop: undefined, files: baseFiles, sourceIgnores: sourceIgnoreFiles(atBase.sourceIgnores), cache, ...pathQuestions(pathState) });
    findings = matchBaseline(findings, createBaseline(base.findings), { byFile: false }).fresh;
  }
  if (options.baseline !== undefined) findings = applyBaseline(findings, options.baseline, options, notes);
  const byPath = new Map(files.map((file) => [file.path, file]));
  const sourceOf = (path: string) => {
    const file = byPath.get(path);
    return file && 'text' in file ? file.text : undefined;
  };
  return { findings, fileCount: result.fileCount, sourceOf, notes };
}

/** Records `findings` as the baseline file. */
export function writeBaseline(findings: readonly Finding[], file: string, cwd: string): void {
  writeOutput(resolve(cwd, file), file, `${JSON.stringify(createBaseline(findings), null, 2)}\n`);
}

function applyBaseline(findings: readonly Finding[], file: string, options: ProjectOptions, notes: string[]): Finding[] {
  const path = resolve(options.cwd, file);
  if (!existsSync(path)) throw new UsageError(`baseline file not found: ${file}; create it with --write-baseline`);
  const { fresh, stale, pruned } = matchBaseline(findings, parseBaseline(readFileSync(path, 'utf8'), file));
  const entries = (count: number) => (count === 1 ? 'entry' : 'entries');
  if (options.pruneBaseline) {
    writeOutput(path, file, `${JSON.stringify(pruned, null, 2)}\n`);
    if (stale.length > 0) notes.push(`removed ${stale.length} stale ${entries(stale.length)} from ${file}`);
  } else if (stale.length > 0) {
    const one = stale.length === 1;
    notes.push(
      [
        `${stale.length} baseline ${entries(stale.length)} no longer ${one ? 'matches' : 'match'} a finding; run with --prune-baseline to remove ${one ? 'it' : 'them'}:`,
        ...stale.map((entry) => `  ${entry.file}  ${entry.ruleId}  ${entry.resource ?? ''}  ${entry.message}`),
      ].join('\n'),
    );
  }
  return fresh;
}

/**
 * A path given with `--repo`, named as discovery names the files of the
 * repository: from inside `k`, `--repo .. a.yaml` names `../k/a.yaml`.
 */
function reportedName(cwd: string, repository: string, path: string): string {
  const absolute = resolve(cwd, path);
  // As without --repo: a path with nothing at it (a typo, or one written from elsewhere) is a usage error, not a clean run.
  if (lstatSync(absolute, { throwIfNoEntry: false }) === undefined) throw new UsageError(`no such file or directory: ${path}`);
  const repositoryRoot = resolve(cwd, repository);
  const inRepository = relative(repositoryRoot, absolute);
  if (inRepository.startsWith('..') || isAbsolute(inRepository)) return toRelative(cwd, absolute);
  return nameUnder(toRelative(cwd, repositoryRoot), inRepository === '' ? '.' : inRepository.split(sep).join('/'));
}

/** Whether `file` is one of `paths` or lies under one of them (all relative to the working directory). */
function isUnder(file: string, paths: readonly string[]): boolean {
  return paths.some((path) => path === '' || file === path || file.startsWith(`${path}/`));
}

export function writeOutput(path: string, shown: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new UsageError(`cannot write ${shown}: ${osError(error)}`);
  }
}

/** The configuration is searched from the first path given (its directory when it is a file). */
function searchStart(paths: readonly string[], cwd: string): string {
  const first = paths[0];
  if (first === undefined) return cwd;
  const absolute = resolve(cwd, first);
  try {
    return statSync(absolute).isDirectory() ? absolute : dirname(absolute);
  } catch {
    return cwd;
  }
}

/** `ignores` globs are relative to the configuration file's directory. */
function ignoreMatcher(globs: readonly string[], base: string, cwd: string): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const matches = picomatch([...globs], { dot: true });
  return (path) => {
    const fromBase = relative(base, resolve(cwd, path)).split(sep).join('/');
    return !fromBase.startsWith('../') && matches(fromBase);
  };
}
