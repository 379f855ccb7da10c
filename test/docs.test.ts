import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleMetas } from '../src/rules/registry.js';
import { DOCS, expectedExitCode, lintExample, parsePage, SECTIONS } from './helpers/doc-examples.js';

/**
 * Keeps the rule pages honest: every example in docs/rules/<id>.md is linted
 * in a fresh directory, and the output must be exactly what the page shows
 * (see test/helpers/doc-examples.ts for the format). After changing a rule's
 * messages, `npm run docs:examples` rewrites the output blocks; review the diff.
 */

describe.each(ruleMetas.map((rule) => [rule.id, rule] as const))('docs/rules/%s.md', (ruleId, meta) => {
  const path = join(DOCS, `${ruleId}.md`);
  const page = existsSync(path) ? parsePage(readFileSync(path, 'utf8')) : undefined;

  it('has the title, summary, severity line and sections in order', () => {
    expect(page, `docs/rules/${ruleId}.md exists`).toBeDefined();
    expect(page!.title).toBe(ruleId);
    expect(page!.text.startsWith(`# ${ruleId}\n\n`), 'the page starts with its title and a summary').toBe(true);
    expect(page!.text).toContain(`Default severity: \`${meta.defaultSeverity}\``);
    expect(page!.sections).toEqual(SECTIONS);
  });

  it('has well-formed Incorrect and Correct examples', () => {
    expect(page!.problems).toEqual([]);
    const incorrect = page!.examples.filter((example) => example.kind === 'Incorrect');
    const correct = page!.examples.filter((example) => example.kind === 'Correct');
    expect(incorrect.length, 'Incorrect examples').toBeGreaterThan(0);
    expect(correct.length, 'Correct examples').toBeGreaterThan(0);
    for (const example of page!.examples) {
      expect(example.files.length, `files in "${example.title}"`).toBeGreaterThan(0);
    }
    for (const example of incorrect) {
      expect(example.output, `output block of "${example.title}"`).toBeTruthy();
      expect(example.output!, `"${example.title}" reports ${ruleId}`).toContain(`  ${ruleId}\n`);
    }
    for (const example of correct) expect(example.output ?? '', `"${example.title}" has no output`).toBe('');
  });

  const examples = page?.examples ?? [];
  it.each(examples.map((example) => [`${example.title} (line ${example.line})`, example] as const))('%s', async (_name, example) => {
    const expected = example.output ?? '';
    const result = await lintExample(example.files);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(expected);
    expect(result.code).toBe(example.kind === 'Correct' ? 0 : expectedExitCode(expected));
  });
});
