#!/usr/bin/env node
// Runs the CLI's one bundled file (npm run build), which starts much faster
// than lib/'s module graph. V8's compiled code for it is kept beside it and
// reused, so a run does not compile it again: what Node 22's
// module.enableCompileCache() does, done here for Node 20. V8 checks the
// cache against the source and its own version and refuses a stale or
// damaged one, which is then written anew; an install directory that cannot
// be written only goes without. CommonJS (bin/package.json), as the bundle
// is: Node.js starts a CommonJS entry point without setting up its ES module
// loader (~7 ms).
'use strict';
const { fstatSync, readFileSync, renameSync, writeFileSync, writeSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const BUNDLE = join(__dirname, '..', 'lib', 'cli', 'bundle.cjs');
const CODE_CACHE = `${BUNDLE}.v8-cache`;

function load() {
  // The bundle is ASCII (scripts/bundle.mjs): latin1 reads it as it is, faster than UTF-8.
  const source = readFileSync(BUNDLE, 'latin1');
  // Its first line names its content. V8 would take a cache made from another
  // bundle of the same length (a rebuild that changed a digit) and run the
  // old code: the cache starts with the line of the bundle it was made from.
  const header = Buffer.from(source.slice(0, source.indexOf('\n') + 1), 'latin1');
  let cachedData;
  try {
    const stored = readFileSync(CODE_CACHE);
    if (stored.subarray(0, header.length).equals(header)) cachedData = stored.subarray(header.length);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return {
    cli: module.exports,
    buildId: /sha256:([0-9a-f]+)/.exec(header.toString('latin1'))?.[1],
    // After a lint run, so that the functions linting compiled are in the
    // cache too; one left by --help would hold few of them.
    saveCodeCache(command) {
      if (command !== 'lint' || (cachedData !== undefined && !script.cachedDataRejected)) return;
      const temporary = `${CODE_CACHE}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, Buffer.concat([header, script.createCachedData()]));
        renameSync(temporary, CODE_CACHE);
      } catch {
        // Read-only install: run without the cache.
      }
    },
  };
}

/**
 * Writes to a file descriptor. A pipe or a file is written at once with
 * fs.writeSync: process.stdout would first load the modules of streams and
 * sockets (~10 ms of a run answered from its cache, which a pre-commit hook
 * or CI reads through a pipe). A terminal goes through the stream, which
 * writes Unicode to a Windows console; so does a non-blocking pipe (EAGAIN)
 * from then on, in order.
 */
function output(fd, stream) {
  let direct;
  try {
    const stats = fstatSync(fd);
    direct = stats.isFIFO() || stats.isFile();
  } catch {
    direct = false;
  }
  const written = { direct, stream: false };
  const write = (text) => {
    let bytes = Buffer.from(text, 'utf8');
    while (written.direct && bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (error) {
        // A reader that went away (`| head`) takes no more output.
        if (error.code === 'EPIPE') return;
        if (error.code !== 'EAGAIN') throw error;
        written.direct = false;
      }
    }
    if (bytes.length === 0) return;
    written.stream = true;
    stream().write(bytes);
  };
  return { write, written };
}

const stdout = output(1, () => process.stdout);
const stderr = output(2, () => process.stderr);
const { cli, buildId, saveCodeCache } = load();
let command;
cli.run(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: stdout.write,
  stderr: stderr.write,
  // Not a pipe or a file: asked of the stream, which is made only then.
  color: !stdout.written.direct && process.stdout.isTTY === true && !('NO_COLOR' in process.env),
  commandStarted: (name) => {
    command = name;
  },
  // Code compiled from V8's cache cannot import(); a JavaScript configuration is imported here.
  importModule: (url) => import(url),
  buildId,
}).then(
  (code) => {
    process.exitCode = code;
    saveCodeCache(command);
    exitOnceWritten();
  },
  (error) => {
    process.stderr.write(`homeops-lint: internal error: ${error?.stack ?? error}\n`);
    process.exitCode = 2;
  },
);

// Left to end on its own, Node.js first waits for V8's background work to
// finish (compiling code that will not run again, ~10-15 ms of a pre-commit
// run). Everything is written by now, except where the output goes through
// an asynchronous pipe (macOS, Windows) and is still on its way: then the
// process ends on its own, once it is out.
function exitOnceWritten() {
  const pending = (written, stream) => written.stream && stream().writableLength > 0;
  if (!pending(stdout.written, () => process.stdout) && !pending(stderr.written, () => process.stderr)) process.exit();
}
