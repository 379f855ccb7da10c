import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, posix, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import { git } from './git.js';
import { osError, resolveListed, stampOf, type FileStamp } from './read.js';

export interface Discovery {
  /** Files to lint, relative to the working directory with `/` separators, sorted. */
  readonly files: readonly string[];
  /** The `.sourceignore` files under the target directories, named as `files` are, sorted: what Flux's source-controller leaves out of the artifact. */
  readonly sourceIgnores: readonly string[];
  /** Directories that could not be listed, and why: their files could not be found, let alone linted. */
  readonly unlisted: readonly UnlistedDirectory[];
  /** The stamps of files discovery had to stat anyway (in a git work tree), by path: a cache need not stat them again. */
  readonly stamps: ReadonlyMap<string, FileStamp>;
  /** Directory that Flux paths are relative to, relative to the working directory (`''` for it). */
  readonly root: string;
  /**
   * Whether a path (a file or a directory, relative to the working
   * directory) in a directory discovery listed is in the repository as git
   * has it: git lists it or files below it (tracked, or untracked and not
   * ignored); outside git, no `.gitignore` ignores it. `undefined` for a
   * path outside those directories. Says nothing of whether it is on disk.
   */
  readonly inRepository: (path: string) => boolean | undefined;
}

export interface UnlistedDirectory {
  /** Relative to the working directory, with `/` separators. */
  readonly path: string;
  readonly error: string;
}

export class UsageError extends Error {}

const YAML_FILE = /\.ya?ml$/i;
// The extensionless name kustomize and Flux recognize besides
// kustomization.yaml and kustomization.yml (case matters to them).
const EXTENSIONLESS_KUSTOMIZATION = /(^|\/)Kustomization$/;

/** Whether discovery lints the file at this path (`/` separators): YAML files and kustomization files. */
export function isManifestPath(path: string): boolean {
  return YAML_FILE.test(path) || EXTENSIONLESS_KUSTOMIZATION.test(path);
}

const SOURCE_IGNORE_FILE = /(^|\/)\.sourceignore$/;

/** Whether the file at this path (`/` separators) is a `.sourceignore` file, whose patterns Flux's source-controller applies. */
export function isSourceIgnorePath(path: string): boolean {
  return SOURCE_IGNORE_FILE.test(path);
}

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/**
 * The YAML files under `targets` (directories or files), and the
 * `.sourceignore` files under the directories. Inside a git work
 * tree git decides: tracked files plus untracked files it does not ignore, so
 * a `.gitignore` pattern never hides a tracked manifest. Outside git the
 * `.gitignore` files of the tree apply.
 */
export function discoverFiles(targets: readonly string[], cwd: string): Discovery {
  const found = new Set<string>();
  const sourceIgnores = new Set<string>();
  const unlisted: UnlistedDirectory[] = [];
  const stamps = new Map<string, FileStamp>();
  const dirs: string[] = [];
  const listings: { readonly prefix: string; readonly has: (path: string) => boolean }[] = [];
  for (const target of targets.length > 0 ? targets : ['.']) {
    const absolute = resolve(cwd, target);
    const kind = kindOf(absolute);
    if (kind === 'missing') throw new UsageError(`no such file or directory: ${target}`);
    if (kind === 'file') {
      found.add(toRelative(cwd, absolute));
      continue;
    }
    dirs.push(absolute);
    // Both list normalized relative paths with `/`: joined to the directory's path as they are.
    const prefix = toRelative(cwd, absolute);
    const under = (path: string) => nameUnder(prefix, path);
    const unlistable = (path: string, error: string) => unlisted.push({ path: under(path), error });
    const listed = gitFiles(absolute, (path, stamp) => stamps.set(under(path), stamp), unlistable) ?? globFiles(absolute, unlistable);
    for (const file of listed.manifests) found.add(under(file));
    for (const file of listed.sourceIgnores) sourceIgnores.add(under(file));
    listings.push({ prefix, has: listed.has });
  }
  const inRepository = (path: string) => {
    for (const { prefix, has } of listings) {
      if (prefix === '') {
        if (path !== '..' && !path.startsWith('../')) return has(path);
      } else if (path === prefix || path.startsWith(`${prefix}/`)) {
        return has(path === prefix ? '.' : path.slice(prefix.length + 1));
      }
    }
    return undefined;
  };
  // The default order of strings is by UTF-16 code unit, the same on every machine (no locale).
  const outsideSkipped = (file: string) => !file.split('/').some((part) => SKIPPED_DIRS.has(part));
  const files = [...found].filter(outsideSkipped).sort();
  return { files, sourceIgnores: [...sourceIgnores].filter(outsideSkipped).sort(), unlisted, stamps, root: toRelative(cwd, commonDirectory(dirs.length > 0 ? dirs : [...found].map((file) => posix.dirname(resolve(cwd, file))), cwd)), inRepository };
}

function kindOf(path: string): 'file' | 'directory' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    // A link to nothing is there all the same: named, it is a file that cannot be read (a finding).
    return lstatSync(path, { throwIfNoEntry: false }) === undefined ? 'missing' : 'file';
  }
}

/**
 * YAML and `.sourceignore` files git shows under `dir`, relative to it; `undefined` outside a work
 * tree or without git; directories git could not open go to `unlisted`.
 * Git lists a symbolic link as a file; it is left out, as
 * the walk leaves it out outside git and as Flux's source-controller leaves
 * it out of the artifact it applies, so nothing is read through a link that
 * may point out of the repository.
 */
function gitFiles(dir: string, stamped: (file: string, stamp: FileStamp) => void, unlisted: (path: string, error: string) => void): Listing | undefined {
  if (!mayBeInGitWorkTree(dir)) return undefined;
  const result = git(dir, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.']);
  if (!result.ok) return undefined;
  // An untracked directory git cannot open is left out with a warning (in English: see git.ts).
  for (const [, path, error] of result.error.matchAll(GIT_UNLISTED)) unlisted(path!, error!);
  const inWorkTree = workTreeFiles(dir, stamped);
  const all = result.stdout.toString('utf8').split('\0').filter((file) => file !== '');
  // Sorted by code unit, for a binary search of what lies below a directory.
  const sorted = [...all].sort();
  // Git lists a submodule (`inner`) or an untracked repository (`inner/`) as
  // one entry: what lies in it is not known to be out of the repository.
  const inListedRepository = (path: string) => {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const above = path.slice(0, slash);
      if (isListed(sorted, above) || isListed(sorted, `${above}/`)) return true;
    }
    return false;
  };
  const has = (path: string) => path === '.' || binarySearchUnder(sorted, path) || inListedRepository(path);
  return { manifests: all.filter((file) => isManifestPath(file) && inWorkTree(file)), sourceIgnores: all.filter((file) => isSourceIgnorePath(file) && inWorkTree(file)), has };
}

/** What discovery found in one directory: the files to lint, the `.sourceignore` files, and whether a path in it is in the repository (Discovery.inRepository). */
interface Listing {
  readonly manifests: readonly string[];
  readonly sourceIgnores: readonly string[];
  readonly has: (path: string) => boolean;
}

/** The index of the first entry of `sorted` that does not come before `path`. */
function firstNotBefore(sorted: readonly string[], path: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < path) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Whether `sorted` holds `path` itself. */
function isListed(sorted: readonly string[], path: string): boolean {
  return sorted[firstNotBefore(sorted, path)] === path;
}

/** Whether `sorted` holds `path`, or a path below it. */
function binarySearchUnder(sorted: readonly string[], path: string): boolean {
  const low = firstNotBefore(sorted, path);
  // The first entry not before `path`: `path` itself, or else the first below it comes before any other below it
  // (`a/b` sorts before `a/b/c`, and `a/b-c` sorts between them: checked on).
  for (let at = low; at < sorted.length && sorted[at]!.startsWith(path); at++) {
    const entry = sorted[at]!;
    if (entry.length === path.length || entry[path.length] === '/') return true;
  }
  return false;
}

const GIT_UNLISTED = /^warning: could not open directory '(.*)\/': (.*)$/gm;

/**
 * False when git surely has no work tree at `dir`: no `.git` (directory, or
 * file of a linked work tree) in it or above it, and no GIT_DIR. Spawning
 * git only to hear that costs ~15 ms of every run outside a repository.
 */
function mayBeInGitWorkTree(dir: string): boolean {
  if (process.env.GIT_DIR !== undefined) return true;
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(resolve(at, '.git'))) return true;
    if (dirname(at) === at) return false;
  }
}

/**
 * Whether a path git lists under `dir` is a file in the work tree, as Flux
 * would see it: not deleted since git last recorded it (what `git ls-files
 * --deleted` lists, one process less), and neither a symbolic link nor below
 * one. Git keeps listing `apps/x.yaml` from its index after `apps` is
 * replaced by a link to another directory.
 */
function workTreeFiles(dir: string, stamped: (file: string, stamp: FileStamp) => void): (file: string) => boolean {
  // Per directory relative to `dir` (`.` for it): whether it is, or lies below, a link.
  const linkedDirs = new Map<string, boolean>([['.', false]]);
  const linkedDir = (relativeDir: string): boolean => {
    let linked = linkedDirs.get(relativeDir);
    if (linked === undefined) {
      linked = linkedDir(parentOf(relativeDir)) || lstatSync(resolveListed(dir, relativeDir), { throwIfNoEntry: false })?.isSymbolicLink() === true;
      linkedDirs.set(relativeDir, linked);
    }
    return linked;
  };
  return (file) => {
    let stats;
    try {
      stats = lstatSync(resolveListed(dir, file), { throwIfNoEntry: false });
    } catch (error) {
      // A parent replaced by a file deletes it too; otherwise (EACCES) reading it reports why.
      return (error as NodeJS.ErrnoException).code !== 'ENOTDIR';
    }
    if (stats === undefined || stats.isSymbolicLink() || linkedDir(parentOf(file))) return false;
    if (stats.isFile()) stamped(file, stampOf(stats));
    return true;
  };
}

/** posix.dirname of a path as git lists it (relative, normalized), without its checks, for every file. */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

/**
 * YAML and `.sourceignore` files under `dir` outside git, relative to it, less those its
 * `.gitignore` files ignore. One walk finds both; `.git` and `node_modules`
 * are not entered, and symbolic links are neither followed nor listed. A
 * directory that cannot be listed, and is not ignored, is passed to
 * `unlisted` (`.` for `dir`), so that the files it hides are not taken for none.
 */
function globFiles(dir: string, unlisted: (path: string, error: string) => void): Listing {
  const files: string[] = [];
  const sourceIgnores: string[] = [];
  const gitignores: string[] = [];
  const unreadable: { path: string; error: string }[] = [];
  const walk = (relativeDir: string) => {
    let entries;
    try {
      entries = readdirSync(relativeDir === '' ? dir : resolveListed(dir, relativeDir), { withFileTypes: true });
    } catch (error) {
      unreadable.push({ path: relativeDir === '' ? '.' : relativeDir, error: osError(error) });
      return;
    }
    for (const entry of entries) {
      const path = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path);
      } else if (entry.isFile()) {
        if (isManifestPath(entry.name)) files.push(path);
        else if (entry.name === '.gitignore') gitignores.push(path);
        else if (isSourceIgnorePath(entry.name)) sourceIgnores.push(path);
      }
    }
  };
  walk('');
  const ignores = gitignores.map((file) => ({ base: posix.dirname(file), matcher: ignore().add(readText(resolve(dir, file))) }));
  const ignored = (path: string) => ignores.some(({ base, matcher }) => isUnder(path, base) && matcher.ignores(base === '.' ? path : path.slice(base.length + 1)));
  // A directory is asked about as `dir/`, which patterns for directories match; git does not open an ignored one either.
  for (const { path, error } of unreadable) if (path === '.' || !ignored(`${path}/`)) unlisted(path, error);
  // A path asked about may be a file or a directory: neither form may be ignored.
  const has = (path: string) => path === '.' || !(ignored(path) || ignored(`${path}/`));
  return { manifests: files.filter((file) => !ignored(file)), sourceIgnores: sourceIgnores.filter((file) => !ignored(file)), has };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function isUnder(file: string, base: string): boolean {
  return base === '.' || file.startsWith(`${base}/`);
}

function commonDirectory(paths: readonly string[], cwd: string): string {
  if (paths.length === 0) return cwd;
  let common = paths[0]!.split(sep);
  for (const path of paths.slice(1)) {
    const parts = path.split(sep);
    let i = 0;
    while (i < common.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}

/**
 * How discovery names a file of a target directory: `prefix`, the target
 * relative to the working directory, joined with the file's path in it
 * (`/` separators, `.` for the target itself). A target above the working
 * directory keeps its `..`: `../k/a.yaml` from inside `k`.
 */
export function nameUnder(prefix: string, path: string): string {
  return prefix === '' ? path : path === '.' ? prefix : `${prefix}/${path}`;
}

export function toRelative(cwd: string, absolute: string): string {
  const path = isAbsolute(absolute) ? relative(cwd, absolute) : absolute;
  return path.split(sep).join('/');
}
