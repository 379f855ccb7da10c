import ignore, { type Ignore } from 'ignore';

/** A `.sourceignore` file: its directory, relative to the working directory with `/` (`''` for it), and its text. */
export interface SourceIgnoreFile {
  readonly dir: string;
  readonly text: string;
}

/** Why source-controller leaves a path out of a repository's artifact: the pattern that does, and where it is written. */
export interface ArtifactExclusion {
  readonly pattern: string;
  /** The `.sourceignore` file, a GitRepository's `spec.ignore`, or source-controller's defaults, as a message names them. */
  readonly source: string;
}

/**
 * What leaves a path (relative to the working directory; asked as a
 * directory with `isDirectory`) out of the artifact; `undefined` for a path
 * in it.
 */
export type ArtifactFilter = (path: string, isDirectory: boolean) => ArtifactExclusion | undefined;

// fluxcd/pkg sourceignore/sourceignore.go: ExcludeVCS, which applies always,
// and ExcludeExt, ExcludeCI and ExcludeExtra, which apply only when neither
// a .sourceignore file nor spec.ignore gives a pattern (SourceIgnoreFilter
// in artifact/storage/archive.go).
const VCS_PATTERNS = ['.git/', '.gitignore', '.gitmodules', '.gitattributes'];
const DEFAULT_PATTERNS = [
  ...['*.jpg', '*.jpeg', '*.gif', '*.png', '*.wmv', '*.flv', '*.tar.gz', '*.zip'],
  ...['.github/', '.circleci/', '.travis.yml', '.gitlab-ci.yml', 'appveyor.yml', '.drone.yml', 'cloudbuild.yaml', 'codeship-services.yml', 'codeship-steps.yml'],
  ...['**/.goreleaser.yml', '**/.sops.yaml', '**/.flux.yaml'],
];
const DEFAULTS_SOURCE = "source-controller's default exclusions";

/** Patterns of one source, relative to `base`, in the order written. */
interface PatternSource {
  readonly base: string;
  readonly patterns: readonly string[];
  readonly source: string;
}

/**
 * Consecutive patterns of one source that all exclude or all re-include
 * (`!`, left off): whichever of them matches, the run decides alike.
 */
interface PatternRun {
  readonly base: string;
  readonly includes: boolean;
  readonly matcher: Ignore;
  readonly source: string;
}

/**
 * What source-controller leaves out of the artifact of a GitRepository
 * whose checkout is `root`: the `.sourceignore` files at or below it, each
 * for the paths below its own directory, root first, then `spec.ignore`
 * (anchored at `root`), after the VCS patterns; source-controller's other
 * defaults when none of them gives a pattern. The last pattern that matches
 * a path decides, as go-git's matcher does; a pattern matches a path when it
 * matches the path or a directory above it, so a `!` pattern re-includes a
 * file below an excluded directory (which git would not).
 */
export function artifactFilter(root: string, files: readonly SourceIgnoreFile[], specIgnore?: { readonly text: string; readonly source: string }): ArtifactFilter {
  const written: PatternSource[] = [
    ...files
      .filter(({ dir }) => below(dir, root) !== undefined || sameDirectory(dir, root))
      .sort((a, b) => compareWalkOrder(a.dir, b.dir))
      .map(({ dir, text }) => ({ base: dir, patterns: patternLines(text), source: sameDirectory(dir, '') ? '.sourceignore' : `${dir}/.sourceignore` })),
    ...(specIgnore === undefined ? [] : [{ base: root, patterns: patternLines(specIgnore.text), source: specIgnore.source }]),
  ];
  const given = written.some(({ patterns }) => patterns.length > 0);
  const runs = [{ base: root, patterns: given ? VCS_PATTERNS : [...VCS_PATTERNS, ...DEFAULT_PATTERNS], source: DEFAULTS_SOURCE }, ...written].flatMap(runsOf);
  return (path, isDirectory) => {
    for (let at = runs.length - 1; at >= 0; at--) {
      const { base, includes, matcher, source } = runs[at]!;
      const relative = below(path, base);
      if (relative === undefined) continue;
      const { ignored, rule } = matcher.test(isDirectory ? `${relative}/` : relative);
      if (ignored) return includes ? undefined : { pattern: rule!.pattern, source };
    }
    return undefined;
  };
}

/** The pattern lines of a `.sourceignore` text, as fluxcd/pkg's ReadPatterns keeps them: not blank, not starting with `#`. */
function patternLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => !line.startsWith('#') && line.trim() !== '');
}

function runsOf({ base, patterns, source }: PatternSource): PatternRun[] {
  const runs: { base: string; includes: boolean; patterns: string[]; source: string }[] = [];
  for (const line of patterns) {
    const includes = line.startsWith('!');
    const pattern = includes ? line.slice(1) : line;
    const last = runs.at(-1);
    if (last?.includes === includes) last.patterns.push(pattern);
    else runs.push({ base, includes, patterns: [pattern], source });
  }
  // go-git compares names as they are written.
  return runs.map(({ patterns: run, ...rest }) => ({ ...rest, matcher: ignore({ ignorecase: false }).add(run) }));
}

/** `path` relative to the directory `base` when it lies below it; `undefined` otherwise, and for `base` itself. */
function below(path: string, base: string): string | undefined {
  if (sameDirectory(path, base)) return undefined;
  if (sameDirectory(base, '')) return path === '..' || path.startsWith('../') ? undefined : path;
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : undefined;
}

function sameDirectory(a: string, b: string): boolean {
  return a === b || ((a === '' || a === '.') && (b === '' || b === '.'));
}

/** The order in which fluxcd/pkg's LoadIgnorePatterns walks directories: a directory before those below it, names in byte order. */
function compareWalkOrder(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let at = 0; at < Math.min(left.length, right.length); at++) {
    if (left[at] !== right[at]) return left[at]! < right[at]! ? -1 : 1;
  }
  return left.length - right.length;
}
