/**
 * Files built from the rules' metadata. `npm run generate` writes them;
 * test/generated.test.ts fails when a committed copy is stale.
 */
import { buildConfigSchema } from '../src/config/schema.js';
import { ruleMetas, rules } from '../src/rules/registry.js';

export function generatedFiles(): Record<string, string> {
  return {
    'docs/rules/README.md': rulesIndex(),
    'schemas/config.schema.json': `${JSON.stringify(buildConfigSchema(), null, 2)}\n`,
  };
}

function rulesIndex(): string {
  const rows = ruleMetas.map((meta) => {
    const rule = rules.find((candidate) => candidate.id === meta.id);
    const kinds = rule ? rule.kinds.map((kind) => `\`${kind}\``).join(', ') : 'every file';
    const options = rule?.optionsSchema ? Object.keys((rule.optionsSchema.properties ?? {}) as object).map((name) => `\`${name}\``).join(', ') : '';
    const severity = meta.defaultSeverity === 'warning' ? 'warn' : meta.defaultSeverity;
    return `| [\`${meta.id}\`](${meta.id}.md) | ${severity} | ${meta.description} | ${kinds} | ${options || '-'} |`;
  });
  return [
    '# Rules',
    '',
    '<!-- Generated from the rules\' metadata by `npm run generate`; do not edit by hand. -->',
    '',
    '| Rule | Default | Checks | Kinds | Options |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Run `homeops-lint rules` for this list in a terminal and `homeops-lint explain <rule-id>` for a page.',
    '',
  ].join('\n');
}
