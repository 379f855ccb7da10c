import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintCase } from './helpers/lint-dir.js';

const ROOT = join(import.meta.dirname, '..');
const CASES = 'test/fixtures/flux-substitution-variable-name/invalid';
const UNDEFINED_CASES = 'test/fixtures/flux-substitution-undefined/invalid';

describe('flux-substitution-undefined messages', () => {
  it("say which of the Kustomization's own sources a parent's patch replaced", async () => {
    const { findings } = await lintCase(`${UNDEFINED_CASES}/parent-patch-replaces-child-sources`, ROOT);
    expect(findings.map((finding) => finding.message)).toEqual([
      '${ECHO_PORT} is defined by no substitution source of Flux Kustomization "flux-system/echo" (it defines APP, DOMAIN; a parent\'s patch replaced its own substituteFrom, which named ConfigMap "echo-settings"); Flux 2.9 fails the reconcile on an undefined variable. Define ECHO_PORT there, give a default (${ECHO_PORT:=value}), or write $$ for a $ meant for a shell or the application.',
    ]);
  });

  it('say only what the sources define where no patch replaced any', async () => {
    const { findings } = await lintCase(`${UNDEFINED_CASES}/not-in-cluster-settings`, ROOT);
    expect(findings.map((finding) => /\(([^)]*)\)/.exec(finding.message)?.[1])).toEqual(['it defines APP, CLUSTER_CIDR, LB_GATEWAY_IP, SECRET_ACME_EMAIL, SECRET_DOMAIN, TIMEZONE']);
  });
});

describe('flux-substitution-variable-name messages', () => {
  it('name a source by its namespace, and the Kustomization that reads it with where it is', async () => {
    const { findings } = await lintCase(`${CASES}/tls-secret-as-source`, ROOT);
    expect(findings[0]!.message).toBe(
      `Key "tls.crt" of Secret "flux-system/wildcard-tls" is not a variable name Flux accepts (ASCII letters, digits and _, not starting with a digit), and Flux Kustomization "flux-system/ingress" (${CASES}/tls-secret-as-source/infrastructure.yaml:6:9) reads its keys as variables: substitution fails with "var name is invalid", and nothing it applies is updated. Rename the key, or move it to a Secret that no Kustomization substitutes from.`,
    );
  });

  it('name a component made in each app namespace by its name alone, and three of its readers, the first with where it is', async () => {
    const { findings } = await lintCase(`${CASES}/settings-component-of-every-app`, ROOT);
    expect(findings.map((finding) => finding.message)).toEqual([
      `Key "time-zone" of ConfigMap "cluster-settings" is not a variable name Flux accepts (ASCII letters, digits and _, not starting with a digit), and Flux Kustomizations "default/atuin" (${CASES}/settings-component-of-every-app/kubernetes/apps/default/atuin/ks.yaml:5:9), "downloads/bazarr", "media/radarr" and 1 more read its keys as variables: substitution fails with "var name is invalid", and nothing they apply is updated. Rename the key, or move it to a ConfigMap that no Kustomization substitutes from.`,
    ]);
  });
});
