/**
 * Running tsbgpd itself in an interop lab: writes its bgpd.toml, starts `node dist/src/main.js` in
 * the lab's namespace, and talks to it over its control socket (a Unix socket, which reaches across
 * network namespaces).
 */

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { controlRequest } from '../../src/control/client';
import { ALLOW_ALL_FILTERS } from '../helpers/config';
import type { DaemonProcess, Lab, Side } from './harness/index';
import { waitFor } from './harness/index';

export interface TsbgpdNeighbor {
  address: string;
  remoteAs: number;
  localAddress?: string;
  families: ('ipv4-unicast' | 'ipv6-unicast')[];
  password?: string;
  passive?: boolean;
  holdTime?: number;
  description?: string;
}

export interface TsbgpdLabConfig {
  localAs: number;
  routerId: string;
  listen: string[];
  neighbors: TsbgpdNeighbor[];
  networks: string[];
  holdTime?: number;
  /** More [global] lines (e.g. `shutdown-wait = 2`). */
  global?: string[];
  /** Health check bound to every network in `networks`, by name (defined in `extra`). */
  networkHealthCheck?: string;
  /** Raw TOML appended at the end ([[health-check]], [[filter]] ...). */
  extra?: string[];
  /**
   * Filter rules. Default: allow everything both ways, so that RFC 8212's default deny on eBGP does
   * not get in the way of tests about something else.
   */
  filters?: string[];
}

export { ALLOW_ALL_FILTERS };

export interface RunningTsbgpd {
  process: DaemonProcess;
  socket: string;
  request(cmd: string, args?: Record<string, unknown>): Promise<unknown>;
  neighbor(address: string): Promise<NeighborView>;
  receivedPrefixes(address: string): Promise<string[]>;
  waitEstablished(address: string, timeoutMs: number): Promise<void>;
}

export interface NeighborView {
  state: string;
  remote_addr: string;
  holdtime: number;
  last_error_sent?: { code: number; subcode: number; shutdownCommunication?: string };
  last_error_received?: { code: number; subcode: number; shutdownCommunication?: string };
  stats: { message: { sent: { keepalive: number }; received: { keepalive: number } } };
}

const REPO = resolve(__dirname, '..', '..', '..');

function toml(cfg: TsbgpdLabConfig, socket: string): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    '[global]',
    `local-as = ${cfg.localAs}`,
    `router-id = ${q(cfg.routerId)}`,
    `listen = [${cfg.listen.map((a) => `{ address = ${q(a)}, port = 179 }`).join(', ')}]`,
    `hold-time = ${cfg.holdTime ?? 90}`,
    'connect-retry = 2',
    'log-level = "debug"',
    ...(cfg.global ?? []),
    '',
    '[control]',
    `socket = ${q(socket)}`,
    'mode = "0600"',
    '',
  ];
  for (const n of cfg.neighbors) {
    lines.push('[[neighbor]]', `address = ${q(n.address)}`, `remote-as = ${n.remoteAs}`);
    if (n.description) lines.push(`description = ${q(n.description)}`);
    if (n.localAddress) lines.push(`local-address = ${q(n.localAddress)}`);
    lines.push(`families = [${n.families.map(q).join(', ')}]`);
    if (n.password) lines.push(`password = ${q(n.password)}`);
    if (n.passive) lines.push('passive = true');
    if (n.holdTime !== undefined) lines.push(`hold-time = ${n.holdTime}`);
    lines.push('connect-retry = 2', '');
  }
  for (const p of cfg.networks) {
    lines.push('[[network]]', `prefix = ${q(p)}`);
    if (cfg.networkHealthCheck) lines.push(`health-check = ${q(cfg.networkHealthCheck)}`);
    lines.push('');
  }
  lines.push(...(cfg.filters ?? ALLOW_ALL_FILTERS), '', ...(cfg.extra ?? []), '');
  return lines.join('\n');
}

export async function startTsbgpd(lab: Lab, side: Side, cfg: TsbgpdLabConfig, name = 'tsbgpd'): Promise<RunningTsbgpd> {
  const dir = lab.workDir(`${name}-conf`);
  const socket = join(dir, 'tsbgpd.sock');
  const file = join(dir, 'bgpd.toml');
  writeFileSync(file, toml(cfg, socket), { mode: 0o600 });
  const process = lab.startProcess(side, { name, argv: ['node', join(REPO, 'dist', 'src', 'main.js'), '-f', file] });
  await process.waitForLog(/tsbgpd started/, 15000);
  const request = (cmd: string, args: Record<string, unknown> = {}) => controlRequest(socket, cmd, args);
  const neighbor = async (address: string) => {
    const r = (await request('show.neighbors', { peer: address })) as { neighbors: NeighborView[] };
    return r.neighbors[0]!;
  };
  return {
    process,
    socket,
    request,
    neighbor,
    async receivedPrefixes(address) {
      const r = (await request('show.rib.in', { peer: address })) as { rib: { prefix: string }[] };
      return r.rib.map((x) => x.prefix).sort();
    },
    async waitEstablished(address, timeoutMs) {
      await waitFor(async () => (await neighbor(address)).state === 'Established', {
        timeoutMs,
        intervalMs: 250,
        what: `tsbgpd: session with ${address} Established`,
      });
    },
  };
}

/** TcpExt TCP-MD5 counters of a namespace's kernel view (why a keyed session does not come up). */
export function parseMd5Counters(netstat: string): Record<string, number> {
  const lines = netstat.split('\n');
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.startsWith('TcpExt:') || !lines[i + 1]!.startsWith('TcpExt:')) continue;
    const names = lines[i]!.split(/\s+/).slice(1);
    const values = lines[i + 1]!.split(/\s+/).slice(1);
    names.forEach((n, k) => {
      if (n.startsWith('TCPMD5')) out[n] = Number(values[k]);
    });
  }
  return out;
}
