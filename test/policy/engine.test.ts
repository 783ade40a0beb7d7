/**
 * The filter engine's evaluation model: last match wins, quick, match rules, the RFC 8212 default,
 * peer selectors, the passAll / prefixDependent flags, and result identity (memoisation).
 */

import t from 'tap';
import { compilePolicy } from '../../src/policy/engine';
import type { PolicyConfig } from '../../src/config/types';
import { attrs, allowed, filters, IBGP, key, PEER, policy, policyConfig, run, TRANSIT, TRANSIT6 } from './helpers';
import { IPV4_UNICAST } from '../../src/wire/iana';

t.test('RFC 8212: eBGP is denied both ways without an allow rule; iBGP is allowed', (t) => {
  const p = policy('');
  for (const dir of ['in', 'out'] as const) {
    const e = p.forPeer(dir, TRANSIT);
    t.equal(e.passAll, false, `${dir}: eBGP does not pass all`);
    t.equal(run(e, '192.0.2.0/24'), null, `${dir}: eBGP denied`);
    const i = p.forPeer(dir, IBGP);
    t.equal(i.passAll, true, `${dir}: iBGP passes all`);
    const a = attrs();
    t.equal(run(i, '192.0.2.0/24', a), a, `${dir}: iBGP allowed, same object`);
  }
  t.end();
});

t.test('ebgp-requires-policy = false: eBGP allowed by default', (t) => {
  const cfg = policyConfig('');
  const p = compilePolicy({ ...cfg, ebgpRequiresPolicy: false });
  const e = p.forPeer('in', TRANSIT);
  t.equal(e.passAll, true);
  t.ok(allowed(e, '192.0.2.0/24'));
  t.end();
});

t.test('a deny rule for iBGP denies what it matches, and only that', (t) => {
  const p = policy(filters('action = "deny"\ndirection = "from"\npeer = "ibgp"\nprefix = "10.0.0.0/8 or-longer"'));
  const i = p.forPeer('in', IBGP);
  t.equal(i.passAll, false);
  t.notOk(allowed(i, '10.1.0.0/16'));
  t.ok(allowed(i, '11.0.0.0/8'), 'no rule matches: the iBGP default allows');
  t.ok(p.forPeer('out', IBGP).passAll, 'the from rule does not apply to export');
  t.end();
});

t.test('the last matching rule decides', (t) => {
  const p = policy(
    filters(
      'action = "allow"\ndirection = "from"\npeer = "ebgp"',
      'action = "deny"\ndirection = "from"\npeer = "ebgp"\nprefix = "10.0.0.0/8 or-longer"',
      'action = "allow"\ndirection = "from"\npeer = "ebgp"\nprefix = "10.1.0.0/16"',
    ),
  );
  const e = p.forPeer('in', TRANSIT);
  t.ok(allowed(e, '192.0.2.0/24'), 'only the first rule matches: allow');
  t.notOk(allowed(e, '10.2.0.0/16'), 'the deny matches last');
  t.ok(allowed(e, '10.1.0.0/16'), 'the last allow overrides the deny');
  t.end();
});

t.test('quick stops at the first matching quick rule', (t) => {
  const p = policy(
    filters(
      'action = "deny"\ndirection = "from"\nquick = true\nprefix = "10.0.0.0/8 or-longer"',
      'action = "allow"\ndirection = "from"\npeer = "ebgp"',
      'action = "allow"\ndirection = "from"\nquick = true\nprefix = "192.0.2.0/24"',
      'action = "deny"\ndirection = "from"\nprefix = "192.0.2.0/24"',
    ),
  );
  const e = p.forPeer('in', TRANSIT);
  t.notOk(allowed(e, '10.1.0.0/16'), 'quick deny wins over the later allow');
  t.ok(allowed(e, '192.0.2.0/24'), 'quick allow wins over the later deny');
  t.ok(allowed(e, '198.18.0.0/15'));
  t.end();
});

t.test('match rules set but do not decide; sets accumulate in order', (t) => {
  const p = policy(
    filters(
      'action = "match"\ndirection = "from"\nset = { local-pref = 200, community = ["64496:1"] }',
      'action = "match"\ndirection = "from"\nprefix = "10.0.0.0/8 or-longer"\nset = { local-pref = "+10", community = ["64496:2"] }',
    ),
  );
  const e = p.forPeer('in', TRANSIT);
  t.equal(run(e, '10.1.0.0/16'), null, 'match rules alone leave eBGP at the default deny');
  const i = p.forPeer('in', IBGP);
  const a = attrs();
  const r = run(i, '10.1.0.0/16', a)!;
  t.equal(r.localPref, 210, '200 then +10');
  t.strictSame(r.communities, [64496 * 65536 + 1, 64496 * 65536 + 2], 'both communities, in rule order');
  const r2 = run(i, '11.0.0.0/8', a)!;
  t.equal(r2.localPref, 200, 'only the first match rule applies');
  t.strictSame(r2.communities, [64496 * 65536 + 1]);
  t.equal(a.localPref, undefined, 'the input is not mutated');
  t.equal(a.communities, undefined);
  t.end();
});

t.test('sets of an allow rule apply; a later deny still denies; later rules see earlier sets', (t) => {
  const p = policy(
    filters(
      'action = "allow"\ndirection = "from"\npeer = "ebgp"\nset = { community = ["64496:7"] }',
      'action = "deny"\ndirection = "from"\ncommunity = "64496:7"\nprefix = "10.0.0.0/8 or-longer"',
      'action = "match"\ndirection = "from"\ncommunity = "64496:7"\nset = { med = 7 }',
    ),
  );
  const e = p.forPeer('in', TRANSIT);
  t.equal(run(e, '10.0.0.0/8'), null, 'the deny sees the community the allow set');
  const r = run(e, '192.0.2.0/24')!;
  t.strictSame(r.communities, [64496 * 65536 + 7]);
  t.equal(r.med, 7, 'the match rule sees it too');
  t.end();
});

t.test('quick on a match rule stops evaluation', (t) => {
  const p = policy(
    filters(
      'action = "allow"\ndirection = "from"\npeer = "ebgp"',
      'action = "match"\ndirection = "from"\nquick = true\nprefix = "192.0.2.0/24"\nset = { med = 1 }',
      'action = "deny"\ndirection = "from"',
    ),
  );
  const e = p.forPeer('in', TRANSIT);
  t.equal(run(e, '192.0.2.0/24')!.med, 1, 'stopped before the deny: the earlier allow stands');
  t.equal(run(e, '198.18.0.0/15'), null);
  t.end();
});

t.test('peer selectors', (t) => {
  const p = policy(
    filters(
      'action = "allow"\ndirection = "from"\nneighbor = "2001:db8:ffff::1"\nprefix = "2001:db8:1::/48"',
      'action = "allow"\ndirection = "from"\ngroup = "transit"\nprefix = "192.0.2.0/24"',
      'action = "allow"\ndirection = "from"\nremote-as = 64510\nprefix = "198.18.0.0/15"',
      'action = "allow"\ndirection = "from"\npeer = "ebgp"\nprefix = "203.0.113.0/24"',
      'action = "deny"\ndirection = "from"\npeer = "ibgp"\nprefix = "203.0.113.0/24"',
      'action = "allow"\ndirection = "from"\npeer = "any"\nprefix = "100.64.0.0/10"',
    ),
  );
  const t4 = p.forPeer('in', TRANSIT);
  const t6 = p.forPeer('in', TRANSIT6);
  const peer = p.forPeer('in', PEER);
  const ibgp = p.forPeer('in', IBGP);
  t.notOk(allowed(t4, '2001:db8:1::/48'), 'neighbor: not the other transit');
  t.ok(allowed(t6, '2001:db8:1::/48'), 'neighbor: the address matches in any spelling');
  t.ok(allowed(t4, '192.0.2.0/24') && allowed(t6, '192.0.2.0/24'), 'group: both members');
  t.notOk(allowed(peer, '192.0.2.0/24'), 'group: not a non-member');
  t.ok(allowed(peer, '198.18.0.0/15'), 'remote-as');
  t.notOk(allowed(t4, '198.18.0.0/15'), 'remote-as: not another AS');
  t.ok(allowed(peer, '203.0.113.0/24') && allowed(t4, '203.0.113.0/24'), 'ebgp');
  t.notOk(allowed(ibgp, '203.0.113.0/24'), 'ibgp');
  t.ok(allowed(ibgp, '100.64.0.0/10') && allowed(peer, '100.64.0.0/10'), 'any');
  t.end();
});

t.test('direction: from rules are import, to rules export', (t) => {
  const p = policy(filters('action = "allow"\ndirection = "to"\npeer = "ebgp"'));
  t.ok(p.forPeer('out', TRANSIT).passAll === false && allowed(p.forPeer('out', TRANSIT), '192.0.2.0/24'));
  t.notOk(allowed(p.forPeer('in', TRANSIT), '192.0.2.0/24'));
  t.end();
});

t.test('passAll and prefixDependent', (t) => {
  const p = policy(
    filters(
      'action = "allow"\ndirection = "from"\nneighbor = "203.0.113.1"\nsource-as = 64501',
      'action = "allow"\ndirection = "from"\nneighbor = "198.51.100.7"\nfamily = "ipv4-unicast"',
      'action = "deny"\ndirection = "from"\nneighbor = "2001:db8:ffff::1"\nprefix-set = "bogons"',
      'action = "deny"\ndirection = "to"\nneighbor = "203.0.113.1"\nprefix = "0.0.0.0/0 prefixlen >= 25"',
    ),
  );
  const attrOnly = p.forPeer('in', TRANSIT);
  t.equal(attrOnly.passAll, false);
  t.equal(attrOnly.prefixDependent, false, 'an AS path condition does not look at the prefix');
  t.equal(p.forPeer('in', PEER).prefixDependent, true, 'family looks at the prefix');
  t.equal(p.forPeer('in', TRANSIT6).prefixDependent, true, 'prefix-set does');
  t.equal(p.forPeer('out', TRANSIT).prefixDependent, true, 'prefix does');
  t.equal(p.forPeer('out', IBGP).passAll, true);
  t.equal(p.forPeer('out', IBGP).prefixDependent, false);
  t.equal(p.forPeer('in', PEER).passAll, false, 'a rule applies');
  t.end();
});

t.test('result identity: the same input and actions give the same object; unchanged gives the input', (t) => {
  const p = policy(
    filters(
      'action = "allow"\ndirection = "from"\npeer = "ebgp"\nset = { local-pref = 150 }',
      'action = "match"\ndirection = "from"\nprefix = "10.0.0.0/8 or-longer"\nset = { med = 5 }',
      'action = "allow"\ndirection = "to"\npeer = "ebgp"',
    ),
  );
  const e = p.forPeer('in', TRANSIT);
  const a = attrs();
  const r1 = run(e, '192.0.2.0/24', a)!;
  const r2 = run(e, '198.18.0.0/15', a)!;
  t.not(r1, a, 'changed: a new object');
  t.equal(r1, r2, 'same input, same actions: the same object');
  const r3 = run(e, '10.1.0.0/16', a)!;
  t.not(r3, r1, 'other actions: another object');
  t.equal(run(e, '10.2.0.0/16', a), r3, 'and that one is stable too');
  t.same(r3, { ...a, localPref: 150, med: 5 });
  const b = attrs();
  t.not(run(e, '192.0.2.0/24', b), r1, 'another input object: another result');
  t.equal(p.forPeer('in', TRANSIT6), p.forPeer('in', TRANSIT), 'neighbours with the same rules share a PeerPolicy');
  t.equal(run(p.forPeer('in', TRANSIT6), '192.0.2.0/24', a), r1, '...and so the same result objects');
  const out = p.forPeer('out', TRANSIT);
  t.equal(run(out, '192.0.2.0/24', a), a, 'allowed unchanged: the input itself');
  t.end();
});

t.test('a hand-made PolicyConfig compiles (no loader), with built-in sets', (t) => {
  const cfg: PolicyConfig = {
    ebgpRequiresPolicy: true,
    prefixSets: [],
    asSets: [],
    communitySets: [],
    rules: [
      { action: 'allow', direction: 'from', quick: false, peer: { kind: 'ebgp' }, set: {} },
      { action: 'deny', direction: 'from', quick: false, peer: { kind: 'any' }, prefixSet: 'bogons', set: {} },
      { action: 'deny', direction: 'from', quick: false, peer: { kind: 'any' }, anyAs: { set: 'bogon-asns' }, set: {} },
    ],
  };
  const e = compilePolicy(cfg).forPeer('in', TRANSIT);
  t.ok(allowed(e, '8.8.8.0/24', attrs([174, 15169])));
  t.notOk(allowed(e, '10.0.0.0/8', attrs([174, 15169])), 'bogon prefix');
  t.notOk(allowed(e, '8.8.8.0/24', attrs([174, 64512, 15169])), 'bogon AS in the path');
  t.notOk(allowed(e, '8.8.8.0/24', attrs([174, 23456])), 'AS_TRANS');
  t.equal(e.evaluate(IPV4_UNICAST, key('0.0.0.0/0'), attrs([174])) !== null, true, 'a default route is not a bogon');
  t.end();
});

t.test('referring to a set the config does not have throws at compile time', (t) => {
  const base: PolicyConfig = { ebgpRequiresPolicy: true, prefixSets: [], asSets: [], communitySets: [], rules: [] };
  t.throws(() => compilePolicy({ ...base, rules: [{ action: 'deny', direction: 'from', quick: false, peer: { kind: 'any' }, prefixSet: 'nope', set: {} }] }), /nope/);
  t.throws(() => compilePolicy({ ...base, rules: [{ action: 'deny', direction: 'from', quick: false, peer: { kind: 'any' }, sourceAs: { set: 'nope' }, set: {} }] }), /nope/);
  t.throws(() => compilePolicy({ ...base, rules: [{ action: 'deny', direction: 'from', quick: false, peer: { kind: 'any' }, communitySet: 'nope', set: {} }] }), /nope/);
  t.end();
});
