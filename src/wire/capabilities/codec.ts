/**
 * Capability codec (RFC 5492 sec. 4): the value of one Capabilities optional parameter is a list
 * of (code, one-octet length, value) triples.
 *
 * Understood here: Multiprotocol (RFC 4760 sec. 8), Route Refresh (RFC 2918 sec. 2), Enhanced Route
 * Refresh (RFC 7313 sec. 3.1), 4-octet AS (RFC 6793 sec. 3), Graceful Restart (RFC 4724 sec. 3, N bit
 * of RFC 8538 sec. 2), ADD-PATH (RFC 7911 sec. 4), Extended Message (RFC 8654 sec. 3), BGP Role
 * (RFC 9234 sec. 4.1) and FQDN (draft-walton-bgp-hostname-capability sec. 3). Every other code is
 * kept raw: RFC 5492 has a speaker ignore capabilities it does not understand, and keeping the bytes
 * still lets `show` and re-encoding see them.
 *
 * Departures and choices:
 * - A capability this codec understands whose value has the wrong length is a malformed optional
 *   parameter: RFC 4271 sec. 6.2 ("recognized, but is malformed" -> subcode 0). The decoder returns
 *   a reason string and the OPEN decoder turns it into that NOTIFICATION.
 * - FQDN is a draft with no error handling of its own and is informational only, so a malformed
 *   FQDN capability is kept raw (kind 'unknown', code 73) instead of tearing the session down.
 * - ADD-PATH Send/Receive values outside 1..3 are kept as received; negotiation ignores them.
 */

import { ReadOverrun } from '../errors';
import { CapabilityCode } from '../iana';
import { Reader } from '../reader';
import { Writer } from '../writer';
import { isUtf8 } from 'node:buffer';
import type { AddPathFamily, Capability, GracefulRestartFamily } from './types';

/** RFC 4724 sec. 3: Restart Flags are the top 4 bits of a 16-bit field, Restart Time the low 12. */
const GR_RESTARTING = 0x8000;
const GR_NOTIFICATION = 0x4000; // RFC 8538 sec. 2
const GR_RESERVED_FLAGS_SHIFT = 12;
const GR_RESERVED_FLAGS_MASK = 0x3; // the two unassigned flag bits, after the shift
const GR_TIME_MASK = 0x0fff;
const GR_FORWARDING = 0x80;

const MAX_CAPABILITY_VALUE = 255;

/** The capability code a decoded capability is carried under. */
export function capabilityCode(cap: Capability): number {
  switch (cap.kind) {
    case 'multiprotocol':
      return CapabilityCode.MULTIPROTOCOL;
    case 'route-refresh':
      return CapabilityCode.ROUTE_REFRESH;
    case 'enhanced-route-refresh':
      return CapabilityCode.ENHANCED_ROUTE_REFRESH;
    case 'four-octet-as':
      return CapabilityCode.FOUR_OCTET_AS;
    case 'graceful-restart':
      return CapabilityCode.GRACEFUL_RESTART;
    case 'add-path':
      return CapabilityCode.ADD_PATH;
    case 'extended-message':
      return CapabilityCode.EXTENDED_MESSAGE;
    case 'role':
      return CapabilityCode.ROLE;
    case 'fqdn':
      return CapabilityCode.FQDN;
    case 'unknown':
      return cap.code;
  }
}

function malformed(code: number, what: string): string {
  return `capability ${code}: ${what}`;
}

function exactLength(code: number, value: Buffer, want: number): string | null {
  return value.length === want ? null : malformed(code, `length ${value.length}, expected ${want}`);
}

/**
 * Decode one capability value. Returns the capability, or a string saying why a capability this
 * codec understands is malformed. `value` is not retained: raw values are copied, so a decoded OPEN
 * does not pin the receive buffer it came from.
 */
export function decodeCapability(code: number, value: Buffer): Capability | string {
  let bad: string | null;
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL: {
      // RFC 4760 sec. 8: AFI (2), Reserved (1), SAFI (1).
      if ((bad = exactLength(code, value, 4))) return bad;
      const cap: Capability = { kind: 'multiprotocol', afi: value.readUInt16BE(0), safi: value[3]! };
      if (value[2] !== 0) cap.reserved = value[2]!;
      return cap;
    }
    case CapabilityCode.ROUTE_REFRESH:
      // RFC 2918 sec. 2: Capability Length 0.
      return exactLength(code, value, 0) ?? { kind: 'route-refresh' };
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      // RFC 7313 sec. 3.1: Capability Length 0.
      return exactLength(code, value, 0) ?? { kind: 'enhanced-route-refresh' };
    case CapabilityCode.EXTENDED_MESSAGE:
      // RFC 8654 sec. 3: Capability Length 0.
      return exactLength(code, value, 0) ?? { kind: 'extended-message' };
    case CapabilityCode.FOUR_OCTET_AS:
      // RFC 6793 sec. 3: the 4-octet AS number.
      return exactLength(code, value, 4) ?? { kind: 'four-octet-as', asn: value.readUInt32BE(0) };
    case CapabilityCode.ROLE:
      // RFC 9234 sec. 4.1: Capability Length 1.
      return exactLength(code, value, 1) ?? { kind: 'role', role: value[0]! };
    case CapabilityCode.GRACEFUL_RESTART:
      return decodeGracefulRestart(value);
    case CapabilityCode.ADD_PATH:
      return decodeAddPath(value);
    case CapabilityCode.FQDN:
      return decodeFqdn(value) ?? { kind: 'unknown', code, value: Buffer.from(value) };
    default:
      return { kind: 'unknown', code, value: Buffer.from(value) };
  }
}

function decodeGracefulRestart(value: Buffer): Capability | string {
  // RFC 4724 sec. 3: Restart Flags + Restart Time (2), then (AFI 2, SAFI 1, Flags 1) per family.
  if (value.length < 2 || (value.length - 2) % 4 !== 0) {
    return malformed(CapabilityCode.GRACEFUL_RESTART, `length ${value.length} is not 2 + 4n`);
  }
  const head = value.readUInt16BE(0);
  const families: GracefulRestartFamily[] = [];
  for (let p = 2; p < value.length; p += 4) {
    const flags = value[p + 3]!;
    const fam: GracefulRestartFamily = {
      afi: value.readUInt16BE(p),
      safi: value[p + 2]!,
      forwardingPreserved: (flags & GR_FORWARDING) !== 0,
    };
    if (flags & ~GR_FORWARDING) fam.reservedFlags = flags & ~GR_FORWARDING & 0xff;
    families.push(fam);
  }
  const cap: Capability = {
    kind: 'graceful-restart',
    restarting: (head & GR_RESTARTING) !== 0,
    notification: (head & GR_NOTIFICATION) !== 0,
    restartTime: head & GR_TIME_MASK,
    families,
  };
  const reserved = (head >>> GR_RESERVED_FLAGS_SHIFT) & GR_RESERVED_FLAGS_MASK;
  if (reserved) cap.reservedFlags = reserved;
  return cap;
}

function decodeAddPath(value: Buffer): Capability | string {
  // RFC 7911 sec. 4: (AFI 2, SAFI 1, Send/Receive 1) per family.
  if (value.length % 4 !== 0) {
    return malformed(CapabilityCode.ADD_PATH, `length ${value.length} is not a multiple of 4`);
  }
  const families: AddPathFamily[] = [];
  for (let p = 0; p < value.length; p += 4) {
    families.push({ afi: value.readUInt16BE(p), safi: value[p + 2]!, sendReceive: value[p + 3]! });
  }
  return { kind: 'add-path', families };
}

/** draft-walton-bgp-hostname-capability sec. 3: (length, hostname, length, domain). Null if malformed. */
function decodeFqdn(value: Buffer): Capability | null {
  const r = new Reader(value);
  try {
    const host = r.bytes(r.u8());
    const domain = r.bytes(r.u8());
    if (!r.atEnd() || !isUtf8(host) || !isUtf8(domain)) return null;
    return { kind: 'fqdn', hostname: host.toString('utf8'), domain: domain.toString('utf8') };
  } catch (e) {
    if (e instanceof ReadOverrun) return null;
    throw e;
  }
}

/**
 * Decode the value of a Capabilities optional parameter (RFC 5492 sec. 4). Returns the list, or a
 * string saying what is malformed.
 */
export function decodeCapabilityList(value: Buffer): Capability[] | string {
  const r = new Reader(value);
  const out: Capability[] = [];
  // Each capability takes at least 2 octets, so this loop ends within value.length / 2 rounds.
  while (!r.atEnd()) {
    let code: number;
    let body: Buffer;
    try {
      code = r.u8();
      body = r.bytes(r.u8());
    } catch (e) {
      if (e instanceof ReadOverrun) return `capability at offset ${e.at} overruns the parameter`;
      throw e;
    }
    const cap = decodeCapability(code, body);
    if (typeof cap === 'string') return cap;
    out.push(cap);
  }
  return out;
}

function checkU8(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${what} ${v} does not fit in 8 bits`);
}

function checkU16(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what} ${v} does not fit in 16 bits`);
}

function writeValue(w: Writer, cap: Capability): void {
  switch (cap.kind) {
    case 'multiprotocol':
      checkU16(cap.afi, 'AFI');
      checkU8(cap.safi, 'SAFI');
      w.u16(cap.afi).u8(cap.reserved ?? 0).u8(cap.safi);
      return;
    case 'route-refresh':
    case 'enhanced-route-refresh':
    case 'extended-message':
      return;
    case 'four-octet-as':
      if (!Number.isInteger(cap.asn) || cap.asn < 0 || cap.asn > 0xffffffff) {
        throw new RangeError(`ASN ${cap.asn} does not fit in 32 bits`);
      }
      w.u32(cap.asn);
      return;
    case 'role':
      checkU8(cap.role, 'role');
      w.u8(cap.role);
      return;
    case 'graceful-restart': {
      checkU16(cap.restartTime, 'restart time');
      if (cap.restartTime > GR_TIME_MASK) throw new RangeError(`restart time ${cap.restartTime} exceeds 4095`);
      let head = cap.restartTime;
      if (cap.restarting) head |= GR_RESTARTING;
      if (cap.notification) head |= GR_NOTIFICATION;
      head |= ((cap.reservedFlags ?? 0) & GR_RESERVED_FLAGS_MASK) << GR_RESERVED_FLAGS_SHIFT;
      w.u16(head);
      for (const f of cap.families) {
        checkU16(f.afi, 'AFI');
        checkU8(f.safi, 'SAFI');
        w.u16(f.afi).u8(f.safi).u8((f.forwardingPreserved ? GR_FORWARDING : 0) | ((f.reservedFlags ?? 0) & 0x7f));
      }
      return;
    }
    case 'add-path':
      for (const f of cap.families) {
        checkU16(f.afi, 'AFI');
        checkU8(f.safi, 'SAFI');
        checkU8(f.sendReceive, 'ADD-PATH Send/Receive');
        w.u16(f.afi).u8(f.safi).u8(f.sendReceive);
      }
      return;
    case 'fqdn': {
      const host = Buffer.from(cap.hostname, 'utf8');
      const domain = Buffer.from(cap.domain, 'utf8');
      if (host.length > 255 || domain.length > 255) throw new RangeError('FQDN hostname or domain longer than 255 bytes');
      w.u8(host.length).bytes(host).u8(domain.length).bytes(domain);
      return;
    }
    case 'unknown':
      w.bytes(cap.value);
      return;
  }
}

/**
 * Write one capability (code, length, value). Throws RangeError for a capability that cannot be
 * encoded (a value over 255 bytes, a field out of range): that is a bug in whoever built it.
 */
export function encodeCapability(w: Writer, cap: Capability): void {
  const code = capabilityCode(cap);
  checkU8(code, 'capability code');
  w.u8(code);
  const lenAt = w.reserveU8();
  const start = w.pos;
  writeValue(w, cap);
  const len = w.since(start);
  if (len > MAX_CAPABILITY_VALUE) throw new RangeError(`capability ${code} value of ${len} bytes exceeds 255`);
  w.patchU8(lenAt, len);
}

/** The wire form of a list of capabilities, back to back (a Capabilities parameter's value). */
export function encodeCapabilityList(caps: readonly Capability[]): Buffer {
  const w = new Writer(64);
  for (const cap of caps) encodeCapability(w, cap);
  return Buffer.from(w.view());
}
