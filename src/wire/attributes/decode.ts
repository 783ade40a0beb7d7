/**
 * The Path Attributes field of an UPDATE, decoded with the error handling of RFC 7606 (sec. 3, 4
 * and the per-attribute rules of sec. 7, which the descriptors carry) and RFC 4271 sec. 6.3 for the
 * NOTIFICATION a session reset sends.
 *
 * The walk never throws: it returns the decoded attributes, every problem found, the strongest
 * approach short of a session reset, and the first problem that calls for a session reset (the walk
 * stops there; decodeUpdate throws it). This is the hot path of a full-table load, so it indexes
 * the buffer directly, tracks seen type codes in bit masks, and allocates nothing for an attribute
 * beyond its decoded value.
 *
 * `layout` is set only when the canonical encoding (see table.ts) would not give back the received
 * bytes: attributes out of canonical order, flags other than the canonical ones (a Partial bit, an
 * Extended Length bit on a short value, stray low bits). Most UPDATEs need none, which saves its
 * allocation on the hot path.
 */

import type { CodecContext } from '../context';
import { AttrFlag, AttrType, UpdateSubcode } from '../iana';
import { KEEP_RAW } from './descriptor';
import { attributeName, canonicalRank, DESCRIPTORS } from './table';
import { AttributeProblem, AttrLayoutEntry, ErrorAction, ErrorActionCode, PathAttributes } from './types';

export interface AttributeListResult {
  attributes: PathAttributes;
  /** Strongest RFC 7606 approach among the problems, short of a session reset. */
  action: ErrorActionCode;
  problems: AttributeProblem[];
  /** The problem that calls for a session reset; the walk stopped there. */
  reset: AttributeProblem | null;
  /** Bit per type code 0-31 that appeared, malformed or not (for RFC 7606 sec. 3.d). */
  seen: number;
  /** An attribute other than MP_UNREACH_NLRI appeared (RFC 7606 sec. 5.2). */
  sawNonUnreach: boolean;
}

/**
 * A PathAttributes object with every field present (undefined), so that all decoded attribute
 * objects share one hidden class and the RIB's reads of them stay monomorphic.
 */
export function newPathAttributes(): PathAttributes {
  return {
    origin: undefined,
    asPath: undefined,
    nextHop: undefined,
    med: undefined,
    localPref: undefined,
    atomicAggregate: undefined,
    aggregator: undefined,
    communities: undefined,
    originatorId: undefined,
    clusterList: undefined,
    mpReach: undefined,
    mpUnreach: undefined,
    extCommunities: undefined,
    as4Path: undefined,
    as4Aggregator: undefined,
    largeCommunities: undefined,
    otc: undefined,
    unknown: undefined,
    layout: undefined,
  };
}

const EMPTY = Buffer.alloc(0);
const RESET = ErrorAction.SESSION_RESET;

/**
 * NOTIFICATION data for a subcode, as RFC 4271 sec. 6.3 prescribes: the whole attribute (type,
 * length and value) for flags, length, ORIGIN, NEXT_HOP, optional-attribute and unrecognized
 * well-known errors; the type code for a missing attribute; nothing otherwise.
 */
export function notificationData(subcode: number, b: Buffer, attrStart: number, attrEnd: number): Buffer {
  switch (subcode) {
    case UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE:
    case UpdateSubcode.ATTRIBUTE_FLAGS_ERROR:
    case UpdateSubcode.ATTRIBUTE_LENGTH_ERROR:
    case UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE:
    case UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE:
    case UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR:
      return b.subarray(attrStart, attrEnd);
    default:
      return EMPTY;
  }
}

function isPresent(out: PathAttributes, code: number): boolean {
  const d = DESCRIPTORS[code];
  if (d !== undefined && d.isPresent(out)) return true;
  const raw = out.unknown;
  if (raw === undefined) return false;
  for (const r of raw) if (r.code === code) return true;
  return false;
}

/**
 * Walk [start, end) again and list the attributes that were kept, in received order. With no
 * problems every attribute walked was kept (and appeared once), so presence needs no check.
 */
function receivedLayout(b: Buffer, start: number, end: number, out: PathAttributes, allKept: boolean): AttrLayoutEntry[] {
  const layout: AttrLayoutEntry[] = [];
  let listed: Uint8Array | null = null;
  let p = start;
  while (end - p >= 3) {
    const flags = b[p]!;
    const code = b[p + 1]!;
    const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (ext && end - p < 4) break;
    const len = ext ? (b[p + 2]! << 8) | b[p + 3]! : b[p + 2]!;
    p += (ext ? 4 : 3) + len;
    if (p > end) break;
    if (allKept) {
      layout.push({ code, flags });
      continue;
    }
    listed ??= new Uint8Array(256);
    if (listed[code] === 0 && isPresent(out, code)) layout.push({ code, flags });
    listed[code] = 1;
  }
  return layout;
}

/**
 * Decode the Path Attributes field b[start, end). `external`: the peer is in another AS (not a
 * confederation member), which turns LOCAL_PREF / ORIGINATOR_ID / CLUSTER_LIST into attribute
 * discards (RFC 7606 sec. 7.5, 7.9, 7.10); the codec cannot know this itself.
 */
export function decodeAttributeList(b: Buffer, start: number, end: number, ctx: CodecContext, external: boolean): AttributeListResult {
  const out = newPathAttributes();
  const problems: AttributeProblem[] = [];
  let seenLow = 0; // codes 0-31
  let seenHigh = 0; // codes 32-63
  let seenRest: number[] | null = null; // codes 64-255: all unknown, rare
  let sawNonUnreach = false;
  let canonical = true;
  let lastRank = -1;

  let p = start;
  while (p < end) {
    const attrStart = p;
    // RFC 7606 sec. 4: fewer than 3 bytes left (4 with Extended Length) cannot hold an attribute
    // header -> treat-as-withdraw; the Total Attribute Length still locates the NLRI.
    if (end - p < 3 || ((b[p]! & AttrFlag.EXTENDED_LENGTH) !== 0 && end - p < 4)) {
      const reason = `${end - p} bytes left at the end of the attribute list`;
      sawNonUnreach = true; // something that is not a well-formed MP_UNREACH_NLRI (RFC 7606 sec. 5.2)
      problems.push(problem(ErrorAction.TREAT_AS_WITHDRAW, 0, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, reason));
      break;
    }
    const flags = b[p]!;
    const code = b[p + 1]!;
    let valueStart: number;
    let len: number;
    if ((flags & AttrFlag.EXTENDED_LENGTH) !== 0) {
      len = (b[p + 2]! << 8) | b[p + 3]!;
      valueStart = p + 4;
    } else {
      len = b[p + 2]!;
      valueStart = p + 3;
    }
    const valueEnd = valueStart + len;
    if (valueEnd > end) {
      // RFC 7606 sec. 3.j: a truncated MP_REACH_NLRI / MP_UNREACH_NLRI leaves NLRI unparsed, so
      // treat-as-withdraw is impossible -> session reset. RFC 7606 sec. 4: any other attribute
      // running past the Total Attribute Length -> treat-as-withdraw.
      const mp = code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI;
      const reason = `${attributeName(code)} of length ${len} overruns the attribute list`;
      if (code !== AttrType.MP_UNREACH_NLRI) sawNonUnreach = true;
      problems.push(problem(mp ? RESET : ErrorAction.TREAT_AS_WITHDRAW, code, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, reason));
      break;
    }
    p = valueEnd;
    if (code !== AttrType.MP_UNREACH_NLRI) sawNonUnreach = true;

    let duplicate: boolean;
    if (code < 32) {
      duplicate = (seenLow & (1 << code)) !== 0;
      seenLow |= 1 << code;
    } else if (code < 64) {
      duplicate = (seenHigh & (1 << (code - 32))) !== 0;
      seenHigh |= 1 << (code - 32);
    } else {
      duplicate = seenRest !== null && seenRest.includes(code);
      if (!duplicate) (seenRest ??= []).push(code);
    }
    if (duplicate) {
      // RFC 7606 sec. 3.g: a repeated MP_REACH_NLRI / MP_UNREACH_NLRI -> session reset with
      // Malformed Attribute List; any other repeat is discarded, the first occurrence kept.
      const mp = code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI;
      problems.push(problem(mp ? RESET : ErrorAction.ATTRIBUTE_DISCARD, code, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, `${attributeName(code)} repeated`));
      if (mp) break;
      continue;
    }

    const desc = DESCRIPTORS[code];
    let raw = false;
    if (desc === undefined) {
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        // RFC 4271 sec. 6.3: an unrecognized well-known attribute -> Unrecognized Well-known
        // Attribute, data = the attribute. RFC 7606 does not revise this case.
        const sub = UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE;
        problems.push(problem(RESET, code, sub, b.subarray(attrStart, valueEnd), `unrecognized well-known attribute type ${code}`));
        break;
      }
      (out.unknown ??= []).push({ flags, code, value: b.subarray(valueStart, valueEnd) });
      raw = true;
    } else if (external && desc.internalOnly) {
      // RFC 7606 sec. 7.5, 7.9, 7.10: from an external neighbour -> attribute discard.
      problems.push(problem(ErrorAction.ATTRIBUTE_DISCARD, code, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, `${desc.name} from an external peer`));
      continue;
    } else if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== desc.flags) {
      // RFC 7606 sec. 3.c: Optional/Transitive bits in conflict -> treat-as-withdraw unless the
      // attribute's specification says otherwise (the descriptor's onFlagsError). RFC 4271
      // sec. 6.3: Attribute Flags Error, data = the attribute.
      const reason = `${desc.name} flags 0x${flags.toString(16)}, expected optional/transitive bits 0x${desc.flags.toString(16)}`;
      problems.push(problem(desc.onFlagsError, code, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, b.subarray(attrStart, valueEnd), reason));
      if (desc.onFlagsError === RESET) break;
      continue;
    } else {
      const f = desc.decode(b, valueStart, valueEnd, out, ctx);
      if (f === KEEP_RAW) {
        (out.unknown ??= []).push({ flags, code, value: b.subarray(valueStart, valueEnd) });
        raw = true;
      } else if (f !== null) {
        const act = f.action ?? desc.onMalformed;
        problems.push(problem(act, code, f.subcode, notificationData(f.subcode, b, attrStart, valueEnd), f.reason));
        if (act === RESET) break;
        // A decoder that reports a problem but keeps part of the value (AS4_PATH) falls through.
        if (!desc.isPresent(out)) continue;
      }
    }

    // Kept: does it sit where, and with the flags, that the canonical encoding would give it?
    if (canonical) {
      const rank = canonicalRank(code);
      const ext = len > 255 ? AttrFlag.EXTENDED_LENGTH : 0;
      const expected = raw ? (flags & ~AttrFlag.EXTENDED_LENGTH) | ext : desc!.flags | ext;
      if (rank <= lastRank || flags !== expected) canonical = false;
      lastRank = rank;
    }
  }

  let action: ErrorActionCode = ErrorAction.NONE;
  let reset: AttributeProblem | null = null;
  for (const pr of problems) {
    if (pr.action === RESET) reset = pr;
    else if (pr.action > action) action = pr.action;
  }
  if (!canonical && reset === null) out.layout = receivedLayout(b, start, p, out, problems.length === 0);
  return { attributes: out, action, problems, reset, seen: seenLow, sawNonUnreach };
}

function problem(action: ErrorActionCode, code: number, subcode: number, data: Buffer, reason: string): AttributeProblem {
  return { action, code, subcode, data, reason };
}
