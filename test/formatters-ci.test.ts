import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { github } from '../src/formatters/github.js';
import { junit } from '../src/formatters/junit.js';
import { createSarif, sarif } from '../src/formatters/sarif.js';
import type { FormatInput } from '../src/formatters/types.js';
import type { Finding } from '../src/linter/finding.js';
import { sampleFinding } from './helpers/findings.js';
import { ruleMetas } from '../src/rules/registry.js';
import { lintPath } from './helpers/lint-dir.js';

const ROOT = join(import.meta.dirname, '..');

const finding = sampleFinding;

const input = (findings: readonly Finding[], fileCount = new Set(findings.map((f) => f.file)).size): FormatInput => ({
  findings,
  fileCount,
  sourceOf: () => undefined,
  color: false,
});

const DUPLICATE = finding({
  ruleId: 'duplicate-helmrelease',
  messageId: 'duplicate',
  severity: 'warning',
  message: 'HelmRelease "monitoring/kps" is also deployed by infra/kps.yaml:6:9.',
  file: 'apps/kps.yaml',
  line: 5,
  column: 9,
  endLine: 5,
  endColumn: 30,
  resource: { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', namespace: 'monitoring', name: 'kps' },
  related: [{ file: 'infra/kps.yaml', line: 6, column: 9, endLine: 6, endColumn: 30, message: 'other copy of this HelmRelease' }],
  fingerprint: 'fedcba9876543210',
});

// Text a stranger could put in a manifest (and so in a message or a file name) to forge output.
const HOSTILE_MESSAGE = 'line one\nline two\r\n::error file=evil.yaml,line=1::forged 100%0A, a:b <x> & "q" \'s ]]> \u0000\u001b[31m\ud800 done';
const HOSTILE_FILE = 'we,ird/na:me%0A/file\n::warning::x.yaml';

describe('github', () => {
  it('prints one workflow command per finding, with position, end and rule as title', () => {
    expect(github(input([finding({}), DUPLICATE]))).toBe(
      [
        '::error file=db/backup.yaml,line=3,col=3,endLine=3,endColumn=12,title=cnpg-backup-immediate::Backup "b" sets spec.immediate.',
        '::warning file=apps/kps.yaml,line=5,col=9,endLine=5,endColumn=30,title=duplicate-helmrelease::HelmRelease "monitoring/kps" is also deployed by infra/kps.yaml:6:9.',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing when there are no findings', () => {
    expect(github(input([], 4))).toBe('');
  });

  it('escapes messages and file names the way @actions/core does, so they cannot start commands or add properties', () => {
    const output = github(input([finding({ message: HOSTILE_MESSAGE, file: HOSTILE_FILE })]));
    expect(output).toBe(
      '::error file=we%2Cird/na%3Ame%250A/file%0A%3A%3Awarning%3A%3Ax.yaml,line=3,col=3,endLine=3,endColumn=12,title=cnpg-backup-immediate::' +
        'line one%0Aline two%0D%0A::error file=evil.yaml,line=1::forged 100%250A, a:b <x> & "q" \'s ]]> \u0000\u001b[31m\ud800 done\n',
    );
    // One line, one command: the runner reads up to the first `::` after the command as properties.
    expect(output.split('\n')).toHaveLength(2);
    const [properties] = output.slice(2).split('::');
    expect(properties!.split(',')).toEqual([
      'error file=we%2Cird/na%3Ame%250A/file%0A%3A%3Awarning%3A%3Ax.yaml',
      'line=3',
      'col=3',
      'endLine=3',
      'endColumn=12',
      'title=cnpg-backup-immediate',
    ]);
  });
});

describe('junit', () => {
  it('prints one testcase per file with findings, one failure per finding, and one testcase for the clean files', () => {
    const second = finding({ line: 9, column: 1, endLine: 9, endColumn: 4, ruleId: 'yaml-syntax', message: 'Bad <indent> & "quote".', resource: null });
    expect(junit(input([DUPLICATE, finding({}), second], 5))).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuite name="homeops-lint" tests="3" failures="2" errors="0" skipped="0">',
        '  <testcase classname="apps/kps.yaml" name="apps/kps.yaml">',
        '    <failure message="HelmRelease &quot;monitoring/kps&quot; is also deployed by infra/kps.yaml:6:9." type="duplicate-helmrelease">' +
          'apps/kps.yaml:5:9: warning: HelmRelease "monitoring/kps" is also deployed by infra/kps.yaml:6:9. [duplicate-helmrelease]\n' +
          '  infra/kps.yaml:6:9: other copy of this HelmRelease</failure>',
        '  </testcase>',
        '  <testcase classname="db/backup.yaml" name="db/backup.yaml">',
        '    <failure message="Backup &quot;b&quot; sets spec.immediate." type="cnpg-backup-immediate">db/backup.yaml:3:3: error: Backup "b" sets spec.immediate. [cnpg-backup-immediate]</failure>',
        '    <failure message="Bad &lt;indent&gt; &amp; &quot;quote&quot;." type="yaml-syntax">db/backup.yaml:9:1: error: Bad &lt;indent&gt; &amp; "quote". [yaml-syntax]</failure>',
        '  </testcase>',
        '  <testcase classname="homeops-lint" name="3 files without findings"/>',
        '</testsuite>',
        '',
      ].join('\n'),
    );
  });

  it('is a passing suite, not an empty one, when there are no findings', () => {
    const output = junit(input([], 1));
    expect(output).toContain('<testsuite name="homeops-lint" tests="1" failures="0" errors="0" skipped="0">');
    expect(output).toContain('<testcase classname="homeops-lint" name="1 file without findings"/>');
    expect(parseXml(output).name).toBe('testsuite');
  });

  it('stays well-formed XML 1.0 for any message or file name, and keeps their text', () => {
    const output = junit(input([finding({ message: HOSTILE_MESSAGE, file: HOSTILE_FILE })], 1));
    const suite = parseXml(output);
    const [testcase] = suite.children;
    expect(suite.attributes).toMatchObject({ tests: '1', failures: '1' });
    expect(testcase!.attributes.name).toBe(HOSTILE_FILE);
    const failure = testcase!.children[0]!;
    // Only the characters XML cannot carry at all change, into visible escapes.
    const shown = HOSTILE_MESSAGE.replace('\u0000', '\\u0000').replace('\u001b', '\\u001b').replace('\ud800', '\\ud800');
    expect(failure.attributes.message).toBe(shown);
    expect(failure.text).toBe(`${HOSTILE_FILE}:3:3: error: ${shown} [cnpg-backup-immediate]`);
  });
});

describe('sarif', () => {
  const log = (findings: readonly Finding[]) => JSON.parse(createSarif('1.2.3')(input(findings)));

  it('describes the tool and every rule, with help links, friendly names and default levels', () => {
    const { $schema, version, runs } = log([]);
    expect($schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(version).toBe('2.1.0');
    expect(runs).toHaveLength(1);
    const { driver } = runs[0].tool;
    expect(driver).toMatchObject({ name: 'homeops-lint', informationUri: 'https://github.com/homeops-lint/homeops-lint', semanticVersion: '1.2.3' });
    expect(driver.rules.map((rule: { id: string }) => rule.id)).toEqual(ruleMetas.map((rule) => rule.id));
    for (const [index, rule] of driver.rules.entries()) {
      const meta = ruleMetas[index]!;
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(rule.helpUri).toBe(meta.docsUrl);
      expect(rule.help.markdown).toContain(`(${meta.docsUrl})`);
      expect(rule.defaultConfiguration).toEqual(meta.defaultSeverity === 'off' ? { enabled: false, level: 'warning' } : { level: meta.defaultSeverity });
      expect(rule.fullDescription.text).not.toContain('{{');
    }
    expect(driver.rules.find((rule: { id: string }) => rule.id === 'cnpg-backup-immediate').name).toBe('CnpgBackupImmediate');
    expect(runs[0].results).toEqual([]);
  });

  it('gives each result its rule index, level, span, related locations, fingerprint and resource', () => {
    const { runs } = log([DUPLICATE, finding({ resource: null })]);
    const [duplicate, plain] = runs[0].results;
    expect(runs[0].tool.driver.rules[duplicate.ruleIndex].id).toBe('duplicate-helmrelease');
    expect(duplicate).toEqual({
      ruleId: 'duplicate-helmrelease',
      ruleIndex: duplicate.ruleIndex,
      level: 'warning',
      message: { text: DUPLICATE.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'apps/kps.yaml', uriBaseId: '%SRCROOT%' },
            region: { startLine: 5, startColumn: 9, endLine: 5, endColumn: 30 },
          },
        },
      ],
      relatedLocations: [
        {
          id: 1,
          physicalLocation: {
            artifactLocation: { uri: 'infra/kps.yaml', uriBaseId: '%SRCROOT%' },
            region: { startLine: 6, startColumn: 9, endLine: 6, endColumn: 30 },
          },
          message: { text: 'other copy of this HelmRelease' },
        },
      ],
      partialFingerprints: { 'homeopsLint/v1': 'fedcba9876543210' },
      properties: { resource: DUPLICATE.resource },
    });
    expect(plain).not.toHaveProperty('relatedLocations');
    expect(plain).not.toHaveProperty('properties');
    expect(plain.level).toBe('error');
  });

  it('quotes the source under each span, and the whole lines around it, when the source is known', () => {
    const sources: Record<string, string> = { 'crlf.yaml': 'a: 1\r\nb: {x: 2}\r\nc: 3\r\n', 'one.yaml': 'k: v\n' };
    const findings = [finding({ file: 'crlf.yaml', line: 2, column: 4, endLine: 3, endColumn: 2 }), finding({ file: 'one.yaml', line: 1, column: 4, endLine: 1, endColumn: 4 })];
    const { runs } = JSON.parse(createSarif('1.2.3')({ ...input(findings), sourceOf: (file) => sources[file] }));
    const [multiLine, empty] = runs[0].results.map((result: { locations: [{ physicalLocation: object }] }) => result.locations[0].physicalLocation);
    expect(multiLine).toMatchObject({
      region: { startLine: 2, startColumn: 4, endLine: 3, endColumn: 2, snippet: { text: '{x: 2}\r\nc' } },
      contextRegion: { startLine: 1, endLine: 3, snippet: { text: 'a: 1\r\nb: {x: 2}\r\nc: 3' } },
    });
    expect(empty).toMatchObject({
      region: { startLine: 1, startColumn: 4, endLine: 1, endColumn: 4, snippet: { text: '' } },
      contextRegion: { startLine: 1, endLine: 1, snippet: { text: 'k: v' } },
    });
  });

  it('writes file paths as relative URI references', () => {
    const { runs } = log([finding({ file: 'my apps/a#1?.yaml' }), finding({ file: 'c:d/x%.yaml' })]);
    const uris = runs[0].results.map((result: { locations: [{ physicalLocation: { artifactLocation: { uri: string } } }] }) => result.locations[0].physicalLocation.artifactLocation.uri);
    expect(uris).toEqual(['my%20apps/a%231%3F.yaml', 'c%3Ad/x%25.yaml']);
  });

  it('uses the package version and is deterministic', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const output = sarif(input([DUPLICATE]));
    expect(JSON.parse(output).runs[0].tool.driver.semanticVersion).toBe(manifest.version);
    expect(sarif(input([DUPLICATE]))).toBe(output);
  });
});

const MULTITOOL = join(ROOT, 'tools/sarif-validator/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
const NO_MULTITOOL = 'Sarif.Multitool is not installed: run npm ci --prefix tools/sarif-validator (Linux only)';

describe('sarif against the official SARIF validator (Sarif.Multitool validate, with its GitHub code scanning rules)', () => {
  it('reports no errors on the findings of examples/home-ops, cross-file related locations and snippets included', ({ skip }) => {
    if (!isExecutable(MULTITOOL)) skip(NO_MULTITOOL);
    const { findings, fileCount, files } = lintPath('examples/home-ops', ROOT);
    expect(findings.some((f) => f.related.some((related) => related.file !== f.file))).toBe(true);
    const texts = new Map(files.flatMap((file) => ('text' in file ? [[file.path, file.text] as const] : [])));
    const results = validate(sarif({ findings, fileCount, sourceOf: (file) => texts.get(file), color: false }));
    expect(results.filter((result) => result.level === 'error')).toEqual([]);
    expect(results.filter((result) => result.level === 'warning')).toEqual([]);
  });

  it('reports no errors for hostile file names and messages, empty and multi-line spans, and CRLF sources', ({ skip }) => {
    if (!isExecutable(MULTITOOL)) skip(NO_MULTITOOL);
    const sources: Record<string, string> = { [HOSTILE_FILE]: 'a: 1\r\nb: {x: 2}\r\nc: 3\r\n', 'my apps/a#1?.yaml': 'k: v\n' };
    const findings = [
      finding({ file: HOSTILE_FILE, message: HOSTILE_MESSAGE, line: 2, column: 4, endLine: 3, endColumn: 2, related: [{ ...DUPLICATE.related[0]!, file: 'my apps/a#1?.yaml', line: 1, column: 1, endLine: 1, endColumn: 2 }] }),
      finding({ file: 'my apps/a#1?.yaml', ruleId: 'yaml-syntax', message: 'Bad {0} {{x}} here.', line: 1, column: 3, endLine: 1, endColumn: 3, resource: null }),
      finding({ file: 'gone.yaml', ruleId: 'no-such-rule' }),
    ];
    const results = validate(sarif({ findings, fileCount: 3, sourceOf: (file) => sources[file], color: false }));
    expect(results.filter((result) => result.level === 'error')).toEqual([]);
  });
});

interface ValidatorResult {
  readonly ruleId: string;
  readonly level: string;
  readonly message: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return process.platform === 'linux';
  } catch {
    return false;
  }
}

// SARIF2006 (UrisShouldBeReachable) fetches every URI in the log; tests stay offline.
const OFFLINE_CONFIG = `<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
`;

/** Every problem the validator reports (notes too), with its message filled in. */
function validate(log: string): ValidatorResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'homeops-lint-sarif-'));
  try {
    writeFileSync(join(dir, 'homeops-lint.sarif'), log);
    writeFileSync(join(dir, 'offline.xml'), OFFLINE_CONFIG);
    execFileSync(
      MULTITOOL,
      ['validate', 'homeops-lint.sarif', '--output', 'validation.sarif', '--log', 'ForceOverwrite', '--rule-kind', 'Sarif;Gh', '--level', 'Error;Warning;Note', '--config', 'offline.xml'],
      // .NET's invariant globalization mode: the self-contained binary then needs no ICU on the machine.
      { cwd: dir, stdio: 'pipe', env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' } },
    );
    const output = JSON.parse(readFileSync(join(dir, 'validation.sarif'), 'utf8').replace(/^\uFEFF/, ''));
    const run = output.runs[0];
    const rules = new Map<string, { messageStrings?: Record<string, { text: string }> }>(run.tool.driver.rules.map((rule: { id: string }) => [rule.id, rule]));
    return (run.results ?? []).map((result: { ruleId: string; level?: string; message: { id?: string; text?: string; arguments?: string[] } }) => ({
      ruleId: result.ruleId,
      level: result.level ?? 'warning',
      message: fillIn(result.message.text ?? rules.get(result.ruleId)?.messageStrings?.[result.message.id ?? '']?.text ?? result.message.id ?? '', result.message.arguments ?? []),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fillIn(template: string, args: readonly string[]): string {
  return template.replace(/\{(\d+)\}/g, (match, index: string) => args[Number(index)] ?? match);
}

interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

/**
 * A strict parser for the XML subset junit output uses (declaration, elements,
 * attributes, text, the five entities and character references). It throws on
 * anything not well-formed, including characters XML 1.0 forbids.
 */
function parseXml(xml: string): XmlElement {
  const forbidden = /[^\u{9}\u{A}\u{D}\u{20}-\u{D7FF}\u{E000}-\u{FFFD}\u{10000}-\u{10FFFF}]/u.exec(xml);
  if (forbidden) throw new Error(`character U+${forbidden[0].codePointAt(0)!.toString(16)} is not allowed in XML 1.0`);
  const token = /<\?xml[^?]*\?>|<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^<"]*")*)\s*(\/?)>|([^<]+)/gy;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let match: RegExpExecArray | null;
  while (token.lastIndex < xml.length && (match = token.exec(xml))) {
    const [, closing, name, attributeText, selfClosing, text] = match;
    const parent = stack[stack.length - 1];
    if (text !== undefined) {
      if (parent) parent.text += decode(text);
      else if (text.trim() !== '') throw new Error(`text outside the root element: ${text}`);
    } else if (closing) {
      if (stack.pop()?.name !== name) throw new Error(`mismatched </${name}>`);
    } else if (name) {
      if (root && stack.length === 0) throw new Error('second root element');
      const attributes: Record<string, string> = {};
      for (const [, key, value] of attributeText!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
        if (key! in attributes) throw new Error(`duplicate attribute ${key}`);
        attributes[key!] = decode(value!.replace(/[\t\n\r]/g, ' '));
      }
      const element: XmlElement = { name, attributes, children: [], text: '' };
      if (parent) parent.children.push(element);
      else root = element;
      if (!selfClosing) stack.push(element);
    }
  }
  if (token.lastIndex !== xml.length || stack.length > 0 || !root) throw new Error(`not well-formed at offset ${token.lastIndex}`);
  return root;
}

function decode(text: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) throw new Error(`bare & in ${text}`);
  if (text.includes(']]>')) throw new Error(`]]> in text: ${text}`);
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_match, ref: string) =>
      ref.startsWith('#x') ? String.fromCodePoint(parseInt(ref.slice(2), 16)) : ref.startsWith('#') ? String.fromCodePoint(Number(ref.slice(1))) : entities[ref]!,
    );
}
