/**
 * Test fixture: two tsbgpd daemons in this process on loopback, A (127.0.0.1, AS 65001, "pop-a")
 * and B (127.0.0.2, AS 65002, "pop-b"), ephemeral ports, an eBGP session for IPv4 and IPv6 unicast
 * between them, control sockets (A also with a read-only one) in a temporary directory; and a way
 * to run the real tsbgpctl against them as a child process (asynchronously: the daemons answer from
 * this same event loop).
 *
 * A originates 198.51.100.0/24, 2001:db8:a::/48 and 203.0.113.0/24; B originates 203.0.113.0/24
 * (so that A has two paths for it: its own wins on AS path length) and 192.0.2.0/24 with
 * communities.
 */

import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load';
import { Daemon } from '../../src/daemon';
import { silentLogger } from '../../src/log';
import { REPO_ROOT } from '../helpers/fixtures';
import { freePort, waitUntil as waitFor } from '../helpers/net';
import { ALLOW_ALL_FILTERS, globalToml } from '../helpers/config';
export { freePort, waitFor };

export const CLI = join(REPO_ROOT, 'dist', 'src', 'control', 'cli', 'main.js');



export interface Pair {
  a: Daemon;
  b: Daemon;
  dir: string;
  sockA: string;
  /** A's read-only socket. */
  rsockA: string;
  sockB: string;
  fileA: string;
  /** Rewrite A's configuration file with more networks (for a reload). */
  addNetworksToFileA(prefixes: string[]): void;
  stop(): Promise<void>;
}

function toml(me: string, as: number, port: number, other: string, otherAs: number, otherPort: number, sock: string, extra: string[]): string {
  return [
    ...globalToml(me, as, port, sock),
    ...extra,
    '[[neighbor]]',
    `address = "${other}"`,
    `remote-as = ${otherAs}`,
    `port = ${otherPort}`,
    `local-address = "${me}"`,
    `description = "${otherAs === 65001 ? 'pop-a' : 'pop-b'}"`,
    'families = ["ipv4-unicast", "ipv6-unicast"]',
    `next-hop6 = "2001:db8::${as === 65001 ? 1 : 2}"`,
    'connect-retry = 1',
  ].join('\n');
}

const network = (prefix: string, more: string[] = []) => ['[[network]]', `prefix = "${prefix}"`, ...more].join('\n');

export async function startPair(): Promise<Pair> {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpctl-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'a'), { mode: 0o755 });
  mkdirSync(join(dir, 'b'), { mode: 0o755 });
  const pa = await freePort('127.0.0.1');
  const pb = await freePort('127.0.0.2');
  const sockA = join(dir, 'a', 'ctl.sock');
  const rsockA = join(dir, 'a', 'ro.sock');
  const sockB = join(dir, 'b', 'ctl.sock');
  const fileA = join(dir, 'a.toml');
  const fileB = join(dir, 'b.toml');
  const textA = [
    toml('127.0.0.1', 65001, pa, '127.0.0.2', 65002, pb, sockA, [`restricted-socket = "${rsockA}"`]),
    network('198.51.100.0/24'),
    network('2001:db8:a::/48'),
    network('203.0.113.0/24'),
    ...ALLOW_ALL_FILTERS,
  ].join('\n');
  const textB = [
    toml('127.0.0.2', 65002, pb, '127.0.0.1', 65001, pa, sockB, []),
    network('203.0.113.0/24'),
    network('192.0.2.0/24', ['communities = ["65002:100", "NO_PEER"]', 'large-communities = ["65002:1:2"]', 'med = 50']),
    ...ALLOW_ALL_FILTERS,
  ].join('\n');
  const load = (text: string, file: string) => {
    writeFileSync(file, text + '\n');
    const r = loadConfigText(text + '\n', file);
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
    return r.config;
  };
  const a = new Daemon(load(textA, fileA), silentLogger, fileA);
  const b = new Daemon(load(textB, fileB), silentLogger, fileB);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await a.stop();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await a.start();
    await b.start();
  } catch (e) {
    await stop();
    throw e;
  }
  const addNetworksToFileA = (prefixes: string[]) => writeFileSync(fileA, [textA, ...prefixes.map((x) => network(x))].join('\n') + '\n');
  return { a, b, dir, sockA, rsockA, sockB, fileA, addNetworksToFileA, stop };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run tsbgpctl; `prefix` goes before node (e.g. ['runuser', '-u', 'nobody', '--']). */
export function runCli(args: readonly string[], prefix: readonly string[] = []): Promise<CliRun> {
  // The test runner adds its hooks to every child's NODE_OPTIONS (they write under .tap/, where
  // `nobody` may not): tsbgpctl runs without them, as it would for an operator.
  const argv = [...prefix, 'env', '-u', 'NODE_OPTIONS', process.execPath, CLI, ...args];
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' };
    execFile(argv[0]!, argv.slice(1), { timeout: 20_000, maxBuffer: 64 << 20, env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code as number) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
