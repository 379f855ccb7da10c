import authentikDomainIngress from './authentik-domain-ingress.js';
import bgpEmptyServiceSelector from './bgp-empty-service-selector.js';
import cnpgBackupImmediate from './cnpg-backup-immediate.js';
import cnpgBackupSchedule from './cnpg-backup-schedule.js';
import duplicateHelmrelease from './duplicate-helmrelease.js';
import duplicateResource from './duplicate-resource.js';
import fluxDependencyCycle from './flux-dependency-cycle.js';
import fluxDependencyMissing from './flux-dependency-missing.js';
import fluxPathMissing from './flux-path-missing.js';
import fluxSubstitutionUndefined from './flux-substitution-undefined.js';
import fluxSubstitutionVariableName from './flux-substitution-variable-name.js';
import kustomizeMissingResource from './kustomize-missing-resource.js';
import lbIpamPoolLabel from './lb-ipam-pool-label.js';
import { lintDirective } from './lint-directive.js';
import orphanManifest from './orphan-manifest.js';
import pssS6Overlay from './pss-s6-overlay.js';
import type { Rule, RuleMeta } from './types.js';
import { yamlSyntax } from './yaml-syntax.js';

/** Every resource rule, sorted by id. */
export const rules: readonly Rule[] = [
  authentikDomainIngress,
  bgpEmptyServiceSelector,
  cnpgBackupImmediate,
  cnpgBackupSchedule,
  duplicateHelmrelease,
  duplicateResource,
  fluxDependencyCycle,
  fluxDependencyMissing,
  fluxPathMissing,
  fluxSubstitutionUndefined,
  fluxSubstitutionVariableName,
  kustomizeMissingResource,
  lbIpamPoolLabel,
  orphanManifest,
  pssS6Overlay,
];

/** Every rule the linter can report, including the engine's own `yaml-syntax` and `lint-directive`, sorted by id. */
export const ruleMetas: readonly RuleMeta[] = [...rules, yamlSyntax, lintDirective].sort((a, b) => (a.id < b.id ? -1 : 1));
