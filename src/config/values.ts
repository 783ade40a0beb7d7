/**
 * The text forms of bgpd.toml values that are more than a TOML type: AS numbers (asplain, asdot as
 * in RFC 5396), addresses and prefixes (canonical forms: IPv6 per RFC 5952), "ADDRESS:PORT",
 * communities (RFC 1997; well-known names and wildcards in policy/communities.ts) and large communities
 * (RFC 8092). Each parser returns the value or a message saying what was expected; each printer
 * gives the canonical text the parser accepts back.
 */

import { ipv4FromString, ipv4ToString, ipv6FromString, ipv6ToString } from '../wire/addr';
import { communityValue, formatCommunityValue, parseCommunityPattern } from '../policy/communities';
import { AS_TRANS, IPV4_UNICAST, IPV6_UNICAST, type FamilyKey } from '../wire/iana';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

export const MAX_U32 = 4294967295;

/** Checks an AS number given as an integer (asplain). */
export function checkAsNumber(n: number): Parsed<number> {
  if (n < 1 || n > MAX_U32) return fail(`AS number must be between 1 and ${MAX_U32}`);
  // RFC 6793 sec. 9: AS_TRANS stands in for 4-octet ASes and is nobody's own AS.
  if (n === AS_TRANS) return fail(`${AS_TRANS} is AS_TRANS (RFC 6793), not a usable AS number`);
  return ok(n);
}

/** An asdot string ("1.10" = 65546; RFC 5396). Plain numbers must be TOML integers, not strings. */
export function parseAsDot(s: string): Parsed<number> {
  const m = /^(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})$/.exec(s);
  if (!m) return fail(`expected an AS number: an integer, or an asdot string like "1.10"`);
  const high = Number(m[1]);
  const low = Number(m[2]);
  if (high > 65535 || low > 65535) return fail(`asdot "${s}": both halves must be between 0 and 65535`);
  return checkAsNumber(high * 65536 + low);
}

export interface ParsedAddress {
  /** Canonical text (IPv6 per RFC 5952). */
  text: string;
  family: FamilyKey;
  bytes: Buffer;
}

export function parseAddress(s: string): Parsed<ParsedAddress> {
  if (s.includes(':')) {
    const b = ipv6FromString(s);
    if (b) return ok({ text: ipv6ToString(b), family: IPV6_UNICAST, bytes: b });
  } else {
    const n = ipv4FromString(s);
    if (n !== null) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n, 0);
      return ok({ text: ipv4ToString(n), family: IPV4_UNICAST, bytes: b });
    }
  }
  return fail(`"${s}" is not an IPv4 or IPv6 address`);
}

export interface ParsedPrefix {
  /** Canonical "ADDRESS/LENGTH". */
  text: string;
  family: FamilyKey;
}

export function parsePrefix(s: string): Parsed<ParsedPrefix> {
  const slash = s.indexOf('/');
  const usage = `"${s}" is not a prefix (expected ADDRESS/LENGTH, like "198.51.100.0/24" or "2001:db8::/32")`;
  if (slash < 0) return fail(usage);
  const addr = parseAddress(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!addr.ok || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return fail(usage);
  const len = Number(lenText);
  const bits = addr.value.bytes.length * 8;
  if (len > bits) return fail(`"${s}": prefix length must be at most ${bits}`);
  const masked = Buffer.from(addr.value.bytes);
  for (let bit = len; bit < bits; bit++) masked[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const network = masked.length === 4 ? ipv4ToString(masked.readUInt32BE(0)) : ipv6ToString(masked);
  if (!masked.equals(addr.value.bytes)) return fail(`"${s}" has host bits set (did you mean "${network}/${len}"?)`);
  return ok({ text: `${network}/${len}`, family: addr.value.family });
}

export interface HostPort {
  host: string;
  port: number;
}

/** "192.0.2.1:9179" or "[2001:db8::1]:9179". */
export function parseHostPort(s: string): Parsed<HostPort> {
  const usage = `expected "ADDRESS:PORT" (an IPv6 address in brackets: "[::1]:9179"), got "${s}"`;
  const m = /^\[([^\]]+)\]:([0-9]{1,5})$/.exec(s) ?? /^([^:[\]]+):([0-9]{1,5})$/.exec(s);
  if (!m) return fail(usage);
  const addr = parseAddress(m[1]!);
  if (!addr.ok) return fail(addr.message);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return fail(`port must be between 1 and 65535`);
  return ok({ host: addr.value.text, port });
}

export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

/** "ASN:VALUE" with both halves 0..65535, or a well-known name such as "NO_EXPORT". */
export function parseCommunity(s: string): Parsed<number> {
  const p = parseCommunityPattern(s, false);
  return p.ok ? ok(communityValue(p.value)) : p;
}

/** The well-known name when there is one, else "ASN:VALUE". */
export function formatCommunity(c: number): string {
  return formatCommunityValue(c);
}

/** "GLOBAL:DATA1:DATA2", each 0..4294967295 (RFC 8092). */
export function parseLargeCommunity(s: string): Parsed<[number, number, number]> {
  const m = /^([0-9]+):([0-9]+):([0-9]+)$/.exec(s);
  if (!m) return fail(`bad large community "${s}": expected "GLOBAL:DATA1:DATA2" (RFC 8092)`);
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  if (parts.some((p) => p > MAX_U32)) return fail(`bad large community "${s}": each part must be between 0 and ${MAX_U32}`);
  return ok(parts);
}

export function formatLargeCommunity(c: readonly [number, number, number]): string {
  return c.join(':');
}

/** A file mode: "0660" (a string of octal digits) or a TOML octal integer (0o660). */
export function parseFileMode(v: string | number): Parsed<number> {
  if (typeof v === 'number') return v >= 0 && v <= 0o7777 && Number.isInteger(v) ? ok(v) : fail('file mode must be between 0 and 0o7777');
  if (!/^0?[0-7]{3,4}$/.test(v)) return fail(`file mode "${v}" is not octal digits like "0660"`);
  return ok(parseInt(v, 8));
}

export function formatFileMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
