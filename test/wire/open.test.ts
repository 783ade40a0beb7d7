/**
 * OPEN codec: the open/ fixtures decode and re-encode exactly; messages built by code get the
 * default parameter layout; RFC 9072 is used when required; malformed input only ever yields the
 * NOTIFICATION the RFCs prescribe.
 */

import t from 'tap';
import { join } from 'node:path';
import { defaultContext } from '../../src/wire/context';
import { BgpError } from '../../src/wire/errors';
import { Framer } from '../../src/wire/header';
import { AS_TRANS } from '../../src/wire/iana';
import { decodeMessage, encodeMessage, messageToJSON } from '../../src/wire/message';
import { decodeOpen, myAsField, OpenMessage, peerAsn } from '../../src/wire/open';
import type { Capability } from '../../src/wire/capabilities/types';
import { notificationOf } from '../helpers/errors';
import { loadWireFixtures, WIRE_FIXTURES } from '../helpers/fixtures';

const ctx = defaultContext();
const fixtures = loadWireFixtures(join(WIRE_FIXTURES, 'open'));

t.test('open/ fixtures: decode to the JSON, or to the NOTIFICATION, and re-encode exactly', (t) => {
  t.ok(fixtures.length >= 30, `found ${fixtures.length} fixtures`);
  for (const fx of fixtures) {
    const framer = new Framer();
    framer.push(fx.bytes);
    let got: unknown[] = [];
    let error: unknown;
    try {
      const f = framer.next();
      if (f) {
        const msg = decodeMessage(f, fx.context);
        got = [messageToJSON(msg)];
        if (fx.roundtrip ?? true) t.equal(encodeMessage(msg, fx.context).toString('hex'), f.raw.toString('hex'), `${fx.name}: re-encodes`);
      }
    } catch (e) {
      error = e instanceof BgpError ? { code: e.code, subcode: e.subcode, data: e.data.toString('hex') } : String(e);
    }
    t.same(got, fx.messages ?? [], `${fx.name}: messages`);
    t.same(error, fx.error, `${fx.name}: error`);
  }
  t.end();
});

function body(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

const BASE: Omit<OpenMessage, 'capabilities'> = { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1' };
const FIXED_HEX = '04 fde9 005a c0000201';

t.test('built by code: all capabilities in one Capabilities parameter', (t) => {
  const msg: OpenMessage = {
    ...BASE,
    capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 65001 }],
  };
  const wire = encodeMessage(msg, ctx);
  t.equal(
    wire.subarray(19).toString('hex'),
    body(`${FIXED_HEX} 10 02 0e 01 04 00010001 02 00 41 04 0000fde9`).toString('hex'),
    'one parameter of 14 bytes',
  );
  t.equal(wire.readUInt16BE(16), wire.length, 'header length filled in');
  const back = decodeOpen(wire.subarray(19), ctx);
  t.same(back, msg, 'decodes back to the same object, without paramGroups or extendedParams');
  t.end();
});

t.test('built by code: no capabilities means no optional parameters', (t) => {
  const wire = encodeMessage({ ...BASE, capabilities: [] }, ctx);
  t.equal(wire.length, 29);
  t.equal(wire[28], 0, 'Opt Parm Len 0');
  t.end();
});

t.test('paramGroups decide the grouping when given', (t) => {
  const msg: OpenMessage = {
    ...BASE,
    capabilities: [{ kind: 'route-refresh' }, { kind: 'extended-message' }, { kind: 'enhanced-route-refresh' }],
    paramGroups: [2, 0, 1],
  };
  const wire = encodeMessage(msg, ctx);
  t.equal(wire.subarray(19).toString('hex'), body(`${FIXED_HEX} 0c 02 04 0200 0600 02 00 02 02 4600`).toString('hex'));
  t.same(decodeOpen(wire.subarray(19), ctx).paramGroups, [2, 0, 1]);
  t.throws(() => encodeMessage({ ...msg, paramGroups: [1, 1] }, ctx), RangeError, 'groups must cover every capability');
  t.end();
});

t.test('RFC 9072: the extended encoding is used when the parameters exceed 255 octets', (t) => {
  // 50 Multiprotocol capabilities of 6 bytes: 300 bytes in one parameter.
  const caps: Capability[] = [];
  for (let safi = 1; safi <= 50; safi++) caps.push({ kind: 'multiprotocol', afi: 1, safi });
  const msg: OpenMessage = { ...BASE, capabilities: caps, extendedParams: false };
  const wire = encodeMessage(msg, ctx);
  t.equal(wire[28], 255, 'Non-Ext OP Len 255');
  t.equal(wire[29], 255, 'Non-Ext OP Type 255');
  t.equal(wire.readUInt16BE(30), 3 + 300, 'Extended Opt. Parm. Length');
  t.equal(wire[32], 2, 'Capabilities parameter');
  t.equal(wire.readUInt16BE(33), 300, '2-octet parameter length');
  const back = decodeOpen(wire.subarray(19), ctx);
  t.same(back.capabilities, caps);
  t.equal(back.extendedParams, true);
  t.end();
});

t.test('RFC 9072: many small parameters that add up to more than 255 octets also need it', (t) => {
  const caps: Capability[] = [];
  for (let i = 0; i < 70; i++) caps.push({ kind: 'route-refresh' });
  const msg: OpenMessage = { ...BASE, capabilities: caps, paramGroups: caps.map(() => 1) };
  const wire = encodeMessage(msg, ctx);
  t.equal(wire[29], 255, 'extended: 70 parameters of 4 bytes are 280 bytes');
  t.same(decodeOpen(wire.subarray(19), ctx).paramGroups?.length, 70);
  t.end();
});

t.test('fields that cannot be encoded are a RangeError, not bad bytes', (t) => {
  t.throws(() => encodeMessage({ ...BASE, myAs: 70000, capabilities: [] }, ctx), RangeError);
  t.throws(() => encodeMessage({ ...BASE, holdTime: -1, capabilities: [] }, ctx), RangeError);
  t.throws(() => encodeMessage({ ...BASE, bgpId: '192.0.2', capabilities: [] }, ctx), RangeError);
  t.end();
});

t.test('peerAsn and myAsField (RFC 6793 sec. 4.1)', (t) => {
  t.equal(peerAsn({ ...BASE, capabilities: [] }), 65001, 'no capability: My AS');
  t.equal(peerAsn({ ...BASE, myAs: AS_TRANS, capabilities: [{ kind: 'four-octet-as', asn: 4200000001 }] }), 4200000001);
  t.equal(myAsField(4200000001), AS_TRANS);
  t.equal(myAsField(65535), 65535);
  t.end();
});

t.test('a body shorter than the fixed fields is Bad Message Length (RFC 4271 sec. 6.1)', (t) => {
  t.same(notificationOf(() => decodeOpen(body('04 fde9 005a c0000201'), ctx)), { code: 1, subcode: 2, data: '001c' });
  t.end();
});

t.test('raw capability values are copies, not views of the receive buffer', (t) => {
  const b = body(`${FIXED_HEX} 06 02 04 c8 02 abcd`);
  const open = decodeOpen(b, ctx);
  b.fill(0);
  t.same(open.capabilities, [{ kind: 'unknown', code: 200, value: Buffer.from('abcd', 'hex') }]);
  t.end();
});

t.test('mutated and truncated OPENs yield a message or a BgpError, nothing else', (t) => {
  // Every truncation and three mutations of every byte of each valid fixture body: bounded by the
  // fixtures' size (a few thousand decodes).
  let decoded = 0;
  let rejected = 0;
  const others: string[] = [];
  const tryDecode = (b: Buffer): void => {
    try {
      decodeOpen(b, ctx);
      decoded++;
    } catch (e) {
      if (e instanceof BgpError) rejected++;
      else others.push(String(e));
    }
  };
  for (const fx of fixtures) {
    if (fx.error) continue;
    const b = fx.bytes.subarray(19);
    for (let n = 0; n < b.length; n++) tryDecode(b.subarray(0, n));
    for (let i = 0; i < b.length; i++) {
      for (const v of [0x00, 0xff, (b[i]! + 1) & 0xff]) {
        const m = Buffer.from(b);
        m[i] = v;
        tryDecode(m);
      }
    }
  }
  t.same(others, [], 'no exception other than BgpError');
  t.ok(decoded > 0 && rejected > 0, `${decoded} decoded, ${rejected} rejected`);
  t.end();
});
