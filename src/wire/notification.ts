/**
 * NOTIFICATION message codec (RFC 4271 sec. 4.5; Cease subcodes of RFC 4486 and RFC 8538; the
 * Shutdown Communication of RFC 8203 as updated by RFC 9003).
 *
 * Decoding never fails on content: RFC 4271 sec. 6.4 says an error in a received NOTIFICATION cannot
 * be reported back with another NOTIFICATION, so unknown codes, subcodes and data are kept as they
 * came. The only check is the minimum length, which the framer already enforces (sec. 6.1).
 *
 * Shutdown Communication (RFC 9003 sec. 2): for Cease / Administrative Shutdown and Cease /
 * Administrative Reset, the data is a one-octet length and that many octets of UTF-8. It is decoded
 * into `shutdownCommunication` when well formed; `data` always keeps the raw bytes. A malformed one
 * is only to be logged (RFC 9003 sec. 4), which `readShutdownCommunication` gives the reason for.
 * Bytes after the communication are not defined by RFC 9003; they are ignored, not treated as
 * malformed.
 */

import { isUtf8 } from 'node:buffer';
import type { CodecContext } from './context';
import { BgpError } from './errors';
import { CeaseSubcode, ErrorCode, HEADER_LENGTH, HeaderSubcode } from './iana';
import type { Writer } from './writer';

export interface NotificationMessage {
  type: 'notification';
  code: number;
  subcode: number;
  data: Buffer;
  /** RFC 8203 Shutdown Communication, when the Cease subcode carries one and it is valid UTF-8. */
  shutdownCommunication?: string;
}

/** RFC 9003 sec. 2: the communication is at most 255 octets (RFC 8203 allowed 128). */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

/** Whether this code/subcode carries a Shutdown Communication (RFC 9003 sec. 2). */
export function carriesShutdownCommunication(code: number, subcode: number): boolean {
  return (
    code === ErrorCode.CEASE &&
    (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET)
  );
}

export type ShutdownCommunicationResult = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Read a Shutdown Communication from NOTIFICATION data. Empty data means the sender gave none (an
 * RFC 4486 peer): that is reported as not ok with reason 'absent'.
 */
export function readShutdownCommunication(data: Buffer): ShutdownCommunicationResult {
  if (data.length === 0) return { ok: false, reason: 'absent' };
  const len = data[0]!;
  // RFC 9003 sec. 4: an invalid Length value is an error to log, not to act on.
  if (1 + len > data.length) return { ok: false, reason: `length ${len} exceeds the ${data.length - 1} bytes present` };
  const text = data.subarray(1, 1 + len);
  // RFC 9003 sec. 4: so is an invalid UTF-8 sequence.
  if (!isUtf8(text)) return { ok: false, reason: 'not valid UTF-8' };
  return { ok: true, text: text.toString('utf8') };
}

export function decodeNotification(body: Buffer, _ctx: CodecContext): NotificationMessage {
  if (body.length < 2) {
    // RFC 4271 sec. 6.1: shorter than the minimum NOTIFICATION -> Bad Message Length. The framer
    // catches this first; this guards direct callers.
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length + HEADER_LENGTH, 0);
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, len, 'NOTIFICATION body is too short');
  }
  const code = body[0]!;
  const subcode = body[1]!;
  // Copied: a NOTIFICATION is kept for `show neighbor` long after the receive buffer is gone.
  const data = Buffer.from(body.subarray(2));
  const msg: NotificationMessage = { type: 'notification', code, subcode, data };
  if (carriesShutdownCommunication(code, subcode)) {
    const comm = readShutdownCommunication(data);
    if (comm.ok) msg.shutdownCommunication = comm.text;
  }
  return msg;
}

/**
 * Write the NOTIFICATION body. `data` is sent as is; a message built with only
 * `shutdownCommunication` (and empty data) gets the communication encoded for it.
 */
export function encodeNotification(w: Writer, msg: NotificationMessage, _ctx: CodecContext): void {
  if (!Number.isInteger(msg.code) || msg.code < 0 || msg.code > 0xff) throw new RangeError(`error code ${msg.code}`);
  if (!Number.isInteger(msg.subcode) || msg.subcode < 0 || msg.subcode > 0xff) throw new RangeError(`error subcode ${msg.subcode}`);
  w.u8(msg.code).u8(msg.subcode);
  if (msg.data.length === 0 && msg.shutdownCommunication !== undefined && carriesShutdownCommunication(msg.code, msg.subcode)) {
    w.bytes(shutdownCommunicationData(msg.shutdownCommunication).data);
  } else {
    w.bytes(msg.data);
  }
}

/**
 * The UTF-8 bytes of `text`, cut to at most 255 octets without splitting a character (RFC 9003
 * sec. 2 limits the length; it would be rude to send half a character).
 */
function shutdownCommunicationData(text: string): { data: Buffer; text: string } {
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION) {
    let cut = MAX_SHUTDOWN_COMMUNICATION;
    // Step back over continuation bytes (10xxxxxx) to the start of the character that would be cut.
    // A UTF-8 character is at most 4 bytes, so this moves back at most 3.
    while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
    bytes = bytes.subarray(0, cut);
  }
  const data = Buffer.alloc(1 + bytes.length);
  data[0] = bytes.length;
  bytes.copy(data, 1);
  return { data, text: bytes.toString('utf8') };
}

/**
 * A Cease NOTIFICATION with a Shutdown Communication (RFC 9003): `subcode` is Administrative
 * Shutdown (2) or Administrative Reset (4); `text` is truncated to 255 octets on a character
 * boundary, and `shutdownCommunication` holds the text as sent.
 */
export function shutdownNotification(subcode: number, text: string): NotificationMessage {
  if (!carriesShutdownCommunication(ErrorCode.CEASE, subcode)) {
    throw new RangeError(`Cease subcode ${subcode} does not carry a Shutdown Communication`);
  }
  const { data, text: sent } = shutdownCommunicationData(text);
  return { type: 'notification', code: ErrorCode.CEASE, subcode, data, shutdownCommunication: sent };
}

/** The NOTIFICATION to send for a BgpError thrown by a decoder or a check. */
export function notificationFromError(err: BgpError): NotificationMessage {
  return { type: 'notification', code: err.code, subcode: err.subcode, data: err.data };
}
