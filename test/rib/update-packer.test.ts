/**
 * The packer's UPDATEs decode (with the codec) to exactly the prefixes and attributes given, never
 * exceed the negotiated size, use as few messages as fit, and carry path identifiers with ADD-PATH.
 */

import t from 'tap';
import { makeContext, CodecContext } from '../../src/wire/context';
import { Framer } from '../../src/wire/header';
import { decodeMessage } from '../../src/wire/message';
import { IPV4_UNICAST, IPV6_UNICAST, Afi, Safi, MAX_EXTENDED_MESSAGE_LENGTH } from '../../src/wire/iana';
import { NlriList } from '../../src/wire/nlri';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { UpdatePacker } from '../../src/rib/update-packer';
import { formatKey, parseKey, PrefixKey } from '../../src/rib/prefix-key';

function decodeAll(bufs: Buffer[], ctx: CodecContext) {
  const f = new Framer(65535);
  for (const b of bufs) f.push(b);
  const out = [];
  for (let fr = f.next(); fr; fr = f.next()) out.push(decodeMessage(fr, ctx));
  return out;
}

const v4Keys = (n: number): PrefixKey[] => Array.from({ length: n }, (_, i) => parseKey(`10.${(i >> 8) & 255}.${i & 255}.0/24`)!);
const v6Keys = (n: number): PrefixKey[] => Array.from({ length: n }, (_, i) => parseKey(`2001:db8:${i.toString(16)}::/48`)!);

const attrs4: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [4200000001, 65001] }], nextHop: '192.0.2.1', communities: [0xfde80064], med: 5 };
const attrs6: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [4200000001] }],
  largeCommunities: [[4200000001, 1, 2]],
  mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri: NlriList.empty(Afi.IPV6) },
};

t.test('IPv4: 2000 prefixes, every one back, each UPDATE within 4096 bytes, few UPDATEs', (t) => {
  const ctx = makeContext({ as4: true });
  const keys = v4Keys(2000);
  const bufs = new UpdatePacker(ctx).announce(attrs4, keys);
  t.ok(bufs.every((b) => b.length <= 4096), 'within the maximum message size');
  t.ok(bufs.length <= Math.ceil((2000 * 4) / (4096 - 80)) + 1, `packed into ${bufs.length} UPDATEs`);
  const msgs = decodeAll(bufs, ctx);
  const got: string[] = [];
  for (const m of msgs) {
    if (m.type !== 'update') continue;
    t.equal(m.problems.length, 0);
    t.same(m.attributes.asPath, attrs4.asPath);
    t.equal(m.attributes.nextHop, '192.0.2.1');
    got.push(...m.nlri.toStrings());
  }
  t.same(got, keys.map(formatKey), 'all prefixes, in order');
  t.end();
});

t.test('IPv6 in MP_REACH, first attribute; Extended Message allows bigger UPDATEs', (t) => {
  const keys = v6Keys(3000);
  const normal = makeContext({ as4: true });
  const ext = makeContext({ as4: true, extendedMessage: true });
  const small = new UpdatePacker(normal).announce(attrs6, keys);
  const big = new UpdatePacker(ext).announce(attrs6, keys);
  t.ok(small.every((b) => b.length <= 4096));
  t.ok(big.every((b) => b.length <= MAX_EXTENDED_MESSAGE_LENGTH));
  t.ok(big.length < small.length, `extended: ${big.length} UPDATEs instead of ${small.length}`);
  for (const [bufs, ctx] of [[small, normal], [big, ext]] as const) {
    const msgs = decodeAll(bufs, ctx);
    const got: string[] = [];
    for (const m of msgs) {
      if (m.type !== 'update') continue;
      t.equal(m.problems.length, 0);
      t.equal(m.attributes.mpReach?.nextHop, '2001:db8::1');
      t.same(m.attributes.largeCommunities, [[4200000001, 1, 2]]);
      got.push(...m.attributes.mpReach!.nlri.toStrings());
    }
    t.same(got, keys.map(formatKey));
  }
  t.end();
});

t.test('withdrawals for both families, packed', (t) => {
  const ctx = makeContext({ as4: true });
  const p = new UpdatePacker(ctx);
  const w4 = decodeAll(p.withdraw(v4Keys(1500)), ctx);
  const w6 = decodeAll(p.withdraw(v6Keys(1500)), ctx);
  t.same(w4.flatMap((m) => (m.type === 'update' ? m.withdrawn.toStrings() : [])), v4Keys(1500).map(formatKey));
  t.same(w6.flatMap((m) => (m.type === 'update' ? m.attributes.mpUnreach!.withdrawn.toStrings() : [])), v6Keys(1500).map(formatKey));
  t.ok(w4.length <= 2 && w6.length <= 4, 'few messages');
  t.end();
});

t.test('ADD-PATH sessions get path identifiers', (t) => {
  const ctx = makeContext({ as4: true, addPath: new Set([IPV4_UNICAST, IPV6_UNICAST]) });
  const msgs = decodeAll(new UpdatePacker(ctx, 7).announce(attrs4, v4Keys(3)), ctx);
  const m = msgs[0]!;
  t.equal(m.type, 'update');
  if (m.type === 'update') t.same(m.nlri.toJSON(), v4Keys(3).map((k) => ({ prefix: formatKey(k), pathId: 7 })));
  t.end();
});

t.test('2-octet session: AS_TRANS in AS_PATH, real ASNs in AS4_PATH', (t) => {
  const ctx = makeContext({ as4: false });
  const a: PathAttributes = { ...attrs4, as4Path: attrs4.asPath };
  const m = decodeAll(new UpdatePacker(ctx).announce(a, v4Keys(1)), ctx)[0]!;
  if (m.type !== 'update') return t.fail('not an update');
  t.same(m.attributes.asPath, [{ type: 2, asns: [23456, 65001] }]);
  t.same(m.attributes.as4Path, [{ type: 2, asns: [4200000001, 65001] }]);
  t.end();
});
