import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { git, tempTree } from './helpers/temp-repo.js';

const BACKUP = 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: b\nspec:\n  cluster: {name: pg}\n  immediate: true\n';
const OFF_YAML = 'rules:\n  cnpg-backup-immediate: off\n';

const resolvedFile = async (dir: string, args: string[] = []) => JSON.parse((await cli(['--print-config', ...args], dir)).stdout).filepath;

describe('configuration discovery', () => {
  it('finds each supported file name', async () => {
    const cases: Record<string, string> = {
      '.homeops-lintrc': OFF_YAML,
      '.homeops-lintrc.yaml': OFF_YAML,
      '.homeops-lintrc.yml': OFF_YAML,
      '.homeops-lintrc.json': '{"rules": {"cnpg-backup-immediate": "off"}}',
      'homeops-lint.config.js': 'export default { rules: { "cnpg-backup-immediate": "off" } };\n',
      'homeops-lint.config.mjs': 'export default { rules: { "cnpg-backup-immediate": "off" } };\n',
      'homeops-lint.config.cjs': 'module.exports = { rules: { "cnpg-backup-immediate": "off" } };\n',
      'package.json': '{"name": "repo", "homeops-lint": {"rules": {"cnpg-backup-immediate": "off"}}}',
    };
    for (const [name, text] of Object.entries(cases)) {
      const dir = tempTree({ [name]: text, 'b.yaml': BACKUP });
      expect(await resolvedFile(dir), name).toBe(name);
      expect(await cli([], dir), name).toEqual({ code: 0, stdout: '', stderr: '' });
    }
  });

  it('prefers package.json, then the rc files, then JavaScript, in one directory', async () => {
    const dir = tempTree({
      'package.json': '{"name": "x", "homeops-lint": {}}',
      '.homeops-lintrc.yaml': OFF_YAML,
      'homeops-lint.config.mjs': 'export default {};\n',
    });
    expect(await resolvedFile(dir)).toBe('package.json');
    writeFileSync(join(dir, 'package.json'), '{"name": "x"}');
    expect(await resolvedFile(dir)).toBe('.homeops-lintrc.yaml');
  });

  it('searches from the linted directory upward, and stops at the top of the git repository', async () => {
    const dir = tempTree({ '.homeops-lintrc.yaml': OFF_YAML, 'repo/.homeops-lintrc.yml': 'rules: {}\n', 'repo/apps/b.yaml': BACKUP, 'other/b.yaml': BACKUP });
    expect(await resolvedFile(dir, ['repo/apps'])).toBe('repo/.homeops-lintrc.yml');
    expect(await resolvedFile(dir, ['other'])).toBe('.homeops-lintrc.yaml');
    git(join(dir, 'other'), 'init', '-q');
    expect(await resolvedFile(dir, ['other'])).toBe(null);
  });

  it('uses --config instead of searching, and refuses JavaScript with --no-js-config', async () => {
    const dir = tempTree({ '.homeops-lintrc.yaml': 'rules: {}\n', 'cfg/strict.yaml': OFF_YAML, 'homeops-lint.config.mjs': 'export default {};\n' });
    expect(await resolvedFile(dir, ['--config', 'cfg/strict.yaml'])).toBe('cfg/strict.yaml');
    expect(await cli(['--no-js-config', '--config', 'homeops-lint.config.mjs'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'homeops-lint: --no-js-config refuses the JavaScript configuration homeops-lint.config.mjs\n',
    });
    expect(await cli(['--config', 'missing.yaml'], dir)).toMatchObject({ code: 2, stderr: 'homeops-lint: configuration file not found: missing.yaml\n' });
  });

  it('never loads a JavaScript configuration found by the search with --no-js-config', async () => {
    const dir = tempTree({ 'homeops-lint.config.mjs': 'throw new Error("code ran");\n', 'b.yaml': BACKUP });
    expect(await resolvedFile(dir, ['--no-js-config'])).toBe(null);
    expect((await cli(['--no-js-config'], dir)).code).toBe(1);
  });
});

describe('configuration validation', () => {
  const invalid = async (config: string) => {
    const dir = tempTree({ '.homeops-lintrc.yaml': config });
    const result = await cli([], dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    return result.stderr;
  };

  it('lists every problem as path: message', async () => {
    expect(
      await invalid(
        'rules:\n  pss-s6-overlay: on\n  no-such-rule: error\n  lb-ipam-pool-label: [warn, {poolKey: 3, extra: true}]\n  cnpg-backup-immediate: [error, {}]\nignores: [1]\nextra: 1\n',
      ),
    ).toBe(
      [
        'homeops-lint: invalid configuration in .homeops-lintrc.yaml:',
        '  extra: unknown property; expected one of $schema, rules, ignores, reportUnusedDisableDirectives, requireReason',
        '  rules.pss-s6-overlay: must be one of off, warn, error',
        '  rules.no-such-rule: unknown rule; run "homeops-lint rules" to list them',
        '  rules.lb-ipam-pool-label[1].extra: unknown option',
        '  rules.lb-ipam-pool-label[1].poolKey: must be string',
        '  rules.cnpg-backup-immediate[1]: this rule takes no options',
        '  ignores: must be an array of non-empty glob strings',
        '',
      ].join('\n'),
    );
  });

  it('checks top-level settings', async () => {
    expect(await invalid('reportUnusedDisableDirectives: loud\nrequireReason: yes please\n')).toBe(
      [
        'homeops-lint: invalid configuration in .homeops-lintrc.yaml:',
        '  reportUnusedDisableDirectives: must be one of off, warn, error',
        '  requireReason: must be a boolean',
        '',
      ].join('\n'),
    );
  });

  it('reports a file that does not parse as a configuration error', async () => {
    expect(await invalid('rules: [\n')).toMatch(/^homeops-lint: invalid configuration in \.homeops-lintrc\.yaml:\n {2}\(file\): \S.*\n$/);
  });
});

describe('configured linting', () => {
  it('sets severities: warn reports and exits 0, error exits 1', async () => {
    const dir = tempTree({ '.homeops-lintrc.yaml': 'rules:\n  cnpg-backup-immediate: warn\n', 'b.yaml': BACKUP });
    const result = await cli(['--format', 'json'], dir);
    expect(result.code).toBe(0);
    // The configuration file is YAML too, and is read like every other file.
    expect(JSON.parse(result.stdout).summary).toEqual({ errors: 0, warnings: 1, files: 2 });
  });

  it('passes rule options to the rule', async () => {
    const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: mqtt\n  annotations:\n    example.com/pool: iot\nspec:\n  type: LoadBalancer\n';
    const pool = 'apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: iot\nspec:\n  serviceSelector:\n    matchLabels:\n      example.com/pool: iot\n';
    const dir = tempTree({ 'svc.yaml': service, 'pool.yaml': pool });
    expect((await cli([], dir)).code).toBe(1);
    writeFileSync(join(dir, '.homeops-lintrc.yaml'), 'rules:\n  lb-ipam-pool-label: [error, {poolKey: example.com/pool}]\n');
    const result = await cli(['--format', 'json'], dir);
    expect(JSON.parse(result.stdout).findings.map((f: { messageId?: string; line: number; column: number }) => `${f.line}:${f.column}`)).toEqual(['6:5']);
  });

  it('skips files matching ignores, relative to the configuration file', async () => {
    const dir = tempTree({ '.homeops-lintrc.yaml': 'ignores: ["**/_archive/**", "legacy.yaml"]\n', 'repo/_archive/b.yaml': BACKUP, 'legacy.yaml': BACKUP, 'repo/b.yaml': BACKUP });
    const result = await cli(['--format', 'json'], dir);
    expect(JSON.parse(result.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['repo/b.yaml']);
  });

  it('prints the resolved configuration with defaults filled in', async () => {
    const dir = tempTree({ '.homeops-lintrc.yaml': 'rules:\n  pss-s6-overlay: [warn, {images: [ghcr.io/example/*]}]\n' });
    const printed = JSON.parse((await cli(['--print-config'], dir)).stdout);
    expect(printed.rules['pss-s6-overlay']).toEqual(['warn', { images: ['ghcr.io/example/*'] }]);
    expect(printed.rules['cnpg-backup-immediate']).toBe('error');
    expect(printed.rules['lb-ipam-pool-label']).toEqual(['error', { poolKey: 'io.cilium/lb-ipam-pool' }]);
    expect(printed.reportUnusedDisableDirectives).toBe('warn');
  });
});
