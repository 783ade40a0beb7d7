/**
 * Community values as filters write them, with `*` wildcards, and the matchers built from them:
 *   standard (RFC 1997):  "65000:100", "65000:*", "*:*", or a well-known name (RFC 1997, RFC 7611
 *                         ACCEPT_OWN, RFC 7999 BLACKHOLE, RFC 8326 GRACEFUL_SHUTDOWN, RFC 9494
 *                         LLGR_STALE / NO_LLGR); NOPEER is accepted for NO_PEER (RFC 3765)
 *   large (RFC 8092):     "65000:1:1", any part may be `*`
 *   extended (RFC 4360):  "rt 65000:1", "soo 192.0.2.1:5", "rt 4200000000:1" (the type follows the
 *                         administrator: a 2-octet AS, an IPv4 address, a 4-octet AS; RFC 5668),
 *                         "rt 65000:*", "rt *:*", "*" (any), or exact bytes "0x" + 16 hex digits.
 * Each parser gives back the canonical text (what `-nv` prints and the config keeps); the engine
 * compiles canonical text only. Values with a wildcard match but cannot be added to a route.
 */

import { ipv4FromString, ipv4ToString } from '../wire/addr';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

const MAX_U32 = 4294967295;
const ANY = -1;

/** Well-known communities by name, in the order printed when a value has a name. */
export const WELL_KNOWN_COMMUNITIES: ReadonlyArray<readonly [string, number]> = [
  ['GRACEFUL_SHUTDOWN', 0xffff0000],
  ['ACCEPT_OWN', 0xffff0001],
  ['LLGR_STALE', 0xffff0006],
  ['NO_LLGR', 0xffff0007],
  ['BLACKHOLE', 0xffff029a],
  ['NO_EXPORT', 0xffffff01],
  ['NO_ADVERTISE', 0xffffff02],
  ['NO_EXPORT_SUBCONFED', 0xffffff03],
  ['NO_PEER', 0xffffff04],
];
const NAME_ALIASES: Readonly<Record<string, string>> = { NOPEER: 'NO_PEER' };
export const WELL_KNOWN_NAMES = WELL_KNOWN_COMMUNITIES.map(([n]) => n);
export const BLACKHOLE_COMMUNITY = 0xffff029a;

function wellKnown(name: string): number | undefined {
  const canonical = NAME_ALIASES[name] ?? name;
  return WELL_KNOWN_COMMUNITIES.find(([n]) => n === canonical)?.[1];
}

// ---- standard communities --------------------------------------------------------------------

/** A standard community pattern: each half a value or ANY (-1). */
export interface CommunityPattern {
  hi: number;
  lo: number;
}

function part(s: string, max: number, wildcard: boolean): number | undefined {
  if (s === '*' && wildcard) return ANY;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/** "ASN:VALUE" (each 0..65535, or `*` when wildcards are allowed) or a well-known name. */
export function parseCommunityPattern(s: string, wildcard: boolean): Parsed<CommunityPattern> {
  const named = wellKnown(s);
  if (named !== undefined) return ok({ hi: Math.floor(named / 65536), lo: named % 65536 });
  const m = /^([^:]+):([^:]+)$/.exec(s);
  const what = wildcard ? '"ASN:VALUE" with each between 0 and 65535 or "*"' : '"ASN:VALUE" with both between 0 and 65535';
  if (m) {
    const hi = part(m[1]!, 65535, wildcard);
    const lo = part(m[2]!, 65535, wildcard);
    if (hi !== undefined && lo !== undefined) return ok({ hi, lo });
    if (!wildcard && (m[1] === '*' || m[2] === '*')) return fail(`bad community "${s}": a wildcard cannot be added to a route`);
    if (/^[0-9]+$/.test(m[1]!) && /^[0-9]+$/.test(m[2]!)) return fail(`bad community "${s}": both halves must be between 0 and 65535`);
  }
  const upper = s.toUpperCase().replace(/-/g, '_');
  const hint = wellKnown(upper) !== undefined ? ` (did you mean "${upper}"?)` : '';
  return fail(`bad community "${s}": expected ${what}, or one of ${WELL_KNOWN_NAMES.join(', ')}${hint}`);
}

export function isExactCommunity(p: CommunityPattern): boolean {
  return p.hi !== ANY && p.lo !== ANY;
}

export function communityValue(p: CommunityPattern): number {
  return p.hi * 65536 + p.lo;
}

/** The well-known name when there is one, else "ASN:VALUE" (with `*` for wildcards). */
export function formatCommunityPattern(p: CommunityPattern): string {
  if (isExactCommunity(p)) return formatCommunityValue(communityValue(p));
  return `${p.hi === ANY ? '*' : p.hi}:${p.lo === ANY ? '*' : p.lo}`;
}

export function formatCommunityValue(c: number): string {
  for (const [name, v] of WELL_KNOWN_COMMUNITIES) if (v === c) return name;
  return `${Math.floor(c / 65536)}:${c % 65536}`;
}

// ---- large communities -----------------------------------------------------------------------

export type LargePattern = [number, number, number];

export function parseLargePattern(s: string, wildcard: boolean): Parsed<LargePattern> {
  const m = /^([^:]+):([^:]+):([^:]+)$/.exec(s);
  const parts = m ? [m[1]!, m[2]!, m[3]!].map((x) => part(x, MAX_U32, wildcard)) : [];
  if (m && parts.every((p) => p !== undefined)) return ok(parts as LargePattern);
  if (m && !wildcard && m.slice(1).includes('*')) return fail(`bad large community "${s}": a wildcard cannot be added to a route`);
  if (m && m.slice(1).every((x) => /^[0-9]+$/.test(x!) || x === '*')) return fail(`bad large community "${s}": each part must be between 0 and ${MAX_U32}`);
  return fail(`bad large community "${s}": expected "GLOBAL:DATA1:DATA2" (RFC 8092)${wildcard ? ', each a number or "*"' : ''}`);
}

export function formatLargePattern(p: readonly number[]): string {
  return p.map((x) => (x === ANY ? '*' : String(x))).join(':');
}

// ---- extended communities --------------------------------------------------------------------

const EXT_SUBTYPES: Readonly<Record<string, number>> = { rt: 0x02, soo: 0x03 };
const EXT_SUBTYPE_NAMES: Readonly<Record<number, string>> = { 0x02: 'rt', 0x03: 'soo' };
/** Type octets (transitive): two-octet AS specific, IPv4 address specific, four-octet AS specific. */
const T_AS2 = 0x00;
const T_IP4 = 0x01;
const T_AS4 = 0x02;

/**
 * An extended community pattern. `exact` holds the 8 bytes as 16 lowercase hex digits (the codec's
 * form); otherwise the parts are matched, ANY (-1) matching everything.
 */
export interface ExtPattern {
  exact?: string;
  /** '*': any extended community at all. */
  any?: boolean;
  subtype: number;
  /** Which administrator kinds match: an AS (types 0x00, 0x02), an IPv4 address (0x01), or any. */
  admin: 'as' | 'ip' | 'any';
  adminValue: number;
  local: number;
}

function hex(bytes: Buffer): string {
  return bytes.toString('hex');
}

export function parseExtPattern(s: string, wildcard: boolean): Parsed<ExtPattern> {
  if (s === '*') return wildcard ? ok({ any: true, subtype: ANY, admin: 'any', adminValue: ANY, local: ANY }) : fail(`bad extended community "${s}": a wildcard cannot be added to a route`);
  if (/^0x[0-9a-fA-F]{16}$/.test(s)) return ok({ exact: s.slice(2).toLowerCase(), subtype: ANY, admin: 'any', adminValue: ANY, local: ANY });
  const usage = `bad extended community "${s}": expected "rt ADMIN:VALUE" or "soo ADMIN:VALUE" (ADMIN an AS number or an IPv4 address${wildcard ? ', either part may be "*"' : ''}), or "0x" and 16 hex digits`;
  const m = /^(\S+)\s+([^:\s]+):(\S+)$/.exec(s.trim());
  if (!m) return fail(usage);
  const subtype = EXT_SUBTYPES[m[1]!.toLowerCase()];
  if (subtype === undefined) return fail(`bad extended community "${s}": unknown type "${m[1]}"; expected rt or soo (or "0x" and 16 hex digits)`);
  const adminText = m[2]!;
  const localText = m[3]!;
  if (!wildcard && (adminText === '*' || localText === '*')) return fail(`bad extended community "${s}": a wildcard cannot be added to a route`);
  if (adminText === '*') {
    const local = part(localText, MAX_U32, true);
    if (local === undefined) return fail(usage);
    return ok({ subtype, admin: 'any', adminValue: ANY, local });
  }
  if (adminText.includes('.')) {
    const ip = ipv4FromString(adminText);
    const local = part(localText, 65535, wildcard);
    if (ip === null) return fail(usage);
    if (local === undefined) return fail(`bad extended community "${s}": with an IPv4 administrator the value must be between 0 and 65535`);
    return finishExt({ subtype, admin: 'ip', adminValue: ip, local });
  }
  const asn = part(adminText, MAX_U32, false);
  if (asn === undefined) return fail(usage);
  const local = part(localText, asn > 65535 ? 65535 : MAX_U32, wildcard);
  if (local === undefined) {
    return fail(asn > 65535 ? `bad extended community "${s}": with a 4-octet AS the value must be between 0 and 65535` : `bad extended community "${s}": the value must be between 0 and ${MAX_U32}`);
  }
  return finishExt({ subtype, admin: 'as', adminValue: asn, local });
}

/** Exact parts become exact bytes, so that the two spellings of one value compare equal. */
function finishExt(p: ExtPattern): Parsed<ExtPattern> {
  if (p.local === ANY) return ok(p);
  const b = Buffer.alloc(8);
  b[1] = p.subtype;
  if (p.admin === 'ip') {
    b[0] = T_IP4;
    b.writeUInt32BE(p.adminValue, 2);
    b.writeUInt16BE(p.local, 6);
  } else if (p.adminValue > 65535) {
    b[0] = T_AS4;
    b.writeUInt32BE(p.adminValue, 2);
    b.writeUInt16BE(p.local, 6);
  } else {
    b[0] = T_AS2;
    b.writeUInt16BE(p.adminValue, 2);
    b.writeUInt32BE(p.local, 4);
  }
  return ok({ ...p, exact: hex(b) });
}

/** "rt 65000:1" for the kinds parseExtPattern names, else "0x" and the 16 hex digits. */
export function formatExtHex(h: string): string {
  const b = Buffer.from(h, 'hex');
  const name = EXT_SUBTYPE_NAMES[b[1]!];
  if (b.length !== 8 || name === undefined) return `0x${h}`;
  if (b[0] === T_AS2) return `${name} ${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`;
  if (b[0] === T_IP4) return `${name} ${ipv4ToString(b.readUInt32BE(2))}:${b.readUInt16BE(6)}`;
  if (b[0] === T_AS4) {
    const asn = b.readUInt32BE(2);
    // A 4-octet-AS value whose AS fits in two octets would read back as the 2-octet type.
    if (asn > 65535) return `${name} ${asn}:${b.readUInt16BE(6)}`;
  }
  return `0x${h}`;
}

export function formatExtPattern(p: ExtPattern): string {
  if (p.exact !== undefined) return formatExtHex(p.exact);
  if (p.any) return '*';
  const name = EXT_SUBTYPE_NAMES[p.subtype]!;
  const admin = p.admin === 'any' ? '*' : p.admin === 'ip' ? ipv4ToString(p.adminValue) : String(p.adminValue);
  return `${name} ${admin}:${p.local === ANY ? '*' : p.local}`;
}

// ---- matchers --------------------------------------------------------------------------------

function stdMatches(p: CommunityPattern, c: number): boolean {
  return (p.hi === ANY || p.hi === c >>> 16) && (p.lo === ANY || p.lo === (c & 0xffff));
}

function largeMatches(p: LargePattern, c: readonly number[]): boolean {
  return (p[0] === ANY || p[0] === c[0]) && (p[1] === ANY || p[1] === c[1]) && (p[2] === ANY || p[2] === c[2]);
}

function extMatches(p: ExtPattern, h: string): boolean {
  if (p.exact !== undefined) return p.exact === h;
  if (p.any) return true;
  if (h.length !== 16) return false;
  const type = parseInt(h.slice(0, 2), 16) & 0xbf; // either transitivity
  if (parseInt(h.slice(2, 4), 16) !== p.subtype) return false;
  let admin: number;
  let local: number;
  if (type === T_AS2) {
    if (p.admin === 'ip') return false;
    admin = parseInt(h.slice(4, 8), 16);
    local = parseInt(h.slice(8, 16), 16);
  } else if (type === T_IP4 || type === T_AS4) {
    if ((type === T_IP4 && p.admin === 'as') || (type === T_AS4 && p.admin === 'ip')) return false;
    admin = parseInt(h.slice(4, 12), 16);
    local = parseInt(h.slice(12, 16), 16);
  } else return false;
  return (p.adminValue === ANY || p.adminValue === admin) && (p.local === ANY || p.local === local);
}

function parsedOrThrow<T>(r: Parsed<T>): T {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/**
 * "Any of these values is present" over the three kinds of community, compiled from canonical text.
 * Exact standard values go into a Set; patterns with wildcards are tried one by one.
 */
export class CommunityMatcher {
  private readonly stdExact = new Set<number>();
  private readonly stdWild: CommunityPattern[] = [];
  private readonly large: LargePattern[];
  private readonly ext: ExtPattern[];

  constructor(communities: readonly string[], large: readonly string[], ext: readonly string[]) {
    for (const s of communities) {
      const p = parsedOrThrow(parseCommunityPattern(s, true));
      if (isExactCommunity(p)) this.stdExact.add(communityValue(p));
      else this.stdWild.push(p);
    }
    this.large = large.map((s) => parsedOrThrow(parseLargePattern(s, true)));
    this.ext = ext.map((s) => parsedOrThrow(parseExtPattern(s, true)));
  }

  get empty(): boolean {
    return this.stdExact.size + this.stdWild.length + this.large.length + this.ext.length === 0;
  }

  /** Some community of `values` is one of ours. */
  anyStandard(values: readonly number[] | undefined): boolean {
    if (values === undefined) return false;
    for (const c of values) if (this.standard(c)) return true;
    return false;
  }

  anyLarge(values: readonly (readonly number[])[] | undefined): boolean {
    if (values === undefined) return false;
    for (const c of values) if (this.largeOne(c)) return true;
    return false;
  }

  anyExt(values: readonly string[] | undefined): boolean {
    if (values === undefined) return false;
    for (const c of values) if (this.extOne(c)) return true;
    return false;
  }

  standard(c: number): boolean {
    if (this.stdExact.has(c)) return true;
    for (const p of this.stdWild) if (stdMatches(p, c)) return true;
    return false;
  }

  largeOne(c: readonly number[]): boolean {
    for (const p of this.large) if (largeMatches(p, c)) return true;
    return false;
  }

  extOne(h: string): boolean {
    for (const p of this.ext) if (extMatches(p, h)) return true;
    return false;
  }
}

/** Canonical text to the value to add (no wildcards). */
export function communityToAdd(s: string): number {
  return communityValue(parsedOrThrow(parseCommunityPattern(s, false)));
}

export function largeToAdd(s: string): [number, number, number] {
  return parsedOrThrow(parseLargePattern(s, false));
}

export function extToAdd(s: string): string {
  const p = parsedOrThrow(parseExtPattern(s, false));
  if (p.exact === undefined) throw new Error(`extended community "${s}" is not a single value`);
  return p.exact;
}
