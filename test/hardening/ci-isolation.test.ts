import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { git, writeTree } from '../helpers/temp-repo.js';
import { BACKUP, hostileTree } from './hostile.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = 'examples/home-ops';

/**
 * Loaded with --require before the CLI: every way Node opens a network
 * connection or resolves a name is recorded and refused, and every child
 * process is recorded, so the test sees an attempt even if the caller
 * swallows the error.
 */
const NO_NETWORK = `
const fs = require('node:fs');
const record = (file, line) => fs.appendFileSync(process.env[file], line + '\\n');
const refuse = (what) => function () {
  record('NETWORK_LOG', what);
  throw new Error('network access refused by the test: ' + what);
};
const net = require('node:net');
net.connect = net.createConnection = refuse('net.connect');
net.Socket.prototype.connect = refuse('net.Socket.prototype.connect');
require('node:tls').connect = refuse('tls.connect');
const dns = require('node:dns');
for (const name of Object.keys(dns)) if (typeof dns[name] === 'function' && /^(lookup|resolve|reverse)/.test(name)) dns[name] = refuse('dns.' + name);
for (const name of Object.keys(dns.promises)) if (typeof dns.promises[name] === 'function' && /^(lookup|resolve|reverse)/.test(name)) dns.promises[name] = refuse('dns.promises.' + name);
for (const name of ['http', 'https']) {
  const module = require('node:' + name);
  module.request = refuse(name + '.request');
  module.get = refuse(name + '.get');
}
require('node:http2').connect = refuse('http2.connect');
require('node:dgram').createSocket = refuse('dgram.createSocket');
globalThis.fetch = refuse('fetch');
globalThis.WebSocket = refuse('WebSocket');
const childProcess = require('node:child_process');
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  const original = childProcess[name];
  childProcess[name] = function (command, args, ...rest) {
    record('SPAWN_LOG', JSON.stringify([command, Array.isArray(args) ? args : []]));
    return original.call(this, command, args, ...rest);
  };
}
require('node:module').syncBuiltinESMExports();
`;

const RUNNER = `import { createRequire } from 'node:module';
const { run } = createRequire(import.meta.url)('./lib/cli/bundle.cjs');
process.exitCode = await run(process.argv.slice(2), { cwd: process.cwd(), stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
`;

describe('no network access', () => {
  let home: string;

  // The CLI of the current sources, bundled as `npm run build` bundles it.
  beforeAll(async () => {
    // Not tempTree: that one is removed after each test.
    home = mkdtempSync(join(tmpdir(), 'homeops-lint-no-network-'));
    writeTree(home, { 'run.mjs': RUNNER, 'no-network.cjs': NO_NETWORK, 'package.json': readFileSync(join(ROOT, 'package.json'), 'utf8') });
    const script = (await import(pathToFileURL(join(ROOT, 'scripts', 'bundle.mjs')).href)) as { bundle(name: string): Promise<Uint8Array> };
    mkdirSync(join(home, 'lib', 'cli'), { recursive: true });
    writeFileSync(join(home, 'lib', 'cli', 'bundle.cjs'), await script.bundle('cli'));
  }, 60_000);

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** Runs `node <script> ...args` in `cwd` with the preload; returns what it tried. */
  function guarded(args: readonly string[], cwd = ROOT, script = join(home, 'run.mjs')) {
    const network = join(home, `network-${Math.random().toString(36).slice(2)}.log`);
    const spawns = join(home, `spawn-${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(network, '');
    writeFileSync(spawns, '');
    const env = { ...process.env, NODE_OPTIONS: `--require ${join(home, 'no-network.cjs')}`, NETWORK_LOG: network, SPAWN_LOG: spawns, NO_COLOR: '1' };
    const result = spawnSync(process.execPath, [script, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
    const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, network: lines(network), spawns: lines(spawns).map((line) => JSON.parse(line) as [string, string[]]) };
  }

  it('the guard sees an attempt (the control for the tests below)', () => {
    const probe = join(home, 'probe.mjs');
    writeFileSync(probe, "import net from 'node:net';\ntry { net.connect(9, '127.0.0.1'); } catch {}\ntry { await fetch('http://127.0.0.1:9/'); } catch {}\n");
    expect(guarded([], ROOT, probe).network).toEqual(['net.connect', 'fetch']);
  });

  it.each(['stylish', 'json', 'sarif', 'junit', 'github'])('linting the example repository (--format %s) opens no socket and runs nothing but git', (format) => {
    const { status, stdout, stderr, network, spawns } = guarded(['--format', format, EXAMPLE]);
    expect({ status, stderr, network }).toEqual({ status: 1, stderr: '', network: [] });
    expect(stdout.length).toBeGreaterThan(0);
    expect(spawns.length).toBeGreaterThan(0); // git ls-files: the recording works
    for (const [command, args] of spawns) {
      expect(command).toBe('git');
      expect(args.slice(0, 2)).toEqual(['-c', 'core.fsmonitor=false']);
    }
  });

  it('neither do graph, --print-config and --diff-base', () => {
    for (const args of [['graph', EXAMPLE], ['--print-config', EXAMPLE], ...(existsSync(join(ROOT, '.git')) ? [['--diff-base', 'HEAD', '--format', 'json', EXAMPLE]] : [])]) {
      const { status, stderr, network } = guarded(args);
      expect({ args, status: status === 0 || status === 1, stderr, network }).toEqual({ args, status: true, stderr: '', network: [] });
    }
  });
});

describe('no code from the linted repository runs', () => {
  const MARKER = 'code-ran.txt';
  const writesMarker = (dir: string) => `require('node:fs').writeFileSync(${JSON.stringify(join(dir, MARKER))}, 'ran');`;

  it.each(['homeops-lint.config.mjs', 'homeops-lint.config.js', 'homeops-lint.config.cjs'])('%s runs only when JavaScript configuration is allowed', async (name) => {
    const dir = hostileTree({ 'db/backup.yaml': BACKUP });
    const body = name.endsWith('.cjs') ? `${writesMarker(dir)}\nmodule.exports = {};\n` : `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${writesMarker(dir)}\nexport default {};\n`;
    writeFileSync(join(dir, name), body);
    if (name.endsWith('.js')) writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const refused = await cli(['--no-js-config', '--format', 'json', '.'], dir);
    expect(refused.code).toBe(1);
    expect(existsSync(join(dir, MARKER))).toBe(false);
    // The control: without --no-js-config the same file runs, so the check above can fail.
    await cli(['--format', 'json', '.'], dir);
    expect(existsSync(join(dir, MARKER))).toBe(true);
  });

  it.skipIf(process.platform === 'win32')("the repository's own git configuration runs no command (core.fsmonitor)", async () => {
    const dir = hostileTree({ 'db/backup.yaml': BACKUP });
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'init');
    git(dir, 'config', 'core.fsmonitor', `touch ${JSON.stringify(join(dir, MARKER))}; false #`);
    // The control: git itself runs the hook.
    execFileSync('git', ['status', '--short'], { cwd: dir, stdio: 'ignore' });
    expect(existsSync(join(dir, MARKER))).toBe(true);
    rmSync(join(dir, MARKER));
    for (const args of [['.'], ['graph', '.'], ['--diff-base', 'HEAD', '.']]) {
      const { code } = await cli(['--format', 'json', ...args], dir);
      expect([0, 1]).toContain(code);
      expect(existsSync(join(dir, MARKER)), args.join(' ')).toBe(false);
    }
  });
});
