// Bundles an entry point and its dependencies into one file with esbuild:
//   node scripts/bundle.mjs action   src/action/main.ts -> dist/index.js (committed; action.yml runs it)
//   node scripts/bundle.mjs cli      src/cli/main.ts    -> lib/cli/bundle.cjs (what bin/homeops-lint.js runs)
// One file loads far faster than a graph of modules and packages, which is
// most of a pre-commit run's time. The CLI's is CommonJS so that the bin can
// compile it with a V8 code cache (see bin/homeops-lint.js); the Action's is
// an ES module, as @actions/core is. test/action.test.ts imports `bundle` to
// check that the committed dist/index.js matches the sources.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const TARGETS = {
  action: { entry: 'src/action/main.ts', outfile: 'dist/index.js' },
  cli: { entry: 'src/cli/main.ts', outfile: 'lib/cli/bundle.cjs' },
};

/**
 * The options, in one place. The output depends only on the sources and the
 * locked dependencies: no source map, no timestamps, and module comments name
 * paths relative to the repository, not to the machine.
 *
 * @param {keyof typeof TARGETS} name
 * @returns {import('esbuild').BuildOptions & { write: false }}
 */
export function bundleOptions(name) {
  const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
  const { entry, outfile } = TARGETS[name];
  return {
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    ...(name === 'cli'
      ? {
          format: 'cjs',
          // CommonJS has no import.meta; the sources use import.meta.url to find files of the package.
          inject: [resolve(ROOT, 'scripts', 'import-meta-url.js')],
          define: { __HOMEOPS_LINT_VERSION__: JSON.stringify(version), 'import.meta.url': 'import_meta_url' },
        }
      : {
          format: 'esm',
          // Bundled CommonJS packages (cosmiconfig, ajv) call require() for Node's own modules.
          banner: { js: "import { createRequire as __homeopsLintCreateRequire } from 'node:module';\nconst require = __homeopsLintCreateRequire(import.meta.url);" },
          // The action's checkout has no package.json where the SARIF formatter would look for the version.
          define: { __HOMEOPS_LINT_VERSION__: JSON.stringify(version) },
        }),
    // cosmiconfig loads TypeScript only for .ts configurations, which homeops-lint never searches for.
    external: ['typescript'],
    sourcemap: false,
    // The CLI's: less source to read and hash as every run starts (~5 ms of
    // a run answered from its cache). Names are kept, for --debug's stacks.
    minifyWhitespace: name === 'cli',
    minifySyntax: name === 'cli',
    legalComments: 'eof',
    charset: 'ascii',
    logLevel: 'warning',
    write: false,
  };
}

/** The bundle's bytes. @param {keyof typeof TARGETS} name */
export async function bundle(name) {
  const result = await build(bundleOptions(name));
  const [output] = result.outputFiles;
  if (result.outputFiles.length !== 1 || output === undefined) throw new Error(`expected one output file, got ${result.outputFiles.length}`);
  // charset 'ascii' escapes code but not comments (a dependency's “quotes”);
  // escaped there too, the CLI's bundle is all ASCII, which the bin reads as
  // latin1, faster than decoding UTF-8 on every start.
  return name === 'cli' ? Buffer.from(withContentId(output.text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)), 'latin1') : output.contents;
}

/**
 * The CLI's bundle, first line naming its content. V8 checks a code cache
 * against the length of the source, not its content: the bin keeps this line
 * with the cache it writes, and uses a cache only for the bundle it was made
 * from (see bin/homeops-lint.js).
 *
 * @param {string} code
 */
export function withContentId(code) {
  return `// homeops-lint bundle sha256:${createHash('sha256').update(code).digest('hex')}\n${code}`;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  if (!(name in TARGETS)) {
    console.error(`usage: node scripts/bundle.mjs ${Object.keys(TARGETS).join('|')}`);
    process.exit(2);
  }
  const outfile = resolve(ROOT, TARGETS[name].outfile);
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, await bundle(name));
  console.log(`wrote ${TARGETS[name].outfile}`);
}
