import { otherCopies } from '../resources/duplicates.js';
import type { ResourceIndex } from '../resources/index.js';
import { HELM_RELEASE } from '../resources/kinds.js';
import { helmReleaseInstall, installCluster } from '../resources/helm-release.js';
import type { Placement, Resource } from '../resources/resource.js';
import { COPY_CONSEQUENCE, reportCopies } from './report-copies.js';
import { defineRule, type RuleContext } from './types.js';

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
    sameRelease:
      'HelmRelease "{{namespace}}/{{name}}" installs Helm release "{{release}}" (stored in namespace "{{storage}}"), as {{others}} does; helm-controller upgrades that one release from both, each undoing the other, and uninstalling either removes what both installed. Give one of them its own spec.releaseName.',
  },
  check(release, context) {
    const inScope = (resource: Resource) => isInDirectories(context.index.pathInRepo(resource), context.options.directories);
    if (!inScope(release)) return;
    reportCopies(release, otherCopies(context.index, release).filter((copy) => inScope(copy.resource)), context);
    reportSharedRelease(release, context, inScope);
  },
});

/** Where a HelmRelease's Helm release lives: what helm-controller names it and where it keeps it. */
interface HelmReleaseIdentity {
  readonly key: string;
  readonly release: string;
  readonly storage: string;
}

/**
 * helm-controller's release name and storage namespace, in the placement's
 * cluster; undefined when any of them is not known offline.
 */
function releaseIdentity(resource: Resource, placement: Placement, index: ResourceIndex): HelmReleaseIdentity | undefined {
  const cluster = installCluster(resource, placement, index);
  const install = cluster === undefined ? undefined : helmReleaseInstall(resource, placement);
  if (cluster === undefined || install === undefined) return undefined;
  return { key: `${cluster}\u0000${install.storage}\u0000${install.name}`, release: install.name, storage: install.storage };
}

interface ReleaseUse {
  readonly resource: Resource;
  readonly placement: Placement;
}

// Every HelmRelease copy by the Helm release it installs, once per run.
function releaseUses(index: ResourceIndex): ReadonlyMap<string, readonly ReleaseUse[]> {
  return index.derived(releaseUses, () => {
    const uses = new Map<string, ReleaseUse[]>();
    for (const resource of index.ofType(HELM_RELEASE)) {
      for (const placement of resource.placements) {
        const identity = releaseIdentity(resource, placement, index);
        if (identity) (uses.get(identity.key) ?? uses.set(identity.key, []).get(identity.key)!).push({ resource, placement });
      }
    }
    return uses;
  });
}

/**
 * Two HelmRelease objects (not copies of one: reportCopies tells of those)
 * that install the same Helm release: a copied app that kept spec.releaseName.
 */
function reportSharedRelease(release: Resource, context: RuleContext, inScope: (resource: Resource) => boolean): void {
  for (const placement of release.placements) {
    const identity = releaseIdentity(release, placement, context.index);
    if (identity === undefined) continue;
    const others = (releaseUses(context.index).get(identity.key) ?? []).filter(
      (use) => inScope(use.resource) && (use.placement.namespace !== placement.namespace || use.placement.name !== placement.name),
    );
    if (others.length === 0) continue;
    const named = others.map((use) => `HelmRelease "${use.placement.namespace}/${use.placement.name}" (${context.locationOf(use.resource, releaseNameAt(use.resource))})`);
    context.report({
      messageId: 'sameRelease',
      data: { namespace: placement.namespace ?? '', name: placement.name ?? '', release: identity.release, storage: identity.storage, others: [...new Set(named)].join(', ') },
      at: releaseNameAt(release),
      related: others.map((use) => ({ resource: use.resource, at: releaseNameAt(use.resource), message: `also installs Helm release "${identity.release}"` })),
    });
    return;
  }
}

// Where the release name comes from: spec.releaseName when written, else the object's name.
function releaseNameAt(resource: Resource): string[] {
  return resource.get(['spec', 'releaseName']) === undefined ? ['metadata', 'name'] : ['spec', 'releaseName'];
}

function isInDirectories(path: string, directories: readonly string[]): boolean {
  if (directories.length === 0) return true;
  return directories.some((directory) => {
    const prefix = directory.replace(/^\.\//, '').replace(/\/+$/, '');
    return prefix === '' || prefix === '.' || path === prefix || path.startsWith(`${prefix}/`);
  });
}
