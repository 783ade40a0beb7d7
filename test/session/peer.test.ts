/**
 * Two tsbgpd peers on loopback (127.0.0.1 <-> 127.0.0.2, ephemeral ports): sessions come up (also when
 * both sides connect at once: RFC 4271 sec. 6.8 collision), keepalives hold them past two hold times,
 * a wrong AS gets OPEN Message Error / Bad Peer AS, an administrative stop carries its Shutdown
 * Communication (RFC 8203) to the other side, and a wrong TCP-MD5 key never establishes.
 */

import t, { Test } from 'tap';
import { silentLogger } from '../../src/log';
import { Listener } from '../../src/session/listener';
import { Peer, PeerConfig, PeerHooks } from '../../src/session/peer';
import type { State } from '../../src/session/fsm';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';
import { freePort, waitUntil } from '../helpers/net';

const A = '127.0.0.1';
const B = '127.0.0.2';

interface Side {
  peer: Peer;
  listener: Listener;
  port: number;
  states: State[];
  downs: string[];
}

function hooks(states: State[], downs: string[]): PeerHooks {
  return {
    onEstablished() {},
    onUpdate() {},
    onRouteRefresh() {},
    onSessionDown(_p, reason) {
      downs.push(reason);
    },
    onStateChange(_p, _from, to) {
      states.push(to);
    },
  };
}


function baseConfig(over: Partial<PeerConfig>): PeerConfig {
  return {
    name: 'x',
    remoteAddress: B,
    remotePort: 179,
    remoteAs: 4200000002,
    localAs: 4200000001,
    routerId: '10.0.0.1',
    passive: false,
    holdTime: 3,
    connectRetry: 1,
    families: [IPV4_UNICAST, IPV6_UNICAST],
    routeRefresh: true,
    enhancedRouteRefresh: true,
    extendedMessage: true,
    idleHold: { initial: 1, max: 2, stablePeriod: 60 },
    ...over,
  };
}

async function side(local: string, cfg: PeerConfig): Promise<Side> {
  const states: State[] = [];
  const downs: string[] = [];
  const peer = new Peer(cfg, hooks(states, downs), silentLogger);
  const listener = new Listener(
    (addr) => (addr === cfg.remoteAddress ? { ...(cfg.password ? { password: cfg.password } : {}), accept: (s) => peer.accept(s) } : undefined),
    silentLogger,
  );
  const port = await freePort(local);
  await listener.start([{ host: local, port }], cfg.password ? new Map([[cfg.remoteAddress, cfg.password]]) : new Map());
  return { peer, listener, port, states, downs };
}

async function pair(t: Test, a: Partial<PeerConfig>, b: Partial<PeerConfig>): Promise<[Side, Side]> {
  // Ports are chosen first so that each side's config can name the other's listener.
  const pa = await freePort(A);
  const pb = await freePort(B);
  const sa = await side(A, baseConfig({ name: 'B', localAddress: A, remoteAddress: B, remotePort: pb, ...a }));
  const sb = await side(B, baseConfig({ name: 'A', localAddress: B, remoteAddress: A, remotePort: pa, localAs: 4200000002, remoteAs: 4200000001, routerId: '10.0.0.2', ...b }));
  // Re-bind the listeners to the agreed ports.
  await sa.listener.close();
  await sb.listener.close();
  await sa.listener.start([{ host: A, port: pa }], a.password ? new Map([[B, a.password]]) : new Map());
  await sb.listener.start([{ host: B, port: pb }], b.password ? new Map([[A, b.password]]) : new Map());
  t.teardown(async () => {
    sa.peer.dispose();
    sb.peer.dispose();
    await sa.listener.close();
    await sb.listener.close();
  });
  return [sa, sb];
}


t.test('both sides active: a collision is resolved and one session comes up', async (t) => {
  const [a, b] = await pair(t, {}, {});
  a.peer.start();
  b.peer.start();
  t.ok(await waitUntil(() => a.peer.state === 'Established' && b.peer.state === 'Established', 10000), 'both Established');
  const n = a.peer.negotiated!;
  t.equal(n.peerAs, 4200000002, '4-octet peer AS negotiated');
  t.same(n.families, [IPV4_UNICAST, IPV6_UNICAST], 'both families');
  t.equal(n.holdTime, 3);
  t.ok(n.as4 && n.routeRefresh && n.extendedMessage, 'capabilities negotiated');
  // show neighbor timers: what the session armed, due within its interval.
  const timers = new Map(a.peer.runningTimers().map((x) => [x.name, (x.dueAt - Date.now()) / 1000]));
  t.ok(timers.has('HoldTimer') && timers.has('KeepaliveTimer'), `hold and keepalive timers running: ${[...timers.keys()].join(', ')}`);
  t.ok(timers.get('HoldTimer')! > 0 && timers.get('HoldTimer')! <= 3, `HoldTimer due within the hold time: ${timers.get('HoldTimer')}`);
  t.ok(timers.get('KeepaliveTimer')! > 0 && timers.get('KeepaliveTimer')! <= 1, `KeepaliveTimer within a third of it: ${timers.get('KeepaliveTimer')}`);
  t.notOk(timers.has('ConnectRetryTimer'), 'no connect retry while Established');
  // Keepalives at a third of the hold time keep it up past two hold times.
  const sentBefore = a.peer.sent.keepalive;
  await new Promise((r) => setTimeout(r, 7000));
  t.equal(a.peer.state, 'Established', 'still up after two hold times');
  t.equal(b.peer.state, 'Established');
  t.ok(a.peer.sent.keepalive - sentBefore >= 4, `keepalives went out (${a.peer.sent.keepalive - sentBefore})`);
});

t.test('administrative shutdown sends Cease with the Shutdown Communication', async (t) => {
  const [a, b] = await pair(t, {}, { passive: true });
  b.peer.start();
  a.peer.start();
  t.ok(await waitUntil(() => a.peer.state === 'Established' && b.peer.state === 'Established', 10000), 'up');
  a.peer.stop('maintenance window 42');
  t.ok(await waitUntil(() => b.peer.lastErrorReceived !== undefined, 5000), 'the other side got a NOTIFICATION');
  t.match(b.peer.lastErrorReceived, { code: 6, subcode: 2, name: 'cease/administrative-shutdown', shutdownCommunication: 'maintenance window 42' });
  t.match(a.peer.lastErrorSent, { code: 6, subcode: 2, shutdownCommunication: 'maintenance window 42' });
  t.equal(a.peer.state, 'Idle');
  t.equal(a.peer.adminDownReason, 'maintenance window 42');
  t.ok(b.downs.length >= 1, 'the receiving side released the session');
  // The stopped side stays down; the other keeps trying but is refused while we are Idle.
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(a.peer.state, 'Idle', 'stays administratively down');
});

t.test('a wrong remote AS is refused with OPEN Message Error / Bad Peer AS', async (t) => {
  const [a, b] = await pair(t, { remoteAs: 65099 }, { passive: true });
  b.peer.start();
  a.peer.start();
  t.ok(await waitUntil(() => a.peer.lastErrorSent !== undefined, 8000), 'a NOTIFICATION was sent');
  t.match(a.peer.lastErrorSent, { code: 2, subcode: 2, name: 'open-message-error/bad-peer-as' });
  t.ok(await waitUntil(() => b.peer.lastErrorReceived !== undefined, 3000));
  t.match(b.peer.lastErrorReceived, { code: 2, subcode: 2 });
  t.not(a.peer.state, 'Established');
});

t.test('TCP-MD5: matching keys establish, a wrong key never does', async (t) => {
  const [a, b] = await pair(t, { password: 'right-key' }, { password: 'right-key', passive: true });
  b.peer.start();
  a.peer.start();
  t.ok(await waitUntil(() => a.peer.state === 'Established' && b.peer.state === 'Established', 10000), 'signed session up');

  const [c, d] = await pair(t, { password: 'key-one' }, { password: 'key-two', passive: true });
  d.peer.start();
  c.peer.start();
  t.notOk(await waitUntil(() => c.peer.state === 'OpenSent' || c.peer.state === 'Established', 4000), 'never gets past TCP');
  t.not(d.peer.state, 'Established');
});
