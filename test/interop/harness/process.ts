/**
 * Long-running daemons for interop tests: started inside a network namespace, output captured to a
 * log file, stopped by pid.
 *
 * Each daemon leads its own process group (the group id is its pid), so stop() can also end the
 * helpers it forked (OpenBGPD's session and route engines) without looking for them by name. The
 * command is exec'd all the way down (`ip netns exec` -> `unshare` -> `sh -c 'exec ...'`), so the
 * pid we hold is the daemon's own.
 *
 * Optional isolation, both per process and invisible to the host:
 * - `hostname`: a private UTS namespace, so a daemon that announces its hostname (GoBGP's FQDN
 *   capability) says something fixed instead of the machine's name.
 * - `privateRun`: a private mount namespace with an empty tmpfs on /run, for daemons that insist on
 *   a directory there (OpenBGPD chroots into /run/openbgpd) without creating it on the host.
 */

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StopWaiting, waitFor } from './wait';

export interface DaemonOptions {
  /** Short name, used for the log file (`<logDir>/<name>.log`). */
  name: string;
  argv: readonly string[];
  /** Network namespace to run in; omitted = the caller's own (only for tools that need no network). */
  netns?: string;
  logDir: string;
  hostname?: string;
  privateRun?: boolean;
  /** Directories to create (mode 0755) under the private /run; implies privateRun. */
  runDirs?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<DaemonExit>;
  running(): boolean;
  /** SIGTERM, then SIGKILL to its process group if it has not exited within timeoutMs (default 5 s). */
  stop(timeoutMs?: number): Promise<DaemonExit>;
  /** The last lines of its log (stdout and stderr interleaved). */
  logTail(maxLines?: number): string;
  /** Wait until the log matches `pattern`; fails early if the process exits first. */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<void>;
}

/** Names passed to the wrapper shell must not need quoting. */
const SAFE_PATH = /^[A-Za-z0-9_./-]+$/;
const SAFE_HOSTNAME = /^[A-Za-z0-9-]{1,63}$/;

/**
 * The wrapper takes its settings from the environment, never by pasting them into the script, and
 * ends with `exec "$@"` so the daemon keeps the pid.
 */
const WRAPPER_SCRIPT = [
  'set -e',
  'if [ -n "$TSBGP_HOSTNAME" ]; then hostname "$TSBGP_HOSTNAME"; fi',
  'if [ -n "$TSBGP_PRIVATE_RUN" ]; then',
  '  mount -t tmpfs -o mode=0755,size=16m tsbgp-run /run',
  '  for d in $TSBGP_RUN_DIRS; do mkdir -p -m 0755 "$d"; done',
  'fi',
  'exec "$@"',
].join('\n');

function buildArgv(opts: DaemonOptions): { argv: string[]; env: NodeJS.ProcessEnv } {
  const privateRun = opts.privateRun === true || (opts.runDirs?.length ?? 0) > 0;
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  let argv = [...opts.argv];
  if (opts.hostname !== undefined || privateRun) {
    if (opts.hostname !== undefined && !SAFE_HOSTNAME.test(opts.hostname)) {
      throw new Error(`bad hostname ${JSON.stringify(opts.hostname)}`);
    }
    for (const d of opts.runDirs ?? []) {
      if (!SAFE_PATH.test(d) || !d.startsWith('/run/')) throw new Error(`bad run directory ${JSON.stringify(d)}`);
    }
    env.TSBGP_HOSTNAME = opts.hostname ?? '';
    env.TSBGP_PRIVATE_RUN = privateRun ? '1' : '';
    env.TSBGP_RUN_DIRS = (opts.runDirs ?? []).join(' ');
    const unshare = ['unshare'];
    if (opts.hostname !== undefined) unshare.push('--uts');
    if (privateRun) unshare.push('--mount', '--propagation', 'private');
    argv = [...unshare, '--', 'sh', '-c', WRAPPER_SCRIPT, 'tsbgp-wrapper', ...argv];
  }
  if (opts.netns !== undefined) argv = ['ip', 'netns', 'exec', opts.netns, ...argv];
  return { argv, env };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function startDaemon(opts: DaemonOptions): DaemonProcess {
  if (!SAFE_PATH.test(opts.name)) throw new Error(`bad daemon name ${JSON.stringify(opts.name)}`);
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const { argv, env } = buildArgv(opts);
  const logFd = openSync(logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', logFd, logFd], env });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${opts.name}: ${argv.join(' ')}`);

  let exit: DaemonExit | undefined;
  // If the test process dies without stopping us, take the whole group down with it.
  const onProcessExit = (): void => {
    signalGroup(pid, 'SIGKILL');
  };
  process.once('exit', onProcessExit);
  const exited = new Promise<DaemonExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // The leader is gone; helpers it forked may linger in its group. They are ours: end them.
      signalGroup(pid, 'SIGKILL');
      process.removeListener('exit', onProcessExit);
      resolve(exit);
    });
    child.once('error', () => {
      exit = { code: null, signal: null };
      process.removeListener('exit', onProcessExit);
      resolve(exit);
    });
  });

  const logTail = (maxLines = 40): string => {
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
    return text.split('\n').slice(-maxLines - 1).join('\n');
  };

  return {
    name: opts.name,
    pid,
    logFile,
    exited,
    running: () => exit === undefined,
    logTail,
    async stop(timeoutMs = 5000) {
      if (exit !== undefined) return exit;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone; `exited` settles on its own.
      }
      const first = await withTimeout(exited, timeoutMs);
      if (first !== undefined) return first;
      signalGroup(pid, 'SIGKILL');
      const second = await withTimeout(exited, 3000);
      if (second === undefined) throw new Error(`${opts.name} (pid ${pid}) did not exit after SIGKILL`);
      return second;
    },
    async waitForLog(pattern, timeoutMs) {
      await waitFor(
        () => {
          if (pattern.test(logTail(10_000))) return true;
          if (exit !== undefined) {
            throw new StopWaiting(`${opts.name} exited (${JSON.stringify(exit)}) before logging ${pattern}:\n${logTail(20)}`);
          }
          return false;
        },
        { timeoutMs, intervalMs: 100, what: `${opts.name} to log ${pattern}` },
      );
    },
  };
}
