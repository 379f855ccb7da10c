import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinPath, normalizeDir, relativePath } from '../src/resources/paths.js';

// Paths as the deployment model meets them, and every way one can be unusual.
const segment = fc.constantFrom('a', 'b', '.', '..', '', '...', '.a', 'a.', '..a', 'x..', ' ');
const path = fc.tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 7 })).map(([absolute, parts]) => `${absolute ? '/' : ''}${parts.join('/')}`);
const unusual = ['', '.', '..', '../..', '../a/..', 'a/../..', 'a//b', 'a/./b', 'a/b/', '/', '/..', '/a/../..', './a', './/a', 'a/b', 'a', 'a/b/c.yaml'];

describe('normalizeDir', () => {
  // What it must equal; it calls posix.normalize only for paths that are not normal already.
  const reference = (dir: string) => posix.normalize(dir).replace(/\/+$/, '') || '.';

  it('is posix.normalize without a trailing slash, "." for nothing', () => {
    fc.assert(
      fc.property(path, (dir) => normalizeDir(dir) === reference(dir)),
      { seed: 6, numRuns: 20_000 },
    );
    for (const dir of unusual) expect(normalizeDir(dir), dir).toBe(reference(dir));
  });
});

describe('joinPath', () => {
  it('is posix.join', () => {
    fc.assert(
      fc.property(path, path, (dir, entry) => joinPath(dir, entry) === posix.join(dir, entry)),
      { seed: 7, numRuns: 20_000 },
    );
    for (const dir of unusual) for (const entry of unusual) expect(joinPath(dir, entry), `${dir} + ${entry}`).toBe(posix.join(dir, entry));
  });
});

describe('relativePath', () => {
  it('is posix.relative, with "" for the working directory', () => {
    const relative = (from: string, to: string) => posix.relative(from || '.', to);
    fc.assert(
      fc.property(path, path, (from, to) => relativePath(from, to) === relative(from, to)),
      { seed: 8, numRuns: 20_000 },
    );
    // Mostly one under the other, as a file under the repository's root.
    fc.assert(
      fc.property(path, path, (from, under) => relativePath(from, `${from}/${under}`) === relative(from, `${from}/${under}`)),
      { seed: 9, numRuns: 20_000 },
    );
    for (const from of unusual) for (const to of unusual) expect(relativePath(from, to), `${from} -> ${to}`).toBe(relative(from, to));
  });
});
