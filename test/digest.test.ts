import { describe, expect, it } from 'vitest';
import { murmur128Hex, sha256Hex } from '../src/linter/digest.js';

describe('murmur128Hex', () => {
  // Reference values: murmurhash3js-revisited's x86.hash128 (seed 0) of the
  // texts' UTF-16LE bytes. Lengths cover every tail (0-7 code units past a
  // block of 8) and a character outside the BMP (two code units).
  it.each([
    ['', '00000000000000000000000000000000'],
    ['a', '033bb196ccef4fe1ccef4fe1ccef4fe1'],
    ['abcdefgh', '6c3576558df898a1a76d230d42147114'],
    ['abcdefghi', '17a3d73237eee48604d39ee1ee7f6ddc'],
    ['The quick brown fox jumps over the lazy dog', '15beb6860f94f6cafed4894d28be6d5b'],
    ['caf\u00e9 \u{1F600}', '437274a50101731593e99cac86f2a98c'],
  ])('hashes %j as MurmurHash3 x86_128 does', (text, expected) => {
    expect(murmur128Hex(text)).toBe(expected);
  });

  it('tells apart texts that differ in one code unit at any position', () => {
    const base = 'kubernetes/apps/default/echo/app/helmrelease.yaml\u0000';
    const seen = new Set([murmur128Hex(base)]);
    for (let at = 0; at < base.length; at++) {
      seen.add(murmur128Hex(`${base.slice(0, at)}\u0001${base.slice(at + 1)}`));
      seen.add(murmur128Hex(base.slice(0, at)));
    }
    expect(seen.size).toBe(2 * base.length + 1);
  });
});

describe('sha256Hex', () => {
  // As sha256sum computes them of the same bytes.
  it('hashes the UTF-8 bytes', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('\u00e9')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});
