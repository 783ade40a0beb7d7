/**
 * Interned path attribute sets (the "attribute interning" of DESIGN.md, Performance by design).
 *
 * Every prefix of an UPDATE shares one attribute set, and a full table has a few hundred thousand of
 * them, so a set is an integer id into this pool, refcounted by the routes that use it, and freed
 * (its id reused) when the last one lets go. Per set the pool keeps, all in typed arrays:
 * - its bytes, by which it is found again: the Path Attributes field as received, less the NLRI
 *   inside MP_REACH_NLRI (its length field and Extended Length bit adjusted) and less
 *   MP_UNREACH_NLRI, after one byte that records how the bytes were decoded (4-octet AS session,
 *   external peer: RFC 6793 and RFC 7606 sec. 7.5/7.9/7.10 make the same bytes mean different
 *   things). Two UPDATEs that differ only in their prefixes thus share a set. The bytes live back
 *   to back in 1 MB slabs of one arena, found through an open-addressing table of FNV-1a hashes;
 * - a summary of what best-path selection reads (origin, LOCAL_PREF, MED, length and neighbour AS
 *   of the effective AS path, ORIGINATOR_ID, CLUSTER_LIST length, next hops, how often our AS
 *   occurs).
 * Nothing per set lives on the garbage-collected heap but its next-hop string (shared between
 * sets). A Map from latin1 strings measured ~0.6 us per new set and kept 1.3M strings for three
 * full tables for every major GC to mark; the decoded PathAttributes object, ~800 bytes a set
 * against ~140 here, would not let three full tables fit in 1 GB. decode(id) rebuilds it from the
 * bytes (~2 us) for export, policy re-evaluation and `show`, which want it once per set, not per
 * prefix.
 *
 * Attribute objects built by code (origination, policy rewrites) are interned by their canonical
 * encoding on a 4-octet session: AS4_PATH / AS4_AGGREGATOR are first folded into AS_PATH /
 * AGGREGATOR (RFC 6793 sec. 4.2.3), since a stored set always describes the real path. A built set
 * and a received one with the same bytes are the same set.
 *
 * Ids and the summary arrays are owned by the pool: a released id may be reused at once.
 */

import { grown, IntList } from './int-list';
import { ipv4FromString } from '../wire/addr';
import { asPathLength, effectiveAggregator, effectiveAsPath } from '../wire/attributes/as-path';
import { decodeAttributeList } from '../wire/attributes/decode';
import { encodeAttributeList } from '../wire/attributes/encode';
import type { AsPathSegment, PathAttributes } from '../wire/attributes/types';
import { CodecContext, makeContext } from '../wire/context';
import { Afi, AsPathSegmentType, AttrFlag, AttrType, FamilyKey, familyAfi } from '../wire/iana';
import { NlriList } from '../wire/nlri';
import type { UpdateMessage } from '../wire/update';
import { Writer } from '../wire/writer';

export type AttrSetId = number;
/** "No attribute set": a filtered route has no post-policy set. */
export const NO_ATTRS = -1;
/** ORIGIN of a set that has none (only in treat-as-withdraw sets): worse than INCOMPLETE. */
export const ORIGIN_MISSING = 3;

// Bits of the first key character.
const KEY_AS4 = 1;
const KEY_EXTERNAL = 2;

// A set's record: 8 unsigned 32-bit words.
const STRIDE = 8;
/** ORIGIN (bits 0-7), HAS_* bits (8-10), occurrences of our AS (16-23). */
const S_FLAGS = 0;
const S_LOCAL_PREF = 1;
const S_MED = 2;
/** AS path length for selection (bits 0-15), CLUSTER_LIST length (16-31). */
const S_LENGTHS = 3;
const S_NEIGHBOR_AS = 4;
const S_ORIGINATOR_ID = 5;
const S_REFS = 6;
/** FNV-1a hash of the set's bytes. */
const S_HASH = 7;

const HAS_LOCAL_PREF = 0x100;
const HAS_MED = 0x200;
const HAS_ORIGINATOR_ID = 0x400;

/** Bytes per slab of the byte arena (a set is at most 64 KB). */
const SLAB = 1 << 20;
/** A slab with this many bytes freed has its live sets moved to the tail. */
const SPARSE = (SLAB * 3) / 4;
/** References releaseAll lets go of per turn of the event loop. */
const RELEASE_SLICE = 32768;
/** Releases between two slab moves. */
const EVACUATE_EVERY = 512;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export interface AttrPoolOptions {
  /** Our AS: the pool counts its occurrences in each path for AS loop detection (RFC 4271 sec. 9.1.2). */
  localAs?: number;
}

export interface AttrPoolStats {
  /** Attribute sets in use. */
  sets: number;
  /** References held on them (routes, plus transient holders). */
  references: number;
  /** Approximate bytes held: the byte arena, the hash table and the per-set columns. */
  bytes: number;
}

export class AttrPool {
  readonly localAs: number;
  /**
   * The bytes of every set, back to back in 1 MB slabs; a set's bytes start with the context byte
   * and its offset is slab * SLAB + position. New sets go at the end of the tail slab (`arena`).
   * A slab whose sets are all freed is dropped; one mostly freed has its few live sets moved to
   * the tail, one slab at a time, so reclaiming never copies the whole pool in one go.
   */
  private slabs: (Buffer | null)[] = [];
  private slabGarbage: number[] = [];
  private slabLive: number[] = [];
  private freeSlabs: number[] = [];
  private tail = -1;
  private arena = Buffer.alloc(0);
  private arenaUsed = SLAB;
  /**
   * Mostly freed slabs waiting to have their live sets moved, oldest first, and per slab the
   * release count before which it is left alone: a slab whose sets are being freed (a mass
   * withdrawal) usually empties within twice its live sets' worth of releases and is then dropped
   * without moving anything.
   */
  private sparse: number[] = [];
  private sparseDue: number[] = [];
  private releases = 0;
  private releasesSinceEvacuation = 0;
  private offsetCol = new Uint32Array(0);
  /** Byte length per set; 0 marks a free id. */
  private lengthCol = new Uint32Array(0);
  /** Times each id was freed: a cache keyed by set id checks it (see generation). */
  private genCol = new Uint32Array(0);
  /**
   * One 32-byte record per set (see the S_ offsets): what the decision reads for a path is one
   * cache line, not one line per column.
   */
  private rec = new Uint32Array(0);
  /** Open-addressing hash table of set ids + 1 (0: empty), linear probing, under half full. */
  private slots = new Int32Array(1024);
  private slotMask = 1023;
  /**
   * Next hop per set and family as an index + 1 into `nextHops` (0: none): a table's sets share a
   * handful of next hops, and an integer column costs 4 bytes a set outside the GC heap, not a
   * pointer slot on it.
   */
  private nh4Col = new Int32Array(0);
  private nh6Col = new Int32Array(0);
  private readonly nextHops = new NextHopTable();
  /** Freed ids, reused before new ones. */
  private readonly free = new IntList();
  private highWater = 0;
  private live = 0;
  private totalRefs = 0;
  /** FNV-1a hash of the bytes last staged at the arena's end. */
  private stagedHash = 0;
  private readonly ctx4: CodecContext = makeContext({ as4: true });
  private readonly ctx2: CodecContext = makeContext({ as4: false });

  constructor(opts: AttrPoolOptions = {}) {
    this.localAs = opts.localAs ?? 0;
  }

  /**
   * The set of a decoded UPDATE's attributes, with a reference taken for the caller (release it).
   * `as4` and `external` must be what the UPDATE was decoded with.
   */
  internUpdate(msg: UpdateMessage, as4: boolean, external: boolean): AttrSetId {
    return this.internBytes(msg.attrBytes, msg.attributes, as4, external);
  }

  /**
   * The set of a Path Attributes field, given its decoded form (`attrs` must be what decoding
   * `bytes` in that context gave; only a new set reads it). Takes a reference for the caller.
   */
  internBytes(bytes: Buffer, attrs: PathAttributes, as4: boolean, external: boolean): AttrSetId {
    const n = this.stageKey(bytes, (as4 ? KEY_AS4 : 0) | (external ? KEY_EXTERNAL : 0));
    return this.commit(n, attrs, as4);
  }

  /**
   * The set of attributes built by code, by their canonical encoding; takes a reference for the
   * caller. NLRI in MP_REACH_NLRI, MP_UNREACH_NLRI and the received layout are not part of a set.
   */
  internAttributes(attrs: PathAttributes): AttrSetId {
    const a: PathAttributes = { ...attrs, mpUnreach: undefined, layout: undefined };
    if (attrs.mpReach !== undefined) a.mpReach = { ...attrs.mpReach, nlri: NlriList.empty(attrs.mpReach.afi) };
    if (attrs.as4Path !== undefined || attrs.as4Aggregator !== undefined) {
      a.asPath = effectiveAsPath(attrs, false);
      a.aggregator = effectiveAggregator(attrs, false);
      a.as4Path = undefined;
      a.as4Aggregator = undefined;
    }
    const w = new Writer(128);
    w.u8(KEY_AS4);
    encodeAttributeList(w, a, this.ctx4);
    const v = w.view();
    this.reserve(v.length);
    const at = this.arenaUsed;
    const arena = this.arena;
    let h = FNV_OFFSET;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      arena[at + i] = x;
      h = Math.imul(h ^ x, FNV_PRIME);
    }
    this.stagedHash = h >>> 0;
    return this.commit(v.length, a, true);
  }

  retain(id: AttrSetId): void {
    this.rec[id * STRIDE + S_REFS]!++;
    this.totalRefs++;
  }

  release(id: AttrSetId): void {
    // A double release would free a set still in use and hand its id to another: fail loudly.
    if (!this.isLive(id)) throw new RangeError(`release of attribute set ${id}, which is not in the pool`);
    this.totalRefs--;
    if (--this.rec[id * STRIDE + S_REFS]! > 0) return;
    this.unhash(id);
    const slab = Math.floor(this.offsetCol[id]! / SLAB);
    const was = this.slabGarbage[slab]!;
    this.slabGarbage[slab] = was + this.lengthCol[id]!;
    this.lengthCol[id] = 0;
    this.genCol[id]++;
    this.nextHops.drop(this.nh4Col[id]!);
    this.nextHops.drop(this.nh6Col[id]!);
    this.nh4Col[id] = 0;
    this.nh6Col[id] = 0;
    this.free.push(id);
    this.live--;
    this.releases++;
    if (slab !== this.tail) {
      if (--this.slabLive[slab]! === 0) this.dropSlab(slab);
      else if (was < SPARSE && this.slabGarbage[slab]! >= SPARSE) this.markSparse(slab);
    } else this.slabLive[slab]!--;
    // At most one slab moved per EVACUATE_EVERY releases: the cost of a mass withdrawal is spread.
    if (this.sparse.length > 0 && ++this.releasesSinceEvacuation >= EVACUATE_EVERY) this.evacuate();
  }

  private dropSlab(slab: number): void {
    this.slabs[slab] = null;
    this.slabGarbage[slab] = 0;
    this.slabLive[slab] = 0;
    this.freeSlabs.push(slab);
  }

  private markSparse(slab: number): void {
    this.sparse.push(slab);
    this.sparseDue.push(this.releases + 2 * this.slabLive[slab]!);
  }

  /** Move the live sets of the oldest mostly freed slab that is due to the tail, and drop it. */
  private evacuate(): void {
    this.releasesSinceEvacuation = 0;
    let slab = -1;
    while (this.sparse.length > 0 && slab < 0) {
      const s = this.sparse[0]!;
      if (this.slabs[s] !== null && s !== this.tail && this.slabGarbage[s]! >= SPARSE) {
        if (this.releases < this.sparseDue[0]!) return;
        slab = s;
      }
      this.sparse.shift();
      this.sparseDue.shift();
    }
    if (slab < 0) return;
    const from = this.slabs[slab]!;
    const lo = slab * SLAB;
    const hi = lo + SLAB;
    for (let id = 0; id < this.highWater; id++) {
      const off = this.offsetCol[id]!;
      const len = this.lengthCol[id]!;
      if (len === 0 || off < lo || off >= hi) continue;
      this.reserve(len);
      from.copy(this.arena, this.arenaUsed, off - lo, off - lo + len);
      this.offsetCol[id] = this.tail * SLAB + this.arenaUsed;
      this.arenaUsed += len;
      this.slabLive[this.tail]!++;
    }
    this.dropSlab(slab);
  }

  /**
   * Release one reference on each of `ids`. Up to RELEASE_SLICE at once; beyond that, in slices on
   * later turns of the event loop (the sets stay live meanwhile): a session's whole Adj-RIB-Out
   * or export table let go in one call would otherwise hold the loop for ~100 ms.
   */
  releaseAll(ids: ArrayLike<AttrSetId>): void {
    if (ids.length <= RELEASE_SLICE && this.deferred.length === 0) {
      for (let i = 0; i < ids.length; i++) this.release(ids[i]!);
      return;
    }
    this.deferred.push({ ids, at: 0 });
    if (this.deferred.length === 1) setImmediate(this.releaseSlice);
  }

  private deferred: { ids: ArrayLike<AttrSetId>; at: number }[] = [];

  private readonly releaseSlice = (): void => {
    let budget = RELEASE_SLICE;
    while (budget > 0 && this.deferred.length > 0) {
      const d = this.deferred[0]!;
      const end = Math.min(d.ids.length, d.at + budget);
      budget -= end - d.at;
      for (; d.at < end; d.at++) this.release(d.ids[d.at]!);
      if (d.at === d.ids.length) this.deferred.shift();
    }
    if (this.deferred.length > 0) setImmediate(this.releaseSlice);
  };

  /** References handed to releaseAll and not yet released. */
  get releasing(): number {
    let n = 0;
    for (const d of this.deferred) n += d.ids.length - d.at;
    return n;
  }

  refCount(id: AttrSetId): number {
    return this.isLive(id) ? this.rec[id * STRIDE + S_REFS]! : 0;
  }

  isLive(id: AttrSetId): boolean {
    return id >= 0 && id < this.highWater && this.lengthCol[id] !== 0;
  }

  /**
   * The attributes of a set, decoded afresh from its bytes (not cached: see the module comment).
   * MP_REACH_NLRI, when present, has an empty NLRI list.
   */
  decode(id: AttrSetId): PathAttributes {
    const b = this.storedCopy(id);
    const flags = b[0]!;
    return decodeAttributeList(b, 1, b.length, (flags & KEY_AS4) !== 0 ? this.ctx4 : this.ctx2, (flags & KEY_EXTERNAL) !== 0).attributes;
  }

  /** The attribute bytes of a set as stored (see the module comment), without the context byte. */
  bytes(id: AttrSetId): Buffer {
    return this.storedCopy(id).subarray(1);
  }

  /**
   * A set's stored bytes in place, the context byte first (see isAs4): a view into the arena,
   * valid only until the pool next changes (a set's bytes move when its slab is reclaimed).
   */
  view(id: AttrSetId): Uint8Array {
    if (!this.isLive(id)) throw new RangeError(`attribute set ${id} is not in the pool`);
    const off = this.offsetCol[id]!;
    const pos = off % SLAB;
    return this.slabs[Math.floor(off / SLAB)]!.subarray(pos, pos + this.lengthCol[id]!);
  }

  /**
   * How many times id `id` was freed so far: a cache keyed by set id that does not hold a
   * reference stores it with its entry and trusts the entry only while it is unchanged (the id
   * then still names the same set).
   */
  generation(id: AttrSetId): number {
    return this.genCol[id] ?? 0;
  }

  /** The set was decoded on (or built for) a 4-octet AS session. */
  isAs4(id: AttrSetId): boolean {
    const off = this.offsetCol[id]!;
    return (this.slabs[Math.floor(off / SLAB)]![off % SLAB]! & KEY_AS4) !== 0;
  }

  origin(id: AttrSetId): number {
    return this.rec[id * STRIDE + S_FLAGS]! & 0xff;
  }

  /** LOCAL_PREF, or -1 when the set has none. */
  localPref(id: AttrSetId): number {
    const at = id * STRIDE;
    return (this.rec[at + S_FLAGS]! & HAS_LOCAL_PREF) !== 0 ? this.rec[at + S_LOCAL_PREF]! : -1;
  }

  /** MULTI_EXIT_DISC, or -1 when the set has none. */
  med(id: AttrSetId): number {
    const at = id * STRIDE;
    return (this.rec[at + S_FLAGS]! & HAS_MED) !== 0 ? this.rec[at + S_MED]! : -1;
  }

  /** AS path length for route selection (RFC 4271 sec. 9.1.2.2 a, RFC 5065 sec. 5.3), effective path. */
  asPathLength(id: AttrSetId): number {
    return this.rec[id * STRIDE + S_LENGTHS]! & 0xffff;
  }

  /**
   * The neighbour AS for MED comparison (RFC 4271 sec. 9.1.2.2 c): the first AS of a leading
   * AS_SEQUENCE (after any confederation segments), else our own AS (an internal route, or one that
   * starts with an AS_SET).
   */
  neighborAs(id: AttrSetId): number {
    return this.rec[id * STRIDE + S_NEIGHBOR_AS]!;
  }

  /** ORIGINATOR_ID as an unsigned 32-bit number, or -1 (RFC 4456). */
  originatorId(id: AttrSetId): number {
    const at = id * STRIDE;
    return (this.rec[at + S_FLAGS]! & HAS_ORIGINATOR_ID) !== 0 ? this.rec[at + S_ORIGINATOR_ID]! : -1;
  }

  clusterListLength(id: AttrSetId): number {
    return this.rec[id * STRIDE + S_LENGTHS]! >>> 16;
  }

  /** Occurrences of the pool's local AS in the effective AS path (capped at 255). */
  ownAsCount(id: AttrSetId): number {
    return (this.rec[id * STRIDE + S_FLAGS]! >>> 16) & 0xff;
  }

  /**
   * Next hop for routes of a family: NEXT_HOP or an IPv4 MP_REACH_NLRI next hop for IPv4, the
   * global MP_REACH_NLRI next hop for IPv6 (RFC 4760 sec. 3, RFC 2545 sec. 3).
   */
  nextHop(id: AttrSetId, family: FamilyKey): string | undefined {
    return this.nextHops.text(familyAfi(family) === Afi.IPV4 ? this.nh4Col[id]! : this.nh6Col[id]!);
  }

  get size(): number {
    return this.live;
  }

  stats(): AttrPoolStats {
    // offset, length, generation, two next-hop numbers, the record.
    const columns = this.offsetCol.length * (4 * 5 + STRIDE * 4);
    return { sets: this.live, references: this.totalRefs, bytes: this.slabs.reduce((n, b) => n + (b?.length ?? 0), 0) + this.slots.byteLength + columns };
  }

  private storedCopy(id: AttrSetId): Buffer {
    if (!this.isLive(id)) throw new RangeError(`attribute set ${id} is not in the pool`);
    const off = this.offsetCol[id]!;
    const pos = off % SLAB;
    // A copy: decoded values are views of their buffer, and a set's bytes move when its slab is reclaimed.
    return Buffer.from(this.slabs[Math.floor(off / SLAB)]!.subarray(pos, pos + this.lengthCol[id]!));
  }

  /** Room for n more bytes at the tail slab's end (a new tail slab if they do not fit). */
  private reserve(n: number): void {
    if (this.arenaUsed + n <= SLAB) return;
    if (n > SLAB) throw new RangeError(`attribute set of ${n} bytes`);
    if (this.tail >= 0 && this.slabLive[this.tail] === 0) this.dropSlab(this.tail);
    else if (this.tail >= 0 && this.slabGarbage[this.tail]! >= SPARSE) this.markSparse(this.tail);
    const slab = this.freeSlabs.length > 0 ? this.freeSlabs.pop()! : this.slabs.length;
    this.arena = Buffer.allocUnsafeSlow(SLAB);
    this.slabs[slab] = this.arena;
    this.slabGarbage[slab] = 0;
    this.slabLive[slab] = 0;
    this.tail = slab;
    this.arenaUsed = 0;
  }

  /**
   * Stage the context byte and the attribute bytes without MP_REACH_NLRI's NLRI and without
   * MP_UNREACH_NLRI at the arena's end, hashing them on the way; returns the length. Bytes that do
   * not parse as an attribute header are kept as they are (the decoder has already judged them).
   */
  private stageKey(b: Buffer, flags: number): number {
    const end = b.length;
    this.reserve(end + 1);
    const out = this.arena;
    const base = this.arenaUsed;
    out[base] = flags;
    let h = Math.imul(FNV_OFFSET ^ flags, FNV_PRIME);
    let o = base + 1;
    let p = 0;
    while (p < end) {
      const aflags = b[p]!;
      const ext = (aflags & AttrFlag.EXTENDED_LENGTH) !== 0;
      const hdr = ext ? 4 : 3;
      let next = end;
      let copyEnd = end;
      if (end - p >= hdr) {
        const code = b[p + 1]!;
        const len = ext ? (b[p + 2]! << 8) | b[p + 3]! : b[p + 2]!;
        if (p + hdr + len <= end) {
          next = p + hdr + len;
          copyEnd = next;
          if (code === AttrType.MP_UNREACH_NLRI) {
            p = next;
            continue;
          }
          if (code === AttrType.MP_REACH_NLRI && len >= 5 && 5 + b[p + hdr + 3]! <= len) {
            // AFI, SAFI, next hop length, next hop, reserved: kept; the NLRI: dropped. The
            // Extended Length bit only said how long the NLRI were: recomputed for what is kept.
            const keep = 5 + b[p + hdr + 3]!;
            const long = keep > 255;
            out[o] = long ? aflags | AttrFlag.EXTENDED_LENGTH : aflags & ~AttrFlag.EXTENDED_LENGTH;
            out[o + 1] = code;
            if (long) {
              out[o + 2] = keep >>> 8;
              out[o + 3] = keep & 0xff;
            } else {
              out[o + 2] = keep;
            }
            const hdrOut = long ? 4 : 3;
            for (let i = 0; i < hdrOut; i++) h = Math.imul(h ^ out[o + i]!, FNV_PRIME);
            o += hdrOut;
            p += hdr;
            copyEnd = p + keep;
          }
        }
      }
      for (; p < copyEnd; p++) {
        const x = b[p]!;
        out[o++] = x;
        h = Math.imul(h ^ x, FNV_PRIME);
      }
      p = next;
    }
    this.stagedHash = h >>> 0;
    return o - base;
  }

  /** Find the staged bytes' set (taking a reference) or make them a new one. */
  private commit(n: number, attrs: PathAttributes, as4: boolean): AttrSetId {
    const h = this.stagedHash;
    const at = this.arenaUsed;
    const arena = this.arena;
    const slots = this.slots;
    const mask = this.slotMask;
    let i = h & mask;
    for (let s = slots[i]!; s !== 0; i = (i + 1) & mask, s = slots[i]!) {
      const id = s - 1;
      if (this.rec[id * STRIDE + S_HASH] !== h || this.lengthCol[id] !== n) continue;
      const off = this.offsetCol[id]!;
      const stored = this.slabs[Math.floor(off / SLAB)]!;
      const pos = off % SLAB;
      let j = 0;
      while (j < n && stored[pos + j] === arena[at + j]) j++;
      if (j === n) {
        this.rec[id * STRIDE + S_REFS]!++;
        this.totalRefs++;
        return id;
      }
    }
    const id = this.free.length > 0 ? this.free.pop()! : this.highWater++;
    if (id >= this.offsetCol.length) this.grow(id + 1);
    this.arenaUsed += n;
    this.offsetCol[id] = this.tail * SLAB + at;
    this.slabLive[this.tail]!++;
    this.lengthCol[id] = n;
    this.rec[id * STRIDE + S_HASH] = h;
    slots[i] = id + 1;
    this.live++;
    if (this.live * 2 > mask + 1) this.rehash((mask + 1) * 2);
    this.rec[id * STRIDE + S_REFS] = 1;
    this.totalRefs++;
    this.summarize(id, attrs, as4);
    return id;
  }

  private summarize(id: AttrSetId, a: PathAttributes, as4: boolean): void {
    const at = id * STRIDE;
    const rec = this.rec;
    let has = 0;
    if (a.localPref !== undefined) {
      has |= HAS_LOCAL_PREF;
      rec[at + S_LOCAL_PREF] = a.localPref;
    }
    if (a.med !== undefined) {
      has |= HAS_MED;
      rec[at + S_MED] = a.med;
    }
    const originator = a.originatorId === undefined ? null : ipv4FromString(a.originatorId);
    if (originator !== null) {
      has |= HAS_ORIGINATOR_ID;
      rec[at + S_ORIGINATOR_ID] = originator;
    }
    const path = effectiveAsPath(a, as4);
    const origin = a.origin ?? ORIGIN_MISSING;
    rec[at + S_FLAGS] = (origin & 0xff) | has | (countAs(path, this.localAs) << 16);
    rec[at + S_LENGTHS] = Math.min(asPathLength(path), 0xffff) | (Math.min(a.clusterList?.length ?? 0, 0xffff) << 16);
    rec[at + S_NEIGHBOR_AS] = neighborAsOf(path, this.localAs);

    const mp = a.mpReach;
    const nh4 = a.nextHop ?? (mp !== undefined && mp.afi === Afi.IPV4 ? mp.nextHop : undefined);
    const nh6 = mp !== undefined && mp.afi === Afi.IPV6 ? mp.nextHop : undefined;
    this.nh4Col[id] = nh4 === undefined ? 0 : this.nextHops.take(nh4);
    this.nh6Col[id] = nh6 === undefined ? 0 : this.nextHops.take(nh6);
  }

  /** Take a freed set's id out of the hash table (backward-shift deletion, no tombstones). */
  private unhash(id: AttrSetId): void {
    const slots = this.slots;
    const mask = this.slotMask;
    let i = this.rec[id * STRIDE + S_HASH]! & mask;
    while (slots[i] !== id + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = this.rec[(slots[j]! - 1) * STRIDE + S_HASH]! & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      slots[i] = slots[j]!;
      i = j;
    }
    slots[i] = 0;
  }

  private rehash(cap: number): void {
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let id = 0; id < this.highWater; id++) {
      if (this.lengthCol[id] === 0) continue;
      let i = this.rec[id * STRIDE + S_HASH]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
    this.slotMask = mask;
  }

  private grow(min: number): void {
    const cap = Math.max(min, Math.ceil(this.offsetCol.length * 1.5), 1024);
    this.offsetCol = grown(this.offsetCol, cap);
    this.lengthCol = grown(this.lengthCol, cap);
    this.genCol = grown(this.genCol, cap);
    this.nh4Col = grown(this.nh4Col, cap);
    this.nh6Col = grown(this.nh6Col, cap);
    this.rec = grown(this.rec, cap * STRIDE);
  }
}

/** Next-hop strings by number (1-based), counted by the sets that use them. */
class NextHopTable {
  private texts: (string | undefined)[] = [undefined];
  private refs: number[] = [0];
  private byText = new Map<string, number>();
  private free: number[] = [];
  // Consecutive sets mostly carry the same next hop: skip the map for a repeat.
  private lastText = '';
  private lastNumber = 0;

  /** The number of `text`, with a reference taken. */
  take(text: string): number {
    let n = text === this.lastText && this.texts[this.lastNumber] === text ? this.lastNumber : this.byText.get(text);
    if (n === undefined) {
      n = this.free.length > 0 ? this.free.pop()! : this.texts.length;
      this.texts[n] = text;
      this.refs[n] = 0;
      this.byText.set(text, n);
    }
    this.refs[n]!++;
    this.lastText = text;
    this.lastNumber = n;
    return n;
  }

  /** Drop a reference on number `n` (0: none). */
  drop(n: number): void {
    if (n === 0 || --this.refs[n]! > 0) return;
    this.byText.delete(this.texts[n]!);
    this.texts[n] = undefined;
    this.free.push(n);
  }

  text(n: number): string | undefined {
    return this.texts[n];
  }
}

function isConfed(type: number): boolean {
  return type === AsPathSegmentType.AS_CONFED_SEQUENCE || type === AsPathSegmentType.AS_CONFED_SET;
}

/** See AttrPool.neighborAs. */
export function neighborAsOf(path: readonly AsPathSegment[], localAs: number): number {
  for (const seg of path) {
    if (isConfed(seg.type)) continue;
    if (seg.type === AsPathSegmentType.AS_SEQUENCE && seg.asns.length > 0) return seg.asns[0]!;
    return localAs;
  }
  return localAs;
}

function countAs(path: readonly AsPathSegment[], asn: number): number {
  if (asn === 0) return 0;
  let n = 0;
  for (const seg of path) for (const x of seg.asns) if (x === asn) n++;
  return Math.min(n, 255);
}
