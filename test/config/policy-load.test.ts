/**
 * Loading filter rules, sets and health checks: what each TOML form compiles to (the PolicyConfig
 * the engine takes), the new neighbour and global keys, and the shipped configurations run through
 * the engine (bgpd.toml.example protects against bogons and announces only the anycast prefixes;
 * the demo exchanges routes with its eBGP neighbour despite RFC 8212).
 */

import { join } from 'node:path';
import t from 'tap';
import { formatConfigError } from '../../src/config/errors';
import { loadConfigFile, loadConfigText } from '../../src/config/load';
import type { DaemonConfig } from '../../src/config/types';
import { compilePolicy } from '../../src/policy/engine';
import { parseKey } from '../../src/rib/prefix-key';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { AsPathSegmentType, IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';
import { REPO_ROOT } from '../helpers/fixtures';

const HEAD = '[global]\nlocal-as = 65000\nrouter-id = "192.0.2.1"\n[[group]]\nname = "g"\n[[neighbor]]\naddress = "192.0.2.2"\nremote-as = 65001\ngroup = "g"\n';

function load(text: string): DaemonConfig {
  const r = loadConfigText(text, '/etc/tsbgpd/bgpd.toml');
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

t.test('a filter rule compiles to its PolicyConfig form', (t) => {
  const c = load(
    HEAD +
      '[[as-set]]\nname = "a"\nasns = [1]\n' +
      '[[filter]]\naction = "match"\ndirection = "from"\nquick = true\ngroup = "g"\nfamily = "ipv4-unicast"\n' +
      'prefix = ["10.0.0.0/8", { prefix = "192.0.2.0/24", prefixlen = "25" }]\nor-longer = false\n' +
      'source-as = "a"\ntransit-as = "1.1"\npeer-as = 65001\nas = 7\nmax-as-len = 9\n' +
      'community = "65535:65281"\nlarge-community = ["1:2:*"]\next-community = "rt 1:1"\nnext-hop = "192.0.2.9"\n' +
      'set = { local-pref = "-5", med = 3, origin = "egp", next-hop = "2001:DB8::1", prepend-self = 1, prepend-neighbor = 2, community-delete = ["1:*"] }\n',
  );
  t.strictSame(c.policy.rules, [
    {
      action: 'match',
      direction: 'from',
      quick: true,
      peer: { kind: 'group', name: 'g' },
      family: IPV4_UNICAST,
      prefixes: [
        { prefix: '10.0.0.0/8', family: IPV4_UNICAST, length: 8, min: 8, max: 8 },
        { prefix: '192.0.2.0/24', family: IPV4_UNICAST, length: 24, min: 25, max: 25 },
      ],
      sourceAs: { set: 'a' },
      transitAs: { asn: 65537 },
      peerAs: { asn: 65001 },
      anyAs: { asn: 7 },
      maxAsLen: 9,
      communities: ['NO_EXPORT'],
      largeCommunities: ['1:2:*'],
      extCommunities: ['rt 1:1'],
      nextHop: '192.0.2.9',
      set: {
        localPref: { op: 'sub', value: 5 },
        med: { op: 'set', value: 3 },
        origin: 1,
        nextHop: '2001:db8::1',
        prependSelf: 1,
        prependNeighbor: 2,
        communityDelete: ['1:*'],
      },
    },
  ]);
  t.equal(c.policy.asSets, c.asSets, 'the same as-sets at the top and in the policy');
  t.equal(c.policy.communitySets, c.communitySets);
  t.end();
});

t.test('selectors and their defaults', (t) => {
  const rule = (sel: string) => load(HEAD + `[[filter]]\naction = "allow"\ndirection = "to"\n${sel}\n`).policy.rules[0]!.peer;
  t.strictSame(rule(''), { kind: 'any' }, 'no selector: any');
  t.strictSame(rule('peer = "ibgp"'), { kind: 'ibgp' });
  t.strictSame(rule('neighbor = "192.0.2.2"'), { kind: 'neighbor', address: '192.0.2.2' });
  t.strictSame(rule('remote-as = "1.10"'), { kind: 'remote-as', asn: 65546 });
  const r = load(HEAD + '[[filter]]\naction = "allow"\ndirection = "to"\n').policy.rules[0]!;
  t.equal(r.quick, false, 'quick defaults to false');
  t.strictSame(r.set, {}, 'no set table: nothing to set');
  t.end();
});

t.test('prefix-set qualifiers on a rule', (t) => {
  const q = (extra: string) => load(HEAD + `[[prefix-set]]\nname = "s"\nprefixes = ["10.0.0.0/8"]\n[[filter]]\naction = "deny"\ndirection = "from"\nprefix-set = "s"\n${extra}`).policy.rules[0]!;
  t.strictSame(q('or-longer = true\n').prefixSetLength, { orLonger: true });
  t.equal(q('or-longer = false\n').prefixSetLength, undefined);
  t.strictSame(q('prefixlen = "<= 24"\n').prefixSetLength, { min: 0, max: 24 });
  t.strictSame(q('prefixlen = ">= 25"\n').prefixSetLength, { min: 25, max: 128 });
  t.strictSame(q('prefixlen = 24\n').prefixSetLength, { min: 24, max: 24 });
  t.strictSame(load(HEAD + '[[filter]]\naction = "deny"\ndirection = "from"\nprefix-set = "bogons"\n').policy.rules[0]!.prefixSet, 'bogons', 'the built-in set');
  t.end();
});

t.test('as-set entries: numbers, asdot, ranges; 0 and AS_TRANS are fine in a set', (t) => {
  const c = load(HEAD + '[[as-set]]\nname = "x"\nasns = [0, 23456, "1.0", "64512 - 65534", "65535"]\n');
  t.strictSame(c.asSets, [
    {
      name: 'x',
      asns: [
        [0, 0],
        [23456, 23456],
        [65536, 65536],
        [64512, 65534],
        [65535, 65535],
      ],
    },
  ]);
  t.end();
});

t.test('community-set values are kept in canonical text', (t) => {
  const c = load(HEAD + '[[community-set]]\nname = "c"\ncommunities = ["65535:0", "NOPEER"]\next-communities = ["SOO 192.0.2.1:1"]\n');
  t.strictSame(c.communitySets, [{ name: 'c', communities: ['GRACEFUL_SHUTDOWN', 'NO_PEER'], largeCommunities: [], extCommunities: ['soo 192.0.2.1:1'] }]);
  t.end();
});

t.test('health checks: defaults, per type, and a network bound to one', (t) => {
  const c = load(
    HEAD +
      '[[health-check]]\nname = "e"\ntype = "exec"\ncommand = "true"\ndisable-file = "off"\n' +
      '[[health-check]]\nname = "h"\ntype = "http"\nurl = "https://[::1]:8443/x"\nexpect-status = 204\non-failure = "degrade"\ndegrade-large-communities = ["65000:9:9"]\n' +
      '[[prefix-set]]\nname = "s"\nprefixes = ["198.51.100.0/24", "203.0.113.0/24"]\n[[network]]\nset = "s"\nhealth-check = "e"\n[[network]]\nprefix = "192.0.2.0/24"\n',
  );
  t.strictSame(c.healthChecks, [
    { name: 'e', type: 'exec', command: 'true', disableFile: '/etc/tsbgpd/off', expectStatus: 200, interval: 5, fastInterval: 1, timeout: 2, rise: 3, fall: 3, onFailure: 'withdraw', degradePrepend: 0, degradeCommunities: [], degradeLargeCommunities: [] },
    {
      name: 'h',
      type: 'http',
      url: 'https://[::1]:8443/x',
      expectStatus: 204,
      interval: 5,
      fastInterval: 1,
      timeout: 2,
      rise: 3,
      fall: 3,
      onFailure: 'degrade',
      degradePrepend: 0,
      degradeCommunities: [],
      degradeLargeCommunities: [[65000, 9, 9]],
    },
  ]);
  t.strictSame(
    c.networks.map((n) => [n.prefix, n.healthCheck]),
    [
      ['198.51.100.0/24', 'e'],
      ['203.0.113.0/24', 'e'],
      ['192.0.2.0/24', undefined],
    ],
    'every network of the set carries the check',
  );
  t.end();
});

t.test('log-updates from a group or the neighbour; shutdown-wait, drain-wait, ebgp-requires-policy', (t) => {
  const c = load(
    HEAD.replace('[global]\n', '[global]\nshutdown-wait = 0\ndrain-wait = 3600\nebgp-requires-policy = false\n').replace('name = "g"\n', 'name = "g"\nlog-updates = true\n') +
      '[[neighbor]]\naddress = "192.0.2.3"\nremote-as = 65001\ngroup = "g"\nlog-updates = false\n',
  );
  t.strictSame(
    c.neighbors.map((n) => n.logUpdates),
    [true, false],
  );
  t.equal(c.shutdownWait, 0);
  t.equal(c.drainWait, 3600);
  t.equal(c.ebgpRequiresPolicy, false);
  t.equal(c.policy.ebgpRequiresPolicy, false);
  const bad = loadConfigText(HEAD.replace('[global]\n', '[global]\nshutdown-wait = 3601\ndrain-wait = -1\nebgp-requires-policy = "no"\n'), 'x.toml');
  t.strictSame(bad.ok ? [] : bad.errors.map((e) => `${e.field}: ${e.message}`), [
    'global.shutdown-wait: must be between 0 and 3600',
    'global.drain-wait: must be between 0 and 3600',
    'global.ebgp-requires-policy: expected a boolean (true or false), got a string',
  ]);
  t.end();
});

const path = (...asns: number[]): PathAttributes => ({ origin: 0, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns }], nextHop: '203.0.113.1' });

t.test('bgpd.toml.example: bogons out, the rest of transit in, only the anycast prefixes out', (t) => {
  const r = loadConfigFile(join(REPO_ROOT, 'bgpd.toml.example'), { readFile: () => 'key\n' });
  if (!r.ok) {
    t.fail(r.errors.map(formatConfigError).join('\n'));
    return t.end();
  }
  const c = r.config;
  const p = compilePolicy(c.policy);
  const transit = c.neighbors.find((n) => n.address === '203.0.113.1')!;
  const peer = { address: transit.address, remoteAs: transit.remoteAs, group: transit.group!, ebgp: true, localAs: c.localAs };
  const ibgpN = c.neighbors.find((n) => n.remoteAs === c.localAs)!;
  const ibgp = { address: ibgpN.address, remoteAs: c.localAs, group: ibgpN.group!, ebgp: false, localAs: c.localAs };
  const inT = p.forPeer('in', peer);
  const outT = p.forPeer('out', peer);
  const v4 = (s: string) => parseKey(s)!;
  t.not(inT.evaluate(IPV4_UNICAST, v4('8.8.8.0/24'), path(64500, 174, 15169)), null, 'a real route from transit is taken');
  t.not(inT.evaluate(IPV4_UNICAST, v4('0.0.0.0/0'), path(64500, 3356)), null, 'a default route is taken');
  t.equal(inT.evaluate(IPV4_UNICAST, v4('8.8.8.0/24'), path(64500)), null, 'one the (documentation-AS) transit originates itself is not: see the comment in the example');
  t.equal(inT.evaluate(IPV4_UNICAST, v4('10.0.0.0/8'), path(64500, 174)), null, 'RFC 1918 is not');
  t.equal(inT.evaluate(IPV4_UNICAST, v4('198.51.100.0/24'), path(64500, 174)), null, 'nor a documentation prefix (our own, echoed back)');
  t.equal(inT.evaluate(IPV4_UNICAST, v4('8.8.8.0/24'), path(64500, 174, 64512)), null, 'nor a private-AS origin');
  t.equal(inT.evaluate(IPV4_UNICAST, v4('8.8.8.0/24'), path(...Array.from({ length: 101 }, () => 174))), null, 'nor a path of 101 ASes');
  const ours = { origin: 0, asPath: [], nextHop: '192.0.2.11' };
  t.not(outT.evaluate(IPV4_UNICAST, v4('198.51.100.0/24'), ours), null, 'our anycast prefix goes to transit');
  t.not(outT.evaluate(IPV6_UNICAST, parseKey('2001:db8:100::/48')!, ours), null, 'the IPv6 one too');
  t.equal(outT.evaluate(IPV4_UNICAST, v4('8.8.8.0/24'), path(174, 15169)), null, 'nothing else');
  t.ok(p.forPeer('in', ibgp).passAll && p.forPeer('out', ibgp).passAll, 'the iBGP mesh is not filtered');
  t.strictSame(
    c.networks.map((n) => n.healthCheck),
    ['dns', 'dns'],
    'the anycast networks are bound to the health check',
  );
  t.equal(c.healthChecks[0]!.type, 'exec');
  t.ok(transit.maxPrefixIn !== undefined, 'max-prefix stays');
  t.end();
});

t.test('the demo exchanges routes with its eBGP neighbour', (t) => {
  const r = loadConfigFile(join(REPO_ROOT, 'fixtures', 'demo', 'bgpd.toml'));
  if (!r.ok) {
    t.fail(r.errors.map(formatConfigError).join('\n'));
    return t.end();
  }
  const c = r.config;
  t.equal(c.ebgpRequiresPolicy, true);
  const p = compilePolicy(c.policy);
  const n = c.neighbors[0]!;
  const peer = { address: n.address, remoteAs: n.remoteAs, ebgp: true, localAs: c.localAs };
  const a = path(65001);
  t.equal(p.forPeer('in', peer).evaluate(IPV4_UNICAST, parseKey('192.0.2.0/24')!, a), a, 'import allowed');
  t.equal(p.forPeer('out', peer).evaluate(IPV4_UNICAST, parseKey('198.51.100.0/24')!, a), a, 'export allowed');
  t.end();
});
