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

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/;

export function ipv4FromString(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!V4_OCTET.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
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
