/**
 * Writing the Path Attributes field (RFC 4271 sec. 4.3).
 *
 * With a `layout` (kept by the decoder when the received bytes were not in canonical form, or by
 * code that edits a decoded object), attributes go out in that order with those flags, so a decoded
 * message re-encodes to the same bytes: Partial bits survive (RFC 4271 sec. 5 forbids clearing a
 * Partial bit set upstream) and so does an Extended Length bit on a short value. Attributes present
 * but missing from the layout follow in canonical order. Without a layout: canonical order (see
 * table.ts), canonical flags, Extended Length only for values over 255 bytes. An unknown
 * attribute always keeps its own flags (prepareForTransit sets its Partial bit there).
 *
 * Departure, on purpose: on a 4-octet AS session AS4_PATH and AS4_AGGREGATOR are never written,
 * whatever the object holds (RFC 6793 sec. 4.1: "MUST NOT be carried ... between NEW BGP speakers").
 */

import type { CodecContext } from '../context';
import { AttrFlag, AttrType } from '../iana';
import type { Writer } from '../writer';
import type { AttributeDescriptor } from './descriptor';
import { canonicalRank, CANONICAL_ORDER, DESCRIPTORS } from './table';
import type { PathAttributes, RawAttribute } from './types';

const EXT = AttrFlag.EXTENDED_LENGTH;

/** Write flags, type and a placeholder length; returns where the attribute starts. */
function beginAttribute(w: Writer, flags: number, code: number): number {
  const at = w.pos;
  w.u8(flags).u8(code);
  if ((flags & EXT) !== 0) w.u16(0);
  else w.u8(0);
  return at;
}

/**
 * Fill in the length of the attribute begun at `at`. A value that outgrew a one-octet length is
 * moved up by one byte and the Extended Length bit set (only when the flags asked for a short
 * length, so rare).
 */
function endAttribute(w: Writer, at: number, flags: number): void {
  if ((flags & EXT) !== 0) {
    w.patchU16(at + 2, w.since(at + 4));
    return;
  }
  const len = w.since(at + 3);
  if (len <= 255) {
    w.patchU8(at + 2, len);
    return;
  }
  const value = Buffer.from(w.view().subarray(at + 3, at + 3 + len));
  const code = w.view()[at + 1]!;
  w.pos = at;
  w.u8(flags | EXT).u8(code).u16(len).bytes(value);
}

function writeKnown(w: Writer, d: AttributeDescriptor, a: PathAttributes, ctx: CodecContext, flags: number): void {
  const at = beginAttribute(w, flags, d.code);
  d.encode(w, a, ctx);
  endAttribute(w, at, flags);
}

function writeRaw(w: Writer, r: RawAttribute, extFrom: number): void {
  const flags = (r.flags & ~EXT) | (extFrom & EXT);
  const at = beginAttribute(w, flags, r.code);
  w.bytes(r.value);
  endAttribute(w, at, flags);
}

function skipped(d: AttributeDescriptor, ctx: CodecContext): boolean {
  return ctx.as4 && (d.code === AttrType.AS4_PATH || d.code === AttrType.AS4_AGGREGATOR);
}

export function encodeAttributeList(w: Writer, a: PathAttributes, ctx: CodecContext): void {
  const unknown = a.unknown ?? [];
  const layout = a.layout;
  let done: Uint8Array | null = null;
  if (layout !== undefined && layout.length > 0) {
    done = new Uint8Array(256);
    for (const entry of layout) {
      const code = entry.code;
      if (done[code] !== 0) continue;
      done[code] = 1;
      const d = DESCRIPTORS[code];
      if (d !== undefined && d.isPresent(a) && !skipped(d, ctx)) writeKnown(w, d, a, ctx, entry.flags);
      for (const r of unknown) if (r.code === code) writeRaw(w, r, entry.flags);
    }
  }
  // Canonical order for the rest: known attributes and unknown ones merged by rank.
  const rest = done === null ? unknown : unknown.filter((r) => done[r.code] === 0);
  const raws = rest.length > 1 ? [...rest].sort((x, y) => canonicalRank(x.code) - canonicalRank(y.code)) : rest;
  let ri = 0;
  for (const d of CANONICAL_ORDER) {
    const rank = canonicalRank(d.code);
    while (ri < raws.length && canonicalRank(raws[ri]!.code) < rank) writeRaw(w, raws[ri++]!, 0);
    if (done !== null && done[d.code] !== 0) continue;
    if (d.isPresent(a) && !skipped(d, ctx)) writeKnown(w, d, a, ctx, d.flags);
  }
  while (ri < raws.length) writeRaw(w, raws[ri++]!, 0);
}
