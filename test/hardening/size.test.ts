import { openSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../../src/discovery/read.js';
import { lint } from '../../src/linter/linter.js';
import { cli } from '../helpers/cli.js';
import { BACKUP, CONFIG_MAP, hostileTree, lintJson, located, timed } from './hostile.js';

const LEVELS = 10_000;

const FLUX_KUSTOMIZATION =
  'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substitute:\n      A: b\n';

/** Nesting `levels` deep as a value on line 6 (after `data:` and `  a:`), in each collection style. */
const NESTED: Record<string, (levels: number) => string> = {
  'flow-sequence': (levels) => `${CONFIG_MAP}data:\n  a: ${'['.repeat(levels)}"\${A}"${']'.repeat(levels)}\n`,
  'flow-mapping': (levels) => `${CONFIG_MAP}data:\n  a: ${'{a: '.repeat(levels)}"\${A}"${'}'.repeat(levels)}\n`,
  'block-sequence': (levels) => `${CONFIG_MAP}data:\n  a:\n    ${'- '.repeat(levels)}"\${A}"\n`,
  'unclosed-flow': (levels) => `${CONFIG_MAP}data:\n  a: ${'['.repeat(levels)}\n`,
};

/** Writes `bytes` bytes of valid manifests to `path` without holding them in memory. */
function writeLargeFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  try {
    let written = 0;
    for (let i = 0; written < bytes; i++) {
      const chunk = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: default\ndata:\n  key: ${'x'.repeat(400)}\n`;
      written += writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
}

describe('deep nesting', () => {
  it(`${LEVELS.toLocaleString('en')} levels in any style is a yaml-syntax finding on its line, in bounded time`, async () => {
    const dir = hostileTree({ ...Object.fromEntries(Object.entries(NESTED).map(([name, nest]) => [`${name}.yaml`, nest(LEVELS)])), 'ok.yaml': BACKUP });
    const { result, ms } = await timed(() => lintJson(dir));
    expect(ms).toBeLessThan(15_000);
    // The column is where the parser ran out of stack, which depends on the stack's size; the line does not.
    const where = located(result.findings).map((line) => line.replace(/:\d+ /, ' '));
    expect(where).toEqual([
      'block-sequence.yaml:7 yaml-syntax/syntax RESOURCE_EXHAUSTION',
      'flow-mapping.yaml:6 yaml-syntax/syntax RESOURCE_EXHAUSTION',
      'flow-sequence.yaml:6 yaml-syntax/syntax RESOURCE_EXHAUSTION',
      'ok.yaml:7 cnpg-backup-immediate/immediate',
      'unclosed-flow.yaml:6 yaml-syntax/syntax RESOURCE_EXHAUSTION',
    ]);
    for (const finding of result.findings) expect(finding.column).toBeGreaterThanOrEqual(1);
  });

  it('moderate nesting (200 levels) is read and checked like any other document', () => {
    const files = [
      { path: 'clusters/apps.yaml', text: FLUX_KUSTOMIZATION },
      { path: 'apps/deep.yaml', text: NESTED['flow-mapping']!(200).replace('${A}', '${UNDEFINED}').replace('name: a', 'name: a\n  namespace: default') },
    ];
    expect(lint({ root: '', files }).findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual(['apps/deep.yaml:7 flux-substitution-undefined']);
  });

  // Between the depth the parser manages and the depth a recursive rule (the
  // substitution walk, the Helm values readers) manages, a rule overflows the
  // stack and the run ends as an internal error. The fix is a nesting limit
  // (say 1,000 levels, far beyond any manifest) checked while composing in
  // src/linter/linter.ts, reported as a yaml-syntax finding.
  it('no depth makes a rule overflow the stack', () => {
    // A Flux Kustomization that applies its own directory, nested in block style: from about 1,950
    // levels (in a vitest worker) the parser copes and flux-substitution-undefined's walk does not.
    const self = FLUX_KUSTOMIZATION.replace('./apps', './x');
    for (let levels = 1_500; levels <= 2_600; levels += 10) {
      const nested = Array.from({ length: levels }, (_, i) => `${' '.repeat(4 + i)}- `).join('\n');
      const files = [{ path: 'x/ks.yaml', text: `${self}  extra:\n${nested}"\${X}"\n` }];
      expect(() => lint({ root: '', files }), `${levels} levels`).not.toThrow();
    }
  });
});

describe('large files', () => {
  it(`a 50 MB file is refused unread with a finding (the limit is ${MAX_FILE_BYTES / 1024 / 1024} MiB), and the other files are linted`, async () => {
    const dir = hostileTree({ 'ok.yaml': BACKUP });
    writeLargeFile(join(dir, 'huge.yaml'), 50 * 1024 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    const { result, ms } = await timed(() => lintJson(dir));
    expect(ms).toBeLessThan(5_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(40 * 1024 * 1024);
    expect(located(result.findings)).toEqual(['huge.yaml:1:1 yaml-syntax/unreadable', 'ok.yaml:7:3 cnpg-backup-immediate/immediate']);
    expect(result.findings[0]!.message).toBe(
      'Cannot read file: EFBIG: it is 50 MiB, over the 10 MiB homeops-lint reads (Kubernetes stores at most 1.5 MiB per object); split it, or list it under ignores in the configuration.',
    );
  });

  it('a file just under the limit is linted in bounded time', async () => {
    const dir = hostileTree({});
    writeLargeFile(join(dir, 'large.yaml'), 4 * 1024 * 1024);
    const { result, ms } = await timed(() => lintJson(dir));
    expect(result.findings).toEqual([]);
    expect(ms).toBeLessThan(20_000);
  });

  it('a 1 MB line is read, and a finding on it prints a window of the line, not the line', async () => {
    const long = 'y'.repeat(1024 * 1024);
    const dir = hostileTree({ 'long-value.yaml': `${CONFIG_MAP}data:\n  a: ${long}\n`, 'long-broken.yaml': `${CONFIG_MAP}data:\n  a: "${long}\n` });
    const { result, ms } = await timed(() => lintJson(dir));
    expect(ms).toBeLessThan(5_000);
    expect(located(result.findings)).toEqual(['long-broken.yaml:6:6 yaml-syntax/syntax MISSING_CHAR']);
    const { stdout } = await cli(['--no-color', '.'], dir);
    expect(stdout.length).toBeLessThan(1_000);
    expect(stdout).toContain(`  6 |   a: "${'y'.repeat(100)}`);
  });

  it('a 1 MB line far from the finding is not scanned once per finding', async () => {
    const dir = hostileTree({ 'many.yaml': `# ${'z'.repeat(1024 * 1024)}\n${Array.from({ length: 2_000 }, (_, i) => `---\n${CONFIG_MAP.replace('name: a', `name: a${i}`)}data: [\n`).join('')}` });
    const { result, ms } = await timed(() => cli(['--no-color', '--format', 'stylish', '--format', 'sarif=out.sarif', '.'], dir));
    expect(result.code).toBe(1);
    expect(ms).toBeLessThan(15_000);
  });

  // The parser's duplicate-key check compares every key with every other one:
  // 40,000 keys take 9 s, a 10 MiB mapping hours. The fix: parse with
  // uniqueKeys off and find duplicates with one Set per mapping in
  // src/yaml/source.ts.
  it('a mapping of 100,000 keys on a 1 MB line is linted in bounded time', async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: v`).join(', ');
    const dir = hostileTree({ 'keys.yaml': `${CONFIG_MAP}data: {${keys}}\n` });
    const { ms } = await timed(() => lintJson(dir));
    expect(ms).toBeLessThan(5_000);
  });

  // flux-substitution-undefined asks `resource.file.text.includes('${')` for
  // every resource: the whole file once per document. The fix: ask once per
  // file (or per document's range) in src/rules/flux-substitution-undefined.ts.
  it('a file of 40,000 small documents takes linear time', () => {
    const documents = (count: number) => Array.from({ length: count }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n  namespace: default\ndata:\n  k: ${'v'.repeat(400)}\n`).join('');
    const time = (count: number) => {
      const text = documents(count);
      const start = performance.now();
      lint({ root: '', files: [{ path: 'many.yaml', text }] });
      return performance.now() - start;
    };
    time(1_000);
    const small = time(10_000);
    const large = time(40_000);
    // Linear is 4x; today it is over 10x.
    expect(large / small).toBeLessThan(7);
  });
});

describe('a cycle of Flux Kustomizations', () => {
  /** `count` Flux Kustomizations, each in its own file under apps/, each depending on the next and the last on the first. */
  const ring = (count: number) => [
    { path: 'clusters/main/apps.yaml', text: FLUX_KUSTOMIZATION },
    { path: 'apps/kustomization.yaml', text: `resources:\n${Array.from({ length: count }, (_, i) => `  - ./k${i}/ks.yaml\n`).join('')}` },
    ...Array.from({ length: count }, (_, i) => ({
      path: `apps/k${i}/ks.yaml`,
      text: `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k${i}\n  namespace: flux-system\nspec:\n  dependsOn:\n    - name: k${(i + 1) % count}\n  path: ./apps/k${i}/app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`,
    })),
  ];
  const cycleMessages = (count: number) =>
    lint({ root: '', files: ring(count) })
      .findings.filter((finding) => finding.ruleId === 'flux-dependency-cycle')
      .map((finding) => /\((flux-system\/k.*?)\);/.exec(finding.message)?.[1]);

  it('names the way back in full while it is short, and leaves out the middle of a long one', () => {
    expect(cycleMessages(3)[0]).toBe('flux-system/k0 -> flux-system/k1 -> flux-system/k2 -> flux-system/k0');
    const ten = cycleMessages(10);
    expect(ten).toHaveLength(10);
    expect(ten[0]).toBe('flux-system/k0 -> flux-system/k1 -> flux-system/k2 -> flux-system/k3 -> (4 more) -> flux-system/k8 -> flux-system/k9 -> flux-system/k0');
  });

  // Searching each entry's way back is quadratic in the size of the cycle:
  // 5,000 Kustomizations took 30 s. Past 200 the way is not searched.
  it('of 2,000 is reported on each member without searching each way back', async () => {
    const { result: messages, ms } = await timed(async () => cycleMessages(2_000));
    expect(messages).toHaveLength(2_000);
    expect(messages[0]).toBe('flux-system/k0 -> flux-system/k1 -> … -> flux-system/k0');
    expect(ms).toBeLessThan(10_000);
  });
});
