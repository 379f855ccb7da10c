#!/usr/bin/env node
// One bundled file (npm run build) starts much faster than lib/'s module graph.
import { run } from '../lib/cli/bundle.js';

const color = process.stdout.isTTY === true && !('NO_COLOR' in process.env);
process.exitCode = await run(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color,
});
