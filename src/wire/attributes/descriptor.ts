/**
 * The shape of one entry of the path attribute table (see table.ts), and small helpers the
 * attribute codecs share.
 *
 * An attribute decoder reads the value bytes [start, end) of one attribute and either stores what it
 * decoded on the output object and returns null, or returns a Fault saying what RFC 7606 makes of the
 * bytes. Decoders never throw and never store a value they then reject: "absent from the output"
 * is how a discarded attribute looks. Only the list decoder (decode.ts) turns faults into problems,
 * and only decodeUpdate turns a session-reset problem into a thrown BgpError.
 */

import { ipv4FromString } from '../addr';
import type { CodecContext } from '../context';
import type { Writer } from '../writer';
import type { ErrorActionCode, PathAttributes } from './types';

/** What a decoder found wrong with an attribute's value. */
export interface Fault {
  /** RFC 7606 approach; the descriptor's `onMalformed` when left out. */
  action?: ErrorActionCode;
  /** UPDATE Message Error subcode a session reset would carry (RFC 4271 sec. 6.3). */
  subcode: number;
  reason: string;
}

export interface AttributeDescriptor {
  readonly code: number;
  /** The IANA name, for problems and logs. */
  readonly name: string;
  /** The Optional and Transitive bits the attribute's specification fixes. */
  readonly flags: number;
  /** RFC 7606 approach for a malformed value (sec. 7 and the attribute's own RFC). */
  readonly onMalformed: ErrorActionCode;
  /** RFC 7606 approach when the Optional or Transitive bit conflicts with `flags` (sec. 3.c). */
  readonly onFlagsError: ErrorActionCode;
  /**
   * RFC 7606 sec. 7.5, 7.9, 7.10: from an external neighbour the attribute is discarded whatever
   * its value (LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST).
   */
  readonly internalOnly: boolean;
  decode(b: Buffer, start: number, end: number, out: PathAttributes, ctx: CodecContext): Fault | null;
  isPresent(a: PathAttributes): boolean;
  /** Write the value only (flags, type and length are the list encoder's job). */
  encode(w: Writer, a: PathAttributes, ctx: CodecContext): void;
}

/**
 * Returned by MP_REACH_NLRI / MP_UNREACH_NLRI for an address family this codec does not decode:
 * the list decoder keeps the attribute as a RawAttribute instead of rejecting it.
 */
export const KEEP_RAW: Fault = Object.freeze({ subcode: 0, reason: 'kept raw' });

export function fault(subcode: number, reason: string, action?: ErrorActionCode): Fault {
  return action === undefined ? { subcode, reason } : { subcode, reason, action };
}

export function readU32(b: Buffer, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

export function readIpv4(b: Buffer, p: number): string {
  return `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}`;
}

/** Two lowercase hex digits per byte value; built once, never changed. */
const HEX_BYTE: readonly string[] = Object.freeze(Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16)));

export function readHex(b: Buffer, start: number, end: number): string {
  let s = '';
  for (let p = start; p < end; p++) s += HEX_BYTE[b[p]!]!;
  return s;
}

/** Write a dotted quad; a value that is not one is a bug in the caller, not a wire condition. */
export function writeIpv4(w: Writer, text: string, what: string): void {
  const fast = ipv4FromString(text);
  if (fast !== null) {
    w.u32(fast);
    return;
  }
  const parts = text.split('.');
  let n = 0;
  let ok = parts.length === 4;
  for (let i = 0; ok && i < 4; i++) {
    const part = parts[i]!;
    const v = Number(part);
    ok = part.length > 0 && part.length <= 3 && Number.isInteger(v) && v >= 0 && v <= 255;
    n = n * 256 + v;
  }
  if (!ok) throw new RangeError(`${what}: not an IPv4 address: ${text}`);
  w.u32(n);
}
