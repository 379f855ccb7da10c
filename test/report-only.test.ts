import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../src/discovery/discover.js';
import { readInputFile } from '../src/discovery/read.js';
import { lint, type LintInput } from '../src/linter/linter.js';

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
const repos = existsSync(CORPUS) ? readdirSync(CORPUS).sort() : [];

// Every rule on, orphan-manifest too, and unused directives reported: the most findings to compare.
const RULES = { 'orphan-manifest': { severity: 'warning' } } as const;

function inputOf(target: string): LintInput {
  const discovery = discoverFiles([target], ROOT);
  return { root: discovery.root, files: discovery.files.map((path) => readInputFile(ROOT, path)), rules: RULES, reportUnusedDisableDirectives: 'error' };
}

/**
 * `reportOnly` lets rules check only the resources of the files reported, which
 * holds only because a rule reports about the resource it checks: the findings
 * must be those of a whole run in those files, no more and no fewer.
 */
describe('reportOnly', () => {
  it('reports, file by file, what a whole run finds in that file (examples/home-ops)', () => {
    const input = inputOf('examples/home-ops');
    const whole = lint(input).findings;
    expect(new Set(whole.map((finding) => finding.file)).size).toBeGreaterThan(10);
    for (const file of input.files) {
      const only = lint({ ...input, reportOnly: (path) => path === file.path }).findings;
      expect(only, file.path).toStrictEqual(whole.filter((finding) => finding.file === file.path));
    }
  });

  it('does not report a directive unused because the rule it names did not run in its file', () => {
    const text = (name: string) =>
      `apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: ${name}\nspec:\n  cluster:\n    name: db\n  immediate: true # homeops-lint-disable-line cnpg-backup-immediate\n`;
    const files = [
      { path: 'a.yaml', text: text('a') },
      { path: 'b.yaml', text: text('b') },
    ];
    expect(lint({ root: '', files, reportUnusedDisableDirectives: 'error' }).findings).toEqual([]);
    expect(lint({ root: '', files, reportUnusedDisableDirectives: 'error', reportOnly: (path) => path === 'b.yaml' }).findings).toEqual([]);
  });

  if (repos.length === 0) it.skip(`corpus comparisons need ${CORPUS}, which is not present`, () => {});
  it.each(repos)('reports in a third of the files what a whole run finds there (corpus %s)', (repo) => {
    const input = inputOf(`../shared/corpus/${repo}`);
    const reported = new Set(input.files.filter((_, index) => index % 3 === 0).map((file) => file.path));
    const whole = lint(input).findings;
    expect(lint({ ...input, reportOnly: (path) => reported.has(path) }).findings).toStrictEqual(whole.filter((finding) => reported.has(finding.file)));
  });
});
