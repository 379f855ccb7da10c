/** Container image references, normalised the way a container runtime resolves them. */

export interface ImageName {
  /** Registry host, `docker.io` when the reference names none. */
  readonly registry: string;
  /** Repository path inside the registry, `library/x` for official Docker Hub images. */
  readonly repository: string;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** Registry and repository of `reference`, without tag or digest. */
export function parseImage(reference: string): ImageName | undefined {
  const name = imageNameOf(reference);
  if (!name || /\s/.test(name)) return undefined;
  const parts = name.split('/');
  const first = parts[0]!;
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first.toLowerCase() : 'docker.io';
  const path = (hasRegistry ? parts.slice(1) : parts).join('/').toLowerCase();
  if (DOCKER_HUB_ALIASES.has(registry)) return { registry: 'docker.io', repository: path.includes('/') ? path : `library/${path}` };
  return { registry, repository: path };
}

/** The reference without its tag and digest: `[registry/]repository`. */
export function imageNameOf(reference: string): string {
  const withoutDigest = reference.trim().split('@', 1)[0] ?? '';
  const colon = withoutDigest.indexOf(':', withoutDigest.lastIndexOf('/') + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

/**
 * Whether the image is one that `pattern` names: `registry/repository`, where
 * `*` stands for any characters within one path segment. Matching is by
 * registry and repository, never by a substring of the name.
 */
export function imageMatches(image: ImageName, pattern: string): boolean {
  const wanted = parseImage(pattern);
  if (!wanted) return false;
  return wanted.registry === image.registry && segmentGlob(wanted.repository).test(image.repository);
}

function segmentGlob(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${source}$`);
}

export function formatImage(image: ImageName): string {
  return `${image.registry}/${image.repository}`;
}
