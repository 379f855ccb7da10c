import type { Resource } from '../resources/resource.js';
import { mayHoldUnreadableExpansion, referencesIn, substitutionDisabled, unreadableExpansionsIn, variablesReadIn } from '../resources/substitution.js';
import { certainlyLacksText, writtenJson } from '../resources/values.js';
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
  },
  check(resource, context) {
    // One document of a file may mention variables and the others not: those are not read.
    if (!resource.file.mentionsVariables || certainlyLacksText(resource.written, '${') || substitutionDisabled(resource.written)) return;
    // Flux parses what every Kustomization that substitutes applies, its sources known or not.
    const substituting = resource.placements.find((placement) => placement.substitution !== undefined);
    if (substituting === undefined) return;
    // Most documents read only variables that are defined, or have defaults: a
    // cached document's JSON tells so without decoding and walking it (a third
    // of a run after one edit, in a repository that substitutes its domain
    // everywhere).
    const json = writtenJson(resource.written);
    let strings: ReturnType<typeof stringsIn> | undefined;
    if (json === undefined || mayHoldUnreadableExpansion(json)) {
      strings = stringsIn(resource);
      for (const { text, at, span } of strings) {
        // Reported once per string each: the finding points at its first.
        for (const unreadable of new Map(unreadableExpansionsIn(text).map((found) => [found.source, found])).values()) {
          const why = unreadable.why === 'name' ? 'no variable name follows ${' : 'the name is followed by neither } nor an operator such as :=';
          context.report({ messageId: 'unreadable', data: { text: unreadable.source, why, kustomization: substituting.fluxKustomization ?? '' }, at, span, text: unreadable.source });
        }
      }
    }
    // Only when every source was read is a missing variable really undefined.
    const complete = resource.placements.filter((placement) => placement.substitution?.complete);
    const named = json === undefined ? undefined : variablesReadIn(json);
    const reported = new Set<string>();
    for (const placement of complete) {
      const substitution = placement.substitution!;
      if (named?.every((name) => substitution.variables.has(name))) continue;
      strings ??= stringsIn(resource);
      for (const { text, at, span } of strings) {
        for (const reference of referencesIn(text)) {
          if (reference.fallback !== undefined || substitution.variables.has(reference.name)) continue;
          const key = `${at.join('\u0000')}\u0000${reference.name}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const sources = [...substitution.variables.keys()].length === 0 ? 'it defines no variables' : `it defines ${[...substitution.variables.keys()].sort().join(', ')}`;
          context.report({
            messageId: 'undefined',
            data: { variable: reference.name, kustomization: placement.fluxKustomization ?? '', sources },
            at,
            span,
            text: reference.source,
          });
        }
      }
    }
  },
});

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
