/**
 * Capability codec: each capability's value format, what counts as malformed, exact encodings, and
 * the look-up helpers.
 */

import t from 'tap';
import { capabilityCode, decodeCapability, decodeCapabilityList, encodeCapability, encodeCapabilityList } from '../../src/wire/capabilities/codec';
import { capabilitiesOfKind, hasCapability, lastCapability } from '../../src/wire/capabilities/lookup';
import type { Capability } from '../../src/wire/capabilities/types';
import { Writer } from '../../src/wire/writer';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function encoded(cap: Capability): string {
  const w = new Writer();
  encodeCapability(w, cap);
  return w.view().toString('hex');
}

t.test('each understood capability: exact bytes, and decodes back', (t) => {
  const cases: [Capability, string][] = [
    [{ kind: 'multiprotocol', afi: 2, safi: 1 }, '01 04 0002 00 01'],
    [{ kind: 'route-refresh' }, '02 00'],
    [{ kind: 'enhanced-route-refresh' }, '46 00'],
    [{ kind: 'extended-message' }, '06 00'],
    [{ kind: 'four-octet-as', asn: 4200000001 }, '41 04 fa56ea01'],
    [{ kind: 'role', role: 4 }, '09 01 04'],
    [
      { kind: 'graceful-restart', restarting: true, notification: false, restartTime: 300, families: [{ afi: 2, safi: 1, forwardingPreserved: true }] },
      '40 06 812c 0002 01 80',
    ],
    [
      { kind: 'graceful-restart', restarting: false, notification: true, restartTime: 4095, families: [] },
      '40 02 4fff',
    ],
    [{ kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 2 }] }, '45 04 0001 01 02'],
    [{ kind: 'fqdn', hostname: 'r1', domain: '' }, '49 04 02 7231 00'],
    [{ kind: 'unknown', code: 5, value: hex('0001 0001 0002') }, '05 06 000100010002'],
  ];
  for (const [cap, bytes] of cases) {
    t.equal(encoded(cap), hex(bytes).toString('hex'), `${cap.kind} encodes`);
    const w = hex(bytes);
    t.same(decodeCapability(w[0]!, w.subarray(2)), cap, `${cap.kind} decodes`);
    t.equal(capabilityCode(cap), w[0], `${cap.kind} code`);
  }
  t.end();
});

t.test('understood capabilities with a wrong length are malformed (RFC 4271 sec. 6.2)', (t) => {
  const bad: [number, string][] = [
    [1, '000101'],
    [1, '0001000101'],
    [2, '00'],
    [70, '00'],
    [6, '00'],
    [65, 'fde9'],
    [9, ''],
    [9, '0102'],
    [64, '00'],
    [64, '0078 000101'],
    [69, '000101'],
  ];
  for (const [code, value] of bad) {
    const got = decodeCapability(code, hex(value));
    t.type(got, 'string', `code ${code} with ${value.length / 2} bytes is malformed`);
  }
  t.end();
});

t.test('ADD-PATH keeps Send/Receive values it does not know, for negotiation to ignore', (t) => {
  t.same(decodeCapability(69, hex('0001 01 07')), { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 7 }] });
  t.end();
});

t.test('FQDN that does not parse, or is not UTF-8, is kept raw', (t) => {
  t.same(decodeCapability(73, hex('05 6162')), { kind: 'unknown', code: 73, value: hex('056162') }, 'hostname overruns');
  t.same(decodeCapability(73, hex('01 61')), { kind: 'unknown', code: 73, value: hex('0161') }, 'no domain length');
  t.same(decodeCapability(73, hex('01 61 00 ff')), { kind: 'unknown', code: 73, value: hex('016100ff') }, 'trailing byte');
  t.same(decodeCapability(73, hex('01 ff 00')), { kind: 'unknown', code: 73, value: hex('01ff00') }, 'invalid UTF-8');
  t.same(decodeCapability(73, hex('03 e282ac 00')), { kind: 'fqdn', hostname: '\u20ac', domain: '' }, 'valid multi-byte UTF-8');
  t.end();
});

t.test('capability lists: back to back, overruns reported', (t) => {
  t.same(decodeCapabilityList(hex('0200 4600 0601 00')), 'capability 6: length 1, expected 0');
  t.same(decodeCapabilityList(hex('0200 4600')), [{ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }]);
  t.type(decodeCapabilityList(hex('02')), 'string', 'code without length');
  t.type(decodeCapabilityList(hex('01 04 0001')), 'string', 'value past the end');
  t.same(decodeCapabilityList(hex('')), [], 'empty');
  t.equal(encodeCapabilityList([{ kind: 'route-refresh' }, { kind: 'role', role: 0 }]).toString('hex'), '0200090100');
  t.end();
});

t.test('values that cannot be encoded are a RangeError', (t) => {
  t.throws(() => encoded({ kind: 'unknown', code: 200, value: Buffer.alloc(256) }), RangeError, 'value over 255 bytes');
  t.throws(
    () => encoded({ kind: 'graceful-restart', restarting: false, notification: false, restartTime: 4096, families: [] }),
    RangeError,
    'restart time over 12 bits',
  );
  t.throws(() => encoded({ kind: 'four-octet-as', asn: 2 ** 32 }), RangeError);
  t.throws(() => encoded({ kind: 'multiprotocol', afi: 1, safi: 256 }), RangeError);
  t.throws(() => encoded({ kind: 'fqdn', hostname: 'h'.repeat(256), domain: '' }), RangeError);
  t.throws(() => encoded({ kind: 'unknown', code: 300, value: Buffer.alloc(0) }), RangeError);
  t.end();
});

t.test('look-ups', (t) => {
  const caps: Capability[] = [
    { kind: 'four-octet-as', asn: 1 },
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'four-octet-as', asn: 2 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
  ];
  t.equal(lastCapability(caps, 'four-octet-as')?.asn, 2, 'the last instance wins');
  t.equal(lastCapability(caps, 'role'), undefined);
  t.same(
    capabilitiesOfKind(caps, 'multiprotocol').map((c) => c.afi),
    [1, 2],
  );
  t.equal(hasCapability(caps, 'multiprotocol'), true);
  t.equal(hasCapability(caps, 'route-refresh'), false);
  t.end();
});
