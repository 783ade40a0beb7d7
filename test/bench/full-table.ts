/**
 * A synthetic full routing table, deterministic from a seed, as the UPDATE stream a transit provider
 * would send: IPv4 prefixes in plain NLRI, IPv6 in MP_REACH_NLRI, 4-octet ASNs, AS paths of 2-8 hops,
 * communities on most routes and MED on some, prefixes grouped into UPDATEs by attribute set.
 *
 * The bytes are written here directly rather than through src/wire, so that decoding them in a test
 * or benchmark checks the codec against an independent writer.
 */

export interface TableShape {
  seed: number;
  ipv4: number;
  ipv6: number;
  /** Target number of distinct attribute sets, i.e. of UPDATEs. */
  attributeSets: number;
  /** First AS of every path (the feeding peer). */
  peerAs: number;
  /** IPv4 next hop (NEXT_HOP) as a 32-bit number, and the IPv6 next hop (16 bytes). */
  nextHop4: number;
  nextHop6: Buffer;
}

export const FULL_TABLE: TableShape = {
  seed: 1,
  ipv4: 1_000_000,
  ipv6: 200_000,
  attributeSets: 420_000,
  peerAs: 65001,
  nextHop4: 0xc0000201, // 192.0.2.1
  nextHop6: Buffer.from('20010db8000000000000000000000001', 'hex'), // 2001:db8::1
};

export interface Table {
  updates: Buffer[];
  /** Total bytes of all UPDATEs. */
  bytes: number;
  ipv4: number;
  ipv6: number;
  /** IPv4 prefixes as key = address * 64 + length, IPv6 as "hex/len", in the order sent. */
  ipv4Keys: Float64Array;
  ipv6Keys: string[];
}

/** mulberry32: small, fast and good enough for shaping test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pick from a [value, weight] table. */
function weighted(rand: () => number, table: readonly (readonly [number, number])[]): number {
  let total = 0;
  for (const [, w] of table) total += w;
  let x = rand() * total;
  for (const [v, w] of table) {
    x -= w;
    if (x < 0) return v;
  }
  return table[table.length - 1]![0];
}

// Roughly the shape of the public tables in 2025: /24 dominates IPv4, /48 dominates IPv6.
const V4_LENGTHS = [
  [24, 600], [23, 90], [22, 110], [21, 45], [20, 45], [19, 30], [18, 15], [17, 10], [16, 20], [15, 3], [14, 2], [13, 2], [12, 1], [11, 1], [10, 1], [8, 1],
] as const;
const V6_LENGTHS = [[48, 500], [44, 80], [40, 60], [36, 40], [32, 120], [29, 30], [47, 30], [46, 30], [45, 20], [42, 20], [56, 10], [64, 5]] as const;

function v4Prefixes(rand: () => number, n: number): Float64Array {
  const seen = new Set<number>();
  const keys = new Float64Array(n);
  let i = 0;
  for (let guard = 0; i < n && guard < n * 4; guard++) {
    const len = weighted(rand, V4_LENGTHS);
    // Public-looking space: first octet 1..223, skipping 10 and 127.
    let first = 1 + Math.floor(rand() * 222);
    if (first === 10 || first === 127) first++;
    const addr = ((first << 24) | Math.floor(rand() * 0x1000000)) >>> 0;
    const masked = len === 0 ? 0 : (addr & ((0xffffffff << (32 - len)) >>> 0)) >>> 0;
    const key = masked * 64 + len;
    if (seen.has(key)) continue;
    seen.add(key);
    keys[i++] = key;
  }
  if (i < n) throw new Error(`could only make ${i} distinct IPv4 prefixes`);
  return keys;
}

function v6Prefixes(rand: () => number, n: number): Buffer[] {
  const seen = new Set<string>();
  const out: Buffer[] = [];
  for (let guard = 0; out.length < n && guard < n * 4; guard++) {
    const len = weighted(rand, V6_LENGTHS);
    const b = Buffer.alloc(17);
    b.writeUInt32BE(0x20010000 | Math.floor(rand() * 0x10000) | (rand() < 0.5 ? 0x4000000 : 0), 0); // 2001:/2401: ...
    b.writeUInt32BE(Math.floor(rand() * 0x100000000) >>> 0, 4);
    // Clear host bits beyond len.
    for (let bit = len; bit < 128; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
    b[16] = len;
    const key = b.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(b);
  }
  if (out.length < n) throw new Error(`could only make ${out.length} distinct IPv6 prefixes`);
  return out;
}

interface AttrSet {
  path: number[];
  communities: number[];
  med: number;
}

function attrSet(rand: () => number, peerAs: number): AttrSet {
  const hops = 2 + Math.floor(rand() * 7); // 2..8
  const path = [peerAs];
  for (let h = 1; h < hops; h++) {
    // Mostly 4-octet ASNs for the origin, a mix on the way.
    path.push(h === hops - 1 || rand() < 0.4 ? 131072 + Math.floor(rand() * 4_000_000) : 1 + Math.floor(rand() * 64000));
  }
  const nc = rand() < 0.3 ? 0 : 1 + Math.floor(rand() * 4);
  const communities: number[] = [];
  for (let c = 0; c < nc; c++) communities.push(((peerAs & 0xffff) * 65536 + Math.floor(rand() * 65536)) >>> 0);
  return { path, communities, med: rand() < 0.25 ? Math.floor(rand() * 1000) : -1 };
}

/** Size of each group of prefixes sharing an attribute set, averaging total/sets. */
function groupSizes(rand: () => number, total: number, sets: number): number[] {
  const mean = total / sets;
  const sizes: number[] = [];
  let left = total;
  while (left > 0) {
    // Geometric-like: many singles, a long tail (a provider's aggregates share attributes).
    const s = Math.min(left, 1 + Math.floor(-Math.log(1 - rand()) * (mean - 1) + 0.5));
    sizes.push(s);
    left -= s;
  }
  return sizes;
}

function writeHeader(b: Buffer, len: number): void {
  b.fill(0xff, 0, 16);
  b.writeUInt16BE(len, 16);
  b[18] = 2;
}

function commonAttrs(a: AttrSet, out: number[]): void {
  out.push(0x40, 1, 1, 0); // ORIGIN IGP
  out.push(0x40, 2, 2 + 4 * a.path.length, 2, a.path.length); // AS_PATH, one AS_SEQUENCE
  for (const asn of a.path) out.push(asn >>> 24, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255);
}

function tailAttrs(a: AttrSet, out: number[]): void {
  if (a.med >= 0) out.push(0x80, 4, 4, 0, 0, (a.med >>> 8) & 255, a.med & 255);
  if (a.communities.length > 0) {
    out.push(0xc0, 8, 4 * a.communities.length);
    for (const c of a.communities) out.push(c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255);
  }
}

function v4Update(a: AttrSet, shape: TableShape, keys: Float64Array, from: number, to: number): Buffer {
  const attrs: number[] = [];
  commonAttrs(a, attrs);
  const nh = shape.nextHop4;
  attrs.push(0x40, 3, 4, nh >>> 24, (nh >>> 16) & 255, (nh >>> 8) & 255, nh & 255);
  tailAttrs(a, attrs);
  const nlri: number[] = [];
  for (let i = from; i < to; i++) {
    const key = keys[i]!;
    const len = key % 64;
    const addr = (key - len) / 64;
    nlri.push(len);
    for (let byte = 0; byte < (len + 7) >> 3; byte++) nlri.push((addr >>> (24 - 8 * byte)) & 255);
  }
  const total = 19 + 2 + 2 + attrs.length + nlri.length;
  const b = Buffer.alloc(total);
  writeHeader(b, total);
  b.writeUInt16BE(0, 19);
  b.writeUInt16BE(attrs.length, 21);
  b.set(attrs, 23);
  b.set(nlri, 23 + attrs.length);
  return b;
}

function v6Update(a: AttrSet, shape: TableShape, prefixes: Buffer[], from: number, to: number): Buffer {
  const mp: number[] = [0, 2, 1, 16, ...shape.nextHop6, 0]; // AFI 2, SAFI 1, NH len 16, NH, reserved
  for (let i = from; i < to; i++) {
    const p = prefixes[i]!;
    const len = p[16]!;
    mp.push(len);
    for (let byte = 0; byte < (len + 7) >> 3; byte++) mp.push(p[byte]!);
  }
  const attrs: number[] = [];
  commonAttrs(a, attrs);
  tailAttrs(a, attrs);
  if (mp.length > 255) attrs.push(0x90, 14, mp.length >> 8, mp.length & 255);
  else attrs.push(0x80, 14, mp.length);
  attrs.push(...mp);
  const total = 19 + 2 + 2 + attrs.length;
  const b = Buffer.alloc(total);
  writeHeader(b, total);
  b.writeUInt16BE(0, 19);
  b.writeUInt16BE(attrs.length, 21);
  b.set(attrs, 23);
  return b;
}

/** Build the table's UPDATEs. A full table takes a few seconds; callers may cache the result. */
export function buildTable(shape: TableShape = FULL_TABLE): Table {
  const rand = prng(shape.seed);
  const v4 = v4Prefixes(rand, shape.ipv4);
  const v6 = v6Prefixes(rand, shape.ipv6);
  const total = shape.ipv4 + shape.ipv6;
  const sizes = groupSizes(rand, total, shape.attributeSets);
  const updates: Buffer[] = [];
  let bytes = 0;
  let i4 = 0;
  let i6 = 0;
  for (const size of sizes) {
    const a = attrSet(rand, shape.peerAs);
    // Keep each family's share of groups in proportion; cap a group so it fits in 4096 bytes.
    const wantV6 = i6 < shape.ipv6 && (i4 >= shape.ipv4 || rand() < shape.ipv6 / total);
    if (wantV6) {
      const n = Math.min(size, shape.ipv6 - i6, 180);
      updates.push(v6Update(a, shape, v6, i6, i6 + n));
      i6 += n;
    } else {
      const n = Math.min(size, shape.ipv4 - i4, 700);
      updates.push(v4Update(a, shape, v4, i4, i4 + n));
      i4 += n;
    }
    bytes += updates[updates.length - 1]!.length;
  }
  // Whatever the group sizes left over (rare), in further UPDATEs.
  while (i4 < shape.ipv4) {
    const n = Math.min(700, shape.ipv4 - i4);
    const u = v4Update(attrSet(rand, shape.peerAs), shape, v4, i4, i4 + n);
    updates.push(u);
    bytes += u.length;
    i4 += n;
  }
  while (i6 < shape.ipv6) {
    const n = Math.min(180, shape.ipv6 - i6);
    const u = v6Update(attrSet(rand, shape.peerAs), shape, v6, i6, i6 + n);
    updates.push(u);
    bytes += u.length;
    i6 += n;
  }
  return {
    updates,
    bytes,
    ipv4: shape.ipv4,
    ipv6: shape.ipv6,
    ipv4Keys: v4,
    ipv6Keys: v6.map((p) => p.toString('hex')),
  };
}

/** The same table shape with `scale` times the prefixes and attribute sets (quick runs: 0.1). */
export function scaledShape(scale: number, shape: TableShape = FULL_TABLE): TableShape {
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`scale must be in (0, 1], got ${scale}`);
  return {
    ...shape,
    ipv4: Math.max(1, Math.round(shape.ipv4 * scale)),
    ipv6: Math.max(1, Math.round(shape.ipv6 * scale)),
    attributeSets: Math.max(1, Math.round(shape.attributeSets * scale)),
  };
}

/**
 * UPDATEs withdrawing the given prefixes (keys as in Table: IPv4 address * 64 + length, IPv6 as the
 * hex of 16 address bytes and the length): IPv4 in the Withdrawn Routes field, IPv6 in
 * MP_UNREACH_NLRI, each message filled up to 4096 bytes.
 */
export function withdrawalUpdates(ipv4Keys: ArrayLike<number>, ipv6Keys: readonly string[]): Buffer[] {
  const MAX = 4096;
  const out: Buffer[] = [];
  let routes: number[] = [];
  const flush4 = (): void => {
    const total = 19 + 2 + routes.length + 2;
    const b = Buffer.alloc(total);
    writeHeader(b, total);
    b.writeUInt16BE(routes.length, 19);
    b.set(routes, 21);
    b.writeUInt16BE(0, 21 + routes.length);
    out.push(b);
    routes = [];
  };
  for (let i = 0; i < ipv4Keys.length; i++) {
    const key = ipv4Keys[i]!;
    const len = key % 64;
    const addr = (key - len) / 64;
    const n = (len + 7) >> 3;
    if (23 + routes.length + 1 + n > MAX) flush4();
    routes.push(len);
    for (let byte = 0; byte < n; byte++) routes.push((addr >>> (24 - 8 * byte)) & 255);
  }
  if (routes.length > 0) flush4();
  // Header, Withdrawn Routes Length, Total Path Attribute Length, attribute header with a 2-octet
  // length, AFI and SAFI.
  const OVERHEAD6 = 19 + 2 + 2 + 4 + 3;
  const flush6 = (): void => {
    const attrLen = 4 + 3 + routes.length;
    const total = 19 + 2 + 2 + attrLen;
    const b = Buffer.alloc(total);
    writeHeader(b, total);
    b.writeUInt16BE(0, 19);
    b.writeUInt16BE(attrLen, 21);
    b.set([0x90, 15, (3 + routes.length) >> 8, (3 + routes.length) & 255, 0, 2, 1], 23);
    b.set(routes, 30);
    out.push(b);
    routes = [];
  };
  for (const hex of ipv6Keys) {
    const p = Buffer.from(hex, 'hex');
    const len = p[16]!;
    const n = (len + 7) >> 3;
    if (OVERHEAD6 + routes.length + 1 + n > MAX) flush6();
    routes.push(len);
    for (let byte = 0; byte < n; byte++) routes.push(p[byte]!);
  }
  if (routes.length > 0) flush6();
  return out;
}
