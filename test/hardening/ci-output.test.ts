import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { cli } from '../helpers/cli.js';
import { hostileTree, lintJson, type JsonFinding } from './hostile.js';

const FORMATS = ['stylish', 'json', 'sarif', 'github', 'junit'] as const;

// What a stranger can put in a name to steer a terminal or a CI log: colours,
// a window title, a hyperlink, a bell, line breaks that start a workflow
// command, line and paragraph separators, and text-direction overrides.
const HOSTILE_NAME = '\\e[31mred\\e[0m\\e]0;title\\a\\e]8;;https://evil.example\\e\\\\link\\e]8;;\\e\\\\\\r\\n::error file=forged.yaml::forged\\n##[error]old\\u2028::warning::ls\\u202eevil\\u2066%0A';
const HOSTILE_FILE = 'x\u001b[2J\u0007\n::error file=a,line=1::forged\u202e.yaml';
const COMMAND_FILE = '::set-output name=result::pwned.yaml';

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "${name}"\n  namespace: default\ndata:\n  a: b\n`;

/** Two copies of a ConfigMap with a hostile name, in files with hostile names, and a syntax error that quotes the source. */
function hostileRepo(): string {
  return hostileTree({
    [HOSTILE_FILE]: configMap(HOSTILE_NAME),
    [COMMAND_FILE]: configMap(HOSTILE_NAME),
    'header.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h\ndata:\n  a: |x\u001b]0;pwned\u0007\u202e\n    b\n',
  });
}

const C0_C1 = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const INVISIBLE = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// GitHub Actions reads a line as a workflow command when it starts, after blanks, with :: or ##[.
const WORKFLOW_COMMAND = /^\s*(?:::|##\[)/;

function expectInertText(output: string): void {
  expect(output).not.toMatch(C0_C1);
  expect(output).not.toMatch(INVISIBLE);
  for (const line of output.split('\n')) expect(line, line).not.toMatch(WORKFLOW_COMMAND);
}

describe('everything printed from a manifest is escaped for its format', () => {
  it('the JSON output keeps every name exactly (the reference for the other formats)', async () => {
    const { findings } = await lintJson(hostileRepo());
    // header.yaml: its control characters, and the syntax error they make.
    expect(findings.map((f) => f.file).sort()).toEqual([COMMAND_FILE, HOSTILE_FILE, 'header.yaml', 'header.yaml'].sort());
    expect(findings.filter((f) => f.ruleId === 'duplicate-resource').every((f) => f.message.includes('\u001b[31mred'))).toBe(true);
  });

  it('stylish sends no control character, no invisible or direction character and no workflow command to the terminal', async () => {
    const dir = hostileRepo();
    const plain = await cli(['--no-color', '.'], dir);
    expect(plain.code).toBe(1);
    expectInertText(plain.stdout);
    expect(plain.stdout).toContain(`./${COMMAND_FILE}:4:9  error`);
    expect(plain.stdout).toContain('\\u001b[31mred');
  });

  it('stylish in colour adds only its own colour codes', async () => {
    let stdout = '';
    await run(['.'], { cwd: hostileRepo(), stdout: (text) => (stdout += text), stderr: () => {}, color: true });
    const ownColours = /\u001b\[(?:\d+;)*\d+m/g;
    expect(stdout).toMatch(ownColours);
    expectInertText(stdout.replace(ownColours, ''));
  });

  it('github prints exactly one workflow command per finding, whose properties and message decode to the original text', async () => {
    const dir = hostileRepo();
    const { findings } = await lintJson(dir);
    const { stdout } = await cli(['--format', 'github', '.'], dir);
    const lines = stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(findings.length);
    const command = /^::(error|warning) file=([^,:\r\n]*),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),title=([a-z-]+)::([^\r\n]*)$/;
    const decoded = lines.map((line) => {
      const match = command.exec(line);
      expect(match, line).not.toBeNull();
      const [, severity, file, lineNumber, column, , , ruleId, message] = match!;
      return { severity, file: unescape(file!), line: Number(lineNumber), column: Number(column), ruleId, message: unescape(message!) };
    });
    expect(decoded).toEqual(findings.map((f) => ({ severity: f.severity, file: f.file, line: f.line, column: f.column, ruleId: f.ruleId, message: f.message })));
  });

  it('SARIF and JSON are valid JSON that keep the text; JUnit is well-formed XML 1.0', async () => {
    const dir = hostileRepo();
    const { findings } = await lintJson(dir);
    const sarif = JSON.parse((await cli(['--format', 'sarif', '.'], dir)).stdout) as SarifLog;
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.map((r) => [decodeURIComponent(r.locations[0]!.physicalLocation.artifactLocation.uri), r.message.text])).toEqual(
      findings.map((f) => [f.file, f.message]),
    );
    const junit = (await cli(['--format', 'junit', '.'], dir)).stdout;
    const failures = wellFormedXml(junit).filter((element) => element.name === 'failure');
    expect(failures).toHaveLength(findings.length);
  });

  it('graph escapes names and paths from manifests, and prints no workflow command', async () => {
    const dir = hostileTree({
      'clusters/main/flux.yaml': [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        `  name: "${HOSTILE_NAME}"`,
        '  namespace: "::set-output name=x::y"',
        'spec:',
        '  path: "./apps\\e[2J\\u202e"',
        `  targetNamespace: "${HOSTILE_NAME}"`,
        '  sourceRef:',
        '    kind: GitRepository',
        '    name: flux-system',
        '',
      ].join('\n'),
      '::notice::apps.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
    });
    const text = await cli(['graph', '.'], dir);
    expect(text.code).toBe(0);
    expectInertText(text.stdout);
    expect(text.stdout).toContain('  \\u003a:set-output name=x::y/\\u001b[31mred');
    const json = await cli(['graph', '--format', 'json', '.'], dir);
    expect(JSON.parse(json.stdout)).toMatchObject({ clusters: [{ kustomizations: [{ id: expect.stringContaining('::set-output') }] }] });
  });
});

describe('secret values never reach the output', () => {
  const SECRET = (name: string) =>
    [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      `  name: ${name}`,
      '  namespace: default',
      'type: Opaque',
      'stringData:',
      '  username: admin-TOPSECRET-user',
      '  password: hunter2-TOPSECRET-${DB_SUFFIX}',
      '  config.yaml: |',
      '    token: TOPSECRET-in-a-block',
      '    url: https://user:TOPSECRET@db',
      '',
    ].join('\n');
  const files = {
    'clusters/apps.yaml':
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      DOMAIN: example.org\n',
    'apps/a/secret.yaml': SECRET('db'),
    'apps/b/secret.yaml': SECRET('db'),
    'apps/c/secret.sops.yaml':
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\nstringData:\n  password: ENC[AES256_GCM,data:TOPSECRET-cipher,type:str]\nsops:\n  age:\n    - recipient: age1TOPSECRET\n      enc: |\n        TOPSECRET-age-block\n  version: 3.9.0\n',
    'apps/d/broken.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\n  namespace: default\nstringData:\n  password: "TOPSECRET-unterminated\n',
    'apps/f/flow.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flow, namespace: default}\n---\n{apiVersion: v1, kind: Secret, metadata: {name: db, namespace: default}, data: {password: VE9QU0VDUkVUCg==}, type: TOPSECRET-type}\n',
    'apps/g/resourceset.yaml':
      'apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata:\n  name: rs\n  namespace: default\nspec:\n  resources:\n    - apiVersion: v1\n      kind: Secret\n      stringData:\n        token: TOPSECRET-embedded\n  broken: [\n',
    'apps/e/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - missing.yaml\nsecretGenerator:\n  - name: generated\n    literals:\n      - password=TOPSECRET-literal\n',
  };

  it('findings about Secrets, SOPS files and secret generators quote keys, never values, in every format', async () => {
    const dir = hostileTree(files);
    const { findings } = await lintJson(dir);
    const rules = new Set(findings.map((f: JsonFinding) => `${f.file.split('/')[1]} ${f.ruleId}`));
    // The cases the test relies on: rules that report on a Secret's value, on its name, on a broken Secret, on a secret generator.
    for (const expected of ['a flux-substitution-undefined', 'b duplicate-resource', 'c duplicate-resource', 'd yaml-syntax', 'e kustomize-missing-resource', 'f duplicate-resource', 'g yaml-syntax']) {
      expect(rules).toContain(expected);
    }
    for (const format of FORMATS) {
      const { stdout } = await cli(['--no-color', '--format', format, '.'], dir);
      expect(stdout, format).not.toContain('TOPSECRET');
      expect(stdout, format).not.toContain('hunter2');
    }
    const { stdout } = await cli(['--no-color', '.'], dir);
    expect(stdout).toContain('  9 |   password: ******************************\n    |                               ^~~~~~~~~~~~');
    expect(stdout).toContain('  7 |   password: ***********************\n    |             ^');
  });

  it('a Secret masks its own document only: a finding in another document of its file shows its line', async () => {
    const policy = 'apiVersion: cilium.io/v2alpha1\nkind: CiliumBGPPeeringPolicy\nmetadata:\n  name: bgp\nspec:\n  virtualRouters:\n    - localASN: 64512\n      serviceSelector: {} # all Services\n';
    const dir = hostileTree({ 'apps/a/bgp.yaml': `${policy}---\n${SECRET('db')}`, 'apps/b/secret.yaml': SECRET('db') });
    for (const format of FORMATS) expect((await cli(['--no-color', '--format', format, '.'], dir)).stdout, format).not.toContain('TOPSECRET');
    const { stdout } = await cli(['--no-color', '.'], dir);
    expect(stdout).toContain('  8 |       serviceSelector: {} # all Services\n    |       ^~~~~~~~~~~~~~~');
    expect(stdout).toContain('  13 |   name: **\n');
    const sarif = JSON.parse((await cli(['--format', 'sarif', '.'], dir)).stdout) as SarifLog;
    const snippets = sarif.runs[0]!.results.map((result) => result.locations[0]!.physicalLocation.contextRegion?.snippet.text);
    // The line after the policy's is the Secret document's `---`.
    expect(snippets).toEqual(['    - localASN: 64512\n      serviceSelector: {} # all Services', undefined, undefined]);
  });

  it('a broken file holding a Secret is masked throughout: an unclosed quote can run past a --- line', async () => {
    const dir = hostileTree({ 'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: "TOPSECRET-unterminated\n---\n  TOPSECRET-after\nmore: TOPSECRET"\n' });
    const { findings } = await lintJson(dir);
    expect(findings.map((f) => f.line)).toContain(8);
    for (const format of FORMATS) expect((await cli(['--no-color', '--format', format, '.'], dir)).stdout, format).not.toContain('TOPSECRET');
  });

  it('an ordinary manifest keeps its source lines, also one that refers to a Secret by name', async () => {
    const dir = hostileTree({
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "visible\n',
      'hr.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: default\nspec:\n  valuesFrom:\n    - kind: Secret\n      name: app-values\n  values:\n    a: [visible-too\n',
    });
    const { stdout } = await cli(['--no-color', '.'], dir);
    expect(stdout).toContain('  6 |   a: "visible');
    expect(stdout).toContain('  11 |     a: [visible-too');
    const sarif = JSON.parse((await cli(['--format', 'sarif', '.'], dir)).stdout) as SarifLog;
    expect(sarif.runs[0]!.results.map((result) => result.locations[0]!.physicalLocation.contextRegion?.snippet.text)).toEqual([
      expect.stringContaining('visible'),
      expect.stringContaining('visible-too'),
    ]);
  });

  // The parser's message quotes the rest of a block scalar header.
  it('a broken block scalar header in a Secret is not quoted', async () => {
    const dir = hostileTree({ 'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: |TOPSECRET\n    x\n' });
    expect((await cli(['--format', 'json', '.'], dir)).stdout).not.toContain('TOPSECRET');
  });
});

interface SarifLog {
  version: string;
  runs: {
    results: {
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; contextRegion?: { snippet: { text: string } } } }[];
    }[];
  }[];
}

/** Reverses the workflow-command escapes (@actions/core's `escapeData` and `escapeProperty`). */
function unescape(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
}

/**
 * A strict reading of the XML the JUnit formatter writes: a declaration,
 * elements with double-quoted attributes, text, and the five entities or
 * character references; nothing XML 1.0 forbids. Throws when not well-formed.
 */
function wellFormedXml(xml: string): XmlElement[] {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(xml)) throw new Error('character XML 1.0 forbids');
  const token = /<\?xml [^?]*\?>|<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<&]*(?:&(?:amp|lt|gt|quot|apos|#\d+);[^"<&]*)*")*)\s*(\/?)>|[^<&]+|&(?:amp|lt|gt|quot|apos|#\d+);/y;
  const elements: XmlElement[] = [];
  const open: string[] = [];
  while (token.lastIndex < xml.length) {
    const at = token.lastIndex;
    const match = token.exec(xml);
    if (!match) throw new Error(`not well-formed at ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
    const [, closing, name, attributes, selfClosing] = match;
    if (name === undefined) continue;
    if (closing) {
      if (open.pop() !== name) throw new Error(`unbalanced </${name}> at ${at}`);
      continue;
    }
    const pairs = [...attributes!.matchAll(/([A-Za-z][\w.-]*)="([^"]*)"/g)].map(([, key, value]) => [key!, value!] as const);
    if (new Set(pairs.map(([key]) => key)).size !== pairs.length) throw new Error(`repeated attribute in <${name}>`);
    elements.push({ name, attributes: Object.fromEntries(pairs) });
    if (!selfClosing) open.push(name);
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  return elements;
}
