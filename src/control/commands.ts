/**
 * The daemon's control commands: what each request of the control socket (protocol.ts) does and
 * answers. Show commands only read (neighbor-view.ts, rib-query.ts, rib-stats.ts); the others
 * steer: neighbours up / down / clear / refresh, reload, runtime networks, log level. Which of them
 * change state is listed in protocol.ts (MUTATING_COMMANDS), and the server refuses those on the
 * restricted socket.
 *
 * Commands and arguments (all arguments optional unless said):
 *   show.neighbors {peer | group}           -> NeighborsJson
 *   show.rib {table, select, family, prefix, match, peer, as, community, large_community, detail}
 *                                           -> streamed RibEntryJson chunks
 *   show.rib.summary, show.rib.memory, show.sets, show.interfaces, show.network {family}
 *   show.rib.in {peer}, show.rib.out {peer}  (older forms, kept for earlier callers)
 *   neighbor.up|down|clear|refresh {peer | group (required), reason (down, clear)}
 *   reload
 *   network.add {prefix (required), nexthop, origin, med, localpref, communities[], large_communities[]}
 *   network.delete {prefix (required)}, network.flush, network.show {family}
 *   log.level {level: verbose | brief}
 *   log.updates {peer | group (required), enable: boolean}   (the neighbours' log-updates, at runtime)
 *   monitor {peer | group}                  -> endless stream of MonitorEventJson batches (monitor.ts)
 * Answers of state-changing commands are ResultJson. Errors are thrown with a message meant for the
 * operator ("no such neighbor: 192.0.2.9"); the server sends them as the error line.
 */

import type { DaemonConfig, NetworkConfig } from '../config/types';
import type { Logger } from '../log';
import type { RouteEngine } from '../rib/engine';
import { formatKey, keyFamily, parseKey } from '../rib/prefix-key';
import type { Peer } from '../session/peer';
import { ipFromString } from '../wire/addr';
import { BOGON_ASNS, bogonAsns, bogonPrefixes, BOGONS } from '../policy/builtins';
import { CeaseSubcode, familyAfi, familySafi, IPV4_UNICAST, IPV6_UNICAST, RouteRefreshSubtype } from '../wire/iana';
import { familyLabel, formatCommunity, formatLargeCommunity, formatTimeframe, originName } from './bgp-text';
import type { InterfacesJson, NetworkJson, NetworksJson, ResultJson, SetsJson } from './json-types';
import type { MonitorBus } from './monitor';
import { neighborView } from './neighbor-view';
import { parseCommunity, parseLargeCommunity } from './rib-filter';
import { parseRibQuery, ribEntries } from './rib-query';
import { ribMemory, ribSummary } from './rib-stats';
import { canonical, RuntimeNetworks } from './runtime-networks';
import type { Handler } from './server';

/** What the commands need of the daemon. */
export interface ControlTarget {
  readonly config: DaemonConfig;
  readonly peers: ReadonlyMap<string, Peer>;
  readonly engine: RouteEngine;
  readonly runtimeNetworks: RuntimeNetworks;
  reloadFromFile(): Promise<{ ok: true; changes: string[] } | { ok: false; errors: string[] }>;
  /** Events for `monitor` and `log.updates` (absent: those commands are refused). */
  readonly monitor?: MonitorBus;
  /** Originate the configured and runtime networks (through health checks and shutdown state). */
  originate(): void;
  /** When the running configuration was loaded (ms since the epoch): `show sets` last change. */
  readonly configLoadedAt?: number;
}

/** RFC 9003: a Shutdown Communication is at most 255 octets of UTF-8. */
const MAX_REASON_BYTES = 255;

const ok = (message: string, changes?: string[]): ResultJson => ({ status: 'OK', ok: true, message, ...(changes ? { changes } : {}) });

/** An address in the spelling the daemon keys peers by (IPv6 compressed, lower case). */
function normalAddress(text: string): string {
  const b = ipFromString(text);
  if (b === null) return text;
  const k = parseKey(`${text}/${b.length * 8}`);
  return k === null ? text : formatKey(k).split('/')[0]!;
}

/** The neighbours a request names: {peer: address or description} or {group: name}. */
export function peersByArg(d: ControlTarget, args: Record<string, unknown>): Peer[] {
  if (typeof args.group === 'string') {
    const addrs = new Set(d.config.neighbors.filter((n) => n.group === args.group).map((n) => n.address));
    const list = [...d.peers.values()].filter((p) => addrs.has(p.config.remoteAddress));
    if (list.length === 0) throw new Error(`no such group: ${args.group}`);
    return list;
  }
  const key = String(args.peer ?? '');
  if (key === '') throw new Error('no neighbor given');
  const byAddr = d.peers.get(key) ?? d.peers.get(normalAddress(key));
  if (byAddr) return [byAddr];
  const byName = [...d.peers.values()].filter((p) => p.config.name === key);
  if (byName.length === 0) throw new Error(`no such neighbor: ${key}`);
  return byName;
}

function reasonOf(args: Record<string, unknown>): string | undefined {
  if (args.reason === undefined) return undefined;
  const r = String(args.reason);
  const n = Buffer.byteLength(r, 'utf8');
  if (n > MAX_REASON_BYTES) throw new Error(`shutdown reason too long: ${n} bytes (RFC 9003 allows ${MAX_REASON_BYTES})`);
  return r;
}

function familyFilter(args: Record<string, unknown>): number | undefined {
  if (args.family === undefined) return undefined;
  if (args.family === 'inet') return IPV4_UNICAST;
  if (args.family === 'inet6') return IPV6_UNICAST;
  throw new Error(`bad family: ${String(args.family)} (expected inet or inet6)`);
}

function networkJson(n: NetworkConfig, source: 'config' | 'runtime'): NetworkJson {
  return {
    prefix: n.prefix,
    family: familyLabel(n.family),
    nexthop: n.nextHop ?? (n.family === IPV4_UNICAST ? '0.0.0.0' : '::'),
    origin: originName(n.origin),
    source,
    ...(n.med !== undefined ? { med: n.med } : {}),
    ...(n.localPref !== undefined ? { localpref: n.localPref } : {}),
    communities: n.communities.map(formatCommunity),
    large_communities: n.largeCommunities.map(formatLargeCommunity),
  };
}

function networksJson(d: ControlTarget, args: Record<string, unknown>): NetworksJson {
  const fam = familyFilter(args);
  const configured = new Set(d.config.networks.map((n) => canonical(n.prefix)));
  const list = d.runtimeNetworks.merge(d.config.networks).map((n) => networkJson(n, configured.has(canonical(n.prefix)) ? 'config' : 'runtime'));
  return { networks: fam === undefined ? list : list.filter((n) => n.family === familyLabel(fam)) };
}

function uint32(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`bad ${what}: ${String(v)}`);
  return n;
}

const ORIGINS: Record<string, number> = { igp: 0, egp: 1, incomplete: 2 };

/** A network from `network add` arguments; throws on anything the configuration would refuse too. */
export function networkFromArgs(args: Record<string, unknown>): NetworkConfig {
  const text = String(args.prefix ?? '');
  const key = parseKey(text);
  if (key === null) throw new Error(`not a prefix: ${text === '' ? '(none)' : text} (expected ADDRESS/LENGTH without host bits)`);
  const family = keyFamily(key);
  const n: NetworkConfig = { prefix: formatKey(key), family, origin: 0, communities: [], largeCommunities: [] };
  if (args.origin !== undefined) {
    const o = ORIGINS[String(args.origin).toLowerCase()];
    if (o === undefined) throw new Error(`bad origin: ${String(args.origin)} (expected igp, egp or incomplete)`);
    n.origin = o;
  }
  if (args.nexthop !== undefined) {
    const b = ipFromString(String(args.nexthop));
    if (b === null || b.length !== (family === IPV4_UNICAST ? 4 : 16)) throw new Error(`bad nexthop for ${n.prefix}: ${String(args.nexthop)}`);
    n.nextHop = normalAddress(String(args.nexthop));
  }
  if (args.med !== undefined) n.med = uint32(args.med, 'med');
  if (args.localpref !== undefined) n.localPref = uint32(args.localpref, 'localpref');
  for (const c of (args.communities as unknown[] | undefined) ?? []) {
    const f = parseCommunity(String(c));
    if (f.asn === '*' || f.value === '*') throw new Error(`a community to announce cannot have *: ${String(c)}`);
    n.communities.push(f.asn * 65536 + f.value);
  }
  for (const c of (args.large_communities as unknown[] | undefined) ?? []) {
    const f = parseLargeCommunity(String(c));
    if (f.includes('*')) throw new Error(`a large community to announce cannot have *: ${String(c)}`);
    n.largeCommunities.push(f as [number, number, number]);
  }
  return n;
}

/**
 * `show sets`: prefix sets and AS sets, the built-in ones (bogons, bogon-asns) first, with bgpctl's
 * counts; community sets count nothing bgpctl has a column for and are listed as type COMMUNITY.
 */
function setsJson(d: ControlTarget): SetsJson {
  const since = d.configLoadedAt ?? Date.now();
  const lastSec = Math.max(0, Math.floor((Date.now() - since) / 1000));
  const last = { last_change: formatTimeframe(lastSec), last_change_sec: lastSec };
  const prefixCounts = (items: readonly { family: number }[]) => ({
    num_IPv4: items.filter((i) => i.family === IPV4_UNICAST).length,
    num_IPv6: items.filter((i) => i.family === IPV6_UNICAST).length,
  });
  const asCount = (ranges: readonly [number, number][]) => ranges.reduce((n, [a, b]) => n + (b - a + 1), 0);
  return {
    sets: [
      { name: BOGONS, type: 'PREFIX', ...last, ...prefixCounts(bogonPrefixes()) },
      ...d.config.prefixSets.map((s) => ({ name: s.name, type: 'PREFIX', ...last, ...prefixCounts(s.prefixes) })),
      { name: BOGON_ASNS, type: 'ASNUM', ...last, num_ASnum: asCount(bogonAsns()) },
      ...d.config.policy.asSets.map((s) => ({ name: s.name, type: 'ASNUM', ...last, num_ASnum: asCount(s.asns) })),
      ...d.config.policy.communitySets.map((s) => ({ name: s.name, type: 'COMMUNITY', ...last })),
    ],
  };
}

/** The handlers of the control socket for a daemon; `log` is the daemon's root logger. */
export function controlHandlers(d: ControlTarget, log: Logger): Map<string, Handler> {
  const h = new Map<string, Handler>();
  const neighborConfig = (p: Peer) => d.config.neighbors.find((n) => n.address === p.config.remoteAddress);
  const audit = (cmd: string, fields: object) => log.info({ part: 'control', cmd, ...fields }, 'control command');
  const originate = () => d.originate();

  h.set('show.neighbors', (args) => {
    const list = args.peer !== undefined || args.group !== undefined ? peersByArg(d, args) : [...d.peers.values()];
    const now = Date.now();
    return { neighbors: list.map((p) => neighborView(p, { engine: d.engine, neighbor: neighborConfig(p), now })) };
  });

  h.set('show.rib', (args) => {
    const q = parseRibQuery(args, (name) => peersByArg(d, { peer: name })[0]!);
    const ctx = { engine: d.engine, localAs: d.config.localAs, routerId: d.config.routerId, peers: [...d.peers.values()], now: Date.now() };
    return { stream: ribEntries(q, ctx) };
  });
  h.set('show.rib.summary', () => ribSummary(d.engine, d.config.localAs));
  h.set('show.rib.memory', () => ribMemory(d.engine));

  // Older forms (test harnesses use them).
  h.set('show.rib.in', (args) => {
    const list = args.peer ? peersByArg(d, args) : [...d.peers.values()];
    return {
      rib: list.flatMap((p) =>
        d.engine.received(p).map((r) => ({
          prefix: r.prefix,
          neighbor: { remote_addr: p.config.remoteAddress, description: p.config.name },
          attributes: r.attributes,
          invalid: r.invalid,
          stale: r.stale,
        })),
      ),
    };
  });
  h.set('show.rib.out', (args) => ({ prefixes: d.engine.announced(peersByArg(d, args)[0]!) }));

  h.set('show.sets', (): SetsJson => setsJson(d));
  h.set(
    'show.interfaces',
    (): InterfacesJson => ({ interfaces: [], note: 'tsbgpd keeps no FIB and tracks no interfaces: it installs no routes in the kernel, so there is nothing to show' }),
  );
  h.set('show.network', (args) => networksJson(d, args));
  h.set('network.show', (args) => networksJson(d, args));

  h.set('neighbor.up', (args) => {
    const list = peersByArg(d, args);
    for (const p of list) {
      if (p.config.down !== undefined) throw new Error(`neighbor ${p.config.remoteAddress} is configured down ("${p.config.down}"): change bgpd.toml and reload`);
    }
    for (const p of list) p.start();
    audit('neighbor.up', { peers: list.map((p) => p.config.remoteAddress) });
    return ok('request processed');
  });
  h.set('neighbor.down', (args) => {
    const list = peersByArg(d, args);
    const reason = reasonOf(args);
    for (const p of list) p.stop(reason);
    audit('neighbor.down', { peers: list.map((p) => p.config.remoteAddress), reason });
    return ok('request processed');
  });
  h.set('neighbor.clear', (args) => {
    const list = peersByArg(d, args);
    const reason = reasonOf(args);
    for (const p of list) p.reset(CeaseSubcode.ADMINISTRATIVE_RESET, reason);
    audit('neighbor.clear', { peers: list.map((p) => p.config.remoteAddress), reason });
    return ok('request processed');
  });
  h.set('neighbor.refresh', (args) => {
    const list = peersByArg(d, args);
    for (const p of list) {
      const n = p.negotiated;
      if (!n) throw new Error(`neighbor ${p.config.remoteAddress} is not established`);
      if (!n.routeRefresh) throw new Error(`neighbor ${p.config.remoteAddress} does not support route refresh`);
    }
    for (const p of list) {
      for (const f of p.negotiated!.families) p.sendMessage({ type: 'route-refresh', afi: familyAfi(f), safi: familySafi(f), subtype: RouteRefreshSubtype.NORMAL });
    }
    audit('neighbor.refresh', { peers: list.map((p) => p.config.remoteAddress) });
    return ok('request processed');
  });

  h.set('reload', async () => {
    const r = await d.reloadFromFile();
    if (!r.ok) throw new Error(`configuration not reloaded:\n${r.errors.join('\n')}`);
    return ok('configuration reloaded', r.changes);
  });

  h.set('network.add', (args) => {
    const n = networkFromArgs(args);
    if (d.config.networks.some((c) => canonical(c.prefix) === n.prefix)) throw new Error(`network ${n.prefix} is in the configuration: change it there`);
    d.runtimeNetworks.add(n);
    originate();
    audit('network.add', { prefix: n.prefix });
    return ok(`network ${n.prefix} added`);
  });
  h.set('network.delete', (args) => {
    const prefix = canonical(String(args.prefix ?? ''));
    if (!d.runtimeNetworks.has(prefix)) {
      if (d.config.networks.some((c) => canonical(c.prefix) === prefix)) throw new Error(`network ${prefix} is in the configuration: remove it there and reload`);
      throw new Error(`no such network: ${prefix}`);
    }
    d.runtimeNetworks.delete(prefix);
    originate();
    audit('network.delete', { prefix });
    return ok(`network ${prefix} deleted`);
  });
  h.set('network.flush', () => {
    const n = d.runtimeNetworks.flush();
    originate();
    audit('network.flush', { removed: n });
    return ok(`${n} runtime network${n === 1 ? '' : 's'} removed`);
  });

  h.set('log.level', (args) => {
    const want = args.level === 'verbose' ? 'debug' : args.level === 'brief' ? (['trace', 'debug'].includes(d.config.logLevel) ? 'info' : d.config.logLevel) : undefined;
    if (want === undefined) throw new Error(`bad log level: ${String(args.level)} (expected verbose or brief)`);
    if (log.level === undefined) throw new Error('this logger has no adjustable level');
    log.level = want;
    audit('log.level', { level: want });
    return ok(`logging at level ${want}`);
  });

  const monitorBus = (): MonitorBus => {
    if (!d.monitor) throw new Error('this daemon has no monitor');
    return d.monitor;
  };
  h.set('monitor', (args, ctx) => {
    const bus = monitorBus();
    const only = args.peer !== undefined || args.group !== undefined ? new Set(peersByArg(d, args).map((p) => p.config.remoteAddress)) : null;
    return { stream: bus.subscribe(only, ctx?.signal) };
  });
  h.set('log.updates', (args) => {
    const bus = monitorBus();
    if (args.peer === undefined && args.group === undefined) throw new Error('no neighbor given');
    const list = peersByArg(d, args);
    const on = args.enable === true;
    for (const p of list) bus.setLogUpdates(p.config.remoteAddress, on);
    const addrs = list.map((p) => p.config.remoteAddress);
    audit('log.updates', { peers: addrs, enable: on });
    const quiet = on && ['warn', 'error', 'fatal', 'silent'].includes(log.level ?? '');
    return ok(`${on ? 'logging' : 'not logging'} UPDATEs of ${addrs.join(', ')}${quiet ? ` (at level info, below the daemon's level ${log.level ?? ''}: see tsbgpctl log verbose)` : ''}`);
  });

  return h;
}
