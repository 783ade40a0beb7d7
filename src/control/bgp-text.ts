/**
 * How BGP values are spelled in tsbgpctl's output, in bgpctl's words so that operators moving from
 * OpenBGPD read what they are used to: AS paths (`{ }` for AS_SET, `( )` / `[ ]` for confederation
 * segments), communities (well-known ones by name), large and extended communities, origin names
 * and letters, family names ("IPv4 unicast"), NOTIFICATION codes ("Cease, administratively down"),
 * time spans (`00:00:06`, `1d02h03m`, `02w3d04h`) and byte counts (`48.0K`).
 *
 * Pure functions only: both the daemon (JSON strings) and the CLI (text layouts) use them.
 */

import type { AsPathSegment } from '../wire/attributes/types';
import { AsPathSegmentType, FamilyKey, IPV4_UNICAST, IPV6_UNICAST, WellKnownCommunity } from '../wire/iana';

// ---- time spans and sizes ----------------------------------------------------------------------

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * bgpctl's time span: `HH:MM:SS` under a day, `1d02h03m` under a week, `02w3d04h` under 1000
 * weeks, then `1234w`. Negative spans are in the future: `due in 00:00:29`.
 */
export function formatTimeframe(seconds: number): string {
  let due = '';
  let t = Math.floor(seconds);
  if (t < 0) {
    due = 'due in ';
    t = -t;
  }
  const sec = t % 60;
  t = Math.floor(t / 60);
  const min = t % 60;
  t = Math.floor(t / 60);
  const hrs = t % 24;
  t = Math.floor(t / 24);
  const day = t % 7;
  const week = Math.floor(t / 7);
  if (week >= 1000) return `${due}${pad2(week)}w`;
  if (week > 0) return `${due}${pad2(week)}w${day}d${pad2(hrs)}h`;
  if (day > 0) return `${due}${day}d${pad2(hrs)}h${pad2(min)}m`;
  return `${due}${pad2(hrs)}:${pad2(min)}:${pad2(sec)}`;
}

/** A span since an event, or `Never` when there was none (undefined). */
export function formatSince(seconds: number | undefined): string {
  return seconds === undefined ? 'Never' : formatTimeframe(seconds);
}

const SCALE = ['B', 'K', 'M', 'G', 'T', 'P', 'E'];

/** A byte count as OpenBSD's fmt_scaled(3) writes it: `512B`, `1.5K`, `48.0K`, `123M`. */
export function formatBytes(bytes: number): string {
  const n = Math.max(0, Math.floor(bytes));
  if (n === 0) return '0B';
  let unit = 0;
  while (unit < SCALE.length - 1 && n / 1024 >= 1024 ** unit) unit++;
  if (unit === 0) return `${n}B`;
  const factor = 1024 ** unit;
  let whole = Math.floor(n / factor);
  let tenth = Math.floor((10 * Math.floor((n % factor) / (factor / 1024)) + 512) / 1024);
  if (tenth >= 10) {
    whole++;
    tenth = 0;
  }
  if (whole >= 100) return `${tenth >= 5 ? whole + 1 : whole}${SCALE[unit]}`;
  return `${whole}.${tenth}${SCALE[unit]}`;
}

// ---- attributes --------------------------------------------------------------------------------

/** An AS path as bgpctl prints it: `64500 64501 { 64510 64511 } ( 64520 )`; empty path: "". */
export function formatAsPath(segments: readonly AsPathSegment[] | undefined): string {
  if (!segments) return '';
  const parts: string[] = [];
  for (const s of segments) {
    const list = s.asns.join(' ');
    if (s.type === AsPathSegmentType.AS_SET) parts.push(`{ ${list} }`);
    else if (s.type === AsPathSegmentType.AS_CONFED_SEQUENCE) parts.push(`( ${list} )`);
    else if (s.type === AsPathSegmentType.AS_CONFED_SET) parts.push(`[ ${list} ]`);
    else if (list !== '') parts.push(list);
  }
  return parts.join(' ');
}

export const ORIGIN_NAMES = ['IGP', 'EGP', 'incomplete'] as const;
const ORIGIN_LETTERS = ['i', 'e', '?'];

/** `IGP`, `EGP`, `incomplete` (bgpctl's detail and JSON spelling). */
export function originName(origin: number | undefined): string {
  return ORIGIN_NAMES[origin ?? -1] ?? 'bad origin';
}

/** `i`, `e`, `?` (the last column of `show rib`). */
export function originLetter(name: string): string {
  const i = (ORIGIN_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? 'X' : ORIGIN_LETTERS[i]!;
}

const WELL_KNOWN_NAMES = new Map<number, string>([
  [WellKnownCommunity.GRACEFUL_SHUTDOWN, 'GRACEFUL_SHUTDOWN'],
  [WellKnownCommunity.NO_EXPORT, 'NO_EXPORT'],
  [WellKnownCommunity.NO_ADVERTISE, 'NO_ADVERTISE'],
  [WellKnownCommunity.NO_EXPORT_SUBCONFED, 'NO_EXPORT_SUBCONFED'],
  [WellKnownCommunity.NO_PEER, 'NO_PEER'],
  [WellKnownCommunity.BLACKHOLE, 'BLACKHOLE'],
]);

/** Well-known community names as bgpctl accepts and prints them, with their values. */
export const WELL_KNOWN_COMMUNITIES: ReadonlyMap<string, number> = new Map([...WELL_KNOWN_NAMES].map(([v, n]) => [n, v]));

/** An RFC 1997 community: `65000:100`, or its well-known name. */
export function formatCommunity(c: number): string {
  return WELL_KNOWN_NAMES.get(c) ?? `${Math.floor(c / 65536)}:${c % 65536}`;
}

export function formatLargeCommunity(c: readonly [number, number, number]): string {
  return `${c[0]}:${c[1]}:${c[2]}`;
}

/** Sub-type names per extended community type (RFC 4360, RFC 5668, RFC 7153), as bgpctl names them. */
const EXT_SUBTYPES: Record<number, Record<number, string>> = {
  0x00: { 0x02: 'rt', 0x03: 'soo', 0x05: 'odi', 0x08: 'bdc', 0x09: 'srcas', 0x0a: 'l2vid' },
  0x01: { 0x02: 'rt', 0x03: 'soo', 0x05: 'odi', 0x07: 'ori', 0x0a: 'l2vid', 0x0b: 'vrfri' },
  0x02: { 0x02: 'rt', 0x03: 'soo', 0x05: 'odi', 0x08: 'bdc', 0x09: 'srcas' },
  0x03: { 0x06: 'ort', 0x0c: 'encap', 0x0d: 'defgw' },
  0x43: { 0x00: 'ovs' },
};

/** An extended community (16 hex digits, as the codec keeps it): `rt 65000:1`, else `0x...`. */
export function formatExtCommunity(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  if (b.length !== 8) return `0x${hex}`;
  const type = b[0]!;
  const sub = EXT_SUBTYPES[type & 0xbf]?.[b[1]!] ?? EXT_SUBTYPES[type]?.[b[1]!];
  if (sub === undefined) return `0x${hex.replace(/^0+(?=.)/, '')}`;
  switch (type & 0xbf) {
    case 0x00:
      return `${sub} ${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`;
    case 0x01:
      return `${sub} ${b[2]}.${b[3]}.${b[4]}.${b[5]}:${b.readUInt16BE(6)}`;
    case 0x02:
      return `${sub} ${b.readUInt32BE(2)}:${b.readUInt16BE(6)}`;
    default:
      return `${sub} 0x${b.subarray(2).toString('hex').replace(/^0+(?=.)/, '')}`;
  }
}

// ---- families ----------------------------------------------------------------------------------

/** `IPv4 unicast`, `IPv6 unicast` (bgpctl's aid names). */
export function familyLabel(f: FamilyKey): string {
  if (f === IPV4_UNICAST) return 'IPv4 unicast';
  if (f === IPV6_UNICAST) return 'IPv6 unicast';
  return `AFI ${f >>> 8} SAFI ${f & 0xff}`;
}

// ---- NOTIFICATIONs -----------------------------------------------------------------------------

const ERROR_NAMES = [
  'none',
  'Header error',
  'error in OPEN message',
  'error in UPDATE message',
  'HoldTimer expired',
  'Finite State Machine error',
  'Cease',
  'error in ROUTE-REFRESH message',
  'SendHoldTimer expired',
];

const SUBCODE_NAMES: Record<number, readonly string[]> = {
  1: ['unspecific', 'synchronization error', 'wrong length', 'unknown message type'],
  2: [
    'unspecific',
    'version mismatch',
    'AS unacceptable',
    'BGPID invalid',
    'optional parameter error',
    'authentication error',
    'unacceptable holdtime',
    'unsupported capability',
    'group membership conflict',
    'group membership required',
    'reserved',
    'role mismatch',
  ],
  3: [
    'unspecific',
    'attribute list error',
    'unknown well-known attribute',
    'well-known attribute missing',
    'attribute flags error',
    'attribute length wrong',
    'origin unacceptable',
    'loop detected',
    'nexthop unacceptable',
    'optional attribute error',
    'network unacceptable',
    'AS-Path unacceptable',
  ],
  5: ['unspecified error', 'received unexpected message in OpenSent', 'received unexpected message in OpenConfirm', 'received unexpected message in Established'],
  6: ['', 'max-prefix exceeded', 'administratively down', 'peer unconfigured', 'administrative reset', 'connection rejected', 'other config change', 'collision', 'resource exhaustion', 'hard reset', 'BFD down'],
  7: ['unspecific', 'invalid message length'],
};

/** A NOTIFICATION code and subcode as bgpctl's "Last error" lines say it: `Cease, administratively down`. */
export function notificationText(code: number, subcode: number): string {
  const name = ERROR_NAMES[code];
  if (name === undefined) return `unknown error code ${code} subcode ${subcode}`;
  const subs = SUBCODE_NAMES[code];
  if (subs === undefined) return subcode === 0 ? name : `${name}, unknown subcode ${subcode}`;
  const sub = subs[subcode];
  if (sub === undefined) return `${name}, unknown subcode ${subcode}`;
  return sub === '' ? name : `${name}, ${sub}`;
}
