/**
 * The HoldTimer (RFC 4271 sec. 6.5) against a hand-driven peer on loopback: every KEEPALIVE or
 * UPDATE restarts it, so a peer that keeps talking stays up for many hold times, and one that falls
 * silent is dropped with Hold Timer Expired one hold time after its last message, not earlier.
 */

import t from 'tap';
import type net from 'node:net';
import { silentLogger } from '../../src/log';
import { Peer, PeerHooks } from '../../src/session/peer';
import { ErrorCode } from '../../src/wire/iana';
import { KEEPALIVE } from '../../src/wire/keepalive';
import { bigUpdate, FakeServer, fakeOpen, fakePeerConfig, waitFor } from './fake-peer';

const HOST = '127.0.0.1';
const HOLD = 3;

t.test('messages restart the HoldTimer; silence for a hold time ends the session', async (t) => {
  let lastSent = 0;
  let updates = 0;
  const timers: NodeJS.Timeout[] = [];
  const fake = await FakeServer.listen(HOST, (s: net.Socket) => {
    s.resume();
    s.write(fakeOpen({ as: 65002, bgpId: '10.0.0.2', holdTime: HOLD }));
    s.write(KEEPALIVE);
    // Talk every 700 ms for 3 hold times (UPDATEs and KEEPALIVEs in turn), then fall silent.
    let n = 0;
    const tick = setInterval(() => {
      if (s.destroyed || ++n > (3 * HOLD * 1000) / 700) return clearInterval(tick);
      s.write(n % 2 === 0 ? KEEPALIVE : bigUpdate(65002, '127.0.0.2', 10));
      if (n % 2 === 1) updates++;
      lastSent = Date.now();
    }, 700);
    timers.push(tick);
  });
  t.teardown(async () => {
    for (const x of timers) clearInterval(x);
    await fake.close();
  });
  const downs: string[] = [];
  const hooks: PeerHooks = { onEstablished() {}, onUpdate() {}, onRouteRefresh() {}, onSessionDown: (_p, reason) => void downs.push(reason) };
  const peer = new Peer(fakePeerConfig(fake.port, { remoteAddress: HOST, holdTime: HOLD }), hooks, silentLogger);
  t.teardown(() => peer.dispose());
  peer.start();
  t.ok(await waitFor(() => peer.state === 'Established', 10_000), 'Established');
  const up = Date.now();
  t.ok(await waitFor(() => peer.state !== 'Established', (5 * HOLD + 5) * 1000), 'dropped once the fake fell silent');
  const down = Date.now();
  t.ok(down - up > 2 * HOLD * 1000, `up for more than two hold times while the fake talked (${down - up} ms)`);
  const silence = down - lastSent;
  t.ok(silence >= HOLD * 1000 - 50 && silence < HOLD * 1000 + 1500, `dropped ${silence} ms after the last message (hold time ${HOLD} s)`);
  t.match(peer.lastErrorSent, { code: ErrorCode.HOLD_TIMER_EXPIRED }, 'NOTIFICATION Hold Timer Expired sent');
  t.same(downs, ['hold-timer-expired']);
  t.ok(updates >= 3 && peer.received.update >= 3, 'UPDATEs were among the messages');
});
