import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { discoverFiles, UsageError } from '../discovery/discover.js';
import { readInputFile } from '../discovery/read.js';
import { formatters } from '../formatters/index.js';
import { lint, type InputFile } from '../linter/linter.js';

export interface CliIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal that understands colour. */
  readonly color?: boolean;
}

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const HELP = `Usage: homeops-lint [options] [path ...]

Lints the Kubernetes manifests of a Flux GitOps repository. Paths are
directories or files (default: the current directory).

Options:
  -f, --format <name>  Output format: ${Object.keys(formatters).join(', ')} (default: stylish)
      --no-color       Never colour the output
      --debug          Print stack traces of internal errors
  -h, --help           Show this help
  -v, --version        Show the version

Exit codes: 0 no errors, 1 error-level findings, 2 usage or internal error.
`;

/** Runs the command line; returns the exit code instead of exiting, so tests can call it. */
export function run(argv: readonly string[], io: CliIo): number {
  let debug = argv.includes('--debug');
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f', default: 'stylish' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean', default: false },
        debug: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
    debug = values.debug;
    if (values.help) return write(io.stdout, HELP, EXIT_CLEAN);
    if (values.version) return write(io.stdout, `${version()}\n`, EXIT_CLEAN);
    const formatter = formatters[values.format];
    if (!formatter) throw new UsageError(`unknown format "${values.format}"; expected one of: ${Object.keys(formatters).join(', ')}`);

    const discovery = discoverFiles(positionals, io.cwd);
    const files = discovery.files.map((path) => readInputFile(io.cwd, path));
    const result = lint({ root: discovery.root, files });
    const findings = result.findings;
    const texts = new Map(files.filter((file): file is Extract<InputFile, { text: string }> => 'text' in file).map((file) => [file.path, file.text]));
    const color = !values['no-color'] && (values.color ?? io.color ?? false);
    io.stdout(formatter({ findings, fileCount: result.fileCount, sourceOf: (file) => texts.get(file), color }));
    return findings.some((finding) => finding.severity === 'error') ? EXIT_FINDINGS : EXIT_CLEAN;
  } catch (error) {
    return reportFailure(error, io, debug);
  }
}

function reportFailure(error: unknown, io: CliIo, debug: boolean): number {
  const usage = error instanceof UsageError || isParseArgsError(error);
  const message = error instanceof Error ? error.message : String(error);
  const detail = debug && error instanceof Error && error.stack ? `\n${error.stack}` : usage ? '' : ' (run with --debug for details)';
  io.stderr(`homeops-lint: ${usage ? '' : 'internal error: '}${message}${detail}\n`);
  return EXIT_ERROR;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function write(stream: (text: string) => void, text: string, code: number): number {
  stream(text);
  return code;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
