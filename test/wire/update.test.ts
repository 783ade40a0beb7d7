/**
 * UPDATE codec: the fixtures under fixtures/wire/update (decode, re-encode, and re-decoding what
 * was kept after RFC 7606 handling), message-level RFC 7606 rules, End-of-RIB, building and
 * encoding UPDATEs by code, and robustness against corrupted input.
 */

import t from 'tap';
import { join } from 'node:path';
import { ErrorAction } from '../../src/wire/attributes/types';
import { makeContext } from '../../src/wire/context';
import { BgpError } from '../../src/wire/errors';
import { Afi, AttrType, familyKey, IPV4_UNICAST, IPV6_UNICAST, MessageType, UpdateSubcode } from '../../src/wire/iana';
import { encodeMessage, messageToJSON } from '../../src/wire/message';
import { NlriList } from '../../src/wire/nlri';
import { buildUpdate, decodeUpdate, endOfRib, isEndOfRib, UpdateMessage } from '../../src/wire/update';
import { loadWireFixtures, WIRE_FIXTURES } from '../helpers/fixtures';

const AS4 = makeContext({ as4: true });

/** One attribute as hex: flags, type, a one-octet length (or two with 0x10 set) and the value. */
function attr(flags: number, code: number, value: string): string {
  const n = value.length / 2;
  const len = flags & 0x10 ? n.toString(16).padStart(4, '0') : n.toString(16).padStart(2, '0');
  return flags.toString(16).padStart(2, '0') + code.toString(16).padStart(2, '0') + len + value;
}

function body(attrs: string, nlri = '', withdrawn = ''): Buffer {
  const w = Buffer.from(withdrawn, 'hex');
  const a = Buffer.from(attrs, 'hex');
  const head = Buffer.alloc(4);
  head.writeUInt16BE(w.length, 0);
  const alen = Buffer.alloc(2);
  alen.writeUInt16BE(a.length, 0);
  return Buffer.concat([head.subarray(0, 2), w, alen, a, Buffer.from(nlri, 'hex')]);
}

const ORIGIN_IGP = attr(0x40, 1, '00');
const AS_PATH_65001 = attr(0x40, 2, '02010000fde9');
const NEXT_HOP = attr(0x40, 3, 'c0000201');
const BASE = ORIGIN_IGP + AS_PATH_65001 + NEXT_HOP;
const NLRI_24 = '18c63364'; // 198.51.100.0/24

function thrown(fn: () => unknown): BgpError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw e;
  }
  return undefined;
}

t.test('every update fixture decodes to its JSON and clean ones re-encode to the same bytes', (t) => {
  const fixtures = loadWireFixtures(join(WIRE_FIXTURES, 'update'));
  t.ok(fixtures.length >= 60, `found ${fixtures.length} fixtures`);
  for (const fx of fixtures) {
    const b = fx.bytes;
    t.equal(b[18], MessageType.UPDATE, `${fx.name}: an UPDATE`);
    t.equal(b.readUInt16BE(16), b.length, `${fx.name}: one whole message`);
    const err = thrown(() => decodeUpdate(b.subarray(19), fx.context));
    if (fx.error) {
      t.same(err && { code: err.code, subcode: err.subcode, data: err.data.toString('hex') }, fx.error, `${fx.name}: NOTIFICATION`);
      continue;
    }
    t.equal(err, undefined, `${fx.name}: no session reset`);
    const msg = decodeUpdate(b.subarray(19), fx.context);
    t.same(messageToJSON(msg), fx.messages![0], `${fx.name}: decoded form`);
    t.ok(msg.attrBytes.buffer === b.buffer, `${fx.name}: attrBytes is a view of the received bytes`);
    const again = decodeUpdate(encodeMessage(msg, fx.context).subarray(19), fx.context);
    if (msg.problems.length === 0) {
      t.equal(encodeMessage(msg, fx.context).toString('hex'), b.toString('hex'), `${fx.name}: re-encodes to the same bytes`);
    } else {
      // What survived RFC 7606 handling is well-formed: re-encoded, it can lack an attribute that
      // was thrown away, but nothing in it is malformed.
      const left = again.problems.filter((p) => p.subcode !== UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE);
      t.same(left, [], `${fx.name}: what was kept re-encodes to a well-formed UPDATE`);
    }
    t.same(again.nlri.toJSON(), msg.nlri.toJSON(), `${fx.name}: NLRI survive re-encoding`);
  }
  t.end();
});

t.test('treat-as-withdraw keeps the NLRI so the RIB can withdraw them, and names the attribute', (t) => {
  const m = decodeUpdate(body(ORIGIN_IGP + attr(0x40, 2, '0500') + NEXT_HOP, NLRI_24), AS4);
  t.equal(m.action, ErrorAction.TREAT_AS_WITHDRAW);
  t.same(m.nlri.toStrings(), ['198.51.100.0/24']);
  t.equal(m.attributes.asPath, undefined, 'the malformed AS_PATH is not kept');
  t.equal(m.attributes.origin, 0, 'the well-formed attributes are');
  t.equal(m.problems.length, 1);
  t.match(m.problems[0], { code: AttrType.AS_PATH, subcode: UpdateSubcode.MALFORMED_AS_PATH });
  t.equal(m.problems[0]!.data.length, 0, 'Malformed AS_PATH carries no data (RFC 4271 sec. 6.3)');
  t.end();
});

t.test('problem data is the whole attribute where RFC 4271 sec. 6.3 says so', (t) => {
  const nh = attr(0x40, 3, 'c000020101');
  const m = decodeUpdate(body(ORIGIN_IGP + AS_PATH_65001 + nh, NLRI_24), AS4);
  t.equal(m.problems[0]!.data.toString('hex'), nh, 'NEXT_HOP length error carries type, length and value');
  const missing = decodeUpdate(body(ORIGIN_IGP + NEXT_HOP, NLRI_24), AS4);
  t.equal(missing.problems[0]!.data.toString('hex'), '02', 'missing attribute carries its type code');
  t.end();
});

t.test('from an external peer, LOCAL_PREF / ORIGINATOR_ID / CLUSTER_LIST are discarded (RFC 7606 sec. 7.5, 7.9, 7.10)', (t) => {
  const extra = attr(0x40, 5, '00000064') + attr(0x80, 9, 'c0000202') + attr(0x80, 10, 'c0000203');
  const internal = decodeUpdate(body(BASE + extra, NLRI_24), AS4);
  t.equal(internal.action, ErrorAction.NONE);
  t.equal(internal.attributes.localPref, 100);
  t.same(internal.attributes.clusterList, ['192.0.2.3']);

  const external = decodeUpdate(body(BASE + extra, NLRI_24), AS4, { peerIsExternal: true });
  t.equal(external.action, ErrorAction.ATTRIBUTE_DISCARD);
  t.equal(external.attributes.localPref, undefined);
  t.equal(external.attributes.originatorId, undefined);
  t.equal(external.attributes.clusterList, undefined);
  t.same(external.problems.map((p) => p.code), [5, 9, 10]);

  // Malformed LOCAL_PREF: treat-as-withdraw from an internal peer, discard from an external one.
  const bad = attr(0x40, 5, '0064');
  t.equal(decodeUpdate(body(BASE + bad, NLRI_24), AS4).action, ErrorAction.TREAT_AS_WITHDRAW);
  t.equal(decodeUpdate(body(BASE + bad, NLRI_24), AS4, { peerIsExternal: true }).action, ErrorAction.ATTRIBUTE_DISCARD);
  t.end();
});

t.test('RFC 7606 sec. 5.2: without reachable NLRI only attribute discard avoids a reset', (t) => {
  const badMed = attr(0x80, 4, '0064');
  t.ok(thrown(() => decodeUpdate(body(BASE + badMed), AS4)), 'attributes, no NLRI, treat-as-withdraw error -> reset');
  t.equal(thrown(() => decodeUpdate(body(BASE + badMed, NLRI_24), AS4)), undefined, 'same with NLRI -> no reset');
  const mpReach = attr(0x80, 14, '000201' + '10' + '20010db8000000000000000000000001' + '00' + '3020010db80001');
  t.equal(thrown(() => decodeUpdate(body(mpReach + BASE + badMed), AS4)), undefined, 'same with MP_REACH_NLRI -> no reset');
  t.equal(decodeUpdate(body(BASE + attr(0x40, 6, '01')), AS4).action, ErrorAction.ATTRIBUTE_DISCARD, 'attribute discard -> no reset');
  t.end();
});

t.test('session resets are BgpErrors with code 3 and the RFC subcode', (t) => {
  const cases: [string, Buffer, number][] = [
    ['body too short for its length fields', Buffer.from('0000', 'hex'), UpdateSubcode.MALFORMED_ATTRIBUTE_LIST],
    ['withdrawn length overruns', Buffer.from('0010' + '18c63364' + '0000', 'hex'), UpdateSubcode.MALFORMED_ATTRIBUTE_LIST],
    ['NLRI prefix length 40', body(BASE, '28c0000201ff'), UpdateSubcode.INVALID_NETWORK_FIELD],
    ['unrecognized well-known attribute', body(BASE + attr(0x40, 250, ''), NLRI_24), UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE],
  ];
  for (const [name, b, subcode] of cases) {
    const e = thrown(() => decodeUpdate(b, AS4));
    t.ok(e, `${name}: throws`);
    t.equal(e?.code, 3, `${name}: UPDATE Message Error`);
    t.equal(e?.subcode, subcode, `${name}: subcode ${subcode}`);
  }
  t.end();
});

t.test('corrupted UPDATEs: decode returns or throws BgpError, never anything else', (t) => {
  // A deterministic PRNG (mulberry32) so a failure reproduces.
  let seed = 7;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let x = seed;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const fixtures = loadWireFixtures(join(WIRE_FIXTURES, 'update')).filter((f) => f.bytes.length < 1000);
  const contexts = [AS4, makeContext({ as4: false }), makeContext({ addPath: new Set([IPV4_UNICAST, IPV6_UNICAST]) })];
  let other = 0;
  let decoded = 0;
  let resets = 0;
  for (let i = 0; i < 20000; i++) {
    const fx = fixtures[i % fixtures.length]!;
    const b = Buffer.from(fx.bytes.subarray(19));
    const flips = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    const cut = rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
    try {
      const m = decodeUpdate(cut, contexts[i % contexts.length]!);
      decoded++;
      // Whatever decoded must encode (the encoder never sees a state the decoder cannot give).
      encodeMessage(m, makeContext({ ...contexts[i % contexts.length]!, extendedMessage: true }));
    } catch (e) {
      if (e instanceof BgpError) resets++;
      else {
        other++;
        if (other < 5) t.fail(`${fx.name} #${i}: ${(e as Error).stack}`);
      }
    }
  }
  t.equal(other, 0, 'no other exceptions');
  t.ok(decoded > 1000 && resets > 1000, `both outcomes exercised (decoded ${decoded}, reset ${resets})`);
  t.end();
});

t.test('End-of-RIB: recognized for both families and built byte for byte', (t) => {
  const fixtures = new Map(loadWireFixtures(join(WIRE_FIXTURES, 'update')).map((f) => [f.name, f]));
  const v4 = fixtures.get('end-of-rib-ipv4')!;
  const v6 = fixtures.get('end-of-rib-ipv6')!;
  t.equal(isEndOfRib(decodeUpdate(v4.bytes.subarray(19), AS4)), IPV4_UNICAST);
  t.equal(isEndOfRib(decodeUpdate(v6.bytes.subarray(19), AS4)), IPV6_UNICAST);
  t.equal(encodeMessage(endOfRib(IPV4_UNICAST), AS4).toString('hex'), v4.bytes.toString('hex'));
  t.equal(encodeMessage(endOfRib(IPV6_UNICAST), AS4).toString('hex'), v6.bytes.toString('hex'));
  t.equal(isEndOfRib(endOfRib(IPV6_UNICAST)), IPV6_UNICAST, 'a built marker is recognized');

  const multicast = familyKey(Afi.IPV4, 2);
  const raw = decodeUpdate(encodeMessage(endOfRib(multicast), AS4).subarray(19), AS4);
  t.equal(raw.attributes.mpUnreach, undefined, 'a family the codec keeps raw...');
  t.equal(isEndOfRib(raw), multicast, '...still has its End-of-RIB recognized');

  for (const name of ['ipv4-withdraw', 'ipv6-withdraw', 'attributes-without-nlri', 'discard-without-nlri', 'ipv4-basic']) {
    t.equal(isEndOfRib(decodeUpdate(fixtures.get(name)!.bytes.subarray(19), fixtures.get(name)!.context)), null, `${name} is not End-of-RIB`);
  }
  t.end();
});

t.test('buildUpdate + encode: canonical order puts MP_REACH_NLRI first (RFC 7606 sec. 5.1)', (t) => {
  const msg = buildUpdate({
    attributes: {
      origin: 0,
      asPath: [{ type: 2, asns: [65001] }],
      med: 5,
      mpReach: { afi: Afi.IPV6, safi: 1, nextHop: '2001:db8::1', nlri: NlriList.fromPrefixes(Afi.IPV6, false, ['2001:db8:1::/48']) },
    },
  });
  const wire = encodeMessage(msg, AS4);
  const m = decodeUpdate(wire.subarray(19), AS4);
  t.equal(m.action, ErrorAction.NONE);
  t.equal(m.attrBytes[1], AttrType.MP_REACH_NLRI, 'MP_REACH_NLRI is the first attribute');
  t.equal(m.attributes.layout, undefined, 'what we write is canonical, so decoding needs no layout');
  t.same(m.attributes.mpReach?.nlri.toStrings(), ['2001:db8:1::/48']);
  t.equal(m.attributes.med, 5);
  t.end();
});

t.test('ADD-PATH: lists are written as the session needs whatever they were built with', (t) => {
  const addPath = makeContext({ addPath: new Set([IPV4_UNICAST]) });
  const plain = buildUpdate({ attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' }, nlri: ['198.51.100.0/24'], withdrawn: ['10.0.0.0/8'] });
  const withIds = decodeUpdate(encodeMessage(plain, addPath).subarray(19), addPath);
  t.same(withIds.nlri.toJSON(), [{ prefix: '198.51.100.0/24', pathId: 0 }], 'Path Identifier 0 added');
  t.same(withIds.withdrawn.toJSON(), [{ prefix: '10.0.0.0/8', pathId: 0 }]);

  const ided = buildUpdate({ nlri: [{ prefix: '198.51.100.0/24', pathId: 9 }], attributes: { origin: 0, asPath: [], nextHop: '192.0.2.1' } });
  t.same(decodeUpdate(encodeMessage(ided, addPath).subarray(19), addPath).nlri.toJSON(), [{ prefix: '198.51.100.0/24', pathId: 9 }], 'kept');
  t.same(decodeUpdate(encodeMessage(ided, AS4).subarray(19), AS4).nlri.toJSON(), ['198.51.100.0/24'], 'dropped');
  t.end();
});

t.test('decode -> encode -> decode is stable for a message built by code', (t) => {
  const msg: UpdateMessage = buildUpdate({
    attributes: {
      origin: 2,
      asPath: [{ type: 2, asns: [65001, 4200000000] }, { type: 1, asns: [1, 2, 3] }],
      nextHop: '192.0.2.1',
      localPref: 100,
      atomicAggregate: true,
      aggregator: { asn: 4200000000, address: '192.0.2.9' },
      communities: [0xffffff01],
      extCommunities: ['0002fde800000064'],
      largeCommunities: [[4200000000, 1, 2]],
      otc: 65001,
      unknown: [{ flags: 0xc0, code: 99, value: Buffer.from('ab', 'hex') }],
    },
    nlri: ['198.51.100.0/24'],
  });
  const wire = encodeMessage(msg, AS4);
  const back = decodeUpdate(wire.subarray(19), AS4);
  t.equal(back.action, ErrorAction.NONE);
  t.same(back.attributes, msg.attributes);
  t.equal(encodeMessage(back, AS4).toString('hex'), wire.toString('hex'));
  t.end();
});
