/**
 * One read of the daemon's live objects for a /metrics scrape: per neighbour the session state,
 * message and UPDATE counters, prefix counts per address family and the last NOTIFICATIONs; daemon
 * wide the Loc-RIB and attribute pool sizes. Read-only: nothing here changes a peer or the RIB.
 *
 * Prefix counts per peer and family come from one pass over each family's path table (every row
 * says its source and flags), so a scrape costs one linear scan of the paths whatever the number of
 * peers: ~12 ms for 3.6M rows (three full-table peers). Over HTTP the scan runs in slices of
 * CENSUS_SLICE rows with the event loop served in between (DESIGN.md: never block for long); rows
 * that change between slices can be counted in their old or new state, which a gauge tolerates.
 * The Adj-RIB-In keeps no per-flag counters, and adding them to the UPDATE path for a scrape every
 * 15 s would cost more than this scan.
 */

import type { RouteEngine } from '../rib/engine';
import { RouteFlag, RouteStore, RouteTable, SourceKind } from '../rib/route';
import type { MessageCounters } from '../session/connection';
import { STATES, State } from '../session/fsm';
import type { ErrorRecord, Peer } from '../session/peer';
import type { HealthStatus } from '../health/types';
import { FamilyKey, familyName, IPV4_UNICAST, IPV6_UNICAST } from '../wire/iana';

/** What the metrics read from a daemon (a Daemon is one; tests may pass less). */
export interface MetricsSource {
  readonly peers: ReadonlyMap<string, Peer>;
  readonly engine: RouteEngine;
  /** Health checks (a Daemon has them; tests may leave them out). */
  readonly health?: { list(): HealthStatus[] };
}

/** One health check as the metrics see it. */
export interface HealthSample {
  name: string;
  type: string;
  /** 1 up, 0 down or not yet checked. */
  up: number;
  state: string;
  lastDurationSeconds: number;
  failures: number;
  checks: number;
}

/** The labels every per-neighbour series carries. */
export interface PeerLabels {
  peer: string;
  description: string;
  remote_as: string;
}

export interface FamilySample {
  afi_safi: string;
  /** Paths held in the Adj-RIB-In (accepted + filtered + invalid). */
  received: number;
  /** Usable for the decision process (stale paths of a restarting peer included). */
  accepted: number;
  /** Denied by import policy. */
  filtered: number;
  /** RFC 7606 treat-as-withdraw. */
  invalid: number;
  /** In the Adj-RIB-Out: sent to the peer and not withdrawn since. */
  advertised: number;
}

export interface PeerSample {
  labels: PeerLabels;
  state: State;
  /** BGP4-MIB bgpPeerState (RFC 4273): idle 1, connect 2, active 3, opensent 4, openconfirm 5, established 6. */
  stateCode: number;
  up: boolean;
  uptimeSeconds: number;
  transitions: number;
  sent: MessageCounters;
  received: MessageCounters;
  updatesIn: number;
  withdrawsIn: number;
  updatesOut: number;
  withdrawsOut: number;
  families: FamilySample[];
  maxPrefixIn?: number;
  maxPrefixOut?: number;
  lastErrorSent?: ErrorRecord;
  lastErrorReceived?: ErrorRecord;
}

export interface RibFamilySample {
  afi_safi: string;
  /** Prefixes with a best path (the Loc-RIB). */
  prefixes: number;
  /** Paths of every source, ours included. */
  paths: number;
}

export interface DaemonSample {
  peers: PeerSample[];
  rib: RibFamilySample[];
  attributeSets: number;
  attributeBytes: number;
  decisions: number;
  health: HealthSample[];
  /** Neighbours whose originated networks are drained (gshut or withdrawn), by address. */
  drained: { peer: PeerLabels; state: string }[];
}

/** Paths, filtered and invalid counts of one source in one family. */
interface SourceCounts {
  paths: number;
  filtered: number;
  invalid: number;
}

const ZERO: SourceCounts = Object.freeze({ paths: 0, filtered: 0, invalid: 0 });
const { INVALID, FILTERED, WITHDRAWN } = RouteFlag;
const TABLE_FAMILIES = [IPV4_UNICAST, IPV6_UNICAST] as const;

/** Lower-case state names, as BGP4-MIB spells them without capitals (label values). */
export const STATE_LABELS: readonly string[] = STATES.map((s) => s.toLowerCase());

/** Rows scanned per slice of an asynchronous census (~3 ms). */
export const CENSUS_SLICE = 1 << 20;

/**
 * Count each source's live paths in rows [from, to) of one table into `out`, a Uint32Array of
 * [paths, filtered, invalid] per source index (sources * 3 long). Free rows carry a source index
 * past the end and ghosts of withdrawn best paths are flagged WITHDRAWN; both are skipped, as the
 * Adj-RIB-In's own counts skip them.
 */
export function censusOf(table: RouteTable, sources: number, from = 0, to = table.rowLimit, out = new Uint32Array(sources * 3)): Uint32Array {
  const limit = Math.min(to, table.rowLimit);
  for (let r = from; r < limit; r++) {
    const s = table.sourceOf(r);
    if (s >= sources) continue;
    const f = table.flagsOf(r);
    if ((f & WITHDRAWN) !== 0) continue;
    const at = s * 3;
    out[at]++;
    if ((f & FILTERED) !== 0) out[at + 1]++;
    if ((f & INVALID) !== 0) out[at + 2]++;
  }
  return out;
}

/** Per-source counts of every table family, indexed as censusOf's. */
export type Census = Map<FamilyKey, Uint32Array>;

/** The census in one go (tests, direct registry reads). */
export function takeCensus(store: RouteStore): Census {
  const n = store.sources.length;
  return new Map(TABLE_FAMILIES.map((f) => [f, censusOf(store.table(f), n)]));
}

/** The census in slices of `slice` rows, yielding to the event loop between them. */
export async function takeCensusSliced(store: RouteStore, slice = CENSUS_SLICE): Promise<Census> {
  const n = store.sources.length;
  const census: Census = new Map();
  for (const f of TABLE_FAMILIES) {
    const t = store.table(f);
    const out = new Uint32Array(n * 3);
    for (let from = 0; from < t.rowLimit; from += slice) {
      if (from > 0) await new Promise<void>((r) => setImmediate(r));
      censusOf(t, n, from, from + slice, out);
    }
    census.set(f, out);
  }
  return census;
}

/** Per peer address and family: the counts of that peer's source; and all paths per family. */
function byAddress(store: RouteStore, census: Census): { byAddress: Map<string, Map<FamilyKey, SourceCounts>>; paths: Map<FamilyKey, number> } {
  const sources = store.sources;
  const out = new Map<string, Map<FamilyKey, SourceCounts>>();
  const paths = new Map<FamilyKey, number>();
  for (const [fam, c] of census) {
    let total = 0;
    const n = Math.min(sources.length, c.length / 3);
    for (let i = 0; i < n; i++) {
      total += c[i * 3]!;
      const src = sources[i];
      // A source removed since the scan counts for nobody; one added since has no counts yet.
      if (!src || src.kind === SourceKind.LOCAL) continue;
      let m = out.get(src.address);
      if (!m) out.set(src.address, (m = new Map()));
      m.set(fam, { paths: c[i * 3]!, filtered: c[i * 3 + 1]!, invalid: c[i * 3 + 2]! });
    }
    paths.set(fam, total);
  }
  return { byAddress: out, paths };
}

export function peerLabels(p: Peer): PeerLabels {
  const c = p.config;
  return { peer: c.remoteAddress, description: c.name !== c.remoteAddress ? c.name : '', remote_as: String(c.remoteAs) };
}

/** Read everything a scrape reports, at `now` (ms), with a census taken now unless given one. */
export function sampleDaemon(src: MetricsSource, now: number = Date.now(), taken?: Census): DaemonSample {
  const engine = src.engine;
  const census = byAddress(engine.store, taken ?? takeCensus(engine.store));
  const peers: PeerSample[] = [];
  for (const p of src.peers.values()) {
    const c = p.config;
    const st = engine.stats(p);
    const counts = census.byAddress.get(c.remoteAddress);
    // Configured families always have series (0 while down); negotiated ones are among them.
    const fams = new Set<FamilyKey>(c.families);
    for (const f of p.negotiated?.families ?? []) fams.add(f);
    const families: FamilySample[] = [];
    for (const f of [...fams].sort((a, b) => a - b)) {
      const k = counts?.get(f) ?? ZERO;
      families.push({
        afi_safi: familyName(f),
        received: k.paths,
        accepted: k.paths - k.filtered - k.invalid,
        filtered: k.filtered,
        invalid: k.invalid,
        advertised: engine.advertisedCount(p, f),
      });
    }
    const up = p.state === 'Established';
    peers.push({
      labels: peerLabels(p),
      state: p.state,
      stateCode: STATES.indexOf(p.state) + 1,
      up,
      uptimeSeconds: up ? Math.max(0, (now - p.establishedAt) / 1000) : 0,
      transitions: p.stateTransitions,
      sent: p.sent,
      received: p.received,
      updatesIn: st.updatesIn,
      withdrawsIn: st.withdrawsIn,
      updatesOut: st.updatesOut,
      withdrawsOut: st.withdrawsOut,
      families,
      ...(c.maxPrefixIn ? { maxPrefixIn: c.maxPrefixIn.limit } : {}),
      ...(c.maxPrefixOut ? { maxPrefixOut: c.maxPrefixOut.limit } : {}),
      ...(p.lastErrorSent ? { lastErrorSent: p.lastErrorSent } : {}),
      ...(p.lastErrorReceived ? { lastErrorReceived: p.lastErrorReceived } : {}),
    });
  }
  const pool = engine.store.pool.stats();
  return {
    peers,
    rib: TABLE_FAMILIES.map((f) => ({ afi_safi: familyName(f), prefixes: engine.locRib.prefixCount(f), paths: census.paths.get(f) ?? 0 })),
    attributeSets: pool.sets,
    attributeBytes: pool.bytes,
    decisions: engine.decisions,
    health: (src.health?.list() ?? []).map((h) => ({
      name: h.name,
      type: h.type,
      up: h.state === 'up' ? 1 : 0,
      state: h.state,
      lastDurationSeconds: (h.lastDurationMs ?? 0) / 1000,
      failures: h.totalFailures,
      checks: h.checks,
    })),
    drained: [...src.peers.values()].flatMap((p) => {
      const state = engine.drainState(p);
      return state === 'none' ? [] : [{ peer: peerLabels(p), state: state === 'gshut' ? 'graceful_shutdown' : 'withdrawn' }];
    }),
  };
}
