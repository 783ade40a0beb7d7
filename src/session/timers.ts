/**
 * Timer arithmetic for a BGP session: pure functions, no clocks and no randomness of their own
 * (a caller that wants jitter passes a number drawn from [0, 1)). All durations are in seconds;
 * jittered ones are fractional, and the peer layer turns them into milliseconds.
 *
 * Implements:
 * - RFC 4271 sec. 4.2 and 6.2: the negotiated Hold Time is the smaller of ours and the peer's; a
 *   proposal of 1 or 2 seconds MUST be rejected (Unacceptable Hold Time).
 * - RFC 4271 sec. 10: KeepaliveTime is a third of the Hold Time; jitter multiplies a timer by a
 *   factor drawn uniformly from [0.75, 1.0]; the default ConnectRetryTime is 120 s and the "large
 *   value" for the HoldTimer before an OPEN has arrived is 4 minutes.
 * - RFC 4271 sec. 6.8 with RFC 6286 sec. 2.3: which of two colliding connections is kept.
 * - RFC 4271 sec. 8.1.1 (DampPeerOscillations, IdleHoldTime): the RFC leaves the method to the
 *   implementation; ours doubles IdleHoldTime on each flap, capped, and clears it once a session
 *   has stayed Established for a stable period.
 * - RFC 9687 sec. 4.3, 4.4 and 6: the SendHoldTime, by default the greater of 8 minutes and twice
 *   the negotiated Hold Time, and no SendHoldTimer at all when the negotiated Hold Time is zero.
 *
 * Departures: the connect-retry back-off (doubling ConnectRetryTime for a peer that keeps failing)
 * is not in RFC 4271, which only asks for jitter; it follows the spirit of RFC 1771's exponential
 * restart delay. Jitter is applied after the cap, so a backed-off delay never exceeds the cap.
 */

import { BgpError } from '../wire/errors';
import { ErrorCode, OpenSubcode } from '../wire/iana';
import { ipv4FromString } from '../wire/addr';

/** RFC 4271 sec. 10: suggested HoldTime. */
export const DEFAULT_HOLD_TIME = 90;
/** RFC 4271 sec. 8.2.2 and 10: the HoldTimer's "large value" while waiting for the peer's OPEN. */
export const LARGE_HOLD_TIME = 240;
/** RFC 4271 sec. 10: suggested ConnectRetryTime. */
export const DEFAULT_CONNECT_RETRY_TIME = 120;
/** Local choice: a transit that was down for an hour is retried within ten minutes of its return. */
export const DEFAULT_MAX_CONNECT_RETRY_TIME = 600;
/** RFC 9687 sec. 6: the floor of the default SendHoldTime (8 minutes). */
export const MIN_DEFAULT_SEND_HOLD_TIME = 480;
/** RFC 4271 sec. 10: the lower end of the jitter factor. */
export const JITTER_LOW = 0.75;
/** The Hold Time field is a 2-octet unsigned integer (RFC 4271 sec. 4.2). */
export const MAX_HOLD_TIME = 65535;

/**
 * DampPeerOscillations policy (RFC 4271 sec. 8.1.1): how long a flapping peer is held in Idle.
 * `initial` is the IdleHoldTime after the first flap, doubled on each further one up to `max`;
 * a session that stays Established for `stablePeriod` seconds clears it back to zero.
 */
export interface IdleHoldPolicy {
  readonly initial: number;
  readonly max: number;
  readonly stablePeriod: number;
}

/** Local choice; the RFC's example damps a peer that flapped 10 times in 5 minutes with 120 s. */
export const DEFAULT_IDLE_HOLD_POLICY: IdleHoldPolicy = Object.freeze({ initial: 30, max: 960, stablePeriod: 300 });

function assertSeconds(what: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${what} must be a finite number of seconds >= 0, got ${v}`);
}

/**
 * Whether a Hold Time proposed in a received OPEN may be used (RFC 4271 sec. 4.2, 6.2): zero
 * (no keepalives) or at least three seconds. One and two MUST be rejected.
 */
export function holdTimeAcceptable(received: number): boolean {
  return Number.isInteger(received) && (received === 0 || (received >= 3 && received <= MAX_HOLD_TIME));
}

/**
 * The Hold Time a session runs with: the smaller of the configured one and the one received
 * (RFC 4271 sec. 4.2). Zero on either side means no HoldTimer and no keepalives.
 *
 * Throws BgpError(OPEN Message Error, Unacceptable Hold Time) for a received 1 or 2, so that OPEN
 * validation can turn it straight into BGPOpenMsgErr; a bad configured value is a RangeError (the
 * configuration loader should have refused it).
 */
export function negotiateHoldTime(configured: number, received: number): number {
  if (!holdTimeAcceptable(configured)) {
    throw new RangeError(`configured hold time must be 0 or 3..${MAX_HOLD_TIME}, got ${configured}`);
  }
  if (!holdTimeAcceptable(received)) {
    throw new BgpError(
      ErrorCode.OPEN_MESSAGE,
      OpenSubcode.UNACCEPTABLE_HOLD_TIME,
      undefined,
      `peer proposed an unacceptable hold time of ${received} s`,
    );
  }
  return Math.min(configured, received);
}

/**
 * KeepaliveTime for a negotiated Hold Time (RFC 4271 sec. 10: one third of it): whole seconds,
 * at least one, and zero when the Hold Time is zero (RFC 4271 sec. 4.4: then KEEPALIVEs MUST NOT
 * be sent periodically).
 */
export function keepaliveInterval(holdTime: number): number {
  assertSeconds('hold time', holdTime);
  if (holdTime === 0) return 0;
  return Math.max(1, Math.floor(holdTime / 3));
}

/**
 * A timer value with RFC 4271 sec. 10 jitter: `seconds` times a factor uniformly distributed over
 * [0.75, 1.0), given `random` uniformly drawn from [0, 1) (e.g. Math.random() at the call site).
 * A new random value should be drawn each time a timer is set.
 */
export function jitter(seconds: number, random: number): number {
  assertSeconds('timer', seconds);
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  return seconds * (JITTER_LOW + (1 - JITTER_LOW) * random);
}

/**
 * The ConnectRetryTimer value for a peer after `failures` consecutive failed attempts (zero for
 * the first attempt): connectRetryTime doubled per failure, capped at maxConnectRetryTime, then
 * jittered. The caller counts the failures and clears the count when the session reaches
 * Established; RFC 4271's ConnectRetryCounter cannot serve, because every start event from Idle
 * sets it back to zero.
 */
export function connectRetryDelay(
  connectRetryTime: number,
  failures: number,
  random: number,
  maxConnectRetryTime: number = DEFAULT_MAX_CONNECT_RETRY_TIME,
): number {
  if (!(connectRetryTime > 0) || !Number.isFinite(connectRetryTime)) {
    throw new RangeError(`connect retry time must be > 0 s, got ${connectRetryTime}`);
  }
  assertSeconds('maximum connect retry time', maxConnectRetryTime);
  if (!Number.isInteger(failures) || failures < 0) throw new RangeError(`failures must be an integer >= 0, got ${failures}`);
  const cap = Math.max(connectRetryTime, maxConnectRetryTime);
  // 2 ** failures reaches Infinity for large counts; min() then yields the cap, which is what we want.
  const backedOff = Math.min(cap, connectRetryTime * 2 ** failures);
  return jitter(backedOff, random);
}

/**
 * IdleHoldTime after a session ends (RFC 4271 sec. 8.1.1 DampPeerOscillations), given the one in
 * force and how long the session stayed Established (0 if it never got there). A session that was
 * stable for `policy.stablePeriod` was not oscillating: the next restart is immediate. Otherwise
 * this is a flap: the hold starts at `policy.initial` and doubles up to `policy.max`.
 */
export function idleHoldTimeAfterSessionEnd(
  current: number,
  establishedFor: number,
  policy: IdleHoldPolicy = DEFAULT_IDLE_HOLD_POLICY,
): number {
  assertSeconds('idle hold time', current);
  assertSeconds('established time', establishedFor);
  if (establishedFor >= policy.stablePeriod) return 0;
  if (current < policy.initial) return policy.initial;
  return Math.min(policy.max, current * 2);
}

/**
 * SendHoldTime for a session (RFC 9687). `configured` undefined means the default of sec. 6, the
 * greater of 8 minutes and twice the negotiated Hold Time; 0 disables the timer. Sec. 4.3 stops the
 * SendHoldTimer whenever the negotiated Hold Time is zero, so the result is then 0 too.
 *
 * Sec. 4.4: a non-zero SendHoldTime MUST be greater than the HoldTime. `holdTime` here is the
 * negotiated one, which never exceeds the configured one, so a configuration that passed this check
 * against its own hold time passes it again at run time. A violation is a RangeError.
 */
export function sendHoldTime(negotiatedHoldTime: number, configured?: number): number {
  assertSeconds('hold time', negotiatedHoldTime);
  if (negotiatedHoldTime === 0) return 0;
  if (configured === undefined) return Math.max(MIN_DEFAULT_SEND_HOLD_TIME, 2 * negotiatedHoldTime);
  assertSeconds('send hold time', configured);
  if (configured === 0) return 0;
  if (configured <= negotiatedHoldTime) {
    throw new RangeError(`send hold time ${configured} s must be greater than the hold time ${negotiatedHoldTime} s`);
  }
  return configured;
}

/** A BGP Identifier as a 32-bit unsigned number, from a number (possibly signed) or dotted quad. */
function bgpIdNumber(id: number | string): number {
  if (typeof id === 'number') {
    if (!Number.isInteger(id) || id < -0x80000000 || id > 0xffffffff) throw new RangeError(`bad BGP Identifier ${id}`);
    return id >>> 0;
  }
  const n = ipv4FromString(id);
  if (n === null) throw new RangeError(`bad BGP Identifier ${JSON.stringify(id)}`);
  return n;
}

/**
 * Connection collision resolution (RFC 4271 sec. 6.8): whose connection survives, the one the local
 * speaker initiated ('local', i.e. our outgoing connection) or the one the remote initiated
 * ('remote', our incoming one). The BGP Identifiers compare as unsigned 32-bit integers in host
 * order, and the speaker with the higher one keeps the connection it initiated.
 *
 * Equal identifiers are possible between ASes since RFC 6286; its sec. 2.3 keeps the connection
 * initiated by the speaker with the larger AS number. Equal identifiers within one AS are refused at
 * OPEN time (Bad BGP Identifier), so reaching here with no way to break the tie is a RangeError.
 */
export function collisionWinner(
  localBgpId: number | string,
  remoteBgpId: number | string,
  localAs?: number,
  remoteAs?: number,
): 'local' | 'remote' {
  const local = bgpIdNumber(localBgpId);
  const remote = bgpIdNumber(remoteBgpId);
  if (local !== remote) return local > remote ? 'local' : 'remote';
  if (localAs === undefined || remoteAs === undefined || localAs === remoteAs) {
    throw new RangeError('equal BGP Identifiers and no differing AS numbers: the collision cannot be resolved');
  }
  return localAs >>> 0 > remoteAs >>> 0 ? 'local' : 'remote';
}
