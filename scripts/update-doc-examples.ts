/**
 * Rewrites the ```text output blocks of docs/rules/*.md with what the linter
 * prints for each example today. Run after changing a rule's messages, then
 * read the diff: test/docs.test.ts checks the pages against the linter.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCS, lintExample, parsePage } from '../test/helpers/doc-examples.js';

const OUTPUT_FENCE = /^```text[ \t]+output[ \t]*$/;

for (const name of readdirSync(DOCS).filter((file) => file.endsWith('.md') && file !== 'README.md').sort()) {
  const path = join(DOCS, name);
  const text = readFileSync(path, 'utf8');
  const withOutput = parsePage(text).examples.filter((example) => example.output !== undefined);
  const lines = text.split('\n');
  let next = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!OUTPUT_FENCE.test(lines[i]!)) continue;
    const end = lines.indexOf('```', i + 1);
    const example = withOutput[next++];
    if (!example || end === -1) throw new Error(`${name}:${i + 1}: output block without its example`);
    const { stdout } = await lintExample(example.files);
    const body = stdout.endsWith('\n') ? stdout.slice(0, -1).split('\n') : stdout === '' ? [] : stdout.split('\n');
    lines.splice(i + 1, end - i - 1, ...body);
    i += body.length + 1;
  }
  const updated = lines.join('\n');
  if (updated !== text) {
    writeFileSync(path, updated);
    console.log(`updated ${name}`);
  }
}
