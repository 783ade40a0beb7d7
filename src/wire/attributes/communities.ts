/**
 * Community attributes: COMMUNITIES (RFC 1997), EXTENDED COMMUNITIES (RFC 4360) and
 * LARGE_COMMUNITY (RFC 8092), with RFC 7606 sec. 7.8 / 7.14 and RFC 8092 sec. 6 error handling:
 * a length that is not a non-zero multiple of the element size makes the attribute malformed and
 * the UPDATE is treated as withdraw. Element values are never judged (RFC 7606 sec. 7.14: an
 * unknown extended community type is not an error; RFC 8092 sec. 6: duplicates are not an error).
 */

import { AttrFlag, AttrType, UpdateSubcode } from '../iana';
import { AttributeDescriptor, fault, readHex, readU32 } from './descriptor';
import { ErrorAction } from './types';

const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

function lengthFault(name: string, len: number, unit: number) {
  return fault(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${name} length ${len} is not a non-zero multiple of ${unit}`);
}

export const COMMUNITIES: AttributeDescriptor = {
  code: AttrType.COMMUNITIES,
  name: 'COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 sec. 7.8: length not a non-zero multiple of 4 -> treat-as-withdraw.
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: false,
  decode(b, start, end, out) {
    const len = end - start;
    if (len === 0 || (len & 3) !== 0) return lengthFault('COMMUNITIES', len, 4);
    const list: number[] = [];
    for (let p = start; p < end; p += 4) list.push(readU32(b, p));
    out.communities = list;
    return null;
  },
  isPresent: (a) => a.communities !== undefined && a.communities.length > 0,
  encode(w, a) {
    for (const c of a.communities!) w.u32(c);
  },
};

const HEX16 = /^[0-9a-f]{16}$/i;

export const EXTENDED_COMMUNITIES: AttributeDescriptor = {
  code: AttrType.EXTENDED_COMMUNITIES,
  name: 'EXTENDED_COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 sec. 7.14: length not a non-zero multiple of 8 -> treat-as-withdraw.
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: false,
  decode(b, start, end, out) {
    const len = end - start;
    if (len === 0 || (len & 7) !== 0) return lengthFault('EXTENDED_COMMUNITIES', len, 8);
    const list: string[] = [];
    for (let p = start; p < end; p += 8) list.push(readHex(b, p, p + 8));
    out.extCommunities = list;
    return null;
  },
  isPresent: (a) => a.extCommunities !== undefined && a.extCommunities.length > 0,
  encode(w, a) {
    for (const c of a.extCommunities!) {
      if (!HEX16.test(c)) throw new RangeError(`extended community is not 16 hex digits: ${c}`);
      w.bytes(Buffer.from(c, 'hex'));
    }
  },
};

export const LARGE_COMMUNITY: AttributeDescriptor = {
  code: AttrType.LARGE_COMMUNITY,
  name: 'LARGE_COMMUNITY',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 8092 sec. 6: length not a non-zero multiple of 12 -> treat-as-withdraw.
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: false,
  decode(b, start, end, out) {
    const len = end - start;
    if (len === 0 || len % 12 !== 0) return lengthFault('LARGE_COMMUNITY', len, 12);
    const list: [number, number, number][] = [];
    for (let p = start; p < end; p += 12) list.push([readU32(b, p), readU32(b, p + 4), readU32(b, p + 8)]);
    out.largeCommunities = list;
    return null;
  },
  isPresent: (a) => a.largeCommunities !== undefined && a.largeCommunities.length > 0,
  encode(w, a) {
    for (const [g, l1, l2] of a.largeCommunities!) w.u32(g).u32(l1).u32(l2);
  },
};
