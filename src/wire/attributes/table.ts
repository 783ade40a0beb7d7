/**
 * The path attribute table: one descriptor per attribute type code this codec understands, and
 * the canonical order in which attributes are written when no received layout says otherwise.
 *
 * Canonical order is ascending type code (RFC 4271 sec. 5: "SHOULD order path attributes ... in
 * ascending order of attribute type"), except that MP_REACH_NLRI and MP_UNREACH_NLRI come first,
 * as RFC 7606 sec. 5.1 requires of a sender ("SHALL be encoded as the very first path attribute").
 */

import { AttrType } from '../iana';
import { AS_PATH, AS4_AGGREGATOR, AS4_PATH } from './as-path';
import {
  AGGREGATOR,
  ATOMIC_AGGREGATE,
  CLUSTER_LIST,
  LOCAL_PREF,
  MULTI_EXIT_DISC,
  NEXT_HOP,
  ORIGIN,
  ORIGINATOR_ID,
} from './base-attributes';
import { COMMUNITIES, EXTENDED_COMMUNITIES, LARGE_COMMUNITY } from './communities';
import type { AttributeDescriptor } from './descriptor';
import { MP_REACH_NLRI, MP_UNREACH_NLRI } from './multiprotocol';
import { OTC } from './only-to-customer';

/** Every known attribute, in canonical order. */
export const CANONICAL_ORDER: readonly AttributeDescriptor[] = Object.freeze([
  MP_REACH_NLRI,
  MP_UNREACH_NLRI,
  ORIGIN,
  AS_PATH,
  NEXT_HOP,
  MULTI_EXIT_DISC,
  LOCAL_PREF,
  ATOMIC_AGGREGATE,
  AGGREGATOR,
  COMMUNITIES,
  ORIGINATOR_ID,
  CLUSTER_LIST,
  EXTENDED_COMMUNITIES,
  AS4_PATH,
  AS4_AGGREGATOR,
  LARGE_COMMUNITY,
  OTC,
]);

/** Indexed by type code; undefined for codes this codec keeps raw. */
export const DESCRIPTORS: readonly (AttributeDescriptor | undefined)[] = Object.freeze(
  Array.from({ length: 256 }, (_, code) => CANONICAL_ORDER.find((d) => d.code === code)),
);

/** Position of a type code in canonical order (known or not): MP attributes first, then by code. */
export function canonicalRank(code: number): number {
  if (code === AttrType.MP_REACH_NLRI) return 0;
  if (code === AttrType.MP_UNREACH_NLRI) return 1;
  return code + 2;
}

/** The attribute's IANA name, or "type N" for one this codec does not know. */
export function attributeName(code: number): string {
  return DESCRIPTORS[code]?.name ?? `type ${code}`;
}
