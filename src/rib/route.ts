/**
 * Paths: where routes come from (RouteSource), the per-path record (a row of RouteTable), and the
 * store that the Adj-RIBs-In and the Loc-RIB share (RouteStore).
 *
 * One RouteTable per address family holds every path of every source, indexed by prefix: the index
 * maps a prefix key to the first row of a chain of that prefix's paths (one per source, or per path
 * identifier with ADD-PATH, RFC 7911). A peer's Adj-RIB-In (RFC 4271 sec. 3.2) is its rows; the
 * Loc-RIB is the row flagged BEST at the head of each chain. This is the shape of OpenBGPD's and
 * BIRD's tables (a prefix entry with the list of its paths), which saves a second index per peer:
 * 3.6M paths take ~32 bytes each here (24 for the record, 8 for an IPv4 key) plus ~25 per prefix of
 * index, and no JS object per path.
 *
 * A row is a 24-byte record in one typed array: source, flags, path id, received and post-policy
 * attribute set ids (the same id twice when import policy changed nothing), time received, chain
 * link. Free rows are threaded through the link. Row numbers are internal: they are reused as
 * soon as a row is freed, so nothing outside keeps one across calls.
 */

import { AttrPool, AttrPoolStats, AttrSetId, NO_ATTRS } from './attr-intern';
import { ipFromString, ipv4FromString, ipv4ToString } from '../wire/addr';
import { FamilyKey, IPV4_UNICAST, IPV6_UNICAST, familyName } from '../wire/iana';
import { PrefixIndex, PrefixKey, V4Index, V6Index } from './prefix-key';

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

// A path's record: 6 signed 32-bit words, 24 bytes (unsigned values are stored as their bits).
const STRIDE = 6;
/** Next row of the same prefix, or -1; for a free row, the next free row. */
const R_NEXT = 0;
/** Source index (bits 0-15) and RouteFlag bits (16-23). */
const R_SOURCE_FLAGS = 1;
const R_PATH_ID = 2;
const R_RECEIVED = 3;
const R_ATTRS = 4;
const R_TIME = 5;

const PAGE_BITS = 14;
const PAGE_ROWS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_ROWS - 1;

/**
 * All paths of one address family: a record per path (row), and the prefix index. A row's fields
 * sit together so that walking a prefix's chain costs a cache line per path, not one per field.
 */
export class RouteTable {
  readonly index: PrefixIndex<PrefixKey>;
  /**
   * The records, PAGE_ROWS rows per page: growing adds a page, so a table on its way to millions
   * of paths never copies itself whole (a 3-upstream table is 3.6M rows; one copy took ~130 ms).
   */
  private pages: Int32Array[] = [];
  /** Prefix key per row: IPv4 keys in typed pages, IPv6 ones (strings) in an array. */
  private v4Keys: Float64Array[] = [];
  private readonly v6Keys: string[] = [];
  private capacity = 0;
  private freeHead = -1;
  private highWater = 0;
  private rowsInUse = 0;
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
    return this.index.size;
  }

  isFree(row: number): boolean {
    return (this.f(row, R_SOURCE_FLAGS) & 0xffff) === FREE_ROW;
  }

  keyAt(row: number): PrefixKey {
    return this.isV4 ? this.v4Keys[row >>> PAGE_BITS]![row & PAGE_MASK]! : this.v6Keys[row]!;
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
    return this.index.get(key);
  }

  /**
   * A row for a path, unlinked; references on the attribute sets are taken here and dropped when
   * the row is freed.
   */
  allocRow(key: PrefixKey, source: number, pathId: number, received: AttrSetId, attrs: AttrSetId, flags: number, time: number): number {
    let row = this.freeHead;
    if (row >= 0) {
      this.freeHead = this.f(row, R_NEXT);
    } else {
      row = this.highWater++;
      if (row >= this.capacity) this.grow(row + 1);
    }
    if (this.isV4) this.v4Keys[row >>> PAGE_BITS]![row & PAGE_MASK] = key as number;
    else this.v6Keys[row] = key as string;
    this.rowsInUse++;
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
    if (!this.isV4) this.v6Keys[row] = '';
    this.s(row, R_NEXT, this.freeHead);
    this.freeHead = row;
    this.rowsInUse--;
  }

  /** Take a row out of its prefix's chain (the index entry goes when the chain empties). */
  unlink(key: PrefixKey, row: number): void {
    const head = this.index.get(key);
    if (head === row) {
      const after = this.f(row, R_NEXT);
      if (after < 0) this.index.delete(key);
      else this.index.set(key, after);
    } else {
      let prev = head;
      while (prev >= 0 && this.f(prev, R_NEXT) !== row) prev = this.f(prev, R_NEXT);
      if (prev < 0) throw new Error(`row ${row} is not in the chain of its prefix`);
      this.s(prev, R_NEXT, this.f(row, R_NEXT));
    }
    this.s(row, R_NEXT, -1);
  }

  /** Link a new row into the chain whose head (-1: none yet) the caller has already looked up. */
  linkAfter(key: PrefixKey, row: number, head: number): void {
    if (head < 0) {
      this.s(row, R_NEXT, -1);
      this.index.set(key, row);
    } else {
      this.s(row, R_NEXT, this.f(head, R_NEXT));
      this.s(head, R_NEXT, row);
    }
  }

  /** Live (not WITHDRAWN) row of a source and path id for a prefix, or -1. */
  find(key: PrefixKey, source: number, pathId: number): number {
    return this.findFrom(this.index.get(key), source, pathId);
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
      best: (flags & (RouteFlag.BEST | RouteFlag.WITHDRAWN)) === RouteFlag.BEST,
    };
  }

  /** Approximate bytes held (records, key column and index). */
  get bytes(): number {
    const perRow = STRIDE * 4 + (this.isV4 ? 8 : 48);
    const index = this.index instanceof V4Index ? this.index.bytes : (this.index as V6Index).bytes;
    return this.capacity * perRow + index;
  }

  private grow(min: number): void {
    while (this.capacity < min) {
      this.pages.push(new Int32Array(PAGE_ROWS * STRIDE));
      if (this.isV4) this.v4Keys.push(new Float64Array(PAGE_ROWS));
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

/** Keys whose paths changed, per family, in the order they changed (a key may repeat). */
export class ChangedKeys {
  ipv4: number[] = [];
  ipv6: string[] = [];

  add(key: PrefixKey): void {
    if (typeof key === 'number') this.ipv4.push(key);
    else this.ipv6.push(key);
  }

  get size(): number {
    return this.ipv4.length + this.ipv6.length;
  }

  clear(): void {
    this.ipv4.length = 0;
    this.ipv6.length = 0;
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
