/**
 * ROUTE-REFRESH message codec (RFC 2918 sec. 3, Message Subtype of RFC 7313 sec. 3.2).
 *
 * Body: AFI (2), Message Subtype (1; "Reserved" in RFC 2918), SAFI (1).
 *
 * Departures and choices:
 * - RFC 7313 sec. 5 prescribes ROUTE-REFRESH Message Error / Invalid Message Length, with the whole
 *   message as data, when a BoRR or EoRR (subtypes 1 and 2) does not have a 4-octet body. RFC 2918
 *   defines no error for a plain refresh (subtype 0) of the wrong length; this codec answers it the
 *   same way, since it is the only NOTIFICATION that describes the fault.
 * - RFC 7313 sec. 5 says a ROUTE-REFRESH with a subtype other than 0, 1, 2 MUST be ignored. The
 *   decoder does not throw for it, whatever its length: it returns the message with the subtype as
 *   received (AFI/SAFI read from where they would be, 0 if absent) and the session ignores it
 *   (`isKnownRouteRefreshSubtype`). Such a message is not guaranteed to re-encode to its bytes.
 */

import type { CodecContext } from './context';
import { BgpError } from './errors';
import { ErrorCode, RouteRefreshSubcode, RouteRefreshSubtype } from './iana';
import type { Writer } from './writer';

export interface RouteRefreshMessage {
  type: 'route-refresh';
  afi: number;
  safi: number;
  /** RouteRefreshSubtype: 0 normal, 1 BoRR, 2 EoRR (RFC 7313). */
  subtype: number;
}

const ROUTE_REFRESH_BODY_LENGTH = 4;

/** RFC 7313 sec. 5: subtypes other than these MUST make the receiver ignore the message. */
export function isKnownRouteRefreshSubtype(subtype: number): boolean {
  return subtype === RouteRefreshSubtype.NORMAL || subtype === RouteRefreshSubtype.BORR || subtype === RouteRefreshSubtype.EORR;
}

/** `raw` is the whole message: RFC 7313 sec. 5 sends it back as the NOTIFICATION data. */
export function decodeRouteRefresh(body: Buffer, _ctx: CodecContext, raw: Buffer): RouteRefreshMessage {
  const subtype = body.length > 2 ? body[2]! : -1;
  if (subtype >= 0 && !isKnownRouteRefreshSubtype(subtype)) {
    // RFC 7313 sec. 5: unknown subtype -> ignore the message (the session does), never an error.
    return {
      type: 'route-refresh',
      afi: body.readUInt16BE(0),
      safi: body.length > 3 ? body[3]! : 0,
      subtype,
    };
  }
  if (body.length !== ROUTE_REFRESH_BODY_LENGTH) {
    // RFC 7313 sec. 5: a body other than 4 octets -> ROUTE-REFRESH Message Error / Invalid Message
    // Length, and the Data field MUST contain the complete ROUTE-REFRESH message.
    throw new BgpError(
      ErrorCode.ROUTE_REFRESH,
      RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
      Buffer.from(raw),
      `ROUTE-REFRESH body of ${body.length} bytes, expected ${ROUTE_REFRESH_BODY_LENGTH}`,
    );
  }
  return { type: 'route-refresh', afi: body.readUInt16BE(0), safi: body[3]!, subtype };
}

export function encodeRouteRefresh(w: Writer, msg: RouteRefreshMessage, _ctx: CodecContext): void {
  if (!Number.isInteger(msg.afi) || msg.afi < 0 || msg.afi > 0xffff) throw new RangeError(`AFI ${msg.afi}`);
  if (!Number.isInteger(msg.safi) || msg.safi < 0 || msg.safi > 0xff) throw new RangeError(`SAFI ${msg.safi}`);
  if (!Number.isInteger(msg.subtype) || msg.subtype < 0 || msg.subtype > 0xff) throw new RangeError(`subtype ${msg.subtype}`);
  w.u16(msg.afi).u8(msg.subtype).u8(msg.safi);
}
