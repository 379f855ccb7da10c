#!/usr/bin/env node
// Compares homeops-lint with the parse floor (../shared/bench/parse-baseline.mjs)
// on every corpus repository present, whole processes side by side in one
// run, alternating, several rounds; prints medians and ratios.
//
//   npm run bench                 # every repo in ../shared/corpus
//   ROUNDS=9 npm run bench        # more rounds
//   npm run bench -- toboshii     # only the repositories whose names contain one of these
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CORPUS = resolve(ROOT, '..', 'shared', 'corpus');
const FLOOR = resolve(ROOT, '..', 'shared', 'bench', 'parse-baseline.mjs');
const CLI = join(ROOT, 'bin', 'homeops-lint.js');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ONLY = process.argv.slice(2);

if (!existsSync(CORPUS) || !existsSync(FLOOR)) {
  console.log(`bench skipped: ${CORPUS} or ${FLOOR} is not present`);
  process.exit(0);
}
if (!existsSync(join(ROOT, 'lib', 'cli', 'main.js'))) {
  console.error('run npm run build first');
  process.exit(2);
}

/** Wall seconds and peak RSS (KiB) of one process, from GNU time. */
function measure(args, cwd, env = process.env) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const [seconds, kib] = result.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  if (result.status !== 0 && result.status !== 1) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return { seconds, kib, stdout: result.stdout };
}

/** The first YAML file, in path order, whose text holds `needle`. */
function firstFileHolding(dir, needle) {
  const paths = readdirSync(dir, { recursive: true }).filter((path) => /\.ya?ml$/.test(path)).sort();
  const found = paths.map((path) => join(dir, path)).find((path) => readFileSync(path, 'utf8').includes(needle));
  if (found === undefined) throw new Error(`no file in ${dir} holds ${needle}`);
  return found;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = [];
const repos = readdirSync(CORPUS)
  .sort()
  .filter((repo) => ONLY.length === 0 || ONLY.some((part) => repo.includes(part)));
if (repos.length === 0) {
  console.error(`no repository in ${CORPUS} matches ${ONLY.join(', ')}`);
  process.exit(2);
}
for (const repo of repos) {
  const work = mkdtempSync(join(tmpdir(), 'homeops-lint-bench-'));
  const tree = join(work, repo);
  cpSync(join(CORPUS, repo), tree, { recursive: true });
  spawnSync('chmod', ['-R', 'u+w', tree]);
  const lint = (extra) => [CLI, '--format', 'json', ...extra, tree];
  const cacheDir = join(work, 'cache');
  // The edit: a line added to the first HelmRelease's file, as a Renovate
  // bump or a hand edit changes one manifest; the file is read, composed and
  // checked again.
  const changedFile = firstFileHolding(tree, 'kind: HelmRelease');
  const floor = [], cold = [], warm = [], changed = [], hook = [], bare = [], memory = { floor: [], cold: [] };
  let info;
  for (let round = 0; round < ROUNDS; round++) {
    const f = measure([FLOOR, tree], ROOT);
    info = JSON.parse(f.stdout);
    floor.push(f.seconds);
    memory.floor.push(f.kib);
    // What Node.js itself takes to start and exit, the least any run can cost.
    bare.push(measure(['-e', ''], ROOT).seconds);
    const c = measure(lint([]), ROOT);
    cold.push(c.seconds);
    memory.cold.push(c.kib);
    rmSync(cacheDir, { recursive: true, force: true });
    measure(lint(['--cache-location', cacheDir]), ROOT);
    warm.push(measure(lint(['--cache-location', cacheDir]), ROOT).seconds);
    appendFileSync(changedFile, `# round ${round}\n`);
    changed.push(measure(lint(['--cache-location', cacheDir]), ROOT).seconds);
    // What the pre-commit hook runs (.pre-commit-hooks.yaml): from the repository, with the staged file.
    // Its cache has seen a commit before (the plan names paths from where the hook runs, not from here).
    const hookRun = [CLI, '--format', 'json', '--cache-location', cacheDir, '--repo', '.', relative(tree, changedFile)];
    measure(hookRun, tree);
    appendFileSync(changedFile, `# round ${round}, staged\n`);
    hook.push(measure(hookRun, tree).seconds);
  }
  rmSync(work, { recursive: true, force: true });
  const base = median(floor);
  rows.push({
    repo,
    files: info.files,
    docs: info.docs,
    floor: base,
    cold: median(cold),
    warm: median(warm),
    changed: median(changed),
    hook: median(hook),
    bare: median(bare),
    floorMiB: median(memory.floor) / 1024,
    coldMiB: median(memory.cold) / 1024,
  });
}

// Start-up: a run over an empty directory, beside an empty Node.js process.
const empty = mkdtempSync(join(tmpdir(), 'homeops-lint-bench-empty-'));
const startup = { lint: [], bare: [], withoutCaCerts: [] };
const { NODE_EXTRA_CA_CERTS, ...withoutCaCerts } = process.env;
for (let round = 0; round < ROUNDS; round++) {
  startup.bare.push(measure(['-e', ''], ROOT).seconds);
  if (NODE_EXTRA_CA_CERTS !== undefined) startup.withoutCaCerts.push(measure(['-e', ''], ROOT, withoutCaCerts).seconds);
  startup.lint.push(measure([CLI, '--format', 'json', empty], ROOT).seconds);
}
rmSync(empty, { recursive: true, force: true });

const fmt = (n, digits = 2) => n.toFixed(digits);
console.log(`| repo | files | docs | floor s | cold s (x) | warm s (x) | one file changed s (x) | pre-commit hook, one file s (x) | peak MiB floor / cold (x) | node -e '' s (x) |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const r of rows) {
  console.log(
    `| ${r.repo} | ${r.files} | ${r.docs} | ${fmt(r.floor)} | ${fmt(r.cold)} (${fmt(r.cold / r.floor)}) | ${fmt(r.warm)} (${fmt(r.warm / r.floor)}) | ${fmt(r.changed)} (${fmt(r.changed / r.floor)}) | ${fmt(r.hook)} (${fmt(r.hook / r.floor)}) | ${fmt(r.floorMiB, 0)} / ${fmt(r.coldMiB, 0)} (${fmt(r.coldMiB / r.floorMiB)}) | ${fmt(r.bare)} (${fmt(r.bare / r.floor)}) |`,
  );
}
console.log(`\nMedians of ${ROUNDS} rounds; (x) is the ratio to the parse floor measured in the same round.`);
console.log(`node -e '' is an empty Node.js process: no run can take less.`);
console.log(`Start-up, an empty directory: ${fmt(median(startup.lint))} s (node -e '': ${fmt(median(startup.bare))} s).`);
if (startup.withoutCaCerts.length > 0) {
  console.log(
    `NODE_EXTRA_CA_CERTS is set: Node.js reads those certificates as it starts, in every process, the floor's too; node -e '' without it: ${fmt(median(startup.withoutCaCerts))} s.`,
  );
}
