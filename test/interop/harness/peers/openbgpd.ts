/**
 * OpenBGPD as an interop peer: bgpd.conf writer, start (`bgpd -d -f CONF`), queries through
 * `bgpctl -j -s SOCK` (`show rib in neighbor ADDR detail` for paths with their attributes).
 *
 * `fib-update no` keeps bgpd away from the kernel routing table; `listen on` and a private control
 * `socket` keep it to the namespace's addresses and the test's directory. bgpd chroots its engines
 * into the home of `_openbgpd` (/run/openbgpd, which Debian's unit creates with RuntimeDirectory):
 * we give it a private, empty /run instead of creating that directory on the host. The filters
 * `allow from any` / `allow to any` lift RFC 8212's default deny for eBGP.
 */

import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runCommand } from '../run';
import { startDaemon } from '../process';
import { waitFor } from '../wait';
import {
  DEFAULT_HOLD_TIME,
  NeighborConfig,
  PeerConfig,
  PeerDaemon,
  ReceivedRoute,
  RouteOrigin,
  SessionState,
  StartPeerOptions,
  checkShutdownMessage,
  normalizeCommunity,
  parseAsPathText,
  sortRoutes,
  familyOf,
  listenAddresses,
  neighborFamilies,
  sortPrefixes,
  validatePeerConfig,
} from './types';

function networkLine(r: { prefix: string; communities?: string[]; largeCommunities?: string[] }): string {
  const sets = [
    ...(r.communities ?? []).map((c) => `community ${c}`),
    ...(r.largeCommunities ?? []).map((c) => `large-community ${c}`),
  ];
  return sets.length ? `network ${r.prefix} set { ${sets.join(' ')} }` : `network ${r.prefix}`;
}

function neighborBlock(cfg: PeerConfig, n: NeighborConfig): string[] {
  const families = neighborFamilies(n);
  const lines = [`neighbor ${n.address} {`, `  remote-as ${n.remoteAs}`];
  lines.push(`  descr "${n.description ?? `peer ${n.address}`}"`);
  if (n.localAddress) lines.push(`  local-address ${n.localAddress}`);
  lines.push(`  holdtime ${n.holdTime ?? cfg.holdTime ?? DEFAULT_HOLD_TIME}`);
  if (n.multihop !== undefined) lines.push(`  multihop ${n.multihop}`);
  if (n.passive) lines.push('  passive');
  if (n.password !== undefined) lines.push(`  tcp md5sig password ${n.password}`);
  // Say both, so a session carries exactly the families asked for and not bgpd's default.
  lines.push(`  announce IPv4 ${families.includes('ipv4') ? 'unicast' : 'none'}`);
  lines.push(`  announce IPv6 ${families.includes('ipv6') ? 'unicast' : 'none'}`);
  if (cfg.gracefulRestart) lines.push('  announce restart yes');
  lines.push('}', '');
  return lines;
}

export interface OpenbgpdPaths {
  controlSocket: string;
}

/** bgpd.conf text for `cfg`. */
export function writeOpenbgpdConfig(cfg: PeerConfig, paths: OpenbgpdPaths): string {
  validatePeerConfig(cfg);
  if (!/^\/[A-Za-z0-9_./-]+$/.test(paths.controlSocket)) throw new Error(`bad socket path ${paths.controlSocket}`);
  return [
    '# Written by the tsbgpd interop harness; fib-update no: never touches a kernel table.',
    `AS ${cfg.localAs}`,
    `router-id ${cfg.routerId}`,
    'fib-update no',
    `socket "${paths.controlSocket}"`,
    `holdtime ${cfg.holdTime ?? DEFAULT_HOLD_TIME}`,
    // The 120 s default would make a test wait two minutes after one refused connection.
    'connect-retry 2',
    ...listenAddresses(cfg).map((a) => `listen on ${a}`),
    '',
    ...(cfg.routes ?? []).map(networkLine),
    '',
    ...cfg.neighbors.flatMap((n) => neighborBlock(cfg, n)),
    'allow from any',
    'allow to any',
    '',
  ].join('\n');
}

const OPENBGPD_STATES: Readonly<Record<string, SessionState>> = {
  idle: 'Idle',
  connect: 'Connect',
  active: 'Active',
  opensent: 'OpenSent',
  openconfirm: 'OpenConfirm',
  established: 'Established',
};

interface BgpctlNeighbor {
  remote_addr?: string;
  state?: string;
  config?: { down?: boolean };
}

/** Parse `bgpctl -j show neighbor ADDR`. */
export function parseBgpctlNeighborState(json: string): SessionState {
  const n = (JSON.parse(json) as { neighbors?: BgpctlNeighbor[] }).neighbors?.[0];
  if (n === undefined) return 'Unknown';
  const state = OPENBGPD_STATES[(n.state ?? '').toLowerCase()] ?? 'Unknown';
  return state === 'Idle' && n.config?.down ? 'Down' : state;
}

/** Parse `bgpctl -j show rib in neighbor ADDR`. */
export function parseBgpctlRib(json: string): string[] {
  const text = json.trim();
  if (!text.startsWith('{')) return [];
  const rib = (JSON.parse(text) as { rib?: Array<{ prefix?: string }> }).rib ?? [];
  return sortPrefixes(rib.flatMap((r) => (r.prefix ? [r.prefix.toLowerCase()] : [])));
}

interface BgpctlRibEntry {
  prefix?: string;
  aspath?: string;
  exit_nexthop?: string;
  origin?: string;
  metric?: number;
  localpref?: number;
  communities?: string[];
  large_communities?: string[];
}

const BGPCTL_ORIGINS: Readonly<Record<string, RouteOrigin>> = { igp: 'IGP', egp: 'EGP', incomplete: 'INCOMPLETE' };

/**
 * Parse `bgpctl -j show rib in neighbor ADDR detail`. bgpctl always prints `metric` and
 * `localpref`: MED 0 when none was received, and LOCAL_PREF 100 on eBGP-learned paths (bgpd
 * ignores a received one and uses its default), so neither tells what was on the wire.
 */
export function parseBgpctlRibDetails(json: string): ReceivedRoute[] {
  const text = json.trim();
  if (!text.startsWith('{')) return [];
  const rib = (JSON.parse(text) as { rib?: BgpctlRibEntry[] }).rib ?? [];
  return sortRoutes(
    rib.flatMap((r) => {
      if (!r.prefix) return [];
      const route: ReceivedRoute = {
        prefix: r.prefix.toLowerCase(),
        asPath: parseAsPathText(r.aspath ?? ''),
        communities: (r.communities ?? []).map(normalizeCommunity),
        largeCommunities: [...(r.large_communities ?? [])],
      };
      if (r.origin !== undefined) {
        route.origin = BGPCTL_ORIGINS[r.origin.toLowerCase()];
        if (route.origin === undefined) throw new Error(`bad bgpctl origin ${JSON.stringify(r.origin)}`);
      }
      if (r.exit_nexthop !== undefined) route.nextHop = r.exit_nexthop.toLowerCase();
      if (r.metric !== undefined) route.med = r.metric;
      if (r.localpref !== undefined) route.localPref = r.localpref;
      return [route];
    }),
  );
}

export async function startOpenbgpd(opts: StartPeerOptions): Promise<PeerDaemon> {
  const cfg = opts.config;
  const name = opts.name ?? 'openbgpd';
  const configFile = join(opts.workDir, `${name}.conf`);
  const controlSocket = join(opts.workDir, `${name}.sock`);
  // bgpd refuses a configuration with secrets that others can read.
  writeFileSync(configFile, writeOpenbgpdConfig(cfg, { controlSocket }), { mode: 0o600 });
  await runCommand(['bgpd', '-n', '-f', configFile], { timeoutMs: 10_000 });

  const proc = startDaemon({
    name,
    netns: opts.netns,
    logDir: opts.workDir,
    hostname: opts.hostname ?? 'tsbgp-openbgpd',
    runDirs: ['/run/openbgpd'],
    argv: ['bgpd', '-d', '-v', '-f', configFile],
  });

  const bgpctl = async (...args: string[]): Promise<string> => {
    const r = await runCommand(['bgpctl', '-s', controlSocket, ...args], { timeoutMs: 10_000 });
    return r.stdout;
  };
  const known = (neighbor: string): string => {
    if (!cfg.neighbors.some((n) => n.address === neighbor)) throw new Error(`openbgpd ${name}: no neighbor ${neighbor}`);
    return neighbor;
  };

  try {
    await waitFor(
      async () => {
        if (!proc.running()) throw new Error(`bgpd exited:\n${proc.logTail(20)}`);
        await bgpctl('-j', 'show', 'summary');
        return true;
      },
      { timeoutMs: opts.startTimeoutMs ?? 10_000, intervalMs: 100, what: 'the bgpd control socket' },
    );
  } catch (e) {
    await proc.stop();
    throw e;
  }

  const daemon: PeerDaemon = {
    kind: 'openbgpd',
    netns: opts.netns,
    workDir: opts.workDir,
    configFile,
    config: cfg,
    process: proc,
    async sessionState(neighbor) {
      return parseBgpctlNeighborState(await bgpctl('-j', 'show', 'neighbor', known(neighbor)));
    },
    async isEstablished(neighbor) {
      return (await daemon.sessionState(neighbor)) === 'Established';
    },
    async receivedPrefixes(neighbor, family) {
      const all = parseBgpctlRib(await bgpctl('-j', 'show', 'rib', 'in', 'neighbor', known(neighbor)));
      return family ? all.filter((p) => familyOf(p) === family) : all;
    },
    async receivedRoutes(neighbor, family) {
      const all = parseBgpctlRibDetails(await bgpctl('-j', 'show', 'rib', 'in', 'neighbor', known(neighbor), 'detail'));
      return family ? all.filter((r) => familyOf(r.prefix) === family) : all;
    },
    async disableNeighbor(neighbor, message) {
      const args = ['neighbor', known(neighbor), 'down'];
      if (message !== undefined) {
        checkShutdownMessage(message);
        args.push(message);
      }
      await bgpctl(...args);
    },
    async enableNeighbor(neighbor) {
      await bgpctl('neighbor', known(neighbor), 'up');
    },
    async stop() {
      await proc.stop();
    },
    logTail: (n) => proc.logTail(n),
  };
  return daemon;
}
