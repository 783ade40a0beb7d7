/**
 * The attribute list encoder (layout, canonical order, Extended Length) and prepareForTransit
 * (RFC 4271 sec. 5: Partial bit on unrecognized optional transitive attributes, non-transitive
 * ones dropped).
 */

import t from 'tap';
import { encodeAttributeList } from '../../../src/wire/attributes/encode';
import { prepareForTransit } from '../../../src/wire/attributes/transit';
import type { PathAttributes, RawAttribute } from '../../../src/wire/attributes/types';
import { makeContext } from '../../../src/wire/context';
import { decodeUpdate } from '../../../src/wire/update';
import { Writer } from '../../../src/wire/writer';

const AS4 = makeContext({ as4: true });

/** Encode and walk the result: [flags, code, value hex] per attribute. */
function encode(a: PathAttributes, ctx = AS4): [number, number, string][] {
  const w = new Writer();
  encodeAttributeList(w, a, ctx);
  const b = w.view();
  const out: [number, number, string][] = [];
  let p = 0;
  for (let guard = 0; p < b.length && guard < 100; guard++) {
    const flags = b[p]!;
    const code = b[p + 1]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? b.readUInt16BE(p + 2) : b[p + 2]!;
    const start = p + (ext ? 4 : 3);
    out.push([flags, code, b.subarray(start, start + len).toString('hex')]);
    p = start + len;
  }
  if (p !== b.length) throw new Error(`encoded list does not walk to its end: ${b.toString('hex')}`);
  return out;
}

const raw = (flags: number, code: number, value: string): RawAttribute => ({ flags, code, value: Buffer.from(value, 'hex') });

t.test('canonical: MP attributes first, then ascending codes with unknown ones merged in', (t) => {
  const list = encode({
    otc: 1,
    origin: 0,
    mpUnreach: { afi: 2, safi: 1, withdrawn: decodeWithdrawn() },
    asPath: [],
    unknown: [raw(0xc0, 40, '02'), raw(0xc0, 9 + 90, '03'), raw(0x80, 12, '01')],
    communities: [1],
  });
  t.same(list.map((x) => x[1]), [15, 1, 2, 8, 12, 35, 40, 99]);
  t.same(list.map((x) => x[0]), [0x80, 0x40, 0x40, 0xc0, 0x80, 0xc0, 0xc0, 0xc0], 'canonical flags; unknown ones keep theirs');
  t.end();
});

function decodeWithdrawn() {
  // An empty IPv6 list, via the decoder so the test does not depend on NlriList internals.
  const m = decodeUpdate(Buffer.from('0000' + '0006' + '800f03000201', 'hex'), AS4);
  return m.attributes.mpUnreach!.withdrawn;
}

t.test('Extended Length only over 255 bytes without a layout, and a growing value is promoted', (t) => {
  const few = encode({ communities: [1, 2] });
  t.equal(few[0]![0], 0xc0);
  const many = encode({ communities: Array.from({ length: 64 }, (_, i) => i) });
  t.equal(many[0]![0], 0xd0, '256 bytes: Extended Length set');
  t.equal(many[0]![2].length, 512);

  // A decoded object edited by code: its layout says one-octet length, the value no longer fits.
  const edited: PathAttributes = { communities: Array.from({ length: 70 }, (_, i) => i), layout: [{ code: 8, flags: 0xe0 }] };
  const out = encode(edited);
  t.equal(out[0]![0], 0xf0, 'Extended Length added, the Partial bit from the layout kept');
  t.equal(out[0]![2].length, 560);

  const rawBig = encode({ unknown: [raw(0xc0, 99, 'ab'.repeat(300))] });
  t.equal(rawBig[0]![0], 0xd0, 'an unknown attribute is promoted too');
  const rawShort = encode({ unknown: [raw(0xd0, 99, 'ab')] });
  t.equal(rawShort[0]![0], 0xc0, 'and an unneeded Extended Length bit cleared without a layout');
  t.end();
});

t.test('layout: order and flags kept, absent attributes skipped, new ones appended canonically', (t) => {
  const a: PathAttributes = {
    origin: 0,
    asPath: [],
    med: 7,
    communities: [5],
    unknown: [raw(0xe0, 99, '01')],
    layout: [
      { code: 4, flags: 0x90 },
      { code: 99, flags: 0xd0 },
      { code: 6, flags: 0x40 }, // ATOMIC_AGGREGATE no longer present
      { code: 2, flags: 0x40 },
      { code: 1, flags: 0x60 },
    ],
  };
  const list = encode(a);
  t.same(list.map((x) => x[1]), [4, 99, 2, 1, 8], 'layout order, then COMMUNITIES (not in the layout)');
  t.same(list.map((x) => x[0]), [0x90, 0xf0, 0x40, 0x60, 0xc0], 'layout flags; the unknown keeps its own flags with the layout Extended Length bit');
  t.end();
});

t.test('AS4_PATH and AS4_AGGREGATOR are written only on 2-octet sessions (RFC 6793 sec. 4.1)', (t) => {
  const a: PathAttributes = {
    asPath: [{ type: 2, asns: [23456] }],
    as4Path: [{ type: 2, asns: [4200000001] }],
    as4Aggregator: { asn: 4200000001, address: '192.0.2.9' },
  };
  t.same(encode(a, AS4).map((x) => x[1]), [2]);
  t.same(encode(a, makeContext({ as4: false })).map((x) => x[1]), [2, 17, 18]);
  t.end();
});

t.test('values that are not addresses are caller bugs, refused before they reach the wire', (t) => {
  t.throws(() => encode({ nextHop: '192.0.2' }), RangeError);
  t.throws(() => encode({ originatorId: '192.0.2.256' }), RangeError);
  t.throws(() => encode({ extCommunities: ['00'] }), RangeError);
  t.end();
});

t.test('prepareForTransit (RFC 4271 sec. 5)', (t) => {
  const plain: PathAttributes = { origin: 0, communities: [1] };
  t.equal(prepareForTransit(plain), plain, 'nothing unknown: the same object');
  const alreadyPartial: PathAttributes = { origin: 0, unknown: [raw(0xe0, 99, '01')] };
  t.equal(prepareForTransit(alreadyPartial), alreadyPartial, 'nothing to change: the same object');

  const a: PathAttributes = {
    origin: 0,
    unknown: [raw(0xc0, 99, '01'), raw(0x80, 100, '02'), raw(0xe0, 101, '03')],
    layout: [{ code: 1, flags: 0x40 }, { code: 99, flags: 0xc0 }, { code: 100, flags: 0x80 }, { code: 101, flags: 0xe0 }],
  };
  const out = prepareForTransit(a);
  t.same(out.unknown?.map((r) => [r.flags, r.code]), [[0xe0, 99], [0xe0, 101]], 'Partial set on transitive ones, non-transitive dropped');
  t.same(a.unknown?.map((r) => r.flags), [0xc0, 0x80, 0xe0], 'input untouched');
  t.same(encode(out).map((x) => [x[0], x[1]]), [[0x40, 1], [0xe0, 99], [0xe0, 101]], 'on the wire: Partial set, type 100 gone');

  t.equal(prepareForTransit({ unknown: [raw(0x80, 100, '02')] }).unknown, undefined, 'nothing left: no unknown list');
  t.end();
});
