/**
 * Every set action, through the engine: local-pref and med (absolute, relative, clamped), origin,
 * next-hop (from: rewritten; to: recorded for nextHopAction, blackhole adding BLACKHOLE), prepends,
 * and community add / delete with wildcards for the three kinds. The input is never mutated.
 */

import t from 'tap';
import { compilePolicy, nextHopAction } from '../../src/policy/engine';
import type { PeerPolicy } from '../../src/policy/types';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { Afi, AsPathSegmentType, Origin, Safi } from '../../src/wire/iana';
import { NlriList } from '../../src/wire/nlri';
import { attrs, filters, IBGP, LOCAL_AS, policy, policyConfig, run, TRANSIT } from './helpers';

/** One allow rule with `set` for direction `dir`, evaluated for TRANSIT (eBGP). */
function withSet(set: string, dir: 'from' | 'to' = 'from'): PeerPolicy {
  return policy(filters(`action = "allow"\ndirection = "${dir}"\npeer = "any"\nset = { ${set} }`)).forPeer(dir === 'from' ? 'in' : 'out', TRANSIT);
}

function frozen(a: PathAttributes): PathAttributes {
  for (const v of Object.values(a)) if (typeof v === 'object' && v !== null) Object.freeze(v);
  return Object.freeze(a);
}

const C = (hi: number, lo: number) => hi * 65536 + lo;

t.test('local-pref: set, add, subtract, clamped; absent counts as 100', (t) => {
  t.equal(run(withSet('local-pref = 200'), '192.0.2.0/24')!.localPref, 200);
  t.equal(run(withSet('local-pref = "+10"'), '192.0.2.0/24')!.localPref, 110, 'absent: 100 + 10');
  t.equal(run(withSet('local-pref = "+10"'), '192.0.2.0/24', frozen(attrs(undefined, { localPref: 50 })))!.localPref, 60);
  t.equal(run(withSet('local-pref = "-30"'), '192.0.2.0/24', frozen(attrs(undefined, { localPref: 20 })))!.localPref, 0, 'not below 0');
  t.equal(run(withSet('local-pref = "+4294967295"'), '192.0.2.0/24', frozen(attrs(undefined, { localPref: 20 })))!.localPref, 4294967295, 'not above 2^32-1');
  t.end();
});

t.test('med: set, add, subtract; absent counts as 0', (t) => {
  t.equal(run(withSet('med = 7'), '192.0.2.0/24')!.med, 7);
  t.equal(run(withSet('med = "+5"'), '192.0.2.0/24')!.med, 5);
  t.equal(run(withSet('med = "-5"'), '192.0.2.0/24', frozen(attrs(undefined, { med: 3 })))!.med, 0);
  t.equal(run(withSet('med = "-1"'), '192.0.2.0/24', frozen(attrs(undefined, { med: 3 })))!.med, 2);
  t.end();
});

t.test('origin', (t) => {
  t.equal(run(withSet('origin = "incomplete"'), '192.0.2.0/24')!.origin, Origin.INCOMPLETE);
  t.equal(run(withSet('origin = "egp"'), '192.0.2.0/24')!.origin, Origin.EGP);
  const a = frozen(attrs());
  t.equal(run(withSet('origin = "igp"'), '192.0.2.0/24', a), a, 'already igp: the input itself');
  t.end();
});

t.test('next-hop in a from rule: rewritten in the route, per family', (t) => {
  const v4 = withSet('next-hop = "192.0.2.99"');
  const a = frozen(attrs());
  const r = run(v4, '198.18.0.0/15', a)!;
  t.equal(r.nextHop, '192.0.2.99');
  t.equal(a.nextHop, '203.0.113.1', 'input untouched');
  t.equal(nextHopAction(r), undefined, 'nothing recorded on import');
  const mp: PathAttributes = frozen({ ...attrs(), nextHop: undefined, mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', linkLocalNextHop: 'fe80::1', nlri: NlriList.empty(Afi.IPV6) } });
  const r6 = run(withSet('next-hop = "2001:DB8::99"'), '2001:db8:1::/48', mp)!;
  t.equal(r6.mpReach!.nextHop, '2001:db8::99');
  t.equal(r6.mpReach!.linkLocalNextHop, undefined, 'the link-local next hop goes with the old one');
  t.equal(mp.mpReach!.nextHop, '2001:db8::1');
  t.equal(run(v4, '2001:db8:1::/48', mp), mp, 'an IPv4 next hop leaves an IPv6 route alone');
  t.end();
});

t.test('next-hop in a to rule: recorded on the result (self, blackhole, an address)', (t) => {
  const a = frozen(attrs(undefined, { communities: [C(64496, 1)] }));
  const self = run(withSet('next-hop = "self"', 'to'), '198.51.100.0/24', a)!;
  t.not(self, a, 'an object of its own');
  t.equal(nextHopAction(self), 'self');
  t.equal(self.nextHop, a.nextHop, 'the attribute itself is left to the export rewrite');
  t.equal(nextHopAction(a), undefined, 'nothing recorded on the input');
  const addr = run(withSet('next-hop = "192.0.2.1"', 'to'), '198.51.100.0/24', a)!;
  t.equal(nextHopAction(addr), '192.0.2.1');
  const bh = run(withSet('next-hop = "blackhole"', 'to'), '198.51.100.0/24', a)!;
  t.equal(nextHopAction(bh), 'blackhole');
  t.strictSame(bh.communities, [C(64496, 1), C(65535, 666)], 'BLACKHOLE added');
  const p = compilePolicy(policyConfig(filters('action = "allow"\ndirection = "to"\nset = { next-hop = "self" }')));
  t.equal(p.nextHopAction(run(p.forPeer('out', TRANSIT), '198.51.100.0/24', a)!), 'self', 'also a method of the policy');
  t.end();
});

t.test('a recorded next hop survives later rules; a later next-hop replaces it', (t) => {
  const p = policy(
    filters(
      'action = "allow"\ndirection = "to"\nset = { next-hop = "self" }',
      'action = "match"\ndirection = "to"\nprefix = "198.51.100.0/24"\nset = { med = 5 }',
      'action = "match"\ndirection = "to"\nprefix = "203.0.113.0/24"\nset = { next-hop = "192.0.2.5" }',
    ),
  ).forPeer('out', TRANSIT);
  const a = frozen(attrs());
  const r = run(p, '198.51.100.0/24', a)!;
  t.equal(r.med, 5);
  t.equal(nextHopAction(r), 'self');
  t.equal(nextHopAction(run(p, '203.0.113.0/24', a)!), '192.0.2.5');
  t.end();
});

t.test('prepend-self and prepend-neighbor', (t) => {
  const a = frozen(attrs([64500, 64501]));
  const self = run(withSet('prepend-self = 2', 'to'), '198.51.100.0/24', a)!;
  t.strictSame(self.asPath, [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [LOCAL_AS, LOCAL_AS, 64500, 64501] }]);
  t.strictSame(a.asPath, [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [64500, 64501] }], 'input untouched');
  const nb = run(withSet('prepend-neighbor = 3'), '198.51.100.0/24', a)!;
  t.strictSame(nb.asPath![0]!.asns, [64500, 64500, 64500, 64500, 64501], "the neighbour's AS");
  const empty = run(withSet('prepend-self = 1', 'to'), '198.51.100.0/24', frozen(attrs([])))!;
  t.strictSame(empty.asPath, [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [LOCAL_AS] }], 'an empty path gets a segment');
  const setFirst: PathAttributes = frozen({ ...attrs(), asPath: [{ type: AsPathSegmentType.AS_SET, asns: [1, 2] }] });
  t.strictSame(run(withSet('prepend-self = 1', 'to'), '198.51.100.0/24', setFirst)!.asPath, [
    { type: AsPathSegmentType.AS_SEQUENCE, asns: [LOCAL_AS] },
    { type: AsPathSegmentType.AS_SET, asns: [1, 2] },
  ]);
  const both = run(withSet('prepend-self = 1, prepend-neighbor = 1'), '198.51.100.0/24', a)!;
  t.strictSame(both.asPath![0]!.asns, [64500, LOCAL_AS, 64500, 64501], 'neighbour left of self');
  t.end();
});

t.test('communities: add (once), delete with wildcards, delete before add', (t) => {
  const a = frozen(attrs(undefined, { communities: [C(65000, 1), C(65000, 2), C(64496, 9)] }));
  t.strictSame(run(withSet('community = ["64496:9", "64496:10"]'), '192.0.2.0/24', a)!.communities, [C(65000, 1), C(65000, 2), C(64496, 9), C(64496, 10)]);
  t.strictSame(run(withSet('community-delete = ["65000:*"]'), '192.0.2.0/24', a)!.communities, [C(64496, 9)]);
  t.strictSame(run(withSet('community-delete = ["*:2"]'), '192.0.2.0/24', a)!.communities, [C(65000, 1), C(64496, 9)]);
  t.strictSame(run(withSet('community-delete = ["65000:*"], community = ["65000:7"]'), '192.0.2.0/24', a)!.communities, [C(64496, 9), C(65000, 7)], 'replace');
  t.equal(run(withSet('community-delete = ["*:*"]'), '192.0.2.0/24', a)!.communities, undefined, 'all gone: no attribute');
  t.equal(run(withSet('community = ["64496:9"]'), '192.0.2.0/24', a), a, 'already there: unchanged, the input itself');
  t.equal(run(withSet('community-delete = ["1:1"]'), '192.0.2.0/24', a), a, 'nothing to delete: unchanged');
  t.strictSame(run(withSet('community = ["NO_EXPORT"]'), '192.0.2.0/24', frozen(attrs()))!.communities, [C(65535, 65281)]);
  t.end();
});

t.test('large communities: add, delete with wildcards', (t) => {
  const a = frozen(attrs(undefined, { largeCommunities: [[64496, 1, 1], [64496, 2, 1], [65000, 1, 1]] }));
  t.strictSame(run(withSet('large-community = ["64496:3:3"]'), '192.0.2.0/24', a)!.largeCommunities, [[64496, 1, 1], [64496, 2, 1], [65000, 1, 1], [64496, 3, 3]]);
  t.strictSame(run(withSet('large-community-delete = ["64496:*:*"]'), '192.0.2.0/24', a)!.largeCommunities, [[65000, 1, 1]]);
  t.strictSame(run(withSet('large-community-delete = ["*:*:1"], large-community = ["1:2:3"]'), '192.0.2.0/24', a)!.largeCommunities, [[1, 2, 3]]);
  t.equal(run(withSet('large-community = ["64496:1:1"]'), '192.0.2.0/24', a), a);
  t.end();
});

t.test('extended communities: add, delete with wildcards', (t) => {
  const rt = '0002fde800000001'; // rt 65000:1
  const soo = '0103c00002010005'; // soo 192.0.2.1:5
  const a = frozen(attrs(undefined, { extCommunities: [rt, soo] }));
  t.strictSame(run(withSet('ext-community = ["rt 64496:2"]'), '192.0.2.0/24', a)!.extCommunities, [rt, soo, '0002fbf000000002']);
  t.strictSame(run(withSet('ext-community-delete = ["rt *:*"]'), '192.0.2.0/24', a)!.extCommunities, [soo]);
  t.strictSame(run(withSet('ext-community-delete = ["soo 192.0.2.1:*"]'), '192.0.2.0/24', a)!.extCommunities, [rt]);
  t.equal(run(withSet('ext-community-delete = ["*"]'), '192.0.2.0/24', a)!.extCommunities, undefined);
  t.equal(run(withSet('ext-community = ["rt 65000:1"]'), '192.0.2.0/24', a), a);
  t.end();
});

t.test('an iBGP from rule applies its sets too; the result is memoised', (t) => {
  const p = policy(filters('action = "match"\ndirection = "from"\npeer = "ibgp"\nset = { local-pref = 90 }')).forPeer('in', IBGP);
  const a = frozen(attrs());
  const r = run(p, '10.0.0.0/8', a)!;
  t.equal(r.localPref, 90);
  t.equal(run(p, '10.1.0.0/16', a), r);
  t.end();
});
