/**
 * The interop harness tested on itself: BIRD 2, GoBGP and OpenBGPD brought up against each other in
 * throwaway namespaces, one IPv4 session (TCP-MD5 protected) and one IPv6 session per pair, 4-octet
 * AS numbers, each side originating an IPv4 and an IPv6 prefix. If the harness can do this, a
 * failing tsbgpd interop test points at tsbgpd, not at the harness.
 */

import t, { Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NetnsEnd,
  PeerConfig,
  PeerKind,
  PEER_KINDS,
  inCI,
  openLab,
  requireOrSkip,
  requireNetns,
  requirePeer,
  runCommand,
  splitBgpMessages,
  waitFor,
  waitForEstablished,
  waitForNotEstablished,
  waitForPrefixes,
  writeBirdConfig,
  writeGobgpConfig,
  writeOpenbgpdConfig,
} from './harness/index';
import { parseBirdProtocolState, parseBirdRoutes } from './harness/peers/bird';
import { parseGobgpNeighborState, parseGobgpRib } from './harness/peers/gobgp';
import { parseBgpctlNeighborState, parseBgpctlRib } from './harness/peers/openbgpd';

interface Speaker {
  as: number;
  v4: string;
  v6: string;
}
const SIDE_A: Speaker = { as: 4200000001, v4: '198.51.100.0/24', v6: '2001:db8:1000::/48' };
const SIDE_B: Speaker = { as: 4200000002, v4: '203.0.113.0/24', v6: '2001:db8:2000::/48' };
const MD5_PASSWORD = 'tsbgp-interop-md5';

function configFor(self: NetnsEnd, me: Speaker, other: NetnsEnd, them: Speaker): PeerConfig {
  return {
    localAs: me.as,
    routerId: self.ipv4,
    holdTime: 90,
    neighbors: [
      { address: other.ipv4, remoteAs: them.as, localAddress: self.ipv4, password: MD5_PASSWORD, description: 'ipv4 session' },
      { address: other.ipv6, remoteAs: them.as, localAddress: self.ipv6, description: 'ipv6 session' },
    ],
    routes: [
      { prefix: me.v4, communities: [`65000:${me.as % 1000}`], largeCommunities: [`${me.as}:1:1`] },
      { prefix: me.v6, largeCommunities: [`${me.as}:1:2`] },
    ],
  };
}

t.test('requireOrSkip fails under CI and skips otherwise', async (t) => {
  const calls: string[] = [];
  const fake = {
    fail: (m: string) => calls.push(`fail ${m}`),
    pass: (m: string, extra: { skip: string }) => calls.push(`${extra.skip ? 'skip' : 'pass'} ${m}`),
    comment: () => undefined,
  };
  t.equal(requireOrSkip(fake, true, 'x', { CI: 'true' }), true);
  t.equal(requireOrSkip(fake, false, 'missing', { CI: 'true' }), false);
  t.equal(requireOrSkip(fake, false, 'missing', {}), false);
  t.match(calls[0], /^fail missing/);
  t.match(calls[1], /^skip missing/);
  t.equal(inCI({ CI: 'false' }), false);
  t.equal(inCI({ CI: '1' }), true);
});

t.test('splitBgpMessages', async (t) => {
  const keepalive = Buffer.from('ffffffffffffffffffffffffffffffff001304', 'hex');
  const two = Buffer.concat([keepalive, keepalive, keepalive.subarray(0, 5)]);
  const r = splitBgpMessages(two);
  t.equal(r.messages.length, 2);
  t.equal(r.rest.length, 5);
  t.equal(r.error, undefined);
  t.match(splitBgpMessages(Buffer.alloc(19)).error, /bad marker/);
});

t.test('state and route parsers', async (t) => {
  t.equal(parseBirdProtocolState('n_1 BGP --- up 01:00 Established\n  BGP state:          Established\n'), 'Established');
  t.equal(parseBirdProtocolState('n_1       BGP        ---        down   01:58:12.000\n'), 'Down');
  t.same(parseBirdRoutes('Table master4:\n203.0.113.0/24       unicast [n_1 01:57:47] * (100)\n\tvia 192.0.2.2\n'), ['203.0.113.0/24']);
  t.equal(parseGobgpNeighborState('{"state":{"session_state":6}}'), 'Established');
  t.equal(parseGobgpNeighborState('{"state":{"session_state":1,"admin_state":1}}'), 'Down');
  t.same(parseGobgpRib('{"2001:db8:1000::/48":[]}'), ['2001:db8:1000::/48']);
  t.same(parseGobgpRib('Network not in table\n'), []);
  t.equal(parseBgpctlNeighborState('{"neighbors":[{"state":"Active"}]}'), 'Active');
  t.same(parseBgpctlRib('{"rib":[{"prefix":"203.0.113.0/24"}]}'), ['203.0.113.0/24']);
});

t.test('each daemon accepts the configuration written for it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgp-writers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = { ns: 'none', ifname: 'veth0', ipv4: '192.0.2.1', ipv4PrefixLength: 24, ipv6: '2001:db8::1', ipv6PrefixLength: 64 };
  const b = { ...a, ipv4: '192.0.2.2', ipv6: '2001:db8::2' };
  const cfg = configFor(a, SIDE_A, b, SIDE_B);
  const checks: Record<PeerKind, (cfg: PeerConfig) => Promise<unknown>> = {
    bird: async (cfg) => {
      writeFileSync(join(dir, 'bird.conf'), writeBirdConfig(cfg), { mode: 0o600 });
      return runCommand(['bird', '-p', '-c', join(dir, 'bird.conf')]);
    },
    gobgp: async (cfg) => {
      writeFileSync(join(dir, 'gobgp.toml'), writeGobgpConfig(cfg), { mode: 0o600 });
      return runCommand(['gobgpd', '--dry-run', '-t', 'toml', '-f', join(dir, 'gobgp.toml')]);
    },
    openbgpd: async (cfg) => {
      const conf = writeOpenbgpdConfig(cfg, { controlSocket: join(dir, 'bgpd.sock') });
      t.match(conf, /^fib-update no$/m, 'OpenBGPD never updates the kernel table');
      writeFileSync(join(dir, 'bgpd.conf'), conf, { mode: 0o600 });
      return runCommand(['bgpd', '-n', '-f', join(dir, 'bgpd.conf')]);
    },
  };
  for (const kind of PEER_KINDS) {
    await t.test(kind, async (t) => {
      if (!requirePeer(t, kind)) return;
      await t.resolves(checks[kind](cfg), `${kind} parses its configuration`);
      await t.resolves(checks[kind]({ ...cfg, gracefulRestart: true }), `${kind} parses it with graceful restart`);
      const ibgp = { ...cfg, neighbors: cfg.neighbors.map((n) => ({ ...n, remoteAs: cfg.localAs, passive: true, holdTime: 30 })) };
      await t.resolves(checks[kind](ibgp), `${kind} parses an iBGP, passive, per-neighbor hold time variant`);
    });
  }
  t.throws(() => writeBirdConfig({ ...cfg, localAs: 2 ** 32 }), /out of range/);
  t.throws(() => writeGobgpConfig({ ...cfg, routes: [{ prefix: '198.51.100.0/33' }] }), /bad prefix/);
});

async function runPair(t: Test, kindA: PeerKind, kindB: PeerKind): Promise<void> {
  if (!(await requireNetns(t))) return;
  if (!requirePeer(t, kindA) || !requirePeer(t, kindB)) return;

  const started = Date.now();
  const phase = (what: string): void => {
    t.comment(`${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  const lab = await openLab(t, { label: `${kindA}-${kindB}` });
  const a = lab.end('a');
  const b = lab.end('b');
  const [peerA, peerB] = await Promise.all([
    lab.startPeer(kindA, 'a', configFor(a, SIDE_A, b, SIDE_B)),
    lab.startPeer(kindB, 'b', configFor(b, SIDE_B, a, SIDE_A)),
  ]);

  await Promise.all([
    waitForEstablished(peerA, b.ipv4, 30_000),
    waitForEstablished(peerA, b.ipv6, 30_000),
    waitForEstablished(peerB, a.ipv4, 30_000),
    waitForEstablished(peerB, a.ipv6, 30_000),
  ]);
  phase('established');
  t.pass(`${kindA} and ${kindB}: IPv4 (TCP-MD5) and IPv6 sessions Established on both sides`);

  const [aGot4, aGot6, bGot4, bGot6] = await Promise.all([
    waitForPrefixes(peerA, b.ipv4, [SIDE_B.v4], 15_000, 'ipv4'),
    waitForPrefixes(peerA, b.ipv6, [SIDE_B.v6], 15_000, 'ipv6'),
    waitForPrefixes(peerB, a.ipv4, [SIDE_A.v4], 15_000, 'ipv4'),
    waitForPrefixes(peerB, a.ipv6, [SIDE_A.v6], 15_000, 'ipv6'),
  ]);
  phase('prefixes received');
  t.same(aGot4, [SIDE_B.v4], `${kindA} received ${kindB}'s IPv4 prefix over IPv4`);
  t.same(aGot6, [SIDE_B.v6], `${kindA} received ${kindB}'s IPv6 prefix over IPv6`);
  t.same(bGot4, [SIDE_A.v4], `${kindB} received ${kindA}'s IPv4 prefix over IPv4`);
  t.same(bGot6, [SIDE_A.v6], `${kindB} received ${kindA}'s IPv6 prefix over IPv6`);

  // Administrative shutdown and restart through the uniform control surface. Side B shuts down:
  // OpenBGPD (always side B here) holds a session Idle for 30 s after it *receives* a Cease, which
  // would only make the test slow; BIRD and GoBGP retry within seconds.
  await peerB.disableNeighbor(a.ipv4, 'harness test shutdown');
  await waitForNotEstablished(peerA, b.ipv4, 15_000);
  const downState = await waitFor(async () => ((await peerB.sessionState(a.ipv4)) === 'Down' ? 'Down' : undefined), {
    timeoutMs: 5000,
    what: `${kindB} to report the disabled session Down`,
  });
  t.equal(downState, 'Down', `${kindB} reports the disabled session Down`);
  phase('shut down');
  t.ok(await peerA.isEstablished(b.ipv6), 'the IPv6 session stayed up');
  await peerB.enableNeighbor(a.ipv4);
  await Promise.all([waitForEstablished(peerA, b.ipv4, 30_000), waitForEstablished(peerB, a.ipv4, 30_000)]);
  phase('re-established');
  t.pass('IPv4 session re-established after enable');

  await lab.close();
}

const PAIRS: Array<[PeerKind, PeerKind]> = [
  ['bird', 'gobgp'],
  ['bird', 'openbgpd'],
  ['gobgp', 'openbgpd'],
];
for (const [x, y] of PAIRS) {
  t.test(`${x} <-> ${y}`, { timeout: 60_000 }, (t) => runPair(t, x, y));
}
