import type { FluxKustomization } from '../resources/deployment.js';
import type { ResourceIndex } from '../resources/index.js';
import { compareStrings } from '../linter/finding.js';
import { FLUX_KUSTOMIZATION } from '../resources/kinds.js';
import { describeResource, documentKey, nameShown, type Resource } from '../resources/resource.js';
import { isAcceptedVariableName, substitutionDisabled } from '../resources/substitution.js';
import { getPath, isMapping } from '../resources/values.js';
import { defineRule, type RuleContext } from './types.js';

const RULE_OF_NAMES = 'ASCII letters, digits and _, not starting with a digit';

// Readers named in a message; a settings ConfigMap every app reads would name a hundred.
const NAMED_READERS = 3;

export default defineRule({
  id: 'flux-substitution-variable-name',
  description: "The variables a Flux Kustomization substitutes (its postBuild.substitute keys, and the keys of the ConfigMaps and Secrets it substitutes from) must have names Flux accepts",
  defaultSeverity: 'error',
  kinds: ['ConfigMap', 'Secret', FLUX_KUSTOMIZATION],
  messages: {
    sourceKey: `Key "{{key}}" of {{what}} is not a variable name Flux accepts (${RULE_OF_NAMES}), and {{readers}} its keys as variables: substitution fails with "var name is invalid", and nothing {{applied}} is updated. Rename the key, or move it to a {{kind}} that no Kustomization substitutes from.`,
    substituteKey: `Flux Kustomization "{{kustomization}}" substitutes "{{key}}", not a variable name Flux accepts (${RULE_OF_NAMES}): its substitution fails with "var name is invalid", and nothing it applies is updated. Rename it, and the \${...} that read it.`,
  },
  check(resource, context) {
    if (resource.typeId === FLUX_KUSTOMIZATION) checkOwnVariables(resource, context);
    else checkSourceKeys(resource, context);
  },
});

function checkOwnVariables(kustomization: Resource, context: RuleContext): void {
  const substitute = getPath(kustomization.written, ['spec', 'postBuild', 'substitute']);
  if (!isMapping(substitute)) return;
  const id = context.index.deployment.fluxKustomizationsOf(kustomization)[0]?.id ?? nameShown(kustomization);
  for (const key of Object.keys(substitute)) {
    if (!nameAccepted(key)) context.report({ messageId: 'substituteKey', data: { key, kustomization: id }, at: ['spec', 'postBuild', 'substitute', key], span: 'key' });
  }
}

function checkSourceKeys(source: Resource, context: RuleContext): void {
  const readers = readersOf(context.index).get(documentKey(source.file.path, source.documentIndex));
  if (readers === undefined) return;
  const kustomizations = [...readers.values()].sort((a, b) => compareStrings(a.id, b.id));
  // The first with where it is, to be found among a hundred ks.yaml files.
  const named = kustomizations
    .slice(0, NAMED_READERS)
    .map(({ id, resource }, index) => (index === 0 ? `"${id}" (${context.locationOf(resource, ['metadata', 'name'])})` : `"${id}"`))
    .join(', ');
  const more = kustomizations.length > NAMED_READERS ? ` and ${kustomizations.length - NAMED_READERS} more` : '';
  const one = kustomizations.length === 1;
  // A component's ConfigMap is made in the namespace of each app that includes it: then no one namespace names it.
  const namespaces = new Set(source.placements.map((placement) => placement.namespace));
  const data = {
    what: namespaces.size > 1 ? `${source.kind} "${nameShown(source)}"` : describeResource(source),
    kind: source.kind,
    readers: `Flux ${one ? 'Kustomization' : 'Kustomizations'} ${named}${more} ${one ? 'reads' : 'read'}`,
    applied: one ? 'it applies' : 'they apply',
  };
  // Flux reads a ConfigMap's data and a Secret's data, which its stringData becomes; not a ConfigMap's binaryData.
  for (const field of source.typeId === 'Secret' ? ['stringData', 'data'] : ['data']) {
    const entries = getPath(source.written, [field]);
    if (!isMapping(entries)) continue;
    for (const key of Object.keys(entries)) {
      if (!nameAccepted(key)) context.report({ messageId: 'sourceKey', data: { ...data, key }, at: [field, key], span: 'key' });
    }
  }
}

/**
 * Whether Flux accepts the name, or may: a key that holds `${` is
 * substituted itself before the object is applied, into what is not known here.
 */
function nameAccepted(key: string): boolean {
  return isAcceptedVariableName(key) || key.includes('${');
}

/**
 * The Flux Kustomizations that read each ConfigMap or Secret document as a
 * substitution source, by documentKey. Flux checks the names as it
 * substitutes an object, so only Kustomizations that apply an object with
 * substitution on count: one whose every object opts out never reads them.
 */
function readersOf(index: ResourceIndex): ReadonlyMap<string, ReadonlyMap<string, FluxKustomization>> {
  return index.derived(readersOf, () => {
    const byId = new Map(index.deployment.fluxKustomizations.map((kustomization) => [kustomization.id, kustomization]));
    const readers = new Map<string, Map<string, FluxKustomization>>();
    for (const resource of index.all) {
      if (substitutionDisabled(resource.written)) continue;
      for (const { substitution, fluxKustomization } of resource.placements) {
        const reader = fluxKustomization === undefined ? undefined : byId.get(fluxKustomization);
        if (substitution === undefined || reader === undefined) continue;
        for (const source of substitution.sources) {
          const key = documentKey(source.file, source.documentIndex);
          (readers.get(key) ?? readers.set(key, new Map()).get(key)!).set(reader.id, reader);
        }
      }
    }
    return readers;
  });
}
