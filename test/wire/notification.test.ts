/**
 * NOTIFICATION codec: the notification/ fixtures; Shutdown Communication decoding (RFC 9003) and
 * the builder's truncation on a UTF-8 character boundary.
 */

import t from 'tap';
import { join } from 'node:path';
import { defaultContext } from '../../src/wire/context';
import { BgpError } from '../../src/wire/errors';
import { Framer } from '../../src/wire/header';
import { decodeMessage, encodeMessage, messageToJSON } from '../../src/wire/message';
import {
  decodeNotification,
  notificationFromError,
  NotificationMessage,
  readShutdownCommunication,
  shutdownNotification,
} from '../../src/wire/notification';
import { notificationOf } from '../helpers/errors';
import { loadWireFixtures, WIRE_FIXTURES } from '../helpers/fixtures';

const ctx = defaultContext();

t.test('notification/ fixtures: decode to the JSON and re-encode exactly', (t) => {
  const fixtures = loadWireFixtures(join(WIRE_FIXTURES, 'notification'));
  t.ok(fixtures.length >= 30, `found ${fixtures.length} fixtures`);
  const codes = new Set<number>();
  for (const fx of fixtures) {
    const framer = new Framer();
    framer.push(fx.bytes);
    let got: unknown[] = [];
    let error: unknown;
    try {
      const f = framer.next();
      if (f) {
        const msg = decodeMessage(f, fx.context);
        if (msg.type === 'notification') codes.add(msg.code);
        got = [messageToJSON(msg)];
        t.equal(encodeMessage(msg, fx.context).toString('hex'), f.raw.toString('hex'), `${fx.name}: re-encodes`);
      }
    } catch (e) {
      error = e instanceof BgpError ? { code: e.code, subcode: e.subcode, data: e.data.toString('hex') } : String(e);
    }
    t.same(got, fx.messages ?? [], `${fx.name}: messages`);
    t.same(error, fx.error, `${fx.name}: error`);
  }
  t.same([...codes].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 12], 'every error code has a fixture (and one unassigned)');
  t.end();
});

t.test('readShutdownCommunication (RFC 9003 sec. 2 and 4)', (t) => {
  t.same(readShutdownCommunication(Buffer.from('026f6b', 'hex')), { ok: true, text: 'ok' });
  t.same(readShutdownCommunication(Buffer.from('00', 'hex')), { ok: true, text: '' });
  t.same(readShutdownCommunication(Buffer.alloc(0)), { ok: false, reason: 'absent' });
  t.equal(readShutdownCommunication(Buffer.from('036f6b', 'hex')).ok, false, 'length past the data');
  t.equal(readShutdownCommunication(Buffer.from('02c328', 'hex')).ok, false, 'invalid UTF-8');
  t.equal(readShutdownCommunication(Buffer.from('01e2', 'hex')).ok, false, 'a character cut short');
  t.end();
});

t.test('the communication is decoded only for Administrative Shutdown and Reset', (t) => {
  const data = '026f6b';
  const cases: [number, number, boolean][] = [
    [6, 2, true],
    [6, 4, true],
    [6, 3, false],
    [6, 0, false],
    [2, 2, false],
  ];
  for (const [code, subcode, has] of cases) {
    const msg = decodeNotification(Buffer.from(`${code.toString(16).padStart(2, '0')}0${subcode}${data}`, 'hex'), ctx);
    t.equal(msg.shutdownCommunication, has ? 'ok' : undefined, `${code}/${subcode}`);
    t.equal(msg.data.toString('hex'), data, `${code}/${subcode}: data kept raw`);
  }
  t.end();
});

t.test('decoded data is a copy, not a view of the receive buffer', (t) => {
  const body = Buffer.from('0602026f6b', 'hex');
  const msg = decodeNotification(body, ctx);
  body.fill(0);
  t.equal(msg.data.toString('hex'), '026f6b');
  t.end();
});

t.test('a body without a subcode is Bad Message Length (RFC 4271 sec. 6.1)', (t) => {
  t.same(notificationOf(() => decodeNotification(Buffer.from('06', 'hex'), ctx)), { code: 1, subcode: 2, data: '0014' });
  t.end();
});

t.test('shutdownNotification: short text is sent whole', (t) => {
  const msg = shutdownNotification(2, 'maintenance');
  t.equal(msg.code, 6);
  t.equal(msg.subcode, 2);
  t.equal(msg.data.toString('hex'), '0b' + Buffer.from('maintenance').toString('hex'));
  t.equal(msg.shutdownCommunication, 'maintenance');
  const back = decodeNotification(encodeMessage(msg, ctx).subarray(19), ctx);
  t.same(back, msg, 'decodes back to the same message');
  t.end();
});

t.test('shutdownNotification truncates at 255 bytes on a character boundary', (t) => {
  const ascii = shutdownNotification(4, 'a'.repeat(300));
  t.equal(ascii.data[0], 255);
  t.equal(ascii.data.length, 256);
  t.equal(ascii.shutdownCommunication, 'a'.repeat(255));

  // 2-byte characters: 127 fit in 254 bytes; the 128th would need bytes 254 and 255... of which
  // byte 255 is past the limit.
  const twoByte = shutdownNotification(2, '\u00e9'.repeat(200));
  t.equal(twoByte.data[0], 254);
  t.equal(twoByte.shutdownCommunication, '\u00e9'.repeat(127));

  // 4-byte characters: 63 fit in 252 bytes.
  const fourByte = shutdownNotification(2, '\u{1f600}'.repeat(70));
  t.equal(fourByte.data[0], 252);
  t.equal(fourByte.shutdownCommunication, '\u{1f600}'.repeat(63));

  // 3-byte characters after one ASCII byte: 1 + 3*84 = 253 bytes fit, the next would end at 256.
  const mixed = shutdownNotification(2, 'x' + '\u20ac'.repeat(100));
  t.equal(mixed.data[0], 253);
  t.equal(mixed.shutdownCommunication, 'x' + '\u20ac'.repeat(84));

  for (const m of [ascii, twoByte, fourByte, mixed]) {
    t.same(readShutdownCommunication(m.data), { ok: true, text: m.shutdownCommunication }, 'what is sent is valid UTF-8');
  }
  t.end();
});

t.test('shutdownNotification refuses subcodes without a communication', (t) => {
  t.throws(() => shutdownNotification(3, 'x'), RangeError);
  t.end();
});

t.test('a message built with only shutdownCommunication gets it encoded', (t) => {
  const msg: NotificationMessage = { type: 'notification', code: 6, subcode: 2, data: Buffer.alloc(0), shutdownCommunication: 'bye' };
  t.equal(encodeMessage(msg, ctx).subarray(19).toString('hex'), '060203' + Buffer.from('bye').toString('hex'));
  const notCease: NotificationMessage = { ...msg, code: 4, subcode: 0 };
  t.equal(encodeMessage(notCease, ctx).subarray(19).toString('hex'), '0400', 'not for other codes');
  t.end();
});

t.test('notificationFromError carries code, subcode and data', (t) => {
  const msg = notificationFromError(new BgpError(2, 7, Buffer.from('0104000200', 'hex')));
  t.same(messageToJSON(msg), { type: 'notification', code: 2, subcode: 7, data: '0104000200' });
  t.end();
});
