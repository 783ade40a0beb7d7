/**
 * The route engine: UPDATEs in, best paths decided, per-peer announcements out (RFC 4271 sec. 9).
 *
 *   peer UPDATE -> import checks (import.ts) -> Adj-RIB-In -> Loc-RIB (decision.ts)
 *     -> BestChangeBatch -> per peer: export (export.ts, cached per attribute set)
 *     -> Adj-RIB-Out diff (only changes) -> UpdatePacker -> peer socket (backpressure honoured)
 *
 * Work is batched: the UPDATEs a connection delivers in one read batch go into the Adj-RIB-In, and
 * the Loc-RIB decides the changed prefixes once, on the next turn of the event loop. Whole-table
 * work (a new peer's initial table, a peer going down, a route refresh) runs in slices so that
 * keepalives, hold timers and the control socket stay served. A peer whose queue is full gets the
 * rest when it drains (dirty keys re-read from the Loc-RIB).
 *
 * Also: originated networks are the LOCAL source's paths; End-of-RIB (RFC 4724 sec. 2) follows the
 * initial table; Route Refresh (RFC 2918, RFC 7313 BoRR/EoRR) re-sends the Adj-RIB-Out; graceful
 * restart helper (RFC 4724 sec. 4.2) keeps a restarting peer's paths stale until End-of-RIB or the
 * restart timer; RFC 7606 treat-as-withdraw paths stay visible but never win.
 */

import type { NetworkConfig } from '../config/types';
import type { Logger } from '../log';
import type { GracefulInfo, Peer } from '../session/peer';
import { ipv4ToBytes, ipv6FromString } from '../wire/addr';
import type { PathAttributes } from '../wire/attributes/types';
import { Afi, AsPathSegmentType, FamilyKey, familyKey, familyName, IPV4_UNICAST, IPV6_UNICAST, RouteRefreshSubtype, Safi } from '../wire/iana';
import { encodeMessage } from '../wire/message';
import { NlriList } from '../wire/nlri';
import type { RouteRefreshMessage } from '../wire/route-refresh';
import { endOfRib, isEndOfRib, UpdateMessage } from '../wire/update';
import { AdjRibIn } from './adj-rib-in';
import { AdjRibOut, DecodedCache } from './adj-rib-out';
import { AttrPool, AttrSetId, NO_ATTRS } from './attr-intern';
import type { FastExportTarget } from './export-bytes';
import { ExportTable, MISS, NOT_EXPORTED } from './export-table';
import { exportAttributes, ExportTarget, RouteSource as ExportSource, usableIpv4NextHop, usableIpv6NextHop } from './export';
import { checkImport, ImportSource } from './import';
import { LocRib, BestChangeBatch } from './loc-rib';
import { parseKey, PrefixKey, formatKey } from './prefix-key';
import { ChangedKeys, Route, RouteFlag, RouteSource, RouteStore, SourceKind } from './route';
import { UpdatePacker } from './update-packer';

/**
 * The filter engine as the route engine uses it (src/policy implements it): per peer and direction,
 * a verdict per path. See PeerPolicy in src/policy/types.ts for the contract (null = deny, same object
 * = unchanged, equal inputs and actions give the same result object).
 */
export interface EnginePeerPolicy {
  readonly passAll: boolean;
  readonly prefixDependent: boolean;
  evaluate(family: FamilyKey, key: PrefixKey, attrs: PathAttributes): PathAttributes | null;
}

export interface EnginePolicyPeer {
  address: string;
  remoteAs: number;
  group?: string;
  ebgp: boolean;
  localAs: number;
}

export interface EnginePolicy {
  forPeer(dir: 'in' | 'out', peer: EnginePolicyPeer): EnginePeerPolicy;
  /** The next-hop action ('self', 'blackhole' or an address) an out verdict carries. */
  nextHopAction?(result: PathAttributes): string | undefined;
}

/**
 * Maintenance drain of our originated networks towards one peer (RFC 8326): `gshut` announces them
 * with GRACEFUL_SHUTDOWN (and LOCAL_PREF 0 to iBGP), `withdrawn` no longer announces them.
 */
export type DrainState = 'none' | 'gshut' | 'withdrawn';

export interface EngineOptions {
  localAs: number;
  routerId: string;
  alwaysCompareMed?: boolean;
  /** Prefixes decided or exported per chunk. */
  sliceSize?: number;
  /** Milliseconds of chunks per turn of the event loop before yielding to sessions and control. */
  sliceMs?: number;
  /** Filter rules; absent: every path allowed (no RFC 8212 default either). */
  policy?: EnginePolicy;
}

/**
 * How one peer's exports are computed right now. Replaced whole when the policy or the drain state
 * changes, so that the old one can still say what was sent (reapplyExport sends only differences).
 */
class ExportState {
  /** Decoded Loc-RIB attribute sets, for prefix-dependent policies evaluated per prefix. */
  readonly decoded: DecodedCache;
  private done = false;
  constructor(
    pool: AttrPool,
    /** The encoded exports, shared with the peers of the same export profile. */
    readonly table: ExportTable,
    readonly target: ExportTarget,
    readonly policy: EnginePeerPolicy | undefined,
    readonly drain: DrainState,
    /** The next-hop action of a verdict, from the EnginePolicy that made `policy`. */
    readonly nextHopAction: ((result: PathAttributes) => string | undefined) | undefined,
    private readonly release: (t: ExportTable) => void,
    /** Set when peers' paths are exported on bytes (export-bytes.ts): eBGP, 4-octet, no rules, no role. */
    readonly fast: FastExportTarget | undefined,
  ) {
    this.decoded = new DecodedCache(pool);
    table.users++;
  }
  clear(): void {
    if (this.done) return;
    this.done = true;
    this.decoded.clear();
    this.release(this.table);
  }
}

/** A network to originate: as configured, plus AS prepends for eBGP when a health check degrades it. */
export type OriginatedNetwork = NetworkConfig & { prepend?: number };

export interface ReceivedRoute {
  prefix: string;
  family: FamilyKey;
  attributes: PathAttributes;
  invalid: boolean;
  filtered: boolean;
  stale: boolean;
  best: boolean;
  receivedAt: number;
}

interface PeerRib {
  peer: Peer;
  adjIn?: AdjRibIn;
  out?: AdjRibOut;
  packer?: UpdatePacker;
  /** Current export computation (session up). */
  exp?: ExportState;
  /**
   * While a policy or drain change is being re-applied: the export state before it (what the peer
   * was sent), or 'resend' when that is no longer known (two changes overlapped).
   */
  prev?: ExportState | 'resend';
  drain: DrainState;
  inPolicy?: EnginePeerPolicy;
  /** Families still owed an End-of-RIB after the initial table. */
  eorPending: Set<FamilyKey>;
  staleTimer?: NodeJS.Timeout;
  updatesIn: number;
  withdrawsIn: number;
  eorIn: number;
  updatesOut: number;
  withdrawsOut: number;
  eorOut: number;
  prefixesOutCount: number;
  /** A drain slice is scheduled. */
  draining?: boolean;
  /** The import checks and rules of the current session (built on its first UPDATE). */
  importFn?: (family: FamilyKey, key: PrefixKey, attrs: PathAttributes) => PathAttributes | null;
}

const { INVALID, FILTERED, STALE } = RouteFlag;

/** RFC 8326 GRACEFUL_SHUTDOWN. */
const GRACEFUL_SHUTDOWN = 0xffff0000;

/** An export announced for maintenance: GRACEFUL_SHUTDOWN added, and LOCAL_PREF 0 to iBGP. */
function gracefulShutdownVariant(a: PathAttributes, ebgp: boolean): PathAttributes {
  const communities = a.communities ?? [];
  const out: PathAttributes = { ...a, communities: communities.includes(GRACEFUL_SHUTDOWN) ? communities : [...communities, GRACEFUL_SHUTDOWN] };
  if (!ebgp) out.localPref = 0;
  return out;
}

/**
 * Chunk sizes that keep a chunk's work near a quarter of a slice: a chunk is not interrupted, and
 * the same 2048 prefixes that take 3 ms once the code is optimised take 20 ms at start-up (cold
 * code, tables growing), which would hold keepalives and the control socket up for that long.
 */
class Pacer {
  size: number;
  constructor(
    private readonly max: number,
    private readonly targetMs: number,
  ) {
    this.size = Math.min(max, 128);
  }
  /** Record that a chunk of `n` took `ms`. */
  took(n: number, ms: number): void {
    if (n < this.size) return;
    if (ms < this.targetMs / 2) this.size = Math.min(this.max, this.size * 2);
    else if (ms > this.targetMs) this.size = Math.max(Math.min(this.max, 32), this.size >>> 1);
  }
}

/**
 * One peer's share of a batch, in one family: announcements grouped by export id (of the peer's
 * table), and withdrawals; prefixes both as keys (for the UPDATE) and as prefix ids (for the
 * Adj-RIB-Out).
 */
class OutBatch {
  readonly announce = new Map<number, { ids: AttrSetId[]; keys: PrefixKey[]; pids: number[] }>();
  readonly withdraw: PrefixKey[] = [];
  readonly withdrawPids: number[] = [];

  /** Announce a prefix with export `next` (the export of set `attrs`). */
  add(pid: number, key: PrefixKey, next: number, attrs: AttrSetId): void {
    let g = this.announce.get(next);
    if (!g) this.announce.set(next, (g = { ids: [], keys: [], pids: [] }));
    g.ids.push(attrs);
    g.keys.push(key);
    g.pids.push(pid);
  }

  remove(pid: number, key: PrefixKey): void {
    this.withdraw.push(key);
    this.withdrawPids.push(pid);
  }
}

export class RouteEngine {
  readonly store: RouteStore;
  readonly locRib: LocRib;
  private readonly local: AdjRibIn;
  private ribs = new Map<Peer, PeerRib>();
  private pending = new ChangedKeys();
  private flushScheduled = false;
  private readonly slice: number;
  private readonly decidePace: Pacer;
  private readonly drainPace: Pacer;
  private readonly sliceMs: number;
  private networks: readonly OriginatedNetwork[] = [];
  /** Best-path computations run (metrics). */
  decisions = 0;
  /**
   * Metrics hook, called once per decision slice: prefixes decided and seconds since the oldest
   * change still waiting was handed in (the UPDATE-to-Loc-RIB latency of that slice, at worst).
   */
  onDecided?: (prefixes: number, seconds: number) => void;
  /** performance.now() when the pending changes became non-empty (0: none waiting). */
  private pendingSince = 0;

  constructor(
    private readonly opts: EngineOptions,
    networks: readonly NetworkConfig[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.slice = opts.sliceSize ?? 2048;
    this.sliceMs = opts.sliceMs ?? 8;
    this.decidePace = new Pacer(this.slice, this.sliceMs / 4);
    this.drainPace = new Pacer(this.slice, this.sliceMs / 4);
    this.store = new RouteStore({ localAs: opts.localAs });
    this.locRib = new LocRib(this.store, { alwaysCompareMed: opts.alwaysCompareMed ?? false });
    this.local = AdjRibIn.create(this.store, { kind: SourceKind.LOCAL, name: 'local' });
    this.locRib.onChange((b) => this.onBestChange(b));
    this.policy = opts.policy;
    this.setNetworks(networks, []);
  }

  private rib(peer: Peer): PeerRib {
    let r = this.ribs.get(peer);
    if (!r) {
      r = { peer, drain: 'none', eorPending: new Set(), updatesIn: 0, withdrawsIn: 0, eorIn: 0, updatesOut: 0, withdrawsOut: 0, eorOut: 0, prefixesOutCount: 0 };
      this.ribs.set(peer, r);
    }
    return r;
  }

  private adjIn(r: PeerRib): AdjRibIn {
    if (!r.adjIn) {
      const c = r.peer.config;
      r.adjIn = AdjRibIn.create(this.store, {
        kind: c.remoteAs === this.opts.localAs ? SourceKind.IBGP : SourceKind.EBGP,
        address: c.remoteAddress,
        remoteAs: c.remoteAs,
        allowOwnAs: c.allowOwnAs ?? 0,
        name: c.name ?? c.remoteAddress,
      });
    }
    return r.adjIn;
  }

  // ---- sessions ----------------------------------------------------------------------------------

  onEstablished(peer: Peer): void {
    const r = this.rib(peer);
    const n = peer.negotiated;
    if (!n) return;
    const adj = this.adjIn(r);
    const bgpId = peer.remoteOpen?.bgpId;
    if (bgpId) adj.source.setBgpId(bgpId);
    r.importFn = undefined;
    // RFC 4724 sec. 4.2: a family the restarted peer no longer preserves forwarding for loses its
    // stale paths at once; the others wait for End-of-RIB.
    const gr = n.peerGracefulRestart;
    for (const fam of [IPV4_UNICAST, IPV6_UNICAST]) {
      const kept = gr?.families.find((f) => f.family === fam)?.forwardingPreserved === true;
      if (!kept) adj.sweepStale(fam, this.pending);
    }
    this.scheduleFlush();
    r.out?.clear();
    r.out = new AdjRibOut(this.store.pool);
    r.exp?.clear();
    r.exp = this.exportState(r);
    r.prev = undefined;
    r.packer = new UpdatePacker(n.encode);
    r.prefixesOutCount = 0;
    r.eorPending = new Set(n.families.filter((f) => f === IPV4_UNICAST || f === IPV6_UNICAST));
    // The initial table: every current best, sent in slices, then End-of-RIB.
    for (const fam of r.eorPending) this.locRib.forEachBestPid(fam, (pid) => r.out!.markDirty(fam, pid));
    this.drainPeer(r);
  }

  onSessionDown(peer: Peer, reason: string, graceful?: GracefulInfo): void {
    const r = this.rib(peer);
    r.out?.clear();
    r.out = undefined;
    r.exp?.clear();
    r.exp = undefined;
    r.prev = undefined;
    r.packer = undefined;
    r.eorPending.clear();
    r.prefixesOutCount = 0;
    const adj = r.adjIn;
    if (!adj) return;
    if (r.staleTimer) {
      // RFC 4724 sec. 4.2: still stale from an earlier restart: those paths go now.
      adj.sweepStale(undefined, this.pending);
      clearTimeout(r.staleTimer);
      r.staleTimer = undefined;
    }
    if (graceful && graceful.restartTime > 0) {
      for (const fam of [IPV4_UNICAST, IPV6_UNICAST]) {
        if (graceful.families.includes(fam)) adj.markStale(fam);
        else adj.dropAll(this.pending, fam);
      }
      this.log.info({ peer: peer.config.remoteAddress, restartTime: graceful.restartTime }, 'graceful restart: keeping routes as stale');
      r.staleTimer = setTimeout(() => {
        r.staleTimer = undefined;
        adj.sweepStale(undefined, this.pending);
        this.scheduleFlush();
      }, graceful.restartTime * 1000);
      r.staleTimer.unref();
    } else {
      const before = adj.count(IPV4_UNICAST) + adj.count(IPV6_UNICAST);
      adj.dropAll(this.pending);
      this.log.info({ peer: peer.config.remoteAddress, dropped: before, reason }, 'session down: routes removed');
    }
    this.scheduleFlush();
  }

  onUpdate(peer: Peer, msg: UpdateMessage): void {
    const r = this.rib(peer);
    const eor = isEndOfRib(msg);
    if (eor !== null) {
      r.eorIn++;
      this.adjIn(r).sweepStale(eor, this.pending);
      this.scheduleFlush();
      return;
    }
    r.updatesIn++;
    const a = msg.attributes;
    r.withdrawsIn += msg.withdrawn.count + (a.mpUnreach?.withdrawn.count ?? 0);
    const adj = this.adjIn(r);
    const as4 = peer.negotiated?.as4 ?? true;
    const ebgp = peer.config.remoteAs !== this.opts.localAs;
    adj.applyUpdate(msg, { as4, external: ebgp, now: Math.floor(this.now() / 1000), importPolicy: (r.importFn ??= this.importFor(r)) }, this.pending);
    this.scheduleFlush();
    const lim = peer.config.maxPrefixIn;
    if (lim !== undefined && this.receivedCount(peer) > lim.limit) {
      const v6 = adj.count(IPV6_UNICAST) > 0 && adj.count(IPV4_UNICAST) === 0;
      peer.maxPrefixExceeded('in', v6 ? Afi.IPV6 : Afi.IPV4, Safi.UNICAST, lim.limit, lim.restart);
    }
  }

  onRouteRefresh(peer: Peer, msg: RouteRefreshMessage): void {
    if (msg.subtype !== RouteRefreshSubtype.NORMAL) return; // BoRR/EoRR from the peer: nothing to answer
    const fam = familyKey(msg.afi, msg.safi);
    const r = this.rib(peer);
    const n = peer.negotiated;
    // RFC 2918 sec. 4: ignore a family that was not negotiated.
    if (!n || !n.families.includes(fam) || !r.out) return;
    // RFC 7313: bracket the re-sent table with BoRR / EoRR when both sides speak Enhanced RR.
    if (n.enhancedRouteRefresh) peer.sendMessage({ type: 'route-refresh', afi: msg.afi, safi: msg.safi, subtype: RouteRefreshSubtype.BORR });
    const out = r.out;
    const pids: number[] = [];
    out.forEachPid(fam, (pid) => pids.push(pid));
    // Forget what was sent so everything is sent again.
    for (const pid of pids) out.delete(fam, pid);
    r.prefixesOutCount -= pids.length;
    this.locRib.forEachBestPid(fam, (pid) => out.markDirty(fam, pid));
    for (const pid of pids) out.markDirty(fam, pid);
    r.eorPending.add(fam);
    if (n.enhancedRouteRefresh) this.pendingEorr.set(r, [...(this.pendingEorr.get(r) ?? []), fam]);
    this.drainPeer(r);
  }

  private pendingEorr = new Map<PeerRib, FamilyKey[]>();

  onDrain(peer: Peer): void {
    const r = this.ribs.get(peer);
    if (r) this.drainPeer(r);
  }

  removePeer(peer: Peer): void {
    const r = this.ribs.get(peer);
    if (!r) return;
    if (r.staleTimer) clearTimeout(r.staleTimer);
    r.out?.clear();
    r.exp?.clear();
    if (r.adjIn) {
      const changes = new ChangedKeys();
      r.adjIn.dropAll(changes);
      this.locRib.update(changes);
      this.store.removeSource(r.adjIn.source);
    }
    this.ribs.delete(peer);
  }

  // ---- import ------------------------------------------------------------------------------------

  private importSource(peer: Peer, as4: boolean, ebgp: boolean): ImportSource {
    const c = peer.config;
    const conn = peer.connection;
    const own = new Set<string>();
    if (conn?.localAddress) own.add(conn.localAddress);
    return {
      localAs: this.opts.localAs,
      routerId: this.opts.routerId,
      clusterId: this.opts.routerId,
      remoteAs: c.remoteAs,
      ebgp,
      as4,
      enforceFirstAs: c.enforceFirstAs ?? ebgp,
      allowOwnAs: c.allowOwnAs ?? 0,
      ...(c.role !== undefined ? { role: c.role } : {}),
      ownAddresses: own,
    };
  }

  /** One verdict per attribute object: the Adj-RIB-In calls this per prefix with the same object. */
  private lastImport: { a: PathAttributes | null; family: FamilyKey; out: PathAttributes | null } = { a: null, family: 0, out: null };

  private importPolicy(attrs: PathAttributes, family: FamilyKey, key: PrefixKey, src: ImportSource, pol: EnginePeerPolicy | undefined): PathAttributes | null {
    const last = this.lastImport;
    let checked: PathAttributes | null;
    if (last.a === attrs && last.family === family) checked = last.out;
    else {
      const v = checkImport(attrs, family, src);
      checked = v.ok ? v.attributes : null;
      this.lastImport = { a: attrs, family, out: checked };
    }
    if (checked === null || pol === undefined || pol.passAll) return checked;
    // The filter's result objects are memoised by the policy: equal verdicts share one object.
    return pol.evaluate(family, key, checked);
  }

  private policyPeer(peer: Peer): EnginePolicyPeer {
    const c = peer.config;
    return { address: c.remoteAddress, remoteAs: c.remoteAs, ...(c.group !== undefined ? { group: c.group } : {}), ebgp: c.remoteAs !== this.opts.localAs, localAs: this.opts.localAs };
  }

  private inPolicy(r: PeerRib): EnginePeerPolicy | undefined {
    if (r.inPolicy === undefined && this.policy) r.inPolicy = this.policy.forPeer('in', this.policyPeer(r.peer));
    return r.inPolicy;
  }

  /** How peer r's exports are computed under the current policy and its drain state. */
  private exportState(r: PeerRib): ExportState {
    const pol = this.policy;
    const target = this.exportTarget(r.peer);
    const out = pol?.forPeer('out', this.policyPeer(r.peer));
    const ctx = r.peer.negotiated!.encode;
    // The update group: peers whose export is computed the same way share the encoded exports. A
    // policy that filters or rewrites is per peer, so such a peer gets a table of its own.
    const { remoteAs: _remoteAs, ...rewrite } = target;
    const profile = out === undefined || out.passAll ? JSON.stringify([rewrite, ctx.as4]) : `peer ${++this.tableSerial}`;
    let table = this.tables.get(profile);
    if (!table) this.tables.set(profile, (table = new ExportTable(this.store.pool, ctx)));
    const nh4 = target.nextHop4 === undefined ? undefined : ipv4ToBytes(target.nextHop4);
    const nh6 = target.nextHop6 === undefined ? undefined : ipv6FromString(target.nextHop6);
    const fast: FastExportTarget | undefined =
      target.ebgp && target.as4 && ctx.as4 && target.role === undefined && (out === undefined || out.passAll) && nh4 !== null && nh6 !== null
        ? { localAs: target.localAs, sendMed: target.sendMed, nextHop4: nh4, nextHop6: nh6 }
        : undefined;
    const release = (t: ExportTable) => {
      if (--t.users > 0) return;
      t.reset();
      if (this.tables.get(profile) === t) this.tables.delete(profile);
    };
    return new ExportState(this.store.pool, table, target, out, r.drain, pol?.nextHopAction?.bind(pol), release, fast);
  }

  /** Encoded exports per export profile (update groups), see exportState. */
  private tables = new Map<string, ExportTable>();
  private tableSerial = 0;

  /** Peer r's import: the RFC checks (import.ts), then its import rules. */
  private importFor(r: PeerRib): (family: FamilyKey, key: PrefixKey, attrs: PathAttributes) => PathAttributes | null {
    const peer = r.peer;
    const src = this.importSource(peer, peer.negotiated?.as4 ?? true, peer.config.remoteAs !== this.opts.localAs);
    const pol = this.inPolicy(r);
    return (family, key, attrs) => this.importPolicy(attrs, family, key, src, pol);
  }

  private policy: EnginePolicy | undefined;

  /**
   * Apply new filter rules (reload): every peer's Adj-RIB-In is run through its new import rules
   * (what changes goes through the decision process as usual), and every session re-exports with
   * its new export rules, sending only the prefixes whose announcement differs. No session resets.
   */
  setPolicy(policy: EnginePolicy | undefined): void {
    this.policy = policy;
    for (const r of this.ribs.values()) this.reapplyPeer(r.peer);
  }

  /** Re-run one peer's import and export after its neighbour settings changed (reload). */
  reapplyPeer(peer: Peer): void {
    const r = this.ribs.get(peer);
    if (!r) return;
    r.inPolicy = undefined;
    r.importFn = undefined;
    if (r.adjIn) {
      this.lastImport = { a: null, family: 0, out: null };
      r.adjIn.reimport(this.importFor(r), Math.floor(this.now() / 1000), this.pending);
      this.scheduleFlush();
    }
    this.reapplyExport(r, false, () => undefined);
  }

  /** Drain state of our originated networks towards `peer` (tsbgpctl drain). */
  setDrain(peer: Peer, state: DrainState): void {
    const r = this.rib(peer);
    if (r.drain === state) return;
    this.reapplyExport(r, true, () => {
      r.drain = state;
    });
  }

  drainState(peer: Peer): DrainState {
    return this.ribs.get(peer)?.drain ?? 'none';
  }

  // ---- decision and export -----------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.pendingSince === 0) this.pendingSince = performance.now();
    setImmediate(() => this.flush());
  }

  /** Decide the changed prefixes, in chunks, for at most sliceMs per turn of the event loop. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.waiting === 0) {
      this.pendingSince = 0;
      return;
    }
    const deadline = performance.now() + this.sliceMs;
    do this.decideChunk();
    while (this.waiting > 0 && performance.now() < deadline);
    if (this.waiting > 0) this.scheduleFlush();
  }

  /**
   * Changes being decided, taken whole from `pending` (new changes collect there meanwhile) and
   * consumed from decidedTo4/6 on: taking a chunk off the front of one big array would move the
   * rest each time (a session down queues a million keys).
   */
  private deciding = new ChangedKeys();
  private decidedTo4 = 0;
  private decidedTo6 = 0;

  /** Changed keys not decided yet. */
  private get waiting(): number {
    return this.pending.size + this.deciding.ipv4.length - this.decidedTo4 + this.deciding.ipv6.length - this.decidedTo6;
  }

  private decideChunk(): void {
    let d = this.deciding;
    if (this.decidedTo4 === d.ipv4.length && this.decidedTo6 === d.ipv6.length) {
      this.deciding = d = this.pending;
      this.pending = new ChangedKeys();
      this.decidedTo4 = this.decidedTo6 = 0;
    }
    const size = this.decidePace.size;
    const take4 = Math.min(d.ipv4.length - this.decidedTo4, size);
    const take6 = Math.min(d.ipv6.length - this.decidedTo6, size - take4);
    const v4 = d.ipv4.view(this.decidedTo4, (this.decidedTo4 += take4));
    const v6 = d.ipv6.view(this.decidedTo6, (this.decidedTo6 += take6));
    const taken = take4 + take6;
    this.decisions += taken;
    const started = performance.now();
    this.locRib.updatePids(v4, v6);
    this.decidePace.took(taken, performance.now() - started);
    const since = this.pendingSince;
    // What is left waiting is at most as old as what was just decided.
    if (this.waiting === 0) this.pendingSince = 0;
    if (this.onDecided && since > 0) this.onDecided(taken, (performance.now() - since) / 1000);
  }

  private exportTarget(peer: Peer): ExportTarget {
    const c = peer.config;
    const n = peer.negotiated;
    const local = peer.connection?.localAddress;
    const v6Session = local !== undefined && local.includes(':');
    return {
      localAs: this.opts.localAs,
      clusterId: this.opts.routerId,
      ebgp: c.remoteAs !== this.opts.localAs,
      remoteAs: c.remoteAs,
      routeReflectorClient: c.routeReflectorClient ?? false,
      nextHopSelf: c.nextHopSelf ?? false,
      sendMed: c.sendMed ?? false,
      ...(c.role !== undefined ? { role: c.role } : {}),
      as4: n?.as4 ?? true,
      nextHop4: v6Session ? c.nextHop4 : usableIpv4NextHop(local) ?? c.nextHop4,
      nextHop6: usableIpv6NextHop(c.nextHop6) ?? (v6Session ? usableIpv6NextHop(local) : undefined),
      routeReflector: [...this.ribs.values()].some((x) => x.peer.config.routeReflectorClient),
    };
  }

  private exportSource(sourceIndex: number): ExportSource {
    const s = this.store.sources[sourceIndex]!;
    return {
      kind: s.kind === SourceKind.LOCAL ? 'local' : s.kind === SourceKind.IBGP ? 'ibgp' : 'ebgp',
      routeReflectorClient: this.sourceIsClient(s),
      routerId: s.bgpIdText,
    };
  }

  private sourceIsClient(s: RouteSource): boolean {
    for (const r of this.ribs.values()) if (r.adjIn?.source === s) return r.peer.config.routeReflectorClient ?? false;
    return false;
  }

  /** Whether a best path may go to peer r at all (before any rewrite or filter). */
  private exportable(r: PeerRib, source: number, attrs: AttrSetId, st: ExportState): boolean {
    if (source < 0 || attrs === NO_ATTRS) return false;
    const local = this.store.sources[source]?.kind === SourceKind.LOCAL;
    const announce = r.peer.config.announce ?? 'all';
    if (announce === 'none' || (announce === 'self' && !local)) return false;
    // Never back to where it came from (it would only be dropped as a loop or be redundant).
    if (r.adjIn && r.adjIn.source.index === source) return false;
    return !(local && st.drain === 'withdrawn');
  }

  /**
   * The export of a best path to one peer as an id in its export table (the encoded UPDATE
   * attributes), or NOT_EXPORTED. Computed once per attribute set for the whole update group;
   * prefix-dependent policies are evaluated per prefix and exported once per distinct result.
   */
  private exported(r: PeerRib, family: FamilyKey, source: number, attrs: AttrSetId, key: PrefixKey, st: ExportState = r.exp!): number {
    if (!this.exportable(r, source, attrs, st)) return NOT_EXPORTED;
    const t = st.table;
    const pol = st.policy;
    let id: number;
    if (pol === undefined || pol.passAll || !pol.prefixDependent) {
      id = t.lookup(attrs, family, source);
      if (id === MISS) {
        if (st.fast !== undefined && this.store.sources[source]?.kind !== SourceKind.LOCAL) id = t.addEbgp(attrs, family, st.fast);
        if (id === MISS) id = t.add(this.exportOne(this.store.pool.decode(attrs), family, source, st, key), family);
        t.store(attrs, family, source, id);
      }
    } else {
      const a = st.decoded.get(attrs);
      const f = pol.evaluate(family, key, a);
      if (f === null) return NOT_EXPORTED;
      let bySource = t.memo.get(f);
      if (!bySource) t.memo.set(f, (bySource = new Map()));
      const k = source * 2 + (family === IPV4_UNICAST ? 0 : 1);
      id = bySource.get(k) ?? MISS;
      if (id === MISS) bySource.set(k, (id = t.add(this.exportOne(a, family, source, st, key, f), family)));
    }
    if (id >= 0 && st.drain === 'gshut' && this.store.sources[source]?.kind === SourceKind.LOCAL) {
      let g = t.gshut.get(id);
      if (g === undefined) t.gshut.set(id, (g = t.add(this.exportObject(r, family, source, attrs, key, st), family)));
      id = g;
    }
    return id;
  }

  /** The export of a best path to one peer as attributes (`show rib out`), or null. Not cached. */
  private exportObject(r: PeerRib, family: FamilyKey, source: number, attrs: AttrSetId, key: PrefixKey, st: ExportState): PathAttributes | null {
    if (!this.exportable(r, source, attrs, st)) return null;
    const out = this.exportOne(this.store.pool.decode(attrs), family, source, st, key);
    if (out === null || st.drain !== 'gshut' || this.store.sources[source]?.kind !== SourceKind.LOCAL) return out;
    return gracefulShutdownVariant(out, st.target.ebgp);
  }

  /**
   * Export of one Loc-RIB path through the out policy: the filter sees the path as stored (as
   * OpenBGPD's `to` rules do), the export rewrite (export.ts) follows, then what the rules set that the
   * rewrite would otherwise replace: a next hop, a MED to an eBGP peer.
   */
  private exportOne(a: PathAttributes, family: FamilyKey, source: number, st: ExportState, key: PrefixKey, filtered?: PathAttributes | null): PathAttributes | null {
    const pol = st.policy;
    let f: PathAttributes | null = a;
    if (filtered !== undefined) f = filtered;
    else if (pol !== undefined && !pol.passAll) f = pol.evaluate(family, key, a);
    if (f === null) return null;
    const out = exportAttributes(f, family, this.exportSource(source), st.target);
    if (out === null || f === a) return out;
    if (st.target.ebgp && f.med !== undefined && f.med !== a.med) out.med = f.med;
    const nh = st.nextHopAction?.(f);
    if (nh === undefined || nh === 'blackhole') return out;
    const addr = nh === 'self' ? (family === IPV4_UNICAST ? st.target.nextHop4 : st.target.nextHop6) : nh;
    if (addr === undefined || addr.includes(':') !== (family !== IPV4_UNICAST)) return out;
    if (family === IPV4_UNICAST) out.nextHop = addr;
    else if (out.mpReach) out.mpReach = { ...out.mpReach, nextHop: addr };
    return out;
  }

  private onBestChange(b: BestChangeBatch): void {
    for (const r of this.ribs.values()) {
      if (!r.out || !r.peer.negotiated?.families.includes(b.family)) continue;
      const out = r.out;
      const dirty = out.dirty(b.family);
      const batch = this.newBatch(r);
      for (let i = 0; i < b.length; i++) {
        const pid = b.pids[i]!;
        // A dirty prefix not advertised yet goes out when the peer drains, as it is then.
        if (dirty.size > 0 && dirty.has(pid) && out.get(b.family, pid) < 0) continue;
        this.stage(r, batch, b.family, pid, b.keys[i]!, b.source[i]!, b.attrs[i]!);
      }
      this.send(r, b.family, batch);
    }
  }

  /** A batch for peer r; its export tables may start over now, between batches (export-table.ts). */
  private newBatch(r: PeerRib): OutBatch {
    r.exp!.table.maybeReset();
    if (r.prev !== undefined && r.prev !== 'resend') r.prev.table.maybeReset();
    return new OutBatch();
  }

  /** Record in `batch` what prefix `pid` (`key`) should now carry for peer r: only differences. */
  private stage(r: PeerRib, batch: OutBatch, family: FamilyKey, pid: number, key: PrefixKey, source: number, attrs: AttrSetId): void {
    const out = r.out!;
    const next = this.exported(r, family, source, attrs, key);
    const had = out.get(family, pid);
    if (next < 0) {
      if (had >= 0) batch.remove(pid, key);
      return;
    }
    if (had === attrs) {
      // The peer has this path already; only a policy or drain change can make its export differ.
      const prev = r.prev;
      if (prev === undefined) return;
      if (prev !== 'resend') {
        const before = this.exported(r, family, source, attrs, key, prev);
        if (before >= 0 && prev.table.same(before, r.exp!.table, next)) return;
      }
    }
    batch.add(pid, key, next, attrs);
  }

  /**
   * Re-export to peer r after `change` alters its policy or drain state: the affected keys are
   * re-exported in slices and only those whose export differs from what the peer has are sent.
   */
  private reapplyExport(r: PeerRib, onlyLocal: boolean, change: () => void): void {
    const before = r.exp;
    change();
    const out = r.out;
    if (!out || !before || !r.peer.negotiated) return;
    r.prev = r.prev === undefined ? before : 'resend';
    r.exp = this.exportState(r);
    for (const fam of [IPV4_UNICAST, IPV6_UNICAST]) {
      if (!r.peer.negotiated.families.includes(fam)) continue;
      if (onlyLocal) {
        const t = this.store.table(fam);
        this.local.forEach(fam, (route) => out.markDirty(fam, t.pidOf(route.key)));
      } else {
        out.forEachPid(fam, (pid) => out.markDirty(fam, pid));
        this.locRib.forEachBestPid(fam, (pid) => out.markDirty(fam, pid));
      }
    }
    this.drainPeer(r);
  }

  /** Pack and write; what does not fit the peer's queue is marked dirty for drainPeer. */
  private send(r: PeerRib, family: FamilyKey, { announce, withdraw, withdrawPids }: OutBatch): void {
    const out = r.out!;
    const packer = r.packer!;
    let open = true;
    if (withdraw.length > 0) {
      for (const buf of packer.withdraw(withdraw)) open = r.peer.sendUpdate(buf) && open;
      for (const pid of withdrawPids) if (out.delete(family, pid)) r.prefixesOutCount--;
      r.withdrawsOut += withdraw.length;
    }
    const lim = r.peer.config.maxPrefixOut;
    const table = r.exp!.table;
    for (const [id, g] of announce) {
      if (lim !== undefined && r.prefixesOutCount + g.keys.length > lim.limit) {
        // A leak guard: rather than send more than configured, close the session (RFC 4486 Cease 1).
        r.peer.maxPrefixExceeded('out', family === IPV4_UNICAST ? Afi.IPV4 : Afi.IPV6, Safi.UNICAST, lim.limit, lim.restart);
        return;
      }
      if (!open) {
        for (const pid of g.pids) out.markDirty(family, pid);
        continue;
      }
      for (const buf of packer.announceRecord(table.record(id), g.keys)) {
        open = r.peer.sendUpdate(buf) && open;
        r.updatesOut++;
      }
      for (let i = 0; i < g.pids.length; i++) {
        if (out.get(family, g.pids[i]!) < 0) r.prefixesOutCount++;
        out.set(family, g.pids[i]!, g.ids[i]!);
      }
    }
  }

  /** Send dirty keys from the current Loc-RIB, a slice at a time while the peer accepts bytes. */
  private drainPeer(r: PeerRib): void {
    const out = r.out;
    if (!out || r.draining) return;
    if (out.dirtyCount === 0) return this.caughtUp(r);
    r.draining = true;
    setImmediate(() => {
      r.draining = false;
      if (r.out !== out) return;
      const deadline = performance.now() + this.sliceMs;
      do this.drainChunk(r, out);
      while (r.out === out && out.dirtyCount > 0 && performance.now() < deadline && (r.peer.outQueue ?? 0) < 1 << 20);
      if (r.out !== out) return;
      // More to do: continue now if the peer still takes bytes, else when it drains.
      if (out.dirtyCount === 0) this.caughtUp(r);
      else if ((r.peer.outQueue ?? 0) < 1 << 20) this.drainPeer(r);
    });
  }

  /** Export one chunk of a peer's dirty keys from the current Loc-RIB. */
  private drainChunk(r: PeerRib, out: AdjRibOut): void {
    for (const [family, dirty] of [[IPV4_UNICAST, out.dirty4], [IPV6_UNICAST, out.dirty6]] as const) {
      if (dirty.size === 0) continue;
      const started = performance.now();
      const pids: number[] = [];
      for (const pid of dirty) {
        pids.push(pid);
        if (pids.length >= this.drainPace.size) break;
      }
      for (const pid of pids) dirty.delete(pid);
      const batch = this.newBatch(r);
      const t = this.store.table(family);
      for (const pid of pids) {
        // The prefix's best path now (none if the prefix has emptied meanwhile).
        const best = t.bestRow(pid);
        this.stage(r, batch, family, pid, t.keyOfPid(pid), best < 0 ? -1 : t.sourceOf(best), best < 0 ? NO_ATTRS : t.attrsOf(best));
      }
      this.send(r, family, batch);
      this.drainPace.took(pids.length, performance.now() - started);
      break;
    }
  }

  /** Everything owed to the peer is sent: a re-applied change is done, the initial table too. */
  private caughtUp(r: PeerRib): void {
    if (r.prev !== undefined && r.prev !== 'resend') r.prev.clear();
    r.prev = undefined;
    this.finishInitial(r);
  }

  private finishInitial(r: PeerRib): void {
    const n = r.peer.negotiated;
    if (!n || r.eorPending.size === 0) return;
    const eorr = this.pendingEorr.get(r) ?? [];
    for (const fam of r.eorPending) {
      if (eorr.includes(fam)) {
        r.peer.sendMessage({ type: 'route-refresh', afi: fam >>> 8, safi: fam & 0xff, subtype: RouteRefreshSubtype.EORR });
      } else {
        r.peer.sendUpdate(encodeMessage(endOfRib(fam), n.encode));
        r.eorOut++;
      }
    }
    this.pendingEorr.delete(r);
    r.eorPending.clear();
  }

  // ---- local networks ----------------------------------------------------------------------------

  /** Originate exactly `networks` (announce new or changed, withdraw removed). */
  setNetworks(networks: readonly OriginatedNetwork[], _peers: Iterable<Peer>): void {
    const now = Math.floor(this.now() / 1000);
    const keep = new Set<PrefixKey>();
    for (const n of networks) {
      const key = parseKey(n.prefix);
      if (key === null) continue;
      keep.add(key);
      const attrs = this.networkAttributes(n);
      const id = this.store.pool.internAttributes(attrs);
      this.local.set(key, 0, id, id, 0, now, this.pending);
      this.store.pool.release(id);
    }
    for (const n of this.networks) {
      const key = parseKey(n.prefix);
      if (key !== null && !keep.has(key)) this.local.remove(key, 0, this.pending);
    }
    this.networks = networks;
    this.scheduleFlush();
  }

  private networkAttributes(n: OriginatedNetwork): PathAttributes {
    // A degrade prepend rides in the AS_PATH; export puts it after our AS for eBGP only (decision.ts).
    const a: PathAttributes = { origin: n.origin, asPath: n.prepend ? [{ type: AsPathSegmentType.AS_SEQUENCE, asns: new Array<number>(n.prepend).fill(this.opts.localAs) }] : [] };
    if (n.med !== undefined) a.med = n.med;
    if (n.localPref !== undefined) a.localPref = n.localPref;
    if (n.communities.length > 0) a.communities = [...n.communities];
    if (n.largeCommunities.length > 0) a.largeCommunities = n.largeCommunities.map((c) => [c[0], c[1], c[2]] as [number, number, number]);
    // Our own networks carry next hop self unless configured; the export fills it in per session.
    if (n.family === IPV4_UNICAST) a.nextHop = n.nextHop ?? '0.0.0.0';
    else a.mpReach = { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: n.nextHop && ipv6FromString(n.nextHop) ? n.nextHop : '::', nlri: NlriList.empty(Afi.IPV6) };
    return a;
  }

  // ---- queries -----------------------------------------------------------------------------------

  /**
   * What `peer` is sent for a best path (`show rib out`): the same rewrite and cache the engine
   * uses, or null when the path does not go to that peer or its session is not up.
   */
  exportFor(peer: Peer, family: FamilyKey, sourceIndex: number, attrs: AttrSetId, key: PrefixKey): PathAttributes | null {
    const r = this.ribs.get(peer);
    if (!r?.exp) return null;
    return this.exportObject(r, family, sourceIndex, attrs, key, r.exp);
  }

  private view(route: Route): ReceivedRoute {
    const pool = this.store.pool;
    return {
      prefix: formatKey(route.key),
      family: route.family,
      attributes: pool.decode(route.received !== NO_ATTRS ? route.received : route.attrs),
      invalid: (route.flags & INVALID) !== 0,
      filtered: (route.flags & FILTERED) !== 0,
      stale: (route.flags & STALE) !== 0,
      best: route.best,
      receivedAt: route.receivedAt,
    };
  }

  received(peer: Peer): ReceivedRoute[] {
    const adj = this.ribs.get(peer)?.adjIn;
    if (!adj) return [];
    const out: ReceivedRoute[] = [];
    for (const fam of [IPV4_UNICAST, IPV6_UNICAST]) adj.forEach(fam, (r) => out.push(this.view(r)));
    return out;
  }

  receivedCount(peer: Peer): number {
    const adj = this.ribs.get(peer)?.adjIn;
    return adj ? adj.count(IPV4_UNICAST) + adj.count(IPV6_UNICAST) : 0;
  }

  /** What the peer was sent, as prefix text. */
  announced(peer: Peer): string[] {
    const out = this.ribs.get(peer)?.out;
    if (!out) return [];
    const keys: string[] = [];
    for (const fam of [IPV4_UNICAST, IPV6_UNICAST]) {
      const t = this.store.table(fam);
      out.forEachPid(fam, (pid) => keys.push(formatKey(t.keyOfPid(pid))));
    }
    return keys.sort();
  }

  stats(peer: Peer): { updatesIn: number; withdrawsIn: number; eorIn: number; updatesOut: number; withdrawsOut: number; eorOut: number; prefixesIn: number; prefixesOut: number } {
    const r = this.rib(peer);
    return {
      updatesIn: r.updatesIn,
      withdrawsIn: r.withdrawsIn,
      eorIn: r.eorIn,
      updatesOut: r.updatesOut,
      withdrawsOut: r.withdrawsOut,
      eorOut: r.eorOut,
      prefixesIn: this.receivedCount(peer),
      prefixesOut: r.prefixesOutCount,
    };
  }

  /** Prefixes in the peer's Adj-RIB-Out for a family (metrics). */
  advertisedCount(peer: Peer, family: FamilyKey): number {
    return this.ribs.get(peer)?.out?.count(family) ?? 0;
  }

  /** Loc-RIB size per family. */
  ribSize(): Record<string, number> {
    return { [familyName(IPV4_UNICAST)]: this.locRib.prefixCount(IPV4_UNICAST), [familyName(IPV6_UNICAST)]: this.locRib.prefixCount(IPV6_UNICAST) };
  }

  /** True when no decision or export work is waiting (tests, benchmarks). */
  get idle(): boolean {
    if (this.waiting > 0 || this.flushScheduled || this.store.pool.releasing > 0) return false;
    for (const r of this.ribs.values()) if (r.draining || (r.out && r.out.dirtyCount > 0)) return false;
    return true;
  }

  dispose(): void {
    for (const r of this.ribs.values()) if (r.staleTimer) clearTimeout(r.staleTimer);
  }
}

