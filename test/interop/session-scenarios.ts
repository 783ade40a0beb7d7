/**
 * Issue 3 proven against real routers: tsbgpd in one namespace, BIRD 2 / GoBGP / OpenBGPD in the
 * other, joined by a veth pair. For each peer:
 * - an IPv4 and an IPv6 session reach Established, with 4-octet ASNs on both sides;
 * - each side receives the other's IPv4 and IPv6 prefixes;
 * - keepalives keep the sessions up past two hold times;
 * - the peer's administrative shutdown reaches us with its Shutdown Communication, and ours reaches
 *   the peer (its log shows our text);
 * - the peer daemon restarting is survived (sessions and routes come back);
 * - with TCP-MD5 both sessions come up; with a wrong key they never do, and the kernel's TCPMD5Failure
 *   counter says why.
 * The scenarios live here; session-<peer>.test.ts runs them for one peer each.
 * Under CI (CI=true) a missing peer daemon or missing root fails these tests instead of skipping them.
 */

import type { Test } from 'tap';
import {
  PeerConfig,
  PeerKind,
  openLab,
  requireNetns,
  requirePeer,
  runInNetns,
  sleep,
  waitFor,
  waitForEstablished,
  waitForNotEstablished,
  waitForPrefixes,
  NetnsEnd,
} from './harness/index';
import { parseMd5Counters, startTsbgpd, TsbgpdLabConfig } from './tsbgpd';

const US = { as: 4200000001, v4: '198.51.100.0/24', v6: '2001:db8:100::/48' };
const THEM = { as: 4200000002, v4: '203.0.113.0/24', v6: '2001:db8:200::/48' };
const HOLD = 6;

function peerConfig(self: NetnsEnd, other: NetnsEnd, password?: string): PeerConfig {
  return {
    localAs: THEM.as,
    routerId: self.ipv4,
    holdTime: HOLD,
    neighbors: [
      { address: other.ipv4, remoteAs: US.as, localAddress: self.ipv4, families: ['ipv4'], description: 'tsbgpd v4', ...(password ? { password } : {}) },
      { address: other.ipv6, remoteAs: US.as, localAddress: self.ipv6, families: ['ipv6'], description: 'tsbgpd v6', ...(password ? { password } : {}) },
    ],
    routes: [{ prefix: THEM.v4 }, { prefix: THEM.v6 }],
  };
}

function ourConfig(self: NetnsEnd, other: NetnsEnd, password?: string): TsbgpdLabConfig {
  return {
    localAs: US.as,
    routerId: self.ipv4,
    listen: [self.ipv4, self.ipv6],
    holdTime: HOLD,
    neighbors: [
      { address: other.ipv4, remoteAs: THEM.as, localAddress: self.ipv4, families: ['ipv4-unicast'], description: 'peer-v4', ...(password ? { password } : {}) },
      { address: other.ipv6, remoteAs: THEM.as, localAddress: self.ipv6, families: ['ipv6-unicast'], description: 'peer-v6', ...(password ? { password } : {}) },
    ],
    networks: [US.v4, US.v6],
  };
}

async function sessions(t: Test, kind: PeerKind): Promise<void> {
  if (!(await requireNetns(t)) || !requirePeer(t, kind)) return;
  const lab = await openLab(t, { label: `tsbgpd-${kind}` });
  const a = lab.end('a');
  const b = lab.end('b');
  const peerCfg = peerConfig(b, a);
  let peer = await lab.startPeer(kind, 'b', peerCfg);
  const us = await startTsbgpd(lab, 'a', ourConfig(a, b));

  await Promise.all([us.waitEstablished(b.ipv4, 40_000), us.waitEstablished(b.ipv6, 40_000), waitForEstablished(peer, a.ipv4, 40_000), waitForEstablished(peer, a.ipv6, 40_000)]);
  t.pass('IPv4 and IPv6 sessions Established on both sides');
  t.equal((await us.neighbor(b.ipv4)).holdtime, HOLD, 'hold time negotiated');

  t.same(await waitForPrefixes(peer, a.ipv4, [US.v4], 15_000, 'ipv4'), [US.v4], `${kind} received our IPv4 prefix`);
  t.same(await waitForPrefixes(peer, a.ipv6, [US.v6], 15_000, 'ipv6'), [US.v6], `${kind} received our IPv6 prefix`);
  t.same(await waitFor(async () => ((await us.receivedPrefixes(b.ipv4)).includes(THEM.v4) ? us.receivedPrefixes(b.ipv4) : undefined), { timeoutMs: 15_000, what: 'IPv4 prefix at tsbgpd' }), [THEM.v4], `we received ${kind}'s IPv4 prefix`);
  t.same(await waitFor(async () => ((await us.receivedPrefixes(b.ipv6)).includes(THEM.v6) ? us.receivedPrefixes(b.ipv6) : undefined), { timeoutMs: 15_000, what: 'IPv6 prefix at tsbgpd' }), [THEM.v6], `we received ${kind}'s IPv6 prefix`);
  const rib = (await us.request('show.rib.in', { peer: b.ipv4 })) as { rib: { attributes: { asPath: { asns: number[] }[] } }[] };
  t.same(rib.rib[0]?.attributes.asPath[0]?.asns, [THEM.as], 'the 4-octet AS path arrived intact');

  const kaBefore = (await us.neighbor(b.ipv4)).stats.message.received.keepalive;
  await sleep(2 * HOLD * 1000 + 1000);
  t.equal((await us.neighbor(b.ipv4)).state, 'Established', 'still up after two hold times');
  t.ok(await peer.isEstablished(a.ipv4), `${kind} still has it Established`);
  t.ok((await us.neighbor(b.ipv4)).stats.message.received.keepalive > kaBefore, 'keepalives received meanwhile');

  // The peer shuts the IPv4 session down with a Shutdown Communication: we show its text.
  await peer.disableNeighbor(a.ipv4, 'peer maintenance');
  const got = await waitFor(async () => (await us.neighbor(b.ipv4)).last_error_received, { timeoutMs: 15_000, what: 'NOTIFICATION from the peer' });
  t.match(got, { code: 6, subcode: 2 }, 'Cease / Administrative Shutdown received');
  t.equal(got.shutdownCommunication, 'peer maintenance', 'with its Shutdown Communication');
  t.equal((await us.neighbor(b.ipv6)).state, 'Established', 'the IPv6 session stayed up');
  await peer.enableNeighbor(a.ipv4);
  await us.waitEstablished(b.ipv4, 40_000);
  t.pass('back up after the peer re-enabled it');

  // The peer daemon restarts: sessions and routes come back by themselves.
  await peer.stop();
  await waitFor(async () => ((await us.neighbor(b.ipv4)).state !== 'Established' ? true : undefined), { timeoutMs: 3 * HOLD * 1000, what: 'tsbgpd notices the peer going away' });
  peer = await lab.startPeer(kind, 'b', peerCfg, { name: `${kind}-restarted` });
  await Promise.all([us.waitEstablished(b.ipv4, 60_000), us.waitEstablished(b.ipv6, 60_000)]);
  t.same(await waitForPrefixes(peer, a.ipv4, [US.v4], 15_000, 'ipv4'), [US.v4], 'our prefix is back at the restarted peer');
  t.pass('peer restart survived');

  // Our administrative shutdown: the peer sees Cease with our text.
  await us.request('neighbor.down', { peer: b.ipv6, reason: 'tsbgpd maintenance' });
  await waitForNotEstablished(peer, a.ipv6, 15_000);
  t.match((await us.neighbor(b.ipv6)).last_error_sent, { code: 6, subcode: 2, shutdownCommunication: 'tsbgpd maintenance' }, 'we sent Cease with our text');
  await peer.process.waitForLog(/tsbgpd maintenance/, 10_000);
  t.pass(`${kind} logged our Shutdown Communication`);
  await us.process.stop();
}

async function md5(t: Test, kind: PeerKind): Promise<void> {
  if (!(await requireNetns(t)) || !requirePeer(t, kind)) return;
  await t.test('matching keys: both sessions come up', async (t) => {
    const lab = await openLab(t, { label: `md5-${kind}` });
    const a = lab.end('a');
    const b = lab.end('b');
    const peer = await lab.startPeer(kind, 'b', peerConfig(b, a, 'interop-key-1'));
    const us = await startTsbgpd(lab, 'a', ourConfig(a, b, 'interop-key-1'));
    await Promise.all([us.waitEstablished(b.ipv4, 40_000), us.waitEstablished(b.ipv6, 40_000), waitForEstablished(peer, a.ipv4, 40_000)]);
    t.pass('TCP-MD5 signed IPv4 and IPv6 sessions Established');
    t.notMatch(us.process.logTail(500), /interop-key-1/, 'the key never appears in our log');
  });
  await t.test('a wrong key never establishes, and the kernel says why', async (t) => {
    const lab = await openLab(t, { label: `md5bad-${kind}` });
    const a = lab.end('a');
    const b = lab.end('b');
    const counters = async (ns: string) => parseMd5Counters((await runInNetns(ns, ['cat', '/proc/net/netstat'])).stdout);
    const beforeA = await counters(a.ns);
    const beforeB = await counters(b.ns);
    const peer = await lab.startPeer(kind, 'b', peerConfig(b, a, 'their-key'));
    const us = await startTsbgpd(lab, 'a', ourConfig(a, b, 'our-key'));
    await sleep(8000);
    t.not((await us.neighbor(b.ipv4)).state, 'Established', 'IPv4 session not established');
    t.not((await us.neighbor(b.ipv6)).state, 'Established', 'IPv6 session not established');
    t.notOk(await peer.isEstablished(a.ipv4), `${kind} has no session either`);
    const afterA = await counters(a.ns);
    const afterB = await counters(b.ns);
    const failures = (afterA.TCPMD5Failure ?? 0) - (beforeA.TCPMD5Failure ?? 0) + (afterB.TCPMD5Failure ?? 0) - (beforeB.TCPMD5Failure ?? 0);
    t.ok(failures > 0, `TCPMD5Failure counted ${failures} segments with a wrong signature`);
  });
}

/** Register both scenarios for one peer daemon (one test file per daemon, so they run in parallel). */
export function sessionScenarios(t: Test, kind: PeerKind): void {
  t.test(`${kind}: sessions, routes, keepalives, shutdown, restart`, (t) => sessions(t, kind));
  t.test(`${kind}: TCP-MD5`, (t) => md5(t, kind));
}
