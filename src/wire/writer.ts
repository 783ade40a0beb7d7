/**
 * A growable byte writer. `startMessage()` reserves the 19-byte header and `finish()` fills in the
 * marker and the length, so message encoders never compute lengths ahead of time. Inner lengths
 * (attribute lengths, parameter lengths) use the same reserve-then-patch idea.
 */

import { BgpError } from './errors';
import { ErrorCode, HEADER_LENGTH, MARKER_LENGTH, MAX_MESSAGE_LENGTH } from './iana';

export class Writer {
  private buf: Buffer;
  pos = 0;
  private messageStart = -1;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Reserve an 8- or 16-bit length field; returns its offset for `patchU8`/`patchU16`. */
  reserveU8(): number {
    const at = this.pos;
    this.u8(0);
    return at;
  }

  reserveU16(): number {
    const at = this.pos;
    this.u16(0);
    return at;
  }

  patchU8(at: number, v: number): void {
    this.buf[at] = v & 0xff;
  }

  patchU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /** Bytes written since `from`. */
  since(from: number): number {
    return this.pos - from;
  }

  /** Begin a BGP message: marker, a placeholder length, the type. */
  startMessage(type: number): this {
    this.messageStart = this.pos;
    this.ensure(HEADER_LENGTH);
    this.buf.fill(0xff, this.pos, this.pos + MARKER_LENGTH);
    this.pos += MARKER_LENGTH + 2;
    this.buf[this.pos++] = type;
    return this;
  }

  /**
   * Fill in the length of the message begun by `startMessage()` and return a copy of the whole
   * buffer written so far. Refuses to produce a message longer than `maxLength`: a too-long message
   * is a bug in the caller, never something to put on the wire.
   */
  finish(maxLength = MAX_MESSAGE_LENGTH): Buffer {
    if (this.messageStart >= 0) {
      const len = this.pos - this.messageStart;
      if (len > maxLength) {
        throw new BgpError(ErrorCode.MESSAGE_HEADER, 2, Buffer.alloc(0), `encoded message of ${len} bytes exceeds ${maxLength}`);
      }
      this.patchU16(this.messageStart + MARKER_LENGTH, len);
      this.messageStart = -1;
    }
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** The bytes written so far, as a view (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
    this.messageStart = -1;
  }
}
