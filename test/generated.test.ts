import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../scripts/generated-files.js';

const ROOT = join(import.meta.dirname, '..');

describe('generated files', () => {
  it.each(Object.entries(generatedFiles()))('%s is up to date (run npm run generate)', (path, text) => {
    const file = join(ROOT, path);
    expect(existsSync(file), `${path} exists`).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('schemas/config.schema.json', () => {
  it('is a valid JSON Schema that accepts a full configuration and refuses what the linter refuses', async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    // strictTuples is off because [severity] without options is allowed (minItems 1).
    const validate = new Ajv2020({ strict: true, strictTuples: false, allErrors: true }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas/config.schema.json'), 'utf8')));
    const good = {
      $schema: './node_modules/homeops-lint/schemas/config.schema.json',
      rules: { 'pss-s6-overlay': ['warn', { images: ['lscr.io/linuxserver/*'] }], 'cnpg-backup-immediate': 'error' },
      ignores: ['**/_archive/**'],
      reportUnusedDisableDirectives: 'error',
      requireReason: true,
    };
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    for (const bad of [{ rules: { 'pss-s6-overlay': 'on' } }, { rules: { nope: 'off' } }, { rules: { 'lb-ipam-pool-label': ['warn', { poolKey: 3 }] } }, { extra: 1 }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
