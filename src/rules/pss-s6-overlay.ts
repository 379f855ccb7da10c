import { imageMatches, imageNameOf, parseImage } from '../resources/images.js';
import { HELM_RELEASE } from '../resources/kinds.js';
import type { ResourceIndex } from '../resources/index.js';
import { describeResource, type Placement, type Resource } from '../resources/resource.js';
import { asArray, getPath, isMapping, knownString, walkMappings, isSwitchedOff, type Mapping } from '../resources/values.js';
import type { Path } from '../yaml/locate.js';
import { defineRule } from './types.js';

/** Images built on s6-overlay, whose /init must start as root. */
export const DEFAULT_S6_IMAGES = [
  'ghcr.io/home-assistant/home-assistant',
  'ghcr.io/home-assistant/*-homeassistant',
  'docker.io/homeassistant/home-assistant',
  'docker.io/homeassistant/*-homeassistant',
  'lscr.io/linuxserver/*',
  'ghcr.io/linuxserver/*',
  'docker.io/linuxserver/*',
  'ghcr.io/hotio/*',
  'docker.io/hotio/*',
  'cr.hotio.dev/hotio/*',
];

const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
// s6-overlay >= 3.2.1.0 boots as non-root on a root-owned, world-writable /run
// (an emptyDir) only when told to; see docs/rules/pss-s6-overlay.md.
const WORLD_WRITABLE_RUN = 'S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES';

const POD_SPEC_PATHS: Readonly<Record<string, Path>> = {
  Pod: ['spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** A container image and what the pod around it provides for s6-overlay. */
interface ImageUse {
  readonly reference: string;
  readonly at: Path;
  readonly container: Mapping;
  readonly mountsRun: boolean;
}

interface Options {
  readonly images: readonly string[];
}

export default defineRule<Options>({
  id: 'pss-s6-overlay',
  description: 's6-overlay images must not run in a namespace that enforces the restricted Pod Security Standard',
  defaultSeverity: 'error',
  kinds: [...Object.keys(POD_SPEC_PATHS), HELM_RELEASE],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      images: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description:
          'Images built on s6-overlay, as registry/repository patterns where * matches within one path segment (e.g. lscr.io/linuxserver/*). Replaces the default list.',
      },
    },
  },
  defaultOptions: { images: DEFAULT_S6_IMAGES },
  messages: {
    restricted:
      '{{what}} runs {{image}}, an s6-overlay image whose /init must start as root, in namespace "{{namespace}}" that enforces the restricted Pod Security Standard ({{label}}); its pods are refused, or s6-overlay aborts on /run. Use a rootless image, or set the namespace to enforce baseline.',
  },
  check(workload, context) {
    // Asked first: most repositories enforce restricted nowhere, and a release's
    // target namespace is read from its spec, which a cached run decodes.
    const restricted = restrictedNamespaces(context.index).filter((candidate) => context.index.shareCluster(workload, candidate));
    if (restricted.length === 0) return;
    const enforced = restrictedNamespaceOf(workload, restricted);
    if (!enforced) return;
    const { namespace, namespaceObject } = enforced;
    // Where the label is written; one that kustomize or Flux sets is pointed at by the Namespace's metadata.
    const labelAt = ['metadata', 'labels', ENFORCE_LABEL];
    const written = namespaceObject.get(labelAt) === 'restricted';
    for (const use of imageUses(workload)) {
      if (replacesInit(use.container.command)) continue;
      const image = parseImage(use.reference);
      if (!image || !context.options.images.some((pattern) => imageMatches(image, pattern))) continue;
      if (use.mountsRun && allowsWorldWritableRun(use.container)) continue;
      context.report({
        messageId: 'restricted',
        data: {
          what: describeResource(workload),
          image: use.reference,
          namespace,
          label: context.locationOf(namespaceObject, labelAt),
        },
        at: use.at,
        related: [{ resource: namespaceObject, at: labelAt, message: `namespace "${namespace}" enforces restricted ${written ? 'here' : 'by a label kustomize or Flux sets on it'}` }],
      });
    }
  },
});

/**
 * The first namespace that enforces restricted where a copy of the workload
 * runs: each copy in its own cluster and namespace (one base that two
 * clusters apply into two namespaces, a directory applied twice).
 */
function restrictedNamespaceOf(workload: Resource, restricted: readonly Resource[]): { namespace: string; namespaceObject: Resource } | undefined {
  const targetNamespace = workload.typeId === HELM_RELEASE ? knownString(workload.get(['spec', 'targetNamespace'])) : undefined;
  for (const placement of workload.placements) {
    const namespace = targetNamespace ?? placement.namespace;
    if (placement.cluster === undefined || namespace === undefined) continue;
    const namespaceObject = restricted.find((candidate) =>
      candidate.placements.some((p) => p.cluster === placement.cluster && p.name === namespace && enforcesRestricted(candidate, p)),
    );
    if (namespaceObject) return { namespace, namespaceObject };
  }
  return undefined;
}

/** Namespaces that enforce restricted where some copy is applied. */
function restrictedNamespaces(index: ResourceIndex): readonly Resource[] {
  return index.derived(restrictedNamespaces, () => index.ofType('Namespace').filter((namespace) => namespace.placements.some((placement) => enforcesRestricted(namespace, placement))));
}

/** Whether a copy of a Namespace enforces restricted: by its own label, unless kustomize or Flux sets another (a kustomization's labels, commonMetadata). */
function enforcesRestricted(namespace: Resource, placement: Placement): boolean {
  return (placement.addedLabels.known[ENFORCE_LABEL] ?? namespace.get(['metadata', 'labels', ENFORCE_LABEL])) === 'restricted';
}

function imageUses(workload: Resource): ImageUse[] {
  const podSpecPath = POD_SPEC_PATHS[workload.typeId];
  return podSpecPath ? podImages(workload, podSpecPath) : valuesImages(workload);
}

function podImages(workload: Resource, podSpecPath: Path): ImageUse[] {
  const podSpec = workload.get(podSpecPath);
  const uses: ImageUse[] = [];
  for (const list of ['initContainers', 'containers']) {
    asArray(getPath(podSpec, [list])).forEach((container, index) => {
      const reference = imageReference(getPath(container, ['image']));
      if (!reference || !isMapping(container)) return;
      const mountsRun = asArray(container.volumeMounts).some((mount) => isRunPath(getPath(mount, ['mountPath'])));
      uses.push({ reference, at: [...podSpecPath, list, index, 'image'], container, mountsRun });
    });
  }
  return uses;
}

// Chart values name images as `image: {registry?, repository, tag}` or as a
// plain `image: ref`; the mapping holding `image` stands for the container.
function valuesImages(release: Resource): ImageUse[] {
  const values = release.get(['spec', 'values']);
  const mountsRun = mountsRunAnywhere(values);
  const uses: ImageUse[] = [];
  walkMappings(values, (container, path) => {
    if (isSwitchedOff(values, path)) return;
    const image = container.image;
    const at = ['spec', 'values', ...path, 'image'];
    if (typeof image === 'string') {
      const reference = imageReference(image);
      if (reference) uses.push({ reference, at, container, mountsRun });
      return;
    }
    const repository = imageReference(getPath(image, ['repository']));
    if (!repository) return;
    const registry = knownString(getPath(image, ['registry']));
    uses.push({ reference: registry ? `${registry}/${repository}` : repository, at: [...at, 'repository'], container, mountsRun });
  });
  return uses;
}

/**
 * Whether the chart mounts something at /run: an explicit `mountPath`/`path`,
 * or an app-template `persistence.run` item without explicit mounts, which
 * app-template mounts at /<identifier>; not in a part switched off
 * (`persistence.run.enabled: false` mounts nothing).
 */
function mountsRunAnywhere(values: unknown): boolean {
  let found = false;
  walkMappings(values, (mapping, path) => {
    if ((isRunPath(mapping.mountPath) || isRunPath(mapping.path)) && !isSwitchedOff(values, path)) found = true;
  });
  const run = getPath(values, ['persistence', 'run']);
  if (isMapping(run) && run.enabled !== false && run.globalMounts === undefined && run.advancedMounts === undefined) found = true;
  return found;
}

/**
 * The image reference with a known registry and repository. A substitution in
 * the tag or digest (`lscr.io/linuxserver/sonarr:${VERSION}`) leaves the
 * image known; one in the name does not.
 */
function imageReference(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return knownString(imageNameOf(value)) === undefined ? undefined : value;
}

/**
 * Whether a container's command replaces the image's ENTRYPOINT (/init), so
 * that s6-overlay never starts. Kubernetes takes an empty command as none,
 * and a command of /init starts s6-overlay all the same.
 */
function replacesInit(command: unknown): boolean {
  if (command === undefined || command === null) return false;
  const first: unknown = Array.isArray(command) ? command[0] : command;
  return first !== undefined && first !== '/init';
}

function isRunPath(value: unknown): boolean {
  return typeof value === 'string' && value.replace(/\/+$/, '') === '/run';
}

// Env is a list of {name, value} in a pod spec, and often a map in chart values.
// s6-overlay tests the variable with `test "0$VAR" -ne 0`: only a non-zero
// integer turns it on; "true" does not.
function allowsWorldWritableRun(container: Mapping): boolean {
  const env = container.env;
  const value = Array.isArray(env)
    ? getPath(env.find((entry) => getPath(entry, ['name']) === WORLD_WRITABLE_RUN), ['value'])
    : getPath(env, [WORLD_WRITABLE_RUN]);
  const text = String(isMapping(value) ? value.value : value);
  return /^\d+$/.test(text) && Number(text) !== 0;
}
