import { describe, expect, it } from 'vitest';
import { BACKUP, CONFIG_MAP, hostileTree, lintJson, located } from './hostile.js';

/**
 * kustomize (go-yaml v3) refuses a mapping with a key twice ("mapping key
 * already defined"); kubectl's older reader silently keeps the last one. Either
 * way the file does not mean what it says: a finding on the second key.
 */
describe('duplicate keys', () => {
  it('are a yaml-syntax finding on the second occurrence, at any depth and in any style', async () => {
    const dir = hostileTree({
      'block.yaml': `${CONFIG_MAP}data:\n  a: 1\n  a: 2\n`,
      'flow.yaml': `${CONFIG_MAP}data: {a: 1, b: 2, a: 3}\n`,
      'quoted.yaml': `${CONFIG_MAP}data:\n  a: 1\n  "a": 2\n`,
      'single-quoted.yaml': `${CONFIG_MAP}data:\n  'a': 1\n  a: 2\n`,
      'nested.yaml': `${CONFIG_MAP}  labels:\n    app: x\n    app: y\n`,
      'top-level.yaml': 'apiVersion: v1\napiVersion: v2\nkind: ConfigMap\nmetadata:\n  name: a\n',
      'null-keys.yaml': `${CONFIG_MAP}data:\n  ? \n  : a\n  ~: b\n`,
    });
    const { code, findings } = await lintJson(dir);
    expect(code).toBe(1);
    expect(located(findings)).toEqual([
      'block.yaml:7:3 yaml-syntax/syntax DUPLICATE_KEY',
      'flow.yaml:5:20 yaml-syntax/syntax DUPLICATE_KEY',
      'nested.yaml:7:5 yaml-syntax/syntax DUPLICATE_KEY',
      'null-keys.yaml:8:3 yaml-syntax/syntax DUPLICATE_KEY',
      'quoted.yaml:7:3 yaml-syntax/syntax DUPLICATE_KEY',
      'single-quoted.yaml:7:3 yaml-syntax/syntax DUPLICATE_KEY',
      'top-level.yaml:2:1 yaml-syntax/syntax DUPLICATE_KEY',
    ]);
  });

  it('stop only their own document: the next one in the file is still checked', async () => {
    const dir = hostileTree({ 'two.yaml': `${CONFIG_MAP}data:\n  a: 1\n  a: 2\n---\n${BACKUP}` });
    expect(located((await lintJson(dir)).findings)).toEqual(['two.yaml:7:3 yaml-syntax/syntax DUPLICATE_KEY', 'two.yaml:15:3 cnpg-backup-immediate/immediate']);
  });

  it('are not: the same key in two documents, or a key that overrides one merged in with <<', async () => {
    const dir = hostileTree({
      'documents.yaml': `${CONFIG_MAP}data:\n  a: 1\n---\n${CONFIG_MAP.replace('name: a', 'name: b')}data:\n  a: 1\n`,
      'merge.yaml': `${CONFIG_MAP}x-base: &base\n  a: 1\ndata:\n  <<: *base\n  a: 2\n`,
    });
    expect((await lintJson(dir)).findings).toEqual([]);
  });

  // go-yaml compares keys by their text, so `1` and `"1"` (one JSON key) clash for Flux.
  it('keys that differ only in type are one key for Kubernetes', async () => {
    const dir = hostileTree({ 'typed.yaml': `${CONFIG_MAP}data:\n  1: a\n  "1": b\n  true: c\n  "true": d\n` });
    expect(located((await lintJson(dir)).findings)).toEqual(['typed.yaml:7:3 yaml-syntax/syntax DUPLICATE_KEY']);
  });
});
