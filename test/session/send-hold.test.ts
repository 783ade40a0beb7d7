/**
 * RFC 9687 Send Hold Timer against a hand-driven peer on loopback.
 *
 * The fake peer sends OPEN and KEEPALIVEs (so our HoldTimer never expires) but never reads: its
 * socket is paused from the start. Our Peer pushes UPDATEs whenever its queue lets it, until the
 * kernel's buffers on both ends are full and nothing drains any more. The SendHoldTimer must then
 * drop the session with NOTIFICATION code 8 (Send Hold Timer Expired), not with a Hold Timer
 * expiry. A control run with a fake that reads everything stays up past the same SendHoldTime.
 */

import t, { Test } from 'tap';
import type net from 'node:net';
import { silentLogger } from '../../src/log';
import type { State } from '../../src/session/fsm';
import { Peer, PeerConfig, PeerHooks } from '../../src/session/peer';
import { ErrorCode } from '../../src/wire/iana';
import { KEEPALIVE } from '../../src/wire/keepalive';
import { bigUpdate, FakeServer, fakeOpen, fakePeerConfig, sleep, waitFor } from './fake-peer';

const HOST = '127.0.0.1';
const LOCAL_AS = 65001;
const FAKE_AS = 65002;
const HOLD = 3;
const SEND_HOLD = 4;
/** Upper bound on what one test pushes, so a peer that somehow reads forever cannot run away. */
const MAX_PUSH_BYTES = 512 << 20;

function config(port: number, over: Partial<PeerConfig> = {}): PeerConfig {
  return fakePeerConfig(port, { remoteAddress: HOST, remoteAs: FAKE_AS, localAs: LOCAL_AS, holdTime: HOLD, sendHoldTime: SEND_HOLD, ...over });
}

interface Run {
  peer: Peer;
  states: State[];
  downs: string[];
  pushed: { bytes: number; refusals: number; drains: number };
}

/** A Peer whose route engine stand-in writes UPDATEs whenever the session lets it. */
function pushingPeer(t: Test, cfg: PeerConfig, limitBytes: number): Run {
  const update = bigUpdate(LOCAL_AS, '127.0.0.1');
  const run: Run = { peer: undefined as unknown as Peer, states: [], downs: [], pushed: { bytes: 0, refusals: 0, drains: 0 } };
  const pump = (peer: Peer): void => {
    // Bounded: at most limitBytes in all, and one queue's worth per call.
    while (run.pushed.bytes < limitBytes && peer.state === 'Established') {
      const ok = peer.sendUpdate(update);
      run.pushed.bytes += update.length;
      if (!ok) {
        run.pushed.refusals++;
        return;
      }
    }
  };
  const hooks: PeerHooks = {
    onEstablished: (p) => pump(p),
    onUpdate() {},
    onRouteRefresh() {},
    onSessionDown: (_p, reason) => void run.downs.push(reason),
    onStateChange: (_p, _from, to) => void run.states.push(to),
    onDrain: (p) => {
      run.pushed.drains++;
      pump(p);
    },
  };
  run.peer = new Peer(cfg, hooks, silentLogger);
  t.teardown(() => run.peer.dispose());
  return run;
}

/** Serve OPEN + KEEPALIVE, then a KEEPALIVE every second; `read` says whether we consume input. */
async function fakePeer(t: Test, read: boolean): Promise<FakeServer> {
  const timers: NodeJS.Timeout[] = [];
  const fake = await FakeServer.listen(HOST, (s: net.Socket) => {
    if (read) s.resume();
    else s.pause();
    s.write(fakeOpen({ as: FAKE_AS, bgpId: '10.0.0.2', holdTime: HOLD }));
    s.write(KEEPALIVE);
    timers.push(setInterval(() => !s.destroyed && s.write(KEEPALIVE), 1000));
  });
  t.teardown(async () => {
    for (const x of timers) clearInterval(x);
    await fake.close();
  });
  return fake;
}

t.test('sendHoldTime must exceed the hold time (RFC 9687 sec. 4.4)', async (t) => {
  t.throws(() => new Peer(config(179, { sendHoldTime: HOLD }), {} as PeerHooks, silentLogger), RangeError, 'equal to the hold time is refused');
  t.throws(() => new Peer(config(179, { sendHoldTime: 2 }), {} as PeerHooks, silentLogger), RangeError, 'below the hold time is refused');
  const p = new Peer(config(179, { sendHoldTime: 0 }), {} as PeerHooks, silentLogger);
  t.throws(() => p.reconfigure(config(179, { sendHoldTime: 1 })), RangeError, 'reconfigure checks it too');
  t.equal(p.config.sendHoldTime, 0, 'a refused reconfiguration changes nothing');
  p.dispose();
});

t.test('a peer that stops reading is dropped with Send Hold Timer Expired', async (t) => {
  const fake = await fakePeer(t, false);
  const run = pushingPeer(t, config(fake.port), MAX_PUSH_BYTES);
  run.peer.start();
  t.ok(await waitFor(() => run.states.includes('Established'), 10_000), 'session Established with the fake peer');
  // Kernel buffers on loopback take a few MB; once they are full nothing drains, and SendHoldTime
  // later the timer fires. The wait is bounded well above that.
  t.ok(await waitFor(() => run.peer.state !== 'Established', 30_000), 'the session left Established');
  t.match(run.peer.lastErrorSent, { code: ErrorCode.SEND_HOLD_TIMER_EXPIRED, subcode: 0, name: 'send-hold-timer-expired/unspecific' }, 'NOTIFICATION 8 recorded as sent');
  t.same(run.downs, ['send-hold-timer-expired'], 'the route engine was told why');
  t.equal(run.peer.state, 'Idle');
  t.ok(run.pushed.refusals >= 1, `sendUpdate reported backpressure (${run.pushed.refusals} times)`);
  t.ok(run.pushed.bytes < MAX_PUSH_BYTES, `stopped by the timer, not by the test's byte limit (${(run.pushed.bytes / 1e6).toFixed(1)} MB pushed)`);
  t.notOk(run.peer.lastErrorReceived, 'the fake peer sent no NOTIFICATION');
  t.ok(run.peer.received.keepalive >= 2, 'keepalives from the fake kept arriving, so the HoldTimer had no reason to fire');
});

t.test('a peer that reads keeps the session past the SendHoldTime', async (t) => {
  const fake = await fakePeer(t, true);
  // 8 MB: more than the loopback buffers hold, so the queue backs up and must drain while we watch.
  const run = pushingPeer(t, config(fake.port), 8 << 20);
  run.peer.start();
  t.ok(await waitFor(() => run.states.includes('Established'), 10_000), 'session Established with the fake peer');
  await sleep((SEND_HOLD + 2) * 1000);
  t.equal(run.peer.state, 'Established', 'still Established after more than SendHoldTime');
  t.notOk(run.peer.lastErrorSent, 'no NOTIFICATION sent');
  t.ok(run.pushed.bytes >= 8 << 20, 'everything was pushed');
  t.ok(await waitFor(() => run.peer.outQueue === 0, 10_000), 'and the reader took all of it');
});
