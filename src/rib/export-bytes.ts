/**
 * The common export done on bytes: a path learned from a BGP peer going to an eBGP peer on a
 * 4-octet AS session, with no filter or rewrite rules and no RFC 9234 role. That is what a transit
 * PoP does for a whole table, and doing it on the stored attribute bytes (attr-intern.ts) skips
 * decoding every set into an object, rewriting it and encoding it again (~1.7 us a set, ~0.7 s of a
 * 1.2M-prefix table).
 *
 * The result is byte for byte what export.ts and the encoder produce for the same path (a test
 * compares the two over random attribute sets): attributes in ascending type code with canonical
 * flags; our AS prepended to AS_PATH; NEXT_HOP self for IPv4 (for IPv6 the record carries it, see
 * export-table.ts); MED only when configured; LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST, AS4_PATH and
 * AS4_AGGREGATOR dropped; unknown optional transitive attributes kept with the Partial bit set,
 * unknown non-transitive ones dropped; NO_EXPORT, NO_EXPORT_SUBCONFED and NO_ADVERTISE not sent.
 *
 * Anything unusual is left to the general path (UNSUPPORTED): a set decoded on a 2-octet session,
 * an attribute twice, flags other than canonical, a length the decoder would discard or refuse,
 * AS_PATH segments other than AS_SEQUENCE / AS_SET, a well-known attribute this code does not know.
 */

import { AttrFlag, AttrType, WellKnownCommunity } from '../wire/iana';
import { DESCRIPTORS } from '../wire/attributes/table';
import type { Writer } from '../wire/writer';

/** The path must not go to the peer. */
export const FAST_NOT_EXPORTED = 0;
/** The record was written. */
export const FAST_WRITTEN = 1;
/** Not a case this module handles: use the general export. Nothing was written. */
export const FAST_UNSUPPORTED = 2;

export interface FastExportTarget {
  localAs: number;
  sendMed: boolean;
  /** Next hop self for IPv4 (4 bytes), IPv6 (16 bytes); absent: that family cannot go. */
  nextHop4: Uint8Array | undefined;
  nextHop6: Uint8Array | undefined;
}

const { OPTIONAL, TRANSITIVE, PARTIAL, EXTENDED_LENGTH: EXT } = AttrFlag;
const AS_SET = 1;
const AS_SEQUENCE = 2;
/** Context byte bit of a stored set: decoded on a 4-octet AS session (attr-intern.ts). */
const KEY_AS4 = 1;

// Scratch: value start and end per type code of the set being exported, and the codes seen.
const valueStart = new Int32Array(256).fill(-1);
const valueEnd = new Int32Array(256);
const flagsOf = new Uint8Array(256);
const seen = new Uint8Array(256);
let seenCount = 0;

function forget(): void {
  for (let i = 0; i < seenCount; i++) valueStart[seen[i]!] = -1;
  seenCount = 0;
}

/** Whether a known attribute's value is one the decoder keeps as is. */
function wellFormed(code: number, b: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  switch (code) {
    case AttrType.ORIGIN:
      return len === 1 && b[start]! <= 2;
    case AttrType.AS_PATH: {
      let p = start;
      while (p < end) {
        if (p + 2 > end) return false;
        const type = b[p]!;
        const count = b[p + 1]!;
        if ((type !== AS_SEQUENCE && type !== AS_SET) || count === 0) return false;
        p += 2 + 4 * count;
      }
      return p === end;
    }
    case AttrType.NEXT_HOP:
    case AttrType.MULTI_EXIT_DISC:
    case AttrType.LOCAL_PREF:
    case AttrType.ORIGINATOR_ID:
    case AttrType.OTC:
      return len === 4;
    case AttrType.ATOMIC_AGGREGATE:
      return len === 0;
    case AttrType.AGGREGATOR:
      return len === 8;
    case AttrType.COMMUNITIES:
    case AttrType.CLUSTER_LIST:
      return len > 0 && len % 4 === 0;
    case AttrType.EXTENDED_COMMUNITIES:
      return len > 0 && len % 8 === 0;
    case AttrType.LARGE_COMMUNITY:
      return len > 0 && len % 12 === 0;
    default:
      // MP_REACH_NLRI (next hop only, as stored), AS4_PATH, AS4_AGGREGATOR: dropped, not read.
      return true;
  }
}

function header(w: Writer, flags: number, code: number, len: number): void {
  if (len > 255) w.u8(flags | EXT).u8(code).u16(len);
  else w.u8(flags).u8(code).u8(len);
}

/**
 * Write the export record (export-table.ts layout) of the stored set `set` (context byte first,
 * as AttrPool.view gives it) for one family to an eBGP peer.
 */
export function writeEbgpExport(w: Writer, set: Uint8Array, ipv4: boolean, t: FastExportTarget): number {
  if ((set[0]! & KEY_AS4) === 0) return FAST_UNSUPPORTED;
  const end = set.length;
  try {
    // Index the attributes by type code.
    for (let p = 1; p < end; ) {
      if (p + 3 > end) return FAST_UNSUPPORTED;
      const flags = set[p]!;
      const code = set[p + 1]!;
      let start: number;
      let len: number;
      if ((flags & EXT) !== 0) {
        if (p + 4 > end) return FAST_UNSUPPORTED;
        len = (set[p + 2]! << 8) | set[p + 3]!;
        start = p + 4;
      } else {
        len = set[p + 2]!;
        start = p + 3;
      }
      if (start + len > end || valueStart[code] !== -1) return FAST_UNSUPPORTED;
      const d = DESCRIPTORS[code];
      if (d !== undefined) {
        // Canonical flags only (a Partial bit is allowed on optional transitive ones).
        const allowed = (d.flags & (OPTIONAL | TRANSITIVE)) === (OPTIONAL | TRANSITIVE) ? EXT | PARTIAL : EXT;
        if ((flags & ~allowed) !== d.flags || !wellFormed(code, set, start, start + len)) return FAST_UNSUPPORTED;
      } else if ((flags & OPTIONAL) === 0) {
        return FAST_UNSUPPORTED;
      }
      valueStart[code] = start;
      valueEnd[code] = start + len;
      flagsOf[code] = flags;
      seen[seenCount++] = code;
      p = start + len;
    }
    if (valueStart[AttrType.AS_PATH] === -1) return FAST_UNSUPPORTED;

    // RFC 1997: NO_ADVERTISE goes nowhere, NO_EXPORT and NO_EXPORT_SUBCONFED to no eBGP peer.
    const cs = valueStart[AttrType.COMMUNITIES]!;
    if (cs !== -1) {
      for (let p = cs; p < valueEnd[AttrType.COMMUNITIES]!; p += 4) {
        const c = ((set[p]! << 24) | (set[p + 1]! << 16) | (set[p + 2]! << 8) | set[p + 3]!) >>> 0;
        if (c === WellKnownCommunity.NO_ADVERTISE || c === WellKnownCommunity.NO_EXPORT || c === WellKnownCommunity.NO_EXPORT_SUBCONFED) return FAST_NOT_EXPORTED;
      }
    }
    const nh = ipv4 ? t.nextHop4 : t.nextHop6;
    if (nh === undefined) return FAST_NOT_EXPORTED;

    // NEXT_HOP self is written for IPv4 whether or not the set had one.
    if (ipv4 && valueStart[AttrType.NEXT_HOP] === -1) seen[seenCount++] = AttrType.NEXT_HOP;
    // Ascending type code (insertion sort: a set has a handful of attributes).
    for (let i = 1; i < seenCount; i++) {
      const c = seen[i]!;
      let j = i - 1;
      while (j >= 0 && seen[j]! > c) {
        seen[j + 1] = seen[j]!;
        j--;
      }
      seen[j + 1] = c;
    }

    if (ipv4) w.u8(0).u8(0);
    else w.u8(16).u8(0).bytes(nh);
    for (let i = 0; i < seenCount; i++) {
      const code = seen[i]!;
      const vs = valueStart[code]!;
      const ve = valueEnd[code]!;
      switch (code) {
        case AttrType.AS_PATH: {
          // Our AS in front: into the first AS_SEQUENCE when it has room, else a segment of its own.
          const merge = vs < ve && set[vs] === AS_SEQUENCE && set[vs + 1]! < 255;
          header(w, DESCRIPTORS[code]!.flags, code, ve - vs + (merge ? 4 : 6));
          if (merge) w.u8(AS_SEQUENCE).u8(set[vs + 1]! + 1).u32(t.localAs).bytes(set.subarray(vs + 2, ve));
          else w.u8(AS_SEQUENCE).u8(1).u32(t.localAs).bytes(set.subarray(vs, ve));
          break;
        }
        case AttrType.NEXT_HOP:
          if (ipv4) {
            header(w, DESCRIPTORS[code]!.flags, code, 4);
            w.bytes(nh);
          }
          break;
        case AttrType.MULTI_EXIT_DISC:
          if (t.sendMed) {
            header(w, DESCRIPTORS[code]!.flags, code, 4);
            w.bytes(set.subarray(vs, ve));
          }
          break;
        case AttrType.LOCAL_PREF:
        case AttrType.ORIGINATOR_ID:
        case AttrType.CLUSTER_LIST:
        case AttrType.MP_REACH_NLRI:
        case AttrType.MP_UNREACH_NLRI:
        case AttrType.AS4_PATH:
        case AttrType.AS4_AGGREGATOR:
          break;
        default: {
          const d = DESCRIPTORS[code];
          if (d !== undefined) {
            header(w, d.flags, code, ve - vs);
          } else {
            // Unknown: transitive ones travel on, marked Partial (RFC 4271 sec. 5).
            const f = flagsOf[code]!;
            if ((f & TRANSITIVE) === 0) break;
            header(w, (f | PARTIAL) & ~EXT, code, ve - vs);
          }
          w.bytes(set.subarray(vs, ve));
        }
      }
    }
    return FAST_WRITTEN;
  } finally {
    forget();
  }
}
