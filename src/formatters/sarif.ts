import { readFileSync } from 'node:fs';
import type { Finding, Location, RelatedLocation } from '../linter/finding.js';
import { ruleMetas } from '../rules/registry.js';
import type { RuleMeta } from '../rules/types.js';
import { secretLines, type SecretLine } from './secrets.js';
import type { FormatInput, Formatter } from './types.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const TOOL_NAME = 'homeops-lint';
const INFORMATION_URI = 'https://github.com/homeops-lint/homeops-lint';
/** Where every artifact URI starts; the consumer (e.g. GitHub code scanning) maps it to its checkout. */
const SRCROOT = '%SRCROOT%';
/** Versioned, so a change to how fingerprints are computed can start a new key instead of reopening every alert. */
const FINGERPRINT_KEY = 'homeopsLint/v1';

/** SARIF 2.1.0 for code-scanning upload, with `version` as the tool's semantic version. */
export function createSarif(version: string): Formatter {
  const ruleIndexes = new Map(ruleMetas.map((rule, index) => [rule.id, index]));
  return ({ findings, sourceOf }) => {
    const locate = locator(sourceOf, secretLines(findings, sourceOf));
    return `${JSON.stringify(
      {
        $schema: SARIF_SCHEMA,
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: TOOL_NAME, informationUri: INFORMATION_URI, semanticVersion: version, rules: ruleMetas.map(ruleDescriptor) } },
            originalUriBaseIds: { [SRCROOT]: { description: { text: 'The directory homeops-lint ran in; every artifact URI is relative to it.' } } },
            // Our columns come from JavaScript string offsets, which count UTF-16 code units.
            columnKind: 'utf16CodeUnits',
            results: findings.map((finding) => result(finding, ruleIndexes.get(finding.ruleId), locate)),
          },
        ],
      },
      null,
      2,
    )}\n`;
  };
}

/** SARIF with this package's own version. */
export const sarif: Formatter = (input) => createSarif(packageVersion())(input);

let cachedVersion: string | undefined;

// Read on first use, not at import, so loading the formatters touches no file.
function packageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

function ruleDescriptor(rule: RuleMeta) {
  const description = sentence(rule.description);
  const templates = Object.values(rule.messages).map(placeholdersShown);
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: description },
    fullDescription: { text: `${description} It reports: ${templates.map((template) => `“${template}”`).join(' ')}` },
    helpUri: rule.docsUrl,
    help: {
      text: `${description} See ${rule.docsUrl} for examples, the fix and the rationale.`,
      markdown: `${description} See [${rule.id}](${rule.docsUrl}) for examples, the fix and the rationale.`,
    },
    // A rule that is off until configured is still described, but not enabled.
    defaultConfiguration: rule.defaultSeverity === 'off' ? { enabled: false, level: 'warning' } : { level: rule.defaultSeverity },
  };
}

function result(finding: Finding, ruleIndex: number | undefined, locate: Locate) {
  return {
    ruleId: finding.ruleId,
    ...(ruleIndex === undefined ? {} : { ruleIndex }),
    level: finding.severity,
    message: { text: finding.message },
    locations: [{ physicalLocation: locate(finding) }],
    ...(finding.related.length === 0 ? {} : { relatedLocations: finding.related.map((related, index) => relatedLocation(related, index, locate)) }),
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    ...(finding.resource === null ? {} : { properties: { resource: finding.resource } }),
  };
}

// Ids start at 1 so a message could link to one as `[text](1)`.
function relatedLocation(related: RelatedLocation, index: number, locate: Locate) {
  return { id: index + 1, physicalLocation: locate(related), message: { text: related.message } };
}

type Locate = (location: Location) => ReturnType<typeof physicalLocation>;

/** `physicalLocation` with each file's line table computed once per run. */
function locator(sourceOf: FormatInput['sourceOf'], secretLinesOf: (file: string) => SecretLine): Locate {
  const tables = new Map<string, SourceLines | undefined>();
  return (location) => {
    if (!tables.has(location.file)) tables.set(location.file, sourceLinesOf(sourceOf(location.file)));
    return physicalLocation(location, tables.get(location.file), secretLinesOf(location.file));
  };
}

/**
 * The span, and when the source is at hand the text under it (`snippet`) and
 * the whole lines around it (`contextRegion`), so a viewer without a checkout
 * can still show the offending YAML. Lines holding secrets are never quoted
 * (a SARIF file is uploaded and shown to everyone who can read the
 * repository's alerts): a span on one gets no snippets, a line around a
 * span is left out of its context.
 */
function physicalLocation(location: Location, lines: SourceLines | undefined, isSecret: SecretLine) {
  const region = { startLine: location.line, startColumn: location.column, endLine: location.endLine, endColumn: location.endColumn };
  const artifactLocation = { uri: relativeUri(location.file), uriBaseId: SRCROOT };
  if (lines === undefined || location.line < 1 || location.endLine > lines.starts.length) return { artifactLocation, region };
  for (let line = location.line; line <= location.endLine; line++) if (isSecret(line)) return { artifactLocation, region };
  const before = location.line - 1;
  const after = location.endLine + 1;
  const contextStart = before >= 1 && !isSecret(before) ? before : location.line;
  const contextEnd = after <= lines.count && !isSecret(after) ? after : location.endLine;
  const from = lines.starts[location.line - 1]! + location.column - 1;
  const to = lines.starts[location.endLine - 1]! + location.endColumn - 1;
  return {
    artifactLocation,
    region: { ...region, snippet: { text: lines.source.slice(from, to) } },
    contextRegion: {
      startLine: contextStart,
      endLine: contextEnd,
      snippet: { text: lines.source.slice(lines.starts[contextStart - 1], lineEnd(lines, contextEnd)) },
    },
  };
}

interface SourceLines {
  readonly source: string;
  /** Offset where each line starts; lines end at `\n`, as the linter counts them. */
  readonly starts: readonly number[];
  /** Lines with content: the empty remainder after a final line break is not one. */
  readonly count: number;
}

function sourceLinesOf(source: string | undefined): SourceLines | undefined {
  if (source === undefined) return undefined;
  const starts = [0];
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) starts.push(index + 1);
  return { source, starts, count: source.endsWith('\n') ? starts.length - 1 : starts.length };
}

/** Offset just past the last character of a 1-based line, before its line break. */
function lineEnd(lines: SourceLines, line: number): number {
  if (line >= lines.starts.length) return lines.source.length;
  const breakAt = lines.starts[line]! - 1;
  return lines.source[breakAt - 1] === '\r' ? breakAt - 1 : breakAt;
}

/**
 * A relative URI reference for a `/`-separated path. Each segment is
 * percent-encoded, so spaces, `%`, `#`, `?` and a `:` in the first segment
 * (which would read as a scheme) stay part of the path.
 */
export function relativeUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * SARIF reads `{{` as an escaped brace, so our `{{name}}` placeholders would
 * show as `{name}` in some viewers and `{{name}}` in others; `<name>` reads the
 * same in all of them.
 */
function placeholdersShown(template: string): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, '<$1>');
}
