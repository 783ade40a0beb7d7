/**
 * The fixed-format attributes of RFC 4271 sec. 4.3 / 5 (ORIGIN, NEXT_HOP, MULTI_EXIT_DISC,
 * LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR) and of route reflection, RFC 4456 sec. 8
 * (ORIGINATOR_ID, CLUSTER_LIST), with the error handling of RFC 7606 sec. 7.1 and 7.3-7.10.
 *
 * Departures: semantic NEXT_HOP checks (RFC 4271 sec. 6.3: not our own address, on a shared subnet
 * for single-hop eBGP) need to know the session and are left to the RIB; the codec checks syntax.
 * The eBGP rule for LOCAL_PREF / ORIGINATOR_ID / CLUSTER_LIST (RFC 7606 sec. 7.5, 7.9, 7.10) is
 * applied by the list decoder when the caller says the peer is external (`internalOnly`).
 */

import { AS_TRANS, AttrFlag, AttrType, Origin, UpdateSubcode } from '../iana';
import type { Writer } from '../writer';
import { AttributeDescriptor, fault, readIpv4, readU32, writeIpv4 } from './descriptor';
import { ErrorAction, PathAttributes } from './types';

const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPTIONAL_NON_TRANSITIVE = AttrFlag.OPTIONAL;
const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
const LENGTH = UpdateSubcode.ATTRIBUTE_LENGTH_ERROR;

function lengthFault(name: string, len: number, want: string) {
  return fault(LENGTH, `${name} length ${len}, expected ${want}`);
}

export const ORIGIN: AttributeDescriptor = {
  code: AttrType.ORIGIN,
  name: 'ORIGIN',
  flags: WELL_KNOWN,
  // RFC 7606 sec. 7.1: length not 1 or an undefined value -> treat-as-withdraw.
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: false,
  decode(b, start, end, out) {
    if (end - start !== 1) return lengthFault('ORIGIN', end - start, '1');
    const v = b[start]!;
    // RFC 4271 sec. 6.3: an undefined ORIGIN value is "Invalid ORIGIN Attribute".
    if (v > Origin.INCOMPLETE) return fault(UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE, `ORIGIN value ${v} is undefined`);
    out.origin = v;
    return null;
  },
  isPresent: (a) => a.origin !== undefined,
  encode(w, a) {
    w.u8(a.origin!);
  },
};

export const NEXT_HOP: AttributeDescriptor = {
  code: AttrType.NEXT_HOP,
  name: 'NEXT_HOP',
  flags: WELL_KNOWN,
  // RFC 7606 sec. 7.3: length not 4 -> treat-as-withdraw.
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: false,
  decode(b, start, end, out) {
    if (end - start !== 4) return lengthFault('NEXT_HOP', end - start, '4');
    out.nextHop = readIpv4(b, start);
    return null;
  },
  isPresent: (a) => a.nextHop !== undefined,
  encode(w, a) {
    writeIpv4(w, a.nextHop!, 'NEXT_HOP');
  },
};

/** A 4-byte unsigned value; `store` keeps it on the output. */
function u32Attribute(
  code: number,
  name: string,
  flags: number,
  internalOnly: boolean,
  store: (a: PathAttributes, v: number) => void,
  get: (a: PathAttributes) => number | undefined,
): AttributeDescriptor {
  return {
    code,
    name,
    flags,
    onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
    onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
    internalOnly,
    decode(b, start, end, out) {
      if (end - start !== 4) return lengthFault(name, end - start, '4');
      store(out, readU32(b, start));
      return null;
    },
    isPresent: (a) => get(a) !== undefined,
    encode(w: Writer, a) {
      w.u32(get(a)!);
    },
  };
}

// RFC 7606 sec. 7.4: MULTI_EXIT_DISC length not 4 -> treat-as-withdraw.
export const MULTI_EXIT_DISC = u32Attribute(
  AttrType.MULTI_EXIT_DISC,
  'MULTI_EXIT_DISC',
  OPTIONAL_NON_TRANSITIVE,
  false,
  (a, v) => (a.med = v),
  (a) => a.med,
);

// RFC 7606 sec. 7.5: from an internal neighbour, length not 4 -> treat-as-withdraw; from an
// external one, attribute discard whatever its value.
export const LOCAL_PREF = u32Attribute(
  AttrType.LOCAL_PREF,
  'LOCAL_PREF',
  WELL_KNOWN,
  true,
  (a, v) => (a.localPref = v),
  (a) => a.localPref,
);

export const ATOMIC_AGGREGATE: AttributeDescriptor = {
  code: AttrType.ATOMIC_AGGREGATE,
  name: 'ATOMIC_AGGREGATE',
  flags: WELL_KNOWN,
  // RFC 7606 sec. 7.6: length not 0 -> attribute discard; sec. 3.f: attribute discard also for
  // the other cases (flags) where RFC 4271 would have reset the session.
  onMalformed: ErrorAction.ATTRIBUTE_DISCARD,
  onFlagsError: ErrorAction.ATTRIBUTE_DISCARD,
  internalOnly: false,
  decode(_b, start, end, out) {
    if (end !== start) return lengthFault('ATOMIC_AGGREGATE', end - start, '0');
    out.atomicAggregate = true;
    return null;
  },
  isPresent: (a) => a.atomicAggregate === true,
  encode() {
    // No value.
  },
};

export const AGGREGATOR: AttributeDescriptor = {
  code: AttrType.AGGREGATOR,
  name: 'AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 sec. 7.7: length not 6 (2-octet AS session) or 8 (4-octet) -> attribute discard;
  // sec. 3.f: attribute discard for its flags errors too.
  onMalformed: ErrorAction.ATTRIBUTE_DISCARD,
  onFlagsError: ErrorAction.ATTRIBUTE_DISCARD,
  internalOnly: false,
  decode(b, start, end, out, ctx) {
    const len = end - start;
    if (ctx.as4) {
      if (len !== 8) return lengthFault('AGGREGATOR', len, '8 on a 4-octet AS session');
      out.aggregator = { asn: readU32(b, start), address: readIpv4(b, start + 4) };
    } else {
      if (len !== 6) return lengthFault('AGGREGATOR', len, '6 on a 2-octet AS session');
      out.aggregator = { asn: (b[start]! << 8) | b[start + 1]!, address: readIpv4(b, start + 2) };
    }
    return null;
  },
  isPresent: (a) => a.aggregator !== undefined,
  encode(w, a, ctx) {
    const agg = a.aggregator!;
    if (ctx.as4) w.u32(agg.asn);
    // RFC 6793 sec. 4.2.2: a non-mappable ASN goes out as AS_TRANS (AS4_AGGREGATOR carries it).
    else w.u16(agg.asn > 0xffff ? AS_TRANS : agg.asn);
    writeIpv4(w, agg.address, 'AGGREGATOR address');
  },
};

export const ORIGINATOR_ID: AttributeDescriptor = {
  code: AttrType.ORIGINATOR_ID,
  name: 'ORIGINATOR_ID',
  flags: OPTIONAL_NON_TRANSITIVE,
  // RFC 7606 sec. 7.9: from an internal neighbour, length not 4 -> treat-as-withdraw.
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: true,
  decode(b, start, end, out) {
    if (end - start !== 4) return lengthFault('ORIGINATOR_ID', end - start, '4');
    out.originatorId = readIpv4(b, start);
    return null;
  },
  isPresent: (a) => a.originatorId !== undefined,
  encode(w, a) {
    writeIpv4(w, a.originatorId!, 'ORIGINATOR_ID');
  },
};

export const CLUSTER_LIST: AttributeDescriptor = {
  code: AttrType.CLUSTER_LIST,
  name: 'CLUSTER_LIST',
  flags: OPTIONAL_NON_TRANSITIVE,
  // RFC 7606 sec. 7.10: from an internal neighbour, length not a non-zero multiple of 4 ->
  // treat-as-withdraw.
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: true,
  decode(b, start, end, out) {
    const len = end - start;
    if (len === 0 || (len & 3) !== 0) return lengthFault('CLUSTER_LIST', len, 'a non-zero multiple of 4');
    const ids: string[] = [];
    for (let p = start; p < end; p += 4) ids.push(readIpv4(b, p));
    out.clusterList = ids;
    return null;
  },
  isPresent: (a) => a.clusterList !== undefined && a.clusterList.length > 0,
  encode(w, a) {
    for (const id of a.clusterList!) writeIpv4(w, id, 'CLUSTER_LIST');
  },
};
