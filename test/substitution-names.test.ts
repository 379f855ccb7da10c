import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintCase } from './helpers/lint-dir.js';

const ROOT = join(import.meta.dirname, '..');
const CASES = 'test/fixtures/flux-substitution-variable-name/invalid';

describe('flux-substitution-variable-name messages', () => {
  it('name a source by its namespace, and every Kustomization that reads it', async () => {
    const { findings } = await lintCase(`${CASES}/tls-secret-as-source`, ROOT);
    expect(findings[0]!.message).toBe(
      'Key "tls.crt" of Secret "flux-system/wildcard-tls" is not a variable name Flux accepts (letters, digits and _, not starting with a digit), and Flux Kustomization "flux-system/ingress" reads its keys as variables: substitution fails with "var name is invalid", and nothing it applies is updated. Rename the key, or move it to a Secret that no Kustomization substitutes from.',
    );
  });

  it('name a component made in each app namespace by its name alone, and three of its readers', async () => {
    const { findings } = await lintCase(`${CASES}/settings-component-of-every-app`, ROOT);
    expect(findings.map((finding) => finding.message)).toEqual([
      'Key "time-zone" of ConfigMap "cluster-settings" is not a variable name Flux accepts (letters, digits and _, not starting with a digit), and Flux Kustomizations "default/atuin", "downloads/bazarr", "media/radarr" and 1 more read its keys as variables: substitution fails with "var name is invalid", and nothing they apply is updated. Rename the key, or move it to a ConfigMap that no Kustomization substitutes from.',
    ]);
  });
});
