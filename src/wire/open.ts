/**
 * OPEN message codec (RFC 4271 sec. 4.2), Optional Parameters (RFC 5492 sec. 4: only the
 * Capabilities parameter, type 2) and the extended Optional Parameters encoding (RFC 9072 sec. 2).
 *
 * The decoder checks only what the bytes themselves decide: that the parameters fit, that each one
 * is a Capabilities parameter, that each capability this codec understands is well formed. The
 * checks against configuration (version, peer AS, hold time, BGP Identifier, required capabilities,
 * role) are in open-check.ts, and negotiation in negotiate.ts.
 *
 * Departures and choices:
 * - An Optional Parameters Length that disagrees with the message length has no rule of its own in
 *   RFC 4271; it is treated like a malformed optional parameter (sec. 6.2: subcode 0, Unspecific),
 *   which is also what BIRD sends. Trailing bytes after the parameters get the same answer.
 * - The Unsupported Optional Parameter NOTIFICATION (sec. 6.2) has no Data defined; it carries the
 *   offending parameter as received, which helps whoever reads the peer's logs.
 * - Grouping of capabilities into parameters and the RFC 9072 encoding are remembered
 *   (`paramGroups`, `extendedParams`) so that decoding and encoding gives back the same bytes. When
 *   RFC 9072 is in use, the Non-Ext OP Len octet is ignored on receipt and sent as 255 (RFC 9072
 *   sec. 2), so a peer that put another non-zero value there does not get its exact bytes back.
 */

import type { Capability } from './capabilities/types';
import { decodeCapabilityList, encodeCapabilityList } from './capabilities/codec';
import { lastCapability } from './capabilities/lookup';
import type { CodecContext } from './context';
import { ipv4BytesToString, ipv4ToBytes } from './addr';
import { BgpError, ReadOverrun } from './errors';
import { AS_TRANS, ErrorCode, HEADER_LENGTH, HeaderSubcode, OpenSubcode, OptParamType } from './iana';
import { Reader } from './reader';
import type { Writer } from './writer';

export interface OpenMessage {
  type: 'open';
  version: number;
  /** The 2-octet "My Autonomous System" field (AS_TRANS when the real ASN needs 4 octets). */
  myAs: number;
  holdTime: number;
  /** BGP Identifier, dotted quad. */
  bgpId: string;
  capabilities: Capability[];
  /**
   * How many capabilities each Capabilities optional parameter carried, in order (some speakers put
   * all capabilities in one parameter, others one per parameter). Absent means the default: one
   * parameter holding all capabilities, or no parameter when there are none. The decoder sets it
   * only when the received grouping differs from that default.
   */
  paramGroups?: number[];
  /**
   * RFC 9072: the Optional Parameters used the extended encoding (received), or should (to send).
   * The encoder uses it anyway when the parameters do not fit in 255 octets, as RFC 9072 sec. 2
   * requires.
   */
  extendedParams?: boolean;
}

/** The fixed part of the OPEN body: version, My AS, hold time, BGP Identifier, Opt Parm Len. */
const OPEN_FIXED_LENGTH = 10;
const NON_EXT_PARAMS_MAX = 255;
/** RFC 9072 sec. 2: the Non-Ext OP Len and Non-Ext OP Type values that announce the extended form. */
const EXTENDED_MARKER = OptParamType.EXTENDED_LENGTH;

/** RFC 4271 sec. 6.2: a recognized but malformed optional parameter -> OPEN Message Error / 0. */
function malformedParams(reason: string): BgpError {
  return new BgpError(ErrorCode.OPEN_MESSAGE, 0, Buffer.alloc(0), `malformed optional parameters: ${reason}`);
}

export function decodeOpen(body: Buffer, _ctx: CodecContext): OpenMessage {
  const r = new Reader(body);
  if (r.remaining < OPEN_FIXED_LENGTH) {
    // RFC 4271 sec. 6.1: shorter than the minimum OPEN -> Bad Message Length, data = the length.
    // The framer catches this first; this guards direct callers.
    const len = Buffer.alloc(2);
    len.writeUInt16BE(Math.min(body.length + HEADER_LENGTH, 0xffff), 0);
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, len, `OPEN body of ${body.length} bytes is too short`);
  }
  const version = r.u8();
  const myAs = r.u16();
  const holdTime = r.u16();
  const bgpId = ipv4BytesToString(r.bytes(4));
  const optLen = r.u8();

  // RFC 9072 sec. 2: a non-zero Non-Ext OP Len followed by a parameter type of 255 announces the
  // extended encoding: a 2-octet total length, and 2-octet lengths in each parameter.
  const extended = optLen !== 0 && r.remaining > 0 && body[r.pos] === EXTENDED_MARKER;
  let paramsLen = optLen;
  try {
    if (extended) {
      r.skip(1);
      paramsLen = r.u16();
    }
  } catch (e) {
    if (e instanceof ReadOverrun) throw malformedParams('extended parameters length is cut short');
    throw e;
  }
  if (paramsLen !== r.remaining) {
    throw malformedParams(`optional parameters length ${paramsLen} but ${r.remaining} bytes follow`);
  }

  const capabilities: Capability[] = [];
  const groups: number[] = [];
  // Each parameter takes at least 2 octets, so this loop ends within paramsLen / 2 rounds.
  while (!r.atEnd()) {
    const paramStart = r.pos;
    let type: number;
    let value: Buffer;
    try {
      type = r.u8();
      value = r.bytes(extended ? r.u16() : r.u8());
    } catch (e) {
      if (e instanceof ReadOverrun) throw malformedParams(`parameter at offset ${paramStart} overruns the parameters`);
      throw e;
    }
    if (type !== OptParamType.CAPABILITIES) {
      // RFC 4271 sec. 6.2: an optional parameter that is not recognized -> Unsupported Optional
      // Parameter. (RFC 5492 made Capabilities the only one in use; type 1 is deprecated.)
      throw new BgpError(
        ErrorCode.OPEN_MESSAGE,
        OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER,
        Buffer.from(body.subarray(paramStart, r.pos)),
        `unsupported optional parameter type ${type}`,
      );
    }
    const caps = decodeCapabilityList(value);
    // RFC 4271 sec. 6.2: recognized but malformed -> subcode 0 (RFC 5492 adds nothing here).
    if (typeof caps === 'string') throw malformedParams(caps);
    for (const c of caps) capabilities.push(c);
    groups.push(caps.length);
  }

  const msg: OpenMessage = { type: 'open', version, myAs, holdTime, bgpId, capabilities };
  if (!sameGroups(groups, defaultGroups(capabilities.length))) msg.paramGroups = groups;
  if (extended) msg.extendedParams = true;
  return msg;
}

function defaultGroups(count: number): number[] {
  return count === 0 ? [] : [count];
}

function sameGroups(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function checkField(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`OPEN ${what} ${v} is out of range`);
}

/**
 * Write the OPEN body. Throws RangeError for a message that cannot be encoded (a field out of
 * range, `paramGroups` that do not add up to the capability count): a bug in whoever built it.
 */
export function encodeOpen(w: Writer, msg: OpenMessage, _ctx: CodecContext): void {
  checkField(msg.version, 0xff, 'version');
  checkField(msg.myAs, 0xffff, 'My AS');
  checkField(msg.holdTime, 0xffff, 'hold time');
  const id = ipv4ToBytes(msg.bgpId);
  if (!id) throw new RangeError(`OPEN BGP Identifier ${msg.bgpId} is not a dotted quad`);

  const groups = msg.paramGroups ?? defaultGroups(msg.capabilities.length);
  const total = groups.reduce((a, b) => a + b, 0);
  if (total !== msg.capabilities.length || groups.some((g) => !Number.isInteger(g) || g < 0)) {
    throw new RangeError(`OPEN paramGroups ${JSON.stringify(groups)} do not cover ${msg.capabilities.length} capabilities`);
  }
  const values: Buffer[] = [];
  let at = 0;
  for (const g of groups) {
    values.push(encodeCapabilityList(msg.capabilities.slice(at, at + g)));
    at += g;
  }

  // RFC 9072 sec. 2: the extended encoding is required once the parameters exceed 255 octets.
  const classicLength = values.reduce((sum, v) => sum + 2 + v.length, 0);
  const extended =
    msg.extendedParams === true || classicLength > NON_EXT_PARAMS_MAX || values.some((v) => v.length > NON_EXT_PARAMS_MAX);

  w.u8(msg.version).u16(msg.myAs).u16(msg.holdTime).bytes(id);
  if (!extended) {
    w.u8(classicLength);
    for (const v of values) w.u8(OptParamType.CAPABILITIES).u8(v.length).bytes(v);
    return;
  }
  const extendedLength = values.reduce((sum, v) => sum + 3 + v.length, 0);
  checkField(extendedLength, 0xffff, 'extended optional parameters length');
  w.u8(EXTENDED_MARKER).u8(EXTENDED_MARKER).u16(extendedLength);
  for (const v of values) w.u8(OptParamType.CAPABILITIES).u16(v.length).bytes(v);
}

/**
 * The peer's real AS number (RFC 6793 sec. 4.1): from the 4-octet AS capability when present, else
 * the My Autonomous System field.
 */
export function peerAsn(open: OpenMessage): number {
  return lastCapability(open.capabilities, 'four-octet-as')?.asn ?? open.myAs;
}

/** The value for My Autonomous System: the ASN itself, or AS_TRANS when it needs 4 octets (RFC 6793 sec. 4.1). */
export function myAsField(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}
