/**
 * GoBGP as an interop peer: TOML configuration writer, start (`gobgpd -f CONF`), queries and route
 * origination through the `gobgp` CLI over the gRPC API.
 *
 * gobgpd never touches the kernel here: zebra is off (not configured), the gRPC API listens on the
 * namespace's own loopback (`--api-hosts 127.0.0.1:PORT`, so the CLI also runs inside the namespace)
 * and pprof is disabled. GoBGP's default policy accepts and exports everything. Originated routes
 * cannot be written in its configuration file, so they are added with `gobgp global rib add` once
 * the API answers.
 */

import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runCommand, runInNetns } from '../run';
import { startDaemon } from '../process';
import { waitFor } from '../wait';
import {
  AddressFamily,
  DEFAULT_HOLD_TIME,
  NeighborConfig,
  PeerConfig,
  PeerDaemon,
  ReceivedRoute,
  RouteOrigin,
  SessionState,
  StartPeerOptions,
  checkShutdownMessage,
  communityText,
  sortRoutes,
  familyOf,
  listenAddresses,
  neighborFamilies,
  sortPrefixes,
  validatePeerConfig,
} from './types';

export const GOBGP_DEFAULT_API_PORT = 50051;

function tomlString(s: string): string {
  return JSON.stringify(s); // the validated values need no escapes; JSON quoting is valid TOML
}

function neighborSection(cfg: PeerConfig, n: NeighborConfig): string[] {
  const holdTime = n.holdTime ?? cfg.holdTime ?? DEFAULT_HOLD_TIME;
  const lines = [
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = ${tomlString(n.address)}`,
    `    peer-as = ${n.remoteAs}`,
  ];
  if (n.description) lines.push(`    description = ${tomlString(n.description)}`);
  if (n.password !== undefined) lines.push(`    auth-password = ${tomlString(n.password)}`);
  lines.push(
    '  [neighbors.timers.config]',
    `    hold-time = ${holdTime}`,
    `    keepalive-interval = ${Math.max(1, Math.floor(holdTime / 3))}`,
    // Defaults (120 s retry, 30 s idle hold after a reset) would make every test wait.
    '    connect-retry = 1',
    '    idle-hold-time-after-reset = 1',
  );
  if (n.localAddress || n.passive) {
    lines.push('  [neighbors.transport.config]');
    if (n.localAddress) lines.push(`    local-address = ${tomlString(n.localAddress)}`);
    if (n.passive) lines.push('    passive-mode = true');
  }
  if (n.multihop !== undefined) {
    lines.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.multihop}`);
  }
  if (cfg.gracefulRestart) {
    lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
  }
  for (const f of neighborFamilies(n)) {
    lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}-unicast"`);
    if (cfg.gracefulRestart) lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
  }
  lines.push('');
  return lines;
}

/** gobgpd TOML configuration for `cfg` (routes are added separately, see gobgpRouteArgs). */
export function writeGobgpConfig(cfg: PeerConfig): string {
  validatePeerConfig(cfg);
  const listen = listenAddresses(cfg);
  const lines = [
    '# Written by the tsbgpd interop harness; no zebra section: never touches a kernel table.',
    '[global.config]',
    `  as = ${cfg.localAs}`,
    `  router-id = ${tomlString(cfg.routerId)}`,
    '  port = 179',
  ];
  if (listen.length) lines.push(`  local-address-list = [${listen.map(tomlString).join(', ')}]`);
  lines.push('');
  for (const n of cfg.neighbors) lines.push(...neighborSection(cfg, n));
  return lines.join('\n');
}

/** `gobgp global rib add` arguments for each originated route. */
export function gobgpRouteArgs(cfg: PeerConfig): string[][] {
  return (cfg.routes ?? []).map((r) => {
    const args = ['global', 'rib', 'add', '-a', familyOf(r.prefix), r.prefix, 'origin', 'igp'];
    if (r.communities?.length) args.push('community', r.communities.join(','));
    if (r.largeCommunities?.length) args.push('large-community', r.largeCommunities.join(','));
    return args;
  });
}

/** apipb.PeerState.SessionState numbering, as printed by `gobgp neighbor ADDR -j`. */
const GOBGP_STATES: readonly SessionState[] = ['Unknown', 'Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** Parse `gobgp neighbor ADDR -j`. */
export function parseGobgpNeighborState(json: string): SessionState {
  const peer = JSON.parse(json) as { state?: { session_state?: number | string; admin_state?: number | string } };
  const admin = peer.state?.admin_state;
  if (admin === 1 || admin === 'DOWN') return 'Down';
  const s = peer.state?.session_state;
  if (typeof s === 'number') return GOBGP_STATES[s] ?? 'Unknown';
  if (typeof s === 'string') {
    return GOBGP_STATES.find((name) => name.toLowerCase() === s.toLowerCase()) ?? 'Unknown';
  }
  return 'Unknown';
}

/** Parse `gobgp neighbor ADDR adj-in -a FAMILY -j`: an object keyed by prefix (or nothing). */
export function parseGobgpRib(json: string): string[] {
  const text = json.trim();
  if (!text.startsWith('{')) return [];
  return sortPrefixes(Object.keys(JSON.parse(text) as Record<string, unknown>).map((p) => p.toLowerCase()));
}

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: Array<{ segment_type: number; asns?: number[] }>;
  nexthop?: string;
  linklocal_nexthop?: string;
  metric?: number;
  communities?: number[];
}

const GOBGP_ORIGINS: readonly RouteOrigin[] = ['IGP', 'EGP', 'INCOMPLETE'];

function gobgpRoute(prefix: string, attrs: readonly GobgpAttr[]): ReceivedRoute {
  const route: ReceivedRoute = { prefix: prefix.toLowerCase(), asPath: [], communities: [], largeCommunities: [] };
  for (const a of attrs) {
    switch (a.type) {
      case 1: // ORIGIN
        route.origin = GOBGP_ORIGINS[a.value as number];
        break;
      case 2: // AS_PATH: segment_type 1 AS_SET, 2 AS_SEQUENCE (RFC 4271 sec. 4.3)
        for (const seg of a.as_paths ?? []) {
          if (seg.segment_type === 1) route.asPath.push([...(seg.asns ?? [])]);
          else if (seg.segment_type === 2) route.asPath.push(...(seg.asns ?? []));
          else throw new Error(`GoBGP AS_PATH segment type ${seg.segment_type} not expected here`);
        }
        break;
      case 3: // NEXT_HOP
      case 14: // MP_REACH_NLRI
        if (a.nexthop !== undefined) route.nextHop = a.nexthop.toLowerCase();
        if (a.linklocal_nexthop) route.linkLocalNextHop = a.linklocal_nexthop.toLowerCase();
        break;
      case 4:
        route.med = a.metric;
        break;
      case 5:
        route.localPref = a.value as number;
        break;
      case 8:
        route.communities = (a.communities ?? []).map(communityText);
        break;
      case 32:
        route.largeCommunities = ((a.value ?? []) as Array<{ ASN: number; LocalData1: number; LocalData2: number }>).map(
          (c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`,
        );
        break;
      default:
        break;
    }
  }
  return route;
}

/**
 * Parse `gobgp neighbor ADDR adj-in -a FAMILY -j`: prefix -> paths, each with `attrs` as received
 * (GoBGP adds nothing on import, so an absent LOCAL_PREF or MED shows as absent).
 */
export function parseGobgpRibDetails(json: string): ReceivedRoute[] {
  const text = json.trim();
  if (!text.startsWith('{')) return [];
  const rib = JSON.parse(text) as Record<string, Array<{ attrs?: GobgpAttr[] }>>;
  return sortRoutes(Object.entries(rib).flatMap(([prefix, paths]) => paths.map((p) => gobgpRoute(prefix, p.attrs ?? []))));
}

export interface StartGobgpOptions extends StartPeerOptions {
  /** gRPC port on the namespace's 127.0.0.1 (default 50051). */
  apiPort?: number;
}

export async function startGobgp(opts: StartGobgpOptions): Promise<PeerDaemon> {
  const cfg = opts.config;
  const name = opts.name ?? 'gobgp';
  const apiPort = opts.apiPort ?? GOBGP_DEFAULT_API_PORT;
  const configFile = join(opts.workDir, `${name}.toml`);
  writeFileSync(configFile, writeGobgpConfig(cfg), { mode: 0o600 });
  await runCommand(['gobgpd', '--dry-run', '-f', configFile, '-t', 'toml'], { timeoutMs: 10_000 });

  const proc = startDaemon({
    name,
    netns: opts.netns,
    logDir: opts.workDir,
    // GoBGP announces its hostname (FQDN capability); a private UTS namespace keeps it fixed.
    hostname: opts.hostname ?? 'tsbgp-gobgp',
    argv: [
      'gobgpd', '-f', configFile, '-t', 'toml', '-p', '-l', 'info',
      '--api-hosts', `127.0.0.1:${apiPort}`, '--pprof-disable',
    ],
  });

  const gobgp = async (...args: string[]): Promise<string> => {
    const r = await runInNetns(opts.netns, ['gobgp', '-u', '127.0.0.1', '-p', String(apiPort), ...args], {
      timeoutMs: 10_000,
    });
    return r.stdout;
  };
  const known = (neighbor: string): string => {
    if (!cfg.neighbors.some((n) => n.address === neighbor)) throw new Error(`gobgp ${name}: no neighbor ${neighbor}`);
    return neighbor;
  };

  try {
    await waitFor(
      async () => {
        if (!proc.running()) throw new Error(`gobgpd exited:\n${proc.logTail(20)}`);
        await gobgp('global', '-j');
        return true;
      },
      { timeoutMs: opts.startTimeoutMs ?? 10_000, intervalMs: 100, what: 'the gobgpd API' },
    );
    for (const args of gobgpRouteArgs(cfg)) await gobgp(...args);
  } catch (e) {
    await proc.stop();
    throw e;
  }

  const daemon: PeerDaemon = {
    kind: 'gobgp',
    netns: opts.netns,
    workDir: opts.workDir,
    configFile,
    config: cfg,
    process: proc,
    async sessionState(neighbor) {
      return parseGobgpNeighborState(await gobgp('neighbor', known(neighbor), '-j'));
    },
    async isEstablished(neighbor) {
      return (await daemon.sessionState(neighbor)) === 'Established';
    },
    async receivedPrefixes(neighbor, family) {
      const n = cfg.neighbors.find((x) => x.address === known(neighbor))!;
      const families: AddressFamily[] = family ? [family] : neighborFamilies(n);
      const out: string[] = [];
      for (const f of families) out.push(...parseGobgpRib(await gobgp('neighbor', neighbor, 'adj-in', '-a', f, '-j')));
      return sortPrefixes(out);
    },
    async receivedRoutes(neighbor, family) {
      const n = cfg.neighbors.find((x) => x.address === known(neighbor))!;
      const families: AddressFamily[] = family ? [family] : neighborFamilies(n);
      const out: ReceivedRoute[] = [];
      for (const f of families) out.push(...parseGobgpRibDetails(await gobgp('neighbor', neighbor, 'adj-in', '-a', f, '-j')));
      return sortRoutes(out);
    },
    async disableNeighbor(neighbor, message) {
      // gobgp 3.10's `disable --reason` drops the reason; the deprecated `shutdown --reason` sends
      // it (RFC 9003) but leaves the peer free to reconnect, so `disable` follows to hold it down.
      if (message !== undefined) {
        checkShutdownMessage(message);
        await gobgp('neighbor', known(neighbor), 'shutdown', '--reason', message);
      }
      await gobgp('neighbor', known(neighbor), 'disable');
    },
    async enableNeighbor(neighbor) {
      await gobgp('neighbor', known(neighbor), 'enable');
    },
    async stop() {
      await proc.stop();
    },
    logTail: (n) => proc.logTail(n),
  };
  return daemon;
}
