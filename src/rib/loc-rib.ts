/**
 * Loc-RIB (RFC 4271 sec. 3.2, 9.1): the selected path per prefix, over the candidates of every
 * source in the shared path tables (peers' post-policy paths and the local networks, see route.ts
 * and adj-rib-in.ts), with the decision process of decision.ts.
 *
 * Per prefix nothing is stored besides the chain of paths itself: the selected path carries the
 * BEST flag and is kept at the head of the chain, so finding it is one index lookup. A prefix with
 * one source (a single upstream: the common case) is one row and one index slot.
 *
 * update() runs the decision again for each changed key, over the whole candidate set each time
 * (never "new path against old best"), so the result depends only on the set of paths, not on the
 * order they came in (see decision.ts on MED). When the selected path changes (another path, or
 * the same path with other attributes, or none) the change goes out in a BestChangeBatch: the key,
 * the new best (source, attribute set, path id) and the previous one. That is why a source that
 * withdraws or replaces its selected path leaves it behind as a WITHDRAWN ghost row: the ghost is
 * what "previous" reports, and it is freed here. Attribute set ids in a batch stay valid until the
 * listeners return.
 *
 * Nothing here runs on a timer or yields: the caller slices work (a few UPDATEs, then update()).
 */

import { AttrSetId, NO_ATTRS } from './attr-intern';
import { DecisionContext, decisionContext, DecisionOptions, PathSelector } from './decision';
import { PrefixKey } from './prefix-key';
import { grown } from './int-list';
import { ChangedKeys, Route, RouteFlag, RouteStore, RouteTable } from './route';
import { FamilyKey, IPV4_UNICAST } from '../wire/iana';

/** Best-path changes of one family, as parallel columns (no object per change). */
export class BestChangeBatch {
  keys: PrefixKey[] = [];
  /** Prefix ids (route.ts): valid until the listeners return. */
  pids: number[] = [];
  /** New best: source index, or -1 when the prefix has no usable path any more. */
  source: number[] = [];
  attrs: AttrSetId[] = [];
  pathId: number[] = [];
  /** Previous best: source index, or -1 when the prefix had none. */
  prevSource: number[] = [];
  prevAttrs: AttrSetId[] = [];
  prevPathId: number[] = [];

  constructor(readonly family: FamilyKey) {}

  get length(): number {
    return this.keys.length;
  }

  push(key: PrefixKey, pid: number, source: number, attrs: AttrSetId, pathId: number, prevSource: number, prevAttrs: AttrSetId, prevPathId: number): void {
    this.keys.push(key);
    this.pids.push(pid);
    this.source.push(source);
    this.attrs.push(attrs);
    this.pathId.push(pathId);
    this.prevSource.push(prevSource);
    this.prevAttrs.push(prevAttrs);
    this.prevPathId.push(prevPathId);
  }
}

export type BestChangeListener = (batch: BestChangeBatch) => void;

/** One prefix's change, as updatePrefix returns it. */
export interface BestChange {
  key: PrefixKey;
  /** The new best path, or undefined when none is left. */
  best: Route | undefined;
  previous: { source: number; attrs: AttrSetId; pathId: number } | undefined;
}

const { BEST, WITHDRAWN } = RouteFlag;

export class LocRib {
  private ctx: DecisionContext;
  private readonly selector: PathSelector;
  private readonly listeners: BestChangeListener[] = [];
  /** Scratch: the rows of the chain being decided, and which selector index is which row. */
  private chain = new Int32Array(16);
  private candRows = new Int32Array(16);
  /** Attribute sets of freed ghost rows, released once listeners have seen them. */
  private readonly pendingRelease: AttrSetId[] = [];
  private bestV4 = 0;
  private bestV6 = 0;

  constructor(
    readonly store: RouteStore,
    opts: DecisionOptions = {},
  ) {
    this.ctx = decisionContext(store.pool, opts);
    this.selector = new PathSelector(this.ctx);
  }

  get context(): DecisionContext {
    return this.ctx;
  }

  /** New decision options; call recomputeAll() for them to apply to existing prefixes. */
  setOptions(opts: DecisionOptions): void {
    this.ctx = decisionContext(this.store.pool, opts);
    this.selector.setContext(this.ctx);
  }

  /** Listen for best-path changes; returns a function that stops listening. */
  onChange(listener: BestChangeListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Prefixes with a selected path. */
  prefixCount(family: FamilyKey): number {
    return family === IPV4_UNICAST ? this.bestV4 : this.bestV6;
  }

  /** Decide every changed key again; listeners get the changes. Returns how many bests changed. */
  update(changes: ChangedKeys): number {
    return this.updatePids(changes.ipv4.view(), changes.ipv6.view());
  }

  /** Decide the given prefix ids of each family again; listeners get the changes. Returns how many bests changed. */
  updatePids(ipv4: ArrayLike<number>, ipv6: ArrayLike<number>): number {
    let n = 0;
    if (ipv4.length > 0) n += this.decideAll(this.store.ipv4, ipv4);
    if (ipv6.length > 0) n += this.decideAll(this.store.ipv6, ipv6);
    return n;
  }

  /** Decide one prefix again; the change (also sent to listeners) or null when the best stayed. */
  updatePrefix(key: PrefixKey): BestChange | null {
    const t = this.store.tableOf(key);
    const batch = new BestChangeBatch(t.family);
    const pid = t.pidOf(key);
    if (pid >= 0) this.decide(t, pid, batch);
    const change: BestChange | null =
      batch.length === 0
        ? null
        : {
            key,
            best: batch.source[0]! < 0 ? undefined : this.best(key),
            previous: batch.prevSource[0]! < 0 ? undefined : { source: batch.prevSource[0]!, attrs: batch.prevAttrs[0]!, pathId: batch.prevPathId[0]! },
          };
    this.emit(batch);
    return change;
  }

  /** Decide every prefix again (decision options, next-hop reachability or a BGP Identifier changed). */
  recomputeAll(): number {
    let n = 0;
    for (const t of [this.store.ipv4, this.store.ipv6]) {
      // Ids first: deciding relinks chains and may empty them.
      const pids: number[] = [];
      t.forEachPid((pid) => pids.push(pid));
      n += this.decideAll(t, pids);
    }
    return n;
  }

  /** The selected path of a prefix. */
  best(key: PrefixKey): Route | undefined {
    const t = this.store.tableOf(key);
    const pid = t.pidOf(key);
    const row = pid < 0 ? -1 : t.bestRow(pid);
    return row < 0 ? undefined : t.route(row, this.store.sources);
  }

  /** Every path of a prefix, the selected one first (ineligible ones included, ghosts not). */
  paths(key: PrefixKey): Route[] {
    const t = this.store.tableOf(key);
    const out: Route[] = [];
    for (let r = t.head(key); r >= 0; r = t.nextOf(r)) {
      if ((t.flagsOf(r) & WITHDRAWN) === 0) out.push(t.route(r, this.store.sources));
    }
    return out;
  }

  /** The prefix id of every selected path of a family, in no particular order. */
  forEachBestPid(family: FamilyKey, fn: (pid: number) => void): void {
    const t = this.store.table(family);
    for (let r = 0; r < t.rowLimit; r++) if (t.isBest(r)) fn(t.pidAt(r));
  }

  /** Every selected path of a family, in no particular order. */
  forEachBest(family: FamilyKey, fn: (route: Route) => void): void {
    const t = this.store.table(family);
    const sources = this.store.sources;
    for (let r = 0; r < t.rowLimit; r++) if (t.isBest(r)) fn(t.route(r, sources));
  }

  private decideAll(t: RouteTable, pids: ArrayLike<number>): number {
    const batch = new BestChangeBatch(t.family);
    for (let i = 0; i < pids.length; i++) this.decide(t, pids[i]!, batch);
    this.emit(batch);
    return batch.length;
  }

  private emit(batch: BestChangeBatch): void {
    try {
      if (batch.length > 0) for (const l of this.listeners) l(batch);
    } finally {
      const pool = this.store.pool;
      for (const id of this.pendingRelease) pool.release(id);
      this.pendingRelease.length = 0;
    }
  }

  /** Run the decision for one prefix id; records a change in `batch` when the best changed. */
  private decide(t: RouteTable, pid: number, batch: BestChangeBatch): void {
    const head = t.headOf(pid);
    // Emptied since it was queued: its last path went and it had no best to report.
    if (head < 0) return;
    const sources = this.store.sources;
    const sel = this.selector;
    sel.begin(t.family);
    let n = 0;
    let prev = -1;
    let ghosts = 0;
    for (let r = head; r >= 0; r = t.nextOf(r)) {
      if (n >= this.chain.length) this.growScratch(n * 2);
      this.chain[n++] = r;
      const f = t.flagsOf(r);
      if ((f & BEST) !== 0) prev = r;
      if ((f & WITHDRAWN) !== 0) {
        ghosts++;
        continue;
      }
      this.candRows[sel.add(sources[t.sourceOf(r)]!, t.attrsOf(r), f, t.pathIdOf(r))] = r;
    }
    const w = sel.select();
    const winner = w < 0 ? -1 : this.candRows[w]!;

    if (ghosts > 0 || (winner >= 0 && winner !== head)) {
      // Relink: the winner first, then the other live rows in their order; ghosts leave.
      let first = winner;
      let last = winner;
      for (let i = 0; i < n; i++) {
        const r = this.chain[i]!;
        if (r === winner || (t.flagsOf(r) & WITHDRAWN) !== 0) continue;
        if (last < 0) first = r;
        else t.setNext(last, r);
        last = r;
      }
      if (last >= 0) t.setNext(last, -1);
      if (first !== head) t.setHead(pid, first);
    }

    if (winner !== prev) {
      const prevSource = prev < 0 ? -1 : t.sourceOf(prev);
      const prevAttrs = prev < 0 ? NO_ATTRS : t.attrsOf(prev);
      const prevPathId = prev < 0 ? 0 : t.pathIdOf(prev);
      if (prev >= 0) t.setFlags(prev, t.flagsOf(prev) & ~BEST);
      if (winner >= 0) t.setFlags(winner, t.flagsOf(winner) | BEST);
      if (prev < 0) this.countBest(t, 1);
      else if (winner < 0) this.countBest(t, -1);
      batch.push(
        t.keyOfPid(pid),
        pid,
        winner < 0 ? -1 : t.sourceOf(winner),
        winner < 0 ? NO_ATTRS : t.attrsOf(winner),
        winner < 0 ? 0 : t.pathIdOf(winner),
        prevSource,
        prevAttrs,
        prevPathId,
      );
    }
    if (ghosts > 0) {
      for (let i = 0; i < n; i++) {
        const r = this.chain[i]!;
        if ((t.flagsOf(r) & WITHDRAWN) !== 0) t.freeRow(r, this.pendingRelease);
      }
    }
  }

  private countBest(t: RouteTable, d: number): void {
    if (t.family === IPV4_UNICAST) this.bestV4 += d;
    else this.bestV6 += d;
  }

  private growScratch(cap: number): void {
    this.chain = grown(this.chain, cap);
    this.candRows = grown(this.candRows, cap);
  }
}
