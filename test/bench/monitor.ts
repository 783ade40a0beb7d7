/**
 * The benchmark's monitor side: what a speaker under test re-advertises, counted without one object
 * per prefix. UPDATE bodies are walked directly (Withdrawn Routes, NLRI, MP_REACH_NLRI and
 * MP_UNREACH_NLRI of RFC 4271 sec. 4.3 and RFC 4760; no ADD-PATH, which the monitor never offers):
 * no attribute is decoded, no next hop checked. IPv4 prefixes live in the RIB's own open-addressing
 * V4Index (typed arrays), IPv6 prefixes in a Set of the RIB's 17-character keys, so the monitor knows
 * exactly when it holds every prefix of the table and when all of them are gone again.
 *
 * The walk trusts the speaker's framing and lengths (the Framer has checked the header); a
 * malformed body throws, which the endpoint reports as a failed run.
 */

import { V4Index, v6Key } from '../../src/rib/prefix-key';

export interface PrefixSink {
  v4(addr: number, len: number, announce: boolean): void;
  v6(bytes: Uint8Array, len: number, announce: boolean): void;
}

const scratch6 = new Uint8Array(16);

function walkV4(body: Buffer, from: number, to: number, announce: boolean, sink: PrefixSink): number {
  let n = 0;
  let p = from;
  while (p < to) {
    const len = body[p++]!;
    const bytes = (len + 7) >> 3;
    let addr = 0;
    for (let i = 0; i < 4; i++) addr = addr * 256 + (i < bytes ? body[p + i]! : 0);
    p += bytes;
    sink.v4(addr, len, announce);
    n++;
  }
  if (p !== to) throw new Error(`IPv4 prefix overruns its field by ${p - to} bytes`);
  return n;
}

function walkV6(body: Buffer, from: number, to: number, announce: boolean, sink: PrefixSink): number {
  let n = 0;
  let p = from;
  while (p < to) {
    const len = body[p++]!;
    const bytes = (len + 7) >> 3;
    scratch6.fill(0);
    for (let i = 0; i < bytes; i++) scratch6[i] = body[p + i]!;
    p += bytes;
    sink.v6(scratch6, len, announce);
    n++;
  }
  if (p !== to) throw new Error(`IPv6 prefix overruns its field by ${p - to} bytes`);
  return n;
}

/** Walk one UPDATE body; returns [announced, withdrawn] prefix counts. */
export function walkUpdate(body: Buffer, sink: PrefixSink): [number, number] {
  let ann = 0;
  let wd = 0;
  const wEnd = 2 + body.readUInt16BE(0);
  wd += walkV4(body, 2, wEnd, false, sink);
  const aEnd = wEnd + 2 + body.readUInt16BE(wEnd);
  let p = wEnd + 2;
  while (p < aEnd) {
    const flags = body[p]!;
    const type = body[p + 1]!;
    let vs: number;
    let len: number;
    if (flags & 0x10) {
      len = body.readUInt16BE(p + 2);
      vs = p + 4;
    } else {
      len = body[p + 2]!;
      vs = p + 3;
    }
    const ve = vs + len;
    if (type === 14 || type === 15) {
      const afi = body.readUInt16BE(vs);
      const safi = body[vs + 2]!;
      if (safi === 1 && (afi === 1 || afi === 2)) {
        const walk = afi === 1 ? walkV4 : walkV6;
        if (type === 14) ann += walk(body, vs + 4 + body[vs + 3]! + 1, ve, true, sink);
        else wd += walk(body, vs + 3, ve, false, sink);
      }
    }
    p = ve;
  }
  ann += walkV4(body, aEnd, body.length, true, sink);
  return [ann, wd];
}

/** The prefixes a peer currently announces to us, as compact keys. */
export class PrefixCounter implements PrefixSink {
  readonly ipv4: V4Index;
  readonly ipv6 = new Set<string>();
  updates = 0;
  announced = 0;
  withdrawn = 0;

  constructor(expectedIpv4 = 1 << 20) {
    // Under 60% full without growing on the way.
    this.ipv4 = new V4Index(Math.ceil(expectedIpv4 / 0.55));
  }

  get size4(): number {
    return this.ipv4.size;
  }
  get size6(): number {
    return this.ipv6.size;
  }

  v4(addr: number, len: number, announce: boolean): void {
    const key = addr * 64 + len;
    if (announce) this.ipv4.set(key, 1);
    else this.ipv4.delete(key);
  }

  v6(bytes: Uint8Array, len: number, announce: boolean): void {
    const key = v6Key(bytes, len);
    if (announce) this.ipv6.add(key);
    else this.ipv6.delete(key);
  }

  apply(body: Buffer): void {
    this.updates++;
    const [a, w] = walkUpdate(body, this);
    this.announced += a;
    this.withdrawn += w;
  }

  /** Zero the message counters (not the prefixes). */
  resetCounters(): void {
    this.updates = 0;
    this.announced = 0;
    this.withdrawn = 0;
  }
}

/** Collects prefix keys as full-table.ts writes them (for building withdrawals of chosen UPDATEs). */
export class KeyCollector implements PrefixSink {
  readonly ipv4: number[] = [];
  readonly ipv6: string[] = [];
  v4(addr: number, len: number, announce: boolean): void {
    if (announce) this.ipv4.push(addr * 64 + len);
  }
  v6(bytes: Uint8Array, len: number, announce: boolean): void {
    if (announce) this.ipv6.push(Buffer.concat([bytes, Buffer.from([len])]).toString('hex'));
  }
}
