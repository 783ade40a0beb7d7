/**
 * NLRI lists (RFC 4271 sec. 4.3, RFC 4760 sec. 5, RFC 7911 sec. 3).
 *
 * A decoded list keeps the validated wire bytes and a count, not one object per prefix: a full table
 * is 1.2M prefixes and the RIB wants compact keys, not objects. Consumers walk the list with
 * forEachV4 (IPv4: address as a 32-bit number) or forEach (any family: a reused 16-byte scratch).
 * Bits past the prefix length are kept as received, so re-encoding gives back the same bytes; the
 * iterators mask them off.
 */

import { Afi } from './iana';
import { ipv4ToString, ipv6ToString, ipFromString } from './addr';
import { Writer } from './writer';

export interface PrefixInput {
  prefix: string;
  pathId?: number;
}

export class NlriList {
  constructor(
    readonly afi: number,
    /** Each entry starts with a 4-byte Path Identifier (RFC 7911). */
    readonly addPath: boolean,
    /** The NLRI bytes exactly as they appear on the wire. */
    readonly bytes: Buffer,
    readonly count: number,
  ) {}

  static empty(afi: number, addPath = false): NlriList {
    return new NlriList(afi, addPath, EMPTY, 0);
  }

  get maxLen(): number {
    return this.afi === Afi.IPV4 ? 32 : 128;
  }

  /**
   * Validate NLRI bytes and wrap them. Returns a string saying what is wrong instead of throwing, so
   * that the caller applies the error handling its context prescribes (RFC 4271 sec. 6.3 for the
   * UPDATE's own fields, RFC 7606 sec. 5.3 for MP_REACH / MP_UNREACH).
   */
  static parse(buf: Buffer, start: number, end: number, afi: number, addPath: boolean): NlriList | string {
    const max = afi === Afi.IPV4 ? 32 : afi === Afi.IPV6 ? 128 : -1;
    if (max < 0) return `unsupported AFI ${afi}`;
    let p = start;
    let count = 0;
    while (p < end) {
      if (addPath) {
        if (p + 4 >= end) return `NLRI entry at offset ${p - start} overruns the field`;
        p += 4;
      }
      const len = buf[p]!;
      if (len > max) return `prefix length ${len} exceeds ${max}`;
      const n = (len + 7) >>> 3;
      p += 1 + n;
      if (p > end) return `prefix at offset ${p - 1 - n - start} overruns the field`;
      count++;
    }
    return new NlriList(afi, addPath, buf.subarray(start, end), count);
  }

  static fromPrefixes(afi: number, addPath: boolean, prefixes: readonly (string | PrefixInput)[]): NlriList {
    const w = new Writer(prefixes.length * 6 + 8);
    for (const item of prefixes) {
      const { prefix, pathId } = typeof item === 'string' ? { prefix: item, pathId: undefined } : item;
      const slash = prefix.indexOf('/');
      const addr = slash > 0 ? ipFromString(prefix.slice(0, slash)) : null;
      const len = slash > 0 ? Number(prefix.slice(slash + 1)) : NaN;
      const want = afi === Afi.IPV4 ? 4 : 16;
      if (!addr || addr.length !== want || !Number.isInteger(len) || len < 0 || len > want * 8) {
        throw new RangeError(`not an ${afi === Afi.IPV4 ? 'IPv4' : 'IPv6'} prefix: ${prefix}`);
      }
      if (addPath) w.u32(pathId ?? 0);
      w.u8(len);
      const nb = (len + 7) >>> 3;
      const part = Buffer.from(addr.subarray(0, nb));
      if (len & 7) part[nb - 1]! &= (0xff << (8 - (len & 7))) & 0xff;
      w.bytes(part);
    }
    return new NlriList(afi, addPath, Buffer.from(w.view()), prefixes.length);
  }

  /** IPv4 only: calls fn(address as unsigned 32-bit, length, pathId) per prefix, host bits cleared. */
  forEachV4(fn: (addr: number, len: number, pathId: number) => void): void {
    const b = this.bytes;
    const end = b.length;
    let p = 0;
    let pathId = 0;
    while (p < end) {
      if (this.addPath) {
        pathId = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
        p += 4;
      }
      const len = b[p++]!;
      let a = 0;
      // Unrolled by byte count: the common /24 and shorter avoid a loop.
      switch ((len + 7) >>> 3) {
        case 4:
          a = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
          p += 4;
          break;
        case 3:
          a = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8);
          p += 3;
          break;
        case 2:
          a = (b[p]! << 24) | (b[p + 1]! << 16);
          p += 2;
          break;
        case 1:
          a = b[p]! << 24;
          p += 1;
          break;
        default:
          break;
      }
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      fn((a & mask) >>> 0, len, pathId);
    }
  }

  /**
   * Any family: calls fn(addr, length, pathId) per prefix where addr is a scratch buffer of 4 or 16
   * bytes with host bits cleared. The scratch is reused: copy what you keep.
   */
  forEach(fn: (addr: Buffer, len: number, pathId: number) => void): void {
    const b = this.bytes;
    const end = b.length;
    const scratch = Buffer.alloc(this.afi === Afi.IPV4 ? 4 : 16);
    let p = 0;
    let pathId = 0;
    while (p < end) {
      if (this.addPath) {
        pathId = b.readUInt32BE(p);
        p += 4;
      }
      const len = b[p++]!;
      const nb = (len + 7) >>> 3;
      scratch.fill(0);
      b.copy(scratch, 0, p, p + nb);
      if (len & 7) scratch[nb - 1]! &= (0xff << (8 - (len & 7))) & 0xff;
      p += nb;
      fn(scratch, len, pathId);
    }
  }

  /** Prefixes as text ("192.0.2.0/24"), in wire order. */
  toStrings(): string[] {
    const out: string[] = [];
    this.forEach((addr, len) => {
      out.push(`${addr.length === 4 ? ipv4ToString(addr.readUInt32BE(0)) : ipv6ToString(addr)}/${len}`);
    });
    return out;
  }

  /** JSON: plain prefix strings, or {prefix, pathId} objects when ADD-PATH is in use. */
  toJSON(): (string | { prefix: string; pathId: number })[] {
    if (!this.addPath) return this.toStrings();
    const out: { prefix: string; pathId: number }[] = [];
    this.forEach((addr, len, pathId) => {
      const text = addr.length === 4 ? ipv4ToString(addr.readUInt32BE(0)) : ipv6ToString(addr);
      out.push({ prefix: `${text}/${len}`, pathId });
    });
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
