/**
 * ROUTE-REFRESH codec (RFC 2918, RFC 7313) and the KEEPALIVE fixtures: the route-refresh/ and
 * keepalive/ fixtures, the RFC 7313 sec. 5 length error and unknown subtypes.
 */

import t from 'tap';
import { join } from 'node:path';
import { defaultContext } from '../../src/wire/context';
import { BgpError } from '../../src/wire/errors';
import { Framer } from '../../src/wire/header';
import { KEEPALIVE } from '../../src/wire/keepalive';
import { decodeMessage, encodeMessage, messageToJSON } from '../../src/wire/message';
import { decodeRouteRefresh, isKnownRouteRefreshSubtype } from '../../src/wire/route-refresh';
import { notificationOf } from '../helpers/errors';
import { loadWireFixtures, WIRE_FIXTURES } from '../helpers/fixtures';

const ctx = defaultContext();

for (const folder of ['route-refresh', 'keepalive']) {
  t.test(`${folder}/ fixtures: decode to the JSON, or to the NOTIFICATION, and re-encode exactly`, (t) => {
    const fixtures = loadWireFixtures(join(WIRE_FIXTURES, folder));
    t.ok(fixtures.length >= 2, `found ${fixtures.length} fixtures`);
    for (const fx of fixtures) {
      const framer = new Framer();
      framer.push(fx.bytes);
      const got: unknown[] = [];
      let error: unknown;
      try {
        // A fixture holds a few messages at most; 16 rounds is a generous bound.
        for (let i = 0; i < 16; i++) {
          const f = framer.next();
          if (!f) break;
          const msg = decodeMessage(f, fx.context);
          got.push(messageToJSON(msg));
          if (fx.roundtrip ?? true) t.equal(encodeMessage(msg, fx.context).toString('hex'), f.raw.toString('hex'), `${fx.name}: re-encodes`);
        }
      } catch (e) {
        error = e instanceof BgpError ? { code: e.code, subcode: e.subcode, data: e.data.toString('hex') } : String(e);
      }
      t.same(got, fx.messages ?? [], `${fx.name}: messages`);
      t.same(error, fx.error, `${fx.name}: error`);
      if (!fx.error) t.equal(framer.pending, 0, `${fx.name}: every byte consumed`);
    }
    t.end();
  });
}

t.test('wrong length: ROUTE-REFRESH Message Error / Invalid Message Length with the whole message (RFC 7313 sec. 5)', (t) => {
  const raw = Buffer.from('ffffffffffffffffffffffffffffffff' + '0016' + '05' + '000101', 'hex');
  t.same(notificationOf(() => decodeRouteRefresh(raw.subarray(19), ctx, raw)), { code: 7, subcode: 1, data: raw.toString('hex') }, '3-byte body');
  const raw2 = Buffer.from('ffffffffffffffffffffffffffffffff' + '0015' + '05' + '0001', 'hex');
  t.same(notificationOf(() => decodeRouteRefresh(raw2.subarray(19), ctx, raw2)), { code: 7, subcode: 1, data: raw2.toString('hex') }, '2-byte body');
  t.end();
});

t.test('the NOTIFICATION data is a copy of the message', (t) => {
  const raw = Buffer.from('ffffffffffffffffffffffffffffffff' + '0018' + '05' + '0002020100', 'hex');
  let data: Buffer | undefined;
  try {
    decodeRouteRefresh(raw.subarray(19), ctx, raw);
  } catch (e) {
    if (e instanceof BgpError) data = e.data;
  }
  raw.fill(0);
  t.equal(data?.toString('hex'), 'ffffffffffffffffffffffffffffffff0018050002020100');
  t.end();
});

t.test('unknown subtypes are decoded for the session to ignore (RFC 7313 sec. 5)', (t) => {
  for (let s = 0; s < 256; s++) t.equal(isKnownRouteRefreshSubtype(s), s <= 2, `subtype ${s}`);
  const raw = Buffer.from('ffffffffffffffffffffffffffffffff' + '0016' + '05' + '000109', 'hex');
  t.same(decodeRouteRefresh(raw.subarray(19), ctx, raw), { type: 'route-refresh', afi: 1, safi: 0, subtype: 9 }, 'even when short');
  t.end();
});

t.test('encoding: exact bytes; out-of-range fields are a RangeError', (t) => {
  t.equal(
    encodeMessage({ type: 'route-refresh', afi: 2, safi: 1, subtype: 2 }, ctx).toString('hex'),
    'ffffffffffffffffffffffffffffffff' + '0017' + '05' + '00020201',
  );
  t.throws(() => encodeMessage({ type: 'route-refresh', afi: 65536, safi: 1, subtype: 0 }, ctx), RangeError);
  t.throws(() => encodeMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 256 }, ctx), RangeError);
  t.end();
});

t.test('KEEPALIVE: the precomputed buffer is the 19-byte header', (t) => {
  t.equal(KEEPALIVE.toString('hex'), 'ff'.repeat(16) + '0013' + '04');
  t.equal(encodeMessage({ type: 'keepalive' }, ctx), KEEPALIVE);
  t.end();
});
