/**
 * A configured neighbour: drives the pure FSM (fsm.ts) with real sockets and timers, validates and
 * negotiates OPENs (RFC 4271 sec. 4.2 / 6.2, RFC 5492, RFC 6793), resolves connection collisions
 * (RFC 4271 sec. 6.8), keeps the counters `show neighbor` needs, and hands UPDATEs and session
 * changes to the route engine through PeerHooks. It never interprets routes itself.
 *
 * Per RFC 4271 sec. 8.2.1 each TCP connection has its own FSM; a peer has a primary one and, during a
 * collision, a second one for the other connection. Whichever wins becomes the primary.
 *
 * Choices the RFC leaves open:
 * - Automatic restart after an error: after IdleHoldTime (5 s, doubling on repeated flaps up to
 *   5 min, reset after 5 min Established: DampPeerOscillations, sec. 8.1.1); a peer that keeps
 *   failing to connect backs off its ConnectRetryTimer exponentially with jitter.
 * - eBGP sessions send with TTL 1 unless `multihop` says otherwise; GTSM (RFC 5082) sends 255 and
 *   refuses less than 255 - hops + 1.
 */

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from '../log';
import type { Capability } from '../wire/capabilities/types';
import { BgpError, errorName } from '../wire/errors';
import { AS_TRANS, CeaseSubcode, ErrorCode, FamilyKey, familyAfi, familySafi, OpenSubcode } from '../wire/iana';
import type { BgpMessage } from '../wire/message';
import { negotiate, NegotiatedSession } from '../wire/negotiate';
import { carriesShutdownCommunication, NotificationMessage, readShutdownCommunication, shutdownNotification } from '../wire/notification';
import type { OpenMessage } from '../wire/open';
import { checkOpen } from '../wire/open-check';
import type { RouteRefreshMessage } from '../wire/route-refresh';
import type { UpdateMessage } from '../wire/update';
import { Connection, emptyCounters, MessageCounters } from './connection';
import { Action, FsmEvent, SessionAttributes, State, transition } from './fsm';
import { collisionWinner, connectRetryDelay, idleHoldTimeAfterSessionEnd, IdleHoldPolicy, jitter, keepaliveInterval, sendHoldTime } from './timers';
import { openConnection, TransportOptions } from './transport';

export interface PeerConfig {
  /** For logs and `show`: the description, or the address. */
  readonly name: string;
  /** The configured group, for filter rules that select by group. */
  readonly group?: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteAs: number;
  readonly localAs: number;
  readonly routerId: string;
  readonly localAddress?: string;
  readonly passive: boolean;
  readonly holdTime: number;
  readonly connectRetry: number;
  /** eBGP multihop: the TTL to send with (eBGP default 1; iBGP uses the system default). */
  readonly multihop?: number;
  /** GTSM (RFC 5082): the number of hops the peer may be away; undefined = off. */
  readonly ttlSecurity?: number;
  /** RFC 2385 key. Never logged. */
  readonly password?: string;
  readonly families: readonly FamilyKey[];
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  /** Advertise Graceful Restart (helper side: restart time, no forwarding state kept). */
  readonly gracefulRestartTime?: number;
  readonly role?: number;
  readonly strictRole?: boolean;
  readonly hostname?: string;
  /** Configured administratively down, with this reason. */
  readonly down?: string;
  /** IPv6 next hop to announce (else the session's own global address). */
  readonly nextHop6?: string;
  /** IPv4 next hop to announce where the session itself has none (an IPv6 session). */
  readonly nextHop4?: string;
  // Routing settings the route engine reads (the session layer ignores them).
  readonly nextHopSelf?: boolean;
  readonly routeReflectorClient?: boolean;
  readonly sendMed?: boolean;
  readonly enforceFirstAs?: boolean;
  readonly allowOwnAs?: number;
  /** Most prefixes accepted from / sent to the neighbour; `restart` in minutes (RFC 4486 Cease 1). */
  readonly maxPrefixIn?: { limit: number; restart?: number };
  readonly maxPrefixOut?: { limit: number; restart?: number };
  /** What this neighbour is sent: every best path, only our networks, or nothing. */
  readonly announce?: 'all' | 'self' | 'none';
  readonly idleHold?: IdleHoldPolicy;
  readonly maxConnectRetry?: number;
  /**
   * RFC 9687 SendHoldTime in seconds: undefined = the default (the greater of 8 minutes and twice the
   * negotiated Hold Time), 0 = no SendHoldTimer, otherwise more than the Hold Time (sec. 4.4).
   */
  readonly sendHoldTime?: number;
}

export interface GracefulInfo {
  restartTime: number;
  families: FamilyKey[];
}

export interface PeerHooks {
  onEstablished(peer: Peer): void;
  onUpdate(peer: Peer, msg: UpdateMessage): void;
  onRouteRefresh(peer: Peer, msg: RouteRefreshMessage): void;
  /** The session left Established: drop its routes, or keep them stale when `graceful` says so. */
  onSessionDown(peer: Peer, reason: string, graceful?: GracefulInfo): void;
  onStateChange?(peer: Peer, from: State, to: State, reason: string): void;
  /** The outbound queue drained below its high-water mark: more UPDATEs may be written. */
  onDrain?(peer: Peer): void;
}

export interface ErrorRecord {
  code: number;
  subcode: number;
  name: string;
  shutdownCommunication?: string;
  at: number;
}

/** One connection's FSM, timers and what it learned from the OPENs. */
class Session {
  state: State = 'Idle';
  conn?: Connection;
  pending?: Socket;
  remoteOpen?: OpenMessage;
  negotiated?: NegotiatedSession;
  holdTime: number;
  timers = new Map<string, NodeJS.Timeout>();
  /** The duration each running timer was armed with (so a restart can reuse the timer). */
  timerSeconds = new Map<string, number>();
  /** When each running timer fires (ms since the epoch), for `show neighbor timers`. */
  timerDue = new Map<string, number>();
  constructor(
    readonly initiatedLocally: boolean,
    holdTime: number,
  ) {
    this.holdTime = holdTime;
  }
}

const SESSION_TIMERS = ['hold', 'keepalive', 'delay-open', 'send-hold'] as const;

/** bgpctl's names of the timers (`show neighbor timers`). */
const TIMER_NAMES: Readonly<Record<string, string>> = {
  'connect-retry': 'ConnectRetryTimer',
  'idle-hold': 'IdleHoldTimer',
  'auto-start': 'IdleHoldTimer',
  'max-prefix-restart': 'MaxPrefixRestartTimer',
  hold: 'HoldTimer',
  keepalive: 'KeepaliveTimer',
  'delay-open': 'DelayOpenTimer',
  'send-hold': 'SendHoldTimer',
};
const DEFAULT_IDLE_HOLD: IdleHoldPolicy = { initial: 5, max: 300, stablePeriod: 300 };

export class Peer extends EventEmitter {
  private primary: Session;
  private second?: Session;
  private peerTimers = new Map<string, NodeJS.Timeout>();
  private peerTimerDue = new Map<string, number>();
  private connectRetryCounter = 0;
  /** Failed connection attempts since the last Established, for the back-off (the RFC's counter resets on every start). */
  private connectFailures = 0;
  private idleHoldTime = 0;
  private stopped = true;
  readonly sent: MessageCounters = emptyCounters();
  readonly received: MessageCounters = emptyCounters();
  establishedAt = 0;
  /** When the peer last left Established (or was created). */
  downSince: number;
  lastErrorSent?: ErrorRecord;
  lastErrorReceived?: ErrorRecord;
  /** Why the peer is down when we took it down (config `down`, `neighbor down`). */
  adminDownReason?: string;
  stateTransitions = 0;
  /**
   * Set (by the control monitor) only while someone watches this peer's UPDATEs: called with each
   * UPDATE written, as encoded. Unset, the send path pays one check.
   */
  updateSentTap: ((peer: Peer, bytes: Buffer) => void) | undefined = undefined;
  private readonly log: Logger;

  constructor(
    public config: PeerConfig,
    private readonly hooks: PeerHooks,
    log: Logger,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    super();
    checkSendHoldTime(config);
    this.primary = new Session(!config.passive, config.holdTime);
    this.downSince = now();
    this.log = log.child({ peer: config.remoteAddress, description: config.name !== config.remoteAddress ? config.name : undefined });
  }

  get state(): State {
    return this.primary.state;
  }
  get negotiated(): NegotiatedSession | undefined {
    return this.primary.state === 'Established' ? this.primary.negotiated : undefined;
  }
  get remoteOpen(): OpenMessage | undefined {
    return this.primary.remoteOpen;
  }
  get connection(): Connection | undefined {
    return this.primary.conn;
  }
  get isIbgp(): boolean {
    return this.config.remoteAs === this.config.localAs;
  }

  /** Start the peer (ManualStart), unless it is configured down. */
  start(): void {
    if (this.config.down !== undefined) {
      this.adminDownReason = this.config.down;
      this.log.info({ reason: this.config.down }, 'neighbor configured down');
      return;
    }
    this.stopped = false;
    this.adminDownReason = undefined;
    this.fire(this.primary, { name: this.config.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' }, 'start');
  }

  /**
   * Administrative shutdown: Cease with a Shutdown Communication (RFC 8203/9003) when there is a
   * reason, then Idle until start(). subcode: Administrative Shutdown, Peer De-configured, Reset...
   */
  stop(reason?: string, subcode: number = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN): void {
    this.stopped = true;
    this.adminDownReason = reason ?? '';
    this.clearPeerTimer('idle-hold');
    this.clearPeerTimer('auto-start');
    this.clearPeerTimer('max-prefix-restart');
    let data: Uint8Array | undefined;
    if (reason && (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET)) {
      data = shutdownNotification(subcode, reason).data;
    }
    if (this.second) this.fire(this.second, { name: 'ManualStop', cease: { subcode, data } }, 'stop');
    this.fire(this.primary, { name: 'ManualStop', cease: { subcode, data } }, reason ? `stop: ${reason}` : 'stop');
  }

  /**
   * A max-prefix limit was passed (RFC 4486 sec. 4: Cease / Maximum Number of Prefixes Reached, with
   * AFI, SAFI and the limit as data). The session stays down until `restartMinutes` have passed, or
   * until an operator brings it up when there is none.
   */
  maxPrefixExceeded(direction: 'in' | 'out', afi: number, safi: number, limit: number, restartMinutes?: number): void {
    if (this.stopped) return;
    const data = Buffer.alloc(7);
    data.writeUInt16BE(afi, 0);
    data[2] = safi;
    data.writeUInt32BE(limit >>> 0, 3);
    this.stopped = true;
    this.adminDownReason = `max-prefix ${direction} ${limit} exceeded`;
    this.clearPeerTimer('auto-start');
    this.log.warn({ direction, limit, restartMinutes }, 'max-prefix limit exceeded: session closed');
    this.fire(this.primary, { name: 'AutomaticStop', cease: { subcode: CeaseSubcode.MAX_PREFIXES_REACHED, data } }, `max-prefix ${direction} exceeded`);
    if (restartMinutes !== undefined) this.setPeerTimer('max-prefix-restart', restartMinutes * 60, () => this.start());
  }

  /** Drop the session now and let it come back by itself (e.g. a changed key or AS). */
  reset(subcode: number = CeaseSubcode.ADMINISTRATIVE_RESET, reason?: string): void {
    this.stop(reason, subcode);
    this.start();
  }

  /** Apply a new configuration. Session parameters changed: the caller resets the peer. */
  reconfigure(config: PeerConfig): void {
    checkSendHoldTime(config);
    this.config = config;
  }

  /** An incoming TCP connection matched to this peer by the listener. */
  accept(socket: Socket): void {
    const p = this.primary;
    if (this.stopped || p.state === 'Idle') {
      this.log.info({ state: p.state }, 'refusing incoming connection while Idle');
      socket.destroy();
      return;
    }
    if (p.state === 'Connect' || p.state === 'Active') {
      // The listener's connection supersedes an outgoing attempt still in progress.
      p.conn?.destroy();
      p.conn = undefined;
      p.pending?.destroy();
      p.pending = undefined;
      this.attach(p, socket, false);
      this.fire(p, { name: 'TcpConnectionConfirmed' }, 'incoming connection');
      return;
    }
    if (this.second) {
      this.log.info({}, 'refusing a third connection during a collision');
      socket.destroy();
      return;
    }
    // OpenSent/OpenConfirm/Established: a second connection with its own FSM (sec. 6.8).
    const s = new Session(false, this.config.holdTime);
    s.state = 'Active';
    this.second = s;
    this.attach(s, socket, false);
    this.fire(s, { name: 'TcpConnectionConfirmed' }, 'second incoming connection');
  }

  /** Send an already encoded UPDATE; false when the queue is above its high-water mark. */
  sendUpdate(bytes: Buffer): boolean {
    const c = this.primary.conn;
    if (!c || this.primary.state !== 'Established') return false;
    const ok = c.writeRaw(bytes, 2);
    if (this.updateSentTap !== undefined) this.updateSentTap(this, bytes);
    this.afterWrite(this.primary);
    return ok;
  }

  sendMessage(msg: BgpMessage): boolean {
    const c = this.primary.conn;
    if (!c || this.primary.state !== 'Established') return false;
    const ok = c.send(msg);
    this.afterWrite(this.primary);
    return ok;
  }

  /** Bytes waiting to go out (OutQ in `show`). */
  get outQueue(): number {
    return this.primary.conn?.queued ?? 0;
  }

  // ---- FSM plumbing ------------------------------------------------------------------------------

  private attributes(s: Session): SessionAttributes {
    const negotiatedHold = s.negotiated?.holdTime ?? s.holdTime;
    return {
      holdTime: negotiatedHold,
      connectRetryTime: this.config.connectRetry,
      delayOpen: false,
      delayOpenTime: 0,
      delayOpenTimerRunning: false,
      dampPeerOscillations: true,
      idleHoldTime: this.idleHoldTime,
      passive: this.config.passive,
      sendNotificationWithoutOpen: true,
      sendHoldTime: this.sendHoldSeconds(negotiatedHold),
    };
  }

  /** RFC 9687 SendHoldTime for a session with this Hold Time (timers.sendHoldTime). */
  private sendHoldSeconds(holdTime: number): number {
    const c = this.config.sendHoldTime;
    // A reconfiguration may lower it to or below the Hold Time of a session negotiated before; until
    // that session is reset it runs with the default rather than break sec. 4.4.
    return sendHoldTime(holdTime, c !== undefined && (c === 0 || c > holdTime) ? c : undefined);
  }

  private fire(s: Session, event: FsmEvent, reason: string): void {
    const from = s.state;
    const t = transition(from, event, this.attributes(s));
    s.state = t.next;
    for (const a of t.actions) this.apply(s, a, event);
    if (from !== t.next) this.onTransition(s, from, t.next, reason);
  }

  private onTransition(s: Session, from: State, to: State, reason: string): void {
    if (s !== this.primary) {
      if (to === 'Idle') this.second = undefined;
      return;
    }
    this.stateTransitions++;
    this.log.info({ from, to, reason }, `state ${from} -> ${to}`);
    this.hooks.onStateChange?.(this, from, to, reason);
    this.emit('state', from, to, reason);
    if (to === 'Established') {
      this.establishedAt = this.now();
      this.connectFailures = 0;
      this.wasEstablished = true;
      this.hooks.onEstablished(this);
    }
    if (from === 'Established') this.downSince = this.now();
    if (to === 'Idle' && !this.stopped) this.scheduleAutomaticStart();
  }

  private apply(s: Session, a: Action, event: FsmEvent): void {
    switch (a.type) {
      case 'start-connect-retry-timer': {
        const secs = connectRetryDelay(this.config.connectRetry, Math.min(this.connectFailures, 30), this.random(), this.config.maxConnectRetry);
        this.setPeerTimer('connect-retry', secs, () => this.fire(this.primary, { name: 'ConnectRetryTimer_Expires' }, 'connect retry timer expired'));
        return;
      }
      case 'stop-connect-retry-timer':
        return this.clearPeerTimer('connect-retry');
      case 'start-idle-hold-timer':
        this.setPeerTimer('idle-hold', a.seconds, () => this.fire(this.primary, { name: 'IdleHoldTimer_Expires' }, 'idle hold timer expired'));
        return;
      case 'stop-idle-hold-timer':
        return this.clearPeerTimer('idle-hold');
      case 'start-hold-timer':
        return this.setTimer(s, 'hold', a.seconds, () => this.fire(s, { name: 'HoldTimer_Expires' }, 'hold-timer-expired'));
      case 'stop-hold-timer':
        return this.clearTimer(s, 'hold');
      case 'start-keepalive-timer':
        return this.setTimer(s, 'keepalive', a.seconds > 0 ? jitter(a.seconds, this.random()) : 0, () =>
          this.fire(s, { name: 'KeepaliveTimer_Expires' }, 'keepalive timer'),
        );
      case 'stop-keepalive-timer':
        return this.clearTimer(s, 'keepalive');
      case 'start-delay-open-timer':
        return this.setTimer(s, 'delay-open', a.seconds, () => this.fire(s, { name: 'DelayOpenTimer_Expires' }, 'delay open timer'));
      case 'stop-delay-open-timer':
        return this.clearTimer(s, 'delay-open');
      case 'start-send-hold-timer':
        return this.setTimer(s, 'send-hold', a.seconds, () => this.fire(s, { name: 'SendHoldTimer_Expires' }, 'send-hold-timer-expired'));
      case 'connect':
        return this.connect(s);
      case 'drop-connection':
        s.pending?.destroy();
        s.pending = undefined;
        s.conn?.close();
        return;
      case 'reject-connection':
        // Only the listener offers connections that can be rejected, and accept() refuses those
        // the FSM would reject before raising an event; nothing is left to close here.
        return;
      case 'track-second-connection':
        return;
      case 'send-open':
        s.conn?.send(this.localOpen());
        this.afterWrite(s);
        return;
      case 'send-keepalive':
        s.conn?.send({ type: 'keepalive' });
        this.afterWrite(s);
        return;
      case 'send-notification': {
        const n: NotificationMessage = { type: 'notification', code: a.code, subcode: a.subcode, data: Buffer.from(a.data) };
        s.conn?.send(n);
        if (s === this.primary || s.state === 'Established') this.recordSent(n);
        this.log.warn({ notification: errorName(a.code, a.subcode) }, 'notification sent');
        return;
      }
      case 'process-open':
        return this.processOpen(s);
      case 'deliver-update':
        if (s === this.primary && this.lastMessage?.type === 'update') this.hooks.onUpdate(this, this.lastMessage);
        return;
      case 'deliver-route-refresh':
        if (s === this.primary && this.lastMessage?.type === 'route-refresh') this.hooks.onRouteRefresh(this, this.lastMessage);
        return;
      case 'release-resources':
        for (const name of SESSION_TIMERS) this.clearTimer(s, name);
        if (s === this.primary && this.wasEstablished) {
          this.wasEstablished = false;
          const why = eventReason(event);
          this.hooks.onSessionDown(this, why, this.gracefulInfo(s, event));
        }
        return;
      case 'increment-connect-retry-counter':
        this.connectRetryCounter++;
        return;
      case 'reset-connect-retry-counter':
        this.connectRetryCounter = 0;
        return;
      case 'damp-peer-oscillations': {
        const upFor = this.establishedAt > 0 && this.state === 'Established' ? (this.now() - this.establishedAt) / 1000 : 0;
        this.idleHoldTime = idleHoldTimeAfterSessionEnd(this.idleHoldTime, upFor, this.config.idleHold ?? DEFAULT_IDLE_HOLD);
        return;
      }
    }
  }

  private wasEstablished = false;
  private lastMessage?: BgpMessage;

  private scheduleAutomaticStart(): void {
    if (this.peerTimers.has('idle-hold') || this.peerTimers.has('auto-start')) return;
    const policy = this.config.idleHold ?? DEFAULT_IDLE_HOLD;
    const wait = Math.max(this.idleHoldTime, policy.initial);
    this.log.info({ seconds: Math.round(wait) }, 'automatic restart scheduled');
    this.setPeerTimer('auto-start', wait, () => {
      if (this.stopped || this.primary.state !== 'Idle') return;
      this.fire(this.primary, { name: this.config.passive ? 'AutomaticStart_with_PassiveTcpEstablishment' : 'AutomaticStart' }, 'automatic start');
    });
  }

  private gracefulInfo(s: Session, event: FsmEvent): GracefulInfo | undefined {
    const gr = s.negotiated?.peerGracefulRestart;
    if (!gr || this.config.gracefulRestartTime === undefined || gr.families.length === 0) return undefined;
    // RFC 4724 sec. 4.2: on a TCP failure (not a NOTIFICATION, unless RFC 8538's N bit is set on both
    // sides, and not an administrative stop) keep the peer's routes as stale.
    const hardStop = event.name === 'ManualStop' || event.name === 'AutomaticStop';
    const notif = event.name === 'NotifMsg' || 'notification' in event || event.name === 'HoldTimer_Expires';
    if (hardStop || (notif && !s.negotiated?.gracefulNotification)) return undefined;
    return { restartTime: gr.restartTime, families: gr.families.map((f) => f.family) };
  }

  // ---- connections -------------------------------------------------------------------------------

  private transportOptions(): TransportOptions {
    const c = this.config;
    const ebgp = c.remoteAs !== c.localAs;
    const ttl = c.ttlSecurity !== undefined ? 255 : c.multihop ?? (ebgp ? 1 : undefined);
    return {
      host: c.remoteAddress,
      port: c.remotePort,
      localAddress: c.localAddress,
      password: c.password,
      ttl,
      minTtl: c.ttlSecurity !== undefined ? 256 - c.ttlSecurity : undefined,
      timeoutMs: Math.max(1000, c.connectRetry * 1000),
    };
  }

  private connect(s: Session): void {
    if (this.config.passive) return;
    let sock: Socket;
    try {
      sock = openConnection(this.transportOptions());
    } catch (e) {
      // A configuration the platform cannot honour (e.g. TCP-MD5 unsupported) must not run unsigned.
      this.log.error({ err: (e as Error).message }, 'cannot open connection');
      setImmediate(() => s.state === 'Connect' && this.fire(s, { name: 'TcpConnectionFails' }, (e as Error).message));
      return;
    }
    s.pending = sock;
    sock.once('connect', () => {
      if (s.pending !== sock) return sock.destroy();
      s.pending = undefined;
      this.attach(s, sock, true);
      this.fire(s, { name: 'Tcp_CR_Acked' }, 'connected');
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      if (s.pending !== sock) return;
      s.pending = undefined;
      this.connectFailures++;
      this.log.info({ err: e.code ?? e.message }, 'connect failed');
      this.fire(s, { name: 'TcpConnectionFails' }, `connect failed: ${e.code ?? e.message}`);
    });
  }

  private attach(s: Session, socket: Socket, _outgoing: boolean): void {
    const conn: Connection = new Connection(
      socket,
      {
        onMessage: (msg) => this.onMessage(s, conn, msg),
        onDecodeError: (err) => this.onDecodeError(s, conn, err),
        onClosed: (reason) => {
          if (s.conn !== conn) return;
          this.fire(s, { name: 'TcpConnectionFails' }, reason);
        },
        onDrain: () => {
          if (s === this.primary) this.hooks.onDrain?.(this);
        },
        onWriteProgress: () => this.afterWrite(s),
      },
      this.sent,
      this.received,
      undefined,
      this.now,
    );
    s.conn = conn;
  }

  /** RFC 9687: the SendHoldTimer restarts whenever the peer takes our bytes. */
  private afterWrite(s: Session): void {
    if (s.state !== 'Established' || !s.timers.has('send-hold') || !s.conn) return;
    if (s.conn.socket.writableNeedDrain) return;
    const secs = this.sendHoldSeconds(s.negotiated?.holdTime ?? s.holdTime);
    if (secs > 0) this.setTimer(s, 'send-hold', secs, () => this.fire(s, { name: 'SendHoldTimer_Expires' }, 'send-hold-timer-expired'));
  }

  private onMessage(s: Session, conn: Connection, msg: BgpMessage): void {
    if (s.conn !== conn) return;
    this.lastMessage = msg;
    switch (msg.type) {
      case 'open':
        return this.onOpen(s, msg);
      case 'update':
        this.fire(s, { name: 'UpdateMsg' }, 'update');
        break;
      case 'keepalive':
        this.fire(s, { name: 'KeepAliveMsg' }, 'keepalive');
        break;
      case 'notification':
        this.recordReceived(msg);
        this.fire(s, { name: msg.code === ErrorCode.OPEN_MESSAGE && msg.subcode === OpenSubcode.UNSUPPORTED_VERSION_NUMBER ? 'NotifMsgVerErr' : 'NotifMsg' }, `notification-received: ${describeNotification(msg)}`);
        break;
      case 'route-refresh':
        this.fire(s, { name: 'RouteRefreshMsg' }, 'route refresh');
        break;
    }
    this.lastMessage = undefined;
  }

  private onDecodeError(s: Session, conn: Connection, err: BgpError): void {
    if (s.conn !== conn) return;
    this.log.warn({ error: errorName(err.code, err.subcode), detail: err.message }, 'malformed message');
    const n = { code: err.code, subcode: err.subcode, data: err.data };
    const name =
      err.code === ErrorCode.MESSAGE_HEADER ? 'BGPHeaderErr' : err.code === ErrorCode.OPEN_MESSAGE ? 'BGPOpenMsgErr' : err.code === ErrorCode.ROUTE_REFRESH ? 'RouteRefreshMsgErr' : 'UpdateMsgErr';
    this.fire(s, { name, notification: n }, `malformed message: ${errorName(err.code, err.subcode)}`);
  }

  private onOpen(s: Session, open: OpenMessage): void {
    const err = checkOpen(open, {
      localBgpId: this.config.routerId,
      localAs: this.config.localAs,
      localAs4Capable: true,
      peerAs: this.config.remoteAs,
      ...(this.config.role !== undefined ? { localRole: this.config.role, strictRole: this.config.strictRole ?? false } : {}),
    });
    if (err) {
      this.fire(s, { name: 'BGPOpenMsgErr', notification: err }, `bad OPEN: ${err.message}`);
      return;
    }
    s.remoteOpen = open;
    s.negotiated = negotiate(this.localOpen(), open);
    if (this.resolveCollision(s)) return;
    this.fire(s, { name: 'BGPOpen' }, 'open received');
  }

  /** RFC 4271 sec. 6.8. Returns true when `s` itself lost and was dumped. */
  private resolveCollision(s: Session): boolean {
    const other = s === this.primary ? this.second : this.primary;
    if (!other || other.state === 'Idle' || other.state === 'Connect' || other.state === 'Active') return false;
    if (other.state === 'Established') {
      // "a connection collision with an existing BGP connection that is in the Established state
      // causes closing of the newly created connection".
      this.fire(s, { name: 'OpenCollisionDump' }, 'collision with an established session');
      return true;
    }
    const winner = collisionWinner(this.config.routerId, s.remoteOpen!.bgpId, this.config.localAs, this.config.remoteAs);
    // The higher BGP Identifier keeps the connection it initiated.
    const keep = winner === 'local' ? (s.initiatedLocally ? s : other) : s.initiatedLocally ? other : s;
    const dump = keep === s ? other : s;
    this.log.info({ kept: keep.initiatedLocally ? 'outgoing' : 'incoming' }, 'connection collision resolved');
    this.fire(dump, { name: 'OpenCollisionDump' }, 'connection collision');
    if (dump === this.primary) {
      this.primary = keep;
      this.second = undefined;
    } else {
      this.second = undefined;
    }
    return dump === s;
  }

  private processOpen(s: Session): void {
    const n = s.negotiated;
    if (!n || !s.conn) return;
    s.conn.setContexts(this.isIbgp ? n.decode : { ...n.decode, peerExternal: true }, n.encode);
    if (s === this.primary) this.wasEstablished = false;
  }

  localOpen(): OpenMessage {
    const c = this.config;
    const caps: Capability[] = [];
    for (const f of c.families) caps.push({ kind: 'multiprotocol', afi: familyAfi(f), safi: familySafi(f) });
    if (c.routeRefresh) caps.push({ kind: 'route-refresh' });
    if (c.enhancedRouteRefresh) caps.push({ kind: 'enhanced-route-refresh' });
    caps.push({ kind: 'four-octet-as', asn: c.localAs });
    if (c.extendedMessage) caps.push({ kind: 'extended-message' });
    if (c.gracefulRestartTime !== undefined) {
      caps.push({ kind: 'graceful-restart', restarting: false, notification: false, restartTime: c.gracefulRestartTime, families: [] });
    }
    if (c.role !== undefined) caps.push({ kind: 'role', role: c.role });
    if (c.hostname) caps.push({ kind: 'fqdn', hostname: c.hostname, domain: '' });
    return {
      type: 'open',
      version: 4,
      myAs: c.localAs > 0xffff ? AS_TRANS : c.localAs,
      holdTime: c.holdTime,
      bgpId: c.routerId,
      capabilities: caps,
    };
  }

  // ---- timers ------------------------------------------------------------------------------------

  private setTimer(s: Session, name: string, seconds: number, fn: () => void): void {
    // The hold and send-hold timers restart on every message (a full table is ~420k UPDATEs): only
    // the due time moves, and a timer that fires before it waits for the rest.
    const existing = s.timers.get(name);
    if (existing && seconds > 0 && s.timerSeconds.get(name) === seconds) {
      s.timerDue.set(name, Date.now() + seconds * 1000);
      return;
    }
    this.clearTimer(s, name);
    if (!(seconds > 0)) return;
    s.timerSeconds.set(name, seconds);
    s.timerDue.set(name, Date.now() + seconds * 1000);
    const expire = (): void => {
      // Restarted since it was armed: wait what is left (never more than the period, should the
      // wall clock have stepped).
      const left = Math.min((s.timerDue.get(name) ?? 0) - Date.now(), seconds * 1000);
      if (left > 0) {
        s.timers.set(name, setTimeout(expire, left));
        return;
      }
      s.timers.delete(name);
      s.timerSeconds.delete(name);
      s.timerDue.delete(name);
      fn();
    };
    s.timers.set(name, setTimeout(expire, seconds * 1000));
  }

  private clearTimer(s: Session, name: string): void {
    const t = s.timers.get(name);
    if (t) clearTimeout(t);
    s.timers.delete(name);
    s.timerSeconds.delete(name);
    s.timerDue.delete(name);
  }

  private setPeerTimer(name: string, seconds: number, fn: () => void): void {
    this.clearPeerTimer(name);
    this.peerTimerDue.set(name, Date.now() + Math.max(0, seconds * 1000));
    this.peerTimers.set(
      name,
      setTimeout(() => {
        this.peerTimers.delete(name);
        this.peerTimerDue.delete(name);
        fn();
      }, Math.max(0, seconds * 1000)),
    );
  }

  private clearPeerTimer(name: string): void {
    const t = this.peerTimers.get(name);
    if (t) clearTimeout(t);
    this.peerTimers.delete(name);
    this.peerTimerDue.delete(name);
  }

  /**
   * The running timers of the neighbour and of its current session, with when each fires (ms since
   * the epoch), under bgpctl's names (`show neighbor timers`).
   */
  runningTimers(): { name: string; dueAt: number }[] {
    const out: { name: string; dueAt: number }[] = [];
    for (const [name, dueAt] of this.peerTimerDue) out.push({ name: TIMER_NAMES[name] ?? name, dueAt });
    for (const [name, dueAt] of this.primary.timerDue) out.push({ name: TIMER_NAMES[name] ?? name, dueAt });
    return out.sort((a, b) => a.dueAt - b.dueAt);
  }

  /** Stop everything for good (daemon exit, neighbour removed): no NOTIFICATION, no restart. */
  dispose(): void {
    this.stopped = true;
    for (const name of [...this.peerTimers.keys()]) this.clearPeerTimer(name);
    for (const s of [this.primary, this.second]) {
      if (!s) continue;
      for (const name of [...s.timers.keys()]) this.clearTimer(s, name);
      s.pending?.destroy();
      s.conn?.destroy();
    }
  }

  // ---- records for show / logs -------------------------------------------------------------------

  private recordSent(n: NotificationMessage): void {
    this.lastErrorSent = { code: n.code, subcode: n.subcode, name: errorName(n.code, n.subcode), at: this.now(), ...shutdownText(n) };
  }

  private recordReceived(n: NotificationMessage): void {
    this.lastErrorReceived = { code: n.code, subcode: n.subcode, name: errorName(n.code, n.subcode), at: this.now(), ...shutdownText(n) };
    this.log.warn({ notification: describeNotification(n) }, 'notification received');
  }

  keepaliveSeconds(): number {
    const n = this.negotiated;
    return n ? keepaliveInterval(n.holdTime) : keepaliveInterval(this.config.holdTime);
  }
}

/**
 * RFC 9687 sec. 4.4: a configured SendHoldTime must exceed the Hold Time. Checked against the
 * configured Hold Time, which no negotiated one exceeds, so the FSM never meets a value that
 * timers.sendHoldTime() would refuse. Throws RangeError.
 */
function checkSendHoldTime(c: PeerConfig): void {
  if (c.sendHoldTime !== undefined) sendHoldTime(c.holdTime, c.sendHoldTime);
}

function shutdownText(n: NotificationMessage): { shutdownCommunication?: string } {
  if (n.shutdownCommunication !== undefined) return { shutdownCommunication: n.shutdownCommunication };
  // NOTIFICATIONs built from FSM actions carry the communication only in their data.
  if (carriesShutdownCommunication(n.code, n.subcode) && n.data.length > 0) {
    const r = readShutdownCommunication(n.data);
    if (r.ok) return { shutdownCommunication: r.text };
  }
  return {};
}

export function describeNotification(n: NotificationMessage): string {
  const base = errorName(n.code, n.subcode);
  return n.shutdownCommunication !== undefined ? `${base} "${n.shutdownCommunication}"` : base;
}

function eventReason(e: FsmEvent): string {
  if (e.name === 'HoldTimer_Expires') return 'hold-timer-expired';
  if (e.name === 'SendHoldTimer_Expires') return 'send-hold-timer-expired';
  if (e.name === 'ManualStop') return 'administrative stop';
  if (e.name === 'TcpConnectionFails') return 'connection lost';
  if (e.name === 'NotifMsg' || e.name === 'NotifMsgVerErr') return 'notification received';
  if ('notification' in e) return `malformed message: ${errorName(e.notification.code, e.notification.subcode)}`;
  return e.name;
}
