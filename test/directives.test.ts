import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { tempTree } from './helpers/temp-repo.js';

/**
 * Inline `# homeops-lint-...` directives, end to end through the CLI's JSON
 * output. Each finding is written `file:line:col severity rule/messageId`.
 */

interface JsonFinding {
  readonly ruleId: string;
  readonly messageId: string;
  readonly severity: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const show = (finding: JsonFinding) => `${finding.file}:${finding.line}:${finding.column} ${finding.severity} ${finding.ruleId}/${finding.messageId}`;

async function lintTree(files: Record<string, string>, args: string[] = []) {
  const result = await cli(['--format', 'json', ...args, '.'], tempTree(files));
  expect(result.stderr).toBe('');
  const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
  return { code: result.code, findings, shown: findings.map(show) };
}

const lines = (...text: string[]) => `${text.join('\n')}\n`;

// A Backup whose `immediate: true` (a cnpg-backup-immediate finding at col 3)
// is its last line; `before` and `after` go around that line.
const backup = (name: string, { before = [] as string[], after = '' } = {}) => [
  'apiVersion: postgresql.cnpg.io/v1',
  'kind: Backup',
  'metadata:',
  `  name: ${name}`,
  'spec:',
  '  cluster:',
  '    name: postgres17',
  ...before,
  `  immediate: true${after}`,
];

// A ConfigMap with a duplicate key (a yaml-syntax finding at the second `a:`, col 3) on its last line.
const duplicateKey = (name: string) => ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, 'data:', '  a: "1"', '  a: "2"'];

const clean = (name: string) => ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, 'data:', '  a: "1"'];

describe('disable-next-line', () => {
  it('suppresses the findings that start on the next line, and only there', async () => {
    const { code, shown } = await lintTree({
      'backups.yaml': lines(
        ...backup('a', { before: ['  # homeops-lint-disable-next-line cnpg-backup-immediate -- fork CRD'] }), // immediate on line 9
        '---',
        ...backup('b'), // immediate on line 18
      ),
    });
    expect(shown).toEqual(['backups.yaml:18:3 error cnpg-backup-immediate/immediate']);
    expect(code).toBe(1);
  });

  it('works as a trailing comment, for the line after it', async () => {
    const { shown } = await lintTree({
      'backup.yaml': lines(...backup('a', { before: ['  method: plugin # homeops-lint-disable-next-line cnpg-backup-immediate -- fork CRD'] })),
    });
    expect(shown).toEqual([]);
  });

  it('applies to a blank line when one follows it', async () => {
    const { shown } = await lintTree({
      'backup.yaml': lines(...backup('a', { before: ['  # homeops-lint-disable-next-line cnpg-backup-immediate -- fork CRD', ''] })),
    });
    expect(shown).toEqual(['backup.yaml:8:3 warning lint-directive/unused', 'backup.yaml:10:3 error cnpg-backup-immediate/immediate']);
  });

  it('with no rule ids suppresses every rule on the next line', async () => {
    const { shown } = await lintTree({
      'a.yaml': lines(...backup('a', { before: ['  # homeops-lint-disable-next-line -- fork CRD'] })),
      'b.yaml': lines(...duplicateKey('b').slice(0, -1), '  # homeops-lint-disable-next-line', '  a: "2"'),
    });
    expect(shown).toEqual([]);
  });
});

describe('disable-line', () => {
  it('suppresses the findings that start on its own line', async () => {
    const { shown } = await lintTree({
      'backups.yaml': lines(...backup('a', { after: ' # homeops-lint-disable-line cnpg-backup-immediate -- fork CRD' }), '---', ...backup('b')),
    });
    expect(shown).toEqual(['backups.yaml:17:3 error cnpg-backup-immediate/immediate']);
  });

  it('on a line of its own covers only that line, not the next one', async () => {
    const { shown } = await lintTree({
      'backup.yaml': lines(...backup('a', { before: ['  # homeops-lint-disable-line cnpg-backup-immediate -- wrong form'] })),
    });
    expect(shown).toEqual(['backup.yaml:8:3 warning lint-directive/unused', 'backup.yaml:9:3 error cnpg-backup-immediate/immediate']);
  });

  it('suppresses a yaml-syntax finding on its line', async () => {
    const { shown } = await lintTree({ 'env.yaml': lines(...duplicateKey('env').slice(0, -1), '  a: "2" # homeops-lint-disable-line yaml-syntax -- generated') });
    expect(shown).toEqual([]);
  });
});

describe('several rule ids', () => {
  it('suppresses each rule it names and no other', async () => {
    const { shown } = await lintTree({
      'mixed.yaml': lines(
        '# homeops-lint-disable cnpg-backup-immediate, yaml-syntax -- archived',
        ...backup('a'), // line 9
        '---',
        ...duplicateKey('b'), // line 17
      ),
      'other.yaml': lines(...backup('c', { after: ' # homeops-lint-disable-line yaml-syntax,duplicate-helmrelease -- wrong rules' })),
    });
    expect(shown).toEqual([
      'other.yaml:8:3 error cnpg-backup-immediate/immediate',
      'other.yaml:8:19 warning lint-directive/unused',
      'other.yaml:8:19 warning lint-directive/unused',
    ]);
  });

  it('reports a named rule that suppressed nothing while the other did', async () => {
    const { code, findings, shown } = await lintTree({
      'backup.yaml': lines(...backup('a', { after: ' # homeops-lint-disable-line cnpg-backup-immediate, yaml-syntax -- fork CRD' })),
    });
    expect(shown).toEqual(['backup.yaml:8:19 warning lint-directive/unused']);
    expect(findings[0]!.message).toContain('no "yaml-syntax" finding to suppress');
    expect(findings[0]).toMatchObject({ endLine: 8, endColumn: 93 });
    expect(code).toBe(0);
  });
});

describe('disable and enable ranges', () => {
  const threeBackups = (start: string, end: string) =>
    lines(
      ...backup('before'), // line 8
      start, // line 9
      '---',
      ...backup('inside'), // line 18
      end, // line 19
      '---',
      ...backup('after'), // line 28
    );

  it('a named disable runs from its position to the matching enable', async () => {
    const { shown } = await lintTree({ 'b.yaml': threeBackups('# homeops-lint-disable cnpg-backup-immediate -- migration', '# homeops-lint-enable cnpg-backup-immediate') });
    expect(shown).toEqual(['b.yaml:8:3 error cnpg-backup-immediate/immediate', 'b.yaml:28:3 error cnpg-backup-immediate/immediate']);
  });

  it('a rule-less disable runs to a rule-less enable', async () => {
    const { shown } = await lintTree({ 'b.yaml': threeBackups('# homeops-lint-disable -- migration', '# homeops-lint-enable') });
    expect(shown).toEqual(['b.yaml:8:3 error cnpg-backup-immediate/immediate', 'b.yaml:28:3 error cnpg-backup-immediate/immediate']);
  });

  it('a rule-less enable ends named disables too', async () => {
    const { shown } = await lintTree({ 'b.yaml': threeBackups('# homeops-lint-disable cnpg-backup-immediate, yaml-syntax -- migration', '# homeops-lint-enable') });
    expect(shown).toEqual([
      'b.yaml:8:3 error cnpg-backup-immediate/immediate',
      'b.yaml:9:1 warning lint-directive/unused',
      'b.yaml:28:3 error cnpg-backup-immediate/immediate',
    ]);
  });

  it('an enable for another rule leaves the disable running', async () => {
    const { shown } = await lintTree({ 'b.yaml': threeBackups('# homeops-lint-disable cnpg-backup-immediate -- migration', '# homeops-lint-enable yaml-syntax') });
    expect(shown).toEqual(['b.yaml:8:3 error cnpg-backup-immediate/immediate']);
  });

  it('enabling one rule inside a rule-less disable keeps the others disabled', async () => {
    const { shown } = await lintTree({
      'mixed.yaml': lines(
        '# homeops-lint-disable -- vendored',
        ...backup('a'), // line 9, suppressed
        '# homeops-lint-enable cnpg-backup-immediate',
        '---',
        ...backup('b'), // line 19, reported again
        '---',
        ...duplicateKey('c'), // line 27, still suppressed
        '---',
        '# homeops-lint-disable cnpg-backup-immediate -- again',
        ...backup('d'), // line 37, suppressed again
        '# homeops-lint-enable',
        '---',
        ...duplicateKey('e'), // line 46, reported: everything enabled
      ),
    });
    expect(shown).toEqual(['mixed.yaml:19:3 error cnpg-backup-immediate/immediate', 'mixed.yaml:46:3 error yaml-syntax/syntax']);
  });

  it('starts at the directive column: a finding earlier on its line is not covered', async () => {
    const { shown } = await lintTree({
      'b.yaml': lines(...backup('a', { after: ' # homeops-lint-disable cnpg-backup-immediate -- too late' }), '---', ...backup('b')),
    });
    expect(shown).toEqual(['b.yaml:8:3 error cnpg-backup-immediate/immediate']);
  });

  it('an unused range is reported at the disable, not at the enable', async () => {
    const { shown } = await lintTree({
      'c.yaml': lines('# homeops-lint-disable cnpg-backup-immediate -- migration', ...clean('c'), '# homeops-lint-enable cnpg-backup-immediate'),
    });
    expect(shown).toEqual(['c.yaml:1:1 warning lint-directive/unused']);
  });
});

describe('file-wide disable', () => {
  it('a disable at the top with no enable covers the whole file, every document', async () => {
    const { shown } = await lintTree({
      'archived.yaml': lines('# homeops-lint-disable -- archived', ...backup('a'), '---', ...duplicateKey('b'), '---', ...backup('c')),
    });
    expect(shown).toEqual([]);
  });

  it('suppresses a yaml-syntax error when it names that rule', async () => {
    const { shown } = await lintTree({ 'env.yaml': lines('# homeops-lint-disable yaml-syntax -- generated upstream', ...duplicateKey('env')) });
    expect(shown).toEqual([]);
  });

  it('does not reach into another file', async () => {
    const { shown } = await lintTree({
      'a.yaml': lines('# homeops-lint-disable cnpg-backup-immediate -- only here', ...clean('a')),
      'b.yaml': lines(...backup('b')),
    });
    expect(shown).toEqual(['a.yaml:1:1 warning lint-directive/unused', 'b.yaml:8:3 error cnpg-backup-immediate/immediate']);
  });
});

describe('unknown rule ids', () => {
  it('are reported in a disable, which suppresses nothing for them', async () => {
    const { code, findings, shown } = await lintTree({
      'backup.yaml': lines(...backup('a', { before: ['  # homeops-lint-disable-next-line cnpg-immediate -- typo'] })),
    });
    expect(shown).toEqual(['backup.yaml:8:3 error lint-directive/unknownRule', 'backup.yaml:9:3 error cnpg-backup-immediate/immediate']);
    expect(findings[0]!.message).toBe(
      'Unknown rule "cnpg-immediate" in homeops-lint-disable-next-line directive; it suppresses nothing. Use an id from "homeops-lint rules".',
    );
    expect(findings[0]).toMatchObject({ endLine: 8, endColumn: 58 });
    expect(code).toBe(1);
  });

  it('are reported once each, next to known ids that still work', async () => {
    const { findings, shown } = await lintTree({
      'backup.yaml': lines(...backup('a', { after: ' # homeops-lint-disable-line eslint-foo, cnpg-backup-immediate, cnpg-immediate -- fork CRD' })),
    });
    expect(shown).toEqual(['backup.yaml:8:19 error lint-directive/unknownRule', 'backup.yaml:8:19 error lint-directive/unknownRule']);
    expect(findings.map((finding) => /"([^"]+)"/.exec(finding.message)?.[1]).sort()).toEqual(['cnpg-immediate', 'eslint-foo']);
  });

  it('are reported in an enable, which then ends nothing', async () => {
    const { shown, findings } = await lintTree({
      'b.yaml': lines('# homeops-lint-disable cnpg-backup-immediate -- migration', ...backup('a'), '# homeops-lint-enable cnpg-backup-immediat', '---', ...backup('b')),
    });
    expect(shown).toEqual(['b.yaml:10:1 error lint-directive/unknownRule']);
    expect(findings[0]!.message).toContain('in homeops-lint-enable directive');
  });

  it('a directive naming only unknown ids is not also reported as unused', async () => {
    const { shown } = await lintTree({ 'c.yaml': lines('# homeops-lint-disable nope -- typo', ...clean('c')) });
    expect(shown).toEqual(['c.yaml:1:1 error lint-directive/unknownRule']);
  });
});

describe('unused directives', () => {
  const files = {
    'unused.yaml': lines(
      '# homeops-lint-disable yaml-syntax -- nothing to hide', // 1:1
      ...clean('a'),
      '  b: "2" # homeops-lint-disable-line -- nothing on this line', // 8:10
      '  # homeops-lint-disable-next-line cnpg-backup-immediate', // 9:3
      '  c: "3"',
    ),
  };
  const unusedAt = (severity: string) => [`unused.yaml:1:1 ${severity} lint-directive/unused`, `unused.yaml:8:10 ${severity} lint-directive/unused`, `unused.yaml:9:3 ${severity} lint-directive/unused`];

  it('are warnings by default, so the exit code stays 0', async () => {
    const { code, findings, shown } = await lintTree(files);
    expect(shown).toEqual(unusedAt('warning'));
    expect(findings.map((finding) => finding.message)).toEqual([
      'Unused homeops-lint-disable directive: no "yaml-syntax" finding to suppress. Remove it.',
      'Unused homeops-lint-disable-line directive: nothing was reported here. Remove it.',
      'Unused homeops-lint-disable-next-line directive: no "cnpg-backup-immediate" finding to suppress. Remove it.',
    ]);
    expect(code).toBe(0);
  });

  it('are errors with --report-unused-disable-directives', async () => {
    const { code, shown } = await lintTree(files, ['--report-unused-disable-directives']);
    expect(shown).toEqual(unusedAt('error'));
    expect(code).toBe(1);
  });

  it('take the severity of --report-unused-disable-directives-severity', async () => {
    expect(await lintTree(files, ['--report-unused-disable-directives-severity', 'off'])).toMatchObject({ code: 0, shown: [] });
    expect(await lintTree(files, ['--report-unused-disable-directives-severity', 'warn'])).toMatchObject({ code: 0, shown: unusedAt('warning') });
    expect(await lintTree(files, ['--report-unused-disable-directives-severity', 'error'])).toMatchObject({ code: 1, shown: unusedAt('error') });
  });

  it('rejects an unknown severity as a usage error', async () => {
    const result = await cli(['--report-unused-disable-directives-severity', 'fatal', '.'], tempTree(files));
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'homeops-lint: --report-unused-disable-directives-severity must be one of off, warn, error\n' });
  });

  it('take the severity of reportUnusedDisableDirectives in the configuration', async () => {
    expect(await lintTree({ ...files, '.homeops-lintrc.yaml': 'reportUnusedDisableDirectives: error\n' })).toMatchObject({ code: 1, shown: unusedAt('error') });
    expect(await lintTree({ ...files, '.homeops-lintrc.yaml': 'reportUnusedDisableDirectives: off\n' })).toMatchObject({ code: 0, shown: [] });
  });

  it('the command line wins over the configuration', async () => {
    const configured = { ...files, '.homeops-lintrc.yaml': 'reportUnusedDisableDirectives: error\n' };
    expect(await lintTree(configured, ['--report-unused-disable-directives-severity', 'off'])).toMatchObject({ code: 0, shown: [] });
  });

  it('are not reported for directives that suppressed something', async () => {
    const { shown } = await lintTree({ 'backup.yaml': lines(...backup('a', { before: ['  # homeops-lint-disable-next-line cnpg-backup-immediate'] })) }, [
      '--report-unused-disable-directives',
    ]);
    expect(shown).toEqual([]);
  });

  it('never include an enable that ends nothing', async () => {
    const { shown } = await lintTree({ 'c.yaml': lines(...clean('c'), '# homeops-lint-enable cnpg-backup-immediate') }, ['--report-unused-disable-directives']);
    expect(shown).toEqual([]);
  });
});

describe('required reasons', () => {
  const files = {
    'reasons.yaml': lines(
      '# homeops-lint-disable cnpg-backup-immediate', // 1:1 no reason
      ...backup('a'), // line 9, suppressed by the range
      '# homeops-lint-enable cnpg-backup-immediate', // never needs a reason
      '---',
      ...backup('b', { after: ' # homeops-lint-disable-line cnpg-backup-immediate' }), // 19:19 no reason
      '---',
      ...backup('c', { before: ['  # homeops-lint-disable-next-line cnpg-backup-immediate --'] }), // 28:3 empty reason
      '---',
      ...backup('d', { before: ['  # homeops-lint-disable-next-line cnpg-backup-immediate -- fork CRD'] }), // 38:3 has one
      '---',
      '# homeops-lint-disable -- the rest is vendored', // 41:1 has one
      ...backup('e'),
      '# homeops-lint-enable',
    ),
  };
  const missingAt = ['reasons.yaml:1:1 error lint-directive/missingReason', 'reasons.yaml:19:19 error lint-directive/missingReason', 'reasons.yaml:28:3 error lint-directive/missingReason'];

  it('are not required by default', async () => {
    const { shown } = await lintTree(files);
    expect(shown).toEqual([]);
  });

  it('--require-reason reports disable directives without one, never enables', async () => {
    const { code, findings, shown } = await lintTree(files, ['--require-reason']);
    expect(shown).toEqual(missingAt);
    expect(findings.map((finding) => finding.message)).toEqual([
      'homeops-lint-disable directive has no reason; add one after "--", e.g. "-- waiting for upstream fix".',
      'homeops-lint-disable-line directive has no reason; add one after "--", e.g. "-- waiting for upstream fix".',
      'homeops-lint-disable-next-line directive has no reason; add one after "--", e.g. "-- waiting for upstream fix".',
    ]);
    expect(code).toBe(1);
  });

  it('requireReason: true in the configuration does the same', async () => {
    const { shown } = await lintTree({ ...files, '.homeops-lintrc.yaml': 'requireReason: true\n' });
    expect(shown).toEqual(missingAt);
  });

  it('a missing reason does not stop the directive from suppressing', async () => {
    const { shown } = await lintTree(files, ['--require-reason']);
    expect(shown.filter((finding) => finding.includes('cnpg-backup-immediate'))).toEqual([]);
  });
});

describe('what is not a directive', () => {
  it('directive text inside quoted strings and block scalars is data', async () => {
    const { shown } = await lintTree({
      'notes.yaml': lines(
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: lint-notes',
        '  annotations:',
        '    hint: "# homeops-lint-disable"',
        "    other: '# homeops-lint-disable-line cnpg-backup-immediate'",
        'data:',
        '  README.md: |',
        '    # homeops-lint-disable cnpg-backup-immediate -- text, not a comment',
        '  folded: >',
        '    # homeops-lint-disable-next-line',
        '---',
        ...backup('a'), // line 21
      ),
    });
    expect(shown).toEqual(['notes.yaml:21:3 error cnpg-backup-immediate/immediate']);
  });

  it('a comment after a block scalar header is a directive', async () => {
    const { shown } = await lintTree({
      'notes.yaml': lines(...clean('c').slice(0, -1), '  script: | # homeops-lint-disable-line yaml-syntax -- header comment', '    echo hi'),
    });
    expect(shown).toEqual(['notes.yaml:6:13 warning lint-directive/unused']);
  });
});

describe('multi-document files', () => {
  it('line directives apply in any document; ranges cross document boundaries', async () => {
    const { shown } = await lintTree({
      'all.yaml': lines(
        ...backup('a'), // 8: reported
        '---',
        ...backup('b', { before: ['  # homeops-lint-disable-next-line cnpg-backup-immediate -- fork CRD'] }), // 18: suppressed
        '--- # homeops-lint-disable cnpg-backup-immediate -- from here', // 19:5
        ...backup('c'), // 27: suppressed
        '---',
        ...backup('d'), // 36: suppressed
        '...',
        '# homeops-lint-enable cnpg-backup-immediate',
        '---',
        ...backup('e'), // 47: reported
      ),
    });
    expect(shown).toEqual(['all.yaml:8:3 error cnpg-backup-immediate/immediate', 'all.yaml:47:3 error cnpg-backup-immediate/immediate']);
  });
});

describe('severity of lint-directive', () => {
  const files = {
    'backup.yaml': lines(
      '# homeops-lint-disable nope -- typo', // 1:1 unknown
      '# homeops-lint-disable cnpg-backup-immediate', // 2:1 no reason, used
      ...backup('a'), // line 10, suppressed
      '# homeops-lint-enable',
      '---',
      '# homeops-lint-disable-next-line yaml-syntax -- unused', // 13:1
      ...clean('c'),
    ),
  };

  it('lint-directive: off turns off unknownRule and missingReason but not unused', async () => {
    const { code, shown } = await lintTree({ ...files, '.homeops-lintrc.yaml': 'rules:\n  lint-directive: off\n' }, ['--require-reason']);
    expect(shown).toEqual(['backup.yaml:13:1 warning lint-directive/unused']);
    expect(code).toBe(0);
  });

  it('lint-directive: warn lowers unknownRule and missingReason to warnings', async () => {
    const { code, shown } = await lintTree({ ...files, '.homeops-lintrc.yaml': 'rules:\n  lint-directive: warn\n' }, ['--require-reason']);
    expect(shown).toEqual([
      'backup.yaml:1:1 warning lint-directive/unknownRule',
      'backup.yaml:2:1 warning lint-directive/missingReason',
      'backup.yaml:13:1 warning lint-directive/unused',
    ]);
    expect(code).toBe(0);
  });
});

describe('directives that overlap', () => {
  it('a second disable of a disabled rule ends the first, so one enable re-enables it', async () => {
    const { shown } = await lintTree({
      'twice.yaml': lines(
        '# homeops-lint-disable cnpg-backup-immediate -- first',
        '# homeops-lint-disable cnpg-backup-immediate -- second',
        '# homeops-lint-enable cnpg-backup-immediate',
        ...backup('a'), // line 11, reported
      ),
    });
    expect(shown).toEqual(['twice.yaml:1:1 warning lint-directive/unused', 'twice.yaml:2:1 warning lint-directive/unused', 'twice.yaml:11:3 error cnpg-backup-immediate/immediate']);
  });

  it('credits the range before a line directive, and the most recent range before an older one', async () => {
    const { shown } = await lintTree({
      'both.yaml': lines(
        '# homeops-lint-disable -- everything',
        '# homeops-lint-disable cnpg-backup-immediate -- this one',
        ...backup('a', { after: ' # homeops-lint-disable-line cnpg-backup-immediate -- and this' }),
      ),
    });
    expect(shown).toEqual(['both.yaml:1:1 warning lint-directive/unused', 'both.yaml:10:19 warning lint-directive/unused']);
  });

  it('needs whitespace around "--" before the reason', async () => {
    const { shown } = await lintTree({ 'b.yaml': lines(...backup('a', { before: ['  # homeops-lint-disable-next-line cnpg-backup-immediate--why'] })) });
    expect(shown).toEqual(['b.yaml:8:3 error lint-directive/unknownRule', 'b.yaml:9:3 error cnpg-backup-immediate/immediate']);
  });

  it('refuses both unused-directive flags at once', async () => {
    const result = await cli(['--report-unused-disable-directives', '--report-unused-disable-directives-severity', 'off'], tempTree({}));
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'homeops-lint: --report-unused-disable-directives and --report-unused-disable-directives-severity cannot be combined\n',
    });
  });
});
