/**
 * Every kind of condition a filter rule can hold, each matching and not matching, and their
 * conjunction. Rules are `deny from ebgp` after an `allow from ebgp`, so "denied" = "matched".
 */

import t from 'tap';
import type { PeerPolicy } from '../../src/policy/types';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { AsPathSegmentType, Afi, Safi } from '../../src/wire/iana';
import { NlriList } from '../../src/wire/nlri';
import { attrs, filters, IBGP, LOCAL_AS, policy, run, TRANSIT } from './helpers';

/** A policy whose from-ebgp verdict is deny exactly when `conditions` match. */
function denyWhen(conditions: string, sets = ''): PeerPolicy {
  return policy(sets + filters('action = "allow"\ndirection = "from"\npeer = "any"', `action = "deny"\ndirection = "from"\npeer = "any"\n${conditions}`)).forPeer('in', TRANSIT);
}

const matches = (p: PeerPolicy, prefix: string, a?: PathAttributes): boolean => run(p, prefix, a) === null;

t.test('prefix: exact, or-longer, prefixlen ranges, lists, both families', (t) => {
  const exact = denyWhen('prefix = "10.0.0.0/8"');
  t.ok(matches(exact, '10.0.0.0/8'));
  t.notOk(matches(exact, '10.0.0.0/9'), 'exact only');
  t.notOk(matches(exact, '11.0.0.0/8'));
  const longer = denyWhen('prefix = "10.0.0.0/8"\nor-longer = true');
  t.ok(matches(longer, '10.0.0.0/8') && matches(longer, '10.255.255.255/32'));
  t.notOk(matches(longer, '0.0.0.0/0'), 'not a shorter prefix');
  t.notOk(matches(longer, '11.0.0.0/8'));
  const ge25 = denyWhen('prefix = "0.0.0.0/0 prefixlen >= 25"');
  t.ok(matches(ge25, '192.0.2.128/25') && matches(ge25, '192.0.2.1/32'));
  t.notOk(matches(ge25, '192.0.2.0/24'));
  t.notOk(matches(ge25, '2001:db8::1/128'), 'an IPv4 prefix does not match IPv6');
  const range = denyWhen('prefix = "192.0.2.0/24"\nprefixlen = "25 - 26"');
  t.notOk(matches(range, '192.0.2.0/24'));
  t.ok(matches(range, '192.0.2.64/26') && matches(range, '192.0.2.128/25'));
  t.notOk(matches(range, '192.0.2.64/27'));
  t.notOk(matches(range, '198.51.100.0/25'), 'outside the prefix');
  const list = denyWhen('prefix = ["2001:db8:100::/48 or-longer", "198.51.100.0/24"]');
  t.ok(matches(list, '2001:db8:100:1::/64') && matches(list, '198.51.100.0/24'));
  t.notOk(matches(list, '2001:db8:101::/48'));
  t.notOk(matches(list, '2001:db8::/32'), 'shorter than the entry');
  t.end();
});

t.test('prefix-set, as defined and with or-longer / prefixlen on the rule', (t) => {
  const set = '[[prefix-set]]\nname = "s"\nprefixes = ["192.0.2.0/24", "10.0.0.0/8 prefixlen 16 - 24", "2001:db8::/32"]\n';
  const plain = denyWhen('prefix-set = "s"', set);
  t.ok(matches(plain, '192.0.2.0/24'));
  t.notOk(matches(plain, '192.0.2.0/25'));
  t.ok(matches(plain, '10.1.0.0/16') && matches(plain, '10.1.1.0/24'));
  t.notOk(matches(plain, '10.0.0.0/8'), "the entry's own range");
  t.ok(matches(plain, '2001:db8::/32'));
  const longer = denyWhen('prefix-set = "s"\nor-longer = true', set);
  t.ok(matches(longer, '192.0.2.0/25') && matches(longer, '10.1.1.1/32') && matches(longer, '2001:db8:1::/48'));
  t.notOk(matches(longer, '10.0.0.0/8'), 'or-longer keeps the entry minimum');
  const ranged = denyWhen('prefix-set = "s"\nprefixlen = ">= 25"', set);
  t.ok(matches(ranged, '192.0.2.0/25') && matches(ranged, '10.1.1.0/25'));
  t.notOk(matches(ranged, '192.0.2.0/24'), 'the rule range replaces the entry');
  t.ok(matches(ranged, '2001:db8::/64'));
  t.end();
});

t.test('built-in bogons: RFC 1918, documentation, IPv6 specials; not the default route', (t) => {
  const p = denyWhen('prefix-set = "bogons"');
  for (const b of ['10.1.2.0/24', '172.16.0.0/12', '192.168.1.0/24', '100.64.0.0/10', '127.0.0.1/32', '169.254.1.0/24', '0.0.0.0/8', '192.0.0.0/24', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4', '255.255.255.255/32', '::/8', '::1/128', '100::/64', '2001:2::/48', '2001:10::/28', '2001:db8::/32', '2001:db8:100::/48', '2002::/16', '3ffe::/16', 'fc00::/7', 'fd00::/8', 'fe80::/10', 'fec0::/10', 'ff02::/16']) {
    t.ok(matches(p, b), `${b} is a bogon`);
  }
  for (const g of ['0.0.0.0/0', '::/0', '8.8.8.0/24', '1.1.1.0/24', '172.32.0.0/11', '11.0.0.0/8', '192.0.3.0/24', '2001:db9::/32', '2a00::/12', '2001:4860::/32', '100.128.0.0/9']) {
    t.notOk(matches(p, g), `${g} is not a bogon`);
  }
  t.end();
});

t.test('family', (t) => {
  const p = denyWhen('family = "ipv6-unicast"');
  t.ok(matches(p, '2001:db8::/32'));
  t.notOk(matches(p, '192.0.2.0/24'));
  t.end();
});

t.test('AS path: source-as, transit-as, peer-as, as; numbers and sets', (t) => {
  const sets = '[[as-set]]\nname = "c"\nasns = [64501, "65000-65010"]\n';
  const path = attrs([64500, 64502, 65005, 64501]);
  const cases: [string, boolean][] = [
    ['source-as = 64501', true],
    ['source-as = 64500', false],
    ['source-as = "c"', true],
    ['peer-as = 64500', true],
    ['peer-as = 64501', false],
    ['transit-as = 65005', true],
    ['transit-as = 64500', true],
    ['transit-as = 64501', false],
    ['as = 64502', true],
    ['as = 64999', false],
    ['as = "c"', true],
    ['transit-as = "c"', true],
    ['peer-as = "c"', false],
    ['as = "0.64502"', true],
  ];
  for (const [cond, want] of cases) t.equal(matches(denyWhen(cond, sets), '192.0.2.0/24', path), want, cond);
  t.end();
});

t.test('AS path: an empty path has our AS as its source; AS_SET members count', (t) => {
  const empty = attrs([]);
  t.ok(matches(denyWhen(`source-as = ${LOCAL_AS}`), '192.0.2.0/24', empty), 'source-as of a local route is our AS');
  t.notOk(matches(denyWhen('peer-as = 64500'), '192.0.2.0/24', empty));
  t.notOk(matches(denyWhen('as = 64500'), '192.0.2.0/24', empty));
  const withSet: PathAttributes = {
    ...attrs(),
    asPath: [
      { type: AsPathSegmentType.AS_SEQUENCE, asns: [64500] },
      { type: AsPathSegmentType.AS_SET, asns: [64511, 64512] },
    ],
  };
  t.ok(matches(denyWhen('as = 64511'), '192.0.2.0/24', withSet));
  t.ok(matches(denyWhen('source-as = 64512'), '192.0.2.0/24', withSet), 'the rightmost AS as written');
  const confed: PathAttributes = {
    ...attrs(),
    asPath: [
      { type: AsPathSegmentType.AS_CONFED_SEQUENCE, asns: [65100] },
      { type: AsPathSegmentType.AS_SEQUENCE, asns: [64500] },
    ],
  };
  t.notOk(matches(denyWhen('as = 65100'), '192.0.2.0/24', confed), 'confederation segments are not the AS path');
  t.ok(matches(denyWhen('peer-as = 64500'), '192.0.2.0/24', confed));
  t.end();
});

t.test('built-in bogon-asns', (t) => {
  const p = denyWhen('as = "bogon-asns"');
  for (const asn of [0, 23456, 64496, 64511, 64512, 65534, 65535, 65536, 65551, 65552, 131071, 4200000000, 4294967294, 4294967295]) {
    t.ok(matches(p, '8.8.8.0/24', attrs([174, asn])), `${asn} is a bogon ASN`);
  }
  for (const asn of [1, 174, 23455, 23457, 64495, 131072, 4199999999]) t.notOk(matches(p, '8.8.8.0/24', attrs([174, asn])), `${asn} is not`);
  t.end();
});

t.test('max-as-len: more than N ASes (an AS_SET counts one)', (t) => {
  const p = denyWhen('max-as-len = 3');
  t.notOk(matches(p, '192.0.2.0/24', attrs([1, 2, 3])));
  t.ok(matches(p, '192.0.2.0/24', attrs([1, 2, 3, 4])));
  const withSet: PathAttributes = {
    ...attrs(),
    asPath: [
      { type: AsPathSegmentType.AS_SEQUENCE, asns: [1, 2] },
      { type: AsPathSegmentType.AS_SET, asns: [3, 4, 5] },
    ],
  };
  t.notOk(matches(p, '192.0.2.0/24', withSet), 'length 3');
  t.end();
});

t.test('community: any listed value; wildcards; well-known names', (t) => {
  const c = (...xs: [number, number][]) => attrs(undefined, { communities: xs.map(([a, b]) => a * 65536 + b) });
  const p = denyWhen('community = ["64496:1", "NO_EXPORT", "65000:*"]');
  t.ok(matches(p, '192.0.2.0/24', c([64496, 1])));
  t.ok(matches(p, '192.0.2.0/24', c([1, 1], [65535, 65281])), 'NO_EXPORT');
  t.ok(matches(p, '192.0.2.0/24', c([65000, 42])), 'wildcard');
  t.notOk(matches(p, '192.0.2.0/24', c([64496, 2], [65001, 1])));
  t.notOk(matches(p, '192.0.2.0/24', attrs()), 'no communities');
  const low = denyWhen('community = "*:666"');
  t.ok(matches(low, '192.0.2.0/24', c([65535, 666])));
  t.notOk(matches(low, '192.0.2.0/24', c([65535, 667])));
  for (const [name, v] of [
    ['BLACKHOLE', [65535, 666]],
    ['GRACEFUL_SHUTDOWN', [65535, 0]],
    ['NOPEER', [65535, 65284]],
    ['NO_ADVERTISE', [65535, 65282]],
    ['NO_EXPORT_SUBCONFED', [65535, 65283]],
    ['ACCEPT_OWN', [65535, 1]],
    ['LLGR_STALE', [65535, 6]],
    ['NO_LLGR', [65535, 7]],
  ] as [string, [number, number]][]) {
    t.ok(matches(denyWhen(`community = "${name}"`), '192.0.2.0/24', c(v)), name);
  }
  t.end();
});

t.test('large-community', (t) => {
  const a = attrs(undefined, { largeCommunities: [[64496, 1, 2]] });
  t.ok(matches(denyWhen('large-community = "64496:1:2"'), '192.0.2.0/24', a));
  t.ok(matches(denyWhen('large-community = ["1:1:1", "64496:*:2"]'), '192.0.2.0/24', a));
  t.notOk(matches(denyWhen('large-community = "64496:1:3"'), '192.0.2.0/24', a));
  t.notOk(matches(denyWhen('large-community = "*:*:*"'), '192.0.2.0/24', attrs()));
  t.end();
});

t.test('ext-community: exact values of each type, wildcards', (t) => {
  const rt2 = '0002fde800000001'; // rt 65000:1
  const soo4 = '0103c00002010005'; // soo 192.0.2.1:5
  const rt4 = '0202fa56ea000007'; // rt 4200000000:7
  const nonTransitive = '4002fde800000001';
  const a = (...hex: string[]) => attrs(undefined, { extCommunities: hex });
  t.ok(matches(denyWhen('ext-community = "rt 65000:1"'), '192.0.2.0/24', a(rt2)));
  t.notOk(matches(denyWhen('ext-community = "soo 65000:1"'), '192.0.2.0/24', a(rt2)), 'another subtype');
  t.ok(matches(denyWhen('ext-community = "soo 192.0.2.1:5"'), '192.0.2.0/24', a(soo4)));
  t.ok(matches(denyWhen('ext-community = "rt 4200000000:7"'), '192.0.2.0/24', a(rt4)));
  t.ok(matches(denyWhen('ext-community = "0x0002FDE800000001"'), '192.0.2.0/24', a(rt2)), 'hex');
  t.ok(matches(denyWhen('ext-community = "rt 65000:*"'), '192.0.2.0/24', a(nonTransitive)), 'wildcards match either transitivity');
  t.notOk(matches(denyWhen('ext-community = "rt 65001:*"'), '192.0.2.0/24', a(rt2)));
  t.ok(matches(denyWhen('ext-community = "rt *:*"'), '192.0.2.0/24', a(rt4)));
  t.notOk(matches(denyWhen('ext-community = "rt *:*"'), '192.0.2.0/24', a(soo4)));
  t.ok(matches(denyWhen('ext-community = "rt 4200000000:*"'), '192.0.2.0/24', a(rt4)));
  t.notOk(matches(denyWhen('ext-community = "rt 4200000000:*"'), '192.0.2.0/24', a(rt2)));
  t.ok(matches(denyWhen('ext-community = "*"'), '192.0.2.0/24', a(soo4)));
  t.notOk(matches(denyWhen('ext-community = "*"'), '192.0.2.0/24', attrs()));
  t.end();
});

t.test('community-set: any value of any kind', (t) => {
  const set = '[[community-set]]\nname = "tags"\ncommunities = ["64496:9"]\nlarge-communities = ["64496:9:*"]\next-communities = ["rt 64496:9"]\n';
  const p = denyWhen('community-set = "tags"', set);
  t.ok(matches(p, '192.0.2.0/24', attrs(undefined, { communities: [64496 * 65536 + 9] })));
  t.ok(matches(p, '192.0.2.0/24', attrs(undefined, { largeCommunities: [[64496, 9, 1]] })));
  t.ok(matches(p, '192.0.2.0/24', attrs(undefined, { extCommunities: ['0002fbf000000009'] })));
  t.notOk(matches(p, '192.0.2.0/24', attrs(undefined, { communities: [64496 * 65536 + 8], largeCommunities: [[64496, 8, 9]] })));
  t.end();
});

t.test('next-hop: IPv4 NEXT_HOP or the MP_REACH next hop', (t) => {
  const v4 = denyWhen('next-hop = "203.0.113.9"');
  t.ok(matches(v4, '192.0.2.0/24', attrs(undefined, { nextHop: '203.0.113.9' })));
  t.notOk(matches(v4, '192.0.2.0/24', attrs(undefined, { nextHop: '203.0.113.8' })));
  const mp6 = (nh: string): PathAttributes => ({ ...attrs(), nextHop: undefined, mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: nh, nlri: NlriList.empty(Afi.IPV6) } });
  const v6 = denyWhen('next-hop = "2001:DB8::9"');
  t.ok(matches(v6, '2001:db8:1::/48', mp6('2001:db8::9')), 'any spelling of the address');
  t.notOk(matches(v6, '2001:db8:1::/48', mp6('2001:db8::8')));
  t.notOk(matches(v4, '2001:db8:1::/48', mp6('2001:db8::9')));
  t.end();
});

t.test('all conditions must hold', (t) => {
  const p = denyWhen('prefix = "10.0.0.0/8 or-longer"\nsource-as = 64501\ncommunity = "64496:1"');
  const good = attrs([64500, 64501], { communities: [64496 * 65536 + 1] });
  t.ok(matches(p, '10.1.0.0/16', good));
  t.notOk(matches(p, '11.0.0.0/8', good), 'prefix fails');
  t.notOk(matches(p, '10.1.0.0/16', attrs([64500, 64502], { communities: [64496 * 65536 + 1] })), 'source-as fails');
  t.notOk(matches(p, '10.1.0.0/16', attrs([64500, 64501])), 'community fails');
  t.end();
});

t.test('attribute results are cached per object but never confused between objects', (t) => {
  const p = policy(filters('action = "allow"\ndirection = "from"\npeer = "ibgp"\nsource-as = 64501', 'action = "deny"\ndirection = "from"\npeer = "ibgp"\nsource-as = 64502')).forPeer('in', IBGP);
  const a = attrs([64501]);
  const b = attrs([64502]);
  for (let i = 0; i < 3; i++) {
    t.equal(run(p, `10.${i}.0.0/16`, a), a);
    t.equal(run(p, `10.${i}.0.0/16`, b), null);
  }
  t.end();
});
