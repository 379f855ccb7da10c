import { discoverFiles } from '../../src/discovery/discover.js';
import { readInputFile } from '../../src/discovery/read.js';
import { lint, type InputFile, type LintResult } from '../../src/linter/linter.js';
import { lintProject } from '../../src/project/lint-project.js';

/** Lints a directory (or file) the way the CLI does, with paths relative to `cwd`. */
export function lintPath(target: string, cwd: string): LintResult & { files: InputFile[] } {
  const discovery = discoverFiles([target], cwd);
  const files = discovery.files.map((path) => readInputFile(cwd, path));
  return { ...lint({ root: discovery.root, files }), files };
}

/**
 * Lints a fixture case the way the CLI does, configuration included: a case
 * may carry a `.homeops-lintrc.yaml` (to turn on a rule that is off by default).
 */
export async function lintCase(target: string, cwd: string) {
  return lintProject({ cwd, paths: [target], allowJsConfig: false });
}
