import { existsSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CosmiconfigResult, Loader, PublicExplorer } from 'cosmiconfig';
import { toRelative, UsageError } from '../discovery/discover.js';
import { ConfigError, resolveConfig, type ResolvedConfig } from './validate.js';

const MODULE = 'homeops-lint';
const DATA_PLACES = ['package.json', '.homeops-lintrc', '.homeops-lintrc.yaml', '.homeops-lintrc.yml', '.homeops-lintrc.json'];
const JS_PLACES = ['homeops-lint.config.js', 'homeops-lint.config.mjs', 'homeops-lint.config.cjs'];
const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

export interface LoadedConfig {
  readonly config: ResolvedConfig;
  /** The file the configuration came from; `undefined` when none was found and defaults apply. */
  readonly filepath: string | undefined;
}

export interface LoadOptions {
  readonly cwd: string;
  /** Where the search starts: the linted directory. */
  readonly searchFrom: string;
  /** `--config FILE`, as given (relative to `cwd`). */
  readonly configFile?: string;
  /** False with `--no-js-config`: a pull request must not run code through the configuration. */
  readonly allowJs: boolean;
  /** How to import a JavaScript configuration, when the caller's `import()` must do it (see ModuleImporter). */
  readonly importModule?: ModuleImporter;
}

/**
 * `import()` of a file URL, done by the caller. The bin runs the bundle from
 * V8's code cache, where the bundle's own `import()` has no loader to call
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING); the bin's does.
 */
export type ModuleImporter = (url: string) => Promise<{ default?: unknown }>;

/**
 * Finds the configuration from the linted directory upward, stopping at the
 * repository's top (the directory holding `.git`), so a file outside the
 * repository never changes its results. JavaScript configurations are
 * considered only when allowed.
 */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const searchPlaces = options.allowJs ? [...DATA_PLACES, ...JS_PLACES] : DATA_PLACES;
  // Loaded only when there is a file to read: most repositories have none,
  // and loading cosmiconfig costs every run ~5 ms.
  const explorer = async (): Promise<PublicExplorer> =>
    (await import('cosmiconfig')).cosmiconfig(MODULE, {
      searchPlaces,
      searchStrategy: 'none',
      cache: false,
      ...(options.importModule ? { loaders: jsLoaders(options.importModule) } : {}),
    });
  const given = options.configFile;
  let result: CosmiconfigResult;
  try {
    if (given !== undefined) {
      if (!options.allowJs && JS_EXTENSIONS.has(extname(given))) throw new UsageError(`--no-js-config refuses the JavaScript configuration ${given}`);
      const path = resolve(options.cwd, given);
      if (!existsSync(path)) throw new UsageError(`configuration file not found: ${given}`);
      result = await (await explorer()).load(path);
    } else {
      result = await searchUpward(async (dir) => (await explorer()).search(dir), searchPlaces, resolve(options.cwd, options.searchFrom));
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw unreadableConfig(error, options.cwd, given);
  }
  if (!result || result.isEmpty) return { config: await resolveConfig({}, '(defaults)'), filepath: result?.filepath };
  return { config: await resolveConfig(result.config, toRelative(options.cwd, result.filepath)), filepath: result.filepath };
}

// cosmiconfig reports "YAML Error in /abs/path:" and the parser's words on the lines after.
function unreadableConfig(error: unknown, cwd: string, given: string | undefined): ConfigError {
  const lines = (error instanceof Error ? error.message : String(error)).split('\n');
  const path = /Error in (.+?):?$/.exec(lines[0] ?? '')?.[1];
  // The parser's code frame ("1 | rules: [") follows its message; the message is enough.
  const detail = (path ? lines.slice(1) : lines)
    .map((line) => line.trim())
    .filter((line) => line && !/^\d+ \||^-*\^$/.test(line))
    .join(' ');
  return new ConfigError(path ? toRelative(cwd, path) : (given ?? 'the configuration'), [`(file): ${detail || 'cannot be read'}`]);
}

async function searchUpward(search: (dir: string) => Promise<CosmiconfigResult>, places: readonly string[], start: string): Promise<CosmiconfigResult> {
  for (let dir = start; ; dir = dirname(dir)) {
    // cosmiconfig tries each place with a read on Node's thread pool, ~15 ms
    // of waiting for a few directories; most directories hold none of them.
    const found = places.some((place) => existsSync(resolve(dir, place))) ? await search(dir) : null;
    if (found) return found;
    if (existsSync(resolve(dir, '.git')) || dirname(dir) === dir) return null;
  }
}

/** cosmiconfig's loaders for JavaScript files, importing through `importModule` (an ES or CommonJS module alike: its default export). */
function jsLoaders(importModule: ModuleImporter): Record<string, Loader> {
  const load: Loader = async (filepath) => (await importModule(pathToFileURL(filepath).href)).default;
  return { '.js': load, '.mjs': load, '.cjs': load };
}
