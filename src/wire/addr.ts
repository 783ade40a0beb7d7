/**
 * Address text <-> bytes for the codec. IPv6 text follows RFC 5952 (lowercase, longest run of two or
 * more zero groups as "::", first run on a tie). Parsing is strict: it returns null for anything
 * that is not a plain address (no zone, no brackets, no leading zeros in IPv4 octets).
 */

export function ipv4ToString(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function ipv4BytesToString(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** Dotted quad -> unsigned 32-bit number; strict: four decimal octets, no leading zeros. */
export function ipv4FromString(s: string): number | null {
  const n = s.length;
  if (n < 7 || n > 15) return null;
  let out = 0;
  let octets = 0;
  let i = 0;
  while (i < n) {
    const start = i;
    let v = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || v > 255 || (digits > 1 && s.charCodeAt(start) === 48)) return null;
    out = out * 256 + v;
    octets++;
    if (i === n) break;
    if (s.charCodeAt(i) !== 46 || octets === 4) return null;
    i++;
    if (i === n) return null;
  }
  return octets === 4 ? out : null;
}

export function ipv4ToBytes(s: string): Buffer | null {
  const n = ipv4FromString(s);
  if (n === null) return null;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

export function ipv6ToString(b: Uint8Array, off = 0): string {
  const g: number[] = new Array(8);
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  // IPv4-mapped addresses read best in mixed notation (RFC 5952 sec. 5).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number) => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  const left = g.slice(0, bestStart).map(hex).join(':');
  const right = g.slice(bestStart + bestLen).map(hex).join(':');
  return `${left}::${right}`;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function ipv6FromString(s: string): Buffer | null {
  if (s.length < 2 || s.length > 45) return null;
  let groups: string[];
  let tailV4: number | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return null;
  let text = s;
  if (s.indexOf('.', lastColon) > 0) {
    tailV4 = ipv4FromString(s.slice(lastColon + 1));
    if (tailV4 === null) return null;
    text = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    if (text.indexOf('::', dbl + 1) >= 0) return null;
    const left = text.slice(0, dbl);
    const right = text.slice(dbl + 2);
    const l = left === '' ? [] : left.split(':');
    const r = right === '' ? [] : right.split(':');
    if (l.length + r.length > 7) return null;
    groups = [...l, ...new Array<string>(8 - l.length - r.length).fill('0'), ...r];
  } else {
    groups = text.split(':');
    if (groups.length !== 8) return null;
  }
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) {
    const grp = groups[i]!;
    if (!HEX_GROUP.test(grp)) return null;
    out.writeUInt16BE(parseInt(grp, 16), 2 * i);
  }
  if (tailV4 !== null) out.writeUInt32BE(tailV4, 12);
  return out;
}

/** Parse either family; returns the 4- or 16-byte form. */
export function ipFromString(s: string): Buffer | null {
  return s.includes(':') ? ipv6FromString(s) : ipv4ToBytes(s);
}

export function ipToString(b: Uint8Array): string {
  return b.length === 4 ? ipv4BytesToString(b) : ipv6ToString(b);
}

/**
 * The few next hops a speaker sees, converted once: the codec meets the same handful of addresses
 * for every attribute set (one per session, typically), and parsing or formatting IPv6 text per
 * set measured ~100 ms over a full table.
 */
const v6Bytes = new Map<string, Buffer | null>();
const lastV6 = new Uint8Array(16);
let lastV6Text = '';

/** ipv6FromString for read-only use: the returned buffer is shared and must not be changed. */
export function ipv6BytesShared(s: string): Buffer | null {
  let b = v6Bytes.get(s);
  if (b === undefined) {
    if (v6Bytes.size >= 256) v6Bytes.clear();
    b = ipv6FromString(s);
    v6Bytes.set(s, b);
  }
  return b;
}

/** ipv6ToString, remembering the last address formatted (next hops repeat from one set to the next). */
export function ipv6ToStringRepeated(b: Uint8Array, off = 0): string {
  if (lastV6Text !== '') {
    let same = true;
    for (let i = 0; i < 16; i++) {
      if (b[off + i] !== lastV6[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastV6Text;
  }
  for (let i = 0; i < 16; i++) lastV6[i] = b[off + i]!;
  lastV6Text = ipv6ToString(b, off);
  return lastV6Text;
}
