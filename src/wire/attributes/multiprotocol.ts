/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 sec. 3-4) for IPv4 and IPv6 unicast, with the IPv6
 * next hop of RFC 2545 sec. 3 (16 bytes global, or 32 bytes global + link-local) and the Path
 * Identifiers of RFC 7911 where ADD-PATH is negotiated for the family. Errors follow RFC 7606
 * sec. 5.3 and 7.11: the NLRI cannot be trusted, so the session is reset.
 *
 * Departures:
 * - RFC 7606 sec. 2 / RFC 4760 sec. 7 allow "AFI/SAFI disable" instead of a session reset; this
 *   codec always resets (Optional Attribute Error, data = the attribute), because ignoring one
 *   family for the rest of the session is harder to see and to recover from than a reset.
 * - Families other than IPv4/IPv6 unicast are not decoded: the attribute is kept as a
 *   RawAttribute (after the structural checks every family shares), for the RIB to ignore.
 * - RFC 8950 (IPv6 next hop for IPv4 NLRI) is not supported: such a next hop length is malformed.
 * - The Reserved octet is ignored on receipt (sec. 3); a non-zero one is kept in `reserved` so the
 *   received bytes re-encode unchanged. Code building an MP_REACH_NLRI leaves it out and sends 0.
 */

import { ipv6FromString, ipv6ToString, ipv6ToStringRepeated } from '../addr';
import { Afi, AttrFlag, AttrType, familyKey, Safi, UpdateSubcode } from '../iana';
import { NlriList } from '../nlri';
import type { Writer } from '../writer';
import { AttributeDescriptor, fault, KEEP_RAW, readIpv4, writeIpv4 } from './descriptor';
import { ErrorAction } from './types';

const OPTIONAL_ERROR = UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR;

function isDecodedFamily(afi: number, safi: number): boolean {
  return safi === Safi.UNICAST && (afi === Afi.IPV4 || afi === Afi.IPV6);
}

export const MP_REACH_NLRI: AttributeDescriptor = {
  code: AttrType.MP_REACH_NLRI,
  name: 'MP_REACH_NLRI',
  flags: AttrFlag.OPTIONAL,
  // RFC 7606 sec. 5.3, 7.11: session reset (AFI/SAFI disable not supported, see above).
  onMalformed: ErrorAction.SESSION_RESET,
  // RFC 7606 sec. 5.3: flags inconsistent with RFC 4760 make the attribute incorrect.
  onFlagsError: ErrorAction.SESSION_RESET,
  internalOnly: false,
  decode(b, start, end, out, ctx) {
    const len = end - start;
    // RFC 7606 sec. 5.3: MP_REACH_NLRI shorter than 5 bytes is incorrect.
    if (len < 5) return fault(OPTIONAL_ERROR, `MP_REACH_NLRI length ${len} is under 5`);
    const afi = (b[start]! << 8) | b[start + 1]!;
    const safi = b[start + 2]!;
    const nhLen = b[start + 3]!;
    const nlriStart = start + 4 + nhLen + 1;
    // RFC 7606 sec. 7.11: a next hop length that does not fit cannot locate the NLRI.
    if (nlriStart > end) return fault(OPTIONAL_ERROR, `MP_REACH_NLRI next hop length ${nhLen} overruns the attribute`);
    if (!isDecodedFamily(afi, safi)) return KEEP_RAW;
    let nextHop: string;
    let linkLocal: string | undefined;
    if (afi === Afi.IPV4) {
      // RFC 7606 sec. 7.11: a next hop length inconsistent with the family -> session reset.
      if (nhLen !== 4) return fault(OPTIONAL_ERROR, `MP_REACH_NLRI next hop length ${nhLen}, expected 4 for IPv4 unicast`);
      nextHop = readIpv4(b, start + 4);
    } else {
      // RFC 2545 sec. 3: 16 bytes global, or 32 bytes global followed by link-local.
      if (nhLen !== 16 && nhLen !== 32) {
        return fault(OPTIONAL_ERROR, `MP_REACH_NLRI next hop length ${nhLen}, expected 16 or 32 for IPv6 unicast`);
      }
      nextHop = ipv6ToStringRepeated(b, start + 4);
      if (nhLen === 32) linkLocal = ipv6ToString(b, start + 20);
    }
    const nlri = NlriList.parse(b, nlriStart, end, afi, ctx.addPath.has(familyKey(afi, safi)));
    // RFC 7606 sec. 5.3: NLRI that cannot be parsed -> session reset.
    if (typeof nlri === 'string') return fault(OPTIONAL_ERROR, `MP_REACH_NLRI: ${nlri}`);
    const reserved = b[nlriStart - 1]!;
    out.mpReach = { afi, safi, nextHop, linkLocalNextHop: linkLocal, nlri, reserved: reserved === 0 ? undefined : reserved };
    return null;
  },
  isPresent: (a) => a.mpReach !== undefined,
  encode(w, a, ctx) {
    const r = a.mpReach!;
    w.u16(r.afi).u8(r.safi);
    if (r.afi === Afi.IPV4) {
      w.u8(4);
      writeIpv4(w, r.nextHop, 'MP_REACH_NLRI next hop');
    } else {
      const global = ipv6FromString(r.nextHop);
      const ll = r.linkLocalNextHop === undefined ? null : ipv6FromString(r.linkLocalNextHop);
      if (global === null || (r.linkLocalNextHop !== undefined && ll === null)) {
        throw new RangeError(`MP_REACH_NLRI next hop is not an IPv6 address: ${r.nextHop} ${r.linkLocalNextHop ?? ''}`);
      }
      w.u8(ll === null ? 16 : 32);
      w.bytes(global);
      if (ll !== null) w.bytes(ll);
    }
    w.u8(r.reserved ?? 0); // Reserved (RFC 4760 sec. 3)
    writeNlriFor(w, r.nlri, ctx.addPath.has(familyKey(r.afi, r.safi)));
  },
};

export const MP_UNREACH_NLRI: AttributeDescriptor = {
  code: AttrType.MP_UNREACH_NLRI,
  name: 'MP_UNREACH_NLRI',
  flags: AttrFlag.OPTIONAL,
  // RFC 7606 sec. 5.3: session reset (AFI/SAFI disable not supported, see above).
  onMalformed: ErrorAction.SESSION_RESET,
  onFlagsError: ErrorAction.SESSION_RESET,
  internalOnly: false,
  decode(b, start, end, out, ctx) {
    const len = end - start;
    // RFC 7606 sec. 5.3: MP_UNREACH_NLRI shorter than 3 bytes is incorrect.
    if (len < 3) return fault(OPTIONAL_ERROR, `MP_UNREACH_NLRI length ${len} is under 3`);
    const afi = (b[start]! << 8) | b[start + 1]!;
    const safi = b[start + 2]!;
    if (!isDecodedFamily(afi, safi)) return KEEP_RAW;
    const withdrawn = NlriList.parse(b, start + 3, end, afi, ctx.addPath.has(familyKey(afi, safi)));
    // RFC 7606 sec. 5.3: withdrawn routes that cannot be parsed -> session reset.
    if (typeof withdrawn === 'string') return fault(OPTIONAL_ERROR, `MP_UNREACH_NLRI: ${withdrawn}`);
    out.mpUnreach = { afi, safi, withdrawn };
    return null;
  },
  isPresent: (a) => a.mpUnreach !== undefined,
  encode(w, a, ctx) {
    const u = a.mpUnreach!;
    w.u16(u.afi).u8(u.safi);
    writeNlriFor(w, u.withdrawn, ctx.addPath.has(familyKey(u.afi, u.safi)));
  },
};

/**
 * Write an NLRI list for a direction that does (or does not) carry Path Identifiers. A list built
 * the other way is converted: identifiers are dropped, or 0 is written where none is known
 * (RFC 7911 leaves the value to the sender). The list was validated when built, so the walk is
 * bounded by its length and every step advances.
 */
export function writeNlriFor(w: Writer, list: NlriList, addPath: boolean): void {
  if (list.addPath === addPath) {
    w.bytes(list.bytes);
    return;
  }
  const b = list.bytes;
  let p = 0;
  while (p < b.length) {
    if (list.addPath) p += 4;
    else w.u32(0);
    const n = 1 + ((b[p]! + 7) >>> 3);
    w.bytes(b.subarray(p, p + n));
    p += n;
  }
}
