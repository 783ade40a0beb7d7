/**
 * `show rib` in the daemon: which paths a query selects, and each as a bgpctl-style JSON entry,
 * produced in chunks so that a full table (1.2M prefixes) goes out without blocking the event loop:
 * the generator works a few milliseconds (or one chunk), then yields and waits a turn of the loop
 * (setImmediate), so keepalives and hold timers are served meanwhile.
 *
 * Tables (bgpctl's):
 * - loc (default): the Loc-RIB candidates, every eligible-or-not path that passed import (filtered
 *   and treat-as-withdraw paths left out), with post-policy attributes; the selected path first.
 * - in: the Adj-RIBs-In, every path received from a neighbour, with the attributes as received.
 * - out: the Adj-RIB-Out of each neighbour (or the one named): what was announced to it, with the
 *   attributes as the export rewrite makes them for that neighbour (our AS prepended, next hop self).
 * Selections: best (selected paths only), filtered (denied by import policy), error (RFC 7606
 * treat-as-withdraw); the last two look at every received path, as in the Adj-RIB-In.
 *
 * The order is prefix order (IPv4 first, then address, then shorter first), which needs the keys
 * sorted once per query; the keys are snapshotted up front and each one looked up afresh when its
 * turn comes, so paths that change meanwhile show as they are then (row numbers and attribute set
 * ids are never kept across a yield).
 *
 * `detail` adds every attribute and the decision: for the selected path, the step that decided
 * against each other path; for the others, why the selected one won (decision.compare).
 */

import { NO_ATTRS } from '../rib/attr-intern';
import { compare, DECISION_STEP_NAMES, DecisionContext } from '../rib/decision';
import type { RouteEngine } from '../rib/engine';
import { storedNextHop } from '../rib/export';
import { formatKey, isOrLonger, isOrShorter, keyFamily, keyLength, parseKey, PrefixKey, sortKeys } from '../rib/prefix-key';
import { Route, RouteFlag, RouteSource, SourceKind } from '../rib/route';
import type { Peer } from '../session/peer';
import { effectiveAggregator, effectiveAsPath } from '../wire/attributes/as-path';
import type { AsPathSegment, PathAttributes } from '../wire/attributes/types';
import { FamilyKey, IPV4_UNICAST, IPV6_UNICAST } from '../wire/iana';
import { formatAsPath, formatCommunity, formatExtCommunity, formatLargeCommunity, formatTimeframe, originName } from './bgp-text';
import type { DecisionJson, DecisionPeerJson, RibEntryJson } from './json-types';
import {
  AS_FILTER_TYPES,
  AsFilter,
  AsFilterType,
  CommunityFilter,
  LargeCommunityFilter,
  matchesAsPath,
  matchesCommunity,
  matchesLargeCommunity,
  parseAsn,
  parseCommunity,
  parseLargeCommunity,
} from './rib-filter';

export type RibTable = 'loc' | 'in' | 'out';
export type RibSelect = 'all' | 'best' | 'filtered' | 'error';
/** exact: that prefix; longest: the longest prefix covering an address; or the bgpctl modifiers. */
export type PrefixMatch = 'exact' | 'longest' | 'or-longer' | 'or-shorter';

export interface RibQuery {
  table: RibTable;
  select: RibSelect;
  families: FamilyKey[];
  prefix?: { key: PrefixKey; match: PrefixMatch };
  peer?: Peer;
  as?: AsFilter;
  community?: CommunityFilter;
  largeCommunity?: LargeCommunityFilter;
  detail: boolean;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string, dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new Error(`bad ${what}: ${String(v)} (expected ${allowed.join(', ')})`);
  return v as T;
}

/**
 * The query of a `show.rib` request. Arguments (all optional): table in|out, select
 * best|filtered|error, family inet|inet6, prefix "ADDR" or "ADDR/LEN", match
 * exact|longest|or-longer|or-shorter, peer (address or description), as {type, asn},
 * community, large_community, detail. Throws Error with a message for the operator.
 */
export function parseRibQuery(args: Record<string, unknown>, findPeer: (name: string) => Peer): RibQuery {
  const table = oneOf(args.table, ['loc', 'in', 'out'] as const, 'table', 'loc');
  const select = oneOf(args.select, ['all', 'best', 'filtered', 'error'] as const, 'selection', 'all');
  if (table === 'out' && (select === 'filtered' || select === 'error')) throw new Error(`${select} paths are never announced: "out" and "${select}" do not go together`);
  const family = oneOf(args.family, ['inet', 'inet6'] as const, 'family', 'inet');
  const q: RibQuery = {
    table,
    select,
    families: args.family === undefined ? [IPV4_UNICAST, IPV6_UNICAST] : family === 'inet' ? [IPV4_UNICAST] : [IPV6_UNICAST],
    detail: args.detail === true,
  };
  if (args.prefix !== undefined) {
    const text = String(args.prefix);
    const bare = !text.includes('/');
    const key = parseKey(text, { bareAddress: true, mask: bare });
    if (key === null) {
      const hostBits = !bare && parseKey(text, { mask: true }) !== null;
      throw new Error(hostBits ? `${text} has host bits set (the prefix is ${formatKey(parseKey(text, { mask: true })!)})` : `not an address or prefix: ${text}`);
    }
    const match = oneOf(args.match, ['exact', 'longest', 'or-longer', 'or-shorter'] as const, 'prefix match', bare ? 'longest' : 'exact');
    q.prefix = { key, match };
    if (!q.families.includes(keyFamily(key))) throw new Error(`${text} is not in the family asked for`);
  } else if (args.match !== undefined) {
    throw new Error(`${String(args.match)} needs a prefix`);
  }
  if (args.peer !== undefined) q.peer = findPeer(String(args.peer));
  if (args.as !== undefined) {
    const a = args.as as { type?: unknown; asn?: unknown };
    const type = oneOf(a?.type, AS_FILTER_TYPES, 'AS filter', 'as') as AsFilterType;
    q.as = { type, asn: typeof a?.asn === 'number' ? parseAsn(String(a.asn)) : parseAsn(String(a?.asn)) };
  }
  if (args.community !== undefined) q.community = parseCommunity(String(args.community));
  if (args.large_community !== undefined) q.largeCommunity = parseLargeCommunity(String(args.large_community));
  return q;
}

/** What the query reads from the daemon. */
export interface RibContext {
  engine: RouteEngine;
  localAs: number;
  routerId: string;
  peers: readonly Peer[];
  now: number;
}

/** A decoded attribute set, as the entries need it (built once per set per chunk). */
interface AttrView {
  path: AsPathSegment[];
  aspath: string;
  origin: string;
  med: number;
  localpref: number;
  nexthop: string;
  attrs: PathAttributes;
  as4: boolean;
}

function attrView(a: PathAttributes, as4: boolean, family: FamilyKey): AttrView {
  const path = effectiveAsPath(a, as4);
  return {
    path,
    aspath: formatAsPath(path),
    origin: originName(a.origin),
    med: a.med ?? 0,
    localpref: a.localPref ?? 100,
    nexthop: storedNextHop(a, family) ?? (family === IPV4_UNICAST ? '0.0.0.0' : '::'),
    attrs: a,
    as4,
  };
}

function passesFilters(q: RibQuery, v: AttrView): boolean {
  if (q.as && !matchesAsPath(v.path, q.as)) return false;
  if (q.community && !matchesCommunity(v.attrs.communities, q.community)) return false;
  if (q.largeCommunity && !matchesLargeCommunity(v.attrs.largeCommunities, q.largeCommunity)) return false;
  return true;
}

const ATTR_FLAG_LETTERS: [number, string][] = [
  [0x80, 'O'],
  [0x40, 'T'],
  [0x20, 'P'],
];

/** The attributes `show rib detail` lists besides the ones in its fixed lines. */
export function otherAttributes(a: PathAttributes, as4: boolean): { type: string; value: string }[] {
  const out: { type: string; value: string }[] = [];
  const agg = effectiveAggregator(a, as4);
  if (agg) out.push({ type: 'Aggregator', value: `${agg.asn} [${agg.address}]` });
  if (a.atomicAggregate) out.push({ type: 'Atomic Aggregate', value: '' });
  if (a.originatorId !== undefined) out.push({ type: 'Originator Id', value: a.originatorId });
  if (a.clusterList && a.clusterList.length > 0) out.push({ type: 'Cluster Id List', value: a.clusterList.join(' ') });
  if (a.otc !== undefined) out.push({ type: 'OTC', value: String(a.otc) });
  for (const u of a.unknown ?? []) {
    const flags = ATTR_FLAG_LETTERS.filter(([bit]) => (u.flags & bit) !== 0)
      .map(([, l]) => l)
      .join('');
    const bytes = [...u.value].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    out.push({ type: `Unknown Attribute #${u.code} flags [${flags}]`, value: `len ${u.value.length}${bytes ? `: ${bytes}` : ''}` });
  }
  return out;
}

/** bgpctl's source: our own networks count as internal (flags AI). */
function sourceKind(s: RouteSource): 'internal' | 'external' {
  return s.kind === SourceKind.EBGP ? 'external' : 'internal';
}

function neighborOf(s: RouteSource, family: FamilyKey, routerId: string): { description?: string; remote_addr: string; bgp_id: string } {
  if (s.kind === SourceKind.LOCAL) return { description: 'LOCAL', remote_addr: family === IPV4_UNICAST ? '0.0.0.0' : '::', bgp_id: routerId };
  return { ...(s.name !== s.address ? { description: s.name } : {}), remote_addr: s.address, bgp_id: s.bgpIdText };
}

interface EntryFacts {
  flags: number;
  best: boolean;
  valid: boolean;
  /** One of our own networks. */
  local: boolean;
  source: RibEntryJson['source'];
  neighbor: RibEntryJson['neighbor'];
  pathId: number;
  /** Seconds since it changed. */
  age: number;
}

function entry(key: PrefixKey, v: AttrView, f: EntryFacts, detail: boolean): RibEntryJson {
  const { flags, best, valid, neighbor, source, pathId, age } = f;
  const e: RibEntryJson = {
    prefix: formatKey(key),
    aspath: v.aspath,
    exit_nexthop: v.nexthop,
    true_nexthop: v.nexthop,
    neighbor,
    ...(pathId !== 0 ? { path_id: pathId } : {}),
    valid,
    best,
    filtered: (flags & RouteFlag.FILTERED) !== 0,
    invalid: (flags & RouteFlag.INVALID) !== 0,
    stale: (flags & RouteFlag.STALE) !== 0,
    announced: f.local,
    source,
    ovs: 'not-found',
    avs: 'unknown',
    origin: v.origin,
    metric: v.med,
    localpref: v.localpref,
    weight: 0,
    last_update: formatTimeframe(age),
    last_update_sec: age,
  };
  if (detail) {
    const a = v.attrs;
    e.communities = (a.communities ?? []).map(formatCommunity);
    e.large_communities = (a.largeCommunities ?? []).map(formatLargeCommunity);
    e.extended_communities = (a.extCommunities ?? []).map(formatExtCommunity);
    e.attributes = otherAttributes(a, v.as4);
  }
  return e;
}

function decisionPeer(r: Route, routerId: string): DecisionPeerJson {
  const n = neighborOf(r.source, r.family, routerId);
  return { remote_addr: n.remote_addr, ...(n.description !== undefined ? { description: n.description } : {}) };
}

/** The decision for one path of a prefix, against the prefix's selected path. */
export function decisionFor(paths: readonly Route[], p: Route, ctx: DecisionContext, routerId: string): DecisionJson {
  const best = paths.find((r) => r.best);
  if (!best) return { selected: false, step: DECISION_STEP_NAMES[0]!, step_number: 0, reason: 'no path of this prefix is eligible' };
  const cand = (r: Route) => ({ family: r.family, source: r.source, attrs: r.attrs, flags: r.flags, pathId: r.pathId });
  const same = (a: Route, b: Route) => a.source === b.source && a.pathId === b.pathId;
  if (same(p, best)) {
    const over = paths
      .filter((o) => !same(o, best))
      .map((o) => {
        const v = compare(cand(best), cand(o), ctx);
        return { ...decisionPeer(o, routerId), step: DECISION_STEP_NAMES[v.step] ?? String(v.step), step_number: v.step, reason: v.reason };
      });
    return { selected: true, over };
  }
  const v = compare(cand(best), cand(p), ctx);
  return { selected: false, lost_to: decisionPeer(best, routerId), step: DECISION_STEP_NAMES[v.step] ?? String(v.step), step_number: v.step, reason: v.reason };
}

/** The key of `key`'s address with `len` bits (host bits cleared). */
function shortened(key: PrefixKey, len: number): PrefixKey {
  const addr = formatKey(key).split('/')[0]!;
  return parseKey(`${addr}/${len}`, { mask: true })!;
}

/** Keys of a family the query covers, in listing order (present in the path table). */
function tableKeys(q: RibQuery, ctx: RibContext, family: FamilyKey): PrefixKey[] {
  const t = ctx.engine.store.table(family);
  const has = (k: PrefixKey) => t.head(k) >= 0;
  const p = q.prefix;
  if (p) {
    if (keyFamily(p.key) !== family) return [];
    const len = keyLength(p.key);
    if (p.match === 'exact') return has(p.key) ? [p.key] : [];
    if (p.match === 'longest') {
      for (let l = len; l >= 0; l--) {
        const k = shortened(p.key, l);
        if (has(k)) return [k];
      }
      return [];
    }
    if (p.match === 'or-shorter') {
      const out: PrefixKey[] = [];
      for (let l = 0; l <= len; l++) {
        const k = shortened(p.key, l);
        if (has(k)) out.push(k);
      }
      return out;
    }
  }
  const keys: PrefixKey[] = [];
  t.forEachKey((k) => {
    if (!p || isOrLonger(k, p.key)) keys.push(k);
  });
  if (family === IPV4_UNICAST) return Array.from(Float64Array.from(keys as number[]).sort());
  return sortKeys(keys);
}

/** Keys announced to a peer that the query covers, in listing order. */
function announcedKeys(q: RibQuery, ctx: RibContext, peer: Peer): PrefixKey[] {
  const p = q.prefix;
  let keys = ctx.engine
    .announced(peer)
    .map((s) => parseKey(s))
    .filter((k): k is PrefixKey => k !== null && q.families.includes(keyFamily(k)));
  if (p) {
    if (p.match === 'exact') keys = keys.filter((k) => k === p.key);
    else if (p.match === 'or-longer') keys = keys.filter((k) => isOrLonger(k, p.key));
    else {
      keys = keys.filter((k) => isOrShorter(k, p.key));
      if (p.match === 'longest' && keys.length > 0) {
        const max = Math.max(...keys.map(keyLength));
        keys = keys.filter((k) => keyLength(k) === max);
      }
    }
  }
  return sortKeys(keys);
}

export interface StreamOptions {
  /** Entries per chunk. */
  chunk?: number;
  /** Work per turn of the event loop, in milliseconds. */
  sliceMs?: number;
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The entries of a query, in chunks, yielding to the event loop between them. */
export async function* ribEntries(q: RibQuery, ctx: RibContext, opts: StreamOptions = {}): AsyncGenerator<RibEntryJson[]> {
  const chunkSize = opts.chunk ?? 500;
  const sliceMs = opts.sliceMs ?? 5;
  const { engine, routerId } = ctx;
  const pool = engine.store.pool;
  const nowSec = Math.floor(ctx.now / 1000);
  const views = new Map<string | number, AttrView>();
  let out: RibEntryJson[] = [];
  let sliceStart = Date.now();

  // Checked after each key: hand over a full chunk, or pause when the slice is used up.
  const due = () => out.length >= chunkSize || Date.now() - sliceStart >= sliceMs;
  const rest = async () => {
    out = [];
    views.clear(); // attribute set ids may be reused once we let go of the loop
    await nextTurn();
    sliceStart = Date.now();
  };

  if (q.table === 'out') {
    const targets = q.peer ? [q.peer] : [...ctx.peers].sort((a, b) => (a.config.remoteAddress < b.config.remoteAddress ? -1 : 1));
    for (const peer of targets) {
      const keys = announcedKeys(q, ctx, peer);
      const c = peer.config;
      const as4 = peer.negotiated?.as4 ?? true;
      const ebgp = c.remoteAs !== ctx.localAs;
      const neighbor = { ...(c.name !== c.remoteAddress ? { description: c.name } : {}), remote_addr: c.remoteAddress, bgp_id: peer.remoteOpen?.bgpId ?? '0.0.0.0' };
      for (const key of keys) {
        const best = engine.locRib.best(key);
        if (best && best.attrs !== NO_ATTRS) {
          const cacheKey = `${c.remoteAddress}/${best.attrs}/${best.source.index}/${best.family}`;
          let v = views.get(cacheKey);
          if (!v) {
            const stored = pool.decode(best.attrs);
            const sent = engine.exportFor(peer, best.family, best.source.index, best.attrs, best.key);
            v = sent ? attrView(sent, as4, best.family) : attrView(stored, pool.isAs4(best.attrs), best.family);
            views.set(cacheKey, v);
          }
          if (passesFilters(q, v)) {
            // As bgpctl: an Adj-RIB-Out entry is valid, not "selected".
            const local = best.source.kind === SourceKind.LOCAL;
            const facts = { flags: 0, best: false, valid: true, local, source: ebgp ? ('external' as const) : ('internal' as const), neighbor, pathId: 0, age: Math.max(0, nowSec - best.receivedAt) };
            out.push(entry(key, v, facts, q.detail));
          }
        }
        if (due()) {
          if (out.length > 0) yield out;
          await rest();
        }
      }
    }
  } else {
    for (const family of q.families) {
      const keys = tableKeys(q, ctx, family);
      for (const key of keys) {
        const paths = engine.locRib.paths(key);
        for (const r of paths) {
          if (!selected(q, r)) continue;
          const id = q.table === 'in' || r.attrs === NO_ATTRS ? r.received : r.attrs;
          if (id === NO_ATTRS) continue;
          let v = views.get(id);
          if (!v) {
            v = attrView(pool.decode(id), pool.isAs4(id), family);
            views.set(id, v);
          }
          if (!passesFilters(q, v)) continue;
          const valid = (r.flags & (RouteFlag.INVALID | RouteFlag.FILTERED)) === 0 && r.attrs !== NO_ATTRS;
          const local = r.source.kind === SourceKind.LOCAL;
          const facts = { flags: r.flags, best: r.best, valid, local, source: sourceKind(r.source), neighbor: neighborOf(r.source, family, routerId), pathId: r.pathId, age: Math.max(0, nowSec - r.receivedAt) };
          const e = entry(key, v, facts, q.detail);
          if (q.detail) e.decision = decisionFor(paths, r, engine.locRib.context, routerId);
          out.push(e);
        }
        if (due()) {
          if (out.length > 0) yield out;
          await rest();
        }
      }
    }
  }
  if (out.length > 0) yield out;
}

function selected(q: RibQuery, r: Route): boolean {
  const local = r.source.kind === SourceKind.LOCAL;
  if (q.peer && (local || r.source.address !== q.peer.config.remoteAddress)) return false;
  if (q.select === 'filtered') return (r.flags & RouteFlag.FILTERED) !== 0;
  if (q.select === 'error') return (r.flags & RouteFlag.INVALID) !== 0;
  if (q.table === 'in' && local) return false;
  if (q.select === 'best') return r.best;
  if (q.table === 'loc') return (r.flags & (RouteFlag.FILTERED | RouteFlag.INVALID)) === 0;
  return true;
}
