// Bundles the GitHub Action (src/action/main.ts) into dist/index.js, the file
// action.yml runs. `npm run build:action` runs this file; test/action.test.ts
// imports `bundleAction` to check that the committed bundle matches the sources.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUTFILE = 'dist/index.js';

/**
 * The options, in one place. The output depends only on the sources and the
 * locked dependencies: no source map, no timestamps, and module comments name
 * paths relative to the repository, not to the machine.
 *
 * @returns {import('esbuild').BuildOptions & { write: false }}
 */
export function actionBuildOptions() {
  const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
  return {
    absWorkingDir: ROOT,
    entryPoints: ['src/action/main.ts'],
    outfile: OUTFILE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Bundled CommonJS packages (cosmiconfig, ajv, fast-glob) call require() for Node's own modules.
    banner: { js: "import { createRequire as __homeopsLintCreateRequire } from 'node:module';\nconst require = __homeopsLintCreateRequire(import.meta.url);" },
    // The action's checkout has no package.json where the SARIF formatter would look for the version.
    define: { __HOMEOPS_LINT_VERSION__: JSON.stringify(version) },
    // cosmiconfig loads TypeScript only for .ts configurations, which homeops-lint never searches for.
    external: ['typescript'],
    sourcemap: false,
    legalComments: 'eof',
    charset: 'ascii',
    logLevel: 'warning',
    write: false,
  };
}

/** The bundle's bytes. */
export async function bundleAction() {
  const result = await build(actionBuildOptions());
  const [output] = result.outputFiles;
  if (result.outputFiles.length !== 1 || output === undefined) throw new Error(`expected one output file, got ${result.outputFiles.length}`);
  return output.contents;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = resolve(ROOT, OUTFILE);
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, await bundleAction());
  console.log(`wrote ${OUTFILE}`);
}
