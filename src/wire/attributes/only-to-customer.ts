/**
 * Only to Customer, OTC (RFC 9234 sec. 5): an optional transitive attribute holding one ASN.
 * A length other than 4 makes it malformed and the UPDATE is treated as withdraw (sec. 5).
 *
 * The ingress and egress rules of sec. 5 depend on the session's BGP role and are the RIB's and
 * export policy's job, not the codec's.
 */

import { AttrFlag, AttrType, UpdateSubcode } from '../iana';
import { AttributeDescriptor, fault, readU32 } from './descriptor';
import { ErrorAction } from './types';

export const OTC: AttributeDescriptor = {
  code: AttrType.OTC,
  name: 'OTC',
  flags: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  // RFC 9234 sec. 5: length not 4 -> treat-as-withdraw; flags conflicts per RFC 7606 sec. 3.c.
  onMalformed: ErrorAction.TREAT_AS_WITHDRAW,
  onFlagsError: ErrorAction.TREAT_AS_WITHDRAW,
  internalOnly: false,
  decode(b, start, end, out) {
    if (end - start !== 4) return fault(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `OTC length ${end - start}, expected 4`);
    out.otc = readU32(b, start);
    return null;
  },
  isPresent: (a) => a.otc !== undefined,
  encode(w, a) {
    w.u32(a.otc!);
  },
};
