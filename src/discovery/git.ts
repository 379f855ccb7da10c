import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';

// Loaded on first use: outside git no process is spawned, and loading the
// module (with `net` and `stream`) costs ~5 ms of every such run's start.
let childProcess: typeof ChildProcess | undefined;
const loadChildProcess = () => (childProcess ??= createRequire(import.meta.url)('node:child_process') as typeof ChildProcess);

/**
 * `core.fsmonitor` names a command that git runs while listing files; the
 * linted directory's own `.git/config` must not run code through it.
 */
const SAFE_CONFIG = ['-c', 'core.fsmonitor=false', '-c', 'core.quotePath=false'];

export interface GitResult {
  /** Whether git ran and exited 0. */
  readonly ok: boolean;
  readonly stdout: Buffer;
  /** git's stderr (its warnings, when it succeeded), or why it could not run. */
  readonly error: string;
}

/**
 * Runs git in `cwd` with the safe configuration; never throws. Its messages
 * are in English (LC_ALL=C), whatever the user's locale, since callers read
 * its warnings.
 */
export function git(cwd: string, args: readonly string[], input?: string): GitResult {
  const result = loadChildProcess().spawnSync('git', [...SAFE_CONFIG, ...args], { cwd, input, env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 1024 * 1024 * 1024 });
  const ok = result.error === undefined && result.status === 0;
  return { ok, stdout: result.stdout ?? Buffer.alloc(0), error: (result.stderr?.toString() || result.error?.message || '').trim() };
}
