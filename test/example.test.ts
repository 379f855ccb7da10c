import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleMetas } from '../src/rules/registry.js';
import { lintCase } from './helpers/lint-dir.js';

const ROOT = join(import.meta.dirname, '..');
const APPS = 'examples/home-ops/kubernetes/apps';

// As the README's quick start runs it: with the example's own configuration.
const { findings } = await lintCase('examples/home-ops', ROOT);

describe('examples/home-ops', () => {
  it('shows every rule firing, each at the right line and column', () => {
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`)).toEqual([
      `${APPS}/database/cloudnative-pg/cluster/backup.yaml:10:3 cnpg-backup-immediate`,
      `${APPS}/database/cloudnative-pg/cluster/scheduledbackup.yaml:24:13 cnpg-backup-schedule`,
      `${APPS}/database/cloudnative-pg/ks.yaml:10:13 flux-dependency-cycle`,
      `${APPS}/default/echo/app/helmrelease.yaml:19:12 yaml-syntax`,
      `${APPS}/default/kustomization.yaml:9:5 kustomize-missing-resource`,
      `${APPS}/default/legacy/deployment.yaml:4:7 orphan-manifest`,
      `${APPS}/default/podinfo/app/ingress.yaml:10:13 authentik-domain-ingress`,
      `${APPS}/default/podinfo/ks.yaml:13:13 flux-dependency-missing`,
      `${APPS}/home-automation/home-assistant/app/helmrelease.yaml:17:27 pss-s6-overlay`,
      `${APPS}/home-automation/mosquitto/app/service.yaml:7:5 lb-ipam-pool-label`,
      `${APPS}/home-automation/mosquitto/ks.yaml:18:7 flux-substitution-variable-name`,
      `${APPS}/home-automation/zigbee2mqtt/app/helmrelease.yaml:26:15 lint-directive`,
      `${APPS}/home-automation/zigbee2mqtt/app/helmrelease.yaml:30:19 flux-substitution-undefined`,
      `${APPS}/kube-system/cilium/config/bgp.yaml:11:7 bgp-empty-service-selector`,
      `${APPS}/monitoring/kube-prometheus-stack/app/helmrelease.yaml:5:9 duplicate-helmrelease`,
      `${APPS}/monitoring/kube-prometheus-stack/app/helmrepository.yaml:5:9 duplicate-resource`,
      `${APPS}/monitoring/loki/ks.yaml:10:9 flux-path-missing`,
      'examples/home-ops/kubernetes/infrastructure/monitoring/kube-prometheus-stack/helmrelease.yaml:6:9 duplicate-helmrelease',
      'examples/home-ops/kubernetes/infrastructure/monitoring/kube-prometheus-stack/helmrepository.yaml:5:9 duplicate-resource',
    ]);

  });

  it('covers every rule the linter has', () => {
    expect([...new Set(findings.map((f) => f.ruleId))].sort()).toEqual(ruleMetas.map((rule) => rule.id));
  });
});
