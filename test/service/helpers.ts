/** Shared by the service-file tests: the repository root, running commands, parsing a unit file. */

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { DEFAULTS } from '../../src/config/schema';

/** The repository root (package.json beside systemd/), found from this file in src or dist. */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      if (statSync(join(dir, 'package.json')).isFile() && statSync(join(dir, 'systemd')).isDirectory()) return dir;
    } catch {
      /* keep climbing */
    }
    dir = resolve(dir, '..');
  }
  throw new Error(`repository root not found above ${__dirname}`);
})();

/**
 * The longest a clean stop may take by default: shutdown-wait (withdraw, then wait before the
 * Cease) after a drain still running (drain-wait). Read from the configuration defaults where they
 * exist, else the documented 5 s and 30 s. A service manager's stop timeout must exceed it.
 */
export const GRACEFUL_STOP_SECONDS = (() => {
  const d = DEFAULTS as unknown as Record<string, unknown>;
  const num = (v: unknown, dflt: number) => (typeof v === 'number' ? v : dflt);
  return num(d.shutdownWait, 5) + num(d.drainWait, 30);
})();

/** The full path of an executable on PATH, or null. */
export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started or ran out of time. */
  error?: Error;
}

/**
 * This process's environment without what tap and an outer `npm test` put there: tap's
 * NODE_OPTIONS (a loader from this repository's node_modules), its TAP_* settings, and npm's
 * npm_* variables (npm_config_local_prefix would make a nested npm work on this repository).
 * npm's cache, user configuration and Node headers directory are kept, so a nested npm and
 * node-gyp use what the outer one did.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|TAP|_TAPJS|TS_NODE_)/i.test(k) || k === 'NODE_OPTIONS' || k === 'INIT_CWD' || k === 'NODE_V8_COVERAGE') continue;
    env[k] = v;
  }
  for (const k of ['npm_config_cache', 'npm_config_userconfig', 'npm_config_nodedir']) {
    if (process.env[k]) env[k] = process.env[k];
  }
  return env;
}

/** Run a command to completion with a time limit (in a clean environment by default); never throws. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Run {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? cleanEnv(),
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    ...(r.error ? { error: r.error } : {}),
  };
}

/** What a finished command printed, as extra diagnostics for a failing assertion. */
export function diag(r: Run): Record<string, unknown> {
  return {
    result: r.error ? `error ${r.error.message}` : r.signal ? `signal ${r.signal}` : `exit ${r.status}`,
    stdout: r.stdout.slice(-4000),
    stderr: r.stderr.slice(-4000),
  };
}

/**
 * A systemd unit file as section -> key -> values (in order; a key may repeat). Follows
 * systemd.syntax(7) as far as these tests need: comments (# and ;), sections, KEY=VALUE with
 * whitespace around '=', and backslash line continuations.
 */
export type Unit = Map<string, Map<string, string[]>>;

export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = unit.get(sec[1]!) ?? new Map();
      unit.set(sec[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !section) throw new Error(`unit line ${i + 1} is not KEY=VALUE in a section: ${line}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const values = section.get(key) ?? [];
    values.push(value);
    section.set(key, values);
  }
  return unit;
}

/** systemd time span (systemd.time(7)) in seconds: "60", "60s", "1min 30s", "2m", "infinity". */
export function timeSpanSeconds(span: string): number {
  if (span.trim() === 'infinity') return Infinity;
  const units: Record<string, number> = {
    '': 1, s: 1, sec: 1, second: 1, seconds: 1,
    m: 60, min: 60, minute: 60, minutes: 60,
    h: 3600, hr: 3600, hour: 3600, hours: 3600,
    ms: 0.001, msec: 0.001,
  };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)\s*([a-z]*)/g;
  let m: RegExpExecArray | null;
  let matched = '';
  while ((m = re.exec(span)) !== null) {
    const mult = units[m[2]!];
    if (mult === undefined) throw new Error(`unknown time unit in ${JSON.stringify(span)}`);
    total += Number(m[1]) * mult;
    matched += m[0];
  }
  if (matched.replace(/\s/g, '') !== span.replace(/\s/g, '')) throw new Error(`bad time span ${JSON.stringify(span)}`);
  return total;
}

/**
 * Variables assigned at the top level of a shell script (NAME=value, NAME="value", NAME='value'),
 * outside functions; the last assignment wins. Enough for rc.d scripts, which are flat.
 */
export function shellAssignments(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    if (/\(\)\s*\{\s*$/.test(line)) depth++;
    else if (line === '}') depth = Math.max(0, depth - 1);
    if (depth > 0) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|'([^']*)'|(\S*))\s*(?:#.*)?$/.exec(line);
    if (m) vars.set(m[1]!, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return vars;
}
