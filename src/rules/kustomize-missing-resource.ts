import { KUSTOMIZE_CONFIG_KINDS } from '../resources/kinds.js';
import { defineRule } from './types.js';

export default defineRule({
  id: 'kustomize-missing-resource',
  description: 'Every resources/components/bases entry of a kustomization.yaml must exist, and a directory entry must hold a kustomization',
  defaultSeverity: 'error',
  kinds: KUSTOMIZE_CONFIG_KINDS,
  messages: {
    missing:
      '{{field}} entry "{{entry}}" does not exist; kustomize build fails, and so does the Flux Kustomization that applies this directory. Fix the path, or remove the entry.',
    ignored:
      '{{field}} entry "{{entry}}" is ignored by git (a .gitignore pattern), so it is not in the repository that Flux builds from, though a local kustomize build finds it; the Flux Kustomization that applies this directory fails. Commit it (narrow the pattern, or git add -f), or remove the entry.',
    excluded:
      '{{field}} entry "{{entry}}" is left out of the artifact Flux builds from, by the pattern "{{pattern}}" of {{source}}, though a local kustomize build finds it; the Flux Kustomization that applies this directory fails. Narrow the pattern (or re-include the path with a "!" pattern after it), or remove the entry.',
    kustomizationFile:
      '{{field}} entry "{{entry}}" names a kustomization file, which kustomize reads as manifests, not as a kustomization: the build fails ("must build at directory: ... file is not directory"), and so does the Flux Kustomization that applies this directory. Name its directory instead.',
    noKustomization:
      '{{field}} entry "{{entry}}" is a directory without a kustomization.yaml; kustomize build fails ("unable to find one of \'kustomization.yaml\', \'kustomization.yml\' or \'Kustomization\'"), and so does the Flux Kustomization that applies this directory. Add a kustomization.yaml to the directory that lists its files, or list the files here instead.',
  },
  check(resource, context) {
    for (const missing of context.index.deployment.missingEntries) {
      if (missing.file !== resource.file.path) continue;
      const { excluded } = missing;
      context.report({
        messageId: missing.lacks === 'kustomization' ? 'noKustomization' : missing.lacks === 'directory' ? 'kustomizationFile' : excluded ? 'excluded' : missing.ignored ? 'ignored' : 'missing',
        data: { field: missing.field, entry: missing.entry, ...excluded },
        at: [missing.field, missing.index],
      });
    }
  },
});
