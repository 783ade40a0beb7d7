/**
 * AS_PATH (RFC 4271 sec. 4.3, 5.1.2; confederation segments RFC 5065 sec. 3), and the 4-octet AS
 * transition attributes AS4_PATH and AS4_AGGREGATOR (RFC 6793), with RFC 7606 sec. 7.2 and RFC 6793
 * sec. 6 error handling. Also the RFC 6793 sec. 4.2.3 reconstruction of the real AS path from a
 * 2-octet peer's AS_PATH + AS4_PATH, and the reverse (sec. 4.2.2) for sending to one.
 *
 * ASN width follows the session (ctx.as4): AS_PATH and AGGREGATOR carry 4-octet ASNs only when both
 * sides announced the capability. AS4_PATH always carries 4-octet ASNs.
 *
 * Departures: AS4_PATH confederation segments (which RFC 6793 sec. 6 says to discard) are removed
 * at decode time and reported as a problem with the attribute-discard action, although the rest of
 * the attribute is kept. The leftmost-AS check of RFC 7606 sec. 7.2 needs the peer's ASN and is
 * left to the RIB.
 */

import { AS_TRANS, AsPathSegmentType, AttrFlag, AttrType, UpdateSubcode } from '../iana';
import type { Writer } from '../writer';
import { AttributeDescriptor, fault, readIpv4, readU32, writeIpv4 } from './descriptor';
import { Aggregator, AsPathSegment, ErrorAction, PathAttributes } from './types';

const { AS_SET, AS_SEQUENCE, AS_CONFED_SEQUENCE, AS_CONFED_SET } = AsPathSegmentType;

function isConfed(type: number): boolean {
  return type === AS_CONFED_SEQUENCE || type === AS_CONFED_SET;
}

/**
 * Parse path segments with 2- or 4-octet ASNs. Returns the reason as a string when malformed in
 * the sense of RFC 7606 sec. 7.2 (unrecognized segment type, overrun, one-byte underrun, zero
 * segment length). Each pass of the loop consumes at least 3 bytes, so it ends.
 */
export function parseAsPathSegments(b: Buffer, start: number, end: number, wide: boolean): AsPathSegment[] | string {
  const segs: AsPathSegment[] = [];
  const size = wide ? 4 : 2;
  let p = start;
  while (p < end) {
    if (end - p < 2) return `one byte left after the last segment at offset ${p - start}`;
    const type = b[p]!;
    const n = b[p + 1]!;
    if (type < AS_SET || type > AS_CONFED_SET) return `unrecognized segment type ${type}`;
    if (n === 0) return `segment at offset ${p - start} has length zero`;
    const next = p + 2 + n * size;
    if (next > end) return `segment of ${n} ASNs at offset ${p - start} overruns the attribute`;
    const asns: number[] = [];
    p += 2;
    if (wide) for (; p < next; p += 4) asns.push(readU32(b, p));
    else for (; p < next; p += 2) asns.push((b[p]! << 8) | b[p + 1]!);
    segs.push({ type, asns });
  }
  return segs;
}

/**
 * Write segments; more than 255 ASNs are split over several segments of the same type (a segment
 * length is one octet), empty segments are left out (RFC 7606 sec. 7.2 makes them malformed).
 * On a 2-octet encoding a non-mappable ASN becomes AS_TRANS (RFC 6793 sec. 4.2.2).
 */
export function writeAsPathSegments(w: Writer, segs: readonly AsPathSegment[], wide: boolean, skipConfed = false): void {
  for (const seg of segs) {
    if (skipConfed && isConfed(seg.type)) continue;
    const asns = seg.asns;
    for (let i = 0; i < asns.length; i += 255) {
      const n = Math.min(255, asns.length - i);
      w.u8(seg.type);
      w.u8(n);
      for (let j = i; j < i + n; j++) {
        const asn = asns[j]!;
        if (wide) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

export const AS_PATH: AttributeDescriptor = {
  code: AttrType.AS_PATH,
  name: 'AS_PATH',
  flags: AttrFlag.TRANSITIVE,
  // RFC 7606 sec. 7.2: a malformed AS_PATH -> treat-as-withdraw (sec. 3.e for its other errors).
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: false,
  decode(b, start, end, out, ctx) {
    const segs = parseAsPathSegments(b, start, end, ctx.as4);
    // RFC 4271 sec. 6.3: a syntactically incorrect AS_PATH is "Malformed AS_PATH".
    if (typeof segs === 'string') return fault(UpdateSubcode.MALFORMED_AS_PATH, `AS_PATH: ${segs}`);
    out.asPath = segs;
    return null;
  },
  isPresent: (a) => a.asPath !== undefined,
  encode(w, a, ctx) {
    writeAsPathSegments(w, a.asPath!, ctx.as4);
  },
};

const OPTIONAL_ERROR = UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR;

export const AS4_PATH: AttributeDescriptor = {
  code: AttrType.AS4_PATH,
  name: 'AS4_PATH',
  flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  // RFC 6793 sec. 6: a malformed AS4_PATH is discarded and the UPDATE processed further.
  onMalformed: ErrorAction.ATTRIBUTE_DISCARD,
  onFlagsError: ErrorAction.ATTRIBUTE_DISCARD,
  internalOnly: false,
  decode(b, start, end, out, ctx) {
    // RFC 6793 sec. 4.1: between two 4-octet speakers AS4_PATH must not appear; discard it.
    if (ctx.as4) return fault(OPTIONAL_ERROR, 'AS4_PATH received on a 4-octet AS session');
    const segs = parseAsPathSegments(b, start, end, true);
    if (typeof segs === 'string') return fault(OPTIONAL_ERROR, `AS4_PATH: ${segs}`);
    // RFC 6793 sec. 6: too small (under 6 bytes) is malformed; only an empty value gets this far.
    if (segs.length === 0) return fault(OPTIONAL_ERROR, 'AS4_PATH is empty');
    let kept = segs;
    for (const s of segs) {
      if (isConfed(s.type)) {
        kept = segs.filter((x) => !isConfed(x.type));
        break;
      }
    }
    if (kept.length > 0) out.as4Path = kept;
    // RFC 6793 sec. 6: confederation segments in AS4_PATH are discarded, the rest is used.
    if (kept !== segs) return fault(OPTIONAL_ERROR, 'AS4_PATH confederation segments removed');
    return null;
  },
  isPresent: (a) => a.as4Path !== undefined && a.as4Path.length > 0,
  encode(w, a) {
    // RFC 6793 sec. 4.2.2: confederation segments are never carried in AS4_PATH.
    writeAsPathSegments(w, a.as4Path!, true, true);
  },
};

export const AS4_AGGREGATOR: AttributeDescriptor = {
  code: AttrType.AS4_AGGREGATOR,
  name: 'AS4_AGGREGATOR',
  flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  // RFC 6793 sec. 6: a malformed AS4_AGGREGATOR is discarded.
  onMalformed: ErrorAction.ATTRIBUTE_DISCARD,
  onFlagsError: ErrorAction.ATTRIBUTE_DISCARD,
  internalOnly: false,
  decode(b, start, end, out, ctx) {
    // RFC 6793 sec. 4.1: not between two 4-octet speakers; discard it.
    if (ctx.as4) return fault(OPTIONAL_ERROR, 'AS4_AGGREGATOR received on a 4-octet AS session');
    if (end - start !== 8) return fault(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `AS4_AGGREGATOR length ${end - start}, expected 8`);
    out.as4Aggregator = { asn: readU32(b, start), address: readIpv4(b, start + 4) };
    return null;
  },
  isPresent: (a) => a.as4Aggregator !== undefined,
  encode(w, a) {
    w.u32(a.as4Aggregator!.asn);
    writeIpv4(w, a.as4Aggregator!.address, 'AS4_AGGREGATOR address');
  },
};

/**
 * Path length for route selection: RFC 4271 sec. 9.1.2.2 (an AS_SET counts as one) and RFC 5065
 * sec. 5.3 (confederation segments do not count).
 */
export function asPathLength(segs: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segs) {
    if (s.type === AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AS_SET) n += 1;
  }
  return n;
}

/**
 * The AS path a route really took (RFC 6793 sec. 4.2.3). On a 4-octet session that is AS_PATH.
 * From a 2-octet peer, AS4_PATH (which carries the 4-octet ASNs that AS_PATH shows as AS_TRANS)
 * is merged in, unless an AGGREGATOR that is not AS_TRANS says an old speaker aggregated the route
 * after AS4_PATH was made, or AS4_PATH counts more ASNs than AS_PATH (an old speaker rewrote the
 * path). The result may share segment objects with the input; treat it as read-only.
 */
export function effectiveAsPath(a: PathAttributes, as4Session: boolean): AsPathSegment[] {
  const asPath = a.asPath ?? [];
  const as4Path = a.as4Path;
  if (as4Session || as4Path === undefined || as4Path.length === 0) return asPath;
  if (a.aggregator !== undefined && a.as4Aggregator !== undefined && a.aggregator.asn !== AS_TRANS) return asPath;
  // RFC 6793 sec. 6: confederation segments of AS4_PATH are not used (decode already drops them;
  // objects built by code may still carry them).
  const tail = as4Path.some((s) => isConfed(s.type)) ? as4Path.filter((s) => !isConfed(s.type)) : as4Path;
  const n = asPathLength(asPath);
  const n4 = asPathLength(tail);
  if (n < n4) return asPath;
  // Take as many leading ASNs of AS_PATH as AS4_PATH lacks. Confederation segments count zero and
  // are taken when leading or adjacent to a taken segment.
  let need = n - n4;
  const out: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (isConfed(seg.type)) {
      out.push(seg);
      continue;
    }
    if (need === 0) break;
    if (seg.type === AS_SET) {
      out.push(seg);
      need -= 1;
      continue;
    }
    const take = Math.min(need, seg.asns.length);
    out.push(take === seg.asns.length ? seg : { type: seg.type, asns: seg.asns.slice(0, take) });
    need -= take;
    if (take < seg.asns.length) break;
  }
  // Join a taken AS_SEQUENCE with a leading AS4_PATH AS_SEQUENCE so the path reads as one sequence.
  const last = out[out.length - 1];
  const first = tail[0];
  if (
    last !== undefined &&
    first !== undefined &&
    last.type === AS_SEQUENCE &&
    first.type === AS_SEQUENCE &&
    last.asns.length + first.asns.length <= 255
  ) {
    out[out.length - 1] = { type: AS_SEQUENCE, asns: last.asns.concat(first.asns) };
    for (let i = 1; i < tail.length; i++) out.push(tail[i]!);
  } else {
    for (const s of tail) out.push(s);
  }
  return out;
}

/** The aggregator a route really has (RFC 6793 sec. 4.2.3): AS4_AGGREGATOR when AGGREGATOR says AS_TRANS. */
export function effectiveAggregator(a: PathAttributes, as4Session: boolean): Aggregator | undefined {
  if (as4Session) return a.aggregator;
  if (a.aggregator !== undefined && a.as4Aggregator !== undefined && a.aggregator.asn === AS_TRANS) return a.as4Aggregator;
  return a.aggregator;
}

/**
 * Attributes to send to a 2-octet AS peer (RFC 6793 sec. 4.2.2), given the real 4-octet AS path and
 * aggregator: AS4_PATH (without confederation segments) only when some ASN does not fit in two
 * octets, AS4_AGGREGATOR only when the aggregator's ASN does not. The encoder writes AS_TRANS in
 * their 2-octet places. Returns the input when nothing changes.
 */
export function withAs4ForOldSpeaker(a: PathAttributes): PathAttributes {
  const path = a.asPath ?? [];
  const nonMappable = path.some((s) => s.asns.some((x) => x > 0xffff));
  const as4Path = nonMappable ? path.filter((s) => !isConfed(s.type)) : undefined;
  const as4Aggregator = a.aggregator !== undefined && a.aggregator.asn > 0xffff ? a.aggregator : undefined;
  if (as4Path === undefined && as4Aggregator === undefined && a.as4Path === undefined && a.as4Aggregator === undefined) return a;
  return { ...a, as4Path, as4Aggregator };
}
