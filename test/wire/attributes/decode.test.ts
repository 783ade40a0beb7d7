/**
 * The attribute list decoder against the RFC 7606 table, written out here independently of the
 * descriptors: for every attribute, a good value is kept, a malformed value and an Optional /
 * Transitive flags conflict get the approach the RFCs prescribe. Also the received-layout rules.
 */

import t from 'tap';
import { ErrorAction } from '../../../src/wire/attributes/types';
import { CodecContext, makeContext } from '../../../src/wire/context';
import { BgpError } from '../../../src/wire/errors';
import { encodeMessage } from '../../../src/wire/message';
import { decodeUpdate, UpdateMessage } from '../../../src/wire/update';

const { NONE, ATTRIBUTE_DISCARD: DISCARD, TREAT_AS_WITHDRAW: TAW, SESSION_RESET: RESET } = ErrorAction;
const AS4 = makeContext({ as4: true });
const AS2 = makeContext({ as4: false });

function attr(flags: number, code: number, value: string): string {
  const n = value.length / 2;
  const len = flags & 0x10 ? n.toString(16).padStart(4, '0') : n.toString(16).padStart(2, '0');
  return flags.toString(16).padStart(2, '0') + code.toString(16).padStart(2, '0') + len + value;
}

function body(attrs: string, nlri: string): Buffer {
  const a = Buffer.from(attrs, 'hex');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(a.length, 0);
  return Buffer.concat([Buffer.from('0000', 'hex'), len, a, Buffer.from(nlri, 'hex')]);
}

/** Decode; a session reset comes back as the action RESET. */
function outcome(attrs: string, ctx: CodecContext, nlri = '18c63364'): { action: number; msg?: UpdateMessage } {
  try {
    const msg = decodeUpdate(body(attrs, nlri), ctx);
    return { action: msg.action, msg };
  } catch (e) {
    if (e instanceof BgpError) return { action: RESET };
    throw e;
  }
}

interface Row {
  code: number;
  name: string;
  flags: number;
  good: string;
  malformed: string;
  /** Flags with the Optional or Transitive bit wrong. */
  badFlags: number;
  onMalformed: number;
  onBadFlags: number;
  field: string;
  ctx?: CodecContext;
}

const V6_REACH = '000201' + '10' + '20010db8000000000000000000000001' + '00' + '3020010db80001';

// RFC 7606 sec. 3.c, 3.f, 5.3, 7.1-7.14; RFC 6793 sec. 6; RFC 8092 sec. 6; RFC 9234 sec. 5.
const TABLE: Row[] = [
  { code: 1, name: 'ORIGIN', flags: 0x40, good: '00', malformed: '03', badFlags: 0xc0, onMalformed: TAW, onBadFlags: TAW, field: 'origin' },
  { code: 2, name: 'AS_PATH', flags: 0x40, good: '02010000fde9', malformed: '0200', badFlags: 0x80, onMalformed: TAW, onBadFlags: TAW, field: 'asPath' },
  { code: 3, name: 'NEXT_HOP', flags: 0x40, good: 'c0000201', malformed: 'c00002', badFlags: 0xc0, onMalformed: TAW, onBadFlags: TAW, field: 'nextHop' },
  { code: 4, name: 'MULTI_EXIT_DISC', flags: 0x80, good: '00000001', malformed: '01', badFlags: 0x40, onMalformed: TAW, onBadFlags: TAW, field: 'med' },
  { code: 5, name: 'LOCAL_PREF', flags: 0x40, good: '00000064', malformed: '', badFlags: 0x80, onMalformed: TAW, onBadFlags: TAW, field: 'localPref' },
  { code: 6, name: 'ATOMIC_AGGREGATE', flags: 0x40, good: '', malformed: '00', badFlags: 0xc0, onMalformed: DISCARD, onBadFlags: DISCARD, field: 'atomicAggregate' },
  { code: 7, name: 'AGGREGATOR', flags: 0xc0, good: '0000fde9c0000209', malformed: 'fde9c0000209', badFlags: 0x40, onMalformed: DISCARD, onBadFlags: DISCARD, field: 'aggregator' },
  { code: 8, name: 'COMMUNITIES', flags: 0xc0, good: 'fde80001', malformed: 'fde8', badFlags: 0x80, onMalformed: TAW, onBadFlags: TAW, field: 'communities' },
  { code: 9, name: 'ORIGINATOR_ID', flags: 0x80, good: 'c0000202', malformed: '', badFlags: 0xc0, onMalformed: TAW, onBadFlags: TAW, field: 'originatorId' },
  { code: 10, name: 'CLUSTER_LIST', flags: 0x80, good: 'c0000203', malformed: 'c000', badFlags: 0x40, onMalformed: TAW, onBadFlags: TAW, field: 'clusterList' },
  { code: 14, name: 'MP_REACH_NLRI', flags: 0x80, good: V6_REACH, malformed: '000201', badFlags: 0xc0, onMalformed: RESET, onBadFlags: RESET, field: 'mpReach' },
  { code: 15, name: 'MP_UNREACH_NLRI', flags: 0x80, good: '000201', malformed: '0002', badFlags: 0x40, onMalformed: RESET, onBadFlags: RESET, field: 'mpUnreach' },
  { code: 16, name: 'EXTENDED_COMMUNITIES', flags: 0xc0, good: '0002fde800000064', malformed: '0002fde8', badFlags: 0x80, onMalformed: TAW, onBadFlags: TAW, field: 'extCommunities' },
  { code: 17, name: 'AS4_PATH', flags: 0xc0, good: '0201fa56ea01', malformed: '0200', badFlags: 0x40, onMalformed: DISCARD, onBadFlags: DISCARD, field: 'as4Path', ctx: AS2 },
  { code: 18, name: 'AS4_AGGREGATOR', flags: 0xc0, good: 'fa56ea01c0000209', malformed: 'fde9c0000209', badFlags: 0x80, onMalformed: DISCARD, onBadFlags: DISCARD, field: 'as4Aggregator', ctx: AS2 },
  { code: 32, name: 'LARGE_COMMUNITY', flags: 0xc0, good: 'fa56ea010000000100000002', malformed: 'fa56ea0100000001000000', badFlags: 0x80, onMalformed: TAW, onBadFlags: TAW, field: 'largeCommunities' },
  { code: 35, name: 'OTC', flags: 0xc0, good: '0000fde9', malformed: '00', badFlags: 0x40, onMalformed: TAW, onBadFlags: TAW, field: 'otc' },
];

/** ORIGIN, AS_PATH and NEXT_HOP, except the one under test, with the session's AS width. */
function mandatory(except: number, ctx: CodecContext): string {
  let s = '';
  if (except !== 1) s += attr(0x40, 1, '00');
  if (except !== 2) s += attr(0x40, 2, ctx.as4 ? '02010000fde9' : '0201fde9');
  if (except !== 3) s += attr(0x40, 3, 'c0000201');
  return s;
}

for (const row of TABLE) {
  t.test(`${row.name}: good, malformed, bad flags`, (t) => {
    const ctx = row.ctx ?? AS4;
    const others = mandatory(row.code, ctx);
    const good = outcome(others + attr(row.flags, row.code, row.good), ctx);
    t.equal(good.action, NONE, 'a good value: no problem');
    t.not((good.msg?.attributes as Record<string, unknown> | undefined)?.[row.field], undefined, `a good value is kept in ${row.field}`);

    const bad = outcome(others + attr(row.flags, row.code, row.malformed), ctx);
    t.equal(bad.action, row.onMalformed, 'a malformed value');
    if (bad.msg) t.equal((bad.msg.attributes as Record<string, unknown>)[row.field], undefined, 'a malformed value is not kept');

    const flags = outcome(others + attr(row.badFlags, row.code, row.good), ctx);
    t.equal(flags.action, row.onBadFlags, `flags 0x${row.badFlags.toString(16)}`);
    if (flags.msg) t.equal((flags.msg.attributes as Record<string, unknown>)[row.field], undefined, 'an attribute with bad flags is not kept');

    // The Partial and Extended Length bits are not judged (RFC 7606 sec. 3.c names only O and T).
    const partial = outcome(others + attr(row.flags | 0x30, row.code, row.good), ctx);
    t.equal(partial.action, NONE, 'Partial and Extended Length bits accepted');
    t.end();
  });
}

t.test('unrecognized attributes: optional ones are kept raw with their flags, repeats discarded', (t) => {
  const m = outcome(mandatory(0, AS4) + attr(0xe0, 200, 'aa') + attr(0x80, 201, '') + attr(0xc0, 200, 'bb'), AS4).msg!;
  t.equal(m.action, DISCARD, 'the second type 200 is discarded (RFC 7606 sec. 3.g)');
  t.same(m.attributes.unknown?.map((r) => [r.flags, r.code, r.value.toString('hex')]), [[0xe0, 200, 'aa'], [0x80, 201, '']]);
  t.end();
});

t.test('layout: absent for canonical input, the received order and flags otherwise', (t) => {
  const canonical = outcome(mandatory(0, AS4) + attr(0x80, 4, '00000001') + attr(0xc0, 99, '01'), AS4).msg!;
  t.equal(canonical.attributes.layout, undefined, 'ascending codes, canonical flags: no layout');

  const reordered = outcome(attr(0x40, 3, 'c0000201') + attr(0x40, 1, '00') + attr(0x40, 2, ''), AS4).msg!;
  t.same(reordered.attributes.layout, [{ code: 3, flags: 0x40 }, { code: 1, flags: 0x40 }, { code: 2, flags: 0x40 }]);

  const strayBits = outcome(attr(0x47, 1, '00') + attr(0x40, 2, '') + attr(0x40, 3, 'c0000201'), AS4).msg!;
  t.same(strayBits.attributes.layout?.[0], { code: 1, flags: 0x47 }, 'unused low flag bits are kept for the round trip');

  const dropped = outcome(mandatory(0, AS4) + attr(0x40, 6, '00') + attr(0xc0, 99, '01') + attr(0x40, 5, '00000064'), AS4).msg!;
  t.same(dropped.attributes.layout?.map((e) => e.code), [1, 2, 3, 99, 5], 'discarded attributes have no entry');
  t.end();
});

t.test('every decoded form re-encodes to its bytes when nothing was dropped', (t) => {
  const inputs: [string, string][] = [
    [attr(0x40, 3, 'c0000201') + attr(0x50, 1, '00') + attr(0x40, 2, ''), '18c63364'],
    [mandatory(0, AS4) + attr(0xf0, 99, '0102'), '18c63364'],
    [attr(0x80, 14, V6_REACH) + mandatory(3, AS4), ''],
    [mandatory(3, AS4) + attr(0x80, 14, V6_REACH), ''],
    [mandatory(0, AS4) + attr(0xe0, 8, 'fde80001'), '18c63364'],
  ];
  for (const [a, nlri] of inputs) {
    const b = body(a, nlri);
    const m = decodeUpdate(b, AS4);
    t.equal(m.problems.length, 0);
    t.equal(encodeMessage(m, AS4).subarray(19).toString('hex'), b.toString('hex'), a);
  }
  t.end();
});
