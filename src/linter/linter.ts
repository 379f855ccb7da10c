import { posix } from 'node:path';
import { isAlias, visit, type Alias, type Document, type Node } from 'yaml';
import { buildDeployment, feedsDeployment, isFluxInstanceValues, isReplacementList, planDeployment, repositoryRoot, type DeploymentInput, type DeploymentPlan } from '../resources/deployment.js';
import { ResourceIndex } from '../resources/index.js';
import type { SourceIgnoreFile } from '../resources/source-ignore.js';
import { describeResource, isKustomizationFile, objectTypeOf, placeResource, toRawResource, type RawResource, type Resource } from '../resources/resource.js';
import { rules as allRules } from '../rules/registry.js';
import { formatMessage, type Report, type Rule, type RuleContext, type RuleSetting, type Severity } from '../rules/types.js';

export type { RuleSetting } from '../rules/types.js';
import { yamlSyntax } from '../rules/yaml-syntax.js';
import { locate, type Path, type SpanTarget } from '../yaml/locate.js';
import { fastComposeFile } from '../yaml/fast-compose.js';
import { mentionsVariables, parseSource, restoreSource, type SourceFile, type Span, type SyntaxProblem } from '../yaml/source.js';
import { sha256Hex } from './digest.js';
import { directivesIn, type Directive } from './directives.js';
import { compareFindings, fingerprintOf, type Finding, type Location } from './finding.js';
import { applyDirectives } from './suppress.js';
import { lintDirective } from '../rules/lint-directive.js';
import { ruleMetas } from '../rules/registry.js';

/** What is at a path outside the linted files: something, something git ignores (so not in the repository Flux reads), or nothing. */
export type PathState = 'exists' | 'ignored' | 'missing';

/** A file as discovery hands it over: its text, or why it could not be read. */
export type InputFile = TextFile | UnreadableInput;

/** A file that could not be read, or a directory that could not be listed (`directory`), and why. */
export interface UnreadableInput {
  readonly path: string;
  readonly error: string;
  readonly directory?: true;
}

/** A file that was read (or, from a cache, is read when its text is asked for). */
export interface TextFile {
  readonly path: string;
  readonly text: string;
  readonly invalidEncodingAt?: number;
}


/** How the configuration sets one rule; what it leaves out keeps the rule's default. */
export interface RuleConfig {
  readonly severity?: RuleSetting;
  readonly options?: object;
}

export interface LintInput {
  /** Directory that Flux `spec.path`s are relative to, relative to the working directory (`''` for it). */
  readonly root: string;
  readonly files: readonly InputFile[];
  /** Per rule id; rules not named keep their defaults. */
  readonly rules?: Readonly<Record<string, RuleConfig>>;
  /** Severity of disable directives that suppress nothing (default: warning). */
  readonly reportUnusedDisableDirectives?: RuleSetting;
  /** Whether disable directives must give a reason after `--`. */
  readonly requireReason?: boolean;
  /** Keeps each file's analysis by content between runs. */
  readonly cache?: AnalysisCache;
  /** Whether a path that is not among `files` exists (see DeploymentInput). */
  readonly pathExists?: (path: string) => boolean;
  /** Whether such a path is on disk but ignored by git (see DeploymentInput). */
  readonly pathIgnored?: (path: string) => boolean;
  /** The top of the git work tree the working directory lies in, relative to it (`..`), when there is one (see repositoryRoot). */
  readonly workTreeTop?: string;
  /** The `.sourceignore` files discovery found (see DeploymentInput). */
  readonly sourceIgnores?: readonly SourceIgnoreFile[];
  /** Compose plain manifests without the `yaml` package (default: true; see src/yaml/fast-compose.ts). */
  readonly fastCompose?: boolean;
  /**
   * Report only findings in the files this accepts (default: every file).
   * Every file is still read, for context; rules check only the resources
   * of accepted files, since a rule reports only about the resource it
   * checks. What a pre-commit hook asks for (`--repo`).
   */
  readonly reportOnly?: (path: string) => boolean;
}

export interface LintResult {
  readonly findings: readonly Finding[];
  readonly fileCount: number;
  /** Set instead of findings when the repository's top lies above the working directory: lint again with it as the repository (Repository.repositoryAbove). */
  readonly repositoryAbove?: string;
}

// Bounds the work an alias bomb ("billion laughs") can cause while composing.
const MAX_ALIAS_COUNT = 100;

/** The pure core: files in, sorted findings out. No file system, no output. */
export function lint(input: LintInput): LintResult {
  const settings = input.rules ?? {};
  // Asked per file, not per resource and rule: a pre-commit run asks about every object.
  const reportOnly = input.reportOnly && memoized(input.reportOnly);
  const { index, findings, directives, repositoryAbove } = loadRepository(input.files, input.root, {
    syntaxSeverity: settings[yamlSyntax.id]?.severity ?? yamlSyntax.defaultSeverity,
    cache: input.cache,
    pathExists: input.pathExists,
    pathIgnored: input.pathIgnored,
    workTreeTop: input.workTreeTop,
    sourceIgnores: input.sourceIgnores,
    fastCompose: input.fastCompose,
  });
  const fileCount = input.files.filter((file) => !('directory' in file)).length;
  if (repositoryAbove !== undefined) return { findings: [], fileCount, repositoryAbove };
  for (const rule of allRules) {
    const severity = settings[rule.id]?.severity ?? rule.defaultSeverity;
    if (severity === 'off') continue;
    const options = { ...rule.defaultOptions, ...settings[rule.id]?.options };
    for (const resource of index.ofType(...rule.kinds)) {
      if (!reportOnly || reportOnly(resource.file.path)) runRule(rule, severity, options, resource, index, findings);
    }
  }
  const kept = applyDirectives(findings, directives, {
    knownRuleIds: new Set(ruleMetas.map((meta) => meta.id)),
    severity: settings[lintDirective.id]?.severity ?? lintDirective.defaultSeverity,
    reportUnused: input.reportUnusedDisableDirectives ?? 'warning',
    requireReason: input.requireReason ?? false,
  });
  // Directives in other files suppressed findings no rule looked for: they are not reported unused.
  return { findings: (reportOnly ? kept.filter((finding) => reportOnly(finding.file)) : kept).sort(compareFindings), fileCount };
}

function memoized(accepts: (path: string) => boolean): (path: string) => boolean {
  const answers = new Map<string, boolean>();
  return (path) => {
    let answer = answers.get(path);
    if (answer === undefined) answers.set(path, (answer = accepts(path)));
    return answer;
  };
}

export interface Repository {
  readonly index: ResourceIndex;
  /** `yaml-syntax` findings met while reading, unsorted. */
  readonly findings: Finding[];
  /** `# homeops-lint-...` comments by file. */
  readonly directives: ReadonlyMap<string, readonly Directive[]>;
  /** The top of the repository, when it lies above the working directory (see repositoryRoot): the index is of no use, lint from there. */
  readonly repositoryAbove?: string;
}

/**
 * What reading one file finds, independent of every other file, so a cache
 * can keep it by the file's content: its problems, its directives, and each
 * document composed to plain values.
 */
export interface FileAnalysis {
  /** The text as parsed when it is not the file's own (see withGoYamlAliases); kept out of the cache otherwise. */
  readonly parsedText?: string;
  readonly isTemplate: boolean;
  readonly mentionsVariables: boolean;
  readonly problems: readonly SyntaxProblem[];
  readonly composeErrors: readonly { readonly span: Span; readonly error: string }[];
  readonly directives: readonly Directive[];
  /**
   * Per document, its composed value if it is an object (objectTypeOf) or a
   * kustomization file's first; `undefined` for any other document, or one
   * that did not parse or compose.
   */
  readonly values: readonly unknown[];
  /** Whether one of the documents feeds the deployment model (feedsDeployment), known without reading the values again. */
  readonly feedsDeployment: boolean;
  /** Where the parsed text holds a control character that go-yaml refuses (CONTROL_CHARACTER), if it does. */
  readonly controlCharacterAt?: number;
}

/** Keeps file analyses by content, and the deployment plan by what it reads, between runs; see src/project/cache.ts. */
export interface AnalysisCache {
  /** The key of a file's analysis: its content, and `variant`, the rest of what the analysis depends on. */
  keyOf(file: TextFile, variant: string): string;
  get(key: string): FileAnalysis | undefined;
  set(key: string, analysis: FileAnalysis): void;
  deploymentPlan(key: string): KeptPlan | undefined;
  setDeploymentPlan(key: string, kept: KeptPlan): void;
}

/**
 * A deployment plan as a cache keeps it, with what the search for the top
 * of the repository found on disk when the plan was made (paths and whether
 * each existed): the plan holds for the top it was made for only while they do.
 */
export interface KeptPlan {
  readonly plan: DeploymentPlan;
  readonly topProbes: readonly (readonly [path: string, existed: boolean])[];
}

/**
 * Parses every file and places every resource: what rules, and views such as
 * a deployment graph, work on. Problems reading a file become findings; they
 * never stop the other files from being read.
 */
export function loadRepository(
  files: readonly InputFile[],
  root: string,
  {
    syntaxSeverity = yamlSyntax.defaultSeverity,
    cache,
    pathExists,
    pathIgnored,
    workTreeTop,
    sourceIgnores = [],
    fastCompose: fast = true,
  }: {
    syntaxSeverity?: RuleSetting;
    cache?: AnalysisCache;
    pathExists?: (path: string) => boolean;
    pathIgnored?: (path: string) => boolean;
    workTreeTop?: string;
    sourceIgnores?: readonly SourceIgnoreFile[];
    fastCompose?: boolean;
  } = {},
): Repository {
  const findings: Finding[] = [];
  const reportSyntax = (file: SourceFile | undefined, path: string, span: Span, messageId: string, data: Record<string, string>) => {
    if (syntaxSeverity === 'off') return;
    const region = file ? file.regionOf(span) : { line: 1, column: 1, endLine: 1, endColumn: 1 };
    const message = formatMessage(yamlSyntax.messages[messageId]!, data);
    // Keyed by the text of the broken line, so the same mistake keeps its
    // fingerprint when lines move, and without the path, when the file is
    // renamed (a baseline keeps the file beside it).
    const lineText = file ? (file.text.split('\n', region.line)[region.line - 1] ?? '').trim() : '';
    const fingerprint = fingerprintOf([yamlSyntax.id, messageId, message, lineText]);
    findings.push({ ruleId: yamlSyntax.id, messageId, severity: syntaxSeverity, message, file: path, ...region, resource: null, related: [], fingerprint });
  };

  // What the deployment plan depends on (see DeploymentInput): the files'
  // paths, the content of those it reads, the .sourceignore files and where
  // the work tree's top is (the top found from it), so a cache can keep the
  // plan while an edit leaves them alone.
  const planInputs: string[] | undefined = cache && [workTreeTop ?? '', String(sourceIgnores.length), ...sourceIgnores.flatMap(({ dir, text }) => [dir, text])];
  const chartDirs = new Set(files.filter((f) => posix.basename(f.path) === 'Chart.yaml').map((f) => posix.dirname(f.path)));
  const paths: string[] = [];
  const kustomizations: DeploymentInput['kustomizations'][number][] = [];
  const replacements: NonNullable<DeploymentInput['replacements']>[number][] = [];
  const instanceValues: NonNullable<DeploymentInput['instanceValues']>[number][] = [];
  const raws: RawResource[] = [];
  const directives = new Map<string, readonly Directive[]>();
  for (const file of files) {
    if ('error' in file) {
      reportSyntax(undefined, file.path, { start: 0, end: 0 }, file.directory ? 'unlistable' : 'unreadable', { error: file.error });
      continue;
    }
    const template = isChartTemplate(file.path, chartDirs);
    const isKustomization = isKustomizationFile(file.path);
    // What an analysis depends on besides the text: how the file is read, and which documents it keeps.
    const key = cache?.keyOf(file, template ? 'template' : isKustomization ? 'kustomization' : 'manifest');
    const cached = key === undefined ? undefined : cache?.get(key);
    const { analysis, source } = cached
      ? { analysis: cached, source: restoreSource(file.path, () => cached.parsedText ?? file.text, cached, { fastLocate: fast, originalTextOf: () => file.text }) }
      : analyze(file.path, file.text, template, fast);
    if (key !== undefined && !cached) cache?.set(key, analysis);
    if (analysis.directives.length > 0) directives.set(file.path, analysis.directives);
    if (file.invalidEncodingAt !== undefined) {
      const at = file.invalidEncodingAt;
      reportSyntax(source, file.path, { start: at, end: at + 1 }, 'encoding', {});
    } else if (analysis.controlCharacterAt !== undefined) {
      // Not said of a file that is not UTF-8 at all: its bytes read as anything.
      const at = analysis.controlCharacterAt;
      reportSyntax(source, file.path, { start: at, end: at + 1 }, 'control', { character: codePointName(source.text.codePointAt(at)!) });
    }
    for (const problem of analysis.problems) reportSyntax(source, file.path, problem.span, 'syntax', { message: problem.message, code: problem.code });
    for (const { span, error } of analysis.composeErrors) reportSyntax(source, file.path, span, 'compose', { error });
    raws.push(...rawResourcesOf(source, analysis.values));
    paths.push(file.path);
    if (isKustomization) kustomizations.push({ path: file.path, value: analysis.values[0] });
    else if (isReplacementList(analysis.values[0])) replacements.push({ path: file.path, value: analysis.values[0] });
    else if (isFluxInstanceValues(analysis.values[0])) instanceValues.push({ path: file.path, value: analysis.values[0] });
    planInputs?.push(file.path, isKustomization || analysis.feedsDeployment ? key! : '');
  }

  // Flux paths start at the top of the repository, which a run over part of
  // it may lie below. A plan kept for these inputs from the linted directory
  // says the paths start there: finding that out again reads every Flux
  // Kustomization's spec (~20 ms of a run after one edit).
  const inputsText = planInputs?.join('\u0000');
  const keyFor = (top: string) => (inputsText === undefined ? undefined : sha256Hex(`${inputsText}\u0000${top}`));
  const keptHere = cache?.deploymentPlan(keyFor(root)!);
  const planFromHere = keptHere && keptHere.topProbes.every(([path, existed]) => (pathExists?.(path) ?? false) === existed) ? keptHere.plan : undefined;
  const topProbes: [string, boolean][] = [];
  const probed = (path: string) => {
    const exists = pathExists?.(path) ?? false;
    topProbes.push([path, exists]);
    return exists;
  };
  const found = planFromHere ? root : repositoryRoot({ root, paths, resources: raws, pathExists: probed, workTreeTop });
  // A top above the working directory names the files otherwise than this
  // run does (`../kubernetes/apps`, not `apps`): the caller lints again from
  // there, and nothing planned from here is kept.
  const repositoryAbove = namesFilesAlike(root, found) ? undefined : found;
  const repository = repositoryAbove === undefined ? found : root;
  const planKey = repositoryAbove === undefined ? keyFor(repository) : undefined;
  // Looked up under the top found, unless that is where it was looked up already.
  const storedPlan = planFromHere ?? (planKey === undefined || repository === root ? undefined : cache?.deploymentPlan(planKey)?.plan);
  const plan = storedPlan ?? planDeployment({ root: repository, paths, kustomizations, replacements, instanceValues, resources: raws, sourceIgnores });
  if (planKey !== undefined && !storedPlan) cache?.setDeploymentPlan(planKey, { plan, topProbes });
  const deployment = buildDeployment({ root: repository, linted: root, paths, kustomizations, replacements, instanceValues, resources: raws, pathExists, pathIgnored }, plan);
  const resources = raws
    .filter((raw) => !deployment.isPatchOnly(raw.file.path) && !isChartCrd(raw.file.path, chartDirs))
    .map((raw) => placeResource(raw, deployment.placementsOf(raw)));
  return { index: new ResourceIndex(resources, repository, deployment), findings, directives, ...(repositoryAbove === undefined ? {} : { repositoryAbove }) };
}

/** Whether the files named from the linted directory `root` are named alike from `top`: `top` is `root` or above it by the way `root` is written. */
function namesFilesAlike(root: string, top: string): boolean {
  return top === root || (top === '' ? !(root === '..' || root.startsWith('../')) : root.startsWith(`${top}/`));
}

function analyze(path: string, text: string, template: boolean, fast: boolean): { analysis: FileAnalysis; source: SourceFile } {
  const { source, values: composed, composeErrors } = (fast && !template && composeFast(path, text)) || composeWithYaml(path, text, template);
  // Only objects (toRawResource) and a kustomization file's first document
  // (the deployment model) are read: other documents (Helm values, Talos and
  // CI configuration, a fifth of some repositories) are not kept, in memory
  // or in a cache.
  const isKept = (value: unknown, index: number) => objectTypeOf(value, path) !== undefined || (index === 0 && (isKustomizationFile(path) || isReplacementList(value) || isFluxInstanceValues(value)));
  const values = composed.map((value, index) => (isKept(value, index) ? value : undefined));
  const controlCharacterAt = source.isTemplate ? -1 : source.text.search(CONTROL_CHARACTER);
  const analysis: FileAnalysis = {
    ...(controlCharacterAt === -1 ? {} : { controlCharacterAt }),
    feedsDeployment: rawResourcesOf(source, values).some(feedsDeployment) || isReplacementList(values[0]) || isFluxInstanceValues(values[0]),
    ...(source.text === text ? {} : { parsedText: source.text }),
    isTemplate: source.isTemplate,
    mentionsVariables: source.mentionsVariables,
    problems: source.problems,
    composeErrors,
    directives: directivesIn(source.text, source.regionOf),
    values,
  };
  return { analysis, source };
}

// go-yaml (Flux, kustomize, kubectl) refuses a file holding a C0 or C1
// control character other than tab, line breaks and NEL, or U+FFFE/U+FFFF,
// anywhere, comments included ("control characters are not allowed"). The
// yaml package accepts them.
const CONTROL_CHARACTER = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]/;

function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

function rawResourcesOf(source: SourceFile, values: readonly unknown[]): RawResource[] {
  return values.flatMap((value, index) => toRawResource(source, index, value) ?? []);
}

interface Composed {
  readonly source: SourceFile;
  /** Per document; `undefined` for one that did not parse or compose. */
  readonly values: readonly unknown[];
  readonly composeErrors: FileAnalysis['composeErrors'];
}

/** What parseSource reads, with no problem; its documents are parsed only if a finding needs a position. */
function composeFast(path: string, text: string): Composed | undefined {
  const plain = fastComposeFile(text);
  if (plain === undefined) return undefined;
  const source = restoreSource(path, () => plain.text, { problems: [], isTemplate: false, mentionsVariables: mentionsVariables(plain.text) }, { originalTextOf: () => text });
  return { source, values: plain.values, composeErrors: [] };
}

function composeWithYaml(path: string, text: string, template: boolean): Composed {
  const source = parseSource(path, text, { template });
  const composeErrors: { span: Span; error: string }[] = [];
  const values = source.documents.map((document) => {
    if (document.errors.length > 0) return undefined;
    const cycle = source.text.includes('&') ? aliasInsideItsAnchor(document) : undefined;
    if (cycle) {
      composeErrors.push({ span: cycle.span, error: `the alias *${cycle.name} is inside the value of its own anchor; go-yaml (Flux, kubectl) refuses a value that contains itself` });
      return undefined;
    }
    try {
      return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    } catch (error) {
      composeErrors.push({ span: composeErrorSpan(document), error: errorText(error) });
      return undefined;
    }
  });
  return { source, values, composeErrors };
}

function runRule(rule: Rule, severity: Severity, options: object, resource: Resource, index: ResourceIndex, findings: Finding[]): void {
  const context: RuleContext = {
    index,
    options,
    locationOf: (target, at, span) => formatLocation(locationIn(target, at, span)),
    report(report: Report) {
      const template = rule.messages[report.messageId];
      if (template === undefined) throw new Error(`rule ${rule.id} reported unknown messageId "${report.messageId}"`);
      const span = narrowed(resource.file.text, spanIn(resource, report.at, report.span), report.text);
      const message = formatMessage(template, report.data);
      // An alias of an anchored value the same finding was reported at already: one place to fix, one finding.
      if (resource.file.text[span.start] === '*' && findings.some((found) => found.ruleId === rule.id && found.file === resource.file.path && found.message === message)) return;
      const identity = identityOf(resource, report.namespace);
      findings.push({
        ruleId: rule.id,
        messageId: report.messageId,
        severity,
        message,
        file: resource.file.path,
        ...resource.file.regionOf(span),
        resource: identity,
        fingerprint: fingerprintOf([rule.id, report.messageId, identity.apiVersion, identity.kind, identity.namespace ?? '', identity.name ?? '', resource.file.text.slice(span.start, span.end)]),
        related: (report.related ?? []).map((related) => ({
          ...locationIn(related.resource, related.at, related.span),
          message: related.message,
        })),
      });
    },
  };
  try {
    rule.check(resource, context);
  } catch (error) {
    const where = formatLocation(locationIn(resource, [], 'value'));
    throw new Error(`rule ${rule.id} failed on ${describeResource(resource)} at ${where}: ${errorText(error)}`, { cause: error });
  }
}

function locationIn(resource: Pick<Resource, 'file' | 'documentIndex'>, at: Path, span: SpanTarget = 'value'): Location {
  return { file: resource.file.path, ...resource.file.regionOf(spanIn(resource, at, span)) };
}

/**
 * Where `at` stands in the resource's document. A file the fast composer
 * took can often tell without `yaml` (the same span); else its documents
 * are parsed, which in a cold run costs more than the rest of the file's work.
 */
function spanIn(resource: Pick<Resource, 'file' | 'documentIndex'>, at: Path, target: SpanTarget = 'value'): Span {
  return resource.file.locateFast?.(resource.documentIndex, at, target) ?? locate(documentOf(resource), at, target);
}

export function formatLocation(location: Location): string {
  return `${location.file}:${location.line}:${location.column}`;
}

function identityOf(resource: Resource, namespace = resource.namespace) {
  return { apiVersion: resource.apiVersion, kind: resource.kind, namespace: namespace ?? null, name: resource.name ?? null };
}

function narrowed(text: string, span: Span, within: string | undefined): Span {
  if (!within) return span;
  const at = text.indexOf(within, span.start);
  return at !== -1 && at + within.length <= span.end ? { start: at, end: at + within.length } : span;
}

function documentOf(resource: Pick<Resource, 'file' | 'documentIndex'>): Document.Parsed {
  return resource.file.documents[resource.documentIndex]!;
}

/** An alias inside the collection its anchor names: `yaml` composes a cycle, go-yaml refuses it. */
function aliasInsideItsAnchor(document: Document.Parsed): { span: Span; name: string } | undefined {
  let found: { span: Span; name: string } | undefined;
  forEachAlias(document, (alias, target, path) => {
    if (target === undefined || !alias.range || !path.includes(target)) return false;
    found = { span: { start: alias.range[0], end: alias.range[1] }, name: alias.source };
    return true;
  });
  return found;
}

// Composing fails on an alias with no anchor (point at the alias) or on too
// many aliases (point at the document).
function composeErrorSpan(document: Document.Parsed): Span {
  let span: Span | undefined;
  forEachAlias(document, (alias, target) => {
    if (target !== undefined || !alias.range) return false;
    span = { start: alias.range[0], end: alias.range[1] };
    return true;
  });
  const start = document.contents?.range?.[0] ?? 0;
  return span ?? { start, end: start };
}

/**
 * Each alias with the node it names, as Alias.resolve finds it (the last
 * node with that anchor before it), in one pass over the document, until
 * `onAlias` says it is done: resolve goes through the whole document for
 * each alias, which for a thousand aliases took seconds.
 */
function forEachAlias(document: Document.Parsed, onAlias: (alias: Alias, target: Node | undefined, path: readonly unknown[]) => boolean): void {
  const anchored = new Map<string, Node>();
  visit(document, {
    Node(_key, node, path) {
      if (isAlias(node)) return onAlias(node, anchored.get(node.source), path) ? visit.BREAK : undefined;
      if (node.anchor) anchored.set(node.anchor, node);
      return undefined;
    },
  });
}

// Files under a Helm chart's templates/ are Go templates, not manifests.
function isChartTemplate(path: string, chartDirs: ReadonlySet<string>): boolean {
  return isInChartDirectory(path, 'templates', chartDirs);
}

// A chart's crds/ are plain manifests that Helm installs with the chart: a
// HelmRelease of a chart in the repository applies them, not a kustomization.
function isChartCrd(path: string, chartDirs: ReadonlySet<string>): boolean {
  return isInChartDirectory(path, 'crds', chartDirs);
}

function isInChartDirectory(path: string, directory: string, chartDirs: ReadonlySet<string>): boolean {
  if (chartDirs.size === 0) return false;
  // The directory of the last `<directory>/` in the path is the chart's.
  const at = path.lastIndexOf(`/${directory}/`);
  return at > 0 ? chartDirs.has(path.slice(0, at)) : path.startsWith(`${directory}/`) && chartDirs.has('.');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
