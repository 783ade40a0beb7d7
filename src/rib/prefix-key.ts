/**
 * Compact prefix keys for the RIB, and the hash index on them.
 *
 * A full table is 1.2M prefixes, so a prefix is never an object here:
 * - IPv4: one number, address * 64 + length (under 2^38, exact in a double). Numeric order is
 *   address order, then shorter before longer: what `show rib` lists.
 * - IPv6: a 17-character latin1 string, the 16 address bytes with host bits cleared and then a
 *   character whose code is the length. V8 keeps it as a one-byte string (40 bytes), string order
 *   is again address then length, and it is a ready Map key. A shorter form (only the significant
 *   bytes) would save ~16 bytes per IPv6 prefix but lose the free ordering.
 *
 * The family of a key is its JS type. Keys always have host bits cleared (the NLRI iterators mask
 * them; parseKey refuses them unless asked to mask).
 *
 * V4Index is an open-addressing hash table from IPv4 keys to row numbers on typed arrays: a Map
 * with non-Smi number keys costs a heap number per key and measured ~3x slower per lookup.
 */

import { ipv4FromString, ipv4ToString, ipv6FromString, ipv6ToString } from '../wire/addr';
import { FamilyKey, IPV4_UNICAST, IPV6_UNICAST } from '../wire/iana';

export type PrefixKey = number | string;
export type V4Key = number;
export type V6Key = string;

/** Netmask of a length as an unsigned 32-bit number (0 for /0). */
export function v4Mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Key of an IPv4 prefix; `addr` must already have its host bits cleared. */
export function v4Key(addr: number, len: number): V4Key {
  return addr * 64 + len;
}

export function v4KeyAddress(key: V4Key): number {
  return Math.floor(key / 64);
}

/**
 * Key of an IPv6 prefix from 16 address bytes with host bits cleared, e.g. the scratch buffer that
 * NlriList.forEach passes. One String.fromCharCode call gives a flat one-byte string (building it
 * by concatenation would make a cons string and waste memory).
 */
export function v6Key(a: Uint8Array, len: number): V6Key {
  return String.fromCharCode(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, a[14]!, a[15]!, len);
}

/** Key of an IPv6 prefix from its address as four 32-bit words (big-endian) and its length. */
export function v6KeyFromWords(a: number, b: number, c: number, d: number, len: number): V6Key {
  // prettier-ignore
  return String.fromCharCode(
    a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255,
    b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255,
    c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255,
    d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255,
    len,
  );
}

/** Word `i` (0-3) of an IPv6 key's address, big-endian (see v6KeyFromWords). */
export function v6KeyWord(key: V6Key, i: number): number {
  const o = i * 4;
  return (key.charCodeAt(o) << 24) | (key.charCodeAt(o + 1) << 16) | (key.charCodeAt(o + 2) << 8) | key.charCodeAt(o + 3);
}

/** The 16 address bytes of an IPv6 key. */
export function v6KeyBytes(key: V6Key, out: Buffer = Buffer.alloc(16)): Buffer {
  for (let i = 0; i < 16; i++) out[i] = key.charCodeAt(i);
  return out;
}

export function isV4Key(key: PrefixKey): key is V4Key {
  return typeof key === 'number';
}

export function keyFamily(key: PrefixKey): FamilyKey {
  return typeof key === 'number' ? IPV4_UNICAST : IPV6_UNICAST;
}

export function keyLength(key: PrefixKey): number {
  return typeof key === 'number' ? key % 64 : key.charCodeAt(16);
}

/** "192.0.2.0/24", "2001:db8::/48". */
export function formatKey(key: PrefixKey): string {
  if (typeof key === 'number') return `${ipv4ToString(v4KeyAddress(key))}/${key % 64}`;
  return `${ipv6ToString(v6KeyBytes(key))}/${key.charCodeAt(16)}`;
}

export interface ParseKeyOptions {
  /** Clear host bits instead of refusing a prefix that has them ("192.0.2.1/24"). */
  mask?: boolean;
  /** Accept a bare address as a host prefix (/32 or /128), as `show rib 192.0.2.1` does. */
  bareAddress?: boolean;
}

/** Parse "address/length" of either family; null when it is not a prefix (or has host bits set). */
export function parseKey(text: string, opts: ParseKeyOptions = {}): PrefixKey | null {
  const slash = text.indexOf('/');
  if (slash < 0 && !opts.bareAddress) return null;
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? '' : text.slice(slash + 1);
  if (slash >= 0 && !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return null;
  if (!addrText.includes(':')) {
    const addr = ipv4FromString(addrText);
    const len = slash < 0 ? 32 : Number(lenText);
    if (addr === null || len > 32) return null;
    const masked = (addr & v4Mask(len)) >>> 0;
    if (masked !== addr && !opts.mask) return null;
    return v4Key(masked, len);
  }
  const bytes = ipv6FromString(addrText);
  const len = slash < 0 ? 128 : Number(lenText);
  if (bytes === null || len > 128) return null;
  for (let bit = len; bit < 128; bit++) {
    const i = bit >> 3;
    const m = 0x80 >> (bit & 7);
    if ((bytes[i]! & m) !== 0) {
      if (!opts.mask) return null;
      bytes[i]! &= ~m;
    }
  }
  return v6Key(bytes, len);
}

/** Order for listings: IPv4 before IPv6, then by address, then shorter before longer. */
export function compareKeys(a: PrefixKey, b: PrefixKey): number {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a - b;
    return -1;
  }
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort keys in place in compareKeys order. */
export function sortKeys<K extends PrefixKey>(keys: K[]): K[] {
  return keys.sort(compareKeys as (a: K, b: K) => number);
}

/**
 * Whether `inner` lies within `outer`: same family, at least as long, and equal in the first
 * outer-length bits. A prefix contains itself.
 */
export function keyContains(outer: PrefixKey, inner: PrefixKey): boolean {
  if (typeof outer === 'number') {
    if (typeof inner !== 'number') return false;
    const lo = outer % 64;
    const li = inner % 64;
    if (li < lo) return false;
    return ((v4KeyAddress(inner) & v4Mask(lo)) >>> 0) === v4KeyAddress(outer);
  }
  if (typeof inner === 'number') return false;
  const lo = outer.charCodeAt(16);
  if (inner.charCodeAt(16) < lo) return false;
  const whole = lo >> 3;
  for (let i = 0; i < whole; i++) if (inner.charCodeAt(i) !== outer.charCodeAt(i)) return false;
  const rest = lo & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (inner.charCodeAt(whole) & m) === outer.charCodeAt(whole);
}

/** `key` is `of` or a more specific prefix within it (bgpctl `or-longer`). */
export function isOrLonger(key: PrefixKey, of: PrefixKey): boolean {
  return keyContains(of, key);
}

/** `key` is `of` or a less specific prefix covering it (bgpctl `or-shorter`). */
export function isOrShorter(key: PrefixKey, of: PrefixKey): boolean {
  return keyContains(key, of);
}

/** A map from prefix keys of one family to non-negative row numbers; get() gives -1 when absent. */
export interface PrefixIndex<K extends PrefixKey> {
  readonly size: number;
  get(key: K): number;
  set(key: K, row: number): void;
  delete(key: K): boolean;
  clear(): void;
  /** Every key, in no particular order; the index must not change meanwhile. */
  forEachKey(fn: (key: K) => void): void;
}

/** Segments of a V4Index: the top bits of a key's hash pick one. */
const SEGMENT_BITS = 6;
const SEGMENTS = 1 << SEGMENT_BITS;

// An IPv4 slot: the address, then the prefix length + 1 (0: empty slot) in the low 6 bits and the
// value above them.
const V4_SLOT = 2;
const LEN_BITS = 6;
const LEN_MASK = (1 << LEN_BITS) - 1;
/** Largest value a V4Index holds (26 bits: 67M prefix ids). */
export const V4_INDEX_MAX_VALUE = (1 << (32 - LEN_BITS)) - 1;

/** 32-bit mix of an IPv4 address and length (murmur3-style finalizer): top bits segment, low bits slot. */
function hashV4(addr: number, len1: number): number {
  let h = addr ^ Math.imul(len1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Linear-probing hash table from IPv4 keys to rows, kept under 60% full, with backward-shift
 * deletion so that there are no tombstones and lookups never slow down with churn. A slot is two
 * 32-bit words side by side (the address; the length and the value), so a lookup costs one cache
 * miss, not one for the key and one for the value: 1M prefixes fit in 2^21 slots, 16 MB, none of
 * it on the garbage-collected heap.
 *
 * The table is 64 independent segments (the top 6 bits of the hash pick one), each growing on its
 * own: growing rehashes 1/64 of the entries, so a table on its way to a million prefixes never
 * holds up the event loop for the ~100 ms a whole rehash takes.
 */
export class V4Index implements PrefixIndex<V4Key> {
  private slots: Int32Array[] = [];
  private masks = new Int32Array(SEGMENTS);
  private counts = new Int32Array(SEGMENTS);
  private count = 0;

  constructor(initialSlots = 1024) {
    let cap = 16;
    while (cap * SEGMENTS < initialSlots) cap *= 2;
    for (let s = 0; s < SEGMENTS; s++) {
      this.slots.push(new Int32Array(cap * V4_SLOT));
      this.masks[s] = cap - 1;
    }
  }

  get size(): number {
    return this.count;
  }

  /** Slot of (addr, len1) in `slots` (or the empty slot ending its probe run). */
  private probe(slots: Int32Array, mask: number, h: number, addr: number, len1: number): number {
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const o = i * V4_SLOT;
      const l = slots[o + 1]! & LEN_MASK;
      if (l === 0 || (l === len1 && slots[o] === addr)) return i;
    }
  }

  get(key: V4Key): number {
    const a = Math.floor(key / 64);
    const len1 = key - a * 64 + 1;
    const addr = a | 0;
    const h = hashV4(addr, len1);
    const slots = this.slots[h >>> (32 - SEGMENT_BITS)]!;
    const o = this.probe(slots, this.masks[h >>> (32 - SEGMENT_BITS)]!, h, addr, len1) * V4_SLOT;
    const w = slots[o + 1]!;
    return w === 0 ? -1 : w >>> LEN_BITS;
  }

  set(key: V4Key, row: number): void {
    if (!(row >= 0 && row <= V4_INDEX_MAX_VALUE)) throw new RangeError(`V4Index value out of range: ${row}`);
    const a = Math.floor(key / 64);
    const len1 = key - a * 64 + 1;
    const addr = a | 0;
    const h = hashV4(addr, len1);
    const s = h >>> (32 - SEGMENT_BITS);
    if ((this.counts[s]! + 1) * 5 > (this.masks[s]! + 1) * 3) this.grow(s);
    const slots = this.slots[s]!;
    const o = this.probe(slots, this.masks[s]!, h, addr, len1) * V4_SLOT;
    if (slots[o + 1] === 0) {
      slots[o] = addr;
      this.counts[s]++;
      this.count++;
    }
    slots[o + 1] = len1 | (row << LEN_BITS);
  }

  delete(key: V4Key): boolean {
    const a = Math.floor(key / 64);
    const len1 = key - a * 64 + 1;
    const addr = a | 0;
    const h0 = hashV4(addr, len1);
    const s = h0 >>> (32 - SEGMENT_BITS);
    const slots = this.slots[s]!;
    const mask = this.masks[s]!;
    let i = this.probe(slots, mask, h0, addr, len1);
    if (slots[i * V4_SLOT + 1] === 0) return false;
    // Backward shift: move later entries of the probe run into the hole when their home slot does
    // not lie cyclically in (hole, their slot].
    for (let j = (i + 1) & mask; slots[j * V4_SLOT + 1] !== 0; j = (j + 1) & mask) {
      const o = j * V4_SLOT;
      const h = hashV4(slots[o]!, slots[o + 1]! & LEN_MASK) & mask;
      const stays = i <= j ? i < h && h <= j : i < h || h <= j;
      if (stays) continue;
      slots.copyWithin(i * V4_SLOT, o, o + V4_SLOT);
      i = j;
    }
    slots[i * V4_SLOT + 1] = 0;
    this.counts[s]--;
    this.count--;
    return true;
  }

  clear(): void {
    for (const k of this.slots) k.fill(0);
    this.counts.fill(0);
    this.count = 0;
  }

  forEachKey(fn: (key: V4Key) => void): void {
    for (const slots of this.slots) {
      for (let o = 0; o < slots.length; o += V4_SLOT) {
        const l = slots[o + 1]! & LEN_MASK;
        if (l !== 0) fn((slots[o]! >>> 0) * 64 + l - 1);
      }
    }
  }

  private grow(s: number): void {
    const old = this.slots[s]!;
    const cap = (this.masks[s]! + 1) * 2;
    const slots = new Int32Array(cap * V4_SLOT);
    const mask = cap - 1;
    for (let o = 0; o < old.length; o += V4_SLOT) {
      if (old[o + 1] === 0) continue;
      let i = hashV4(old[o]!, old[o + 1]! & LEN_MASK) & mask;
      while (slots[i * V4_SLOT + 1] !== 0) i = (i + 1) & mask;
      slots[i * V4_SLOT] = old[o]!;
      slots[i * V4_SLOT + 1] = old[o + 1]!;
    }
    this.slots[s] = slots;
    this.masks[s] = mask;
  }

  /** Bytes held by the table (for `show rib memory`). */
  get bytes(): number {
    let n = 0;
    for (let s = 0; s < SEGMENTS; s++) n += this.slots[s]!.byteLength;
    return n;
  }
}

/** 32-bit mix of an IPv6 key's four address words and its length (murmur3-style finalizer). */
function hashV6(w0: number, w1: number, w2: number, w3: number, len: number): number {
  let h = Math.imul(w0 ^ len, 0x9e3779b1);
  h = Math.imul(h ^ w1 ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ w2 ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ w3 ^ (h >>> 16), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

// An IPv6 slot: four address words, then the prefix length + 1 (0: empty slot) in the low 8 bits
// and the value above them.
const V6_SLOT = 5;
const V6_LEN_BITS = 8;
const V6_LEN_MASK = (1 << V6_LEN_BITS) - 1;
/** Largest value a V6Index holds (24 bits: 16M prefix ids). */
export const V6_INDEX_MAX_VALUE = (1 << (32 - V6_LEN_BITS)) - 1;

/**
 * The IPv6 counterpart of V4Index: keys stored as their address words and length next to the
 * value in typed arrays (20 bytes per slot, nothing on the garbage-collected heap), 64 segments, linear
 * probing under 80% full (a table a fifth the size of the IPv4 one: density matters more than the
 * extra probe), backward-shift deletion. A Map from the 17-character key strings cost a
 * string and a hash-map entry per prefix per table, and measured ~3x slower per lookup.
 */
export class V6Index implements PrefixIndex<V6Key> {
  private keys: Int32Array[] = [];
  private masks = new Int32Array(SEGMENTS);
  private counts = new Int32Array(SEGMENTS);
  private count = 0;
  // The words of the key last loaded.
  private w0 = 0;
  private w1 = 0;
  private w2 = 0;
  private w3 = 0;
  private len = 0;

  constructor() {
    for (let s = 0; s < SEGMENTS; s++) {
      this.keys.push(new Int32Array(8 * V6_SLOT));
      this.masks[s] = 7;
    }
  }

  get size(): number {
    return this.count;
  }

  /** Split `key` into words; returns its hash. */
  private load(key: V6Key): number {
    this.w0 = v6KeyWord(key, 0);
    this.w1 = v6KeyWord(key, 1);
    this.w2 = v6KeyWord(key, 2);
    this.w3 = v6KeyWord(key, 3);
    this.len = key.charCodeAt(16) + 1;
    return hashV6(this.w0, this.w1, this.w2, this.w3, this.len);
  }

  /** Slot of the loaded key in segment s (or the empty slot ending its probe run). */
  private probe(keys: Int32Array, mask: number, h: number): number {
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const o = i * V6_SLOT;
      const l = keys[o + 4]! & V6_LEN_MASK;
      if (l === 0) return i;
      if (l === this.len && keys[o] === this.w0 && keys[o + 1] === this.w1 && keys[o + 2] === this.w2 && keys[o + 3] === this.w3) return i;
    }
  }

  get(key: V6Key): number {
    const h = this.load(key);
    const s = h >>> (32 - SEGMENT_BITS);
    const keys = this.keys[s]!;
    const o = this.probe(keys, this.masks[s]!, h) * V6_SLOT;
    const w = keys[o + 4]!;
    return w === 0 ? -1 : w >>> V6_LEN_BITS;
  }

  set(key: V6Key, row: number): void {
    if (!(row >= 0 && row <= V6_INDEX_MAX_VALUE)) throw new RangeError(`V6Index value out of range: ${row}`);
    const h = this.load(key);
    const s = h >>> (32 - SEGMENT_BITS);
    if ((this.counts[s]! + 1) * 5 > (this.masks[s]! + 1) * 4) this.grow(s);
    const keys = this.keys[s]!;
    const i = this.probe(keys, this.masks[s]!, h);
    const o = i * V6_SLOT;
    if (keys[o + 4] === 0) {
      keys[o] = this.w0;
      keys[o + 1] = this.w1;
      keys[o + 2] = this.w2;
      keys[o + 3] = this.w3;
      this.counts[s]++;
      this.count++;
    }
    keys[o + 4] = this.len | (row << V6_LEN_BITS);
  }

  delete(key: V6Key): boolean {
    const h0 = this.load(key);
    const s = h0 >>> (32 - SEGMENT_BITS);
    const keys = this.keys[s]!;
    const mask = this.masks[s]!;
    let i = this.probe(keys, mask, h0);
    if (keys[i * V6_SLOT + 4] === 0) return false;
    // Backward shift, as in V4Index.
    for (let j = (i + 1) & mask; keys[j * V6_SLOT + 4] !== 0; j = (j + 1) & mask) {
      const o = j * V6_SLOT;
      const h = hashV6(keys[o]!, keys[o + 1]!, keys[o + 2]!, keys[o + 3]!, keys[o + 4]! & V6_LEN_MASK) & mask;
      const stays = i <= j ? i < h && h <= j : i < h || h <= j;
      if (stays) continue;
      keys.copyWithin(i * V6_SLOT, o, o + V6_SLOT);
      i = j;
    }
    keys[i * V6_SLOT + 4] = 0;
    this.counts[s]--;
    this.count--;
    return true;
  }

  clear(): void {
    for (const k of this.keys) k.fill(0);
    this.counts.fill(0);
    this.count = 0;
  }

  forEachKey(fn: (key: V6Key) => void): void {
    for (const keys of this.keys) {
      for (let o = 0; o < keys.length; o += V6_SLOT) {
        const l = keys[o + 4]! & V6_LEN_MASK;
        if (l === 0) continue;
        fn(v6KeyFromWords(keys[o]!, keys[o + 1]!, keys[o + 2]!, keys[o + 3]!, l - 1));
      }
    }
  }

  private grow(s: number): void {
    const oldKeys = this.keys[s]!;
    const cap = (this.masks[s]! + 1) * 2;
    const keys = new Int32Array(cap * V6_SLOT);
    const mask = cap - 1;
    for (let j = 0; j <= this.masks[s]!; j++) {
      const o = j * V6_SLOT;
      if (oldKeys[o + 4] === 0) continue;
      let i = hashV6(oldKeys[o]!, oldKeys[o + 1]!, oldKeys[o + 2]!, oldKeys[o + 3]!, oldKeys[o + 4]! & V6_LEN_MASK) & mask;
      while (keys[i * V6_SLOT + 4] !== 0) i = (i + 1) & mask;
      // Word by word: a subarray per entry cost more than the copy.
      for (let k = 0; k < V6_SLOT; k++) keys[i * V6_SLOT + k] = oldKeys[o + k]!;
    }
    this.keys[s] = keys;
    this.masks[s] = mask;
  }

  get bytes(): number {
    let n = 0;
    for (let s = 0; s < SEGMENTS; s++) n += this.keys[s]!.byteLength;
    return n;
  }
}
