import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { run } from '../../src/cli/main.js';

/**
 * The examples of the rule pages: an example is a `### Incorrect…` or
 * `### Correct…` subsection of `## Examples`: its ```yaml blocks, and
 * ```gitignore blocks for `.sourceignore` files (each starting with
 * `# file: <path>`, a comment in both), are the files, and its optional
 * ```text output block is the exact stdout of `homeops-lint --no-color .`
 * (none means no output and exit code 0).
 */

export const DOCS = join(import.meta.dirname, '..', '..', 'docs', 'rules');
export const SECTIONS = ['Why', 'Examples', 'How to fix', 'When not to use it', 'Further reading'];
const FILE_LINE = /^# file: (\S.*)$/;
const SUMMARY = /^\d+ problems? \((\d+) errors?, \d+ warnings?\)$/m;

interface DocFile {
  readonly path: string;
  readonly text: string;
}

export interface DocExample {
  readonly title: string;
  readonly kind: 'Incorrect' | 'Correct';
  readonly line: number;
  readonly files: DocFile[];
  output: string | undefined;
}

export interface DocPage {
  readonly title: string | undefined;
  readonly sections: string[];
  readonly examples: DocExample[];
  readonly text: string;
  /** Malformed examples, as `line: what is wrong`. */
  readonly problems: string[];
}

export function parsePage(text: string): DocPage {
  const lines = text.split('\n');
  const page: DocPage = { title: undefined, sections: [], examples: [], text, problems: [] };
  let section: string | undefined;
  let example: DocExample | undefined;
  let title: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^```(\S*)(?:[ \t]+(\S.*))?$/.exec(line);
    if (fence) {
      const end = lines.indexOf('```', i + 1);
      if (end === -1) {
        page.problems.push(`${i + 1}: unclosed code block`);
        break;
      }
      const body = lines.slice(i + 1, end);
      if (section === 'Examples') addBlock(page, example, fence[1]!, fence[2]?.trim(), body, i + 1);
      i = end;
      continue;
    }
    const heading = /^(#{1,3}) (.+)$/.exec(line);
    if (!heading) continue;
    const marks = heading[1]!;
    const name = heading[2]!;
    if (marks === '#') title ??= name;
    if (marks === '##') {
      page.sections.push(name);
      section = name;
      example = undefined;
    }
    if (marks === '###') {
      const kind = /^(Incorrect|Correct)\b/.exec(name)?.[1] as DocExample['kind'] | undefined;
      example = section === 'Examples' && kind ? { title: name, kind, line: i + 1, files: [], output: undefined } : undefined;
      if (example) page.examples.push(example);
    }
  }
  return { ...page, title };
}

function addBlock(page: DocPage, example: DocExample | undefined, lang: string, meta: string | undefined, body: string[], line: number): void {
  const isFile = lang === 'yaml' || lang === 'gitignore';
  const isOutput = lang === 'text' && meta === 'output';
  if (!isFile && !isOutput) return;
  if (!example) {
    page.problems.push(`${line}: example block outside an Incorrect/Correct subsection`);
    return;
  }
  if (isOutput) {
    if (example.output !== undefined) page.problems.push(`${line}: a second output block in "${example.title}"`);
    example.output = body.length === 0 ? '' : `${body.join('\n')}\n`;
    return;
  }
  if (example.output !== undefined) page.problems.push(`${line}: a ${lang} block after the output block in "${example.title}"`);
  const path = FILE_LINE.exec(body[0] ?? '')?.[1]?.trim();
  if (!path) {
    page.problems.push(`${line}: a ${lang} block that does not start with "# file: <path>"`);
    return;
  }
  const normalized = posix.normalize(path);
  if (posix.isAbsolute(path) || normalized.startsWith('..') || normalized !== path) {
    page.problems.push(`${line}: "${path}" is not a plain relative path`);
    return;
  }
  if (example.files.some((file) => file.path === path)) page.problems.push(`${line}: "${path}" appears twice in "${example.title}"`);
  example.files.push({ path, text: `${body.join('\n')}\n` });
}

export async function lintExample(files: readonly DocFile[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'homeops-lint-docs-'));
  try {
    for (const file of files) {
      const target = join(dir, ...file.path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.text);
    }
    let stdout = '';
    let stderr = '';
    const code = await run(['--no-color', '.'], {
      cwd: dir,
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    return { code, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function expectedExitCode(output: string): number {
  const errors = Number(SUMMARY.exec(output)?.[1] ?? 0);
  return errors > 0 ? 1 : 0;
}

