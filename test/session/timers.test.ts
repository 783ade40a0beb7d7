/** Timer arithmetic, with worked examples from RFC 4271 sec. 4.2, 6.8, 8.1.1 and 10, RFC 6286 and RFC 9687. */

import t from 'tap';
import { BgpError } from '../../src/wire/errors';
import {
  collisionWinner,
  connectRetryDelay,
  DEFAULT_CONNECT_RETRY_TIME,
  DEFAULT_HOLD_TIME,
  DEFAULT_IDLE_HOLD_POLICY,
  DEFAULT_MAX_CONNECT_RETRY_TIME,
  holdTimeAcceptable,
  idleHoldTimeAfterSessionEnd,
  IdleHoldPolicy,
  jitter,
  keepaliveInterval,
  LARGE_HOLD_TIME,
  negotiateHoldTime,
  sendHoldTime,
} from '../../src/session/timers';

t.test('RFC 4271 sec. 10 suggested values', (t) => {
  t.equal(DEFAULT_HOLD_TIME, 90);
  t.equal(DEFAULT_CONNECT_RETRY_TIME, 120);
  t.equal(LARGE_HOLD_TIME, 4 * 60, 'the large HoldTimer value is 4 minutes');
  t.end();
});

t.test('negotiated hold time is the smaller of ours and theirs (RFC 4271 sec. 4.2)', (t) => {
  t.equal(negotiateHoldTime(90, 180), 90);
  t.equal(negotiateHoldTime(90, 30), 30);
  t.equal(negotiateHoldTime(90, 3), 3, 'three seconds is the least non-zero value');
  t.equal(negotiateHoldTime(90, 0), 0, 'the peer proposes no keepalives');
  t.equal(negotiateHoldTime(0, 90), 0, 'we propose none');
  t.equal(negotiateHoldTime(65535, 65535), 65535);
  t.end();
});

t.test('a proposed hold time of one or two seconds is rejected (RFC 4271 sec. 6.2)', (t) => {
  for (const bad of [1, 2]) {
    t.notOk(holdTimeAcceptable(bad), `${bad} is unacceptable`);
    try {
      negotiateHoldTime(90, bad);
      t.fail(`${bad} was accepted`);
    } catch (e) {
      t.ok(e instanceof BgpError, 'a BgpError, ready to become BGPOpenMsgErr');
      t.same([(e as BgpError).code, (e as BgpError).subcode], [2, 6], 'OPEN Message Error / Unacceptable Hold Time');
    }
  }
  t.ok(holdTimeAcceptable(0));
  t.ok(holdTimeAcceptable(3));
  t.notOk(holdTimeAcceptable(65536), 'not a 2-octet value');
  t.notOk(holdTimeAcceptable(2.5));
  t.throws(() => negotiateHoldTime(2, 90), RangeError, 'a configured 2 is a configuration bug, not a peer error');
  t.end();
});

t.test('keepalive interval is a third of the hold time, whole seconds (RFC 4271 sec. 10)', (t) => {
  t.equal(keepaliveInterval(90), 30);
  t.equal(keepaliveInterval(180), 60);
  t.equal(keepaliveInterval(10), 3, 'floored');
  t.equal(keepaliveInterval(3), 1);
  t.equal(keepaliveInterval(4), 1);
  t.equal(keepaliveInterval(2), 1, 'never below one second');
  t.equal(keepaliveInterval(0), 0, 'hold time 0: no periodic KEEPALIVE (RFC 4271 sec. 4.4)');
  t.end();
});

t.test('jitter multiplies by a factor uniformly in [0.75, 1.0) (RFC 4271 sec. 10)', (t) => {
  t.equal(jitter(30, 0), 22.5, 'the lowest draw gives three quarters');
  t.equal(jitter(30, 0.5), 26.25, 'the middle draw gives 0.875');
  t.ok(jitter(30, 0.999999) < 30 && jitter(30, 0.999999) > 29.99, 'the highest draw approaches the base');
  t.equal(jitter(120, 0.2), 96);
  t.equal(jitter(0, 0.3), 0);
  t.throws(() => jitter(30, 1), RangeError, 'random must be below 1');
  t.throws(() => jitter(30, -0.1), RangeError);
  t.throws(() => jitter(30, Number.NaN), RangeError);
  t.end();
});

t.test('connect-retry back-off doubles per failure up to the cap, then jitters', (t) => {
  const top = 0.999999;
  t.equal(connectRetryDelay(120, 0, 0), 90, 'first attempt: 120 s with the lowest jitter');
  t.ok(Math.abs(connectRetryDelay(120, 0, top) - 120) < 0.001);
  t.equal(connectRetryDelay(120, 1, 0), 180, '240 s after one failure');
  t.equal(connectRetryDelay(120, 2, 0), 360, '480 s after two');
  t.equal(connectRetryDelay(120, 3, 0), 450, 'capped at 600 s (the default cap)');
  t.equal(DEFAULT_MAX_CONNECT_RETRY_TIME, 600);
  t.equal(connectRetryDelay(120, 10_000, 0), 450, 'a huge failure count still gives the cap');
  t.equal(connectRetryDelay(30, 5, 0, 3600), 720, 'cap given explicitly: 30 * 32 = 960');
  t.equal(connectRetryDelay(900, 0, 0, 600), 675, 'a cap below the base does not shorten the base');
  t.ok(connectRetryDelay(120, 3, top) <= 600, 'jitter never takes the delay past the cap');
  t.throws(() => connectRetryDelay(0, 1, 0), RangeError);
  t.throws(() => connectRetryDelay(120, -1, 0), RangeError);
  t.throws(() => connectRetryDelay(120, 1.5, 0), RangeError);
  t.end();
});

t.test('IdleHoldTime damping: doubles on each flap, capped, cleared by a stable session (RFC 4271 sec. 8.1.1)', (t) => {
  const p: IdleHoldPolicy = { initial: 30, max: 240, stablePeriod: 300 };
  let hold = 0;
  const seen: number[] = [];
  for (let flap = 0; flap < 6; flap++) {
    hold = idleHoldTimeAfterSessionEnd(hold, 5, p); // up for 5 s each time: oscillating
    seen.push(hold);
  }
  t.same(seen, [30, 60, 120, 240, 240, 240]);
  t.equal(idleHoldTimeAfterSessionEnd(hold, 0, p), 240, 'never Established counts as a flap');
  t.equal(idleHoldTimeAfterSessionEnd(hold, 299, p), 240, 'just short of the stable period');
  t.equal(idleHoldTimeAfterSessionEnd(hold, 300, p), 0, 'stable for the period: restart at once');
  t.equal(idleHoldTimeAfterSessionEnd(0, 3600, p), 0);
  // The RFC's example: a peer that connects and disconnects 10 times within 5 minutes gets an
  // IdleHoldTime raised from 0 to 120 s; with the defaults the third flap reaches 120 s.
  let d = 0;
  for (let i = 0; i < 3; i++) d = idleHoldTimeAfterSessionEnd(d, 30);
  t.equal(d, 120);
  t.equal(DEFAULT_IDLE_HOLD_POLICY.initial, 30);
  t.throws(() => idleHoldTimeAfterSessionEnd(-1, 0, p), RangeError);
  t.end();
});

t.test('SendHoldTime (RFC 9687)', (t) => {
  t.equal(sendHoldTime(90), 480, 'default: 8 minutes beats 2 x 90 s');
  t.equal(sendHoldTime(240), 480, '2 x 240 s equals 8 minutes');
  t.equal(sendHoldTime(300), 600, 'default: twice a long hold time');
  t.equal(sendHoldTime(3), 480);
  t.equal(sendHoldTime(0), 0, 'sec. 4.3: no SendHoldTimer when the negotiated HoldTime is zero');
  t.equal(sendHoldTime(0, 600), 0, 'even when configured');
  t.equal(sendHoldTime(90, 0), 0, 'configured 0 disables it');
  t.equal(sendHoldTime(90, 100), 100, 'a configured value above the hold time is used');
  t.throws(() => sendHoldTime(90, 90), RangeError, 'sec. 4.4: it MUST be greater than the HoldTime');
  t.throws(() => sendHoldTime(90, 60), RangeError);
  t.end();
});

t.test('collision: keep the connection initiated by the higher BGP Identifier (RFC 4271 sec. 6.8)', (t) => {
  t.equal(collisionWinner('10.0.0.1', '10.0.0.2'), 'remote', 'lower local id: keep the remote-initiated connection');
  t.equal(collisionWinner('10.0.0.2', '10.0.0.1'), 'local');
  // Compared as unsigned 32-bit numbers: 192.0.2.1 is 0xc0000201, above 10.0.0.1, though a signed
  // reading of the same bits would be negative.
  t.equal(collisionWinner('192.0.2.1', '10.0.0.1'), 'local');
  t.equal(collisionWinner(0xc0000201, 0x0a000001), 'local');
  t.equal(collisionWinner(0xc0000201 | 0, 0x0a000001), 'local', 'a signed int32 of the same bits compares the same');
  t.equal(collisionWinner('255.255.255.255', '0.0.0.1'), 'local');
  t.equal(collisionWinner('127.255.255.255', '128.0.0.0'), 'remote', 'the sign bit boundary');
  t.end();
});

t.test('collision with equal identifiers: the larger AS keeps its connection (RFC 6286 sec. 2.3)', (t) => {
  t.equal(collisionWinner('10.0.0.1', '10.0.0.1', 64512, 64515), 'remote');
  t.equal(collisionWinner('10.0.0.1', '10.0.0.1', 4200000000, 64515), 'local', '4-octet AS numbers compare unsigned');
  t.throws(() => collisionWinner('10.0.0.1', '10.0.0.1'), RangeError, 'no AS numbers: cannot be resolved');
  t.throws(() => collisionWinner('10.0.0.1', '10.0.0.1', 65000, 65000), RangeError, 'same AS: refused at OPEN time');
  t.throws(() => collisionWinner('10.0.0.256', '10.0.0.1'), RangeError);
  t.end();
});
