import { relative, resolve, sep } from 'node:path';
import type { InputFile } from '../linter/linter.js';
import { isManifestPath, isSourceIgnorePath, nameUnder, toRelative, UsageError } from './discover.js';
import { git } from './git.js';
import { inputFromBytes } from './read.js';

/**
 * The YAML files under `targets`, and the `.sourceignore` files, as they
 * were at the merge base of `ref` and HEAD, read through git (no checkout),
 * with the same working-directory relative paths the working tree's files have.
 */
export function filesAtMergeBase(ref: string, targets: readonly string[], cwd: string): { readonly files: InputFile[]; readonly sourceIgnores: InputFile[] } {
  const top = gitText(cwd, ['rev-parse', '--show-toplevel'], 'the --diff-base comparison needs a git work tree').trim();
  const base = gitText(cwd, ['merge-base', ref, 'HEAD'], `cannot find the merge base of "${ref}" and HEAD`).trim();
  const scopes = (targets.length > 0 ? targets : ['.']).map((target) => ({
    inTop: relative(top, resolve(cwd, target)).split(sep).join('/'),
    prefix: toRelative(cwd, resolve(cwd, target)),
  }));
  const listed = gitText(top, ['ls-tree', '-r', '-z', base, '--', ...scopes.map(({ inTop }) => inTop || '.')], 'cannot list the base tree');
  const paths = [...new Set(listed.split('\0').flatMap(regularFile).filter((path) => isManifestPath(path) || isSourceIgnorePath(path)))].sort();
  const blobs = readBlobs(top, base, paths);
  // Named as discovery names the work tree's files: under the target they were found in (`../k/a.yaml` from inside `k`).
  const nameOf = (path: string) => {
    const scope = scopes.find(({ inTop }) => inTop === '' || path === inTop || path.startsWith(`${inTop}/`));
    return scope === undefined ? toRelative(cwd, resolve(top, path)) : nameUnder(scope.prefix, scope.inTop === '' ? path : path === scope.inTop ? '.' : path.slice(scope.inTop.length + 1));
  };
  const read = paths.map((path, index) => {
    const shown = nameOf(path);
    const bytes = blobs[index];
    return bytes === undefined ? { path: shown, error: 'not readable from git' } : inputFromBytes(shown, bytes);
  });
  return { files: read.filter((file) => !isSourceIgnorePath(file.path)), sourceIgnores: read.filter((file) => isSourceIgnorePath(file.path)) };
}

/**
 * The path of an `ls-tree` entry ("<mode> <type> <object>\t<path>") that is a
 * file, as in the work tree: not a symbolic link (120000, whose blob is the
 * link's target) and not a submodule.
 */
function regularFile(entry: string): string[] {
  const match = /^(\d+) blob \S+\t(.+)$/s.exec(entry);
  return match && match[1] !== '120000' ? [match[2]!] : [];
}

// One `git cat-file --batch` process reads every blob: "<sha> blob <size>\n<bytes>\n" each.
function readBlobs(top: string, revision: string, paths: readonly string[]): (Buffer | undefined)[] {
  if (paths.length === 0) return [];
  const input = paths.map((path) => `${revision}:${path}\n`).join('');
  const out = gitOutput(top, ['cat-file', '--batch'], 'cannot read the base tree', input);
  const blobs: (Buffer | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < paths.length; i++) {
    const newline = out.indexOf(0x0a, at);
    const header = out.subarray(at, newline).toString();
    const size = /^\S+ blob (\d+)$/.exec(header)?.[1];
    if (size === undefined) {
      blobs.push(undefined);
      at = newline + 1;
      continue;
    }
    const start = newline + 1;
    blobs.push(out.subarray(start, start + Number(size)));
    at = start + Number(size) + 1;
  }
  return blobs;
}

/** git's output; a usage error saying `failure` and why when it fails. */
function gitOutput(cwd: string, args: string[], failure: string, input?: string): Buffer {
  const result = git(cwd, args, input);
  if (!result.ok) throw new UsageError(`${failure}: ${result.error}`);
  return result.stdout;
}

function gitText(cwd: string, args: string[], failure: string): string {
  return gitOutput(cwd, args, failure).toString('utf8');
}
