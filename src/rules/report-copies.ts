import type { Copy } from '../resources/duplicates.js';
import type { Resource } from '../resources/resource.js';
import type { RuleContext } from './types.js';

const NAME = ['metadata', 'name'];

/** What a duplicate finding says after the object's name; both duplicate rules share it. */
export const COPY_CONSEQUENCE =
  'copies of one object fail the Flux Kustomization that builds them together, or make the Kustomizations that apply them fight over it and prune it from under each other. Keep one copy.';

/**
 * Reports a resource deployed more than once (messages `duplicate` and
 * `appliedTwice`): copies in other files are named by position, a file
 * applied twice by the Flux Kustomizations that apply it. A file whose
 * copies collide in several namespaces (one component applied into each)
 * has a finding for each, naming the object as it is there.
 */
export function reportCopies(resource: Resource, copies: readonly Copy[], context: RuleContext): void {
  const byIdentity = new Map<string, Copy[]>();
  for (const copy of copies) {
    const key = `${copy.placement.namespace ?? ''}\u0000${copy.placement.name ?? ''}`;
    (byIdentity.get(key) ?? byIdentity.set(key, []).get(key)!).push(copy);
  }
  for (const group of byIdentity.values()) reportCopiesOfOne(resource, group, context);
}

function reportCopiesOfOne(resource: Resource, copies: readonly Copy[], context: RuleContext): void {
  const first = copies[0]!;
  const identity = {
    kind: resource.kind,
    // `namespace/` for namespaced objects, nothing for cluster-scoped ones.
    namespace: first.placement.namespace === undefined ? '' : `${first.placement.namespace}/`,
    name: first.placement.name ?? '',
  };
  const namespace = first.placement.namespace;
  const elsewhere = copies.filter((copy) => copy.resource !== resource);
  if (elsewhere.length > 0) {
    context.report({
      messageId: 'duplicate',
      data: { ...identity, others: [...new Set(elsewhere.map((copy) => context.locationOf(copy.resource, NAME)))].join(', ') },
      at: NAME,
      related: elsewhere.map((copy) => ({ resource: copy.resource, at: NAME, message: `other copy of this ${resource.kind}` })),
      namespace,
    });
    return;
  }
  const { cluster = '', name } = first.placement;
  const appliers = resource.placements
    .filter((placement) => placement.cluster === cluster && placement.namespace === namespace && placement.name === name)
    .map((placement) => `"${placement.fluxKustomization ?? ''}"`);
  context.report({ messageId: 'appliedTwice', data: { ...identity, cluster, kustomizations: [...new Set(appliers)].join(' and ') }, at: NAME, namespace });
}
