import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isManifestPath } from '../src/discovery/discover.js';
import { ruleMetas } from '../src/rules/registry.js';
import { expectationsIn } from './helpers/expectations.js';
import { lintCase } from './helpers/lint-dir.js';

const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');

/**
 * Each case is a YAML file or a directory (a small repo, for cross-file
 * rules), linted with its own `.homeops-lintrc.yaml` when it has one.
 */
function casesOf(ruleId: string, kind: 'valid' | 'invalid'): string[] {
  const dir = join(FIXTURES, ruleId, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((entry) => relative(ROOT, join(dir, entry)).split('\\').join('/'));
}

function manifestFilesUnder(target: string): string[] {
  const absolute = join(ROOT, target);
  if (!statSync(absolute).isDirectory()) return [target];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .map((entry) => `${target}/${entry.split('\\').join('/')}`)
    .filter(isManifestPath)
    .sort();
}

describe.each(ruleMetas.map((rule) => rule.id))('%s', (ruleId) => {
  it('has a doc page and valid and invalid fixtures', () => {
    expect(existsSync(join(ROOT, 'docs', 'rules', `${ruleId}.md`)), `docs/rules/${ruleId}.md`).toBe(true);
    expect(casesOf(ruleId, 'valid').length, 'valid fixtures').toBeGreaterThan(0);
    expect(casesOf(ruleId, 'invalid').length, 'invalid fixtures').toBeGreaterThan(0);
  });

  it.each(casesOf(ruleId, 'valid'))('valid: %s', async (target) => {
    const { findings } = await lintCase(target, ROOT);
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`)).toEqual([]);
  });

  it.each(casesOf(ruleId, 'invalid'))('invalid: %s', async (target) => {
    const expected = manifestFilesUnder(target).flatMap((file) => expectationsIn(ROOT, file));
    expect(expected.length, 'an invalid case must expect at least one finding').toBeGreaterThan(0);
    expect(expected.some((e) => e.ruleId === ruleId), `an invalid case must expect a ${ruleId} finding`).toBe(true);
    const { findings } = await lintCase(target, ROOT);
    const actual = findings.map((f) => ({
      file: f.file,
      line: f.line,
      ruleId: f.ruleId,
      messageId: f.messageId,
      column: f.column,
      endColumn: f.endColumn,
    }));
    const comparable = actual.map((a, i) => (expected[i]?.endColumn === undefined ? { ...a, endColumn: undefined } : a));
    expect(comparable).toEqual(expected.map((e) => ({ ...e, endColumn: e.endColumn })));
  });
});
