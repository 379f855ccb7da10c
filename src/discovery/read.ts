import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InputFile } from '../linter/linter.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LENIENT_UTF8 = new TextDecoder('utf-8');

/** Reads a discovered file; a file that cannot be read is returned with the OS error, never dropped. */
export function readInputFile(cwd: string, path: string): InputFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(cwd, path));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { path, error: code ? `${code}: ${message.replace(/^\w+: /, '')}` : message };
  }
  try {
    return { path, text: STRICT_UTF8.decode(bytes) };
  } catch {
    const text = LENIENT_UTF8.decode(bytes);
    return { path, text, invalidEncodingAt: Math.max(0, text.indexOf('\uFFFD')) };
  }
}
