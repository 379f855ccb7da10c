import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles, UsageError } from '../src/discovery/discover.js';
import { currentStamp, inputFromBytes, resolveListed } from '../src/discovery/read.js';
import { git, tempTree, writeTree } from './helpers/temp-repo.js';

describe('discoverFiles in a git work tree', () => {
  it('takes tracked files even when .gitignore matches them, plus untracked files git does not ignore', () => {
    const dir = tempTree({
      '.gitignore': '*backup*.yaml\nscratch/\n',
      'db/scheduledbackup.yaml': 'a: 1\n',
      'db/cluster.yaml': 'a: 1\n',
    });
    git(dir, 'init', '-q');
    git(dir, 'add', '-f', '.gitignore', 'db/scheduledbackup.yaml', 'db/cluster.yaml');
    git(dir, 'commit', '-qm', 'init');
    writeTree(dir, { 'db/new.yml': 'a: 1\n', 'db/other-backup.yaml': 'a: 1\n', 'scratch/x.yaml': 'a: 1\n', 'README.md': '#\n' });
    rmSync(join(dir, 'db/cluster.yaml'));
    const { files, unlisted, root, stamps } = discoverFiles([], dir);
    expect({ files, unlisted, root }).toEqual({ files: ['db/new.yml', 'db/scheduledbackup.yaml'], unlisted: [], root: '' });
    // Stamps taken on the way, so that a cache need not stat the files again.
    expect(Object.fromEntries(stamps)).toEqual(Object.fromEntries(files.map((file) => [file, currentStamp(join(dir, file))])));
  });

  it('tells which paths are in the repository as git has it, files of any kind and directories alike', () => {
    const dir = tempTree({ '.gitignore': '*.local.yaml\nsecrets/\n', 'repo/a.yaml': 'a: 1\n', 'repo/crds.json': '{}\n', 'repo/x.local.yaml': 'a: 1\n', 'repo/secrets/s.yaml': 'a: 1\n', 'repo/sub-x/b.yaml': 'a: 1\n' });
    git(dir, 'init', '-q');
    const { inRepository } = discoverFiles(['repo'], dir);
    const asked = ['repo', 'repo/a.yaml', 'repo/crds.json', 'repo/x.local.yaml', 'repo/secrets', 'repo/secrets/s.yaml', 'repo/sub', 'repo/sub-x', 'repo/gone.yaml', 'other.yaml'];
    expect(Object.fromEntries(asked.map((path) => [path, inRepository(path)]))).toEqual({
      repo: true,
      'repo/a.yaml': true,
      'repo/crds.json': true,
      'repo/x.local.yaml': false,
      'repo/secrets': false,
      'repo/secrets/s.yaml': false,
      // A prefix of a listed directory's name is not a directory above it.
      'repo/sub': false,
      'repo/sub-x': true,
      'repo/gone.yaml': false,
      'other.yaml': undefined,
    });
  });

  it('takes what lies in a repository git lists as one entry (an untracked repository, a submodule) for in the repository', () => {
    const dir = tempTree({ 'a.yaml': 'a: 1\n', 'inner/x.yaml': 'a: 1\n', 'inner/deep/y.yaml': 'a: 1\n' });
    git(dir, 'init', '-q');
    git(join(dir, 'inner'), 'init', '-q');
    const { inRepository } = discoverFiles([], dir);
    expect(['inner', 'inner/x.yaml', 'inner/deep/y.yaml', 'innerx.yaml', 'gone.yaml'].map(inRepository)).toEqual([true, true, true, false, false]);
  });

  it('lists files of a subdirectory relative to the working directory, with that directory as the root', () => {
    const dir = tempTree({ 'repo/b.yaml': 'a: 1\n', 'repo/a/c.yaml': 'a: 1\n', 'other.yaml': 'a: 1\n' });
    git(dir, 'init', '-q');
    const { files, unlisted, root, stamps } = discoverFiles(['repo'], dir);
    expect({ files, unlisted, root }).toEqual({ files: ['repo/a/c.yaml', 'repo/b.yaml'], unlisted: [], root: 'repo' });
    expect([...stamps.keys()].sort()).toEqual(files);
  });
});

it.each([
  ['in a git work tree', true],
  ['outside git', false],
])('discoverFiles %s takes the extensionless Kustomization file that kustomize recognizes, and no other extensionless file', (_, inGit) => {
  const dir = tempTree({ 'app/Kustomization': 'resources: []\n', 'app/kustomization': 'a: 1\n', 'app/Kustomization.bak': 'a: 1\n', 'app/MyKustomization': 'a: 1\n' });
  if (inGit) git(dir, 'init', '-q');
  expect(discoverFiles([], dir).files).toEqual(['app/Kustomization']);
});

it.each([
  ['in a git work tree', true],
  ['outside git', false],
])('discoverFiles %s reports the .sourceignore files under the targets that git does not ignore, named as the files are', (_, inGit) => {
  const dir = tempTree({
    'repo/.gitignore': 'scratch/\n',
    'repo/.sourceignore': '_old/\n',
    'repo/kubernetes/.sourceignore': '*.draft.yaml\n',
    'repo/kubernetes/a.yaml': 'a: 1\n',
    'repo/scratch/.sourceignore': '*\n',
    'repo/node_modules/pkg/.sourceignore': '*\n',
    'other/.sourceignore': '*\n',
  });
  if (inGit) git(dir, 'init', '-q');
  const { files, sourceIgnores } = discoverFiles(['repo'], dir);
  expect({ files, sourceIgnores }).toEqual({ files: ['repo/kubernetes/a.yaml'], sourceIgnores: ['repo/.sourceignore', 'repo/kubernetes/.sourceignore'] });
});

describe('discoverFiles outside git', () => {
  it('applies .gitignore files of the tree and skips node_modules and .git', () => {
    const dir = tempTree({
      '.gitignore': 'ignored/\n',
      'sub/.gitignore': '*.tmp.yaml\n',
      'ignored/a.yaml': 'a: 1\n',
      'sub/keep.yaml': 'a: 1\n',
      'sub/drop.tmp.yaml': 'a: 1\n',
      'node_modules/pkg/x.yaml': 'a: 1\n',
      '.git/config.yaml': 'a: 1\n',
      '.github/workflows/ci.yml': 'on: push\n',
      'Upper.YAML': 'a: 1\n',
    });
    expect(discoverFiles([], dir).files).toEqual(['.github/workflows/ci.yml', 'Upper.YAML', 'sub/keep.yaml']);
  });

  it('tells which paths no .gitignore of the tree ignores', () => {
    const dir = tempTree({ 'sub/.gitignore': '*.local.yaml\nsecrets/\n', 'sub/a.yaml': 'a: 1\n', 'sub/x.local.yaml': 'a: 1\n', 'sub/secrets/s.yaml': 'a: 1\n' });
    const { inRepository } = discoverFiles([], dir);
    expect(['sub/a.yaml', 'sub/x.local.yaml', 'sub/secrets', 'sub/secrets/s.yaml', 'x.local.yaml'].map(inRepository)).toEqual([true, false, false, false, true]);
  });

  it('accepts explicit files of any name and sorts by code unit', () => {
    const dir = tempTree({ 'b.yaml': 'a: 1\n', 'B.txt': 'a: 1\n', 'a.yaml': 'a: 1\n' });
    expect(discoverFiles(['b.yaml', 'B.txt', 'a.yaml', 'b.yaml'], dir).files).toEqual(['B.txt', 'a.yaml', 'b.yaml']);
  });

  it('refuses a path that does not exist', () => {
    const dir = tempTree({});
    expect(() => discoverFiles(['missing'], dir)).toThrow(UsageError);
    expect(() => discoverFiles(['missing'], dir)).toThrow('no such file or directory: missing');
  });
});

describe('inputFromBytes', () => {
  it('decodes ASCII and UTF-8 (a byte order mark dropped), with CR line ends made LF', () => {
    expect(inputFromBytes('a.yaml', Buffer.from('a: 1\r\nb: 2\rc: 3\n'))).toEqual({ path: 'a.yaml', text: 'a: 1\r\nb: 2\nc: 3\n' });
    expect(inputFromBytes('u.yaml', Buffer.from('\ufeffname: café ☃\n'))).toEqual({ path: 'u.yaml', text: 'name: café ☃\n' });
  });

  it('marks where bytes are not UTF-8, and decodes the rest', () => {
    const bytes = Buffer.concat([Buffer.from('a: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(inputFromBytes('bad.yaml', bytes)).toEqual({ path: 'bad.yaml', text: 'a: caf\ufffd\n', invalidEncodingAt: 6 });
  });
});

describe('resolveListed', () => {
  it('is path.resolve for listed paths, and for anything else', () => {
    const bases = ['/', '/repo', '/repo/', '/a/b/c', '/repo/./sub/../x', 'relative/dir', ''];
    const paths = ['a.yaml', 'apps/b/c.yaml', '.hidden/x.yaml', '..x/y.yaml', 'a..b/c.yaml', './a.yaml', '../a.yaml', '../../a/b.yaml', '../../../../../a.yaml', '../..', '../../', '.././a', '../a/../b', 'a/./b.yaml', 'a/../b.yaml', 'a//b.yaml', 'a/', '/abs/a.yaml', '.', '..', '', 'a/..', 'a/.'];
    for (const base of bases) for (const path of paths) expect([base, path, resolveListed(base, path)]).toEqual([base, path, resolve(base, path)]);
  });
});
