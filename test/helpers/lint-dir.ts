import { discoverFiles } from '../../src/discovery/discover.js';
import { readInputFile } from '../../src/discovery/read.js';
import { lint, type InputFile, type LintResult } from '../../src/linter/linter.js';

/** Lints a directory (or file) the way the CLI does, with paths relative to `cwd`. */
export function lintPath(target: string, cwd: string): LintResult & { files: InputFile[] } {
  const discovery = discoverFiles([target], cwd);
  const files = discovery.files.map((path) => readInputFile(cwd, path));
  return { ...lint({ root: discovery.root, files }), files };
}

/** Lints in-memory files; `root` is where Flux paths start. */
export function lintTexts(texts: Record<string, string>, root = ''): LintResult {
  const files = Object.entries(texts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, text]) => ({ path, text }));
  return lint({ root, files });
}
