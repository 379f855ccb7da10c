import { isAscii, isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readSync, type Stats } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import type { InputFile } from '../linter/linter.js';

// Invalid sequences become U+FFFD (valid text is checked with isUtf8 first).
const UTF8 = new TextDecoder('utf-8');

/**
 * Larger files are refused unread. Kubernetes stores at most 1.5 MiB per
 * object and the largest CRD bundles are a few MiB; a bigger "manifest" in a
 * pull request is a mistake or an attempt to exhaust the CI job's memory.
 */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

// O_NOFOLLOW: a symlink swapped in after the check below is not followed either.
// O_NONBLOCK: opening a FIFO must not wait for a writer (the check below refuses it).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a discovered file; a file that cannot be read is returned with the
 * reason, never dropped. Only regular files are read: discovery lists no
 * symbolic link (Flux leaves them out of the artifact it applies), so one
 * named on the command line is refused rather than followed, possibly out of
 * the repository; a FIFO or a device would block or never end.
 */
export function readInputFile(cwd: string, path: string): InputFile {
  return readStampedFile(resolveListed(cwd, path), path).file;
}

// A part that path.resolve would fold (`.`, `..`, an empty one) or an absolute path.
const NOT_NORMALIZED = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|^\/|\/$|^$/;

/**
 * `resolve(base, path)` for a path as discovery lists it: relative, with
 * `/`, nothing to fold but leading `../` (a linted directory outside the
 * working directory). Joined as strings then; path.resolve's work for each
 * of a thousand files was a tenth of a run that reads nothing.
 */
export function resolveListed(base: string, path: string): string {
  let ups = 0;
  while (path.startsWith('../', 3 * ups)) ups++;
  const rest = ups === 0 ? path : path.slice(3 * ups);
  // A relative base depends on the process's working directory, which may change: not remembered.
  if (sep !== '/' || NOT_NORMALIZED.test(rest) || !base.startsWith('/')) return resolve(base, path);
  if (base !== lastBase) {
    lastBase = base;
    ancestors = [resolve(base)];
  }
  // `/`-ended directories: the base, its parent, and so on up to the root.
  for (let at = ancestors.length; at <= ups; at++) ancestors.push(ancestors[at - 1] === '/' ? '/' : dirname(ancestors[at - 1]!));
  const directory = ancestors[ups]!;
  return directory.endsWith('/') ? `${directory}${rest}` : `${directory}/${rest}`;
}
// Calls come for one base after another: it is resolved once.
let lastBase: string | undefined;
let ancestors: string[] = [];

/**
 * What tells a file's content has not changed without reading it, as git's
 * index and ESLint's metadata cache strategy tell it: an edit, even one that
 * keeps the size and puts the modification time back (`touch -d`, tar),
 * changes the inode change time, which no program can set.
 */
export type FileStamp = readonly [size: number, mtimeMs: number, ctimeMs: number, ino: number, dev: number];

export function stampOf(stats: Stats): FileStamp {
  return [stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino, stats.dev];
}

/** The stamp of the regular file at `absolute` (not followed if a link); `undefined` for anything else. */
export function currentStamp(absolute: string): FileStamp | undefined {
  const stats = lstatSync(absolute, { throwIfNoEntry: false });
  return stats?.isFile() ? stampOf(stats) : undefined;
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3] && a[4] === b[4];
}

/** readInputFile, with the stamp of what was read (none when it could not be read). */
export function readStampedFile(absolute: string, path: string): { file: InputFile; stamp?: FileStamp } {
  let fd: number | undefined;
  try {
    fd = openSync(absolute, OPEN_FLAGS);
    const stats = fstatSync(fd);
    const refusal = refusalOf(stats);
    if (refusal) return { file: { path, error: refusal } };
    return { file: inputFromBytes(path, readAll(fd, stats.size)), stamp: stampOf(stats) };
  } catch (error) {
    // O_NOFOLLOW fails on a symbolic link (ELOOP); say what it is.
    return { file: { path, error: linkRefusal(absolute) ?? osError(error) } };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The file's bytes, read into one buffer of the size fstat gave (one read, where readFileSync makes two calls more). */
function readAll(fd: number, size: number): Uint8Array {
  const buffer = Buffer.allocUnsafe(size + 1);
  let length = 0;
  for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
  // Grown since fstat (a file being written): read the rest.
  return length < buffer.length ? buffer.subarray(0, length) : Buffer.concat([buffer, readFileSync(fd)]);
}

/** The refusal of a symbolic link at `path`; `undefined` for anything else, or nothing. */
function linkRefusal(path: string): string | undefined {
  try {
    const stats = lstatSync(path);
    return stats.isSymbolicLink() ? refusalOf(stats) : undefined;
  } catch {
    return undefined;
  }
}

/** A file's bytes as linter input: refused when too large, decoded as UTF-8 (noting where it is not). */
export function inputFromBytes(path: string, bytes: Uint8Array): InputFile {
  if (bytes.length > MAX_FILE_BYTES) return { path, error: tooLarge(bytes.length) };
  // Most manifests are ASCII, which latin1 decodes as it is, fastest.
  if (isAscii(bytes)) return { path, text: withLineFeeds(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')) };
  const text = withoutByteOrderMarks(withLineFeeds(UTF8.decode(bytes)));
  return isUtf8(bytes) ? { path, text } : { path, text, invalidEncodingAt: Math.max(0, text.indexOf('\uFFFD')) };
}

/**
 * A byte order mark may start every document of a YAML stream, before its
 * `---` or its comments too (YAML 1.2, l-document-prefix), and files joined
 * into one keep each its own; kustomize reads past them. The decoder drops
 * the file's first; those at the start of a later line go as well, so the
 * parser meets none: positions on their lines are counted without them, as
 * on the first.
 */
function withoutByteOrderMarks(text: string): string {
  return text.includes('\uFEFF') ? text.replace(/(?<=\n)\uFEFF/g, '') : text;
}

/**
 * A lone CR (old Mac line ends) breaks lines in YAML and for Flux's go-yaml,
 * but our parser and line counting know only LF and CRLF. Same length, so
 * every offset stays where it was.
 */
function withLineFeeds(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

function refusalOf(stats: Stats): string | undefined {
  if (stats.isSymbolicLink()) return 'it is a symbolic link, which Flux does not apply (source-controller leaves symbolic links out of its artifact); homeops-lint does not follow it';
  if (stats.isDirectory()) return 'EISDIR: it is a directory';
  if (!stats.isFile()) return 'it is not a regular file (a FIFO, socket or device); only regular files are read';
  if (stats.size > MAX_FILE_BYTES) return tooLarge(stats.size);
  return undefined;
}

function tooLarge(bytes: number): string {
  const mib = (value: number) => `${Math.round((value / 1024 / 1024) * 10) / 10} MiB`;
  return `EFBIG: it is ${mib(bytes)}, over the ${mib(MAX_FILE_BYTES)} homeops-lint reads (Kubernetes stores at most 1.5 MiB per object); split it, or list it under ignores in the configuration`;
}

/**
 * An error from the file system as users read it: without the absolute path
 * Node appends (", open '/home/…'"), since the message names the file
 * already, and a finding's fingerprint must not depend on the machine.
 */
export function osError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const reason = String(message ?? error).replace(/^\w+: /, '').replace(/, \w+ '.*'$/s, '');
  return code ? `${code}: ${reason}` : reason;
}
