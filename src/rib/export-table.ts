/**
 * Encoded exports of one export profile (an "update group": the peers whose export rewrite, policy
 * and AS width are the same share one table).
 *
 * A best path is sent to a peer as the export of its Loc-RIB attribute set. The export is computed
 * once per (attribute set, family) for the whole group, encoded straight away, and only the bytes
 * are kept: the attributes as they go in an UPDATE (without MP_REACH_NLRI) and, for IPv6, the next
 * hop(s) MP_REACH_NLRI carries. What a key needs is then an integer, the export id, and the packer
 * copies the record into UPDATEs. Nothing per attribute set lives on the garbage-collected heap:
 * an attribute object per set per peer (the earlier design) held ~270 MB for one full table and
 * made every major GC walk it.
 *
 * Record layout in the byte arena: [global next-hop length (0 or 16)] [link-local length (0 or 16)]
 * [global next hop] [link-local next hop] [attribute bytes].
 *
 * Ids are valid until `reset()`, which the engine calls only between batches (`maybeReset`): a
 * table that outgrows the live attribute sets (ids of withdrawn sets pile up) starts over.
 *
 * Exports made on bytes (export-bytes.ts, the plain eBGP case of a transit PoP) keep no record:
 * their id names the attribute set and family (FAST_ID), and `record` writes the bytes again from
 * the stored set when an UPDATE is packed, once per UPDATE (the engine packs a batch as soon as it is
 * staged, while the Loc-RIB still holds the set). That leaves a full table's export to a peer at
 * the per-set columns, not ~30 MB of copied attribute bytes.
 *
 * The table holds no reference on the sets it caches exports of: an entry carries the set's
 * generation (AttrPool.generation) and is a miss once the set was freed, so a withdrawn set leaves
 * the pool at once instead of waiting for the table to start over.
 */

import { ipv6BytesShared } from '../wire/addr';
import { encodeAttributeList } from '../wire/attributes/encode';
import type { PathAttributes } from '../wire/attributes/types';
import type { CodecContext } from '../wire/context';
import { FamilyKey, IPV4_UNICAST } from '../wire/iana';
import { Writer } from '../wire/writer';
import type { AttrPool, AttrSetId } from './attr-intern';
import { FAST_NOT_EXPORTED, FAST_UNSUPPORTED, FastExportTarget, writeEbgpExport } from './export-bytes';
import { grown } from './int-list';

/** Not sent to the group (filtered, or the rewrite says no). */
export const NOT_EXPORTED = -1;
/** Not computed yet. */
export const MISS = -2;

const SLAB = 256 * 1024;

/** Bit of an export id made on bytes: the rest is attribute set id * 2 + family (0: IPv4, 1: IPv6). */
const FAST_ID = 0x40000000;

/** Encode an export attribute object as a record (see the module comment); false if it cannot go. */
export function writeExportRecord(w: Writer, a: PathAttributes, family: FamilyKey, ctx: CodecContext): boolean {
  const start = w.pos;
  if (family === IPV4_UNICAST) w.u8(0).u8(0);
  else {
    const global = a.mpReach?.nextHop ? ipv6BytesShared(a.mpReach.nextHop) : null;
    if (!global) return false;
    const ll = a.mpReach?.linkLocalNextHop ? ipv6BytesShared(a.mpReach.linkLocalNextHop) : null;
    w.u8(16).u8(ll ? 16 : 0).bytes(global);
    if (ll) w.bytes(ll);
  }
  encodeAttributeList(w, { ...a, mpReach: undefined, mpUnreach: undefined, layout: undefined }, ctx);
  return w.pos > start;
}

export class ExportTable {
  /**
   * Export id per attribute set (MISS when not computed), for one family and source: a set carries
   * the next hop of one family, so one entry per set serves, and a set used in both families only
   * costs a recomputation now and then.
   */
  private slot = new Int32Array(0);
  /** The source index * 2 + family (0: IPv4, 1: IPv6) the slot was computed for (the export depends on the source's kind). */
  private src = new Uint32Array(0);
  /** The set's generation when the slot was computed. */
  private gen = new Uint32Array(0);
  // Records: slab number, offset in it, length.
  private recSlab = new Uint32Array(1024);
  private recOff = new Uint32Array(1024);
  private recLen = new Uint32Array(1024);
  private records = 0;
  private slabs: Uint8Array[] = [];
  private slabPos = SLAB;
  private readonly w = new Writer(512);
  /** Writes the bytes of FAST_ID exports for `record` (not `w`: a record is read while `add` may run). */
  private readonly fw = new Writer(512);
  /** The target of the FAST_ID exports (one per table: it follows from the export profile). */
  private fastTarget: FastExportTarget | undefined;
  /** Export id of a filter result (prefix-dependent policies), per source and family. */
  memo = new WeakMap<PathAttributes, Map<number, number>>();
  /** GRACEFUL_SHUTDOWN variant (drain) of an export id. */
  readonly gshut = new Map<number, number>();
  /** Export states using this table (the engine drops it at 0). */
  users = 0;

  constructor(
    private readonly pool: AttrPool,
    readonly ctx: CodecContext,
  ) {}

  /** The cached export id of set `attrs` from `source`, or MISS. */
  lookup(attrs: AttrSetId, family: FamilyKey, source: number): number {
    if (attrs >= this.slot.length) return MISS;
    const id = this.slot[attrs]!;
    return id !== MISS && this.src[attrs] === source * 2 + (family === IPV4_UNICAST ? 0 : 1) && this.gen[attrs] === this.pool.generation(attrs) ? id : MISS;
  }

  /** Remember `id` as the export of set `attrs` (live) from `source`. */
  store(attrs: AttrSetId, family: FamilyKey, source: number, id: number): void {
    if (attrs >= this.slot.length) this.grow(attrs + 1);
    this.slot[attrs] = id;
    this.src[attrs] = source * 2 + (family === IPV4_UNICAST ? 0 : 1);
    this.gen[attrs] = this.pool.generation(attrs);
  }

  private grow(need: number): void {
    const size = Math.max(need, Math.ceil(this.slot.length * 1.5), 1024);
    const from = this.slot.length;
    this.slot = grown(this.slot, size).fill(MISS, from);
    this.src = grown(this.src, size);
    this.gen = grown(this.gen, size);
  }

  /** Encode `a` (an export, or null) as a record; its id, or NOT_EXPORTED. */
  add(a: PathAttributes | null, family: FamilyKey): number {
    if (a === null) return NOT_EXPORTED;
    const w = this.w;
    w.reset();
    if (!writeExportRecord(w, a, family, this.ctx)) return NOT_EXPORTED;
    return this.keep(w.view());
  }

  /**
   * The record of set `attrs` to an eBGP peer, made from its stored bytes (export-bytes.ts): its
   * id, NOT_EXPORTED, or MISS when the set needs the general export.
   */
  addEbgp(attrs: AttrSetId, family: FamilyKey, target: FastExportTarget): number {
    if (this.fastTarget === undefined) this.fastTarget = target;
    else if (!sameTarget(this.fastTarget, target)) return MISS;
    const w = this.w;
    w.reset();
    const r = writeEbgpExport(w, this.pool.view(attrs), family === IPV4_UNICAST, target);
    if (r === FAST_UNSUPPORTED) return MISS;
    if (r === FAST_NOT_EXPORTED) return NOT_EXPORTED;
    return FAST_ID | (attrs * 2 + (family === IPV4_UNICAST ? 0 : 1));
  }

  /** Store a record's bytes in the arena; its id. */
  private keep(bytes: Uint8Array): number {
    if (this.slabPos + bytes.length > SLAB) {
      this.slabs.push(new Uint8Array(Math.max(SLAB, bytes.length)));
      this.slabPos = 0;
    }
    const id = this.records++;
    if (id >= this.recSlab.length) {
      this.recSlab = grown(this.recSlab, id * 2);
      this.recOff = grown(this.recOff, id * 2);
      this.recLen = grown(this.recLen, id * 2);
    }
    const s = this.slabs.length - 1;
    this.slabs[s]!.set(bytes, this.slabPos);
    this.recSlab[id] = s;
    this.recOff[id] = this.slabPos;
    this.recLen[id] = bytes.length;
    this.slabPos += bytes.length;
    return id;
  }

  /**
   * The record of export `id`: a view, valid until reset, or for an export made on bytes until the
   * next `record` or `same` call on this table.
   */
  record(id: number): Uint8Array {
    if ((id & FAST_ID) !== 0) {
      const attrs = (id & ~FAST_ID) >>> 1;
      const w = this.fw;
      w.reset();
      writeEbgpExport(w, this.pool.view(attrs), (id & 1) === 0, this.fastTarget!);
      return w.view();
    }
    const off = this.recOff[id]!;
    return this.slabs[this.recSlab[id]!]!.subarray(off, off + this.recLen[id]!);
  }

  /** Export `id` here and export `other` of table `t` send the same bytes. */
  same(id: number, t: ExportTable, other: number): boolean {
    if (t === this && id === other) return true;
    if (id < 0 || other < 0) return id === other;
    // A record made on bytes is a view of a writer that the other record() may reuse: copy it.
    const a = (id & FAST_ID) !== 0 ? Buffer.from(this.record(id)) : this.record(id);
    return sameBytes(a, t.record(other));
  }

  /** Start over when the table has outgrown the live attribute sets. Only between batches. */
  maybeReset(): void {
    if (this.records > 2 * this.pool.size + 4096) this.reset();
  }

  /** Forget every export (ids become invalid). */
  reset(): void {
    this.slot = new Int32Array(0);
    this.src = new Uint32Array(0);
    this.gen = new Uint32Array(0);
    this.records = 0;
    this.slabs = [];
    this.slabPos = SLAB;
    this.recSlab = new Uint32Array(1024);
    this.recOff = new Uint32Array(1024);
    this.recLen = new Uint32Array(1024);
    this.memo = new WeakMap();
    this.gshut.clear();
    this.fastTarget = undefined;
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameTarget(a: FastExportTarget, b: FastExportTarget): boolean {
  return a === b || (a.localAs === b.localAs && a.sendMed === b.sendMed && sameBytes(a.nextHop4, b.nextHop4) && sameBytes(a.nextHop6, b.nextHop6));
}
