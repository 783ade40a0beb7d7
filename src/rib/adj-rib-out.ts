/**
 * Adj-RIB-Out (RFC 4271 sec. 3.2) of one peer: for each prefix advertised to it, the Loc-RIB
 * attribute set whose export it got. The set is retained here (refcount), so its id cannot be
 * reused while advertised, and "what did this peer get" is one hash lookup on typed arrays: no
 * object per prefix. Exports are computed and encoded per attribute set (export-table.ts), not
 * per prefix.
 *
 * A key whose new export could not be sent yet (the peer's queue is full) waits in `dirty` and is
 * re-evaluated from the Loc-RIB when the peer drains: nothing is lost and the queue stays bounded.
 *
 * Departure: two sources announcing byte-identical attributes share a set; towards a peer whose
 * export of them differs only by source (route reflection's ORIGINATOR_ID) the first one sent wins
 * until the prefix changes again.
 */

import type { PathAttributes } from '../wire/attributes/types';
import { FamilyKey, IPV4_UNICAST } from '../wire/iana';
import type { AttrPool, AttrSetId } from './attr-intern';
import { PrefixKey, V4Index, V6Index } from './prefix-key';

export class AdjRibOut {
  private v4 = new V4Index();
  private v6 = new V6Index();
  readonly dirty4 = new Set<number>();
  readonly dirty6 = new Set<string>();

  constructor(private readonly pool: AttrPool) {}

  /** The attribute set advertised for `key`, or -1. */
  get(key: PrefixKey): AttrSetId {
    return typeof key === 'number' ? this.v4.get(key) : this.v6.get(key);
  }

  /** Record that `key` now carries the export of `attrs` (retained); releases what it replaced. */
  set(key: PrefixKey, attrs: AttrSetId): void {
    const old = this.get(key);
    if (old === attrs) return;
    this.pool.retain(attrs);
    if (typeof key === 'number') this.v4.set(key, attrs);
    else this.v6.set(key, attrs);
    if (old >= 0) this.pool.release(old);
  }

  /** Forget `key`; returns whether it was advertised. */
  delete(key: PrefixKey): boolean {
    const old = this.get(key);
    if (old < 0) return false;
    if (typeof key === 'number') this.v4.delete(key);
    else this.v6.delete(key);
    this.pool.release(old);
    return true;
  }

  count(family: FamilyKey): number {
    return family === IPV4_UNICAST ? this.v4.size : this.v6.size;
  }

  forEachKey(family: FamilyKey, fn: (key: PrefixKey) => void): void {
    if (family === IPV4_UNICAST) this.v4.forEachKey(fn);
    else this.v6.forEachKey(fn);
  }

  markDirty(key: PrefixKey): void {
    if (typeof key === 'number') this.dirty4.add(key);
    else this.dirty6.add(key);
  }

  get dirtyCount(): number {
    return this.dirty4.size + this.dirty6.size;
  }

  /** Release every retained set (session down or peer removed). */
  clear(): void {
    const ids: number[] = [];
    this.v4.forEachKey((k) => ids.push(this.v4.get(k)));
    this.v6.forEachKey((k) => ids.push(this.v6.get(k)));
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
