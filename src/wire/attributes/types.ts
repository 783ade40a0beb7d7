/**
 * The decoded form of an UPDATE's path attributes.
 *
 * One flat object with a field per known attribute: the RIB reads fields directly, and all prefixes
 * of an UPDATE share one such object (interned by its raw bytes, see rib/). `layout` remembers the
 * order and flags as received so that re-encoding a decoded message gives back the same bytes;
 * objects built by code (origination, export rewrite) leave it out and get the canonical order
 * (MP_REACH_NLRI / MP_UNREACH_NLRI first as RFC 7606 sec. 5.1 asks, then ascending type code) and
 * minimal flags. The decoder also leaves it out when the received bytes are already canonical,
 * which is the common case, so that most decoded objects carry no layout at all.
 */

import type { NlriList } from '../nlri';

export interface AsPathSegment {
  /** AsPathSegmentType: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET. */
  type: number;
  asns: number[];
}

export interface Aggregator {
  asn: number;
  /** IPv4 address, dotted quad. */
  address: string;
}

export interface MpReach {
  afi: number;
  safi: number;
  /** Global next hop (IPv4 dotted quad or IPv6 text), as carried. */
  nextHop: string;
  /** IPv6 link-local next hop when the next hop field is 32 bytes (RFC 2545 sec. 3). */
  linkLocalNextHop?: string;
  nlri: NlriList;
  /**
   * The Reserved octet when a peer sent it non-zero (RFC 4760 sec. 3: ignored on receipt), kept
   * only so that the received bytes re-encode unchanged. Code building an MP_REACH_NLRI leaves it
   * out, and then 0 is sent as the RFC requires.
   */
  reserved?: number;
}

export interface MpUnreach {
  afi: number;
  safi: number;
  withdrawn: NlriList;
}

/** An attribute this codec does not interpret (or chose to keep raw), passed on as is. */
export interface RawAttribute {
  flags: number;
  code: number;
  value: Buffer;
}

export interface AttrLayoutEntry {
  code: number;
  flags: number;
}

export interface PathAttributes {
  origin?: number;
  asPath?: AsPathSegment[];
  /** IPv4 NEXT_HOP, dotted quad. */
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  /** RFC 1997 communities, each a 32-bit unsigned number (ASN << 16 | value). */
  communities?: number[];
  /** RFC 4456, dotted quad. */
  originatorId?: string;
  /** RFC 4456, dotted quads in wire order. */
  clusterList?: string[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** RFC 4360 extended communities, each 8 bytes as 16 lowercase hex digits. */
  extCommunities?: string[];
  as4Path?: AsPathSegment[];
  as4Aggregator?: Aggregator;
  /** RFC 8092, each [global administrator, local data 1, local data 2]. */
  largeCommunities?: [number, number, number][];
  /** RFC 9234 Only-To-Customer: an ASN. */
  otc?: number;
  /** Unrecognized attributes, in the order received. */
  unknown?: RawAttribute[];
  /**
   * Order and flags as received (see the module comment): absent when canonical. Code that edits
   * a decoded object may keep it (Partial bits survive); attributes it adds go after, canonically.
   */
  layout?: AttrLayoutEntry[];
}

/**
 * RFC 7606 outcomes, weakest to strongest; when several attributes are malformed the strongest wins
 * (sec. 3, "the approach ... that is most severe").
 */
export const ErrorAction = {
  NONE: 0,
  ATTRIBUTE_DISCARD: 1,
  TREAT_AS_WITHDRAW: 2,
  SESSION_RESET: 3,
} as const;
export type ErrorActionCode = (typeof ErrorAction)[keyof typeof ErrorAction];

/** One malformed attribute and what RFC 7606 says to do about it. */
export interface AttributeProblem {
  action: ErrorActionCode;
  /** Attribute type code (0 when the problem is not one attribute's, e.g. the list itself). */
  code: number;
  /** UPDATE Message Error subcode that a session reset would carry. */
  subcode: number;
  /** NOTIFICATION data that a session reset would carry (often the whole offending attribute). */
  data: Buffer;
  reason: string;
}
