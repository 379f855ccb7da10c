import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputFile } from '../../src/discovery/read.js';
import { cli } from '../helpers/cli.js';
import { git } from '../helpers/temp-repo.js';
import { BACKUP, hostileTree, lintJson, located, timed, type JsonFinding } from './hostile.js';

const POSIX = process.platform !== 'win32';
const OUTSIDE_SECRET = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: [OUTSIDE-SECRET-TEXT\n';

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `repo/` with one regular manifest, and `outside/` next to it holding what must never be read. */
function repoWithOutside(): { repo: string; outside: string } {
  const base = hostileTree({ 'repo/ok.yaml': BACKUP, 'outside/secret.yaml': OUTSIDE_SECRET, 'outside/dir/x.yaml': OUTSIDE_SECRET });
  return { repo: join(base, 'repo'), outside: join(base, 'outside') };
}

function commitAll(repo: string): void {
  git(repo, 'init', '-q');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
}

/**
 * Flux's source-controller leaves symbolic links out of the artifact it
 * applies, so homeops-lint lists none, in a git work tree (where git lists a
 * link as a file) as outside one, and reads nothing through them.
 */
describe.skipIf(!POSIX).each(['a git work tree', 'a plain directory'])('symbolic links in %s', (where) => {
  const inGit = where === 'a git work tree';

  it('are not followed: links out of the repository, into it, dangling, and loops of files and of directories', async () => {
    const { repo, outside } = repoWithOutside();
    symlinkSync(join(outside, 'secret.yaml'), join(repo, 'absolute.yaml'));
    symlinkSync('../outside/secret.yaml', join(repo, 'relative.yaml'));
    symlinkSync(join(outside, 'dir'), join(repo, 'linked-dir'));
    symlinkSync(join(outside, 'dir'), join(repo, 'linked-dir.yaml'));
    symlinkSync('ok.yaml', join(repo, 'inside.yaml'));
    symlinkSync('missing.yaml', join(repo, 'dangling.yaml'));
    symlinkSync('loop-b.yaml', join(repo, 'loop-a.yaml'));
    symlinkSync('loop-a.yaml', join(repo, 'loop-b.yaml'));
    mkdirSync(join(repo, 'sub'));
    symlinkSync('..', join(repo, 'sub', 'up'));
    if (inGit) commitAll(repo);
    const { result, ms } = await timed(() => lintJson(repo));
    expect(ms).toBeLessThan(10_000);
    expect({ files: result.files, findings: located(result.findings) }).toEqual({ files: 1, findings: ['ok.yaml:7:3 cnpg-backup-immediate/immediate'] });
    for (const format of ['stylish', 'sarif', 'junit', 'github']) {
      expect((await cli(['--format', format, '.'], repo)).stdout).not.toContain('OUTSIDE-SECRET-TEXT');
    }
  });

  it('named on the command line, one is refused with a finding, not followed, dangling or not', async () => {
    const { repo, outside } = repoWithOutside();
    symlinkSync(join(outside, 'secret.yaml'), join(repo, 'link.yaml'));
    symlinkSync('missing.yaml', join(repo, 'dangling.yaml'));
    if (inGit) commitAll(repo);
    const { findings } = await lintJson(repo, ['dangling.yaml', 'link.yaml', 'ok.yaml']);
    expect(located(findings)).toEqual(['dangling.yaml:1:1 yaml-syntax/unreadable', 'link.yaml:1:1 yaml-syntax/unreadable', 'ok.yaml:7:3 cnpg-backup-immediate/immediate']);
    expect(findings[0]!.message).toBe(
      'Cannot read file: it is a symbolic link, which Flux does not apply (source-controller leaves symbolic links out of its artifact); homeops-lint does not follow it.',
    );
  });
});

describe.skipIf(!POSIX)('a tracked directory replaced by a symbolic link', () => {
  it('is not read through, though git still lists the files it had', async () => {
    const { repo, outside } = repoWithOutside();
    mkdirSync(join(repo, 'apps'));
    writeFileSync(join(repo, 'apps', 'x.yaml'), 'a: 1\n');
    commitAll(repo);
    rmSync(join(repo, 'apps'), { recursive: true });
    symlinkSync(join(outside, 'dir'), join(repo, 'apps'));
    expect(git(repo, 'ls-files', 'apps')).toBe('apps/x.yaml\n');
    const { files, findings } = await lintJson(repo);
    expect({ files, findings: located(findings) }).toEqual({ files: 1, findings: ['ok.yaml:7:3 cnpg-backup-immediate/immediate'] });
  });
});

describe('tracked files gone from the work tree', () => {
  it('are not linted, deleted or below a directory replaced by a file, though git still lists them', async () => {
    const { repo } = repoWithOutside();
    mkdirSync(join(repo, 'apps'));
    writeFileSync(join(repo, 'apps', 'x.yaml'), 'a: 1\n');
    writeFileSync(join(repo, 'gone.yaml'), 'a: 1\n');
    commitAll(repo);
    rmSync(join(repo, 'gone.yaml'));
    rmSync(join(repo, 'apps'), { recursive: true });
    writeFileSync(join(repo, 'apps'), 'not a directory\n');
    expect(git(repo, 'ls-files')).toBe('apps/x.yaml\ngone.yaml\nok.yaml\n');
    const { files, findings } = await lintJson(repo);
    expect({ files, findings: located(findings) }).toEqual({ files: 1, findings: ['ok.yaml:7:3 cnpg-backup-immediate/immediate'] });
  });
});

describe('files that cannot be read', () => {
  // In a git work tree git cuts its warning about such a path short; the permission test below covers git.
  it.skipIf(process.platform !== 'linux')('a directory that cannot be listed is a finding with the OS error, and the others are linted', async () => {
    const dir = hostileTree({ 'sub/ok.yaml': BACKUP });
    // Linux refuses a path over 4,096 bytes (ENAMETOOLONG), even to root, whom
    // no permission stops. The shell reaches the depth through relative paths.
    const segment = 'd'.repeat(250);
    try {
      execFileSync('sh', ['-c', `cd sub && for i in $(seq 1 16); do mkdir ${segment} && cd ${segment} || exit 1; done; mkdir ${segment}`], { cwd: dir });
      const deepest = `sub/${Array.from({ length: 17 }, () => segment).join('/')}`;
      for (const target of ['.', 'sub']) {
        const { findings, files } = await lintJson(dir, [target]);
        expect(files).toBe(1);
        expect(located(findings)).toEqual([`${deepest}:1:1 yaml-syntax/unlistable`, 'sub/ok.yaml:7:3 cnpg-backup-immediate/immediate']);
        expect(findings[0]!.message).toBe('Cannot list directory: ENAMETOOLONG: name too long; the files in it are not linted.');
      }
    } finally {
      // rmSync walks absolute paths, which are too long here.
      execFileSync('rm', ['-rf', 'sub'], { cwd: dir });
    }
  });

  // Root reads anything: as root the CLI runs as nobody (runuser), on a tree
  // nobody owns, from the built bin (npm test builds it first).
  const asRoot = process.getuid?.() === 0;
  const lintLocked = async (dir: string, locked: string): Promise<JsonFinding[]> => {
    if (asRoot) execFileSync('chown', ['-R', 'nobody', dir]);
    chmodSync(join(dir, locked), 0o000);
    try {
      const args = ['--format', 'json', '.'];
      const bin = join(import.meta.dirname, '..', '..', 'bin', 'homeops-lint.js');
      const { stdout, status } = asRoot
        ? spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, bin, ...args], { cwd: dir, encoding: 'utf8' })
        : { ...(await cli(args, dir)), status: 1 };
      expect(status).toBe(1);
      return (JSON.parse(stdout) as { findings: JsonFinding[] }).findings;
    } finally {
      chmodSync(join(dir, locked), 0o755);
    }
  };

  it.skipIf(!POSIX || (asRoot && !hasCommand('runuser'))).each(['a plain directory', 'a git work tree'])(
    'an unreadable file is a finding with the OS error, and the others are linted, in %s',
    async (where) => {
      const dir = hostileTree({ 'locked.yaml': BACKUP, 'ok.yaml': BACKUP.replace('name: b', 'name: c') });
      if (where === 'a git work tree') git(dir, 'init', '-q');
      const findings = await lintLocked(dir, 'locked.yaml');
      expect(located(findings)).toEqual(['locked.yaml:1:1 yaml-syntax/unreadable', 'ok.yaml:7:3 cnpg-backup-immediate/immediate']);
      expect(findings[0]!.message).toBe('Cannot read file: EACCES: permission denied.');
    },
  );

  it.skipIf(!POSIX || (asRoot && !hasCommand('runuser'))).each([
    ['a plain directory', 'EACCES: permission denied'],
    ['a git work tree', 'Permission denied'],
  ])('an unreadable directory is a finding with the OS error, in %s', async (where, reason) => {
    const dir = hostileTree({ 'locked/x.yaml': BACKUP, 'ok.yaml': BACKUP.replace('name: b', 'name: c') });
    if (where === 'a git work tree') git(dir, 'init', '-q');
    const findings = await lintLocked(dir, 'locked');
    expect(located(findings)).toEqual(['locked:1:1 yaml-syntax/unlistable', 'ok.yaml:7:3 cnpg-backup-immediate/immediate']);
    expect(findings[0]!.message).toBe(`Cannot list directory: ${reason}; the files in it are not linted.`);
  });

  it.skipIf(!POSIX || (asRoot && !hasCommand('runuser'))).each([
    ['a plain directory', 'locked/'],
    ['a plain directory', 'lock*'],
    ['a git work tree', 'locked/'],
  ])('an unreadable directory that .gitignore ignores is no finding, in %s (%s)', async (where, pattern) => {
    const dir = hostileTree({ '.gitignore': `${pattern}\n`, 'locked/x.yaml': BACKUP, 'ok.yaml': BACKUP.replace('name: b', 'name: c') });
    if (where === 'a git work tree') git(dir, 'init', '-q');
    expect(located(await lintLocked(dir, 'locked'))).toEqual(['ok.yaml:7:3 cnpg-backup-immediate/immediate']);
  });

  it.skipIf(!POSIX || !hasCommand('mkfifo'))('a FIFO named .yaml is never opened for reading (which would wait forever): skipped in a tree, refused when named', async () => {
    const dir = hostileTree({ 'ok.yaml': BACKUP });
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const tree = await timed(() => lintJson(dir));
    expect(tree.ms).toBeLessThan(10_000);
    expect(tree.result.files).toBe(1);
    const named = await lintJson(dir, ['pipe.yaml', 'ok.yaml']);
    expect(located(named.findings)).toEqual(['ok.yaml:7:3 cnpg-backup-immediate/immediate', 'pipe.yaml:1:1 yaml-syntax/unreadable']);
    expect(named.findings[1]!.message).toBe('Cannot read file: it is not a regular file (a FIFO, socket or device); only regular files are read.');
  });

  it.skipIf(process.platform !== 'linux')('a device named on the command line is refused, not read to its end', async () => {
    const dir = hostileTree({});
    const { findings } = await lintJson(dir, ['/dev/zero']);
    expect(findings.map((f) => [f.ruleId, f.messageId, f.line, f.column])).toEqual([['yaml-syntax', 'unreadable', 1, 1]]);
  });

  it('reading a directory is an error, not a crash (a race with discovery)', () => {
    const dir = hostileTree({ 'x.yaml/inner.yaml': BACKUP });
    expect(readInputFile(dir, 'x.yaml')).toEqual({ path: 'x.yaml', error: 'EISDIR: it is a directory' });
    expect(readInputFile(dir, 'gone.yaml')).toEqual({ path: 'gone.yaml', error: 'ENOENT: no such file or directory' });
  });
});

describe('odd names', () => {
  it('a directory named x.yaml is a directory: its files are linted, it is not read', async () => {
    const dir = hostileTree({ 'x.yaml/inner.yaml': BACKUP, 'x.yaml/nested.yml/deep.yaml': BACKUP.replace('name: b', 'name: c') });
    const immediate = ['x.yaml/inner.yaml:7:3 cnpg-backup-immediate/immediate', 'x.yaml/nested.yml/deep.yaml:7:3 cnpg-backup-immediate/immediate'];
    expect(located((await lintJson(dir)).findings)).toEqual(immediate);
    expect(located((await lintJson(dir, ['x.yaml'])).findings)).toEqual(immediate);
    git(dir, 'init', '-q');
    expect(located((await lintJson(dir)).findings)).toEqual(immediate);
  });

  it.each(['a git work tree', 'a plain directory'])('paths with spaces and non-ASCII characters are reported exactly, in %s', async (where) => {
    const path = 'apps/my app/ünïcødé 名前 🚀.yaml';
    const dir = hostileTree({ [path]: BACKUP });
    if (where === 'a git work tree') commitAll(dir);
    expect(located((await lintJson(dir)).findings)).toEqual([`${path}:7:3 cnpg-backup-immediate/immediate`]);
    expect((await cli(['--no-color', '.'], dir)).stdout).toContain(`${path}:7:3  error`);
    expect((await cli(['--format', 'github', '.'], dir)).stdout).toContain(`::error file=${path},line=7,col=3,`);
    const sarif = JSON.parse((await cli(['--format', 'sarif', '.'], dir)).stdout) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(decodeURIComponent(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri)).toBe(path);
  });

  it.skipIf(process.platform !== 'linux')('a file name that is not UTF-8 is a finding, never a crash', async () => {
    const dir = hostileTree({});
    writeFileSync(Buffer.from(`${dir}/bad-\xff-name.yaml`, 'latin1'), BACKUP);
    const { findings } = await lintJson(dir);
    expect(findings.map((f) => [f.file, f.ruleId, f.messageId, f.line])).toEqual([['bad-\uFFFD-name.yaml', 'yaml-syntax', 'unreadable', 1]]);
  });
});
