import { describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/linter/linter.js';
import { cli } from '../helpers/cli.js';
import { BACKUP, CONFIG_MAP, hostileTree, lintJson, located } from './hostile.js';

/**
 * Every error the YAML parser reports that a manifest can trigger, one file
 * each: a `yaml-syntax` finding on the token at fault, the other files
 * still linted. (BAD_COLLECTION_TYPE, MULTIPLE_DOCS and NON_STRING_KEY are
 * not errors for a stream of Kubernetes documents; IMPOSSIBLE is the
 * parser's own bug.)
 */
const PARSER_ERRORS: Record<string, { text: string; at: string }> = {
  ALIAS_PROPS: { text: `${CONFIG_MAP}data:\n  a: &x 1\n  b: !!str *x\n`, at: '7:12' },
  BAD_ALIAS: { text: `${CONFIG_MAP}data:\n  a: & 1\n`, at: '6:6' },
  BAD_DIRECTIVE: { text: `%YAML\n---\n${CONFIG_MAP}`, at: '1:1' },
  BAD_DQ_ESCAPE: { text: `${CONFIG_MAP}data:\n  a: "\\q"\n`, at: '6:7' },
  // (A flow collection's lines under its key's column are no error for go-yaml: see go-yaml leniency.)
  BAD_INDENT: { text: `${CONFIG_MAP}data:\n  a: 1\n b: 2\n`, at: '7:2' },
  BAD_SCALAR_START: { text: `${CONFIG_MAP}data:\n  a: @foo\n`, at: '6:6' },
  BLOCK_AS_IMPLICIT_KEY: { text: `${CONFIG_MAP}data:\n  a: b: c\n`, at: '6:6' },
  BLOCK_IN_FLOW: { text: `${CONFIG_MAP}data: [\n  - a\n]\n`, at: '6:3' },
  DUPLICATE_KEY: { text: `${CONFIG_MAP}data:\n  a: 1\n  a: 2\n`, at: '7:3' },
  KEY_OVER_1024_CHARS: { text: `${CONFIG_MAP}data:\n  ${'k'.repeat(1100)}: v\n`, at: '6:3' },
  MISSING_CHAR: { text: `${CONFIG_MAP}data:\n  a: "abc\n`, at: '6:6' },
  MULTILINE_IMPLICIT_KEY: { text: `${CONFIG_MAP}data:\n  "a\n  b": c\n`, at: '6:3' },
  MULTIPLE_ANCHORS: { text: `${CONFIG_MAP}data:\n  a: &x &y 1\n`, at: '6:9' },
  MULTIPLE_TAGS: { text: `${CONFIG_MAP}data:\n  a: !!str !!str 1\n`, at: '6:12' },
  TAB_AS_INDENT: { text: `${CONFIG_MAP}data:\n\ta: 1\n`, at: '6:1' },
  TAG_RESOLVE_FAILED: { text: `${CONFIG_MAP}data:\n  a: !x!y 1\n`, at: '6:6' },
  UNEXPECTED_TOKEN: { text: `${CONFIG_MAP}data: {a: 1}}\n`, at: '5:13' },
};

/** More shapes of the common mistakes, each pointing at its own token. */
const MORE_MISTAKES: Record<string, { text: string; at: string; code: string }> = {
  'block-scalar-header': { text: `${CONFIG_MAP}data:\n  a: |x\n    b\n`, at: '6:7', code: 'UNEXPECTED_TOKEN' },
  'comment-without-space': { text: `${CONFIG_MAP}data:\n  a: "b"# c\n`, at: '6:9', code: 'MISSING_CHAR' },
  'document-start-in-flow': { text: `${CONFIG_MAP}data: [\n---\n]\n`, at: '6:1', code: 'BAD_INDENT' },
  'mapping-after-sequence': { text: `${CONFIG_MAP}data:\n  - a\n  b: c\n`, at: '7:3', code: 'BAD_INDENT' },
  'reserved-backtick': { text: `${CONFIG_MAP}data:\n  a: \`foo\n`, at: '6:6', code: 'BAD_SCALAR_START' },
  'scalar-after-quote': { text: `${CONFIG_MAP}data:\n  a: "b" c\n`, at: '6:10', code: 'UNEXPECTED_TOKEN' },
  'single-quote-unclosed': { text: `${CONFIG_MAP}data:\n  a: 'abc\n`, at: '6:6', code: 'MISSING_CHAR' },
  'unclosed-flow-map': { text: `${CONFIG_MAP}data: {a: 1\n`, at: '5:11', code: 'BAD_INDENT' },
  'unclosed-flow-sequence': { text: `${CONFIG_MAP}data: [1, 2\n`, at: '5:11', code: 'BAD_INDENT' },
  'verbatim-tag-unclosed': { text: `${CONFIG_MAP}data:\n  a: !<tag:x 1\n`, at: '6:6', code: 'TAG_RESOLVE_FAILED' },
};

describe('syntax errors of every kind', () => {
  it('each parser error is a yaml-syntax finding on the token at fault', async () => {
    const dir = hostileTree(Object.fromEntries(Object.entries(PARSER_ERRORS).map(([code, { text }]) => [`${code}.yaml`, text])));
    const { code, findings } = await lintJson(dir);
    expect(code).toBe(1);
    expect(located(findings)).toEqual(Object.entries(PARSER_ERRORS).map(([name, { at }]) => `${name}.yaml:${at} yaml-syntax/syntax ${name}`));
  });

  it('so is each common shape of a mistake', async () => {
    const dir = hostileTree(Object.fromEntries(Object.entries(MORE_MISTAKES).map(([name, { text }]) => [`${name}.yaml`, text])));
    const { findings } = await lintJson(dir);
    expect(located(findings)).toEqual(Object.entries(MORE_MISTAKES).map(([name, { at, code }]) => `${name}.yaml:${at} yaml-syntax/syntax ${code}`));
  });

  it('reports one error per broken document and still checks the other documents of the file', async () => {
    const dir = hostileTree({ 'multi.yaml': `${CONFIG_MAP}data: {\n---\n${BACKUP}---\n${CONFIG_MAP}data:\n  a: "x\n  b: [\n` });
    const { findings } = await lintJson(dir);
    expect(located(findings)).toEqual([
      'multi.yaml:6:1 yaml-syntax/syntax BAD_INDENT',
      'multi.yaml:13:3 cnpg-backup-immediate/immediate',
      'multi.yaml:22:6 yaml-syntax/syntax MISSING_CHAR',
    ]);
  });

  it('underlines the token in the source line, with tabs shown as one space', async () => {
    const dir = hostileTree({ 'tab.yaml': PARSER_ERRORS.TAB_AS_INDENT!.text, 'quote.yaml': MORE_MISTAKES['scalar-after-quote']!.text });
    const { stdout } = await cli(['--no-color', '.'], dir);
    expect(stdout).toContain('quote.yaml:6:10  error  Unexpected scalar at node end (UNEXPECTED_TOKEN)');
    expect(stdout).toContain('  6 |   a: "b" c\n    |          ^\n');
    expect(stdout).toContain('  6 |  a: 1\n    | ^\n');
  });
});

describe('tabs, line ends, byte order marks and encodings', () => {
  const withBackup = (transform: (text: string) => string | Uint8Array) => hostileTree({ 'lf.yaml': BACKUP, 'x/other.yaml': transform(BACKUP) });

  it('a tab inside a value or a comment is no mistake', async () => {
    const dir = hostileTree({ 'tabs.yaml': `${CONFIG_MAP}data:\n  a: "x\ty"\n  b: x\ty\t# a\tcomment\n` });
    expect((await lintJson(dir)).findings).toEqual([]);
  });

  it('CRLF line ends give the same positions as LF, and the underline stops before the CR', async () => {
    const dir = withBackup((text) => text.replace(/\n/g, '\r\n'));
    const { findings } = await lintJson(dir);
    const immediate = findings.filter((f) => f.ruleId === 'cnpg-backup-immediate').map((f) => [f.file, f.line, f.column, f.endLine, f.endColumn]);
    expect(immediate).toEqual([
      ['lf.yaml', 7, 3, 7, 12],
      ['x/other.yaml', 7, 3, 7, 12],
    ]);
    const { stdout } = await cli(['--no-color', 'x/other.yaml'], dir);
    expect(stdout).toContain('  7 |   immediate: true\n    |   ^~~~~~~~~\n');
    expect(stdout).not.toContain('\\u000d');
  });

  it('CRLF in a broken file: the finding is on the right line', async () => {
    const dir = hostileTree({ 'crlf.yaml': `${CONFIG_MAP}data:\n  a: "x\n`.replace(/\n/g, '\r\n') });
    expect(located((await lintJson(dir)).findings)).toEqual(['crlf.yaml:6:6 yaml-syntax/syntax MISSING_CHAR']);
  });

  it('lone CR line ends (old Mac) are line breaks, as YAML and Flux read them', async () => {
    const dir = withBackup((text) => text.replace(/\n/g, '\r'));
    const { findings } = await lintJson(dir);
    expect(located(findings.filter((f) => f.ruleId !== 'duplicate-resource'))).toEqual([
      'lf.yaml:7:3 cnpg-backup-immediate/immediate',
      'x/other.yaml:7:3 cnpg-backup-immediate/immediate',
    ]);
  });

  it('a UTF-8 byte order mark changes no position, even on the first line', async () => {
    const dir = hostileTree({ 'bom.yaml': `\uFEFF${BACKUP}`, 'bom-broken.yaml': '\uFEFFkey: "x\n', 'plain-broken.yaml': 'key: "x\n' });
    const { findings } = await lintJson(dir);
    expect(located(findings)).toEqual([
      'bom-broken.yaml:1:6 yaml-syntax/syntax MISSING_CHAR',
      'bom.yaml:7:3 cnpg-backup-immediate/immediate',
      'plain-broken.yaml:1:6 yaml-syntax/syntax MISSING_CHAR',
    ]);
  });

  it('a byte order mark at the start of a later document (files joined into one) hides no object and is no mistake', async () => {
    // One Backup each (named after its file), after the ConfigMap of the file.
    const backup = (name: string) => BACKUP.replace('name: b\n', `name: ${name}\n`);
    const dir = hostileTree({
      'after-marker.yaml': `${CONFIG_MAP}---\n\uFEFF${backup('after')}`,
      'before-marker.yaml': `${CONFIG_MAP}\uFEFF---\n${backup('before')}`,
      'before-comment.yaml': `${CONFIG_MAP}---\n\uFEFF# the backup\n${backup('comment')}`,
      'quoted-key.yaml': `${CONFIG_MAP}---\n\uFEFF"apiVersion": postgresql.cnpg.io/v1\n${backup('quoted').replace(/^apiVersion: .*\n/, '')}`,
    });
    const { findings } = await lintJson(dir);
    expect(located(findings).filter((finding) => !finding.includes('duplicate-resource'))).toEqual([
      'after-marker.yaml:12:3 cnpg-backup-immediate/immediate',
      'before-comment.yaml:13:3 cnpg-backup-immediate/immediate',
      'before-marker.yaml:12:3 cnpg-backup-immediate/immediate',
      'quoted-key.yaml:12:3 cnpg-backup-immediate/immediate',
    ]);
  });

  it('invalid UTF-8 is a finding at the first bad byte, and the rest of the file is still checked', async () => {
    const bytes = Buffer.concat([Buffer.from(BACKUP.replace('  name: pg\n', '  name: pg # caf')), Buffer.from([0xe9, 0x80]), Buffer.from('\n')]);
    const dir = hostileTree({ 'latin1.yaml': bytes });
    expect(located((await lintJson(dir)).findings)).toEqual(['latin1.yaml:7:3 cnpg-backup-immediate/immediate', 'latin1.yaml:9:19 yaml-syntax/encoding']);
  });

  it('UTF-16 is not UTF-8', async () => {
    const dir = hostileTree({ 'utf16.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BACKUP, 'utf16le')]) });
    expect(located((await lintJson(dir)).findings)).toEqual(['utf16.yaml:1:1 yaml-syntax/encoding']);
  });

  it('a binary file named .yaml is a finding, never a crash, and prints no raw bytes', async () => {
    let state = 42;
    const random = Uint8Array.from({ length: 64 * 1024 }, () => (state = (state * 1103515245 + 12345) >>> 0) >>> 24);
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), random.subarray(0, 512)]);
    const gzip = Buffer.concat([Buffer.from('1f8b0800000000000003', 'hex'), random.subarray(512, 2048)]);
    const dir = hostileTree({ 'random.yaml': random, 'image.yaml': png, 'archive.yml': gzip, 'ok.yaml': BACKUP });
    const { findings } = await lintJson(dir);
    for (const file of ['archive.yml', 'image.yaml', 'random.yaml']) {
      expect(findings.some((f) => f.file === file && f.ruleId === 'yaml-syntax' && f.messageId === 'encoding'), file).toBe(true);
    }
    expect(located(findings.filter((f) => f.file === 'ok.yaml'))).toEqual(['ok.yaml:7:3 cnpg-backup-immediate/immediate']);
    const { stdout } = await cli(['--no-color', '.'], dir);
    expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  // go-yaml (Flux, kustomize, kubectl) refuses a file with a C0 or C1 control
  // character other than tab, line breaks and NEL anywhere, comments included
  // ("control characters are not allowed"); the parser we use accepts them.
  it('a control character is a finding where it is, the first of each file', async () => {
    const dir = hostileTree({
      'nul.yaml': `${CONFIG_MAP}data:\n  a: b\u0000c\u007f\u0085\n`,
      'del.yaml': `${CONFIG_MAP}# \u007f\n`,
      'c1.yaml': `${CONFIG_MAP}data:\n  a: "\u009b"\n`,
      'nonchar.yaml': `${CONFIG_MAP}data:\n  a: \uffff\n`,
      // Tab, NEL, no-break space and a byte order mark are allowed.
      'allowed.yaml': `\ufeff${CONFIG_MAP}data:\n  a: "b\tc\u0085\u00a0"\n`,
    });
    const { code, findings } = await lintJson(dir);
    expect(code).toBe(1);
    expect(located(findings)).toEqual(['c1.yaml:6:7 yaml-syntax/control', 'del.yaml:5:3 yaml-syntax/control', 'nonchar.yaml:6:6 yaml-syntax/control', 'nul.yaml:6:7 yaml-syntax/control']);
    expect(findings.find((f) => f.file === 'nul.yaml')!.message).toBe(
      'Control character U+0000 is not allowed in YAML; Flux, kustomize and kubectl refuse the whole file. Remove it, or write it as an escape in a double-quoted string.',
    );
  });
});

describe('files with nothing to check', () => {
  it('empty files, comments only, blank lines and empty documents are read and skipped quietly', async () => {
    const dir = hostileTree({
      'empty.yaml': '',
      'blank.yaml': '\n\n   \n',
      'comments.yaml': '# only\n# comments\n',
      'separators.yaml': '---\n---\n---\n',
      'ends.yaml': '---\n...\n---\n...\n',
      'null.yaml': '~\n',
      'scalar.yaml': 'just text\n',
      'list.yaml': '- a\n- b\n',
    });
    const { code, findings, files } = await lintJson(dir);
    expect({ code, findings, files }).toEqual({ code: 0, findings: [], files: 8 });
  });

  it('a manifest after empty documents keeps its own positions', async () => {
    const dir = hostileTree({ 'late.yaml': `---\n---\n# comment\n---\n${BACKUP}` });
    expect(located((await lintJson(dir)).findings)).toEqual(['late.yaml:11:3 cnpg-backup-immediate/immediate']);
  });
});

describe('go-yaml leniency: a flow collection over lines, at or under its key', () => {
  // go-yaml (Flux, kubectl), like libyaml, ignores indentation inside a flow
  // collection; YAML 1.2 and `yaml` want its lines deeper than the block.
  const files: Record<string, { text: string; data: unknown }> = {
    'root-map.yaml': { text: `${CONFIG_MAP}data: {\na: "1",\nb: "2"\n}\n`, data: { a: '1', b: '2' } },
    'nested-sequence.yaml': { text: `${CONFIG_MAP}data:\n  args: [\n  "--x",\n  "--y"\n  ]\n`, data: { args: ['--x', '--y'] } },
    'in-a-list.yaml': { text: `${CONFIG_MAP}data:\n  list:\n    - args: [\n      "--x", # a comment with ] in it\n    "a long\n  string", { k: [1,\n  2] }\n    ]\n`, data: { list: [{ args: ['--x', 'a long string', { k: [1, 2] }] }] } },
    'after-a-block-scalar.yaml': { text: `${CONFIG_MAP}data:\n  script: |\n    echo [ {\n  list: [\n  x ]\n`, data: { script: 'echo [ {\n', list: ['x'] } },
    'crlf.yaml': { text: `${CONFIG_MAP}data: {\na: "1"\n}\n---\n${CONFIG_MAP}data: {\nb: "2"\n}\n`.replaceAll('\n', '\r\n'), data: { b: '2' } },
  };

  it('is read as go-yaml reads it, with no finding', () => {
    const { index, findings } = loadRepository(Object.entries(files).map(([path, { text }]) => ({ path, text })), '');
    expect(findings).toEqual([]);
    expect(Object.fromEntries(index.all.map((resource) => [resource.file.path, resource.written.data]))).toEqual(Object.fromEntries(Object.entries(files).map(([path, { data }]) => [path, data])));
  });

  // The lines inside are indented before `yaml` parses them; positions are placed back in the file's own text.
  it('a finding after such a collection is where the file has it', async () => {
    const dir = hostileTree({ 'backup.yaml': BACKUP.replace('  cluster:\n    name: pg\n', '  cluster: {\n  name: pg\n  }\n').replace('  immediate: true\n', '') + '  immediate: true\n' });
    for (const args of [['.'], ['--no-fast-compose', '.'], ['--cache-location', 'cache', '.'], ['--cache-location', 'cache', '.']]) {
      expect(located((await lintJson(dir, args)).findings), args.join(' ')).toEqual(['backup.yaml:10:3 cnpg-backup-immediate/immediate']);
    }
  });

  it('a collection still open where its document ends, or broken inside, is still a finding', async () => {
    const dir = hostileTree({
      'unclosed.yaml': `${CONFIG_MAP}data: [1,\n2\n---\n${CONFIG_MAP}data:\n  k: 1]\n`,
      // The next document's `]` (in a plain scalar) closes nothing: the collection ended with its document.
      'unclosed-crlf.yaml': `${CONFIG_MAP}data: [1,\n2\n---\n${CONFIG_MAP}data:\n  k: 1]\n`.replaceAll('\n', '\r\n'),
      'broken.yaml': `${CONFIG_MAP}data: {\na: 1,\nb: @x\n}\n`,
    });
    expect(located((await lintJson(dir)).findings)).toEqual([
      'broken.yaml:7:4 yaml-syntax/syntax BAD_SCALAR_START',
      'unclosed-crlf.yaml:6:1 yaml-syntax/syntax BAD_INDENT',
      'unclosed.yaml:6:1 yaml-syntax/syntax BAD_INDENT',
    ]);
  });
});
