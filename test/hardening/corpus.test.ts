import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../../src/discovery/discover.js';
import { readInputFile } from '../../src/discovery/read.js';
import { lint, loadRepository, type InputFile } from '../../src/linter/linter.js';
import { outside } from './hostile.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
const repos = existsSync(CORPUS) ? readdirSync(CORPUS).sort() : [];

if (repos.length === 0) it.skip(`the corpus run needs ${CORPUS}, which is not present`, () => {});

/**
 * Every file of the real repositories, each linted on its own (test/corpus.test.ts
 * lints each repository as a whole): no crash, every finding inside its
 * file, and the yaml-syntax findings exactly those checked by hand. There
 * are none: all 2,890 files parse, including the one that uses a Go-style
 * alias name (`*app:`, below).
 */
const YAML_SYNTAX: string[] = [];

describe.skipIf(repos.length === 0)('every file of the corpus', () => {
  const files: InputFile[] = repos.flatMap((repo) => discoverFiles([join(CORPUS, repo)], ROOT).files.map((path) => readInputFile(ROOT, path)));

  it('is read', () => {
    expect(files.length).toBeGreaterThan(2_800);
    expect(files.filter((file) => 'error' in file)).toEqual([]);
  });

  it('lints on its own without a crash, with findings inside the file, and only the yaml-syntax findings checked by hand', () => {
    const syntax: string[] = [];
    for (const file of files) {
      if (!('text' in file)) continue;
      let findings;
      try {
        findings = lint({ root: '', files: [file] }).findings;
      } catch (error) {
        throw new Error(`${file.path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const texts = new Map([[file.path, file.text]]);
      for (const finding of findings) {
        expect(outside(finding, texts), `${finding.ruleId} at ${finding.file}:${finding.line}:${finding.column}`).toBeUndefined();
        if (finding.ruleId === 'yaml-syntax') syntax.push(`${finding.file}:${finding.line}:${finding.column} ${finding.message}`);
      }
    }
    expect(syntax).toEqual(YAML_SYNTAX);
  });

  // Flux's go-yaml ends an alias name at the colon: `*app:` is alias `app` used as a key.
  it('reads gavinmcfall’s `*app:` alias as Flux does, and reports nothing', () => {
    const path = '../shared/corpus/gavinmcfall__home-ops/kubernetes/apps/observability/exporters/ipmi-exporter/app/helmrelease.yaml';
    const file = files.find((candidate) => candidate.path === path);
    expect(file).toBeDefined();
    const { index, findings } = loadRepository([file!], '');
    expect(findings).toEqual([]);
    expect(lint({ root: '', files: [file!] }).findings).toEqual([]);
    const values = index.all[0]!.written.spec as { values: { controllers: Record<string, unknown> } };
    expect(Object.keys(values.values.controllers)).toEqual(['ipmi-exporter']);
  });
});
