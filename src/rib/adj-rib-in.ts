/**
 * Adj-RIB-In (RFC 4271 sec. 3.2, 9.1): what one source announced, before and after import policy,
 * as that source's rows of the shared path tables (see route.ts).
 *
 * - An UPDATE (RFC 4271 sec. 4.3, RFC 4760 for IPv6) is applied in one call: withdrawn routes and
 *   MP_UNREACH_NLRI first, then the NLRI and MP_REACH_NLRI with one interned attribute set. A new
 *   announcement of a prefix replaces the previous one (implicit withdraw, RFC 4271 sec. 3.1).
 *   ADD-PATH (RFC 7911): the path identifier is part of what identifies a path.
 * - RFC 7606 treat-as-withdraw: the UPDATE's prefixes are withdrawn from use, but the paths stay
 *   visible, flagged INVALID, with their received attributes (DESIGN.md, Error model).
 * - Import policy runs per prefix; a rejected path stays, flagged FILTERED, with its received
 *   attributes. A rewritten path keeps both sets; an unchanged one holds the same id twice.
 * - Graceful restart helper (RFC 4724 sec. 4.2): markStale when the session drops, refresh by
 *   re-announcement, sweepStale at End-of-RIB or when the restart timer fires (timers are the
 *   caller's).
 *
 * Every mutating call adds the keys whose paths changed to a ChangedKeys (a re-announcement of the
 * same attributes is not a change), which the caller hands to LocRib.update before the next
 * change (see LocRib for why a withdrawn best path lingers until then).
 *
 * Departures: only IPv4 and IPv6 unicast are kept; MP_REACH_NLRI / MP_UNREACH_NLRI of other
 * families (which the codec keeps raw) are ignored.
 */

import { AttrSetId, NO_ATTRS } from './attr-intern';
import { v4Key, v6Key, PrefixKey } from './prefix-key';
import { ChangedKeys, CONTENT_FLAGS, Route, RouteFlag, RouteSource, RouteSourceInit, RouteStore, RouteTable } from './route';
import { ErrorAction, PathAttributes } from '../wire/attributes/types';
import { Afi, FamilyKey, IPV4_UNICAST, IPV6_UNICAST, Safi } from '../wire/iana';
import type { NlriList } from '../wire/nlri';
import type { UpdateMessage } from '../wire/update';

/**
 * Import policy for one path: return `attrs` itself to accept it unchanged, other attributes to
 * accept it rewritten, or null to reject it. Returning the same rewritten object for the prefixes
 * of one UPDATE lets it be interned once.
 */
export type ImportPolicy = (family: FamilyKey, key: PrefixKey, attrs: PathAttributes) => PathAttributes | null;

export interface ApplyOptions {
  /** The UPDATE was decoded on a 4-octet AS session (RFC 6793). */
  as4: boolean;
  /** The UPDATE was decoded with peerIsExternal (RFC 7606 sec. 7.5, 7.9, 7.10). */
  external: boolean;
  /** Current time in seconds, recorded on changed paths. */
  now: number;
  importPolicy?: ImportPolicy;
  /** Treat the NLRI as withdrawn (RFC 7606); default: the UPDATE's own outcome says so. */
  invalid?: boolean;
}

export interface AnnounceOptions {
  now: number;
  pathId?: number;
}

export interface AdjRibInStats {
  paths: number;
  invalid: number;
  filtered: number;
  stale: number;
}

const { INVALID, FILTERED, STALE, BEST, WITHDRAWN } = RouteFlag;

export class AdjRibIn {
  private v4Count = 0;
  private v6Count = 0;

  constructor(
    readonly store: RouteStore,
    readonly source: RouteSource,
  ) {}

  /** A new source in the store and its Adj-RIB-In. */
  static create(store: RouteStore, init: RouteSourceInit): AdjRibIn {
    return new AdjRibIn(store, store.addSource(init));
  }

  /** Paths held for a family (treat-as-withdraw, filtered and stale ones included). */
  count(family: FamilyKey): number {
    return family === IPV4_UNICAST ? this.v4Count : family === IPV6_UNICAST ? this.v6Count : 0;
  }

  applyUpdate(msg: UpdateMessage, opts: ApplyOptions, into: ChangedKeys = new ChangedKeys()): ChangedKeys {
    const now = opts.now;
    const removeV4 = (addr: number, len: number, pathId: number) => {
      this.remove(v4Key(addr, len), pathId, into);
    };
    if (msg.withdrawn.count > 0) msg.withdrawn.forEachV4(removeV4);
    const unreach = msg.attributes.mpUnreach;
    if (unreach !== undefined && unreach.withdrawn.count > 0 && unreach.safi === Safi.UNICAST) {
      if (unreach.afi === Afi.IPV4) unreach.withdrawn.forEachV4(removeV4);
      else if (unreach.afi === Afi.IPV6) unreach.withdrawn.forEach((addr, len, pathId) => this.remove(v6Key(addr, len), pathId, into));
    }

    const reach = msg.attributes.mpReach;
    const mpList: NlriList | null = reach !== undefined && reach.nlri.count > 0 && reach.safi === Safi.UNICAST ? reach.nlri : null;
    if (msg.nlri.count === 0 && mpList === null) return into;

    const pool = this.store.pool;
    const rx = pool.internUpdate(msg, opts.as4, opts.external);
    const invalid = opts.invalid ?? msg.action >= ErrorAction.TREAT_AS_WITHDRAW;
    const policy = invalid ? undefined : opts.importPolicy;
    const received = msg.attributes;
    // The last attributes import policy rewrote to, and their set: interned once per UPDATE.
    let lastOut: PathAttributes | null = null;
    let lastId: AttrSetId = NO_ATTRS;

    const announce = (family: FamilyKey, key: PrefixKey, pathId: number) => {
      if (invalid) {
        this.set(key, pathId, rx, NO_ATTRS, INVALID, now, into);
        return;
      }
      if (policy === undefined) {
        this.set(key, pathId, rx, rx, 0, now, into);
        return;
      }
      const out = policy(family, key, received);
      if (out === null) {
        this.set(key, pathId, rx, NO_ATTRS, FILTERED, now, into);
      } else if (out === received) {
        this.set(key, pathId, rx, rx, 0, now, into);
      } else {
        if (out !== lastOut) {
          if (lastId !== NO_ATTRS) pool.release(lastId);
          lastId = pool.internAttributes(out);
          lastOut = out;
        }
        this.set(key, pathId, rx, lastId, 0, now, into);
      }
    };

    try {
      if (msg.nlri.count > 0) msg.nlri.forEachV4((addr, len, pathId) => announce(IPV4_UNICAST, v4Key(addr, len), pathId));
      if (mpList !== null) {
        if (mpList.afi === Afi.IPV4) mpList.forEachV4((addr, len, pathId) => announce(IPV4_UNICAST, v4Key(addr, len), pathId));
        else if (mpList.afi === Afi.IPV6) mpList.forEach((addr, len, pathId) => announce(IPV6_UNICAST, v6Key(addr, len), pathId));
      }
    } finally {
      // Also when import policy throws: the references taken here must not leak.
      if (lastId !== NO_ATTRS) pool.release(lastId);
      pool.release(rx);
    }
    return into;
  }

  /**
   * Announce keys with an attribute set (configured networks, tests): received and post-policy
   * attributes are the same set.
   */
  announce(keys: Iterable<PrefixKey>, attrs: AttrSetId, opts: AnnounceOptions, into: ChangedKeys = new ChangedKeys()): ChangedKeys {
    const pathId = opts.pathId ?? 0;
    for (const key of keys) this.set(key, pathId, attrs, attrs, 0, opts.now, into);
    return into;
  }

  withdraw(keys: Iterable<PrefixKey>, pathId = 0, into: ChangedKeys = new ChangedKeys()): ChangedKeys {
    for (const key of keys) this.remove(key, pathId, into);
    return into;
  }

  /**
   * Store one path: received and post-policy attribute sets (NO_ATTRS for none) and INVALID /
   * FILTERED. Returns whether anything changed. Re-announcing the same path only clears STALE.
   */
  set(key: PrefixKey, pathId: number, received: AttrSetId, attrs: AttrSetId, flags: number, now: number, into: ChangedKeys): boolean {
    const t = this.store.tableOf(key);
    const s = this.source.index;
    const content = flags & CONTENT_FLAGS;
    let pid = t.pidOf(key);
    const head = pid < 0 ? -1 : t.headOf(pid);
    const r = t.findFrom(head, s, pathId);
    if (r < 0) {
      if (pid < 0) pid = t.newPid(key);
      t.linkAfter(pid, t.allocRow(pid, s, pathId, received, attrs, content, now), head);
      if (t === this.store.ipv4) this.v4Count++;
      else this.v6Count++;
      into.add(t.family, pid);
      return true;
    }
    const f = t.flagsOf(r);
    if (t.receivedOf(r) === received && t.attrsOf(r) === attrs && (f & CONTENT_FLAGS) === content) {
      // RFC 4724 sec. 4.2: a stale path re-announced by the restarted peer is fresh again.
      if ((f & STALE) !== 0) t.setFlags(r, f & ~STALE);
      return false;
    }
    if ((f & BEST) !== 0) {
      // The Loc-RIB must still see what was best: leave the old row as a withdrawn ghost.
      t.setFlags(r, f | WITHDRAWN);
      t.linkAfter(pid, t.allocRow(pid, s, pathId, received, attrs, content, now), head);
    } else {
      t.setAttrs(r, received, attrs);
      t.setFlags(r, content);
      t.setTime(r, now);
    }
    into.add(t.family, pid);
    return true;
  }

  /** Withdraw one path; returns whether there was one. */
  remove(key: PrefixKey, pathId: number, into: ChangedKeys): boolean {
    const t = this.store.tableOf(key);
    const r = t.find(key, this.source.index, pathId);
    if (r < 0) return false;
    const pid = t.pidAt(r);
    this.removeRow(t, r);
    into.add(t.family, pid);
    return true;
  }

  private removeRow(t: RouteTable, r: number): void {
    const f = t.flagsOf(r);
    if ((f & BEST) !== 0) t.setFlags(r, f | WITHDRAWN);
    else {
      t.unlink(r);
      t.freeRow(r);
    }
    if (t === this.store.ipv4) this.v4Count--;
    else this.v6Count--;
  }

  /** Every path of this source, of one family or all (session down without graceful restart). */
  dropAll(into: ChangedKeys = new ChangedKeys(), family?: FamilyKey): ChangedKeys {
    this.eachOwnRow(family, (t, r) => {
      const pid = t.pidAt(r);
      this.removeRow(t, r);
      into.add(t.family, pid);
    });
    return into;
  }

  /** Mark every path stale (RFC 4724 sec. 4.2, the session went down); returns how many. */
  markStale(family?: FamilyKey): number {
    let n = 0;
    this.eachOwnRow(family, (t, r) => {
      t.setFlags(r, t.flagsOf(r) | STALE);
      n++;
    });
    return n;
  }

  /** Withdraw the paths still stale (End-of-RIB received, or the restart timer expired). */
  sweepStale(family?: FamilyKey, into: ChangedKeys = new ChangedKeys()): ChangedKeys {
    this.eachOwnRow(family, (t, r) => {
      if ((t.flagsOf(r) & STALE) === 0) return;
      const pid = t.pidAt(r);
      this.removeRow(t, r);
      into.add(t.family, pid);
    });
    return into;
  }

  /**
   * Run import policy again over every path (policy change, route refresh done): each received set
   * is decoded once for all the paths that share it. Treat-as-withdraw paths stay as they are.
   */
  reimport(policy: ImportPolicy | undefined, now: number, into: ChangedKeys = new ChangedKeys()): ChangedKeys {
    const pool = this.store.pool;
    for (const t of [this.store.ipv4, this.store.ipv6]) {
      const rows: number[] = [];
      this.eachOwnRow(t.family, (tt, r) => {
        if ((tt.flagsOf(r) & INVALID) === 0) rows.push(r);
      });
      const byRx = Int32Array.from(rows).sort((x, y) => t.receivedOf(x) - t.receivedOf(y));
      // Snapshot first: set() may move a best path to a new row.
      const keys = Array.from(byRx, (r) => t.keyAt(r));
      const pathIds = Array.from(byRx, (r) => t.pathIdOf(r));
      const rxs = Array.from(byRx, (r) => t.receivedOf(r));
      let decodedFor: AttrSetId = NO_ATTRS;
      let decoded: PathAttributes | null = null;
      let lastOut: PathAttributes | null = null;
      let lastId: AttrSetId = NO_ATTRS;
      for (let i = 0; i < keys.length; i++) {
        const rx = rxs[i]!;
        if (policy === undefined) {
          this.set(keys[i]!, pathIds[i]!, rx, rx, 0, now, into);
          continue;
        }
        if (rx !== decodedFor) {
          decoded = pool.decode(rx);
          decodedFor = rx;
        }
        const out = policy(t.family, keys[i]!, decoded!);
        if (out === null) this.set(keys[i]!, pathIds[i]!, rx, NO_ATTRS, FILTERED, now, into);
        else if (out === decoded) this.set(keys[i]!, pathIds[i]!, rx, rx, 0, now, into);
        else {
          if (out !== lastOut) {
            if (lastId !== NO_ATTRS) pool.release(lastId);
            lastId = pool.internAttributes(out);
            lastOut = out;
          }
          this.set(keys[i]!, pathIds[i]!, rx, lastId, 0, now, into);
        }
      }
      if (lastId !== NO_ATTRS) pool.release(lastId);
    }
    return into;
  }

  /** One path of this source, or undefined. */
  get(key: PrefixKey, pathId = 0): Route | undefined {
    const t = this.store.tableOf(key);
    const r = t.find(key, this.source.index, pathId);
    return r < 0 ? undefined : t.route(r, this.store.sources);
  }

  /** Every path of this source in a family, in no particular order. */
  forEach(family: FamilyKey, fn: (route: Route) => void): void {
    const sources = this.store.sources;
    this.eachOwnRow(family, (t, r) => fn(t.route(r, sources)));
  }

  stats(family: FamilyKey): AdjRibInStats {
    const out: AdjRibInStats = { paths: 0, invalid: 0, filtered: 0, stale: 0 };
    this.eachOwnRow(family, (t, r) => {
      const f = t.flagsOf(r);
      out.paths++;
      if ((f & INVALID) !== 0) out.invalid++;
      if ((f & FILTERED) !== 0) out.filtered++;
      if ((f & STALE) !== 0) out.stale++;
    });
    return out;
  }

  /** Live rows of this source (scans the family's whole table: rows of all sources share it). */
  private eachOwnRow(family: FamilyKey | undefined, fn: (t: RouteTable, row: number) => void): void {
    const s = this.source.index;
    for (const t of [this.store.ipv4, this.store.ipv6]) {
      if (family !== undefined && t.family !== family) continue;
      if (this.count(t.family) === 0) continue;
      const limit = t.rowLimit;
      for (let r = 0; r < limit; r++) {
        // Free rows carry a source index no source has.
        if (t.sourceOf(r) === s && (t.flagsOf(r) & WITHDRAWN) === 0) fn(t, r);
      }
    }
  }
}
