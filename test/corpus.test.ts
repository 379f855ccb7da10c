import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../src/discovery/discover.js';
import { readInputFile } from '../src/discovery/read.js';
import { lint, loadRepository } from '../src/linter/linter.js';

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
const repos = existsSync(CORPUS) ? readdirSync(CORPUS).sort() : [];

// vitest reports a file with no test as an error; say why these are skipped instead.
if (repos.length === 0) it.skip(`corpus tests need ${CORPUS}, which is not present`, () => {});

/**
 * Every finding on the real repositories, each checked by hand (see the
 * closing notes of the core and Flux graph issues). None of these repos has
 * the six mission failure patterns today; the Flux graph rules find real
 * mistakes, explained beside each.
 */
const EXPECTED: Record<string, string[]> = {
  // The legacy bootstrap Kustomization "cluster" (kubernetes/flux) and the
  // flux-operator sync (kubernetes/flux/cluster) both apply cluster-apps.
  'gavinmcfall__home-ops': ['kubernetes/flux/cluster/ks.yaml:6:9 duplicate-resource'],
  'onedr0p__home-ops': [],
  // external-dns's domainFilters use SECRET_DOMAIN_2/3; cluster-secrets (SOPS) defines only SECRET_DOMAIN.
  'toboshii__home-ops': [
    'cluster/apps/networking/external-dns/helm-release.yaml:50:10 flux-substitution-undefined',
    'cluster/apps/networking/external-dns/helm-release.yaml:51:10 flux-substitution-undefined',
  ],
  // terraform-unifi's external-secret.yaml is a verbatim copy of terraform-vault's (same name);
  // two apps each deploy the HelmRepository prometheus-community into observability.
  'tyriis__home-ops': [
    'kubernetes/main/apps/atlantis-system/techtales-io/terraform-unifi/external-secret.yaml:6:15 duplicate-resource',
    'kubernetes/main/apps/atlantis-system/techtales-io/terraform-vault/external-secret.yaml:6:15 duplicate-resource',
    'kubernetes/main/apps/observability/blackbox-exporter/app/helm-repository.yaml:6:9 duplicate-resource',
    'kubernetes/main/apps/observability/kube-prometheus-stack/app/helm-repository.yaml:6:9 duplicate-resource',
  ],
};

/**
 * Clusters that deploy most of each repo: tyriis runs two (main and utility);
 * gavinmcfall's legacy bootstrap Kustomization and its flux-operator sync reach
 * each other, so they are one cluster, named after the sync's path.
 */
const MAIN_CLUSTERS: Record<string, string[]> = {
  'gavinmcfall__home-ops': ['kubernetes/flux/cluster'],
  'onedr0p__home-ops': ['kubernetes/flux/cluster'],
  'toboshii__home-ops': ['cluster/flux/flux-system'],
  'tyriis__home-ops': ['kubernetes/main/flux', 'kubernetes/utility/flux'],
};

describe.skipIf(repos.length === 0).each(repos)('corpus %s', (repo) => {
  const target = `../shared/corpus/${repo}`;
  const discovery = discoverFiles([target], ROOT);
  const files = discovery.files.map((path) => readInputFile(ROOT, path));

  it('lints every file without crashing, with findings inside their files', () => {
    const { findings, fileCount } = lint({ root: discovery.root, files });
    expect(fileCount).toBeGreaterThan(300);
    for (const finding of findings) {
      const file = files.find((f) => f.path === finding.file);
      const lines = file && 'text' in file ? file.text.split('\n').length : 1;
      expect(finding.line).toBeGreaterThanOrEqual(1);
      expect(finding.line).toBeLessThanOrEqual(lines);
    }
    expect(findings.map((f) => `${f.file.slice(target.length + 1)}:${f.line}:${f.column} ${f.ruleId}`)).toEqual(EXPECTED[repo] ?? []);
  });

  it('finds the clusters the repo deploys', () => {
    const { index } = loadRepository(files, discovery.root);
    const counts = new Map<string, number>();
    for (const resource of index.all) {
      for (const placement of resource.placements) {
        if (placement.cluster !== undefined) counts.set(placement.cluster, (counts.get(placement.cluster) ?? 0) + 1);
      }
    }
    const major = [...counts].filter(([, count]) => count > index.all.length / 10).map(([cluster]) => cluster);
    expect(major.sort()).toEqual(MAIN_CLUSTERS[repo]);
  });
});
