import { HELM_RELEASE } from '../resources/kinds.js';
import type { Placement, Resource } from '../resources/resource.js';
import { defineRule } from './types.js';

const NAME = ['metadata', 'name'];

export default defineRule({
  id: 'duplicate-helmrelease',
  description: 'A HelmRelease must be deployed from one file only per cluster and namespace',
  defaultSeverity: 'error',
  kinds: [HELM_RELEASE],
  messages: {
    duplicate:
      'HelmRelease "{{namespace}}/{{name}}" is also deployed by {{others}}; both copies manage one release and the Helm controller fights itself on every change. Keep one copy and remove the other.',
  },
  check(release, context) {
    if (release.name === undefined) return;
    const others = context.index
      .ofType(HELM_RELEASE)
      .filter((other) => other.name === release.name && other.file.path !== release.file.path)
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

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
