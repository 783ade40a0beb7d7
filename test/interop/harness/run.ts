/**
 * Running short commands for the interop harness: `ip`, `birdc`, `gobgp`, `bgpctl`, `tshark`.
 *
 * Every command has a time limit (a hung control socket must not hang a test) and its output is
 * returned whole; a non-zero exit is an error unless the caller says it expects one.
 */

import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command after this long (default 10 s). */
  timeoutMs?: number;
  /** Resolve with the result even if the command exits non-zero. */
  allowFailure?: boolean;
  /** Extra environment variables. */
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    super(
      `command failed (exit ${result.code}): ${argv.join(' ')}\n` +
        `${result.stderr.trim() || result.stdout.trim()}`.slice(0, 4000),
    );
    this.name = 'CommandError';
  }
}

/** Run argv[0] with the other elements as arguments (no shell). */
export function runCommand(argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('runCommand: empty argv'));
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT_BYTES,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          // Spawn failure (ENOENT), timeout or output overflow: never a normal result.
          const why = err.killed ? `timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : err.message;
          reject(new Error(`${argv.join(' ')}: ${why}\n${stderr}`.slice(0, 4000)));
          return;
        }
        const result: CommandResult = { code: err ? Number(err.code) : 0, stdout, stderr };
        if (result.code !== 0 && !opts.allowFailure) reject(new CommandError(argv, result));
        else resolve(result);
      },
    );
  });
}

/** The argv that runs `argv` inside network namespace `netns`. */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', netns, ...argv];
}

/** Run a command inside a network namespace (`ip netns exec`). */
export function runInNetns(netns: string, argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return runCommand(inNetns(netns, argv), opts);
}
