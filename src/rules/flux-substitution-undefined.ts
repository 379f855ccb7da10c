import { posix } from 'node:path';
import type { ResourceIndex } from '../resources/index.js';
import { KUSTOMIZE_CONFIG_KINDS } from '../resources/kinds.js';
import type { Placement, Resource } from '../resources/resource.js';
import { isAcceptedVariableName, mayHoldUnreadableExpansion, referencesIn, substitutionDisabled, unreadableExpansionsIn, variablesReadIn, type Substitution, type UnreadableExpansion } from '../resources/substitution.js';
import { asArray, certainlyLacksText, getPath, isMapping, writtenJson, type Mapping } from '../resources/values.js';
import type { Path, SpanTarget } from '../yaml/locate.js';
import { ALL_KINDS, defineRule } from './types.js';

export default defineRule({
  id: 'flux-substitution-undefined',
  description: 'A ${VAR} without a default must be defined by a substitution source of the Flux Kustomization that applies it, and every ${ must be one Flux can parse',
  defaultSeverity: 'error',
  kinds: [ALL_KINDS],
  messages: {
    unreadable:
      '{{text}} is not a variable reference Flux can read ({{why}}); its envsubst fails on it, and with it the whole build of Flux Kustomization "{{kustomization}}". Write $${ for a literal ${, or annotate the object with kustomize.toolkit.fluxcd.io/substitute: disabled.',
    undefined:
      '${{{variable}}} is defined by no substitution source of Flux Kustomization "{{kustomization}}" ({{sources}}); Flux 2.9 fails the reconcile on an undefined variable. Define {{variable}} there, give a default (${{{variable}}:=value}), or write $$ for a $ meant for a shell or the application.',
    refusedName:
      '${{{variable}}} reads a variable that no source can define: kustomize-controller accepts only names of ASCII letters, digits and _, not starting with a digit, and Flux Kustomization "{{kustomization}}" substitutes it. Flux 2.9 fails the reconcile, and earlier versions put nothing in its place. Write $${{{variable}}} for a shell (a positional parameter) or the application to read.',
  },
  check(resource, context) {
    // One document of a file may mention variables and the others not: those are not read.
    if (!resource.file.mentionsVariables || certainlyLacksText(resource.written, '${') || substitutionDisabled(resource.written)) return;
    // A kustomization's own strings that reach the build: what Flux substitutes there is what it makes of them.
    const built = KUSTOMIZE_CONFIG_KINDS.includes(resource.typeId);
    const placements = built ? placementsOfBuild(context.index, resource) : resource.placements;
    // Flux parses what every Kustomization that substitutes applies, its sources known or not.
    const substituting = placements.find((placement) => placement.substitution !== undefined);
    if (substituting === undefined) return;
    const stringsOf = built ? () => builtStringsIn(resource) : () => stringsIn(resource);
    // Most documents read only variables that are defined, or have defaults: a
    // cached document's JSON tells so without decoding and walking it (a third
    // of a run after one edit, in a repository that substitutes its domain
    // everywhere); else its file's text, which may say more (its other
    // documents, comments), never less but through a YAML escape (`\x24{`).
    const scanned = writtenJsonScan(resource.written) ?? fileScanOf(context.index, resource.file);
    let strings: ReturnType<typeof stringsIn> | undefined;
    if (scanned.mayHoldUnreadable) {
      strings = stringsOf();
      for (const { text, at, span } of strings) {
        if (!mayHoldUnreadableExpansion(text)) continue;
        // Reported once per string each: the finding points at its first.
        for (const unreadable of new Map(unreadableExpansionsIn(text).map((found) => [found.source, found])).values()) {
          const why = whyUnreadable(unreadable);
          context.report({ messageId: 'unreadable', data: { text: unreadable.source, why, kustomization: substituting.fluxKustomization ?? '' }, at, span, text: unreadable.source });
        }
      }
    }
    // Only when every source was read is a missing variable really undefined;
    // but a name that no source can give (a shell's `${1}`) is, whatever was read.
    // The references of each string, found once for all the placements.
    let references: { readonly at: Path; readonly span: SpanTarget; readonly found: ReturnType<typeof referencesIn> }[] | undefined;
    const referencesOfStrings = () => (references ??= (strings ??= stringsOf()).map(({ text, at, span }) => ({ at, span, found: referencesIn(text) })));
    const reported = new Set<string>();
    for (const placement of placements) {
      const substitution = placement.substitution;
      if (substitution === undefined) continue;
      // With a source unknown only a name no source can define counts: rare.
      if (!substitution.complete && scanned.names.every(isAcceptedVariableName)) continue;
      if (scanned.names.every((name) => substitution.variables.has(name))) continue;
      for (const { at, span, found } of referencesOfStrings()) {
        for (const reference of found) {
          const refused = !isAcceptedVariableName(reference.name);
          if (reference.fallback !== undefined || substitution.variables.has(reference.name) || (!substitution.complete && !refused)) continue;
          const key = `${at.join('\u0000')}\u0000${reference.name}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const data = { variable: reference.name, kustomization: placement.fluxKustomization ?? '' };
          const where = { at, span, text: reference.source };
          if (refused) context.report({ messageId: 'refusedName', data, ...where });
          else context.report({ messageId: 'undefined', data: { ...data, sources: sourcesDescribed(substitution) }, ...where });
        }
      }
    }
  },
});

/**
 * What a Kustomization's sources define, and which of its own a parent's
 * patch replaced: a child whose own substituteFrom is dropped lacks what it
 * was there for, which its manifest does not show.
 */
function sourcesDescribed({ variables, dropped }: Substitution): string {
  const defined = variables.size === 0 ? 'it defines no variables' : `it defines ${[...variables.keys()].sort().join(', ')}`;
  return dropped.length === 0 ? defined : `${defined}; a parent's patch replaced its own substituteFrom, which named ${dropped.join(', ')}`;
}

/** What a scan of a text says of its references: the names it may read without a default, and whether one may not parse. */
interface TextScan {
  readonly names: readonly string[];
  readonly mayHoldUnreadable: boolean;
}

function scanOf(text: string): TextScan {
  return { names: variablesReadIn(text), mayHoldUnreadable: mayHoldUnreadableExpansion(text) };
}

/** The scan of a cached document's JSON text; `undefined` for one not from the cache. */
function writtenJsonScan(written: Mapping): TextScan | undefined {
  const json = writtenJson(written);
  return json === undefined ? undefined : scanOf(json);
}

/** The scan of a file's text, once per file and run. */
function fileScanOf(index: ResourceIndex, file: Resource['file']): TextScan {
  const scans = index.derived(fileScanOf, () => new Map<string, TextScan>());
  let scan = scans.get(file.path);
  if (scan === undefined) scans.set(file.path, (scan = scanOf(file.text)));
  return scan;
}

/** Why envsubst stops at a `${`, in the message's words (fluxcd/pkg envsubst/parse's errors). */
function whyUnreadable({ why, operator = '' }: UnreadableExpansion): string {
  switch (why) {
    case 'name':
      return 'no variable name follows ${';
    case 'end':
      return 'the name is followed by neither } nor an operator such as := or :-';
    case 'unclosed':
      return 'no } closes it';
    case 'length':
      return 'a length, ${#NAME}, ends at its name';
    case 'argument':
      if (operator.startsWith('/')) return `the replacement ${operator} takes a pattern, a / and a replacement, each text or one \${...}`;
      if (operator === ':') return 'the substring : takes a position, and maybe a second : and a length, each text or one ${...}';
      if (operator.startsWith(',') || operator.startsWith('^')) return `a case change, ${operator}, ends at }`;
      return `the trim ${operator} takes a pattern, text or one \${...}`;
  }
}

/**
 * Where the build of a kustomization's directory is applied: the
 * placements of the objects of the files beside it, each copy once (its
 * cluster and Flux Kustomization). A directory whose objects are all
 * generated has none here.
 */
function placementsOfBuild(index: ResourceIndex, kustomization: Resource): readonly Placement[] {
  const byDirectory = index.derived(placementsOfBuild, () => {
    const found = new Map<string, Map<string, Placement>>();
    for (const resource of index.all) {
      const dir = posix.dirname(resource.file.path);
      const placements = found.get(dir) ?? found.set(dir, new Map()).get(dir)!;
      for (const placement of resource.placements) {
        const key = `${placement.cluster}\u0000${placement.fluxKustomization}`;
        if (placement.fluxKustomization !== undefined && !placements.has(key)) placements.set(key, placement);
      }
    }
    return found;
  });
  return [...(byDirectory.get(posix.dirname(kustomization.file.path))?.values() ?? [])];
}

/**
 * The strings of a kustomization that reach what it builds, where they are:
 * the literals of its configMapGenerators (a generated Secret's data is
 * base64, which Flux's substitution never reads), the inline patches it
 * applies, and the names, labels and annotations it writes into every
 * object. A generator whose ConfigMaps are annotated or labelled out of
 * substitution is left out.
 */
function builtStringsIn(resource: Resource): { text: string; at: Path; span: SpanTarget }[] {
  const found: { text: string; at: Path; span: SpanTarget }[] = [];
  const add = (value: unknown, at: Path) => {
    if (typeof value === 'string' && value.includes('${')) found.push({ text: value, at, span: 'value' });
  };
  const disabledForAll = substitutionDisabled({ metadata: getPath(resource.written, ['generatorOptions']) });
  asArray(getPath(resource.written, ['configMapGenerator'])).forEach((generator, index) => {
    if (disabledForAll || substitutionDisabled({ metadata: getPath(generator, ['options']) })) return;
    asArray(getPath(generator, ['literals'])).forEach((literal, at) => add(literal, ['configMapGenerator', index, 'literals', at]));
  });
  const addValues = (mapping: unknown, at: Path) => {
    if (isMapping(mapping)) for (const [key, value] of Object.entries(mapping)) add(value, [...at, key]);
  };
  for (const field of ['patches', 'patchesJson6902']) asArray(getPath(resource.written, [field])).forEach((entry, index) => add(getPath(entry, ['patch']), [field, index, 'patch']));
  // Strings kustomize writes into every object it builds: names, labels and
  // annotations. Not `namespace`: a Flux Kustomization's targetNamespace
  // replaces it in what Flux substitutes, as it does on cluster-scoped
  // objects; nor `images`, whose entries reach only the containers that use them.
  for (const field of ['namePrefix', 'nameSuffix']) add(getPath(resource.written, [field]), [field]);
  for (const field of ['commonLabels', 'commonAnnotations']) addValues(getPath(resource.written, [field]), [field]);
  asArray(getPath(resource.written, ['labels'])).forEach((entry, index) => addValues(getPath(entry, ['pairs']), ['labels', index, 'pairs']));
  return found;
}

/** Every string of the document as written that holds `${`, keys included, with where it is. */
function stringsIn(resource: Resource): { text: string; at: Path; span: SpanTarget }[] {
  const found: { text: string; at: Path; span: SpanTarget }[] = [];
  const seen = new Set<unknown>();
  // One path, grown and shrunk on the way; copied only for a string found.
  const at: (string | number)[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') {
      if (value.includes('${')) found.push({ text: value, at: [...at], span: 'value' });
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        at.push(index);
        walk(value[index]);
        at.pop();
      }
      return;
    }
    for (const key of Object.keys(value)) {
      at.push(key);
      if (key.includes('${')) found.push({ text: key, at: [...at], span: 'key' });
      walk((value as Record<string, unknown>)[key]);
      at.pop();
    }
  };
  walk(resource.written);
  return found;
}
