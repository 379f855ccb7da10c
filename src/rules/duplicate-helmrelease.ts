import { HELM_RELEASE } from '../resources/kinds.js';
import type { Placement, Resource } from '../resources/resource.js';
import { defineRule } from './types.js';

const NAME = ['metadata', 'name'];

interface Options {
  /** Directories (relative to the repository root) whose HelmReleases are compared; empty for all. */
  readonly directories: readonly string[];
}

export default defineRule<Options>({
  id: 'duplicate-helmrelease',
  description: 'A HelmRelease must be deployed from one file only per cluster and namespace',
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
    duplicate:
      'HelmRelease "{{namespace}}/{{name}}" is also deployed by {{others}}; copies of one release fail the Flux Kustomization that builds them together, or make the Kustomizations that apply them fight over it on every change. Keep one copy.',
  },
  check(release, context) {
    const inScope = (resource: Resource) => isInDirectories(context.index.pathInRepo(resource), context.options.directories);
    if (release.name === undefined || !inScope(release)) return;
    const others = context.index
      .ofType(HELM_RELEASE)
      .filter((other) => other.name === release.name && other.file.path !== release.file.path && inScope(other))
      .flatMap((other) => sharedPlacement(release, other).map((placement) => ({ other, placement })));
    const first = others[0];
    if (!first) return;
    const copies = unique(others.map(({ other }) => other));
    context.report({
      messageId: 'duplicate',
      data: {
        namespace: first.placement.namespace!,
        name: release.name,
        others: copies.map((other) => context.locationOf(other, NAME)).join(', '),
      },
      at: NAME,
      related: copies.map((other) => ({ resource: other, at: NAME, message: 'other copy of this HelmRelease' })),
    });
  },
});

/**
 * The placements in which both copies land in the same cluster and namespace.
 * Copies whose cluster or namespace is unknown are never called duplicates:
 * an archived copy or a `${NAMESPACE}` value is not evidence of a clash.
 */
function sharedPlacement(a: Resource, b: Resource): Placement[] {
  return a.placements.filter(
    (p) => p.cluster !== undefined && p.namespace !== undefined && b.placements.some((q) => q.cluster === p.cluster && q.namespace === p.namespace),
  );
}

function isInDirectories(path: string, directories: readonly string[]): boolean {
  if (directories.length === 0) return true;
  return directories.some((directory) => {
    const prefix = directory.replace(/^\.\//, '').replace(/\/+$/, '');
    return prefix === '' || prefix === '.' || path === prefix || path.startsWith(`${prefix}/`);
  });
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
