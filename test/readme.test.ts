import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/validate.js';
import { ruleMetas } from '../src/rules/registry.js';
import { cli } from './helpers/cli.js';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

/** The body of the first fenced block of `lang` after `heading`. */
function blockAfter(heading: string, lang: string): string {
  const from = README.indexOf(heading);
  const start = README.indexOf(`\`\`\`${lang}\n`, from);
  return README.slice(start + lang.length + 4, README.indexOf('\n```', start));
}

describe('README', () => {
  it('shows a complete configuration that the linter accepts', async () => {
    const config = await resolveConfig(parse(blockAfter('## Configuration', 'yaml')), 'README');
    expect(config.requireReason).toBe(true);
    expect(config.rules['bgp-empty-service-selector']!.severity).toBe('warning');
  });

  it('shows the options that --help prints', async () => {
    const { stdout } = await cli(['--help'], process.cwd());
    const start = stdout.indexOf('Options:\n') + 'Options:\n'.length;
    const options = stdout.slice(start, stdout.indexOf('\n\n', start));
    expect(README).toContain(`${options}\n`);
  });

  it('lists every rule in its rules table', () => {
    for (const meta of ruleMetas) expect(README).toContain(`| [\`${meta.id}\`](docs/rules/${meta.id}.md) |`);
  });
});
