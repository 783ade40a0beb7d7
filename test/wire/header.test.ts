/** Framer behaviour beyond the fixtures: zero-copy views, byte-at-a-time input, RFC 8654 limits. */

import t from 'tap';
import { notificationOf } from '../helpers/errors';
import { Framer } from '../../src/wire/header';
import { MAX_EXTENDED_MESSAGE_LENGTH, MessageType } from '../../src/wire/iana';
import { KEEPALIVE } from '../../src/wire/keepalive';

function header(length: number, type: number): Buffer {
  const b = Buffer.alloc(length, 0);
  b.fill(0xff, 0, 16);
  b.writeUInt16BE(length, 16);
  b[18] = type;
  return b;
}

t.test('KEEPALIVE is the 19-byte precomputed header', (t) => {
  t.equal(KEEPALIVE.toString('hex'), 'ff'.repeat(16) + '001304');
  t.end();
});

t.test('messages inside one chunk are views of it, not copies', (t) => {
  const chunk = Buffer.concat([KEEPALIVE, header(23, MessageType.UPDATE), KEEPALIVE]);
  const f = new Framer();
  f.push(chunk);
  const frames = [f.next(), f.next(), f.next()];
  t.equal(f.next(), null, 'nothing more');
  t.same(frames.map((x) => x?.type), [4, 2, 4]);
  t.ok(frames.every((x) => x!.raw.buffer === chunk.buffer), 'views share the chunk memory');
  t.equal(frames[1]!.body.length, 4, 'UPDATE body is length - 19');
  t.equal(f.pending, 0);
  t.end();
});

t.test('byte-at-a-time input gives every message once', (t) => {
  const stream = Buffer.concat([header(23, MessageType.UPDATE), KEEPALIVE, header(40, MessageType.UPDATE)]);
  const f = new Framer();
  const got: number[] = [];
  for (let i = 0; i < stream.length; i++) {
    f.push(stream.subarray(i, i + 1));
    for (let m = f.next(); m; m = f.next()) got.push(m.raw.length);
  }
  t.same(got, [23, 19, 40]);
  t.equal(f.pending, 0);
  t.end();
});

t.test('Extended Message (RFC 8654) raises the limit for UPDATE but not for OPEN', (t) => {
  const big = header(5000, MessageType.UPDATE);
  const normal = new Framer();
  normal.push(big);
  t.same(notificationOf(() => normal.next()), { code: 1, subcode: 2, data: '1388' }, 'refused without Extended Message');

  const ext = new Framer(MAX_EXTENDED_MESSAGE_LENGTH);
  ext.push(big);
  t.equal(ext.next()?.raw.length, 5000, 'a 5000-byte UPDATE is accepted after Extended Message');

  const open = new Framer(MAX_EXTENDED_MESSAGE_LENGTH);
  open.push(header(5000, MessageType.OPEN));
  t.same(notificationOf(() => open.next()), { code: 1, subcode: 2, data: '1388' }, 'an OPEN stays within 4096');
  t.end();
});

t.test('a ROUTE-REFRESH longer than 23 bytes is framed, for its own decoder to judge (RFC 7313 sec. 5)', (t) => {
  const f = new Framer();
  f.push(header(27, MessageType.ROUTE_REFRESH));
  t.equal(f.next()?.raw.length, 27);
  t.end();
});
