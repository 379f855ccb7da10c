#!/usr/bin/env node
// Runs the CLI's one bundled file (npm run build), which starts much faster
// than lib/'s module graph. V8's compiled code for it is kept beside it and
// reused, so a run does not compile it again: what Node 22's
// module.enableCompileCache() does, done here for Node 20. V8 checks the
// cache against the source and its own version and refuses a stale or
// damaged one, which is then written anew; an install directory that cannot
// be written only goes without.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const BUNDLE = fileURLToPath(new URL('../lib/cli/bundle.cjs', import.meta.url));
const CODE_CACHE = `${BUNDLE}.v8-cache`;

function load() {
  let cachedData;
  try {
    cachedData = readFileSync(CODE_CACHE);
  } catch {
    cachedData = undefined;
  }
  // The bundle is ASCII (scripts/bundle.mjs): latin1 reads it as it is, faster than UTF-8.
  const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, 'latin1')), { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return {
    cli: module.exports,
    // After a lint run, so that the functions linting compiled are in the
    // cache too; one left by --help would hold few of them.
    saveCodeCache(command) {
      if (command !== 'lint' || (cachedData !== undefined && !script.cachedDataRejected)) return;
      const temporary = `${CODE_CACHE}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, CODE_CACHE);
      } catch {
        // Read-only install: run without the cache.
      }
    },
  };
}

const { cli, saveCodeCache } = load();
let command;
const color = process.stdout.isTTY === true && !('NO_COLOR' in process.env);
process.exitCode = await cli.run(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color,
  commandStarted: (name) => {
    command = name;
  },
  // Code compiled from V8's cache cannot import(); a JavaScript configuration is imported here.
  importModule: (url) => import(url),
});
saveCodeCache(command);
