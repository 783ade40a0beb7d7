/**
 * Loading: defaults, group inheritance, iBGP/eBGP defaults, value forms, relative paths, error
 * collection, and the two shipped configurations (bgpd.toml.example and the demo).
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { formatConfigError, type ConfigError } from '../../src/config/errors';
import { loadConfigFile, loadConfigText, type LoadOptions } from '../../src/config/load';
import type { DaemonConfig } from '../../src/config/types';
import { IPV4_UNICAST, IPV6_UNICAST, Origin, Role, WellKnownCommunity } from '../../src/wire/iana';
import { REPO_ROOT } from '../helpers/fixtures';

const HEAD = '[global]\nlocal-as = 65000\nrouter-id = "192.0.2.1"\n';

function load(text: string, options: LoadOptions = {}, path = '/etc/tsbgpd/bgpd.toml'): DaemonConfig {
  const r = loadConfigText(text, path, options);
  if (!r.ok) throw new Error(`unexpected errors:\n${r.errors.map(formatConfigError).join('\n')}`);
  return r.config;
}

function errorsOf(text: string, options: LoadOptions = {}): ConfigError[] {
  const r = loadConfigText(text, 'x.toml', options);
  if (r.ok) throw new Error('loaded, but errors were expected');
  return r.errors;
}

t.test('defaults', (t) => {
  const c = load(HEAD + '[[neighbor]]\naddress = "192.0.2.2"\nremote-as = 65001\n');
  t.strictSame(c.listen, [
    { host: '0.0.0.0', port: 179 },
    { host: '::', port: 179 },
  ]);
  t.strictSame(c.control, { socket: '/run/tsbgpd/tsbgpd.sock', mode: 0o660 });
  t.equal(c.metrics, undefined, 'no metrics unless configured');
  t.equal(c.holdTime, 90);
  t.equal(c.connectRetry, 120);
  t.equal(c.logLevel, 'info');
  t.equal(c.alwaysCompareMed, false);
  t.equal(c.hostname, undefined);
  t.equal(c.ebgpRequiresPolicy, true, 'RFC 8212 by default');
  t.equal(c.policy.ebgpRequiresPolicy, true);
  t.strictSame(c.policy.rules, []);
  t.equal(c.shutdownWait, 5);
  t.equal(c.drainWait, 30);
  t.strictSame(c.healthChecks, []);
  t.strictSame(c.neighbors[0], {
    address: '192.0.2.2',
    remoteAs: 65001,
    port: 179,
    passive: false,
    holdTime: 90,
    connectRetry: 120,
    families: [IPV4_UNICAST, IPV6_UNICAST],
    nextHopSelf: false,
    routeReflectorClient: false,
    strictRole: false,
    enforceFirstAs: true,
    gracefulRestart: true,
    sendMed: false,
    allowOwnAs: 0,
    announce: 'self',
    logUpdates: false,
  });
  const ibgp = load(HEAD + '[[neighbor]]\naddress = "192.0.2.3"\nremote-as = 65000\n');
  t.equal(ibgp.neighbors[0]!.announce, 'all', 'iBGP neighbours are sent every best path by default');
  t.end();
});

t.test('global port applies to bare listen addresses only', (t) => {
  const c = load(HEAD.replace('[global]\n', '[global]\nport = 1179\nlisten = ["127.0.0.1", { address = "::1", port = 2179 }]\n') + '[[neighbor]]\naddress = "192.0.2.2"\nremote-as = 65001\n');
  t.strictSame(c.listen, [
    { host: '127.0.0.1', port: 1179 },
    { host: '::1', port: 2179 },
  ]);
  t.equal(c.neighbors[0]!.port, 179, 'a neighbour is still dialled on 179');
  t.strictSame(load(HEAD.replace('[global]\n', '[global]\nlisten = []\n')).listen, [], 'listen = [] listens nowhere');
  t.end();
});

t.test('enforce-first-as defaults to true for eBGP, false for iBGP, and can be set', (t) => {
  const c = load(
    HEAD +
      '[[neighbor]]\naddress = "192.0.2.2"\nremote-as = 65001\n' +
      '[[neighbor]]\naddress = "192.0.2.3"\nremote-as = 65000\n' +
      '[[neighbor]]\naddress = "192.0.2.4"\nremote-as = 65001\nenforce-first-as = false\n' +
      '[[neighbor]]\naddress = "192.0.2.5"\nremote-as = 65000\nenforce-first-as = true\n',
  );
  t.strictSame(
    c.neighbors.map((n) => n.enforceFirstAs),
    [true, false, false, true],
  );
  t.end();
});

t.test('group inheritance', (t) => {
  const c = load(
    HEAD +
      '[[group]]\nname = "transit"\nremote-as = 64500\nmultihop = 2\nhold-time = 30\nrole = "customer"\nmax-prefix-in = { limit = 10, restart = 5 }\npassword = "group-secret"\n' +
      '[[neighbor]]\naddress = "192.0.2.2"\ngroup = "transit"\n' +
      '[[neighbor]]\naddress = "192.0.2.3"\ngroup = "transit"\nremote-as = 64501\nhold-time = 60\nmax-prefix-in = 20\npassword-file = "/keys/n3"\n' +
      '[[neighbor]]\naddress = "192.0.2.4"\nremote-as = 64502\n',
    { readFile: (p) => (p === '/keys/n3' ? 'file-secret\n' : '') },
  );
  const [a, b, plain] = c.neighbors;
  t.equal(a!.group, 'transit');
  t.equal(a!.remoteAs, 64500, 'inherited remote-as');
  t.equal(a!.multihop, 2);
  t.equal(a!.holdTime, 30);
  t.equal(a!.role, Role.CUSTOMER);
  t.strictSame(a!.maxPrefixIn, { limit: 10, restart: 5 });
  t.equal(a!.password?.reveal(), 'group-secret');
  t.equal(a!.passwordFile, undefined);

  t.equal(b!.remoteAs, 64501, 'a neighbour overrides its group');
  t.equal(b!.holdTime, 60);
  t.equal(b!.multihop, 2, 'and keeps what it does not override');
  t.strictSame(b!.maxPrefixIn, { limit: 20 }, 'a max-prefix is replaced whole, restart included');
  t.equal(b!.password?.reveal(), 'file-secret', 'a password-file replaces the group password (newline stripped)');
  t.equal(b!.passwordFile, '/keys/n3');
  t.equal(b!.password?.source, '/keys/n3');

  t.equal(plain!.group, undefined);
  t.equal(plain!.multihop, undefined, 'no group, nothing inherited');
  t.equal(plain!.holdTime, 90);
  t.end();
});

t.test('an error in a group is reported once, at the group', (t) => {
  const errors = errorsOf(HEAD + '[[group]]\nname = "g"\nmultihop = 2\nttl-security = 1\n' + '[[neighbor]]\naddress = "192.0.2.2"\nremote-as = 65001\ngroup = "g"\n' + '[[neighbor]]\naddress = "192.0.2.3"\nremote-as = 65001\ngroup = "g"\n');
  t.strictSame(errors.map(formatConfigError), ['x.toml:7:1: group[0].ttl-security: cannot be combined with multihop (set at line 6); use one or the other']);
  t.end();
});

t.test('AS numbers: asplain integers, asdot strings, not plain strings', (t) => {
  t.equal(load('[global]\nlocal-as = "1.10"\nrouter-id = "192.0.2.1"\n').localAs, 65546);
  t.equal(load('[global]\nlocal-as = 4294967295\nrouter-id = "192.0.2.1"\n').localAs, 4294967295);
  t.equal(load('[global]\nlocal-as = "0.1"\nrouter-id = "192.0.2.1"\n').localAs, 1);
  t.match(errorsOf('[global]\nlocal-as = "65000"\nrouter-id = "192.0.2.1"\n')[0]!.message, /asdot string like "1\.10"/);
  t.match(errorsOf('[global]\nlocal-as = "0.0"\nrouter-id = "192.0.2.1"\n')[0]!.message, /between 1 and 4294967295/);
  t.match(errorsOf('[global]\nlocal-as = 99999999999999999999\nrouter-id = "192.0.2.1"\n')[0]!.message, /between 1 and 4294967295/);
  t.end();
});

t.test('addresses and prefixes are kept in canonical form', (t) => {
  const c = load(HEAD + '[[neighbor]]\naddress = "2001:DB8:0:0:0:0:0:2"\nremote-as = 65001\n[[network]]\nprefix = "2001:DB8:0100::/48"\n');
  t.equal(c.neighbors[0]!.address, '2001:db8::2');
  t.strictSame(c.networks[0], { prefix: '2001:db8:100::/48', family: IPV6_UNICAST, origin: Origin.IGP, communities: [], largeCommunities: [] });
  t.end();
});

t.test('communities: numbers and well-known names', (t) => {
  const c = load(HEAD + '[[network]]\nprefix = "198.51.100.0/24"\ncommunities = ["65000:100", "NO_EXPORT", "0:0", "65535:65535"]\nlarge-communities = ["4294967295:0:1"]\n');
  t.strictSame(c.networks[0]!.communities, [65000 * 65536 + 100, WellKnownCommunity.NO_EXPORT, 0, 0xffffffff]);
  t.strictSame(c.networks[0]!.largeCommunities, [[4294967295, 0, 1]]);
  t.end();
});

t.test('prefix sets: a [[network]] naming a set announces each of its prefixes with its attributes', (t) => {
  const c = load(
    HEAD +
      '[[prefix-set]]\nname = "anycast"\nprefixes = ["198.51.100.0/24", "2001:DB8:0100::/48"]\n' +
      '[[prefix-set]]\nname = "unused"\nprefixes = []\n' +
      '[[network]]\nprefix = "192.0.2.0/24"\n' +
      '[[network]]\nset = "anycast"\norigin = "egp"\ncommunities = ["65000:7"]\nlarge-communities = ["65000:1:11"]\nmed = 5\nlocal-pref = 200\n',
  );
  t.strictSame(c.prefixSets, [
    {
      name: 'anycast',
      prefixes: [
        { prefix: '198.51.100.0/24', family: IPV4_UNICAST, length: 24, min: 24, max: 24 },
        { prefix: '2001:db8:100::/48', family: IPV6_UNICAST, length: 48, min: 48, max: 48 },
      ],
    },
    { name: 'unused', prefixes: [] },
  ]);
  t.equal(c.policy.prefixSets, c.prefixSets, 'the policy sees the same sets');
  const attrs = { origin: Origin.EGP, communities: [65000 * 65536 + 7], largeCommunities: [[65000, 1, 11]], med: 5, localPref: 200, fromSet: 'anycast' };
  t.strictSame(c.networks, [
    { prefix: '192.0.2.0/24', family: IPV4_UNICAST, origin: Origin.IGP, communities: [], largeCommunities: [] },
    { prefix: '198.51.100.0/24', family: IPV4_UNICAST, ...attrs },
    { prefix: '2001:db8:100::/48', family: IPV6_UNICAST, ...attrs },
  ]);
  t.not(c.networks[1]!.largeCommunities, c.networks[2]!.largeCommunities, 'each network has its own attribute arrays');
  t.end();
});

t.test('prefix sets: a next hop goes with a set of its own family', (t) => {
  const c = load(HEAD + '[[prefix-set]]\nname = "v6"\nprefixes = ["2001:db8:1::/48", "2001:db8:2::/48"]\n[[network]]\nset = "v6"\nnext-hop = "2001:DB8::1"\n');
  t.strictSame(
    c.networks.map((n) => [n.prefix, n.nextHop]),
    [
      ['2001:db8:1::/48', '2001:db8::1'],
      ['2001:db8:2::/48', '2001:db8::1'],
    ],
  );
  t.end();
});

t.test('prefix sets: unknown keys, and a set named before it is defined', (t) => {
  const errors = errorsOf(HEAD + '[[prefix-set]]\nname = "s"\nprefix = ["10.0.0.0/8"]\nprefixes = []\n');
  t.strictSame(errors.map(formatConfigError), ['x.toml:6:1: prefix-set[0].prefix: unknown key "prefix" (did you mean "prefixes"?)']);
  // TOML tables have no order that matters: a [[network]] may come before the set it names.
  const c = load(HEAD + '[[network]]\nset = "later"\n[[prefix-set]]\nname = "later"\nprefixes = ["10.0.0.0/8"]\n');
  t.strictSame(
    c.networks.map((n) => n.prefix),
    ['10.0.0.0/8'],
  );
  t.end();
});

t.test('relative paths are resolved against the configuration file directory', (t) => {
  const seen: string[] = [];
  const c = load(
    HEAD + '[control]\nsocket = "./run/tsbgpd.sock"\nrestricted-socket = "run/ro.sock"\n[[neighbor]]\naddress = "192.0.2.2"\nremote-as = 65001\npassword-file = "../keys/peer.key"\n',
    {
      readFile: (p) => {
        seen.push(p);
        return 'k';
      },
    },
    '/srv/tsbgpd/conf/bgpd.toml',
  );
  t.equal(c.control.socket, '/srv/tsbgpd/conf/run/tsbgpd.sock');
  t.equal(c.control.restrictedSocket, '/srv/tsbgpd/conf/run/ro.sock');
  t.equal(c.neighbors[0]!.passwordFile, '/srv/tsbgpd/keys/peer.key');
  t.strictSame(seen, ['/srv/tsbgpd/keys/peer.key'], 'the password file is read at the resolved path');
  t.equal(load(HEAD + '[control]\nsocket = "/abs/s.sock"\n').control.socket, '/abs/s.sock', 'absolute paths stay');
  t.end();
});

t.test('a relative config path resolves against the working directory first', (t) => {
  const c = load(HEAD + '[control]\nsocket = "s.sock"\n', {}, 'conf/bgpd.toml');
  t.equal(c.control.socket, join(process.cwd(), 'conf', 's.sock'));
  t.end();
});

t.test('every error is reported, in file order', (t) => {
  const errors = errorsOf('[global]\nlocal-as = 0\nrouter-id = "x"\nhold-time = 1\nbogus = 1\n[[network]]\nprefix = "10.0.0.1/8"\n');
  t.strictSame(
    errors.map((e) => [e.line, e.field]),
    [
      [2, 'global.local-as'],
      [3, 'global.router-id'],
      [4, 'global.hold-time'],
      [5, 'global.bogus'],
      [7, 'network[0].prefix'],
    ],
  );
  t.end();
});

t.test('error positions inside inline tables and arrays, and after multi-line values', (t) => {
  const text = HEAD + 'listen = [\n  "0.0.0.0",\n  { address = "::", port = 0 },\n]\n\n[[neighbor]]\naddress = "192.0.2.2"\nremote-as = 65001\ndescription = """two\nlines"""\nmax-prefix-out = { limit = 5, restart = 0 }\n';
  t.strictSame(errorsOf(text).map(formatConfigError), [
    'x.toml:6:28: global.listen[1].port: must be between 1 and 65535',
    'x.toml:14:41: neighbor[0].max-prefix-out.restart: must be between 1 and 65535',
  ]);
  t.end();
});

t.test('a TOML syntax error is one error with its position, and quotes no text', (t) => {
  const errors = errorsOf(HEAD + '[[neighbor]]\naddress = "192.0.2.2"\npassword = "hunter2-secret\nremote-as = 65001\n');
  t.equal(errors.length, 1);
  t.equal(errors[0]!.line, 6);
  t.equal(errors[0]!.field, '');
  t.notMatch(formatConfigError(errors[0]!), /hunter2/);
  t.end();
});

t.test('loadConfigFile reports an unreadable file', (t) => {
  const r = loadConfigFile('/nonexistent/tsbgpd/bgpd.toml');
  t.equal(r.ok, false);
  if (!r.ok) t.equal(formatConfigError(r.errors[0]!), '/nonexistent/tsbgpd/bgpd.toml: cannot read the configuration file: ENOENT');
  t.end();
});

t.test('loadConfigFile reads a real password file next to the config', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'peer.key'), 'from-disk\n', { mode: 0o600 });
  writeFileSync(join(dir, 'bgpd.toml'), HEAD + '[[neighbor]]\naddress = "192.0.2.2"\nremote-as = 65001\npassword-file = "peer.key"\n');
  const r = loadConfigFile(join(dir, 'bgpd.toml'));
  t.equal(r.ok, true);
  if (r.ok) t.equal(r.config.neighbors[0]!.password?.reveal(), 'from-disk');
  t.end();
});

t.test('bgpd.toml.example loads with its password file provided', (t) => {
  const asked: string[] = [];
  const r = loadConfigFile(join(REPO_ROOT, 'bgpd.toml.example'), {
    readFile: (p) => {
      asked.push(p);
      return 'cloud-md5-key\n';
    },
  });
  if (!r.ok) {
    t.fail(r.errors.map(formatConfigError).join('\n'));
    return t.end();
  }
  const c = r.config;
  t.strictSame(asked, ['/etc/tsbgpd/cloud-transit.key']);
  const cloud = c.neighbors.find((n) => n.address === '169.254.169.254')!;
  t.equal(cloud.remoteAs, 64515);
  t.equal(cloud.multihop, 2);
  t.equal(cloud.password?.reveal(), 'cloud-md5-key');
  t.ok(cloud.maxPrefixIn, 'transits have a max-prefix');
  t.ok(
    c.neighbors.some((n) => n.address.includes(':') && n.remoteAs !== c.localAs),
    'the second transit has its own IPv6 session',
  );
  t.equal(c.neighbors.filter((n) => n.remoteAs === c.localAs).length, 3, 'iBGP with the three other PoPs');
  t.strictSame(
    c.networks.map((n) => n.prefix),
    ['198.51.100.0/24', '2001:db8:100::/48'],
  );
  t.end();
});

t.test('bgpd.toml.example without its password file names the file', (t) => {
  const r = loadConfigFile(join(REPO_ROOT, 'bgpd.toml.example'), {
    readFile: () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
  });
  t.equal(r.ok, false);
  if (!r.ok) {
    t.equal(r.errors.length, 1, 'one error');
    t.match(formatConfigError(r.errors[0]!), /^.*bgpd\.toml\.example:\d+:\d+: neighbor\[0\]\.password-file: cannot read password file \/etc\/tsbgpd\/cloud-transit\.key: no such file$/);
  }
  t.end();
});

t.test('the demo configuration loads, loopback only, socket under the repo', (t) => {
  const r = loadConfigFile(join(REPO_ROOT, 'fixtures', 'demo', 'bgpd.toml'));
  if (!r.ok) {
    t.fail(r.errors.map(formatConfigError).join('\n'));
    return t.end();
  }
  const c = r.config;
  t.strictSame(c.listen, [{ host: '127.0.0.1', port: 1179 }]);
  t.equal(c.control.socket, join(REPO_ROOT, 'fixtures', 'demo', 'run', 'tsbgpd.sock'));
  t.strictSame(c.metrics, { host: '127.0.0.1', port: 9179 });
  t.equal(c.localAs, 65000);
  t.equal(c.routerId, '127.0.0.1');
  t.equal(c.neighbors.length, 1);
  t.match(c.neighbors[0], { address: '127.0.0.2', remoteAs: 65001, description: 'demo-peer', passive: true });
  t.strictSame(
    c.networks.map((n) => n.prefix),
    ['198.51.100.0/24', '2001:db8:100::/48'],
  );
  t.end();
});
