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
    syntax: '{{message}} ({{code}}); Flux cannot apply this file.',
    unreadable: 'Cannot read file: {{error}}.',
    encoding: 'File is not valid UTF-8; Flux cannot apply it.',
    compose: 'Document cannot be composed: {{error}}.',
  },
  docsUrl: docsUrlOf('yaml-syntax'),
};
