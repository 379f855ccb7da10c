import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

// Loaded on first use: a run answered from its cache hashes no file's
// content, and loading the module (with `stream` and the ciphers) costs
// ~6 ms of every run's start, a tenth of such a run.
let crypto: typeof Crypto | undefined;
const loadCrypto = () => (crypto ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto);

/** SHA-256 of a text's UTF-8 bytes, in hex. */
export function sha256Hex(text: string): string {
  return loadCrypto().createHash('sha256').update(text).digest('hex');
}

/**
 * MurmurHash3 (x86, 128 bits, seed 0) of a text's UTF-16LE bytes, in hex
 * (h1 to h4, each big-endian). For a short name made of names (the cache's
 * format and tool version), where loading `node:crypto` would cost a run
 * answered from its cache more than everything it hashes. Not a defence
 * against a text made to collide, and slow on long texts, which V8 runs
 * unoptimized in a process's one call (50 KB: ~5 ms, SHA-256 ~0.2 ms).
 */
export function murmur128Hex(text: string): string {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  // Each 32-bit word is two UTF-16 code units, low one first (little-endian bytes).
  const word = (at: number) => (at < text.length ? text.charCodeAt(at) : 0) | ((at + 1 < text.length ? text.charCodeAt(at + 1) : 0) << 16);
  const blockEnd = text.length - (text.length % 8);
  for (let at = 0; at < blockEnd; at += 8) {
    h1 ^= mixK(word(at), C1, 15, C2);
    h1 = (Math.imul((rotl(h1, 19) + h2) | 0, 5) + 0x561ccd1b) | 0;
    h2 ^= mixK(word(at + 2), C2, 16, C3);
    h2 = (Math.imul((rotl(h2, 17) + h3) | 0, 5) + 0x0bcaa747) | 0;
    h3 ^= mixK(word(at + 4), C3, 17, C4);
    h3 = (Math.imul((rotl(h3, 15) + h4) | 0, 5) + 0x96cd1c35) | 0;
    h4 ^= mixK(word(at + 6), C4, 18, C1);
    h4 = (Math.imul((rotl(h4, 13) + h1) | 0, 5) + 0x32ac3b17) | 0;
  }
  // The tail: a word is mixed in when it holds at least one code unit.
  const rest = text.length - blockEnd;
  if (rest > 6) h4 ^= mixK(word(blockEnd + 6), C4, 18, C1);
  if (rest > 4) h3 ^= mixK(word(blockEnd + 4), C3, 17, C4);
  if (rest > 2) h2 ^= mixK(word(blockEnd + 2), C2, 16, C3);
  if (rest > 0) h1 ^= mixK(word(blockEnd), C1, 15, C2);
  const bytes = text.length * 2;
  h1 ^= bytes;
  h2 ^= bytes;
  h3 ^= bytes;
  h4 ^= bytes;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return [h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function mixK(k: number, first: number, r: number, second: number): number {
  return Math.imul(rotl(Math.imul(k, first), r), second);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
