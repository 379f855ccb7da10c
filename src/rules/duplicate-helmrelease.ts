import { otherCopies } from '../resources/duplicates.js';
import { HELM_RELEASE } from '../resources/kinds.js';
import type { Resource } from '../resources/resource.js';
import { COPY_CONSEQUENCE, reportCopies } from './report-copies.js';
import { defineRule } from './types.js';

interface Options {
  /** Directories (relative to the repository root) whose HelmReleases are compared; empty for all. */
  readonly directories: readonly string[];
}

export default defineRule<Options>({
  id: 'duplicate-helmrelease',
  description: 'A HelmRelease must be deployed once per cluster and namespace',
  defaultSeverity: 'error',
  kinds: [HELM_RELEASE],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      directories: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description:
          'Directories, relative to the repository root, whose HelmReleases are compared (e.g. kubernetes/apps, kubernetes/infrastructure). Empty (the default) compares every HelmRelease.',
      },
    },
  },
  defaultOptions: { directories: [] },
  messages: {
    duplicate: `HelmRelease "{{namespace}}{{name}}" is also deployed by {{others}}; ${COPY_CONSEQUENCE}`,
    appliedTwice: `HelmRelease "{{namespace}}{{name}}" is applied more than once in cluster "{{cluster}}", by Flux Kustomizations {{kustomizations}}; ${COPY_CONSEQUENCE}`,
  },
  check(release, context) {
    const inScope = (resource: Resource) => isInDirectories(context.index.pathInRepo(resource), context.options.directories);
    if (!inScope(release)) return;
    reportCopies(release, otherCopies(context.index, release).filter((copy) => inScope(copy.resource)), context);
  },
});

function isInDirectories(path: string, directories: readonly string[]): boolean {
  if (directories.length === 0) return true;
  return directories.some((directory) => {
    const prefix = directory.replace(/^\.\//, '').replace(/\/+$/, '');
    return prefix === '' || prefix === '.' || path === prefix || path.startsWith(`${prefix}/`);
  });
}
