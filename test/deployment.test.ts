import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRepository, type AnalysisCache, type FileAnalysis } from '../src/linter/linter.js';
import { KUSTOMIZE_CONFIG_KINDS } from '../src/resources/kinds.js';
import type { SourceIgnoreFile } from '../src/resources/source-ignore.js';
import { SubstitutedValue, substituteValue } from '../src/resources/substitution.js';
import { getPath } from '../src/resources/values.js';

/** `file: text` pairs to an index, for looking at where each resource lands. */
function placementsOf(texts: Record<string, string>, root = '', sourceIgnores?: readonly SourceIgnoreFile[]) {
  const files = Object.entries(texts).map(([path, text]) => ({ path, text }));
  const { index, findings } = loadRepository(files, root, { sourceIgnores });
  expect(findings).toEqual([]);
  // kustomization.yaml files are resources too (for rules about them), never placed.
  return Object.fromEntries(
    index.all
      .filter((r) => !KUSTOMIZE_CONFIG_KINDS.includes(r.typeId))
      .map((r) => [`${r.kind}/${r.name}`, r.placements.map((p) => `${p.cluster ?? '?'} ${p.namespace ?? '-'} ${p.fluxKustomization ?? '-'}`)]),
  );
}

const fluxKs = (name: string, path: string, extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  path: ${path}
  sourceRef:
    kind: GitRepository
    name: flux-system
${extra}`;

const configMap = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}`;

describe('deployment model', () => {
  it('gives metadata.namespace when nothing overrides it, in the implicit cluster of a repo without Flux', () => {
    expect(placementsOf({ 'a/cm.yaml': configMap('a', 'apps') })).toEqual({ 'ConfigMap/a': ['. apps -'] });
  });

  it('reads a kustomization file written with kind and no apiVersion, as kustomize does, and keeps no other document that is not an object', () => {
    const stored = new Map<string, FileAnalysis>();
    const cache: AnalysisCache = {
      keyOf: (file, variant) => `${variant}:${file.path}`,
      get: (key) => stored.get(key),
      set: (key, analysis) => void stored.set(key, analysis),
      deploymentPlan: () => undefined,
      setDeploymentPlan: () => undefined,
    };
    const files = [
      { path: 'apps/kustomization.yaml', text: 'kind: Kustomization\nnamespace: apps\nresources: [cm.yaml]\n' },
      { path: 'apps/cm.yaml', text: `${configMap('a', 'own')}---\nreplicas: 2\n---\n- a list\n` },
    ];
    const { index } = loadRepository(files, '', { cache });
    expect(index.ofType('ConfigMap').map((r) => r.placements[0]!.namespace)).toEqual(['apps']);
    expect(stored.get('manifest:apps/cm.yaml')!.values.map((value) => value === undefined)).toEqual([false, true, true]);
    expect(stored.get('kustomization:apps/kustomization.yaml')!.values).toHaveLength(1);
  });

  it('lets the outermost kustomization namespace override metadata.namespace, as kustomize does', () => {
    expect(
      placementsOf({
        'apps/kustomization.yaml': 'namespace: outer\nresources: [./inner]\n',
        'apps/inner/kustomization.yaml': 'namespace: inner\nresources: [cm.yaml]\n',
        'apps/inner/cm.yaml': configMap('a', 'own'),
      }),
    ).toEqual({ 'ConfigMap/a': ['. outer -'] });
  });

  it('lets Flux targetNamespace override the kustomization namespace, and names the cluster after the root file', () => {
    expect(
      placementsOf({
        'clusters/main/flux.yaml': fluxKs('apps', './apps', '  targetNamespace: target\n'),
        'apps/kustomization.yaml': 'namespace: kustomized\nresources: [cm.yaml]\n',
        'apps/cm.yaml': configMap('a', 'own'),
      }),
    ).toEqual({ 'ConfigMap/a': ['clusters/main target flux-system/apps'], 'Kustomization/apps': ['? flux-system -'] });
  });

  it('applies a directory without kustomization.yaml as Flux does: every manifest below it', () => {
    const placed = placementsOf({
      'clusters/main/flux.yaml': fluxKs('apps', './apps'),
      'apps/one/cm.yaml': configMap('one', 'x'),
      'apps/two/deep/cm.yaml': configMap('two', 'y'),
      'apps/three/kustomization.yaml': 'resources: [listed.yaml]\n',
      'apps/three/listed.yaml': configMap('listed', 'z'),
      'apps/three/unlisted.yaml': configMap('unlisted', 'z'),
    });
    expect(placed['ConfigMap/one']).toEqual(['clusters/main x flux-system/apps']);
    expect(placed['ConfigMap/two']).toEqual(['clusters/main y flux-system/apps']);
    expect(placed['ConfigMap/listed']).toEqual(['clusters/main z flux-system/apps']);
    expect(placed['ConfigMap/unlisted']).toEqual(['? z -']);
  });

  it('follows child Flux Kustomizations and keeps two clusters that share a base apart', () => {
    const placed = placementsOf({
      'clusters/main/flux.yaml': fluxKs('apps', './base'),
      'clusters/staging/flux.yaml': fluxKs('apps', './base'),
      'base/kustomization.yaml': 'resources: [app/ks.yaml]\n',
      'base/app/ks.yaml': fluxKs('app', './base/app/src', '  targetNamespace: media\n'),
      'base/app/src/cm.yaml': configMap('plex'),
    });
    expect(placed['ConfigMap/plex']).toEqual(['clusters/main media flux-system/app', 'clusters/staging media flux-system/app']);
  });

  it('resolves Flux paths against the linted root, not the working directory', () => {
    const placed = placementsOf({ 'repo/flux.yaml': fluxKs('apps', './apps'), 'repo/apps/cm.yaml': configMap('a', 'n') }, 'repo');
    expect(placed['ConfigMap/a']).toEqual(['. n flux-system/apps']);
  });

  it('ignores paths of Kustomizations that apply another source, such as flux-manifests from an OCIRepository', () => {
    const placed = placementsOf({
      'clusters/main/flux.yaml': fluxKs('apps', './apps'),
      'clusters/main/upstream.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux, namespace: flux-system}
spec:
  path: ./
  sourceRef: {kind: OCIRepository, name: flux-manifests}
`,
      'apps/cm.yaml': configMap('a', 'n'),
      'other/cm.yaml': configMap('b', 'n'),
    });
    expect(placed['ConfigMap/a']).toEqual(['clusters/main n flux-system/apps']);
    expect(placed['ConfigMap/b']).toEqual(['? n -']);
  });

  it('leaves what .sourceignore files exclude out of what Flux builds from its GitRepository, and nothing out of a repository without Flux', () => {
    const old = [{ dir: '', text: 'apps/_old/\n' }];
    const flux = placementsOf({ 'clusters/main/flux.yaml': fluxKs('apps', './apps'), 'apps/cm.yaml': configMap('live', 'n'), 'apps/_old/cm.yaml': configMap('old', 'n') }, '', old);
    expect(flux['ConfigMap/live']).toEqual(['clusters/main n flux-system/apps']);
    expect(flux['ConfigMap/old']).toEqual(['? n -']);
    const plain = placementsOf({ 'apps/cm.yaml': configMap('live', 'n'), 'apps/_old/cm.yaml': configMap('old', 'n') }, '', old);
    expect(plain).toEqual({ 'ConfigMap/live': ['. n -'], 'ConfigMap/old': ['. n -'] });
  });

  it("builds a flux-operator sync of an OCI artifact of the repository from the whole tree, which the GitRepository's spec.ignore does not filter", () => {
    const files = {
      'kubernetes/flux/apps.yaml': fluxKs('apps', './kubernetes/apps'),
      'kubernetes/flux/source.yaml':
        'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  url: https://example.com/repo.git\n  ignore: |\n    /*\n    !/kubernetes\n',
      'kubernetes/apps/cm.yaml': configMap('live', 'n'),
      'devenv/flux-instance.yaml':
        'apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\nspec:\n  sync: {kind: OCIRepository, url: oci://registry/devenv, path: ./devenv/apps}\n',
      'devenv/apps/cm.yaml': configMap('dev', 'n'),
    };
    const { index } = loadRepository(Object.entries(files).map(([path, text]) => ({ path, text })), '');
    const placed = (name: string) => index.ofType('ConfigMap').find((resource) => resource.name === name)!.placements.map((placement) => placement.cluster);
    expect(placed('live')).toEqual(['kubernetes/flux']);
    expect(placed('dev')).toEqual(['devenv/apps']);
    expect(index.deployment.artifactExclusionOf('devenv/apps/cm.yaml')).toEqual({ pattern: '/*', source: 'the spec.ignore of GitRepository "flux-system" (kubernetes/flux/source.yaml)' });
    expect(index.deployment.fluxKustomizations.map(({ id, pathExists, pathExcluded }) => ({ id, pathExists, pathExcluded }))).toEqual([
      { id: 'flux-system/apps', pathExists: true, pathExcluded: undefined },
      { id: 'flux-system/flux-system', pathExists: true, pathExcluded: undefined },
    ]);
  });

  it('does not index files that are only used as kustomize patches', () => {
    const placed = placementsOf({
      'app/kustomization.yaml': 'resources: [cm.yaml]\npatches:\n  - path: patch.yaml\npatchesStrategicMerge: [smp.yaml]\n',
      'app/cm.yaml': configMap('a', 'n'),
      'app/patch.yaml': configMap('a'),
      'app/smp.yaml': configMap('a'),
    });
    expect(Object.keys(placed)).toEqual(['ConfigMap/a']);
    expect(placed['ConfigMap/a']).toEqual(['. n -']);
  });

  it('makes no Flux Kustomization, and no cluster, of one written in a patch file of a build nothing here applies', () => {
    // The cluster's own build is applied by bootstrap (a FluxInstance from a helmfile): nothing in the repository applies it.
    const files = Object.entries({
      'kubernetes/flux/cluster/kustomization.yaml': 'resources: [cluster-apps.yaml]\npatches:\n  - path: patches/defaults.yaml\n    target: {kind: Kustomization}\n',
      'kubernetes/flux/cluster/cluster-apps.yaml': fluxKs('cluster-apps', './kubernetes/apps'),
      'kubernetes/flux/cluster/patches/defaults.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: not-used\nspec:\n  dependsOn:\n    - name: cluster-meta\n',
      'kubernetes/apps/cm.yaml': configMap('a', 'n'),
    }).map(([path, text]) => ({ path, text }));
    const { index } = loadRepository(files, '');
    expect(index.deployment.fluxKustomizations.map((k) => `${k.id} ${k.clusters.join(',')}`)).toEqual(['flux-system/cluster-apps kubernetes/flux/cluster']);
  });

  it('includes components and bases, and survives a kustomization that includes itself', () => {
    const placed = placementsOf({
      'app/kustomization.yaml': 'namespace: n\nresources: [., ../base]\ncomponents: [../component]\n',
      'base/cm.yaml': configMap('base'),
      'component/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cm.yaml]\n',
      'component/cm.yaml': configMap('component'),
    });
    expect(placed['ConfigMap/base']).toEqual(['. n -']);
    expect(placed['ConfigMap/component']).toEqual(['. n -']);
  });

  it('treats a namespace with a Flux substitution as unknown', () => {
    expect(placementsOf({ 'a/cm.yaml': configMap('a', '${NAMESPACE}') })).toEqual({ 'ConfigMap/a': ['. - -'] });
  });

  it('keeps a namespace set to a substitution unknown instead of falling back to metadata.namespace', () => {
    const placed = placementsOf({
      'clusters/main/flux.yaml': fluxKs('apps', './apps', '  targetNamespace: ${NS_MEDIA}\n'),
      'apps/cm.yaml': configMap('a', 'default'),
      'other/kustomization.yaml': 'namespace: ${NS}\nresources: [cm.yaml]\n',
      'other/cm.yaml': configMap('b', 'default'),
    });
    expect(placed['ConfigMap/a']).toEqual(['clusters/main - flux-system/apps']);
    expect(placed['ConfigMap/b']).toEqual(['? - -']);
  });

  it('renames a Namespace object to the namespace kustomize sets, as its namespace transformer does', () => {
    const files = [
      { path: 'app/kustomization.yaml', text: 'namespace: media\nresources: [ns.yaml]\n' },
      { path: 'app/ns.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: _\n' },
    ];
    const [namespace] = loadRepository(files, '').index.ofType('Namespace');
    expect(namespace?.name).toBe('media');
    expect(namespace?.placements.map((p) => p.name)).toEqual(['media']);
  });

  it('never gives a cluster-scoped kind a namespace', () => {
    const placed = placementsOf({
      'app/kustomization.yaml': 'namespace: n\nresources: [ns.yaml]\n',
      'app/ns.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n',
    });
    expect(placed['ClusterRole/reader']).toEqual(['. - -']);
  });

  it('starts a cluster at a flux-operator FluxInstance sync, even when the tree it syncs deploys the FluxInstance', () => {
    const placed = placementsOf({
      'kubernetes/main/flux/sync.yaml': fluxKs('apps', './kubernetes/main/apps'),
      'kubernetes/main/apps/flux-instance.yaml':
        'apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\nspec:\n  sync: {kind: GitRepository, url: https://example.com/repo.git, path: ./kubernetes/main/flux}\n',
      'kubernetes/main/apps/cm.yaml': configMap('a', 'n'),
    });
    expect(placed['ConfigMap/a']).toEqual(['kubernetes/main/flux n flux-system/apps']);
    expect(placed['Kustomization/apps']).toEqual(['kubernetes/main/flux flux-system flux-system/flux-system']);
  });

  it("does not make a shelved app's ks.yaml a cluster of its own", () => {
    const placed = placementsOf({
      'clusters/main/apps.yaml': fluxKs('apps', './apps'),
      'apps/kustomization.yaml': 'resources: [./live/ks.yaml]\n',
      'apps/live/ks.yaml': fluxKs('live', './apps/live/app'),
      'apps/live/app/cm.yaml': configMap('live', 'n'),
      'apps/shelved/ks.yaml': fluxKs('shelved', './apps/shelved/app'),
      'apps/shelved/app/cm.yaml': configMap('shelved', 'n'),
    });
    expect(placed['ConfigMap/live']).toEqual(['clusters/main n flux-system/live']);
    expect(placed['ConfigMap/shelved']).toEqual(['? n -']);
  });

  it('shelves a ks.yaml left out of a directory that a build reaches through ../, and what it applies', () => {
    const placed = placementsOf({
      'clusters/main/apps.yaml': fluxKs('apps', './clusters/main/apps'),
      'clusters/main/apps/kustomization.yaml': 'resources: [../../../apps]\n',
      'apps/kustomization.yaml': 'resources: [./tier0]\n',
      'apps/tier0/kustomization.yaml': 'resources: [./live/ks.yaml]\n',
      'apps/tier0/ks.yaml': fluxKs('tier0', './apps/tier0'),
      'apps/tier0/live/ks.yaml': fluxKs('live', './apps/tier0/live/app'),
      'apps/tier0/live/app/cm.yaml': configMap('live', 'n'),
      'apps/tier0/other/ks.yaml': fluxKs('other', './apps/tier0/other/app'),
      'apps/tier0/other/app/cm.yaml': configMap('other', 'n'),
    });
    // Before: tier0 and other were clusters of their own ("apps/tier0", "apps/tier0/other").
    expect(placed['ConfigMap/live']).toEqual(['clusters/main n flux-system/live']);
    expect(placed['Kustomization/tier0']).toEqual(['? flux-system -']);
    expect(placed['ConfigMap/other']).toEqual(['? n -']);
  });

  it('shelves the Kustomizations that only a shelved Kustomization applies, with the namespace their kustomization gives them', () => {
    const index = loadRepository(
      Object.entries({
        // Flux builds this kustomization.yaml, which lists neither Kustomization beside it.
        'flux/kustomization.yaml': 'resources: [./vars.yaml]\n',
        'flux/vars.yaml': configMap('cluster-settings', 'flux-system'),
        'flux/flux-system.yaml': fluxKs('flux-system', './flux'),
        'flux/apps.yaml': fluxKs('cluster-apps', './apps'),
        'apps/media/kustomization.yaml': 'namespace: media\nresources: [./sonarr/ks.yaml]\n',
        'apps/media/sonarr/ks.yaml': fluxKs('sonarr', './apps/media/sonarr/app').replace('  namespace: flux-system\n', ''),
        'apps/media/sonarr/app/cm.yaml': configMap('sonarr'),
      }).map(([path, text]) => ({ path, text })),
      '',
    ).index;
    const sonarr = index.deployment.fluxKustomizations.find((kustomization) => kustomization.resource.name === 'sonarr')!;
    // Before: a cluster "apps/media/sonarr" with a Kustomization "/sonarr".
    expect([sonarr.id, sonarr.clusters]).toEqual(['media/sonarr', []]);
    expect(index.ofType('ConfigMap').find((r) => r.name === 'sonarr')!.placements.map((p) => p.cluster)).toEqual([undefined]);
  });

  it('takes a Kustomization written in a kustomize patch for no cluster of its own', () => {
    const { index } = loadRepository(
      Object.entries({
        'clusters/main/flux-system/sync.yaml': fluxKs('flux-system', './clusters/main'),
        'clusters/main/apps/kustomization.yaml': 'resources: [../../../apps]\npatches:\n  - path: interval-patch.yaml\n',
        'clusters/main/apps/interval-patch.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: bgp, namespace: flux-system}\nspec:\n  interval: 30m\n',
        'apps/kustomization.yaml': 'resources: [./bgp/ks.yaml]\n',
        'apps/bgp/ks.yaml': fluxKs('bgp', './apps/bgp/app'),
        'apps/bgp/app/cm.yaml': configMap('bgp', 'kube-system'),
      }).map(([path, text]) => ({ path, text })),
      '',
    );
    // Before: the patch was a cluster "clusters/main/apps" of its own, holding a second flux-system/bgp.
    const clusters = new Set(index.deployment.fluxKustomizations.flatMap((kustomization) => kustomization.clusters));
    expect([...clusters]).toEqual(['clusters/main/flux-system']);
    expect(index.ofType('ConfigMap')[0]!.placements.map((p) => `${p.cluster} ${p.fluxKustomization}`)).toEqual(['clusters/main/flux-system flux-system/bgp']);
  });

  it('takes every GitRepository of the repository for its own: flux-system, the one most Kustomizations apply, and those of the same URL', () => {
    const gitRepository = (name: string, url: string) =>
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: ${name}, namespace: flux-system}\nspec:\n  url: ${url}\n`;
    const ks = (name: string, path: string, source: string) => fluxKs(name, path).replace('name: flux-system\n', `name: ${source}\n`);
    const placed = placementsOf({
      'flux/cluster-apps.yaml': fluxKs('cluster-apps', './apps'),
      'apps/kustomization.yaml': 'resources: [./a/ks.yaml, ./b/ks.yaml, ./c/ks.yaml, ./d/ks.yaml]\n',
      'flux/sources.yaml': `${gitRepository('home-kubernetes', 'ssh://git@github.com/Owner/home-ops.git')}---\n${gitRepository('mirror', 'https://github.com/owner/home-ops')}---\n${gitRepository('upstream', 'https://github.com/other/repo')}`,
      'apps/a/ks.yaml': ks('a', './apps/a/app', 'home-kubernetes'),
      'apps/a/app/cm.yaml': configMap('a', 'n'),
      'apps/b/ks.yaml': ks('b', './apps/b/app', 'home-kubernetes'),
      'apps/b/app/cm.yaml': configMap('b', 'n'),
      'apps/c/ks.yaml': ks('c', './apps/c/app', 'mirror'),
      'apps/c/app/cm.yaml': configMap('c', 'n'),
      'apps/d/ks.yaml': ks('d', './apps/d/app', 'upstream'),
      'apps/d/app/cm.yaml': configMap('d', 'n'),
    });
    // Before: only home-kubernetes was this repository; cluster-apps applied nothing, and a, b and c were clusters of their own.
    expect(placed['ConfigMap/a']).toEqual(['flux n flux-system/a']);
    expect(placed['ConfigMap/c']).toEqual(['flux n flux-system/c']);
    expect(placed['ConfigMap/d']).toEqual(['? n -']);
  });

  it('knows the labels kustomize and Flux set, the outer writer last, and that a patch may set others', () => {
    const { index } = loadRepository(
      Object.entries({
        'clusters/main/apps.yaml': fluxKs('apps', './apps', '  patches:\n    - target: {kind: Kustomization}\n      patch: |\n        - {op: add, path: /spec/commonMetadata, value: {labels: {team: x}}}\n'),
        'apps/kustomization.yaml': 'resources: [./a/ks.yaml]\n',
        'apps/a/ks.yaml': fluxKs('a', './apps/a/app', '  commonMetadata:\n    labels: {tier: flux}\n'),
        'apps/a/app/kustomization.yaml': 'commonLabels: {tier: outer, app: a}\nresources: [./inner]\n',
        'apps/a/app/inner/kustomization.yaml': 'labels:\n  - pairs: {tier: inner, part: db}\nresources: [cm.yaml]\n',
        'apps/a/app/inner/cm.yaml': configMap('a', 'n'),
      }).map(([path, text]) => ({ path, text })),
      '',
    );
    const labelsOf = (kind: string) => index.ofType(kind).find((r) => r.name === 'a')!.placements[0]!.addedLabels;
    expect(labelsOf('ConfigMap')).toEqual({
      known: { tier: 'flux', part: 'db', app: 'a', 'kustomize.toolkit.fluxcd.io/name': 'a', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' },
      // The parent's patches may give flux-system/a a commonMetadata of their own.
      more: true,
    });
    expect(labelsOf('kustomize.toolkit.fluxcd.io/Kustomization')).toEqual({
      known: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' },
      more: true,
    });
  });

  it("copies the name of the build's one Namespace into spec.targetNamespace when a replacement says so and no namespace: renames it", () => {
    const replacement =
      'replacements:\n  - source: {kind: Namespace, fieldPath: metadata.name}\n    targets:\n      - select: {kind: Kustomization, group: kustomize.toolkit.fluxcd.io}\n        fieldPaths: [spec.targetNamespace]\n';
    const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
    const placed = placementsOf({
      'clusters/main/apps.yaml': fluxKs('apps', './apps'),
      'apps/kustomization.yaml': 'resources: [./media, ./two]\n',
      'apps/media/kustomization.yaml': `${replacement}resources: [./namespace.yaml, ./sonarr/ks.yaml]\n`,
      'apps/media/namespace.yaml': namespace('media'),
      'apps/media/sonarr/ks.yaml': fluxKs('sonarr', './apps/media/sonarr/app'),
      'apps/media/sonarr/app/cm.yaml': configMap('sonarr'),
      // Two Namespaces: kustomize refuses the replacement; the namespace is not known.
      'apps/two/kustomization.yaml': `${replacement}resources: [./namespaces.yaml, ./radarr/ks.yaml]\n`,
      'apps/two/namespaces.yaml': `${namespace('a')}---\n${namespace('b')}`,
      'apps/two/radarr/ks.yaml': fluxKs('radarr', './apps/two/radarr/app'),
      'apps/two/radarr/app/cm.yaml': configMap('radarr', 'own'),
    });
    expect(placed['ConfigMap/sonarr']).toEqual(['clusters/main media flux-system/sonarr']);
    expect(placed['ConfigMap/radarr']).toEqual(['clusters/main - flux-system/radarr']);
  });

  it('follows kustomize patches that delete objects or set a Flux Kustomization\'s path, in the build that holds them', () => {
    const placed = placementsOf({
      'clusters/dev/flux.yaml': fluxKs('apps', './clusters/dev/apps'),
      'clusters/prod/flux.yaml': fluxKs('apps', './clusters/prod/apps'),
      'clusters/dev/apps/kustomization.yaml': [
        'resources: [../../../apps]',
        'patches:',
        // A file: a strategic merge patch that deletes what it names.
        '  - path: delete-openebs.yaml',
        // Inline, with a target whose name is a regular expression.
        '  - target: {kind: ConfigMap, name: "extra-.*"}',
        '    patch: |-',
        '      $patch: delete',
        '      apiVersion: v1',
        '      kind: ConfigMap',
        '      metadata: {name: any}',
        // JSON 6902 operations that set a Flux Kustomization's path.
        '  - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization, name: bgp}',
        '    patch: |-',
        '      - {op: replace, path: /spec/path, value: ./clusters/dev/bgp}',
        '',
      ].join('\n'),
      'clusters/dev/apps/delete-openebs.yaml': '$patch: delete\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: openebs, namespace: flux-system}\n',
      'clusters/prod/apps/kustomization.yaml': 'resources: [../../../apps]\n',
      'apps/kustomization.yaml': 'resources: [./openebs/ks.yaml, ./bgp/ks.yaml, ./extra.yaml]\n',
      'apps/extra.yaml': `${configMap('extra-a', 'n')}---\n${configMap('kept', 'n')}`,
      'apps/openebs/ks.yaml': fluxKs('openebs', './apps/openebs/app'),
      'apps/openebs/app/cm.yaml': configMap('openebs', 'n'),
      'apps/bgp/ks.yaml': fluxKs('bgp', './apps/bgp/app'),
      'apps/bgp/app/cm.yaml': configMap('bgp-prod', 'n'),
      'clusters/dev/bgp/cm.yaml': configMap('bgp-dev', 'n'),
    });
    // Before: both clusters applied openebs and extra-a, and dev applied apps/bgp/app.
    expect(placed['ConfigMap/openebs']).toEqual(['clusters/prod n flux-system/openebs']);
    expect(placed['ConfigMap/extra-a']).toEqual(['clusters/prod n flux-system/apps']);
    expect(placed['ConfigMap/kept']).toEqual(['clusters/dev n flux-system/apps', 'clusters/prod n flux-system/apps']);
    expect(placed['ConfigMap/bgp-prod']).toEqual(['clusters/prod n flux-system/bgp']);
    expect(placed['ConfigMap/bgp-dev']).toEqual(['clusters/dev n flux-system/bgp']);
  });

  it('reads an inline NamespaceTransformer: it sets every namespace, or with unsetOnly only those not written', () => {
    const transformer = (namespace: string, unsetOnly: boolean) =>
      `transformers:\n  - |-\n    apiVersion: builtin\n    kind: NamespaceTransformer\n    metadata: {name: x, namespace: ${namespace}}\n${unsetOnly ? '    unsetOnly: true\n' : ''}`;
    const placed = placementsOf({
      'a/kustomization.yaml': `namespace: field\n${transformer('ns-a', false)}resources: [cm.yaml]\n`,
      'a/cm.yaml': configMap('a', 'own'),
      'b/kustomization.yaml': `${transformer('filled', true)}resources: [own.yaml, none.yaml]\n`,
      'b/own.yaml': configMap('b-own', 'mine'),
      'b/none.yaml': configMap('b-none'),
      // An outer namespace: overrides what an inner default filled.
      'c/kustomization.yaml': 'namespace: outer\nresources: [../d]\n',
      'd/kustomization.yaml': `${transformer('filled', true)}resources: [none.yaml]\n`,
      'd/none.yaml': configMap('d-none'),
    });
    // Before: a in "field", b-none in none.
    expect(placed['ConfigMap/a']).toEqual(['. ns-a -']);
    expect(placed['ConfigMap/b-own']).toEqual(['. mine -']);
    expect(placed['ConfigMap/b-none']).toEqual(['. filled -']);
    expect(placed['ConfigMap/d-none']).toEqual(['. outer -']);
  });

  it('matches a patch against objects as they are where it runs, and a target it cannot read against nothing', () => {
    const deleting = (target: string) => `  - target: ${target}\n    patch: |-\n      $patch: delete\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: any}\n`;
    const placed = placementsOf({
      // Patches run before the kustomization's own namespace and prefix, after the inner ones'.
      'a/kustomization.yaml': `namespace: outer\nnamePrefix: x-\nresources: [./inner]\npatches:\n${deleting('{kind: ConfigMap, name: in-gone, namespace: inner}')}${deleting('{kind: ConfigMap, name: x-in-kept}')}`,
      'a/inner/kustomization.yaml': 'namespace: inner\nnamePrefix: in-\nresources: [cm.yaml]\n',
      'a/inner/cm.yaml': `${configMap('gone', 'own')}---\n${configMap('kept', 'own')}`,
      // A label selector, a ${VAR} name, a repeated group (exponential to backtrack), a Go flag: read as matching nothing.
      'b/kustomization.yaml': `resources: [cm.yaml]\npatches:\n${['{labelSelector: tier=debug}', '{name: "${OLD}"}', '{name: "(a+)+"}', '{name: "(?i)AAAA.*"}'].map(deleting).join('')}`,
      'b/cm.yaml': configMap('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-settings', 'n'),
    });
    expect(Object.keys(placed).filter((key) => key.startsWith('ConfigMap/'))).toEqual(['ConfigMap/gone', 'ConfigMap/kept', 'ConfigMap/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-settings']);
    expect(placed['ConfigMap/gone']).toEqual(['? own -']);
    expect(placed['ConfigMap/kept']).toEqual(['. outer -']);
    expect(placed['ConfigMap/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-settings']).toEqual(['. n -']);
  });

  it("reads the postBuild a FluxInstance's kustomize.patches give its sync Kustomization", () => {
    const instance = (patch: string) =>
      `apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\nspec:\n  sync: {kind: GitRepository, url: https://example.com/repo.git, path: clusters/main/flux}\n  kustomize:\n    patches:\n      - target: {kind: Kustomization, name: flux-system}\n        patch: |\n${patch}`;
    const placed = placementsOf({
      'clusters/main/instance.yaml': instance('          - {op: add, path: /spec/postBuild, value: {substitute: {CLUSTER: main}}}\n'),
      'clusters/main/flux/apps.yaml': fluxKs('apps', './clusters/${CLUSTER}/apps'),
      'clusters/main/apps/cm.yaml': configMap('a', 'n'),
    });
    // Before: the path was unknown, and nothing below it in a cluster.
    expect(placed['ConfigMap/a']).toEqual(['clusters/main/flux n flux-system/apps']);
  });

  it('follows a Component\'s patches over all that the kustomization including it builds', () => {
    const placed = placementsOf({
      'clusters/dev/flux.yaml': fluxKs('apps', './clusters/dev/apps'),
      'clusters/dev/apps/kustomization.yaml': 'resources: [../../../apps]\ncomponents: [../../../components/no-openebs]\n',
      'components/no-openebs/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - patch: |-\n      $patch: delete\n      apiVersion: kustomize.toolkit.fluxcd.io/v1\n      kind: Kustomization\n      metadata: {name: openebs, namespace: flux-system}\n',
      'apps/kustomization.yaml': 'resources: [./openebs/ks.yaml]\n',
      'apps/openebs/ks.yaml': fluxKs('openebs', './apps/openebs/app'),
      'apps/openebs/app/cm.yaml': configMap('openebs', 'n'),
    });
    // Before: the Component's patch applied to its own resources only (none), and openebs stayed in the cluster.
    expect(placed['ConfigMap/openebs']).toEqual(['? n -']);
  });

  it('adds the directories of a Flux Kustomization\'s spec.components to what it applies', () => {
    const placed = placementsOf({
      'clusters/main/apps.yaml': fluxKs('apps', './apps/app', '  components: [../../components/alerts]\n  targetNamespace: media\n'),
      'apps/app/cm.yaml': configMap('app'),
      'components/alerts/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [alert.yaml]\n',
      'components/alerts/alert.yaml': configMap('alert'),
    });
    expect(placed['ConfigMap/alert']).toEqual(['clusters/main media flux-system/apps']);
  });

  it('applies namePrefix and nameSuffix, outermost outside', () => {
    const files = [
      { path: 'a/kustomization.yaml', text: 'namePrefix: outer-\nresources: [b]\n' },
      { path: 'a/b/kustomization.yaml', text: 'namePrefix: inner-\nnameSuffix: -x\nresources: [cm.yaml]\n' },
      { path: 'a/b/cm.yaml', text: configMap('cm', 'n') },
    ];
    const [cm] = loadRepository(files, '').index.ofType('ConfigMap');
    expect(cm?.placements.map((p) => p.name)).toEqual(['outer-inner-cm-x']);
  });
});

describe('Flux substitution', () => {
  const settings = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  DOMAIN: example.com\n';
  const sops =
    'apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\nstringData:\n  TOKEN: ENC[AES256_GCM,data:abc]\nsops:\n  version: 3.9.0\n  mac: ENC[AES256_GCM,data:x]\n';
  const postBuild = '  postBuild:\n    substitute: {APP: web}\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n      - {kind: Secret, name: cluster-secrets}\n';
  const ingress = (host: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: host, namespace: n}\ndata:\n  host: "${host}"\n`;

  function valueOf(files: Record<string, string>, path: string[]) {
    const { index } = loadRepository(
      Object.entries(files).map(([p, text]) => ({ path: p, text })),
      '',
    );
    return index.ofType('ConfigMap').find((r) => r.name === 'host')?.get(path);
  }

  it('substitutes variables from substitute and substituteFrom, and defaults, leaving unknown values unknown', () => {
    const files = {
      'clusters/main/apps.yaml': fluxKs('apps', './apps', postBuild),
      'clusters/main/settings.yaml': settings,
      'clusters/main/secrets.sops.yaml': sops,
      'apps/host.yaml': ingress('${APP}.${DOMAIN} ${MISSING:=fallback} ${MISSING2:-x} ${TOKEN} $${ESCAPED}'),
    };
    expect(valueOf(files, ['data', 'host'])).toBe('web.example.com fallback x ${TOKEN} ${ESCAPED}');
  });

  it('gives children the sources that a parent sets through spec.patches, and reads their paths with the parent\'s values', () => {
    const patch = '  patches:\n    - target: {kind: Kustomization}\n      patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata: {name: _}\n        spec:\n          postBuild:\n            substituteFrom: [{kind: ConfigMap, name: cluster-settings}]\n';
    const files = {
      'clusters/main/apps.yaml': fluxKs('apps', './apps', `${postBuild}${patch}`),
      'clusters/main/settings.yaml': settings,
      'apps/kustomization.yaml': 'resources: [ks.yaml]\n',
      'apps/ks.yaml': fluxKs('child', './${APP}'),
      'web/host.yaml': ingress('${DOMAIN}'),
    };
    expect(valueOf(files, ['data', 'host'])).toBe('example.com');
  });

  it("reads a child's own and patched-in substitute values as its parent substitutes them, unless the child opts out", () => {
    const patch =
      '  patches:\n    - target: {kind: Kustomization}\n      patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata: {name: _}\n        spec:\n          postBuild:\n            substitute: {ZONE: "lan.${DOMAIN}"}\n';
    const child = (labels: string, host: string) =>
      fluxKs('child', './web', `  postBuild:\n    substitute: {HOST: "${host}"}\n`).replace('  namespace: flux-system\n', `  namespace: flux-system\n${labels}`);
    const files = (labels: string, host: string) => ({
      'clusters/main/apps.yaml': fluxKs('apps', './apps', `  postBuild:\n    substitute: {DOMAIN: example.com}\n${patch}`),
      'apps/kustomization.yaml': 'resources: [ks.yaml]\n',
      'apps/ks.yaml': child(labels, host),
      'web/host.yaml': ingress('${HOST} ${ZONE}'),
    });
    expect(valueOf(files('', 'web.${DOMAIN}'), ['data', 'host'])).toBe('web.example.com lan.example.com');
    // The child's own file mentions no variable; the parent's patch does.
    expect(valueOf(files('', 'web'), ['data', 'host'])).toBe('web lan.example.com');
    const optedOut = files('  labels: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n', 'web.${DOMAIN}');
    expect(valueOf(optedOut, ['data', 'host'])).toBe('web.${DOMAIN} lan.${DOMAIN}');
    // Two clusters apply the same child, each with its own DOMAIN: the
    // patched-in value is read under each parent's, not the first one's.
    const { index } = loadRepository(
      Object.entries({
        'clusters/a/apps.yaml': fluxKs('apps', './apps', `  postBuild:\n    substitute: {DOMAIN: a.example}\n${patch}`),
        'clusters/b/apps.yaml': fluxKs('apps', './apps', `  postBuild:\n    substitute: {DOMAIN: b.example}\n${patch}`),
        'apps/kustomization.yaml': 'resources: [ks.yaml]\n',
        'apps/ks.yaml': child('', 'web'),
        'web/host.yaml': ingress('${ZONE}'),
      }).map(([path, text]) => ({ path, text })),
      '',
    );
    const host = index.ofType('ConfigMap').find((r) => r.name === 'host')!;
    expect(host.placements.map((placement) => `${placement.cluster} ${placement.substitution?.variables.get('ZONE')}`)).toEqual(['clusters/a lan.a.example', 'clusters/b lan.b.example']);
  });

  it('substitutes nothing a kustomization marks disabled for what it builds, a child Kustomization included, and reads no opt-out in commonMetadata', () => {
    const files = (kustomization: string, childExtra = '') => ({
      'clusters/main/apps.yaml': fluxKs('apps', './apps', '  postBuild:\n    substitute: {APP: web, DOMAIN: example.com}\n'),
      'apps/kustomization.yaml': `${kustomization}resources: [ks.yaml, host.yaml]\n`,
      'apps/ks.yaml': fluxKs('child', './${APP}', `  postBuild:\n    substitute: {ZONE: "lan.${'${DOMAIN}'}"}\n${childExtra}`),
      'apps/host.yaml': ingress('${DOMAIN}'),
      'web/zone.yaml': ingress('${ZONE}').replace('name: host', 'name: zone'),
    });
    const placed = (texts: Record<string, string>) => {
      const { index } = loadRepository(Object.entries(texts).map(([path, text]) => ({ path, text })), '');
      return index.ofType('ConfigMap').map((r) => `${r.name} ${r.placements[0]?.fluxKustomization ?? '-'} ${String(r.get(['data', 'host']))}`);
    };
    expect(placed(files(''))).toEqual(['host flux-system/apps example.com', 'zone flux-system/child lan.example.com']);
    // The child's path stays ./${APP}, which is no directory here: it applies nothing.
    const annotated = files('commonAnnotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n');
    expect(placed(annotated)).toEqual(['host flux-system/apps ${DOMAIN}', 'zone - ${ZONE}']);
    expect(placed(files('labels:\n  - pairs: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n'))).toEqual(placed(annotated));
    // kustomize-controller sets commonMetadata as it applies, after it has substituted.
    const commonMetadata = '  commonMetadata:\n    annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n';
    expect(placed(files('', commonMetadata))).toEqual(placed(files('')));
  });
});

describe('an empty kustomization.yaml', () => {
  it('builds nothing: kustomize refuses it, and Flux, seeing the file, generates none', () => {
    const files = {
      'clusters/main/flux.yaml': fluxKs('flux-system', './clusters/main'),
      'clusters/main/apps.yaml': fluxKs('apps', './apps'),
      'apps/kustomization.yaml': '# resources: [cm.yaml]\n',
      'apps/cm.yaml': configMap('a', 'default'),
    };
    expect(placementsOf(files)['ConfigMap/a']).toEqual(['? default -']);
  });
});

describe('the repository root', () => {
  it('is found above the linted directory when the Flux paths are written from there (homeops-lint kubernetes/)', () => {
    const files = {
      'kubernetes/flux/cluster.yaml': fluxKs('apps', './kubernetes/apps'),
      'kubernetes/apps/cm.yaml': configMap('a', 'default'),
    };
    expect(placementsOf(files, 'kubernetes')['ConfigMap/a']).toEqual(['kubernetes/flux default flux-system/apps']);
    // Paths that resolve where linting started keep the root there.
    const nested = { 'repo/flux/cluster.yaml': fluxKs('apps', './apps'), 'repo/apps/cm.yaml': configMap('a', 'default'), 'repo/repo/apps/x.yaml': configMap('x', 'default') };
    expect(placementsOf(nested, 'repo')['ConfigMap/a']).toEqual(['flux default flux-system/apps']);
  });
});

describe('substitution sources of one name in several clusters', () => {
  it("reads each cluster's own cluster-settings, also for a Kustomization the clusters share", () => {
    const root = (cluster: string) => fluxKs('flux-system', `./clusters/${cluster}`, '  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: cluster-settings}]\n');
    const settings = (cluster: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings, namespace: flux-system}\ndata:\n  CLUSTER: ${cluster}\n`;
    const files: Record<string, string> = {
      'clusters/base/apps.yaml': fluxKs('apps', './apps/${CLUSTER}'),
      'clusters/base/kustomization.yaml': 'resources: [apps.yaml]\n',
      'apps/alpha/a.yaml': configMap('a', 'default'),
      'apps/beta/b.yaml': configMap('b', 'default'),
    };
    for (const cluster of ['alpha', 'beta']) {
      files[`clusters/${cluster}/flux-system.yaml`] = root(cluster);
      files[`clusters/${cluster}/settings.yaml`] = settings(cluster);
      files[`clusters/${cluster}/kustomization.yaml`] = 'resources: [flux-system.yaml, settings.yaml, ../base]\n';
    }
    const placed = placementsOf(files);
    expect(placed['ConfigMap/a']).toEqual(['clusters/alpha default flux-system/apps']);
    expect(placed['ConfigMap/b']).toEqual(['clusters/beta default flux-system/apps']);
  });
});

describe('substituteValue', () => {
  const substitution = { variables: new Map([['DOMAIN', 'example.com'], ['KEY', 'k']]), complete: true, sources: [], dropped: [] };

  it('substitutes every string and key, copying only what holds a variable and sharing the rest', () => {
    const untouched = { image: { repository: 'ghcr.io/x', tag: '1.0' }, ports: [80, 443] };
    const value = { metadata: { name: 'web' }, spec: { values: { app: untouched, ingress: { hosts: ['web.${DOMAIN}'] }, labels: { '${KEY}': 'v' } } } };
    const result = substituteValue(value, substitution) as typeof value;
    expect(result).toEqual({ metadata: { name: 'web' }, spec: { values: { app: untouched, ingress: { hosts: ['web.example.com'] }, labels: { k: 'v' } } } });
    expect(result.metadata).toBe(value.metadata);
    expect(result.spec.values.app).toBe(untouched);
    expect(value.spec.values.ingress.hosts).toEqual(['web.${DOMAIN}']);
  });

  it('keeps `__proto__` an own key of a copied mapping', () => {
    const value = JSON.parse('{"host": "${DOMAIN}", "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const result = substituteValue(value, substitution) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['host', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('reads a path as it stands in the substituted whole, read before or after the whole (SubstitutedValue)', () => {
    const key = fc.constantFrom('a', 'k', 'example.com', '${KEY}', '${DOMAIN}', '${UNSET}', '${UNSET:=a}', 'toString', '__proto__');
    const leaf = fc.oneof(fc.constantFrom('x', 'web.${DOMAIN}', '${KEY}', '$${KEY}'), fc.integer(), fc.constant(null));
    // Plain objects, as composing makes them (fast-check's have no prototype); `__proto__` stays an own key.
    const mapping = (entry: fc.Arbitrary<unknown>, maxKeys: number) => fc.dictionary(key, entry, { maxKeys }).map((d) => Object.fromEntries(Object.entries(d)));
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), mapping(tie('value'), 4)),
    }));
    const document = mapping(value, 5);
    const path = fc.array(fc.oneof(key, fc.nat(3)), { maxLength: 4 });
    fc.assert(
      fc.property(document, fc.array(path, { minLength: 1, maxLength: 4 }), (written, paths) => {
        const whole = substituteValue(written, substitution);
        const view = new SubstitutedValue(written, substitution);
        for (const at of paths) expect(view.at(at)).toStrictEqual(getPath(whole, at));
        expect(view.value).toStrictEqual(whole);
        for (const at of paths) expect(view.at(at)).toStrictEqual(getPath(whole, at));
      }),
      { seed: 11, numRuns: 3_000 },
    );
  });

  it('copies a cycle (an alias inside its own anchor) whole, substituted throughout', () => {
    // The variable is met only after the way back: `inner` alone holds none.
    const inner: Record<string, unknown> = { c: 'plain' };
    const outer: Record<string, unknown> = { b: inner, d: '${DOMAIN}' };
    inner.back = outer;
    const result = substituteValue({ a: outer }, substitution) as { a: { b: { c: string; back: { d: string } }; d: string } };
    expect(result.a.d).toBe('example.com');
    expect(result.a.b.back).toBe(result.a);
    expect(result.a.b.back.d).toBe('example.com');
  });
});


describe('homeops-lint graph', () => {
  it('prints each cluster\'s Flux Kustomizations with path, namespace and resource count', async () => {
    const { cli } = await import('./helpers/cli.js');
    const { join } = await import('node:path');
    const text = await cli(['graph', 'examples/home-ops'], join(import.meta.dirname, '..'));
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('cluster kubernetes/flux/config');
    const row = (id: string) => lines.find((line) => line.startsWith(`  ${id} `))?.trim().split(/ {2,}/);
    expect(row('flux-system/cluster-apps')).toEqual(['flux-system/cluster-apps', 'kubernetes/apps', '-', '17 resources']);
    expect(row('flux-system/loki')).toEqual(['flux-system/loki', 'kubernetes/apps/monitoring/loki/app (missing)', 'monitoring', '0 resources']);
    expect(lines.at(-2)).toMatch(/^\d+ of \d+ resources deployed by a cluster; \d+ of \d+ files reached\.$/);

    const json = JSON.parse((await cli(['graph', '--format', 'json', 'examples/home-ops'], join(import.meta.dirname, '..'))).stdout);
    const podinfo = json.clusters[0].kustomizations.find((k: { id: string }) => k.id === 'flux-system/podinfo');
    expect(podinfo).toEqual({
      id: 'flux-system/podinfo',
      file: 'examples/home-ops/kubernetes/apps/default/podinfo/ks.yaml',
      path: 'kubernetes/apps/default/podinfo/app',
      pathExists: true,
      targetNamespace: 'default',
      dependsOn: ['flux-system/ingress-nginx-controller'],
      resources: 1,
    });
  });

  it('counts what the implicit cluster of a plain kustomize repository deploys', async () => {
    const { cli } = await import('./helpers/cli.js');
    const { join } = await import('node:path');
    const fixture = 'test/fixtures/duplicate-helmrelease/invalid/apps-and-infrastructure-copies';
    const text = await cli(['graph', fixture], join(import.meta.dirname, '..'));
    // Before: "0 of 7 resources deployed by a cluster; 0 of 6 files reached."
    // The kustomization.yaml files themselves are not deployed, as with Flux.
    expect(text.stdout.split('\n').slice(0, 2)).toEqual([
      'No Flux Kustomization reaches a file: the repository is read as plain kustomize.',
      '4 of 7 resources deployed by a cluster; 3 of 6 files reached.',
    ]);
  });
});
