/**
 * tsbgpd as a Graceful Restart helper (RFC 4724 sec. 4.2) against real routers: BIRD 2, GoBGP and
 * OpenBGPD, each configured with graceful restart on, one IPv4 and one IPv6 session each.
 *
 * Once routes are exchanged the peer daemon is killed with SIGKILL, so it sends no NOTIFICATION and
 * the kernel just closes its connections. tsbgpd must then keep the peer's prefixes, marked stale,
 * while the peer is away. When the peer daemon is started again its sessions come back, and after
 * its End-of-RIB the prefixes are present and fresh (stale false).
 *
 * A freshly started peer does not preserve forwarding state (F bit clear), so RFC 4724 has tsbgpd
 * drop the stale routes as soon as the session is back and take the re-announced ones; either way
 * the end state checked here is the same.
 *
 * OpenBGPD (Debian's 8.x) is a Graceful Restart receiving speaker only: even with `announce restart
 * yes` its capability carries Restart Time 0 and no address family (see
 * fixtures/wire/captured/openbgpd-open-ipv4-session.json; BIRD shows the same from its side). RFC 4724
 * sec. 4.2 then gives tsbgpd nothing to keep, so for OpenBGPD the test checks the opposite: its routes
 * go at once when it dies, and come back fresh after its End-of-RIB.
 * Under CI (CI=true) a missing peer daemon or missing root fails these tests instead of skipping them.
 */

import t, { Test } from 'tap';
import {
  NetnsEnd,
  PeerConfig,
  PeerDaemon,
  PeerKind,
  openLab,
  requireNetns,
  requirePeer,
  sleep,
  waitFor,
  waitForEstablished,
  waitForPrefixes,
} from './harness/index';
import { RunningTsbgpd, startTsbgpd, TsbgpdLabConfig } from './tsbgpd';

t.setTimeout(300_000);

const US = { as: 4200000001, v4: '198.51.100.0/24', v6: '2001:db8:100::/48' };
const THEM = { as: 4200000002, v4: '203.0.113.0/24', v6: '2001:db8:200::/48' };
const HOLD = 9;

function peerConfig(self: NetnsEnd, other: NetnsEnd): PeerConfig {
  return {
    localAs: THEM.as,
    routerId: self.ipv4,
    holdTime: HOLD,
    gracefulRestart: true,
    neighbors: [
      { address: other.ipv4, remoteAs: US.as, localAddress: self.ipv4, families: ['ipv4'], description: 'tsbgpd v4' },
      { address: other.ipv6, remoteAs: US.as, localAddress: self.ipv6, families: ['ipv6'], description: 'tsbgpd v6' },
    ],
    routes: [{ prefix: THEM.v4 }, { prefix: THEM.v6 }],
  };
}

/** tsbgpd's own neighbours have graceful-restart on by default (bgpd.toml schema). */
function ourConfig(self: NetnsEnd, other: NetnsEnd): TsbgpdLabConfig {
  return {
    localAs: US.as,
    routerId: self.ipv4,
    listen: [self.ipv4, self.ipv6],
    holdTime: HOLD,
    neighbors: [
      { address: other.ipv4, remoteAs: THEM.as, localAddress: self.ipv4, families: ['ipv4-unicast'], description: 'peer-v4' },
      { address: other.ipv6, remoteAs: THEM.as, localAddress: self.ipv6, families: ['ipv6-unicast'], description: 'peer-v6' },
    ],
    networks: [US.v4, US.v6],
  };
}

interface RibEntry {
  prefix: string;
  stale: boolean;
  invalid: boolean;
}

async function ribIn(us: RunningTsbgpd, neighbor: string): Promise<RibEntry[]> {
  const r = (await us.request('show.rib.in', { peer: neighbor })) as { rib: RibEntry[] };
  return r.rib.map((x) => ({ prefix: x.prefix, stale: x.stale, invalid: x.invalid }));
}

async function eorReceived(us: RunningTsbgpd, neighbor: string): Promise<number> {
  const n = (await us.neighbor(neighbor)) as unknown as { stats: { update: { received: { eor: number } } } };
  return n.stats.update.received.eor;
}

async function state(us: RunningTsbgpd, neighbor: string): Promise<string> {
  return (await us.neighbor(neighbor)).state;
}

/** SIGKILL the daemon and whatever it forked (its process group, which the lab made it lead). */
async function killHard(peer: PeerDaemon): Promise<void> {
  // The whole group at once: OpenBGPD's session engine must not outlive its parent long enough to
  // send a Cease. The group id is the pid of the daemon the lab started (process.ts).
  process.kill(-peer.process.pid, 'SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    peer.process.exited,
    new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), 5000);
    }),
  ]).finally(() => clearTimeout(timer));
  if (exit === undefined) throw new Error(`${peer.kind} (pid ${peer.process.pid}) did not exit after SIGKILL`);
  if (exit.signal !== 'SIGKILL') throw new Error(`${peer.kind} ended with ${JSON.stringify(exit)}, not by SIGKILL`);
}

/** Whether the peer's Graceful Restart capability lists its families with a non-zero Restart Time. */
const ANNOUNCES_GR_FAMILIES: Readonly<Record<PeerKind, boolean>> = { bird: true, gobgp: true, openbgpd: false };

const SESSIONS = (b: NetnsEnd) => [
  { addr: b.ipv4, prefix: THEM.v4, family: 'IPv4' },
  { addr: b.ipv6, prefix: THEM.v6, family: 'IPv6' },
];

async function gracefulRestart(t: Test, kind: PeerKind): Promise<void> {
  if (!(await requireNetns(t)) || !requirePeer(t, kind)) return;
  const lab = await openLab(t, { label: `gr-${kind}` });
  const a = lab.end('a');
  const b = lab.end('b');
  const cfg = peerConfig(b, a);
  const peer = await lab.startPeer(kind, 'b', cfg);
  const us = await startTsbgpd(lab, 'a', ourConfig(a, b));

  // 1. Sessions up, routes exchanged both ways, nothing stale.
  await Promise.all([us.waitEstablished(b.ipv4, 40_000), us.waitEstablished(b.ipv6, 40_000), waitForEstablished(peer, a.ipv4, 40_000), waitForEstablished(peer, a.ipv6, 40_000)]);
  await waitForPrefixes(peer, a.ipv4, [US.v4], 15_000, 'ipv4');
  for (const s of SESSIONS(b)) {
    const rib = await waitFor(async () => ((await ribIn(us, s.addr)).some((r) => r.prefix === s.prefix) ? ribIn(us, s.addr) : undefined), {
      timeoutMs: 15_000,
      what: `${kind}'s ${s.family} prefix at tsbgpd`,
    });
    t.same(rib, [{ prefix: s.prefix, stale: false, invalid: false }], `${s.family}: ${kind}'s prefix received, not stale`);
  }
  const eorBefore = new Map<string, number>();
  for (const s of SESSIONS(b)) eorBefore.set(s.addr, await eorReceived(us, s.addr));

  // 2. The peer dies without a word.
  const keeps = ANNOUNCES_GR_FAMILIES[kind];
  const whileDown = (s: { prefix: string }) => (keeps ? [{ prefix: s.prefix, stale: true, invalid: false }] : []);
  await killHard(peer);
  t.pass(`${kind} killed with SIGKILL`);
  for (const s of SESSIONS(b)) {
    await waitFor(async () => ((await state(us, s.addr)) !== 'Established' ? true : undefined), {
      timeoutMs: 3 * HOLD * 1000,
      what: `tsbgpd notices the ${s.family} session is gone`,
    });
    const n = await us.neighbor(s.addr);
    t.notOk(n.last_error_received, `${s.family}: no NOTIFICATION came from the killed peer`);
    t.same(
      await ribIn(us, s.addr),
      whileDown(s),
      keeps
        ? `${s.family}: the prefix is kept, marked stale`
        : `${s.family}: the prefix is dropped at once (${kind}'s Graceful Restart capability lists no family)`,
    );
  }
  // A while later, with the peer still away (its restart time is far longer): unchanged.
  await sleep(3000);
  for (const s of SESSIONS(b)) {
    t.not(await state(us, s.addr), 'Established', `${s.family}: session still down`);
    t.same(await ribIn(us, s.addr), whileDown(s), `${s.family}: ${keeps ? 'still kept as stale' : 'still nothing'} while the peer is down`);
  }

  // 3. The peer comes back: after its End-of-RIB the prefixes are fresh.
  const again = await lab.startPeer(kind, 'b', cfg, { name: `${kind}-restarted` });
  await Promise.all([us.waitEstablished(b.ipv4, 40_000), us.waitEstablished(b.ipv6, 40_000)]);
  t.pass('both sessions re-established');
  for (const s of SESSIONS(b)) {
    const before = eorBefore.get(s.addr)!;
    await waitFor(async () => ((await eorReceived(us, s.addr)) > before ? true : undefined), {
      timeoutMs: 20_000,
      what: `End-of-RIB for ${s.family} from the restarted ${kind}`,
    });
    t.same(await ribIn(us, s.addr), [{ prefix: s.prefix, stale: false, invalid: false }], `${s.family}: after End-of-RIB the prefix is present and fresh`);
  }
  t.same(await waitForPrefixes(again, a.ipv4, [US.v4], 15_000, 'ipv4'), [US.v4], `the restarted ${kind} has our prefix again`);
  await us.process.stop();
}

for (const kind of ['bird', 'gobgp', 'openbgpd'] as const) {
  const what = ANNOUNCES_GR_FAMILIES[kind] ? 'keeps the routes of a peer that died, stale until its End-of-RIB' : 'drops the routes of a peer without Graceful Restart families';
  t.test(`${kind}: tsbgpd ${what}`, (t) => gracefulRestart(t, kind));
}
