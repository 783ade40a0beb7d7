/**
 * UPDATE (RFC 4271 sec. 4.3) with the revised error handling of RFC 7606, ADD-PATH NLRI (RFC 7911)
 * and End-of-RIB markers (RFC 4724 sec. 2). Path attributes are decoded by attributes/decode.ts;
 * this module checks the message's own fields and the rules that need the whole message:
 * field lengths (RFC 7606 sec. 3.b), NLRI and withdrawn routes syntax (sec. 3.i, 5.3), missing
 * well-known attributes (sec. 3.d) and attribute errors in an UPDATE without reachable NLRI
 * (sec. 5.2).
 *
 * decodeUpdate throws only BgpError, and only for the session-reset outcome; treat-as-withdraw and
 * attribute discard are reported in `action` and `problems`. NLRI stay as validated wire bytes
 * (NlriList): no per-prefix objects. Decoded fields are views into `body` (no copies), so whoever
 * keeps them keeps the received buffer alive.
 *
 * Departures: whether the peer is external cannot be known from the bytes, so the eBGP rules of
 * RFC 7606 sec. 7.5/7.9/7.10 apply only when the caller passes `peerIsExternal`; the semantic
 * NEXT_HOP checks of RFC 4271 sec. 6.3 and the leftmost-AS check of RFC 7606 sec. 7.2 are the RIB's.
 */

import {
  asPathLength,
  effectiveAggregator,
  effectiveAsPath,
  withAs4ForOldSpeaker,
} from './attributes/as-path';
import { decodeAttributeList, newPathAttributes } from './attributes/decode';
import { encodeAttributeList } from './attributes/encode';
import { writeNlriFor } from './attributes/multiprotocol';
import { attributeName, CANONICAL_ORDER } from './attributes/table';
import { prepareForTransit } from './attributes/transit';
import { AttributeProblem, ErrorAction, ErrorActionCode, PathAttributes } from './attributes/types';
import type { CodecContext } from './context';
import { BgpError } from './errors';
import { Afi, AttrType, ErrorCode, FamilyKey, familyAfi, familyKey, familySafi, IPV4_UNICAST, UpdateSubcode } from './iana';
import { NlriList, PrefixInput } from './nlri';
import type { Writer } from './writer';

export { asPathLength, effectiveAggregator, effectiveAsPath, prepareForTransit, withAs4ForOldSpeaker };

export interface UpdateMessage {
  type: 'update';
  /** The IPv4 Withdrawn Routes field. */
  withdrawn: NlriList;
  attributes: PathAttributes;
  /** The IPv4 NLRI field. */
  nlri: NlriList;
  /** The Path Attributes field as received (interning key); empty for messages built by code. */
  attrBytes: Buffer;
  /** RFC 7606 outcome short of a session reset (a session reset is thrown as BgpError). */
  action: ErrorActionCode;
  problems: AttributeProblem[];
}

export interface UpdateDecodeOptions {
  /**
   * The peer is in another AS and not a confederation member: LOCAL_PREF, ORIGINATOR_ID and
   * CLUSTER_LIST are then discarded whatever their value (RFC 7606 sec. 7.5, 7.9, 7.10).
   */
  peerIsExternal?: boolean;
}

const EMPTY = Buffer.alloc(0);
// NlriList is immutable, so the empty lists can be shared by every message.
const EMPTY_V4 = NlriList.empty(Afi.IPV4, false);
const EMPTY_V4_ADDPATH = NlriList.empty(Afi.IPV4, true);

function malformedList(reason: string): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, EMPTY, reason);
}

function resetFor(p: AttributeProblem): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, p.subcode, p.data, p.reason);
}

export function decodeUpdate(body: Buffer, ctx: CodecContext, opts?: UpdateDecodeOptions): UpdateMessage {
  const len = body.length;
  // RFC 4271 sec. 6.3, RFC 7606 sec. 3.b: Withdrawn Routes Length or Total Attribute Length too
  // large for the message -> session reset with Malformed Attribute List.
  if (len < 4) throw malformedList(`UPDATE body of ${len} bytes cannot hold its length fields`);
  const withdrawnEnd = 2 + ((body[0]! << 8) | body[1]!);
  if (withdrawnEnd + 2 > len) throw malformedList(`Withdrawn Routes Length ${withdrawnEnd - 2} overruns the message`);
  const attrStart = withdrawnEnd + 2;
  const attrEnd = attrStart + ((body[withdrawnEnd]! << 8) | body[withdrawnEnd + 1]!);
  if (attrEnd > len) throw malformedList(`Total Attribute Length ${attrEnd - attrStart} overruns the message`);

  const v4AddPath = ctx.addPath.has(IPV4_UNICAST);
  const emptyV4 = v4AddPath ? EMPTY_V4_ADDPATH : EMPTY_V4;
  const withdrawn = withdrawnEnd === 2 ? emptyV4 : NlriList.parse(body, 2, withdrawnEnd, Afi.IPV4, v4AddPath);
  // RFC 7606 sec. 3.i and 5.3: the Withdrawn Routes field is checked like the NLRI field; RFC 4271
  // sec. 6.3: syntactically incorrect -> Invalid Network Field. Treat-as-withdraw cannot apply to
  // NLRI that cannot be parsed (sec. 3.j), so the session is reset.
  if (typeof withdrawn === 'string') {
    throw new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, EMPTY, `Withdrawn Routes: ${withdrawn}`);
  }

  const list = decodeAttributeList(body, attrStart, attrEnd, ctx, opts?.peerIsExternal === true);
  if (list.reset !== null) throw resetFor(list.reset);

  const nlri = attrEnd === len ? emptyV4 : NlriList.parse(body, attrEnd, len, Afi.IPV4, v4AddPath);
  // RFC 4271 sec. 6.3, RFC 7606 sec. 5.3: NLRI syntactically incorrect (prefix length over 32, or
  // the last prefix overruns the message) -> Invalid Network Field, session reset (sec. 3.j).
  if (typeof nlri === 'string') {
    throw new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, EMPTY, `NLRI: ${nlri}`);
  }

  const attrs = list.attributes;
  const problems = list.problems;
  let action = list.action;
  const mpReach = attrs.mpReach;
  const mpNlri = mpReach !== undefined && mpReach.nlri.count > 0;
  if (nlri.count > 0 || mpNlri) {
    // RFC 7606 sec. 3.d: a missing well-known mandatory attribute -> treat-as-withdraw. ORIGIN and
    // AS_PATH go with any NLRI (RFC 4760 sec. 3 for MP_REACH_NLRI); NEXT_HOP only with the IPv4
    // NLRI field (RFC 4760 sec. 3: MP_REACH_NLRI carries its own). RFC 4271 sec. 6.3: Missing
    // Well-known Attribute, data = the type code. An attribute that was present but malformed is
    // not also reported missing: its own problem already says treat-as-withdraw.
    const seen = list.seen;
    const need = (1 << AttrType.ORIGIN) | (1 << AttrType.AS_PATH) | (nlri.count > 0 ? 1 << AttrType.NEXT_HOP : 0);
    const missing = need & ~seen;
    if (missing !== 0) {
      for (const code of [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP]) {
        if ((missing & (1 << code)) === 0) continue;
        problems.push({
          action: ErrorAction.TREAT_AS_WITHDRAW,
          code,
          subcode: UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
          data: Buffer.from([code]),
          reason: `missing well-known attribute ${attributeName(code)}`,
        });
      }
      action = ErrorAction.TREAT_AS_WITHDRAW;
    }
  }

  if (action >= ErrorAction.TREAT_AS_WITHDRAW && list.sawNonUnreach && nlri.count === 0 && !mpNlri && !hasRawMpReach(attrs)) {
    // RFC 7606 sec. 5.2: an UPDATE with attributes other than MP_UNREACH_NLRI but no reachable
    // NLRI cannot show that its NLRI were parsed correctly, so any error other than attribute
    // discard -> session reset. The first such problem gives the NOTIFICATION.
    for (const p of problems) if (p.action >= ErrorAction.TREAT_AS_WITHDRAW) throw resetFor(p);
  }

  return {
    type: 'update',
    withdrawn,
    attributes: attrs,
    nlri,
    attrBytes: body.subarray(attrStart, attrEnd),
    action,
    problems,
  };
}

/** An MP_REACH_NLRI of a family this codec keeps raw: reachable NLRI, just not ones we decode. */
function hasRawMpReach(a: PathAttributes): boolean {
  const raw = a.unknown;
  if (raw === undefined) return false;
  for (const r of raw) if (r.code === AttrType.MP_REACH_NLRI) return true;
  return false;
}

export function encodeUpdate(w: Writer, msg: UpdateMessage, ctx: CodecContext): void {
  const v4AddPath = ctx.addPath.has(IPV4_UNICAST);
  const withdrawnAt = w.reserveU16();
  writeNlriFor(w, msg.withdrawn, v4AddPath);
  w.patchU16(withdrawnAt, w.since(withdrawnAt + 2));
  const attrAt = w.reserveU16();
  encodeAttributeList(w, msg.attributes, ctx);
  w.patchU16(attrAt, w.since(attrAt + 2));
  writeNlriFor(w, msg.nlri, v4AddPath);
}

type PrefixesInit = NlriList | readonly (string | PrefixInput)[];

export interface UpdateInit {
  /** IPv4 withdrawn routes: a list, or prefixes as text (with Path Identifiers if any has one). */
  withdrawn?: PrefixesInit;
  attributes?: PathAttributes;
  /** IPv4 NLRI, as for `withdrawn`. */
  nlri?: PrefixesInit;
}

function v4List(p: PrefixesInit | undefined): NlriList {
  if (p === undefined) return EMPTY_V4;
  if (p instanceof NlriList) return p;
  const withIds = p.some((x) => typeof x !== 'string' && x.pathId !== undefined);
  return NlriList.fromPrefixes(Afi.IPV4, withIds, p);
}

/**
 * An UPDATE built by code (origination, export, End-of-RIB). The attributes are used as given: no
 * layout means canonical order and flags. Whether lists carry Path Identifiers does not matter:
 * the encoder writes them as the session's ADD-PATH state requires.
 */
export function buildUpdate(init: UpdateInit): UpdateMessage {
  return {
    type: 'update',
    withdrawn: v4List(init.withdrawn),
    attributes: init.attributes ?? newPathAttributes(),
    nlri: v4List(init.nlri),
    attrBytes: EMPTY,
    action: ErrorAction.NONE,
    problems: [],
  };
}

/**
 * The family whose End-of-RIB marker this is (RFC 4724 sec. 2), or null. IPv4 unicast: an UPDATE
 * with no withdrawn routes, no attributes and no NLRI. Other families: an UPDATE whose only content
 * is an MP_UNREACH_NLRI with no withdrawn routes (for families kept raw, a 3-byte one).
 */
export function isEndOfRib(msg: UpdateMessage): FamilyKey | null {
  if (msg.withdrawn.count !== 0 || msg.nlri.count !== 0 || msg.problems.length !== 0) return null;
  const a = msg.attributes;
  const unknown = a.unknown ?? [];
  let present = unknown.length;
  for (const d of CANONICAL_ORDER) if (d.isPresent(a)) present++;
  if (present === 0) return msg.attrBytes.length === 0 ? IPV4_UNICAST : null;
  if (present !== 1) return null;
  const u = a.mpUnreach;
  if (u !== undefined) return u.withdrawn.count === 0 ? familyKey(u.afi, u.safi) : null;
  const r = unknown[0];
  if (r !== undefined && r.code === AttrType.MP_UNREACH_NLRI && r.value.length === 3) {
    return familyKey((r.value[0]! << 8) | r.value[1]!, r.value[2]!);
  }
  return null;
}

/** The End-of-RIB marker for a family (RFC 4724 sec. 2). */
export function endOfRib(family: FamilyKey): UpdateMessage {
  if (family === IPV4_UNICAST) return buildUpdate({});
  const afi = familyAfi(family);
  const attributes = newPathAttributes();
  attributes.mpUnreach = { afi, safi: familySafi(family), withdrawn: NlriList.empty(afi) };
  return buildUpdate({ attributes });
}
