import { posix } from 'node:path';

// Paths in the repository are relative, with `/`, and mostly normalized
// (discovery lists them so; normalizeDir keeps directories so). posix.join
// and posix.relative normalize, and relative resolves both paths against the
// working directory, every time: called for every kustomization entry and
// every object, they were a tenth of the deployment model's time. These do
// string work where the paths need nothing else, and call them otherwise.

// What posix.normalize would change: `//`, a trailing `/`, a `.` segment, a
// `..` after the root or after a segment that is not `..` itself.
const UNNORMALIZED = /\/\/|\/$|(^|\/)\.(\/|$)|^\/\.\.(\/|$)|(^|\/)(?!\.\.(\/|$))[^/]+\/\.\.(\/|$)/;

/** A directory as the deployment model keys it: normalized, without a trailing `/`, `.` for the top. */
export function normalizeDir(dir: string): string {
  if (dir !== '' && !UNNORMALIZED.test(dir)) return dir;
  const normalized = posix.normalize(dir).replace(/\/+$/, '');
  return normalized === '' ? '.' : normalized;
}

/** posix.join(dir, entry). */
export function joinPath(dir: string, entry: string): string {
  const rest = entry.startsWith('./') ? entry.slice(2) : entry;
  if (rest === '' || rest[0] === '/' || rest === '..' || rest.startsWith('../') || UNNORMALIZED.test(rest) || UNNORMALIZED.test(dir)) return posix.join(dir, entry);
  return dir === '' || dir === '.' ? rest : `${dir}/${rest}`;
}

/** posix.relative(from, to), for two relative paths (`''` is the working directory, as `.`). */
export function relativePath(from: string, to: string): string {
  if (!isPlainRelative(to) || !(from === '' || from === '.' || isPlainRelative(from))) return posix.relative(from || '.', to);
  if (from === '' || from === '.') return to === '.' ? '' : to;
  if (to === from) return '';
  return to.startsWith(`${from}/`) ? to.slice(from.length + 1) : posix.relative(from, to);
}

// Normalized, relative and not `.`: two such paths resolve against the
// same directory, and one under the other is its own relative path. (A
// linted directory outside the working directory starts with `../`.)
function isPlainRelative(path: string): boolean {
  return path !== '' && path !== '.' && path[0] !== '/' && !UNNORMALIZED.test(path);
}
