/**
 * Adj-RIB-Out (RFC 4271 sec. 3.2) of one peer: for each prefix advertised to it, the Loc-RIB
 * attribute set whose export it got. The set is retained here (refcount), so its id cannot be
 * reused while advertised. Prefixes are addressed by their prefix id (route.ts), so "what did this
 * peer get" is one array read, no hashing and no object per prefix. Exports are computed and
 * encoded per attribute set (export-table.ts), not per prefix.
 *
 * A prefix id can go to another prefix once its own has lost its last path; by then the Loc-RIB
 * has reported the withdrawal and the engine has removed the prefix here in the same call, so an
 * entry never outlives its prefix. A dirty id may: it is then re-evaluated as whatever prefix holds
 * the id.
 *
 * A prefix whose new export could not be sent yet (the peer's queue is full) waits in `dirty` and
 * is re-evaluated from the Loc-RIB when the peer drains: nothing is lost and the queue stays
 * bounded.
 *
 * Departure: two sources announcing byte-identical attributes share a set; towards a peer whose
 * export of them differs only by source (route reflection's ORIGINATOR_ID) the first one sent wins
 * until the prefix changes again.
 */

import type { PathAttributes } from '../wire/attributes/types';
import { FamilyKey, IPV4_UNICAST } from '../wire/iana';
import type { AttrPool, AttrSetId } from './attr-intern';

const PAGE_BITS = 14;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

/** Attribute set + 1 per prefix id (0: not advertised), in pages made on first use. */
class PidColumn {
  private pages: (Int32Array | undefined)[] = [];
  size = 0;

  get(pid: number): AttrSetId {
    const page = this.pages[pid >>> PAGE_BITS];
    return page === undefined ? -1 : page[pid & PAGE_MASK]! - 1;
  }

  /** Store `attrs` (>= 0) or -1 for none; returns what was there. */
  put(pid: number, attrs: AttrSetId): AttrSetId {
    const p = pid >>> PAGE_BITS;
    let page = this.pages[p];
    if (page === undefined) {
      if (attrs < 0) return -1;
      while (this.pages.length < p) this.pages.push(undefined);
      this.pages[p] = page = new Int32Array(PAGE);
    }
    const i = pid & PAGE_MASK;
    const old = page[i]! - 1;
    page[i] = attrs + 1;
    if (old < 0 && attrs >= 0) this.size++;
    else if (old >= 0 && attrs < 0) this.size--;
    return old;
  }

  forEach(fn: (pid: number, attrs: AttrSetId) => void): void {
    for (let p = 0; p < this.pages.length; p++) {
      const page = this.pages[p];
      if (page === undefined) continue;
      for (let i = 0; i < PAGE; i++) if (page[i] !== 0) fn((p << PAGE_BITS) | i, page[i]! - 1);
    }
  }

  clear(): void {
    this.pages = [];
    this.size = 0;
  }
}

export class AdjRibOut {
  private v4 = new PidColumn();
  private v6 = new PidColumn();
  /** Prefix ids waiting to be (re-)evaluated, per family. */
  readonly dirty4 = new Set<number>();
  readonly dirty6 = new Set<number>();

  constructor(private readonly pool: AttrPool) {}

  private column(family: FamilyKey): PidColumn {
    return family === IPV4_UNICAST ? this.v4 : this.v6;
  }

  /** The attribute set advertised for a prefix id, or -1. */
  get(family: FamilyKey, pid: number): AttrSetId {
    return this.column(family).get(pid);
  }

  /** Record that a prefix now carries the export of `attrs` (retained); releases what it replaced. */
  set(family: FamilyKey, pid: number, attrs: AttrSetId): void {
    const col = this.column(family);
    if (col.get(pid) === attrs) return;
    this.pool.retain(attrs);
    const old = col.put(pid, attrs);
    if (old >= 0) this.pool.release(old);
  }

  /** Forget a prefix; returns whether it was advertised. */
  delete(family: FamilyKey, pid: number): boolean {
    const old = this.column(family).put(pid, -1);
    if (old < 0) return false;
    this.pool.release(old);
    return true;
  }

  count(family: FamilyKey): number {
    return this.column(family).size;
  }

  /** Every advertised prefix id of a family; the table must not change meanwhile. */
  forEachPid(family: FamilyKey, fn: (pid: number) => void): void {
    this.column(family).forEach((pid) => fn(pid));
  }

  dirty(family: FamilyKey): Set<number> {
    return family === IPV4_UNICAST ? this.dirty4 : this.dirty6;
  }

  markDirty(family: FamilyKey, pid: number): void {
    this.dirty(family).add(pid);
  }

  get dirtyCount(): number {
    return this.dirty4.size + this.dirty6.size;
  }

  /** Release every retained set (session down or peer removed). */
  clear(): void {
    const ids: number[] = [];
    for (const col of [this.v4, this.v6]) col.forEach((_pid, attrs) => ids.push(attrs));
    this.pool.releaseAll(ids);
    this.v4.clear();
    this.v6.clear();
    this.dirty4.clear();
    this.dirty6.clear();
  }
}

/**
 * Decoded Loc-RIB attribute sets, for export policies whose verdict depends on the prefix (they are
 * evaluated per prefix, on one object per set). Cached sets are retained so their ids stay theirs;
 * the cache is dropped when it grows past twice the live sets.
 */
export class DecodedCache {
  private map = new Map<number, PathAttributes>();

  constructor(private readonly pool: AttrPool) {}

  get(attrs: AttrSetId): PathAttributes {
    const hit = this.map.get(attrs);
    if (hit !== undefined) return hit;
    if (this.map.size > 2 * this.pool.size + 4096) this.clear();
    const a = this.pool.decode(attrs);
    this.pool.retain(attrs);
    this.map.set(attrs, a);
    return a;
  }

  clear(): void {
    for (const k of this.map.keys()) this.pool.release(k);
    this.map.clear();
  }
}
