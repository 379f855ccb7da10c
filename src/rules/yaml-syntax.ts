import { docsUrlOf, type RuleMeta } from './types.js';

/**
 * Files that cannot be read as YAML. The engine reports these itself, before
 * any resource exists, so this rule has metadata but no `check`.
 */
export const yamlSyntax: RuleMeta = {
  id: 'yaml-syntax',
  description: 'YAML files must be readable and parse without errors',
  defaultSeverity: 'error',
  messages: {
    syntax: '{{message}} ({{code}}); nothing in this document can be applied or checked.',
    unreadable: 'Cannot read file: {{error}}.',
    unlistable: 'Cannot list directory: {{error}}; the files in it are not linted.',
    encoding: 'File is not valid UTF-8; YAML must be UTF-8 text.',
    control: 'Control character {{character}} is not allowed in YAML; Flux, kustomize and kubectl refuse the whole file. Remove it, or write it as an escape in a double-quoted string.',
    compose: 'Document cannot be composed: {{error}}.',
  },
  docsUrl: docsUrlOf('yaml-syntax'),
};
