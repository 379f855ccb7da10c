import { describe, expect, it } from 'vitest';
import { artifactFilter, type SourceIgnoreFile } from '../src/resources/source-ignore.js';

/** For each path, what leaves it out (`pattern @ source`), or `in`. */
function judged(filter: ReturnType<typeof artifactFilter>, paths: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    paths.map((path) => {
      const isDirectory = path.endsWith('/');
      const excluded = filter(isDirectory ? path.slice(0, -1) : path, isDirectory);
      return [path, excluded === undefined ? 'in' : `${excluded.pattern} @ ${excluded.source}`];
    }),
  );
}

const DEFAULTS = "source-controller's default exclusions";

describe('artifactFilter', () => {
  it("applies all of source-controller's defaults when no pattern is given", () => {
    const filter = artifactFilter('', [{ dir: '', text: '# only a comment\n\n' }]);
    expect(judged(filter, ['.github/workflows/ci.yaml', 'kubernetes/.sops.yaml', '.git/config', 'docs/logo.png', 'kubernetes/apps/a.yaml'])).toEqual({
      '.github/workflows/ci.yaml': `.github/ @ ${DEFAULTS}`,
      'kubernetes/.sops.yaml': `**/.sops.yaml @ ${DEFAULTS}`,
      '.git/config': `.git/ @ ${DEFAULTS}`,
      'docs/logo.png': `*.png @ ${DEFAULTS}`,
      'kubernetes/apps/a.yaml': 'in',
    });
  });

  it('keeps only the VCS defaults once a .sourceignore file or spec.ignore gives a pattern', () => {
    const paths = ['.github/workflows/ci.yaml', '.gitignore', 'kubernetes/.sops.yaml', 'old/a.yaml'];
    const fromFile = artifactFilter('', [{ dir: '', text: 'old/\n' }]);
    const fromSpec = artifactFilter('', [], { text: 'old/\n', source: 'spec.ignore' });
    const expected = { '.github/workflows/ci.yaml': 'in', '.gitignore': `.gitignore @ ${DEFAULTS}`, 'kubernetes/.sops.yaml': 'in' };
    expect(judged(fromFile, paths)).toEqual({ ...expected, 'old/a.yaml': 'old/ @ .sourceignore' });
    expect(judged(fromSpec, paths)).toEqual({ ...expected, 'old/a.yaml': 'old/ @ spec.ignore' });
  });

  it('applies a .sourceignore file below its own directory only, its patterns anchored there', () => {
    const filter = artifactFilter('', [{ dir: 'kubernetes', text: '/apps/_old\n*.draft.yaml\n' }]);
    expect(judged(filter, ['kubernetes/apps/_old/a.yaml', 'kubernetes/other/apps/_old/a.yaml', 'kubernetes/x.draft.yaml', 'x.draft.yaml', 'kubernetes/apps/_old/'])).toEqual({
      'kubernetes/apps/_old/a.yaml': '/apps/_old @ kubernetes/.sourceignore',
      'kubernetes/other/apps/_old/a.yaml': 'in',
      'kubernetes/x.draft.yaml': '*.draft.yaml @ kubernetes/.sourceignore',
      'x.draft.yaml': 'in',
      'kubernetes/apps/_old/': '/apps/_old @ kubernetes/.sourceignore',
    });
  });

  it('lets the last pattern that matches decide: a deeper .sourceignore after the root one, whatever order they come in, and spec.ignore after both', () => {
    const files: SourceIgnoreFile[] = [
      { dir: 'apps/_old', text: '!keep.yaml\n' },
      { dir: '', text: '_old/\n' },
    ];
    const paths = ['apps/_old/keep.yaml', 'apps/_old/gone.yaml', 'apps/live.yaml', 'talos/talconfig.yaml'];
    expect(judged(artifactFilter('', files), paths)).toEqual({
      'apps/_old/keep.yaml': 'in',
      'apps/_old/gone.yaml': '_old/ @ .sourceignore',
      'apps/live.yaml': 'in',
      'talos/talconfig.yaml': 'in',
    });
    // `!/apps` matches every path below apps/, and comes last: the .sourceignore's `_old/` no longer counts there.
    expect(judged(artifactFilter('', files, { text: '/*\n!/apps\n', source: 'spec.ignore' }), paths)).toEqual({
      'apps/_old/keep.yaml': 'in',
      'apps/_old/gone.yaml': 'in',
      'apps/live.yaml': 'in',
      'talos/talconfig.yaml': '/* @ spec.ignore',
    });
  });

  it('judges each path on its own, as go-git does: a "!" pattern re-includes a file below an excluded directory, which git would not', () => {
    const filter = artifactFilter('', [{ dir: '', text: 'drafts/\n!drafts/policy.yaml\n' }]);
    expect(judged(filter, ['drafts/policy.yaml', 'drafts/other.yaml', 'drafts/'])).toEqual({
      'drafts/policy.yaml': 'in',
      'drafts/other.yaml': 'drafts/ @ .sourceignore',
      'drafts/': 'drafts/ @ .sourceignore',
    });
  });

  it('matches a directory pattern against directories only, and names as written', () => {
    const filter = artifactFilter('', [{ dir: '', text: 'old/\nREADME.yaml\n' }]);
    expect(judged(filter, ['old', 'old/', 'readme.yaml', 'README.yaml'])).toEqual({ old: 'in', 'old/': 'old/ @ .sourceignore', 'readme.yaml': 'in', 'README.yaml': 'README.yaml @ .sourceignore' });
  });

  it('reads paths from the repository root it is given, not the working directory, and no .sourceignore above it', () => {
    const filter = artifactFilter('repo', [
      { dir: '', text: 'repo/\n' },
      { dir: 'repo', text: '/old\n' },
    ]);
    expect(judged(filter, ['repo/old/a.yaml', 'repo/a.yaml', 'elsewhere/old/a.yaml'])).toEqual({
      'repo/old/a.yaml': '/old @ repo/.sourceignore',
      'repo/a.yaml': 'in',
      'elsewhere/old/a.yaml': 'in',
    });
  });
});
