/**
 * Attribute interning: what makes two UPDATEs share a set (not their NLRI, not MP_UNREACH_NLRI;
 * the decoding context does), reference counting and reuse of ids, the decision summary, decoding
 * a set back, sets built by code, and the arena surviving churn.
 */

import t from 'tap';
import { AttrPool, NO_ATTRS, ORIGIN_MISSING } from '../../src/rib/attr-intern';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { CodecContext, makeContext } from '../../src/wire/context';
import { Afi, AS_TRANS, IPV4_UNICAST, IPV6_UNICAST, Safi } from '../../src/wire/iana';
import { encodeMessage } from '../../src/wire/message';
import { NlriList } from '../../src/wire/nlri';
import { buildUpdate, decodeUpdate, UpdateMessage } from '../../src/wire/update';

const AS4 = makeContext({ as4: true });
const AS2 = makeContext({ as4: false });
const SET = 1;
const SEQ = 2;
const CSEQ = 3;

/** Encode an UPDATE and decode it again, as a session would receive it. */
function received(attributes: PathAttributes, nlri: string[] = [], ctx: CodecContext = AS4, external = false, withdrawn: string[] = []): UpdateMessage {
  const bytes = encodeMessage(buildUpdate({ attributes, nlri, withdrawn }), ctx);
  return decodeUpdate(bytes.subarray(19), ctx, { peerIsExternal: external });
}

function v6(prefixes: string[], nextHop = '2001:db8::1'): PathAttributes['mpReach'] {
  return { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop, nlri: NlriList.fromPrefixes(Afi.IPV6, false, prefixes) };
}

const BASE: PathAttributes = { origin: 0, asPath: [{ type: SEQ, asns: [65001, 65002] }], nextHop: '192.0.2.1' };

t.test('UPDATEs that differ only in NLRI share a set; references count users', (t) => {
  const pool = new AttrPool();
  const a = pool.internUpdate(received(BASE, ['192.0.2.0/24']), true, false);
  const b = pool.internUpdate(received(BASE, ['198.51.100.0/24', '203.0.113.0/24']), true, false);
  t.equal(a, b);
  t.equal(pool.size, 1);
  t.equal(pool.refCount(a), 2);
  const c = pool.internUpdate(received({ ...BASE, med: 5 }, ['192.0.2.0/24']), true, false);
  t.not(c, a, 'another MED is another set');
  t.equal(pool.size, 2);
  t.same(pool.stats().references, 3);
  t.end();
});

t.test('IPv6: the MP_REACH_NLRI prefixes and any MP_UNREACH_NLRI are not part of the set', (t) => {
  const pool = new AttrPool();
  const one = received({ ...BASE, nextHop: undefined, mpReach: v6(['2001:db8:1::/48']) });
  const two = received({ ...BASE, nextHop: undefined, mpReach: v6(['2001:db8:2::/48', '2001:db8:3::/48', '2001:db8:4::/48']) });
  const withUnreach = received({
    ...BASE,
    nextHop: undefined,
    mpReach: v6(['2001:db8:5::/48']),
    mpUnreach: { afi: Afi.IPV6, safi: Safi.UNICAST, withdrawn: NlriList.fromPrefixes(Afi.IPV6, false, ['2001:db8:9::/48']) },
  });
  const a = pool.internUpdate(one, true, false);
  t.equal(pool.internUpdate(two, true, false), a);
  t.equal(pool.internUpdate(withUnreach, true, false), a);
  t.not(pool.internUpdate(received({ ...BASE, nextHop: undefined, mpReach: v6(['2001:db8:1::/48'], '2001:db8::2') }), true, false), a, 'another next hop is another set');
  // Extended-length MP_REACH_NLRI (over 255 bytes of NLRI) still matches once the NLRI is gone.
  const many = Array.from({ length: 60 }, (_, i) => `2001:db8:${i.toString(16)}::/48`);
  t.equal(pool.internUpdate(received({ ...BASE, nextHop: undefined, mpReach: v6(many) }), true, false), a);
  const attrs = pool.decode(a);
  t.equal(attrs.mpReach?.nextHop, '2001:db8::1');
  t.equal(attrs.mpReach?.nlri.count, 0, 'a decoded set has no NLRI');
  t.equal(attrs.mpUnreach, undefined);
  t.end();
});

t.test('the decoding context is part of the set', (t) => {
  const pool = new AttrPool();
  const msg4 = received(BASE, ['192.0.2.0/24'], AS4);
  const a = pool.internUpdate(msg4, true, false);
  t.not(pool.internUpdate(msg4, true, true), a, 'external differs');
  t.not(pool.internUpdate(msg4, false, false), a, '2-octet session differs');
  t.ok(pool.isAs4(a));
  t.end();
});

t.test('release frees a set at zero references and its id is reused', (t) => {
  const pool = new AttrPool();
  const a = pool.internUpdate(received(BASE, ['192.0.2.0/24']), true, false);
  pool.retain(a);
  pool.release(a);
  t.ok(pool.isLive(a));
  pool.release(a);
  t.notOk(pool.isLive(a));
  t.equal(pool.size, 0);
  t.equal(pool.refCount(a), 0);
  t.throws(() => pool.decode(a), RangeError);
  const b = pool.internUpdate(received({ ...BASE, med: 1 }, ['192.0.2.0/24']), true, false);
  t.equal(b, a, 'the freed id is reused');
  t.equal(pool.med(b), 1, 'with the new set summary');
  t.notOk(pool.isLive(NO_ATTRS));
  t.same(pool.stats().sets, 1);
  t.end();
});

t.test('next hops per set and family stay right as sets come and go', (t) => {
  const pool = new AttrPool();
  const v4 = (nh: string, med: number) => pool.internUpdate(received({ ...BASE, nextHop: nh, med }, ['192.0.2.0/24']), true, false);
  const a = v4('192.0.2.1', 1);
  const b = v4('192.0.2.1', 2);
  const c = v4('192.0.2.2', 3);
  t.equal(pool.nextHop(a, IPV4_UNICAST), '192.0.2.1');
  t.equal(pool.nextHop(b, IPV4_UNICAST), '192.0.2.1', 'a next hop shared by two sets');
  t.equal(pool.nextHop(c, IPV4_UNICAST), '192.0.2.2');
  t.equal(pool.nextHop(a, IPV6_UNICAST), undefined, 'no IPv6 next hop in an IPv4 set');
  pool.release(a);
  t.equal(pool.nextHop(b, IPV4_UNICAST), '192.0.2.1', 'kept while another set uses it');
  pool.release(b);
  pool.release(c);
  const d = v4('198.51.100.9', 4);
  const e = v4('192.0.2.2', 5);
  t.equal(pool.nextHop(d, IPV4_UNICAST), '198.51.100.9', 'a new next hop after all users of the old ones left');
  t.equal(pool.nextHop(e, IPV4_UNICAST), '192.0.2.2');
  const v6 = pool.internUpdate(
    received({ origin: 0, asPath: [], mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::7', nlri: NlriList.fromPrefixes(Afi.IPV6, false, ['2001:db8:1::/48']) } }, []),
    true,
    false,
  );
  t.equal(pool.nextHop(v6, IPV6_UNICAST), '2001:db8::7', 'IPv6: the MP_REACH_NLRI global next hop');
  t.equal(pool.nextHop(v6, IPV4_UNICAST), undefined);
  t.end();
});

t.test('summary: what the decision reads', (t) => {
  const pool = new AttrPool({ localAs: 64500 });
  const a = pool.internUpdate(
    received(
      {
        origin: 1,
        asPath: [
          { type: CSEQ, asns: [64512, 64513] },
          { type: SEQ, asns: [65001, 64500, 65002] },
          { type: SET, asns: [1, 2, 3, 64500] },
        ],
        nextHop: '192.0.2.1',
        med: 20,
        localPref: 300,
        originatorId: '10.0.0.9',
        clusterList: ['10.0.0.1', '10.0.0.2'],
        mpReach: v6(['2001:db8::/32'], '2001:db8::7'),
      },
      ['192.0.2.0/24'],
    ),
    true,
    false,
  );
  t.equal(pool.origin(a), 1);
  t.equal(pool.med(a), 20);
  t.equal(pool.localPref(a), 300);
  t.equal(pool.asPathLength(a), 4, 'confederation segment 0, three ASNs, AS_SET 1');
  t.equal(pool.neighborAs(a), 65001, 'first AS of the first AS_SEQUENCE after confederation segments');
  t.equal(pool.originatorId(a), 0x0a000009);
  t.equal(pool.clusterListLength(a), 2);
  t.equal(pool.ownAsCount(a), 2);
  t.equal(pool.nextHop(a, IPV4_UNICAST), '192.0.2.1');
  t.equal(pool.nextHop(a, IPV6_UNICAST), '2001:db8::7');

  const bare = pool.internUpdate(received({ origin: 0, asPath: [], nextHop: '192.0.2.1' }, ['192.0.2.0/24']), true, false);
  t.equal(pool.med(bare), -1, 'no MED');
  t.equal(pool.localPref(bare), -1, 'no LOCAL_PREF');
  t.equal(pool.originatorId(bare), -1);
  t.equal(pool.asPathLength(bare), 0);
  t.equal(pool.neighborAs(bare), 64500, 'an empty path is our own AS');
  t.equal(pool.nextHop(bare, IPV6_UNICAST), undefined);

  const setFirst = pool.internUpdate(received({ origin: 0, asPath: [{ type: SET, asns: [65001, 65002] }], nextHop: '192.0.2.1' }, ['192.0.2.0/24']), true, false);
  t.equal(pool.neighborAs(setFirst), 64500, 'a path starting with AS_SET counts as our own AS (RFC 4271 9.1.2.2 c)');

  // Treat-as-withdraw UPDATE with no ORIGIN: still interned, ORIGIN reads as worse than INCOMPLETE.
  const noOrigin = received({ asPath: [{ type: SEQ, asns: [65001] }], nextHop: '192.0.2.1' }, ['192.0.2.0/24']);
  t.ok(noOrigin.action >= 2, 'treat-as-withdraw');
  t.equal(pool.origin(pool.internUpdate(noOrigin, true, false)), ORIGIN_MISSING);
  t.end();
});

t.test('LOCAL_PREF from an external peer was discarded by the decoder, so the set has none', (t) => {
  const pool = new AttrPool();
  const id = pool.internUpdate(received({ ...BASE, localPref: 500 }, ['192.0.2.0/24'], AS4, true), true, true);
  t.equal(pool.localPref(id), -1);
  t.end();
});

t.test('2-octet session: the effective AS path (AS_PATH + AS4_PATH) is what counts', (t) => {
  const pool = new AttrPool({ localAs: 4200000000 });
  const attrs: PathAttributes = {
    origin: 0,
    asPath: [{ type: SEQ, asns: [65001, AS_TRANS, AS_TRANS] }],
    as4Path: [{ type: SEQ, asns: [4200000001, 4200000000] }],
    nextHop: '192.0.2.1',
  };
  const id = pool.internUpdate(received(attrs, ['192.0.2.0/24'], AS2), false, false);
  t.equal(pool.asPathLength(id), 3);
  t.equal(pool.neighborAs(id), 65001);
  t.equal(pool.ownAsCount(id), 1, 'our 4-octet AS found through AS4_PATH');
  t.notOk(pool.isAs4(id));
  const back = pool.decode(id);
  t.same(back.as4Path, attrs.as4Path, 'decoded in its own (2-octet) context');
  t.end();
});

t.test('decode gives back the attributes, layout and unknown attributes included', (t) => {
  const pool = new AttrPool();
  const attrs: PathAttributes = {
    ...BASE,
    med: 7,
    communities: [0xfde90001],
    largeCommunities: [[65001, 1, 2]],
    unknown: [{ flags: 0xc0, code: 99, value: Buffer.from('abcd', 'hex') }],
  };
  const msg = received(attrs, ['192.0.2.0/24']);
  const id = pool.internUpdate(msg, true, false);
  const back = pool.decode(id);
  t.same(back, msg.attributes);
  t.same(pool.bytes(id), msg.attrBytes, 'stored bytes are the received field (no MP NLRI here)');
  t.end();
});

t.test('sets built by code: canonical, and the same set as equal received bytes', (t) => {
  const pool = new AttrPool();
  const built: PathAttributes = { origin: 0, asPath: [{ type: SEQ, asns: [64500] }], nextHop: '192.0.2.1', communities: [1, 2] };
  const a = pool.internAttributes(built);
  t.equal(pool.internAttributes({ ...built, communities: [1, 2] }), a, 'equal objects, one set');
  t.equal(pool.refCount(a), 2);
  t.equal(pool.internAttributes({ ...built, layout: [{ code: 8, flags: 0xc0 }] }), a, 'layout is not part of a built set');
  t.equal(pool.internUpdate(received(built, ['192.0.2.0/24'], AS4, false), true, false), a, 'received on an internal 4-octet session: same bytes, same set');
  t.not(pool.internAttributes({ ...built, communities: [1, 3] }), a);
  t.same(pool.decode(a).communities, [1, 2]);

  const v6a = pool.internAttributes({ origin: 0, asPath: [], mpReach: v6(['2001:db8::/32']) });
  t.equal(pool.internAttributes({ origin: 0, asPath: [], mpReach: v6(['2001:db8:1::/48']) }), v6a, 'NLRI of built MP_REACH_NLRI ignored');
  t.equal(pool.nextHop(v6a, IPV6_UNICAST), '2001:db8::1');

  const folded = pool.internAttributes({
    origin: 0,
    asPath: [{ type: SEQ, asns: [65001, AS_TRANS] }],
    as4Path: [{ type: SEQ, asns: [4200000001] }],
    nextHop: '192.0.2.1',
  });
  const plain = pool.internAttributes({ origin: 0, asPath: [{ type: SEQ, asns: [65001, 4200000001] }], nextHop: '192.0.2.1' });
  t.equal(folded, plain, 'AS4_PATH folded into AS_PATH');
  t.same(pool.decode(folded).asPath, [{ type: SEQ, asns: [65001, 4200000001] }]);
  t.end();
});

t.test('thousands of sets, churn and slab reclaim', (t) => {
  const pool = new AttrPool();
  const ids: number[] = [];
  const make = (i: number): PathAttributes => ({ origin: 0, asPath: [{ type: SEQ, asns: [65001, 100000 + i] }], nextHop: '192.0.2.1', communities: Array.from({ length: 20 }, (_, k) => i * 100 + k) });
  const N = 50000; // ~5 MB of sets: several 1 MB slabs
  for (let i = 0; i < N; i++) ids.push(pool.internAttributes(make(i)));
  t.equal(pool.size, N);
  t.equal(new Set(ids).size, N, 'distinct ids');
  const before = pool.stats().bytes;
  // Free nine in ten: every slab is mostly garbage; the live sets move to the tail, slab by slab.
  for (let i = 0; i < N; i++) if (i % 10 !== 0) pool.release(ids[i]!);
  t.equal(pool.size, N / 10);
  let wrong = 0;
  for (let i = 0; i < N; i += 10) {
    const back = pool.decode(ids[i]!);
    if (back.asPath![0]!.asns[1] !== 100000 + i || back.communities![19] !== i * 100 + 19) wrong++;
    if (pool.internAttributes(make(i)) !== ids[i]) wrong++;
  }
  t.equal(wrong, 0, 'survivors decode and are found again after their slabs were reclaimed');
  // ~5.5 MB of sets in 1 MB slabs; a tenth of them left: at least three slabs given back.
  t.ok(before - pool.stats().bytes >= 3 << 20, `slabs given back (${before} -> ${pool.stats().bytes} bytes)`);
  for (let i = 0; i < N; i += 10) {
    pool.release(ids[i]!);
    pool.release(ids[i]!);
  }
  t.same(pool.stats(), { ...pool.stats(), sets: 0, references: 0 });
  t.end();
});

t.test('releasing a set that is not in the pool is an error, not silent corruption', (t) => {
  const pool = new AttrPool();
  const id = pool.internAttributes(BASE);
  pool.release(id);
  t.throws(() => pool.release(id), RangeError);
  t.throws(() => pool.release(NO_ATTRS), RangeError);
  t.end();
});
