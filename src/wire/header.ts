/**
 * Message header and framing (RFC 4271 sec. 4.1 and 6.1, RFC 8654, RFC 7313 sec. 5).
 *
 * The Framer turns a TCP byte stream, split anywhere, into whole messages. It checks only the
 * header (marker, length, type, and the per-type length bounds that sec. 6.1 assigns to the header
 * check); bodies are decoded elsewhere. A message that lies inside one pushed chunk is returned as a
 * view of it, without a copy.
 */

import { BgpError } from './errors';
import {
  ErrorCode,
  HEADER_LENGTH,
  HeaderSubcode,
  MARKER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from './iana';

export interface Frame {
  type: number;
  /** The message body (after the 19-byte header). */
  body: Buffer;
  /** The whole message, header included. */
  raw: Buffer;
}

/** Smallest legal length per type (RFC 4271 sec. 4.2-4.5, RFC 2918). */
const MIN_LENGTH: Record<number, number> = {
  [MessageType.OPEN]: 29,
  [MessageType.UPDATE]: 23,
  [MessageType.NOTIFICATION]: 21,
  [MessageType.KEEPALIVE]: 19,
  [MessageType.ROUTE_REFRESH]: 23,
};

function badLength(len: number): BgpError {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(len, 0);
  // RFC 4271 sec. 6.1: "the Data field MUST contain the erroneous Length field".
  return new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, data, `bad message length ${len}`);
}

/**
 * Check the 19-byte header at `off` and return the message length. `maxLength` is 4096, or 65535
 * once Extended Message is negotiated.
 */
export function checkHeader(buf: Buffer, off: number, maxLength: number): { type: number; length: number } {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[off + i] !== 0xff) {
      // RFC 4271 sec. 6.1: marker not all ones -> Connection Not Synchronized.
      throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, Buffer.alloc(0), 'marker is not all ones');
    }
  }
  const length = (buf[off + 16]! << 8) | buf[off + 17]!;
  const type = buf[off + 18]!;
  if (length < HEADER_LENGTH || length > maxLength) throw badLength(length);
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    // RFC 4271 sec. 6.1: unrecognized Type -> Bad Message Type, data = the Type field.
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, Buffer.from([type]), `bad message type ${type}`);
  }
  if (length < min) throw badLength(length);
  // RFC 4271 sec. 6.1: a KEEPALIVE is exactly 19 bytes. RFC 8654 sec. 4: OPEN and KEEPALIVE stay
  // within 4096 bytes even when Extended Message is negotiated.
  if (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH) throw badLength(length);
  if (type === MessageType.OPEN && length > MAX_MESSAGE_LENGTH) throw badLength(length);
  // A ROUTE-REFRESH of the wrong length is not a header error: RFC 7313 sec. 5 assigns it its own
  // NOTIFICATION (code 7), carrying the whole message, which the route-refresh decoder sends.
  return { type, length };
}

/** Streaming framer: push() chunks as they arrive, then call next() until it returns null. */
export class Framer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private head: Buffer = Buffer.alloc(0);
  private headOff = 0;

  constructor(public maxLength = MAX_MESSAGE_LENGTH) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.headOff >= this.head.length && this.chunks.length === 0) {
      this.head = chunk;
      this.headOff = 0;
    } else {
      this.chunks.push(chunk);
    }
    this.buffered += chunk.length;
  }

  /** Bytes received but not yet returned as messages. */
  get pending(): number {
    return this.buffered;
  }

  /** The next whole message, or null when more bytes are needed. Throws BgpError on a bad header. */
  next(): Frame | null {
    if (this.buffered < HEADER_LENGTH) return null;
    if (this.head.length - this.headOff < HEADER_LENGTH) this.coalesce(HEADER_LENGTH);
    const { type, length } = checkHeader(this.head, this.headOff, this.maxLength);
    if (this.buffered < length) return null;
    if (this.head.length - this.headOff < length) this.coalesce(length);
    const raw = this.head.subarray(this.headOff, this.headOff + length);
    this.headOff += length;
    this.buffered -= length;
    if (this.headOff >= this.head.length && this.chunks.length > 0) {
      this.head = this.chunks.shift()!;
      this.headOff = 0;
    }
    return { type, body: raw.subarray(HEADER_LENGTH), raw };
  }

  /** Make the head hold at least n contiguous bytes by joining queued chunks. */
  private coalesce(n: number): void {
    const parts: Buffer[] = [this.head.subarray(this.headOff)];
    let have = parts[0]!.length;
    while (have < n && this.chunks.length > 0) {
      const c = this.chunks.shift()!;
      parts.push(c);
      have += c.length;
    }
    this.head = Buffer.concat(parts, have);
    this.headOff = 0;
  }
}
