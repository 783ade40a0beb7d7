/**
 * Paths: where routes come from (RouteSource), the per-path record (a row of RouteTable), and the
 * store that the Adj-RIBs-In and the Loc-RIB share (RouteStore).
 *
 * One RouteTable per address family holds every path of every source, indexed by prefix: the index
 * maps a prefix key to the prefix's id, a small dense integer whose slot holds the first row of a
 * chain of that prefix's paths (one per source, or per path identifier with ADD-PATH, RFC 7911). A
 * peer's Adj-RIB-In (RFC 4271 sec. 3.2) is its rows; the Loc-RIB is the row flagged BEST at the head
 * of each chain. This is the shape of OpenBGPD's and BIRD's tables (a prefix entry with the list of
 * its paths), which saves a second index per peer: 3.6M paths take 28 bytes each here plus ~40 per
 * prefix (index, key and chain head), and no JS object per path.
 *
 * Prefix ids let everything downstream of the Loc-RIB address a prefix without hashing it again: a
 * peer's Adj-RIB-Out is an array indexed by prefix id (adj-rib-out.ts). An id is live while its
 * prefix has a row. One whose chain empties stays in the index, empty, and is live again if its
 * prefix comes back (a flap or a session re-feeding its table costs no index insert or delete);
 * it goes to another prefix only when a new prefix needs an id, which never happens while the
 * Loc-RIB reports a batch of changes. Until then it keeps its key.
 *
 * A row is a 28-byte record in one typed array: source, flags, path id, received and post-policy
 * attribute set ids (the same id twice when import policy changed nothing), time received, chain
 * link, prefix id. Free rows are threaded through the link. Row numbers are internal: they are
 * reused as soon as a row is freed, so nothing outside keeps one across calls.
 */

import { AttrPool, AttrPoolStats, AttrSetId, NO_ATTRS } from './attr-intern';
import { grown, IntList } from './int-list';
import { ipFromString, ipv4FromString, ipv4ToString } from '../wire/addr';
import { FamilyKey, IPV4_UNICAST, IPV6_UNICAST, familyName } from '../wire/iana';
import { PrefixIndex, PrefixKey, V4Index, V6Index, v6KeyFromWords, v6KeyWord } from './prefix-key';

/** Row flags. */
export const RouteFlag = {
  /** RFC 7606 treat-as-withdraw: kept for `show`, never selected. */
  INVALID: 1,
  /** Denied by import policy: kept for `show` (pre-policy attributes), never selected. */
  FILTERED: 2,
  /** RFC 4724 sec. 4.2: kept across the peer's restart until refreshed or swept. */
  STALE: 4,
  /** The Loc-RIB's selected path for its prefix (always the head of the chain). */
  BEST: 8,
  /**
   * Gone from its source, but it was the selected path: it stays linked, out of every count, until
   * the Loc-RIB runs the decision for its prefix again and reports what the best was before.
   */
  WITHDRAWN: 16,
} as const;

/** The flags an UPDATE or a policy decides (the rest are the RIB's bookkeeping). */
export const CONTENT_FLAGS = RouteFlag.INVALID | RouteFlag.FILTERED;

export const SourceKind = {
  /** Learned from a peer in another AS. */
  EBGP: 0,
  /** Learned from a peer in our AS. */
  IBGP: 1,
  /** Originated here (configured networks). */
  LOCAL: 2,
} as const;
export type SourceKindCode = (typeof SourceKind)[keyof typeof SourceKind];

export interface RouteSourceInit {
  kind: SourceKindCode;
  /** Peer address (empty for LOCAL). */
  address?: string;
  remoteAs?: number;
  /** The peer's BGP Identifier (from its OPEN), dotted quad or unsigned number. */
  bgpId?: string | number;
  /** allowas-in: occurrences of our AS accepted in a path. */
  allowOwnAs?: number;
  /** For `show`: the neighbour's description. */
  name?: string;
}

const NO_ADDRESS = Buffer.alloc(0);

/** One origin of paths: a peer session or the local configuration. */
export class RouteSource {
  readonly kind: SourceKindCode;
  readonly address: string;
  /** The address as 4 or 16 bytes, for the lowest-peer-address rule (empty for LOCAL). */
  readonly addressBytes: Buffer;
  remoteAs: number;
  /** BGP Identifier as an unsigned 32-bit number; may change when the session comes up again. */
  bgpId: number;
  allowOwnAs: number;
  name: string;

  constructor(
    /** Small integer naming the source in the path table's source column. */
    readonly index: number,
    init: RouteSourceInit,
  ) {
    this.kind = init.kind;
    this.address = init.address ?? '';
    const bytes = this.address === '' ? NO_ADDRESS : ipFromString(this.address);
    if (bytes === null) throw new RangeError(`not an address: ${this.address}`);
    this.addressBytes = bytes;
    this.remoteAs = init.remoteAs ?? 0;
    this.bgpId = 0;
    this.setBgpId(init.bgpId ?? 0);
    this.allowOwnAs = init.allowOwnAs ?? 0;
    this.name = init.name ?? (this.address === '' ? 'local' : this.address);
  }

  setBgpId(id: string | number): void {
    const n = typeof id === 'number' ? id : ipv4FromString(id);
    if (n === null || n < 0 || n > 0xffffffff || !Number.isInteger(n)) throw new RangeError(`not a BGP Identifier: ${id}`);
    this.bgpId = n;
  }

  get bgpIdText(): string {
    return ipv4ToString(this.bgpId);
  }
}

/** The most sources a store can hold (the source column is 16 bits; the top value marks free rows). */
export const MAX_SOURCES = 0xffff;
const FREE_ROW = 0xffff;

/** One path as a plain object, for `show`, tests and iteration (built on demand, never stored). */
export interface Route {
  family: FamilyKey;
  key: PrefixKey;
  source: RouteSource;
  pathId: number;
  /** Attribute set as received (pre-policy). */
  received: AttrSetId;
  /** Attribute set after import policy; NO_ATTRS when filtered or treat-as-withdraw. */
  attrs: AttrSetId;
  flags: number;
  /** When the path last changed, in seconds (the caller's clock). */
  receivedAt: number;
  best: boolean;
}

// A path's record: 7 signed 32-bit words, 28 bytes (unsigned values are stored as their bits).
const STRIDE = 7;
/** Next row of the same prefix, or -1; for a free row, the next free row. */
const R_NEXT = 0;
/** Source index (bits 0-15) and RouteFlag bits (16-23). */
const R_SOURCE_FLAGS = 1;
const R_PATH_ID = 2;
const R_RECEIVED = 3;
const R_ATTRS = 4;
const R_TIME = 5;
/** The prefix id. */
const R_PID = 6;

const PAGE_BITS = 14;
/** Words per IPv6 prefix id in RouteTable.v6Keys: four address words, the length. */
const V6_KEY_WORDS = 5;
const PAGE_ROWS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_ROWS - 1;

/**
 * All paths of one address family: a record per path (row), and the prefix index. A row's fields
 * sit together so that walking a prefix's chain costs a cache line per path, not one per field.
 */
export class RouteTable {
  /** Prefix key -> prefix id. */
  readonly index: PrefixIndex<PrefixKey>;
  /**
   * The records, PAGE_ROWS rows per page: growing adds a page, so a table on its way to millions
   * of paths never copies itself whole (a 3-upstream table is 3.6M rows; one copy took ~130 ms).
   */
  private pages: Int32Array[] = [];
  private capacity = 0;
  private freeHead = -1;
  private highWater = 0;
  private rowsInUse = 0;
  /** Per prefix id, paged like the rows: first row of the chain (-1: emptied or never used), and key. */
  private heads: Int32Array[] = [];
  private v4Keys: Float64Array[] = [];
  /** IPv6: per prefix id its address words and length (V6_KEY_WORDS), not a string on the GC heap. */
  private v6Keys: Int32Array[] = [];
  private pidCapacity = 0;
  private pidHighWater = 0;
  /**
   * One bit per prefix id whose chain emptied (still indexed, free for a new prefix): 150 KB for a
   * full table's ids, where a list of them took 5-8 MB in a full withdrawal. `emptyScan` is the
   * word the next search starts at.
   */
  private emptyBits = new Int32Array(0);
  private emptyCount = 0;
  private emptyScan = 0;
  private livePids = 0;
  private readonly isV4: boolean;

  constructor(
    readonly family: FamilyKey,
    private readonly pool: AttrPool,
  ) {
    this.isV4 = family === IPV4_UNICAST;
    if (family === IPV4_UNICAST) {
      this.index = new V4Index() as PrefixIndex<PrefixKey>;
    } else if (family === IPV6_UNICAST) {
      this.index = new V6Index() as PrefixIndex<PrefixKey>;
    } else {
      throw new RangeError(`no route table for ${familyName(family)}`);
    }
  }

  /** Prefix ids ever allocated: a column indexed by prefix id needs this many entries. */
  get pidLimit(): number {
    return this.pidHighWater;
  }

  /** The id of a prefix (it may have no rows: headOf says), or -1. */
  pidOf(key: PrefixKey): number {
    return this.index.get(key);
  }

  /** The key of a prefix id (also of an emptied one, until the id goes to another prefix). */
  keyOfPid(pid: number): PrefixKey {
    if (this.isV4) return this.v4Keys[pid >>> PAGE_BITS]![pid & PAGE_MASK]!;
    const page = this.v6Keys[pid >>> PAGE_BITS]!;
    const o = (pid & PAGE_MASK) * V6_KEY_WORDS;
    return v6KeyFromWords(page[o]!, page[o + 1]!, page[o + 2]!, page[o + 3]!, page[o + 4]!);
  }

  /** First row of a prefix id's chain, or -1 (the prefix has no rows). */
  headOf(pid: number): number {
    return this.heads[pid >>> PAGE_BITS]![pid & PAGE_MASK]!;
  }

  /** The first row of a prefix's chain becomes `row`; -1 empties the chain (the id stays indexed). */
  setHead(pid: number, row: number): void {
    const page = this.heads[pid >>> PAGE_BITS]!;
    const i = pid & PAGE_MASK;
    const was = page[i]!;
    page[i] = row;
    if (was < 0 && row >= 0) {
      this.livePids++;
      const bit = 1 << (pid & 31);
      if ((this.emptyBits[pid >>> 5]! & bit) !== 0) {
        this.emptyBits[pid >>> 5]! &= ~bit;
        this.emptyCount--;
      }
    } else if (was >= 0 && row < 0) {
      this.livePids--;
      this.emptyBits[pid >>> 5]! |= 1 << (pid & 31);
      this.emptyCount++;
    }
  }

  /** An id for a key that has none (its chain starts empty): an emptied one, or a new one. */
  newPid(key: PrefixKey): number {
    let pid: number;
    if (this.emptyCount > 0) {
      pid = this.takeEmpty();
      this.index.delete(this.keyOfPid(pid));
    } else {
      pid = this.pidHighWater++;
      if (pid >= this.pidCapacity) {
        this.heads.push(new Int32Array(PAGE_ROWS).fill(-1));
        if (this.isV4) this.v4Keys.push(new Float64Array(PAGE_ROWS));
        else this.v6Keys.push(new Int32Array(PAGE_ROWS * V6_KEY_WORDS));
        this.pidCapacity += PAGE_ROWS;
        this.emptyBits = grown(this.emptyBits, this.pidCapacity >>> 5);
      }
    }
    if (this.isV4) this.v4Keys[pid >>> PAGE_BITS]![pid & PAGE_MASK] = key as number;
    else {
      const page = this.v6Keys[pid >>> PAGE_BITS]!;
      const o = (pid & PAGE_MASK) * V6_KEY_WORDS;
      const k = key as string;
      for (let i = 0; i < 4; i++) page[o + i] = v6KeyWord(k, i);
      page[o + 4] = k.charCodeAt(16);
    }
    this.index.set(key, pid);
    return pid;
  }

  /** Clear and return an emptied id (emptyCount > 0), searching on from where the last search ended. */
  private takeEmpty(): number {
    const words = this.emptyBits;
    const n = words.length;
    for (let k = 0; k < n; k++) {
      const w = (this.emptyScan + k) % n;
      const x = words[w]!;
      if (x === 0) continue;
      const b = 31 - Math.clz32(x & -x);
      words[w] = x & (x - 1);
      this.emptyCount--;
      this.emptyScan = w;
      return (w << 5) | b;
    }
    throw new Error('prefix ids: empty count out of step with the bitmap');
  }

  /** The id of every prefix that has rows, in no particular order; the table must not change meanwhile. */
  forEachPid(fn: (pid: number) => void): void {
    for (let pid = 0; pid < this.pidHighWater; pid++) if (this.headOf(pid) >= 0) fn(pid);
  }

  /** Every prefix that has rows, in no particular order; the table must not change meanwhile. */
  forEachKey(fn: (key: PrefixKey) => void): void {
    this.forEachPid((pid) => fn(this.keyOfPid(pid)));
  }

  /** The selected path of a prefix id (its chain head, flagged BEST and not a withdrawn ghost), or -1. */
  bestRow(pid: number): number {
    const head = this.headOf(pid);
    return head >= 0 && this.isBest(head) ? head : -1;
  }

  /** Rows ever allocated: scans run over [0, rowLimit) and skip free rows. */
  get rowLimit(): number {
    return this.highWater;
  }

  /** Rows in use, ghosts of withdrawn best paths included. */
  get rowCount(): number {
    return this.rowsInUse;
  }

  /** Prefixes with at least one row. */
  get prefixCount(): number {
    return this.livePids;
  }

  /** The row is its prefix's selected path: BEST and not a withdrawn ghost (free rows carry no flags). */
  isBest(row: number): boolean {
    return ((this.f(row, R_SOURCE_FLAGS) >>> 16) & (RouteFlag.BEST | RouteFlag.WITHDRAWN)) === RouteFlag.BEST;
  }

  isFree(row: number): boolean {
    return (this.f(row, R_SOURCE_FLAGS) & 0xffff) === FREE_ROW;
  }

  keyAt(row: number): PrefixKey {
    return this.keyOfPid(this.f(row, R_PID));
  }

  /** The prefix id of a row. */
  pidAt(row: number): number {
    return this.f(row, R_PID);
  }

  sourceOf(row: number): number {
    return this.f(row, R_SOURCE_FLAGS) & 0xffff;
  }

  flagsOf(row: number): number {
    return this.f(row, R_SOURCE_FLAGS) >>> 16;
  }

  setFlags(row: number, flags: number): void {
    this.s(row, R_SOURCE_FLAGS, (this.f(row, R_SOURCE_FLAGS) & 0xffff) | (flags << 16));
  }

  pathIdOf(row: number): number {
    return this.f(row, R_PATH_ID) >>> 0;
  }

  /** Attribute set as received. */
  receivedOf(row: number): AttrSetId {
    return this.f(row, R_RECEIVED);
  }

  /** Attribute set after import policy (NO_ATTRS when there is none). */
  attrsOf(row: number): AttrSetId {
    return this.f(row, R_ATTRS);
  }

  timeOf(row: number): number {
    return this.f(row, R_TIME) >>> 0;
  }

  setTime(row: number, time: number): void {
    this.s(row, R_TIME, time);
  }

  /** Next row of the same prefix, or -1. */
  nextOf(row: number): number {
    return this.f(row, R_NEXT);
  }

  setNext(row: number, next: number): void {
    this.s(row, R_NEXT, next);
  }

  /** First row of a prefix's chain, or -1. */
  head(key: PrefixKey): number {
    const pid = this.index.get(key);
    return pid < 0 ? -1 : this.headOf(pid);
  }

  /**
   * A row for a path, unlinked; references on the attribute sets are taken here and dropped when
   * the row is freed.
   */
  allocRow(pid: number, source: number, pathId: number, received: AttrSetId, attrs: AttrSetId, flags: number, time: number): number {
    let row = this.freeHead;
    if (row >= 0) {
      this.freeHead = this.f(row, R_NEXT);
    } else {
      row = this.highWater++;
      if (row >= this.capacity) this.grow(row + 1);
    }
    this.rowsInUse++;
    this.s(row, R_PID, pid);
    this.s(row, R_NEXT, -1);
    this.s(row, R_SOURCE_FLAGS, source | (flags << 16));
    this.s(row, R_PATH_ID, pathId);
    this.s(row, R_RECEIVED, received);
    this.s(row, R_ATTRS, attrs);
    this.s(row, R_TIME, time);
    if (received !== NO_ATTRS) this.pool.retain(received);
    if (attrs !== NO_ATTRS) this.pool.retain(attrs);
    return row;
  }

  /**
   * Point a row at other attribute sets (references moved accordingly). Old references are
   * dropped after the new ones are taken, so a set shared by both survives.
   */
  setAttrs(row: number, received: AttrSetId, attrs: AttrSetId): void {
    const oldRx = this.f(row, R_RECEIVED);
    const oldAttrs = this.f(row, R_ATTRS);
    if (received !== NO_ATTRS) this.pool.retain(received);
    if (attrs !== NO_ATTRS) this.pool.retain(attrs);
    this.s(row, R_RECEIVED, received);
    this.s(row, R_ATTRS, attrs);
    if (oldRx !== NO_ATTRS) this.pool.release(oldRx);
    if (oldAttrs !== NO_ATTRS) this.pool.release(oldAttrs);
  }

  /**
   * Free an unlinked row. With `deferRelease` the attribute set ids are pushed there instead of
   * released, for a caller that still reports them (see LocRib).
   */
  freeRow(row: number, deferRelease?: AttrSetId[]): void {
    const rx = this.f(row, R_RECEIVED);
    const attrs = this.f(row, R_ATTRS);
    if (deferRelease !== undefined) {
      if (rx !== NO_ATTRS) deferRelease.push(rx);
      if (attrs !== NO_ATTRS) deferRelease.push(attrs);
    } else {
      if (rx !== NO_ATTRS) this.pool.release(rx);
      if (attrs !== NO_ATTRS) this.pool.release(attrs);
    }
    this.s(row, R_RECEIVED, NO_ATTRS);
    this.s(row, R_ATTRS, NO_ATTRS);
    this.s(row, R_SOURCE_FLAGS, FREE_ROW);
    this.s(row, R_NEXT, this.freeHead);
    this.freeHead = row;
    this.rowsInUse--;
  }

  /** Take a row out of its prefix's chain (the chain may empty: see setHead). */
  unlink(row: number): void {
    const pid = this.f(row, R_PID);
    const head = this.headOf(pid);
    if (head === row) {
      this.setHead(pid, this.f(row, R_NEXT));
    } else {
      let prev = head;
      while (prev >= 0 && this.f(prev, R_NEXT) !== row) prev = this.f(prev, R_NEXT);
      if (prev < 0) throw new Error(`row ${row} is not in the chain of its prefix`);
      this.s(prev, R_NEXT, this.f(row, R_NEXT));
    }
    this.s(row, R_NEXT, -1);
  }

  /** Link a new row of prefix `pid` into its chain, whose head (-1: none yet) the caller has looked up. */
  linkAfter(pid: number, row: number, head: number): void {
    if (head < 0) {
      this.s(row, R_NEXT, -1);
      this.setHead(pid, row);
    } else {
      this.s(row, R_NEXT, this.f(head, R_NEXT));
      this.s(head, R_NEXT, row);
    }
  }

  /** Live (not WITHDRAWN) row of a source and path id for a prefix, or -1. */
  find(key: PrefixKey, source: number, pathId: number): number {
    return this.findFrom(this.head(key), source, pathId);
  }

  /** As find(), from a chain head the caller has already looked up. */
  findFrom(head: number, source: number, pathId: number): number {
    const want = source | 0;
    for (let r = head; r >= 0; r = this.f(r, R_NEXT)) {
      const sf = this.f(r, R_SOURCE_FLAGS);
      if ((sf & 0xffff) === want && this.f(r, R_PATH_ID) >>> 0 === pathId && ((sf >>> 16) & RouteFlag.WITHDRAWN) === 0) return r;
    }
    return -1;
  }

  route(row: number, sources: readonly (RouteSource | undefined)[]): Route {
    const source = sources[this.sourceOf(row)];
    if (source === undefined) throw new Error(`row ${row} has no source`);
    const flags = this.flagsOf(row);
    return {
      family: this.family,
      key: this.keyAt(row),
      source,
      pathId: this.pathIdOf(row),
      received: this.receivedOf(row),
      attrs: this.attrsOf(row),
      flags,
      receivedAt: this.timeOf(row),
      best: this.isBest(row),
    };
  }

  /** Approximate bytes held (records, index, and per prefix id its chain head and key). */
  get bytes(): number {
    const perPid = 4 + (this.isV4 ? 8 : V6_KEY_WORDS * 4);
    const index = this.index instanceof V4Index ? this.index.bytes : (this.index as V6Index).bytes;
    return this.capacity * STRIDE * 4 + this.pidCapacity * perPid + index;
  }

  private grow(min: number): void {
    while (this.capacity < min) {
      this.pages.push(new Int32Array(PAGE_ROWS * STRIDE));
      this.capacity += PAGE_ROWS;
    }
  }

  /** Field `f` of row `row`. */
  private f(row: number, f: number): number {
    return this.pages[row >>> PAGE_BITS]![(row & PAGE_MASK) * STRIDE + f]!;
  }

  private s(row: number, f: number, v: number): void {
    this.pages[row >>> PAGE_BITS]![(row & PAGE_MASK) * STRIDE + f] = v;
  }

}

/**
 * Prefixes whose paths changed, as prefix ids per family, in the order they changed (an id may
 * repeat). An id emptied meanwhile is skipped by the decision; one that went to another prefix
 * meanwhile is decided as that prefix, which also has it queued: deciding twice changes nothing.
 */
export class ChangedKeys {
  readonly ipv4 = new IntList();
  readonly ipv6 = new IntList();

  add(family: FamilyKey, pid: number): void {
    if (family === IPV4_UNICAST) this.ipv4.push(pid);
    else this.ipv6.push(pid);
  }

  get size(): number {
    return this.ipv4.length + this.ipv6.length;
  }

  clear(): void {
    this.ipv4.clear();
    this.ipv6.clear();
  }

  /** The changed prefixes as keys (tests, logs), read from the store's tables. */
  keys(store: RouteStore): PrefixKey[] {
    return [...Array.from(this.ipv4.view(), (p: number) => store.ipv4.keyOfPid(p)), ...Array.from(this.ipv6.view(), (p: number) => store.ipv6.keyOfPid(p))];
  }
}

export interface RouteStoreOptions {
  /** Our AS, for AS loop detection (see AttrPool). */
  localAs?: number;
  /** Share an existing pool (tests, or several stores). */
  pool?: AttrPool;
}

export interface RibMemoryStats {
  ipv4: { prefixes: number; paths: number; bytes: number };
  ipv6: { prefixes: number; paths: number; bytes: number };
  attributes: AttrPoolStats;
}

/** The attribute pool, a table per family, and the sources that put paths in them. */
export class RouteStore {
  readonly pool: AttrPool;
  readonly ipv4: RouteTable;
  readonly ipv6: RouteTable;
  private readonly sourceList: (RouteSource | undefined)[] = [];

  constructor(opts: RouteStoreOptions = {}) {
    this.pool = opts.pool ?? new AttrPool({ localAs: opts.localAs });
    this.ipv4 = new RouteTable(IPV4_UNICAST, this.pool);
    this.ipv6 = new RouteTable(IPV6_UNICAST, this.pool);
  }

  table(family: FamilyKey): RouteTable {
    if (family === IPV4_UNICAST) return this.ipv4;
    if (family === IPV6_UNICAST) return this.ipv6;
    throw new RangeError(`no route table for ${familyName(family)}`);
  }

  tableOf(key: PrefixKey): RouteTable {
    return typeof key === 'number' ? this.ipv4 : this.ipv6;
  }

  /** Counts and approximate bytes for `show rib memory`. */
  memory(): RibMemoryStats {
    const table = (t: RouteTable) => ({ prefixes: t.prefixCount, paths: t.rowCount, bytes: t.bytes });
    return { ipv4: table(this.ipv4), ipv6: table(this.ipv6), attributes: this.pool.stats() };
  }

  /** Sources by index (holes where sources were removed). */
  get sources(): readonly (RouteSource | undefined)[] {
    return this.sourceList;
  }

  /** Register a source under the lowest free index. */
  addSource(init: RouteSourceInit): RouteSource {
    let index = this.sourceList.indexOf(undefined);
    if (index < 0) index = this.sourceList.length;
    if (index >= MAX_SOURCES) throw new RangeError(`more than ${MAX_SOURCES - 1} route sources`);
    const s = new RouteSource(index, init);
    this.sourceList[index] = s;
    return s;
  }

  /**
   * Forget a source. Its index is reused by the next addSource, so its paths must be gone first
   * (AdjRibIn.dropAll, then LocRib.update for the keys that returns).
   */
  removeSource(source: RouteSource): void {
    for (const t of [this.ipv4, this.ipv6]) {
      for (let r = 0; r < t.rowLimit; r++) {
        if (!t.isFree(r) && t.sourceOf(r) === source.index) throw new Error(`source ${source.name} still has paths in ${familyName(t.family)}`);
      }
    }
    this.sourceList[source.index] = undefined;
  }
}
