/**
 * BIRD 2 as an interop peer: configuration writer, start (`bird -f -c CONF -s SOCK`), and queries
 * through `birdc -s SOCK` (`show route all protocol NAME` for paths with their attributes).
 *
 * The configuration has no kernel protocol, so BIRD never reads or writes a kernel routing table;
 * its device protocol only scans the interfaces of the namespace it runs in. Originated routes are
 * static blackhole routes carrying their communities as static route attributes; each BGP protocol
 * (one per neighbor) imports and exports everything of its families.
 */

import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runCommand } from '../run';
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
  checkShutdownMessage,
  parseAsPathText,
  sortRoutes,
  familyOf,
  neighborFamilies,
  routesOfFamily,
  StartPeerOptions,
  sortPrefixes,
  validatePeerConfig,
} from './types';

/** BIRD symbol for the BGP protocol of a neighbor: `n_192_0_2_2`, `n_2001_db8__2`. */
export function birdProtocolName(neighborAddress: string): string {
  return `n_${neighborAddress.replace(/[.:]/g, '_')}`;
}

function community(c: string): string {
  return `(${c.split(':').join(',')})`;
}

function staticProtocol(cfg: PeerConfig, family: AddressFamily): string[] {
  const routes = routesOfFamily(cfg, family);
  if (routes.length === 0) return [];
  const lines = [`protocol static originate_${family} {`, `  ${family};`];
  for (const r of routes) {
    const sets = [
      ...(r.communities ?? []).map((c) => `bgp_community.add(${community(c)});`),
      ...(r.largeCommunities ?? []).map((c) => `bgp_large_community.add(${community(c)});`),
    ];
    lines.push(sets.length ? `  route ${r.prefix} blackhole { ${sets.join(' ')} };` : `  route ${r.prefix} blackhole;`);
  }
  lines.push('}', '');
  return lines;
}

function bgpProtocol(cfg: PeerConfig, n: NeighborConfig): string[] {
  const ibgp = n.remoteAs === cfg.localAs;
  const lines = [`protocol bgp ${birdProtocolName(n.address)} {`];
  if (n.description) lines.push(`  description "${n.description}";`);
  lines.push(n.localAddress ? `  local ${n.localAddress} as ${cfg.localAs};` : `  local as ${cfg.localAs};`);
  lines.push(`  neighbor ${n.address} as ${n.remoteAs};`);
  // Listen on the session's own address only, not on every address of the namespace.
  if (n.localAddress) lines.push('  strict bind yes;');
  if (n.multihop !== undefined) lines.push(`  multihop ${n.multihop};`);
  else if (ibgp) lines.push('  direct;'); // resolve iBGP next hops on the link, no IGP table here
  if (n.passive) lines.push('  passive yes;');
  if (n.password !== undefined) lines.push(`  password "${n.password}";`);
  if (cfg.gracefulRestart) lines.push('  graceful restart yes;');
  lines.push(`  hold time ${n.holdTime ?? cfg.holdTime ?? DEFAULT_HOLD_TIME};`);
  // Defaults (5 s delay, 120 s retry) would make every test wait; these keep retries quick.
  lines.push('  connect delay time 1;', '  connect retry time 2;', '  error wait time 1, 4;');
  for (const f of neighborFamilies(n)) {
    lines.push(`  ${f} {`, '    import all;', '    export all;');
    if (ibgp) lines.push('    next hop self;');
    lines.push('  };');
  }
  lines.push('}', '');
  return lines;
}

/** BIRD 2 configuration text for `cfg`. */
export function writeBirdConfig(cfg: PeerConfig): string {
  validatePeerConfig(cfg);
  // BIRD has no global listen list: each protocol binds its own local address (strict bind).
  return [
    '# Written by the tsbgpd interop harness; no kernel protocol: never touches a kernel table.',
    'log stderr all;',
    `router id ${cfg.routerId};`,
    'debug protocols { states, events };',
    '',
    'protocol device { scan time 10; }',
    '',
    ...staticProtocol(cfg, 'ipv4'),
    ...staticProtocol(cfg, 'ipv6'),
    ...cfg.neighbors.flatMap((n) => bgpProtocol(cfg, n)),
  ].join('\n');
}

const BIRD_STATES: Readonly<Record<string, SessionState>> = {
  idle: 'Idle',
  connect: 'Connect',
  active: 'Active',
  opensent: 'OpenSent',
  openconfirm: 'OpenConfirm',
  established: 'Established',
  close: 'Idle',
  down: 'Down',
};

/** Parse `birdc show protocols all NAME`. */
export function parseBirdProtocolState(output: string): SessionState {
  const bgpState = /^\s*BGP state:\s+(\S+)/m.exec(output)?.[1];
  if (bgpState !== undefined) return BIRD_STATES[bgpState.toLowerCase()] ?? 'Unknown';
  // A disabled protocol prints no BGP state line, only "down" in the summary row.
  if (/^\S+\s+BGP\s+\S+\s+down\b/m.test(output)) return 'Down';
  return 'Unknown';
}

/** Parse `birdc show route protocol NAME`: every line that starts with a prefix. */
export function parseBirdRoutes(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^([0-9a-fA-F.:]+\/\d+)\s/.exec(line);
    if (m) out.push(m[1]!.toLowerCase());
  }
  return sortPrefixes(out);
}

const BIRD_ORIGINS: Readonly<Record<string, RouteOrigin>> = { igp: 'IGP', egp: 'EGP', incomplete: 'INCOMPLETE' };

/** `(65000,100) (65535,65281)` or `(4200000001, 1, 1) (...)`: the parenthesised tuples. */
function birdTuples(text: string, size: 2 | 3): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\(([^)]*)\)/g)) {
    const parts = m[1]!.split(',').map((x) => x.trim());
    if (parts.length !== size || !parts.every((x) => /^\d+$/.test(x))) throw new Error(`bad BIRD tuple ${JSON.stringify(m[0])}`);
    out.push(parts.join(':'));
  }
  return out;
}

function birdRoute(prefix: string, attrs: ReadonlyMap<string, string>): ReceivedRoute {
  const route: ReceivedRoute = { prefix, asPath: [], communities: [], largeCommunities: [] };
  const origin = attrs.get('origin');
  if (origin !== undefined) {
    route.origin = BIRD_ORIGINS[origin.toLowerCase()];
    if (route.origin === undefined) throw new Error(`bad BIRD origin ${JSON.stringify(origin)}`);
  }
  route.asPath = parseAsPathText(attrs.get('as_path') ?? '');
  // `2001:db8::1` or, with a link-local next hop, `2001:db8::1 fe80::1`.
  const [nextHop, linkLocal] = (attrs.get('next_hop') ?? '').split(/\s+/).filter(Boolean);
  if (nextHop !== undefined) route.nextHop = nextHop.toLowerCase();
  if (linkLocal !== undefined) route.linkLocalNextHop = linkLocal.toLowerCase();
  const med = attrs.get('med');
  if (med !== undefined) route.med = Number(med);
  const localPref = attrs.get('local_pref');
  if (localPref !== undefined) route.localPref = Number(localPref);
  route.communities = birdTuples(attrs.get('community') ?? '', 2);
  route.largeCommunities = birdTuples(attrs.get('large_community') ?? '', 3);
  return route;
}

/**
 * Parse `birdc show route all protocol NAME`: a line starting with a prefix opens a route, and its
 * `\tBGP.<name>: <value>` lines follow (BIRD continues a long value on lines indented by two tabs).
 * A second route for the same prefix starts with blanks instead of the prefix. On an eBGP-learned
 * path that came without LOCAL_PREF BIRD shows its `default bgp_local_pref` (100); one that came
 * with it (which BIRD discards, RFC 4271 sec. 5.1.5) shows none, as seen with BIRD 2.0.12.
 */
export function parseBirdRouteDetails(output: string): ReceivedRoute[] {
  const routes: ReceivedRoute[] = [];
  let prefix: string | undefined;
  let attrs: Map<string, string> | undefined;
  let last: string | undefined;
  const flush = (): void => {
    if (prefix !== undefined && attrs !== undefined) routes.push(birdRoute(prefix, attrs));
    attrs = undefined;
    last = undefined;
  };
  for (const line of output.split('\n')) {
    const head = /^([0-9a-fA-F.:]+\/\d+)\s/.exec(line);
    if (head) {
      flush();
      prefix = head[1]!.toLowerCase();
      attrs = new Map();
      continue;
    }
    if (prefix !== undefined && /^ +\S+\s+\[/.test(line)) {
      flush(); // another route for the same prefix
      attrs = new Map();
      continue;
    }
    if (attrs === undefined) continue;
    const attr = /^\tBGP\.(\w+):\s?(.*)$/.exec(line);
    if (attr) {
      last = attr[1]!;
      attrs.set(last, attr[2]!.trim());
      continue;
    }
    const more = /^\t\t(.*)$/.exec(line);
    if (more && last !== undefined) attrs.set(last, `${attrs.get(last)} ${more[1]!.trim()}`.trim());
  }
  flush();
  return sortRoutes(routes);
}

export async function startBird(opts: StartPeerOptions): Promise<PeerDaemon> {
  const cfg = opts.config;
  const name = opts.name ?? 'bird';
  const configFile = join(opts.workDir, `${name}.conf`);
  const controlSocket = join(opts.workDir, `${name}.ctl`);
  writeFileSync(configFile, writeBirdConfig(cfg), { mode: 0o600 });
  // Parse-only run first, so a config error is reported as such and not as a timeout.
  await runCommand(['bird', '-p', '-c', configFile], { timeoutMs: 10_000 });

  const proc = startDaemon({
    name,
    netns: opts.netns,
    logDir: opts.workDir,
    hostname: opts.hostname ?? 'tsbgp-bird',
    argv: ['bird', '-f', '-c', configFile, '-s', controlSocket, '-P', join(opts.workDir, `${name}.pid`)],
  });

  const birdc = async (...args: string[]): Promise<string> => {
    const r = await runCommand(['birdc', '-s', controlSocket, ...args], { timeoutMs: 10_000 });
    return r.stdout;
  };
  const known = (neighbor: string): string => {
    if (!cfg.neighbors.some((n) => n.address === neighbor)) throw new Error(`bird ${name}: no neighbor ${neighbor}`);
    return birdProtocolName(neighbor);
  };

  try {
    await waitFor(
      async () => {
        if (!proc.running()) throw new Error(`bird exited:\n${proc.logTail(20)}`);
        return /BIRD .* ready/.test(await birdc('show', 'status'));
      },
      { timeoutMs: opts.startTimeoutMs ?? 10_000, intervalMs: 100, what: 'BIRD control socket' },
    );
  } catch (e) {
    await proc.stop();
    throw e;
  }

  const daemon: PeerDaemon = {
    kind: 'bird',
    netns: opts.netns,
    workDir: opts.workDir,
    configFile,
    config: cfg,
    process: proc,
    async sessionState(neighbor) {
      return parseBirdProtocolState(await birdc('show', 'protocols', 'all', known(neighbor)));
    },
    async isEstablished(neighbor) {
      return (await daemon.sessionState(neighbor)) === 'Established';
    },
    async receivedPrefixes(neighbor, family) {
      const all = parseBirdRoutes(await birdc('show', 'route', 'protocol', known(neighbor)));
      return family ? all.filter((p) => familyOf(p) === family) : all;
    },
    async receivedRoutes(neighbor, family) {
      const all = parseBirdRouteDetails(await birdc('show', 'route', 'all', 'protocol', known(neighbor)));
      return family ? all.filter((r) => familyOf(r.prefix) === family) : all;
    },
    async disableNeighbor(neighbor, message) {
      const args = ['disable', known(neighbor)];
      if (message !== undefined) {
        checkShutdownMessage(message);
        args.push(`"${message}"`);
      }
      await birdc(...args);
    },
    async enableNeighbor(neighbor) {
      await birdc('enable', known(neighbor));
    },
    async stop() {
      await proc.stop();
    },
    logTail: (n) => proc.logTail(n),
  };
  return daemon;
}
