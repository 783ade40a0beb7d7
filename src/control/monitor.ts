/**
 * The monitor bus: UPDATEs received from and sent to neighbours, End-of-RIB markers and session
 * state changes, as events (MonitorEventJson) for `tsbgpctl monitor` (like `gobgp monitor` or
 * bgpipe's JSON bridge) and for the per-neighbour `log-updates` debug log.
 *
 * Cost when nobody watches: the daemon calls received() / stateChanged() for every UPDATE / state
 * change, and both return after one size check. Sent UPDATEs are already encoded when the route
 * engine hands them to Peer.sendUpdate(); the bus sets a peer's `updateSentTap` only while someone
 * watches that peer, so the send path costs one property check otherwise, and only watched bytes
 * are decoded again (with the session's encode context) to make the event. An event is built once,
 * and only when some sink that wants it has room, whatever the number of sinks.
 *
 * Sinks:
 * - MonitorSubscription: one per `monitor` client; an async iterator of event batches that the
 *   control server writes as the socket drains. Its queue is bounded (in prefixes, so one huge
 *   UPDATE weighs what it costs): when a reader does not keep up, events are dropped and counted,
 *   and a `dropped` event with the count takes their place in the stream. The daemon never buffers
 *   more for a slow client than that bound plus one socket high-water mark.
 * - The update log: neighbours with `log-updates` (configuration, or `tsbgpctl log updates`) get
 *   one info line per UPDATE received or sent, prefixes capped at 20 with a count.
 */

import type { DaemonConfig, NeighborConfig } from '../config/types';
import type { Logger } from '../log';
import type { State } from '../session/fsm';
import type { Peer } from '../session/peer';
import { ipv4ToString, ipv6ToString } from '../wire/addr';
import { effectiveAsPath } from '../wire/attributes/as-path';
import { ErrorAction, PathAttributes } from '../wire/attributes/types';
import { FamilyKey, familyKey, HEADER_LENGTH, IPV4_UNICAST, MessageType } from '../wire/iana';
import type { NlriList } from '../wire/nlri';
import { decodeUpdate, isEndOfRib, UpdateMessage } from '../wire/update';
import { familyLabel, formatAsPath, formatCommunity, formatExtCommunity, formatLargeCommunity, originName } from './bgp-text';
import type { MonitorAttributesJson, MonitorEventJson, MonitorNeighborJson, MonitorPrefixJson, MonitorUpdateJson } from './json-types';
import { attributesText } from './monitor-text';
import { otherAttributes } from './rib-query';

/** What the bus reads of the daemon. */
export interface MonitorHost {
  readonly config: DaemonConfig;
  readonly peers: ReadonlyMap<string, Peer>;
}

export interface MonitorOptions {
  /** Most a subscriber may have queued, in prefixes (an event without prefixes counts 1). */
  queueLimit?: number;
  /** Most per batch handed to the control server, in the same units. */
  batchLimit?: number;
  /** Most prefixes a log-updates line lists. */
  logPrefixes?: number;
  now?: () => number;
}

export const DEFAULT_QUEUE_LIMIT = 50_000;
const DEFAULT_BATCH_LIMIT = 1_000;
const DEFAULT_LOG_PREFIXES = 20;

/** Whoever takes events. */
interface Sink {
  /** The neighbour addresses it wants, or null for all of them. */
  readonly peers: ReadonlySet<string> | null;
  /** It would drop the next event (so the event need not be built for it). */
  full(): boolean;
  put(ev: MonitorEventJson): void;
  /** An event it wanted was not built because it was full. */
  drop(): void;
}

/** What an event weighs in a queue: 1, plus its prefixes. */
function weight(ev: MonitorEventJson): number {
  const u = ev.update;
  return u ? 1 + u.announce.length + u.withdraw.length : 1;
}

/**
 * One `monitor` client: an async iterator of event batches. It ends (done) once closed: by the
 * control server when the client goes away (abort signal), or by return().
 */
export class MonitorSubscription implements Sink, AsyncIterableIterator<MonitorEventJson[]> {
  private queue: MonitorEventJson[] = [];
  private queuedWeight = 0;
  /** Dropped since the last `dropped` event. */
  private pendingDrops = 0;
  /** Events this reader missed in all. */
  dropped = 0;
  private closed = false;
  private waiter?: (r: IteratorResult<MonitorEventJson[]>) => void;

  constructor(
    readonly peers: ReadonlySet<string> | null,
    private readonly limit: number,
    private readonly batchLimit: number,
    private readonly now: () => number,
    private readonly onClose: (s: MonitorSubscription) => void,
  ) {}

  /** Events waiting for the reader. */
  get queued(): number {
    return this.queue.length;
  }
  /** Their weight (prefixes). */
  get queuedPrefixes(): number {
    return this.queuedWeight;
  }
  get isClosed(): boolean {
    return this.closed;
  }

  full(): boolean {
    return this.closed || this.queuedWeight >= this.limit;
  }

  drop(): void {
    if (this.closed) return;
    this.pendingDrops++;
    this.dropped++;
  }

  put(ev: MonitorEventJson): void {
    if (this.closed) return;
    if (this.queuedWeight >= this.limit) return this.drop();
    // The marker goes where the lost events were: after what was queued before them.
    if (this.pendingDrops > 0) this.push(this.dropMarker());
    this.push(ev);
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w({ value: this.take(), done: false });
    }
  }

  private push(ev: MonitorEventJson): void {
    this.queue.push(ev);
    this.queuedWeight += weight(ev);
  }

  private dropMarker(): MonitorEventJson {
    const ev: MonitorEventJson = { time: new Date(this.now()).toISOString(), type: 'dropped', dropped: this.pendingDrops };
    this.pendingDrops = 0;
    return ev;
  }

  /** The next batch: queued events up to the batch limit (at least one), then any drop count. */
  private take(): MonitorEventJson[] {
    let n = 0;
    let w = 0;
    while (n < this.queue.length && (n === 0 || w + weight(this.queue[n]!) <= this.batchLimit)) w += weight(this.queue[n++]!);
    const batch = this.queue.splice(0, n);
    this.queuedWeight -= w;
    if (this.queue.length === 0 && this.pendingDrops > 0) batch.push(this.dropMarker());
    return batch;
  }

  next(): Promise<IteratorResult<MonitorEventJson[]>> {
    if (this.queue.length > 0 || this.pendingDrops > 0) return Promise.resolve({ value: this.take(), done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('monitor subscription read twice at once'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<MonitorEventJson[]>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Unsubscribe: queued events are let go, a pending read ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queuedWeight = 0;
    this.pendingDrops = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
    this.onClose(this);
  }
}

/** The `log-updates` sink: one info line per UPDATE / End-of-RIB of the neighbours in `peers`. */
class UpdateLog implements Sink {
  peers = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly maxPrefixes: number,
  ) {}

  full(): boolean {
    return false;
  }
  drop(): void {}

  put(ev: MonitorEventJson): void {
    const n = ev.neighbor;
    if (!n || (ev.type !== 'update' && ev.type !== 'eor')) return;
    const who = { peer: n.remote_addr, ...(n.description !== undefined ? { description: n.description } : {}), direction: ev.direction };
    if (ev.type === 'eor') {
      this.log.info({ ...who, family: ev.family }, `End-of-RIB ${ev.direction}`);
      return;
    }
    const u = ev.update!;
    const list = (l: MonitorPrefixJson[]) => l.slice(0, this.maxPrefixes).map((p) => p.prefix);
    this.log.info(
      {
        ...who,
        ...(u.announce.length > 0 ? { prefixes: list(u.announce), prefix_count: u.announce.length } : {}),
        ...(u.withdraw.length > 0 ? { withdrawn: list(u.withdraw), withdrawn_count: u.withdraw.length } : {}),
        ...(u.announce.length > 0 ? { attributes: attributesText(u.attributes, u.announce) } : {}),
        ...(u.error ? { error: `${u.error.action}: ${u.error.problems.join('; ')}` } : {}),
      },
      `UPDATE ${ev.direction}`,
    );
  }
}

const logUpdatesOf = (n: NeighborConfig): boolean => n.logUpdates === true;

export class MonitorBus {
  private readonly sinks = new Set<Sink>();
  /** Sinks that want every neighbour. */
  private everyPeer = 0;
  /** Per address: the sinks that want that neighbour in particular. */
  private readonly byPeer = new Map<string, number>();
  private readonly updateLog: UpdateLog;
  /** `tsbgpctl log updates|no-updates`, by address: overrides the configuration until it changes. */
  private readonly runtimeLog = new Map<string, boolean>();
  /** log-updates as last read from the configuration, by address. */
  private configLog = new Map<string, boolean>();
  /** For subscriptions made from now on: their queue bound, in prefixes (MonitorOptions.queueLimit). */
  queueLimit: number;
  /** For subscriptions made from now on: their batch bound (MonitorOptions.batchLimit). */
  batchLimit: number;
  private readonly now: () => number;
  private readonly log: Logger;

  /** `log` is the daemon's root logger: the update log writes with part "updates". */
  constructor(
    private readonly host: MonitorHost,
    log: Logger,
    opts: MonitorOptions = {},
  ) {
    this.log = log.child({ part: 'monitor' });
    this.queueLimit = opts.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    this.batchLimit = opts.batchLimit ?? DEFAULT_BATCH_LIMIT;
    this.now = opts.now ?? Date.now;
    this.updateLog = new UpdateLog(log.child({ part: 'updates' }), opts.logPrefixes ?? DEFAULT_LOG_PREFIXES);
    this.reconfigured();
  }

  /** Monitor clients subscribed now (the update log not counted). */
  get subscriberCount(): number {
    return this.sinks.size - (this.sinks.has(this.updateLog) ? 1 : 0);
  }

  /** The subscriptions now (for tests and diagnostics). */
  subscriptions(): MonitorSubscription[] {
    return [...this.sinks].filter((s): s is MonitorSubscription => s instanceof MonitorSubscription);
  }

  /** Someone watches this neighbour. */
  wants(address: string): boolean {
    return this.sinks.size > 0 && (this.everyPeer > 0 || this.byPeer.has(address));
  }

  /**
   * A new monitor client: events of the neighbours in `peers` (addresses; null: all). It ends
   * when `signal` aborts (the control connection closed) or it is closed.
   */
  subscribe(peers: ReadonlySet<string> | null, signal?: AbortSignal): MonitorSubscription {
    const sub = new MonitorSubscription(peers, this.queueLimit, this.batchLimit, this.now, (s) => this.remove(s));
    this.add(sub);
    if (signal) {
      if (signal.aborted) sub.close();
      else signal.addEventListener('abort', () => sub.close(), { once: true });
    }
    return sub;
  }

  // ---- what the daemon reports -----------------------------------------------------------------

  /** An UPDATE from `peer`, as handed to the route engine. */
  received(peer: Peer, msg: UpdateMessage): void {
    if (this.sinks.size === 0) return;
    const addr = peer.config.remoteAddress;
    if (this.everyPeer === 0 && !this.byPeer.has(addr)) return;
    this.publish(addr, () => this.updateEvent(peer, 'received', msg, peer.negotiated?.decode.as4 ?? true));
  }

  /** A state change of `peer` (every one: it also keeps the peer's send tap in step). */
  stateChanged(peer: Peer, from: State, to: State, reason: string): void {
    this.tap(peer);
    if (this.sinks.size === 0) return;
    this.publish(peer.config.remoteAddress, () => ({ time: this.time(), type: 'state', neighbor: neighborJson(peer), from, to, reason }));
  }

  /** Peer.updateSentTap while someone watches the peer: an UPDATE just written, as encoded. */
  private readonly sent = (peer: Peer, bytes: Buffer): void => {
    const addr = peer.config.remoteAddress;
    if (!this.wants(addr) || bytes[18] !== MessageType.UPDATE) return;
    const ctx = peer.negotiated?.encode;
    if (!ctx) return;
    this.publish(addr, () => {
      let msg: UpdateMessage;
      try {
        msg = decodeUpdate(bytes.subarray(HEADER_LENGTH), ctx);
      } catch (e) {
        this.log.warn({ peer: addr, err: (e as Error).message }, 'monitor: cannot decode an UPDATE we sent');
        return undefined;
      }
      return this.updateEvent(peer, 'sent', msg, ctx.as4);
    });
  };

  // ---- log-updates -----------------------------------------------------------------------------

  /** `tsbgpctl log updates|no-updates neighbor X`: until the configuration of X's log-updates changes. */
  setLogUpdates(address: string, on: boolean): void {
    this.runtimeLog.set(address, on);
    this.refreshLog();
  }

  /** Whether UPDATEs of this neighbour are logged now. */
  logsUpdates(address: string): boolean {
    return this.updateLog.peers.has(address);
  }

  /** The configuration was replaced (reload): re-read log-updates. */
  reconfigured(): void {
    const next = new Map<string, boolean>();
    for (const n of this.host.config.neighbors) next.set(n.address, logUpdatesOf(n));
    // A runtime switch holds until the configuration says something new about that neighbour.
    for (const addr of [...this.runtimeLog.keys()]) if (next.get(addr) !== this.configLog.get(addr)) this.runtimeLog.delete(addr);
    this.configLog = next;
    this.refreshLog();
  }

  private refreshLog(): void {
    const want = new Set<string>();
    for (const [addr, on] of this.configLog) if (this.runtimeLog.get(addr) ?? on) want.add(addr);
    this.remove(this.updateLog, false);
    this.updateLog.peers = want;
    if (want.size > 0) this.add(this.updateLog, false);
    this.refreshTaps();
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private add(s: Sink, taps = true): void {
    if (this.sinks.has(s)) return;
    this.sinks.add(s);
    if (s.peers === null) this.everyPeer++;
    else for (const a of s.peers) this.byPeer.set(a, (this.byPeer.get(a) ?? 0) + 1);
    if (taps) this.refreshTaps();
  }

  private remove(s: Sink, taps = true): void {
    if (!this.sinks.delete(s)) return;
    if (s.peers === null) this.everyPeer--;
    else {
      for (const a of s.peers) {
        const n = (this.byPeer.get(a) ?? 1) - 1;
        if (n > 0) this.byPeer.set(a, n);
        else this.byPeer.delete(a);
      }
    }
    if (taps) this.refreshTaps();
  }

  private tap(peer: Peer): void {
    const fn = this.wants(peer.config.remoteAddress) ? this.sent : undefined;
    if (peer.updateSentTap !== fn) peer.updateSentTap = fn;
  }

  private refreshTaps(): void {
    for (const p of this.host.peers.values()) this.tap(p);
  }

  /** Hand an event to every sink that wants `address`; built once, and only if one has room. */
  private publish(address: string, build: () => MonitorEventJson | undefined): void {
    let ev: MonitorEventJson | undefined;
    let built = false;
    for (const s of this.sinks) {
      if (s.peers !== null && !s.peers.has(address)) continue;
      if (s.full()) {
        s.drop();
        continue;
      }
      if (!built) {
        built = true;
        try {
          ev = build();
        } catch (e) {
          // A monitor must never break the session it watches.
          this.log.warn({ peer: address, err: (e as Error).message }, 'monitor: event not built');
        }
      }
      if (ev === undefined) return;
      s.put(ev);
    }
  }

  private time(): string {
    return new Date(this.now()).toISOString();
  }

  private updateEvent(peer: Peer, direction: 'received' | 'sent', msg: UpdateMessage, as4: boolean): MonitorEventJson {
    const eor = isEndOfRib(msg);
    if (eor !== null) return { time: this.time(), type: 'eor', direction, neighbor: neighborJson(peer), family: familyLabel(eor) };
    return { time: this.time(), type: 'update', direction, neighbor: neighborJson(peer), update: updateJson(msg, as4) };
  }
}

export function neighborJson(peer: Peer): MonitorNeighborJson {
  const c = peer.config;
  return { remote_addr: c.remoteAddress, ...(c.name !== c.remoteAddress ? { description: c.name } : {}), remote_as: c.remoteAs };
}

function addPrefixes(out: MonitorPrefixJson[], list: NlriList, family: FamilyKey, nexthop?: string): void {
  if (list.count === 0) return;
  const label = familyLabel(family);
  list.forEach((addr, len, pathId) => {
    const prefix = `${addr.length === 4 ? ipv4ToString(addr.readUInt32BE(0)) : ipv6ToString(addr)}/${len}`;
    out.push({ prefix, family: label, ...(list.addPath ? { path_id: pathId } : {}), ...(nexthop !== undefined ? { nexthop } : {}) });
  });
}

function attributesJson(a: PathAttributes, as4: boolean): MonitorAttributesJson {
  return {
    ...(a.origin !== undefined ? { origin: originName(a.origin) } : {}),
    aspath: formatAsPath(effectiveAsPath(a, as4)),
    ...(a.med !== undefined ? { metric: a.med } : {}),
    ...(a.localPref !== undefined ? { localpref: a.localPref } : {}),
    communities: (a.communities ?? []).map(formatCommunity),
    large_communities: (a.largeCommunities ?? []).map(formatLargeCommunity),
    extended_communities: (a.extCommunities ?? []).map(formatExtCommunity),
    attributes: otherAttributes(a, as4),
  };
}

/** An UPDATE as a monitor event's `update`: prefixes by direction, attributes, RFC 7606 outcome. */
export function updateJson(msg: UpdateMessage, as4: boolean): MonitorUpdateJson {
  const a = msg.attributes;
  const announce: MonitorPrefixJson[] = [];
  const withdraw: MonitorPrefixJson[] = [];
  addPrefixes(withdraw, msg.withdrawn, IPV4_UNICAST);
  if (a.mpUnreach) addPrefixes(withdraw, a.mpUnreach.withdrawn, familyKey(a.mpUnreach.afi, a.mpUnreach.safi));
  addPrefixes(announce, msg.nlri, IPV4_UNICAST, a.nextHop);
  if (a.mpReach) addPrefixes(announce, a.mpReach.nlri, familyKey(a.mpReach.afi, a.mpReach.safi), a.mpReach.nextHop);
  const u: MonitorUpdateJson = { announce, withdraw };
  if (announce.length > 0 || a.origin !== undefined || a.asPath !== undefined) u.attributes = attributesJson(a, as4);
  if (msg.action === ErrorAction.ATTRIBUTE_DISCARD || msg.action === ErrorAction.TREAT_AS_WITHDRAW) {
    u.error = { action: msg.action === ErrorAction.TREAT_AS_WITHDRAW ? 'treat-as-withdraw' : 'attribute-discard', problems: msg.problems.map((p) => p.reason) };
  }
  return u;
}
