import { describe, expect, it } from 'vitest';
import { lint, loadRepository } from '../../src/linter/linter.js';
import { BACKUP, CONFIG_MAP, hostileTree, lintJson, located, timed } from './hostile.js';

/** The classic "billion laughs": nine levels of nine aliases, 9^9 strings once expanded. */
const BILLION_LAUGHS = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: lol',
  'data:',
  '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => {
    const previous = 'abcdefghi'[i]!;
    return `  ${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
  }),
  '',
].join('\n');

const FLUX_KUSTOMIZATION = [
  'apiVersion: kustomize.toolkit.fluxcd.io/v1',
  'kind: Kustomization',
  'metadata:',
  '  name: apps',
  '  namespace: flux-system',
  'spec:',
  '  path: ./apps',
  '  sourceRef:',
  '    kind: GitRepository',
  '    name: flux-system',
  '  postBuild:',
  '    substitute:',
  '      A: b',
  '',
].join('\n');

/** `fan` strings, then `depth` levels each holding `fan` aliases of the level below; `<<` merges instead of lists when asked. */
function bomb(fan: number, depth: number, indent: string, merge: boolean): string {
  const lines = [`${indent}l0: &l0 {${Array.from({ length: fan }, (_, i) => `k${i}: "\${A}"`).join(', ')}}`];
  for (let level = 1; level <= depth; level++) {
    const aliases = Array(fan).fill(`*l${level - 1}`).join(', ');
    lines.push(merge ? `${indent}l${level}: &l${level} {<<: [${aliases}], own${level}: x}` : `${indent}l${level}: &l${level} [${aliases}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('anchors and aliases', () => {
  it('resolve as Flux resolves them: aliases, aliases as keys, and << merge keys (a rule sees a merged field)', async () => {
    const dir = hostileTree({
      'aliases.yaml': `${CONFIG_MAP}data:\n  a: &v hello\n  b: *v\n  x: &k key\n  *k : v\n`,
      'merged.yaml': BACKUP.replace('spec:\n  immediate: true\n', 'x-defaults: &defaults\n  immediate: true\nspec:\n  <<: *defaults\n'),
    });
    expect(located((await lintJson(dir)).findings)).toEqual(['merged.yaml:7:3 cnpg-backup-immediate/immediate']);
  });

  it('an unresolved alias, an alias before its anchor or into another document is a finding on the alias', async () => {
    const dir = hostileTree({
      'unknown.yaml': `${CONFIG_MAP}data:\n  a: *nope\n`,
      'forward.yaml': `${CONFIG_MAP}data:\n  b: *v\n  a: &v hello\n`,
      'other-document.yaml': `${CONFIG_MAP}data:\n  a: &v hello\n---\n${CONFIG_MAP}data:\n  b: *v\n`,
    });
    const { findings } = await lintJson(dir);
    expect(located(findings)).toEqual(['forward.yaml:6:6 yaml-syntax/compose', 'other-document.yaml:13:6 yaml-syntax/compose', 'unknown.yaml:6:6 yaml-syntax/compose']);
    expect(findings.map((f) => f.endColumn)).toEqual([8, 8, 11]);
    expect(findings[2]!.message).toBe('Document cannot be composed: Unresolved alias (the anchor must be set before the alias): nope.');
  });

  it('a merge key that merges no mapping is a finding', async () => {
    const dir = hostileTree({ 'merge.yaml': `${CONFIG_MAP}data:\n  <<: hello\n` });
    expect(located((await lintJson(dir)).findings)).toEqual(['merge.yaml:1:1 yaml-syntax/compose']);
  });

  it('an alias that contains itself neither hangs nor crashes a rule that walks the document', () => {
    const cyclic = {
      'apps/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\ndata: &d\n  a: "${X}"\n  b: *d\n',
      'apps/helmrelease.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: hr\n  namespace: default\nspec:\n  chart:\n    spec:\n      chart: app-template\n  values: &v\n    ingress:\n      main:\n        hosts: [*v]\n    service: *v\n    controllers: *v\n',
      'apps/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata: &m\n  name: s\n  namespace: default\n  labels: *m\nspec:\n  type: LoadBalancer\n  selector: *m\n',
      'apps/pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\nspec:\n  containers: &c\n    - name: a\n      image: ghcr.io/home-operations/home-assistant:1\n    - *c\n',
      'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: &r\n  - configmap.yaml\n  - *r\n',
    };
    const files = [{ path: 'clusters/apps.yaml', text: FLUX_KUSTOMIZATION }, ...Object.entries(cyclic).map(([path, text]) => ({ path, text }))];
    expect(() => lint({ root: '', files })).not.toThrow();
  });

  // go-yaml refuses it: "anchor 'd' value contains itself".
  it('an alias inside its own anchor is a finding on the alias, also deeper and in a flow collection', async () => {
    const dir = hostileTree({
      'cycle.yaml': `${CONFIG_MAP}data: &d\n  b: *d\n`,
      'deep.yaml': `${CONFIG_MAP}data: &d\n  b:\n    - c: [1, *d]\n`,
      'flow.yaml': `${CONFIG_MAP}data: &d {a: *d}\n`,
      // An alias after its anchor's value, or to another anchor, is no cycle.
      'fine.yaml': `${CONFIG_MAP}data:\n  a: &x {k: v}\n  b: &y [*x]\n  c: *y\n`,
    });
    const { findings } = await lintJson(dir);
    expect(located(findings)).toEqual(['cycle.yaml:6:6 yaml-syntax/compose', 'deep.yaml:7:14 yaml-syntax/compose', 'flow.yaml:5:14 yaml-syntax/compose']);
    expect(findings[0]!.message).toBe(
      'Document cannot be composed: the alias *d is inside the value of its own anchor; go-yaml (Flux, kubectl) refuses a value that contains itself.',
    );
  });
});

describe('alias bombs', () => {
  it('the billion laughs is a finding, in bounded time and memory', async () => {
    const dir = hostileTree({ 'lol.yaml': BILLION_LAUGHS, 'ok.yaml': BACKUP });
    const heapBefore = process.memoryUsage().heapUsed;
    const { result, ms } = await timed(() => lintJson(dir));
    expect(ms).toBeLessThan(5_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    expect(located(result.findings)).toEqual(['lol.yaml:1:1 yaml-syntax/compose', 'ok.yaml:7:3 cnpg-backup-immediate/immediate']);
    expect(result.findings[0]!.message).toBe('Document cannot be composed: Excessive alias count indicates a resource exhaustion attack.');
  });

  it('bombs of every shape, in a document rules walk and substitute, stay bounded', () => {
    const heads = {
      configMap: ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\ndata:\n', '  '],
      helmRelease: ['apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: hr\n  namespace: default\nspec:\n  chart:\n    spec:\n      chart: app-template\n  values:\n', '    '],
    } as const;
    for (const [kind, [head, indent]] of Object.entries(heads)) {
      for (const [fan, depth] of [[2, 40], [3, 12], [9, 9], [50, 2], [99, 1], [1000, 1]] as const) {
        for (const merge of [false, true]) {
          const files = [
            { path: 'clusters/apps.yaml', text: FLUX_KUSTOMIZATION },
            { path: 'apps/bomb.yaml', text: head + bomb(fan, depth, indent, merge) },
          ];
          const start = performance.now();
          const { findings } = lint({ root: '', files });
          const ms = performance.now() - start;
          const label = `${kind} fan ${fan} depth ${depth}${merge ? ' merged' : ''}`;
          expect(ms, label).toBeLessThan(2_000);
          for (const finding of findings) expect(finding.file, label).toBe('apps/bomb.yaml');
        }
      }
    }
  });

  it('aliases of one large anchor are shared, not copied', () => {
    const text = `${CONFIG_MAP}data:\n  a: &a [${Array(20_000).fill('"x"').join(',')}]\n  b: [${Array(99).fill('*a').join(',')}]\n`;
    const start = performance.now();
    const { index } = loadRepository([{ path: 'big.yaml', text }], '');
    expect(performance.now() - start).toBeLessThan(5_000);
    const data = index.all[0]!.written.data as Record<string, unknown[]>;
    expect(data.b![0]).toBe(data.a);
  });
});

describe('Go-style alias names (`*app:`)', () => {
  const HELM_RELEASE = (anchor: string) =>
    `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${anchor}ipmi-exporter\n  namespace: observability\nspec:\n  values:\n    controllers:\n      *app:\n        strategy: RollingUpdate\n`;

  it('are read as Flux reads them: alias `app` used as a key, when the file defines &app', () => {
    const { index, findings } = loadRepository([{ path: 'helmrelease.yaml', text: HELM_RELEASE('&app ') }], '');
    expect(findings).toEqual([]);
    expect(index.all[0]!.written.spec).toEqual({ values: { controllers: { 'ipmi-exporter': { strategy: 'RollingUpdate' } } } });
  });

  // withGoYamlAliases inserts a space after the alias; positions are placed back in the file's own text.
  it('a finding after the alias on its line is where the file has it', async () => {
    const dir = hostileTree({
      'clusters/apps.yaml': FLUX_KUSTOMIZATION,
      'apps/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &app c\n  namespace: default\ndata:\n  *app: ${X}\n',
    });
    // Composed fast, by `yaml`, and from the cache, where the text the positions refer to comes back.
    for (const args of [['.'], ['--no-fast-compose', '.'], ['--cache-location', 'cache', '.'], ['--cache-location', 'cache', '.']]) {
      const { findings } = await lintJson(dir, args);
      expect(findings.map((f) => [f.file, f.ruleId, f.line, f.column, f.endColumn]), args.join(' ')).toEqual([['apps/cm.yaml', 'flux-substitution-undefined', 7, 9, 13]]);
    }
  });

  it('without the anchor, the file is a finding', async () => {
    const dir = hostileTree({ 'helmrelease.yaml': HELM_RELEASE('') });
    expect((await lintJson(dir)).findings.map((f) => [f.ruleId, f.line])).toEqual([['yaml-syntax', 10]]);
  });
});
