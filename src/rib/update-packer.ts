/**
 * Packs announcements and withdrawals for one peer into as few UPDATEs as fit the negotiated size
 * (4096, or 65535 with RFC 8654 Extended Message).
 *
 * Work is per export: the engine hands in an export already encoded (export-table.ts), and the
 * prefixes sharing it are appended to UPDATEs straight from their compact keys (no per-prefix
 * objects). IPv4 goes in the NLRI / Withdrawn Routes fields; IPv6 in
 * MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760), put first in the attribute list as RFC 7606 sec. 5.1
 * asks. ADD-PATH (RFC 7911) path identifiers are written when the session negotiated them.
 */

import type { PathAttributes } from '../wire/attributes/types';
import type { CodecContext } from '../wire/context';
import { maxMessageLength } from '../wire/context';
import { AttrFlag, AttrType, HEADER_LENGTH, IPV4_UNICAST, IPV6_UNICAST, MessageType } from '../wire/iana';
import { Writer } from '../wire/writer';
import { writeExportRecord } from './export-table';
import type { PrefixKey } from './prefix-key';

/** Bytes a prefix takes in NLRI: [path id] + length + significant address bytes. */
function nlriSize(key: PrefixKey, addPath: boolean): number {
  const len = typeof key === 'number' ? key % 64 : key.charCodeAt(16);
  return (addPath ? 4 : 0) + 1 + ((len + 7) >>> 3);
}

function writePrefix(w: Writer, key: PrefixKey, addPath: boolean, pathId: number): void {
  if (addPath) w.u32(pathId);
  if (typeof key === 'number') {
    const len = key % 64;
    const addr = (key - len) / 64;
    w.u8(len);
    const n = (len + 7) >>> 3;
    for (let i = 0; i < n; i++) w.u8((addr >>> (24 - 8 * i)) & 0xff);
  } else {
    const len = key.charCodeAt(16);
    w.u8(len);
    const n = (len + 7) >>> 3;
    for (let i = 0; i < n; i++) w.u8(key.charCodeAt(i));
  }
}

export class UpdatePacker {
  private readonly max: number;
  private readonly w = new Writer(4096);
  private readonly recordWriter = new Writer(256);

  constructor(
    private readonly ctx: CodecContext,
    /** Path identifier to send when ADD-PATH is on (we send one path per prefix). */
    private readonly pathId = 1,
  ) {
    this.max = maxMessageLength(ctx);
  }

  /**
   * UPDATEs announcing `keys` (all of one family) with attributes `a` (for IPv6, `a.mpReach.nextHop`
   * holds the next hop; its NLRI are ignored).
   */
  announce(a: PathAttributes, keys: readonly PrefixKey[]): Buffer[] {
    if (keys.length === 0) return [];
    const w = this.recordWriter;
    w.reset();
    if (!writeExportRecord(w, a, typeof keys[0] === 'number' ? IPV4_UNICAST : IPV6_UNICAST, this.ctx)) throw new RangeError('IPv6 announcement without a usable next hop');
    return this.announceRecord(w.view(), keys);
  }

  /**
   * UPDATEs announcing `keys` (all of one family) with an encoded export (export-table.ts: next hops
   * for MP_REACH_NLRI, then the attribute bytes).
   */
  announceRecord(rec: Uint8Array, keys: readonly PrefixKey[]): Buffer[] {
    if (keys.length === 0) return [];
    const v4 = typeof keys[0] === 'number';
    const family = v4 ? IPV4_UNICAST : IPV6_UNICAST;
    const addPath = this.ctx.addPath.has(family);
    const nhLen = rec[0]! + rec[1]!;
    const attrs = rec.subarray(2 + nhLen);
    if (!v4 && rec[0] !== 16) throw new RangeError('IPv6 announcement without a usable next hop');
    const out: Buffer[] = [];
    const w = this.w;
    let i = 0;
    while (i < keys.length) {
      w.reset();
      w.startMessage(MessageType.UPDATE);
      w.u16(0); // no withdrawn routes
      const attrLenAt = w.reserveU16();
      let mpLenAt = -1;
      if (!v4) {
        w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(AttrType.MP_REACH_NLRI);
        mpLenAt = w.reserveU16();
        w.u16(2).u8(1).u8(nhLen).bytes(rec.subarray(2, 2 + nhLen));
        w.u8(0); // reserved
      }
      // Room left for prefixes once the fixed parts and the attributes are counted.
      const room = this.max - w.pos - attrs.length;
      if (room < 32) throw new RangeError(`attributes of ${attrs.length} bytes leave no room for NLRI`);
      if (v4) {
        w.bytes(attrs);
        w.patchU16(attrLenAt, w.since(attrLenAt + 2));
      }
      i = this.fill(keys, i, room, addPath);
      if (!v4) {
        w.patchU16(mpLenAt, w.since(mpLenAt + 2));
        w.bytes(attrs);
        w.patchU16(attrLenAt, w.since(attrLenAt + 2));
      }
      out.push(w.finish(this.max));
    }
    return out;
  }

  /** Write prefixes from keys[i] on while they fit in `room` bytes (at least one); returns the next index. */
  private fill(keys: readonly PrefixKey[], i: number, room: number, addPath: boolean): number {
    const start = i;
    while (i < keys.length) {
      const size = nlriSize(keys[i]!, addPath);
      if (size > room && i > start) break;
      writePrefix(this.w, keys[i]!, addPath, this.pathId);
      room -= size;
      i++;
    }
    return i;
  }

  /** UPDATEs withdrawing `keys` (all of one family). */
  withdraw(keys: readonly PrefixKey[]): Buffer[] {
    if (keys.length === 0) return [];
    const v4 = typeof keys[0] === 'number';
    const addPath = this.ctx.addPath.has(v4 ? IPV4_UNICAST : IPV6_UNICAST);
    const out: Buffer[] = [];
    const w = this.w;
    let i = 0;
    while (i < keys.length) {
      w.reset();
      w.startMessage(MessageType.UPDATE);
      if (v4) {
        const lenAt = w.reserveU16();
        i = this.fill(keys, i, this.max - HEADER_LENGTH - 4, addPath);
        w.patchU16(lenAt, w.since(lenAt + 2));
        w.u16(0); // no path attributes
      } else {
        w.u16(0); // no withdrawn routes
        const attrLenAt = w.reserveU16();
        w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(AttrType.MP_UNREACH_NLRI);
        const lenAt = w.reserveU16();
        w.u16(2).u8(1);
        i = this.fill(keys, i, this.max - w.pos, addPath);
        w.patchU16(lenAt, w.since(lenAt + 2));
        w.patchU16(attrLenAt, w.since(attrLenAt + 2));
      }
      out.push(w.finish(this.max));
    }
    return out;
  }
}
