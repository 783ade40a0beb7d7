/**
 * The BGP finite state machine of one connection as a pure function:
 * transition(state, event, session) -> { next, actions }.
 *
 * Implements RFC 4271 sec. 8 (events of 8.1 with their names and numbers, transitions of 8.2.2,
 * including DelayOpen and the IdleHoldTimer), RFC 6608 (FSM Error subcodes, the Data octet naming
 * the unexpected message type) and RFC 9687 (SendHoldTimer_Expires, Event 29).
 *
 * The FSM owns no timers, sockets or counters: actions are data, applied in order by peer.ts.
 * Conventions the peer layer relies on:
 * - One FSM per TCP connection (RFC 4271 sec. 8.2.1). Collision detection across a peer's
 *   connections happens in the peer layer (timers.collisionWinner); the losing FSM gets
 *   OpenCollisionDump. 'track-second-connection' asks the peer layer to give a second connection its
 *   own FSM rather than disturb this one.
 * - OPEN validation happens before the FSM sees the OPEN: the peer raises BGPOpen (or, when
 *   DelayOpenTimer runs, BGPOpen_with_DelayOpenTimer_running) with session.holdTime already
 *   negotiated, or BGPOpenMsgErr carrying the NOTIFICATION. 'process-open' means: adopt it.
 * - 'start-*-timer' (re)arms a timer from now with the given base seconds; the peer adds RFC 4271
 *   sec. 10 jitter to the keepalive and connect-retry timers. 'stop-*' of a stopped timer is a no-op.
 * - 'release-resources' stops the Hold, Keepalive, DelayOpen and SendHold timers (RFC 9687 sec. 4.3
 *   puts the SendHoldTimer there) and deletes the routes learned over the connection. It never
 *   touches the ConnectRetryTimer or the IdleHoldTimer, which the rows handle explicitly.
 * - Restarting the KeepaliveTimer and the SendHoldTimer on each message sent is the writer's job.
 * - Landing in Idle for any reason but ManualStop, the peer layer itself issues the next automatic
 *   start: AutomaticStart(_with_PassiveTcpEstablishment) after a back-off, or, when damping,
 *   AutomaticStart_with_DampPeerOscillations(_and_PassiveTcpEstablishment), which holds the peer in
 *   Idle for session.idleHoldTime (RFC 4271 leaves the damping method to the implementation).
 *
 * Actions appear in one canonical order on the way to Idle (NOTIFICATION first, then timers,
 * resources, the connection, counters, damping) where the RFC's bullet order varies without meaning.
 *
 * Departures from the RFC text, each marked DEPARTURE at its branch:
 * - NotifMsg (25) in OpenSent closes without answering with an FSM Error NOTIFICATION; a NOTIFICATION
 *   is not one of RFC 6608's unexpected messages, and its sender has already closed.
 * - A valid OPEN (19) in OpenConfirm or Established is RFC 6608's unexpected message (collisions are
 *   resolved in the peer layer and arrive as 23); BGPHeaderErr (21) in Established answers with the
 *   header error of RFC 4271 sec. 6.1 rather than an FSM Error.
 * - ManualStart (1, 4) in Idle also stops the IdleHoldTimer: an operator's start ends damping.
 * - Established closes on 18/24/25 also perform damping, as every other error row does.
 * - TcpConnectionFails in OpenSent also stops the HoldTimer (else its expiry in Active would drop
 *   the peer to Idle); in Active it stops the ConnectRetryTimer rather than restarting it in Idle.
 * - Tcp_CR_Invalid (15) rejects the offending connection in every state, and Idle rejects 14/16/17
 *   (Idle "refuses all incoming BGP connections").
 * - KeepaliveTimer_Expires with a zero Hold Time sends a KEEPALIVE but does not re-arm the timer.
 * - SendHoldTimer_Expires (29) outside Established, where that timer never runs, is a stale timer
 *   and ignored.
 * - Extension events RouteRefreshMsg and RouteRefreshMsgErr (RFC 2918/7313 messages, no RFC 4271
 *   number) behave as UpdateMsg and UpdateMsgErr, and restart the HoldTimer like any live traffic.
 */

import { CeaseSubcode, ErrorCode, FsmSubcode, MessageType } from '../wire/iana';
import { keepaliveInterval, LARGE_HOLD_TIME } from './timers';

export const STATES = Object.freeze(['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const);
export type State = (typeof STATES)[number];

/** RFC 4271 sec. 8.1 event names and numbers; 29 is RFC 9687's. */
export const EventNumber = Object.freeze({
  ManualStart: 1,
  ManualStop: 2,
  AutomaticStart: 3,
  ManualStart_with_PassiveTcpEstablishment: 4,
  AutomaticStart_with_PassiveTcpEstablishment: 5,
  AutomaticStart_with_DampPeerOscillations: 6,
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: 7,
  AutomaticStop: 8,
  ConnectRetryTimer_Expires: 9,
  HoldTimer_Expires: 10,
  KeepaliveTimer_Expires: 11,
  DelayOpenTimer_Expires: 12,
  IdleHoldTimer_Expires: 13,
  TcpConnection_Valid: 14,
  Tcp_CR_Invalid: 15,
  Tcp_CR_Acked: 16,
  TcpConnectionConfirmed: 17,
  TcpConnectionFails: 18,
  BGPOpen: 19,
  BGPOpen_with_DelayOpenTimer_running: 20,
  BGPHeaderErr: 21,
  BGPOpenMsgErr: 22,
  OpenCollisionDump: 23,
  NotifMsgVerErr: 24,
  NotifMsg: 25,
  KeepAliveMsg: 26,
  UpdateMsg: 27,
  UpdateMsgErr: 28,
  SendHoldTimer_Expires: 29,
} as const);
export type RfcEventName = keyof typeof EventNumber;

/** Events for messages RFC 4271's FSM predates; they have no RFC event number. */
export const EXTENSION_EVENTS = Object.freeze(['RouteRefreshMsg', 'RouteRefreshMsgErr'] as const);
export type EventName = RfcEventName | (typeof EXTENSION_EVENTS)[number];
export const EVENT_NAMES: readonly EventName[] = Object.freeze([...(Object.keys(EventNumber) as RfcEventName[]), ...EXTENSION_EVENTS]);

/** A NOTIFICATION to send; BgpError fits this shape. */
export interface Notification {
  readonly code: number;
  readonly subcode: number;
  readonly data?: Uint8Array;
}

/** Why a stop sends Cease: an RFC 4486 subcode, and data such as an RFC 8203 shutdown message. */
export interface CeaseReason {
  readonly subcode: number;
  readonly data?: Uint8Array;
}

type ErrorEventName = 'BGPHeaderErr' | 'BGPOpenMsgErr' | 'UpdateMsgErr' | 'RouteRefreshMsgErr';
type PlainEventName = Exclude<EventName, ErrorEventName | 'ManualStop' | 'AutomaticStop'>;

export type FsmEvent =
  | { readonly name: PlainEventName }
  /** Without a reason, Cease / Administrative Shutdown. */
  | { readonly name: 'ManualStop'; readonly cease?: CeaseReason }
  /** Always says why (e.g. Maximum Number of Prefixes Reached): never a bare Cease. */
  | { readonly name: 'AutomaticStop'; readonly cease: CeaseReason }
  /** The NOTIFICATION that RFC 4271 sec. 6 / RFC 7606 / RFC 7313 prescribe for the error. */
  | { readonly name: ErrorEventName; readonly notification: Notification };

/** The session attributes (RFC 4271 sec. 8) that decide between transitions. */
export interface SessionAttributes {
  /** Negotiated HoldTime once the peer's OPEN is accepted (the configured one before); 0: none. */
  readonly holdTime: number;
  /** ConnectRetryTime: the base value for the ConnectRetryTimer, possibly backed off. */
  readonly connectRetryTime: number;
  readonly delayOpen: boolean;
  readonly delayOpenTime: number;
  /** Whether the peer layer has the DelayOpenTimer armed. */
  readonly delayOpenTimerRunning: boolean;
  readonly dampPeerOscillations: boolean;
  /** IdleHoldTime in force (timers.idleHoldTimeAfterSessionEnd); 0 means start at once. */
  readonly idleHoldTime: number;
  /** PassiveTcpEstablishment, used when the IdleHoldTimer releases the peer. */
  readonly passive: boolean;
  readonly sendNotificationWithoutOpen: boolean;
  /** RFC 9687 SendHoldTime (timers.sendHoldTime); 0 disables the SendHoldTimer. */
  readonly sendHoldTime: number;
}

export type Action =
  | { readonly type: 'start-connect-retry-timer'; readonly seconds: number }
  | { readonly type: 'stop-connect-retry-timer' }
  | { readonly type: 'start-hold-timer'; readonly seconds: number }
  | { readonly type: 'stop-hold-timer' }
  | { readonly type: 'start-keepalive-timer'; readonly seconds: number }
  | { readonly type: 'stop-keepalive-timer' }
  | { readonly type: 'start-delay-open-timer'; readonly seconds: number }
  | { readonly type: 'stop-delay-open-timer' }
  | { readonly type: 'start-idle-hold-timer'; readonly seconds: number }
  | { readonly type: 'stop-idle-hold-timer' }
  | { readonly type: 'start-send-hold-timer'; readonly seconds: number }
  /** Initiate the outgoing TCP connection. */
  | { readonly type: 'connect' }
  /** Close this FSM's TCP connection (after flushing a NOTIFICATION queued before it). */
  | { readonly type: 'drop-connection' }
  /** Refuse or close the connection the event reports, which is not this FSM's. */
  | { readonly type: 'reject-connection' }
  | { readonly type: 'track-second-connection' }
  | { readonly type: 'send-open' }
  | { readonly type: 'send-keepalive' }
  | { readonly type: 'send-notification'; readonly code: number; readonly subcode: number; readonly data: Uint8Array }
  | { readonly type: 'process-open' }
  | { readonly type: 'deliver-update' }
  | { readonly type: 'deliver-route-refresh' }
  | { readonly type: 'release-resources' }
  | { readonly type: 'increment-connect-retry-counter' }
  | { readonly type: 'reset-connect-retry-counter' }
  /** Lengthen IdleHoldTime for the next automatic start (timers.idleHoldTimeAfterSessionEnd). */
  | { readonly type: 'damp-peer-oscillations' };

export interface Transition {
  readonly next: State;
  readonly actions: readonly Action[];
}

const stay = (state: State): Transition => ({ next: state, actions: [] });

const notification = (n: Notification): Action => ({
  type: 'send-notification',
  code: n.code,
  subcode: n.subcode,
  data: n.data ?? new Uint8Array(0),
});

const cease = (subcode: number, data?: Uint8Array): Notification => ({ code: ErrorCode.CEASE, subcode, data });

function stopCease(event: { readonly cease?: CeaseReason }): Notification {
  return cease(event.cease?.subcode ?? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, event.cease?.data);
}

const HOLD_TIMER_EXPIRED: Notification = Object.freeze({ code: ErrorCode.HOLD_TIMER_EXPIRED, subcode: 0 });
const SEND_HOLD_TIMER_EXPIRED: Notification = Object.freeze({ code: ErrorCode.SEND_HOLD_TIMER_EXPIRED, subcode: 0 });
const COLLISION: Notification = Object.freeze(cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION));

/** The message type an event reports, for RFC 6608's Data octet; undefined for non-message events. */
export function messageTypeOf(name: EventName): number | undefined {
  switch (name) {
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
    case 'BGPOpenMsgErr':
      return MessageType.OPEN;
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return MessageType.UPDATE;
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      return MessageType.NOTIFICATION;
    case 'KeepAliveMsg':
      return MessageType.KEEPALIVE;
    case 'RouteRefreshMsg':
    case 'RouteRefreshMsgErr':
      return MessageType.ROUTE_REFRESH;
    default:
      return undefined;
  }
}

const UNEXPECTED_IN: Readonly<Partial<Record<State, number>>> = Object.freeze({
  OpenSent: FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT,
  OpenConfirm: FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM,
  Established: FsmSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED,
});

/**
 * RFC 4271 sec. 6.6 FSM Error, with RFC 6608 sec. 4's subcode and one-octet message type when the
 * event is a message; an event that is not a message (a timer) gets the Unspecified subcode.
 */
function fsmError(state: State, name: EventName): Notification {
  const type = messageTypeOf(name);
  if (type === undefined) return { code: ErrorCode.FSM, subcode: FsmSubcode.UNSPECIFIED };
  return { code: ErrorCode.FSM, subcode: UNEXPECTED_IN[state] ?? FsmSubcode.UNSPECIFIED, data: Uint8Array.of(type) };
}

interface Teardown {
  readonly notify?: Notification;
  /** RFC rows that stop the DelayOpenTimer explicitly (release-resources stops it anyway). */
  readonly stopDelayOpen?: boolean;
  /** False only where the connection has already failed. */
  readonly drop?: boolean;
  readonly counter: 'increment' | 'reset' | 'keep';
  /** The row says "(optionally) performs peer oscillation damping". */
  readonly damp?: boolean;
}

/** The shared shape of every transition to Idle that releases the session. */
function toIdle(s: SessionAttributes, t: Teardown): Transition {
  const actions: Action[] = [];
  if (t.notify) actions.push(notification(t.notify));
  actions.push({ type: 'stop-connect-retry-timer' });
  if (t.stopDelayOpen) actions.push({ type: 'stop-delay-open-timer' });
  actions.push({ type: 'release-resources' });
  if (t.drop !== false) actions.push({ type: 'drop-connection' });
  if (t.counter === 'increment') actions.push({ type: 'increment-connect-retry-counter' });
  if (t.counter === 'reset') actions.push({ type: 'reset-connect-retry-counter' });
  if (t.damp && s.dampPeerOscillations) actions.push({ type: 'damp-peer-oscillations' });
  return { next: 'Idle', actions };
}

/** An error on an open session: NOTIFICATION, release, count the failure, damp. */
const closeOnError = (s: SessionAttributes, notify?: Notification): Transition =>
  toIdle(s, { notify, counter: 'increment', damp: true });

function start(s: SessionAttributes, passive: boolean, manual: boolean): Transition {
  const actions: Action[] = [];
  // An operator's start overrides damping that may be holding the peer in Idle.
  if (manual) actions.push({ type: 'stop-idle-hold-timer' });
  actions.push({ type: 'reset-connect-retry-counter' }, { type: 'start-connect-retry-timer', seconds: s.connectRetryTime });
  if (passive) return { next: 'Active', actions };
  actions.push({ type: 'connect' });
  return { next: 'Connect', actions };
}

function idle(e: FsmEvent, s: SessionAttributes): Transition {
  switch (e.name) {
    case 'ManualStart':
      return start(s, false, true);
    case 'ManualStart_with_PassiveTcpEstablishment':
      return start(s, true, true);
    case 'AutomaticStart':
      return start(s, false, false);
    case 'AutomaticStart_with_PassiveTcpEstablishment':
      return start(s, true, false);
    // RFC 4271 8.2.2 leaves the damping method open: hold in Idle for IdleHoldTime, then start.
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': {
      const passive = e.name === 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment';
      if (s.idleHoldTime > 0) return { next: 'Idle', actions: [{ type: 'start-idle-hold-timer', seconds: s.idleHoldTime }] };
      return start(s, passive, false);
    }
    case 'IdleHoldTimer_Expires':
      return start(s, s.passive, false);
    // DEPARTURE: Idle "refuses all incoming BGP connections", so it keeps no socket the event offers.
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return { next: 'Idle', actions: [{ type: 'reject-connection' }] };
    default:
      // ManualStop and AutomaticStop are ignored; any other event does not change the state.
      return stay('Idle');
  }
}

/** Connect and Active share most rows; the RFC's differences are spelled out at each branch. */
function connecting(state: 'Connect' | 'Active', e: FsmEvent, s: SessionAttributes): Transition {
  const inConnect = state === 'Connect';
  switch (e.name) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
    case 'TcpConnection_Valid': // the handshake goes on; Event 16 or 17 follows
    case 'SendHoldTimer_Expires': // DEPARTURE: stale, that timer runs only in Established
      return stay(state);
    case 'ManualStop':
      // Active: a Cease only if the DelayOpenTimer runs and SendNOTIFICATIONwithoutOPEN is set.
      return toIdle(s, {
        notify: !inConnect && s.delayOpenTimerRunning && s.sendNotificationWithoutOpen ? stopCease(e) : undefined,
        counter: 'reset',
      });
    case 'ConnectRetryTimer_Expires': {
      const retry: Action = { type: 'start-connect-retry-timer', seconds: s.connectRetryTime };
      if (inConnect) {
        return {
          next: 'Connect',
          actions: [{ type: 'drop-connection' }, retry, { type: 'stop-delay-open-timer' }, { type: 'connect' }],
        };
      }
      return { next: 'Connect', actions: [retry, { type: 'connect' }] };
    }
    case 'DelayOpenTimer_Expires': {
      const open: Action[] = [{ type: 'send-open' }, { type: 'start-hold-timer', seconds: LARGE_HOLD_TIME }];
      if (inConnect) return { next: 'OpenSent', actions: open };
      return {
        next: 'OpenSent',
        actions: [{ type: 'stop-connect-retry-timer' }, { type: 'stop-delay-open-timer' }, ...open],
      };
    }
    case 'Tcp_CR_Invalid':
      return { next: state, actions: [{ type: 'reject-connection' }] };
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      if (s.delayOpen) {
        return {
          next: state,
          actions: [{ type: 'stop-connect-retry-timer' }, { type: 'start-delay-open-timer', seconds: s.delayOpenTime }],
        };
      }
      return {
        next: 'OpenSent',
        actions: [
          { type: 'stop-connect-retry-timer' },
          { type: 'send-open' },
          { type: 'start-hold-timer', seconds: LARGE_HOLD_TIME },
        ],
      };
    case 'TcpConnectionFails':
      if (inConnect) {
        if (s.delayOpenTimerRunning) {
          return {
            next: 'Active',
            actions: [{ type: 'start-connect-retry-timer', seconds: s.connectRetryTime }, { type: 'stop-delay-open-timer' }],
          };
        }
        return toIdle(s, { counter: 'keep' });
      }
      // DEPARTURE: the RFC restarts the ConnectRetryTimer here, but Idle ignores its expiry.
      return toIdle(s, { stopDelayOpen: true, drop: false, counter: 'increment', damp: true });
    case 'BGPOpen_with_DelayOpenTimer_running': {
      const actions: Action[] = [
        { type: 'process-open' },
        { type: 'stop-connect-retry-timer' },
        { type: 'stop-delay-open-timer' },
        { type: 'send-open' },
        { type: 'send-keepalive' },
      ];
      if (s.holdTime > 0) {
        actions.push({ type: 'start-keepalive-timer', seconds: keepaliveInterval(s.holdTime) });
        actions.push({ type: 'start-hold-timer', seconds: s.holdTime });
      } else {
        actions.push({ type: 'stop-keepalive-timer' }, { type: 'stop-hold-timer' });
      }
      return { next: 'OpenConfirm', actions };
    }
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      // No OPEN has been sent, so the NOTIFICATION goes out only with SendNOTIFICATIONwithoutOPEN.
      return toIdle(s, {
        notify: s.sendNotificationWithoutOpen ? e.notification : undefined,
        counter: 'increment',
        damp: true,
      });
    case 'NotifMsgVerErr':
      // The RFC neither counts nor damps a version error while the DelayOpenTimer runs.
      if (s.delayOpenTimerRunning) return toIdle(s, { stopDelayOpen: true, counter: 'keep' });
      return toIdle(s, { counter: 'increment', damp: true });
    default:
      // "Any other event" (8, 10-11, 13, 19, 23, 25-28, and the extension events).
      return toIdle(s, { stopDelayOpen: inConnect, counter: 'increment', damp: true });
  }
}

/** Events that neither OpenSent, OpenConfirm nor Established act on (RFC 4271 8.2.2). */
function ignoredOnceOpen(name: EventName): boolean {
  switch (name) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return true;
    default:
      return false;
  }
}

/** The rows OpenSent, OpenConfirm and Established have in common; undefined when the state decides. */
function openCommon(state: State, e: FsmEvent, s: SessionAttributes): Transition | undefined {
  if (ignoredOnceOpen(e.name)) return stay(state);
  switch (e.name) {
    case 'ManualStop':
      return toIdle(s, { notify: stopCease(e), counter: 'reset' });
    case 'AutomaticStop':
      return closeOnError(s, cease(e.cease.subcode, e.cease.data));
    case 'HoldTimer_Expires':
      return closeOnError(s, HOLD_TIMER_EXPIRED);
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return { next: state, actions: [{ type: 'track-second-connection' }] };
    case 'Tcp_CR_Invalid':
      return { next: state, actions: [{ type: 'reject-connection' }] };
    case 'OpenCollisionDump':
      return closeOnError(s, COLLISION);
    default:
      return undefined;
  }
}

function keepaliveTimerExpired(state: State, s: SessionAttributes): Transition {
  const actions: Action[] = [{ type: 'send-keepalive' }];
  // DEPARTURE (OpenConfirm): as in Established, no re-arming when the Hold Time is zero.
  if (s.holdTime > 0) actions.push({ type: 'start-keepalive-timer', seconds: keepaliveInterval(s.holdTime) });
  return { next: state, actions };
}

function restartHold(s: SessionAttributes, first?: Action): Transition {
  const actions: Action[] = first ? [first] : [];
  if (s.holdTime > 0) actions.push({ type: 'start-hold-timer', seconds: s.holdTime });
  return { next: 'Established', actions };
}

function openSent(e: FsmEvent, s: SessionAttributes): Transition {
  const common = openCommon('OpenSent', e, s);
  if (common) return common;
  switch (e.name) {
    case 'TcpConnectionFails':
      // DEPARTURE: also stop the large HoldTimer, which guarded the connection just lost.
      return {
        next: 'Active',
        actions: [
          { type: 'drop-connection' },
          { type: 'stop-hold-timer' },
          { type: 'start-connect-retry-timer', seconds: s.connectRetryTime },
        ],
      };
    case 'BGPOpen': {
      const actions: Action[] = [
        { type: 'process-open' },
        { type: 'stop-connect-retry-timer' },
        { type: 'stop-delay-open-timer' },
        { type: 'send-keepalive' },
      ];
      if (s.holdTime > 0) {
        actions.push({ type: 'start-keepalive-timer', seconds: keepaliveInterval(s.holdTime) });
        actions.push({ type: 'start-hold-timer', seconds: s.holdTime });
      } else {
        // A zero Hold Time starts neither timer, and the large HoldTimer must not fire later.
        actions.push({ type: 'stop-hold-timer' });
      }
      return { next: 'OpenConfirm', actions };
    }
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return closeOnError(s, e.notification);
    case 'NotifMsgVerErr':
      return toIdle(s, { counter: 'keep' });
    case 'NotifMsg':
      // DEPARTURE: the RFC lists 25 under "any other event" (FSM Error); see the header.
      return closeOnError(s);
    case 'SendHoldTimer_Expires':
      return stay('OpenSent'); // DEPARTURE: stale, that timer runs only in Established
    default:
      // "Any other event" (9, 11-13, 20, 26-28, and the extension events).
      return closeOnError(s, fsmError('OpenSent', e.name));
  }
}

function openConfirm(e: FsmEvent, s: SessionAttributes): Transition {
  const common = openCommon('OpenConfirm', e, s);
  if (common) return common;
  switch (e.name) {
    case 'KeepaliveTimer_Expires':
      return keepaliveTimerExpired('OpenConfirm', s);
    case 'TcpConnectionFails':
    case 'NotifMsg':
      return closeOnError(s);
    case 'NotifMsgVerErr':
      return toIdle(s, { counter: 'keep' });
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return closeOnError(s, e.notification);
    case 'KeepAliveMsg': {
      const t = restartHold(s);
      // RFC 9687 sec. 4.3: the SendHoldTimer starts with Established, unless disabled.
      if (s.sendHoldTime > 0 && s.holdTime > 0) {
        return { next: t.next, actions: [...t.actions, { type: 'start-send-hold-timer', seconds: s.sendHoldTime }] };
      }
      return t;
    }
    case 'SendHoldTimer_Expires':
      return stay('OpenConfirm'); // DEPARTURE: stale, that timer runs only in Established
    default:
      // "Any other event" (9, 12-13, 20, 27-28); DEPARTURE: 19, a second OPEN, is one too.
      return closeOnError(s, fsmError('OpenConfirm', e.name));
  }
}

function established(e: FsmEvent, s: SessionAttributes): Transition {
  const common = openCommon('Established', e, s);
  if (common) return common;
  switch (e.name) {
    case 'KeepaliveTimer_Expires':
      return keepaliveTimerExpired('Established', s);
    case 'TcpConnectionFails':
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      // DEPARTURE: the RFC's row omits damping; see the header.
      return closeOnError(s);
    case 'KeepAliveMsg':
      return restartHold(s);
    case 'UpdateMsg':
      return restartHold(s, { type: 'deliver-update' });
    case 'RouteRefreshMsg':
      return restartHold(s, { type: 'deliver-route-refresh' });
    case 'UpdateMsgErr':
    case 'RouteRefreshMsgErr':
      return closeOnError(s, e.notification);
    case 'SendHoldTimer_Expires':
      // RFC 9687 sec. 4.3: the NOTIFICATION is optional; the writer sends it only if it need not wait.
      return closeOnError(s, SEND_HOLD_TIMER_EXPIRED);
    case 'BGPHeaderErr':
      // DEPARTURE: RFC 4271 sec. 6.1's header error, not an FSM Error.
      return closeOnError(s, e.notification);
    default:
      // "Any other event" (9, 12-13, 20, 22); DEPARTURE: 19 too (RFC 6608's unexpected OPEN).
      return closeOnError(s, fsmError('Established', e.name));
  }
}

/** The next state and the actions that take the connection there. */
export function transition(state: State, event: FsmEvent, session: SessionAttributes): Transition {
  switch (state) {
    case 'Idle':
      return idle(event, session);
    case 'Connect':
    case 'Active':
      return connecting(state, event, session);
    case 'OpenSent':
      return openSent(event, session);
    case 'OpenConfirm':
      return openConfirm(event, session);
    case 'Established':
      return established(event, session);
  }
}
