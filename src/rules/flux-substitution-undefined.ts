import type { Resource } from '../resources/resource.js';
import { referencesIn, substitutionDisabled, variablesReadIn } from '../resources/substitution.js';
import { certainlyLacksText, writtenJson } from '../resources/values.js';
import type { Path, SpanTarget } from '../yaml/locate.js';
import { ALL_KINDS, defineRule } from './types.js';

export default defineRule({
  id: 'flux-substitution-undefined',
  description: 'A ${VAR} without a default must be defined by a substitution source of the Flux Kustomization that applies it',
  defaultSeverity: 'error',
  kinds: [ALL_KINDS],
  messages: {
    undefined:
      '${{{variable}}} is defined by no substitution source of Flux Kustomization "{{kustomization}}" ({{sources}}); Flux 2.9 fails the reconcile on an undefined variable. Define {{variable}} there, give a default (${{{variable}}:=value}), or write $$ for a $ meant for a shell or the application.',
  },
  check(resource, context) {
    // One document of a file may mention variables and the others not: those are not read.
    if (!resource.file.mentionsVariables || certainlyLacksText(resource.written, '${') || substitutionDisabled(resource.written)) return;
    // Only when every source was read is a missing variable really undefined.
    const complete = resource.placements.filter((placement) => placement.substitution?.complete);
    if (complete.length === 0) return;
    // Most documents read only variables that are defined, or have defaults: a
    // cached document's JSON tells so without decoding and walking it (a third
    // of a run after one edit, in a repository that substitutes its domain
    // everywhere).
    const json = writtenJson(resource.written);
    const named = json === undefined ? undefined : variablesReadIn(json);
    const reported = new Set<string>();
    let strings: ReturnType<typeof stringsIn> | undefined;
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
