import { isMapping, knownString } from './values.js';

/**
 * Kinds are named `group/Kind`, or just `Kind` for the core API group, so that
 * a rule matches every served version of a kind.
 */
export function typeIdOf(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? kind : `${apiVersion.slice(0, slash)}/${kind}`;
}

// Cluster-scoped kinds never take a namespace from kustomize or Flux.
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'scheduling.k8s.io/PriorityClass',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'apiregistration.k8s.io/APIService',
  'networking.k8s.io/IngressClass',
  'node.k8s.io/RuntimeClass',
  'snapshot.storage.k8s.io/VolumeSnapshotClass',
  'cert-manager.io/ClusterIssuer',
  'external-secrets.io/ClusterSecretStore',
  'external-secrets.io/ClusterExternalSecret',
  'gateway.networking.k8s.io/GatewayClass',
  'cilium.io/CiliumClusterwideNetworkPolicy',
  'cilium.io/CiliumLoadBalancerIPPool',
  'cilium.io/CiliumBGPPeeringPolicy',
  'cilium.io/CiliumBGPClusterConfig',
  'cilium.io/CiliumBGPPeerConfig',
  'cilium.io/CiliumBGPAdvertisement',
  'cilium.io/CiliumBGPNodeConfigOverride',
  'cilium.io/CiliumL2AnnouncementPolicy',
  'cilium.io/CiliumNode',
  'cilium.io/CiliumCIDRGroup',
  'cilium.io/CiliumEgressGatewayPolicy',
  'cilium.io/CiliumPodIPPool',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'snapshot.storage.k8s.io/VolumeSnapshotContent',
  'storage.k8s.io/VolumeAttachment',
  'trust.cert-manager.io/Bundle',
  'generators.external-secrets.io/ClusterGenerator',
  'postgresql.cnpg.io/ClusterImageCatalog',
  'kyverno.io/ClusterPolicy',
  'kyverno.io/ClusterCleanupPolicy',
  'nfd.k8s-sigs.io/NodeFeatureRule',
  'templates.gatekeeper.sh/ConstraintTemplate',
]);

export function isClusterScoped(typeId: string): boolean {
  return CLUSTER_SCOPED.has(typeId);
}

export const FLUX_KUSTOMIZATION = 'kustomize.toolkit.fluxcd.io/Kustomization';
export const HELM_RELEASE = 'helm.toolkit.fluxcd.io/HelmRelease';
export const OCI_REPOSITORY = 'source.toolkit.fluxcd.io/OCIRepository';
export const GIT_REPOSITORY = 'source.toolkit.fluxcd.io/GitRepository';

export const FLUX_INSTANCE = 'fluxcd.controlplane.io/FluxInstance';

/** What starts a cluster through flux-operator: a FluxInstance, or the flux-instance chart's values. */
export const FLUX_SYNC_KINDS = [FLUX_INSTANCE, HELM_RELEASE];

/** kustomize's own configuration files (read as resources, never deployed). */
export const KUSTOMIZE_CONFIG_KINDS = ['kustomize.config.k8s.io/Kustomization', 'kustomize.config.k8s.io/Component'];

/**
 * The object of `typeId` (a Flux Kustomization, a HelmRelease) a Flux
 * `dependsOn` entry names, its strings read through `read` (a parent's
 * substitution): its name, and its namespace, `null` for the dependent's
 * own (Flux's default for an absent or empty one). `undefined` for an
 * entry naming an object of another kind or apiVersion (Flux's dependency
 * references name objects of any kind), or a name or namespace not known
 * offline (a `${VAR}`).
 */
export function dependencyReference(
  entry: unknown,
  typeId: string,
  read: (value: unknown) => unknown = (value) => value,
): { readonly name: string; readonly namespace: string | null; readonly readyExpr: boolean } | undefined {
  const slash = typeId.lastIndexOf('/');
  const field = (key: string) => (isMapping(entry) ? entry[key] : undefined);
  const kind = field('kind');
  const apiVersion = field('apiVersion');
  if ((kind !== undefined && kind !== typeId.slice(slash + 1)) || (apiVersion !== undefined && !(typeof apiVersion === 'string' && apiVersion.startsWith(`${typeId.slice(0, slash)}/`)))) return undefined;
  const name = knownString(read(field('name')));
  const written = read(field('namespace'));
  const namespace = written === undefined || written === null || written === '' ? null : knownString(written);
  // A CEL readyExpr replaces the built-in readiness check (Flux's DependencyReference).
  const readyExpr = field('readyExpr') !== undefined && field('readyExpr') !== null && field('readyExpr') !== '';
  return name === undefined || namespace === undefined ? undefined : { name, namespace, readyExpr };
}
