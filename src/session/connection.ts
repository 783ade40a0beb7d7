/**
 * One TCP connection carrying BGP: framing, decoding with the context negotiated so far, counted and
 * backpressured writes (RFC 4271 sec. 4; RFC 9687 for what a stalled reader means).
 *
 * Writes go straight to the socket while it accepts them; once socket.write() returns false, further
 * messages wait in a queue bounded in bytes. A caller that fills the queue past its high-water mark
 * is told (write() returns false) and gets onDrain when the socket and queue have emptied. A queue that
 * overflows its hard limit means the peer stopped reading: the connection reports it and the peer
 * layer drops the session (the Send Hold Timer usually fires first).
 */

import type { Socket } from 'node:net';
import { CodecContext, defaultContext, maxMessageLength } from '../wire/context';
import { BgpError } from '../wire/errors';
import { Framer } from '../wire/header';
import { MessageType } from '../wire/iana';
import { BgpMessage, CodecBug, decodeMessage, encodeMessage } from '../wire/message';
import { KEEPALIVE } from '../wire/keepalive';

export interface MessageCounters {
  open: number;
  update: number;
  notification: number;
  keepalive: number;
  routeRefresh: number;
}

export const emptyCounters = (): MessageCounters => ({ open: 0, update: 0, notification: 0, keepalive: 0, routeRefresh: 0 });

export function countersTotal(c: MessageCounters): number {
  return c.open + c.update + c.notification + c.keepalive + c.routeRefresh;
}

function bump(c: MessageCounters, type: number): void {
  switch (type) {
    case MessageType.OPEN:
      c.open++;
      break;
    case MessageType.UPDATE:
      c.update++;
      break;
    case MessageType.NOTIFICATION:
      c.notification++;
      break;
    case MessageType.KEEPALIVE:
      c.keepalive++;
      break;
    case MessageType.ROUTE_REFRESH:
      c.routeRefresh++;
      break;
  }
}

export interface ConnectionEvents {
  onMessage(msg: BgpMessage, raw: Buffer): void;
  /** A header or body the RFCs say must reset the session: send err as NOTIFICATION and close. */
  onDecodeError(err: BgpError, type: number): void;
  /** The TCP connection ended or failed; not called after close() by us. */
  onClosed(reason: string): void;
  onDrain(): void;
  /** Bytes written to the socket (for the Send Hold Timer: progress means the peer reads). */
  onWriteProgress(): void;
}

export interface ConnectionLimits {
  /** Above this many queued bytes write() returns false. */
  highWater: number;
  /** Above this many queued bytes the peer is considered not to be reading. */
  hardLimit: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = { highWater: 1 << 20, hardLimit: 64 << 20 };

export class Connection {
  private framer = new Framer();
  private decodeCtx: CodecContext = defaultContext();
  encodeCtx: CodecContext = defaultContext();
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private closed = false;
  private paused = false;
  private corked = false;
  private readonly reportedClose: { done: boolean } = { done: false };
  lastRead = 0;
  lastWrite = 0;
  /**
   * Messages, and bytes of them, delivered per turn of the event loop before yielding, so one
   * connection cannot hog the loop. The byte budget is what bounds a turn's work: a 4 KB UPDATE
   * may withdraw a thousand prefixes where an announcement carries a few; the time budget covers
   * cold code at start-up, when the same bytes take several times as long.
   */
  private static readonly BATCH = 512;
  private static readonly BATCH_BYTES = 32 * 1024;
  private static readonly BATCH_MS = 4;

  constructor(
    readonly socket: Socket,
    private readonly events: ConnectionEvents,
    /** Counters to add to; the peer passes its own so that they survive reconnections. */
    readonly sent: MessageCounters = emptyCounters(),
    readonly received: MessageCounters = emptyCounters(),
    private readonly limits: ConnectionLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.flush());
    socket.on('error', (e: Error) => this.reportClosed(`socket error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    socket.on('close', () => this.reportClosed('connection closed by peer'));
    socket.on('end', () => this.reportClosed('connection closed by peer'));
  }

  get localAddress(): string {
    return stripMapped(this.socket.localAddress ?? '');
  }
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }
  get remoteAddress(): string {
    return stripMapped(this.socket.remoteAddress ?? '');
  }
  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }
  get queued(): number {
    return this.queuedBytes + (this.socket.writableLength ?? 0);
  }
  get isClosed(): boolean {
    return this.closed;
  }

  /** Switch codecs once OPENs are exchanged (ADD-PATH, 4-octet AS, Extended Message). */
  setContexts(decode: CodecContext, encode: CodecContext): void {
    this.decodeCtx = decode;
    this.encodeCtx = encode;
    this.framer.maxLength = maxMessageLength(decode);
  }

  send(msg: BgpMessage): boolean {
    return this.writeRaw(msg.type === 'keepalive' ? KEEPALIVE : encodeMessage(msg, this.encodeCtx), typeOf(msg));
  }

  /** Write an already encoded message of the given type. Returns false above the high-water mark. */
  writeRaw(bytes: Buffer, type: number): boolean {
    if (this.closed) return false;
    if (this.queue.length === 0 && !this.socket.writableNeedDrain) {
      this.corkUntilNextTick();
      this.socket.write(bytes);
      this.lastWrite = this.now();
    } else {
      // Refuse the message that would overflow the queue rather than hold it: the queue stays within
      // hardLimit, and what was never sent is not counted as sent.
      if (this.queuedBytes + bytes.length > this.limits.hardLimit) {
        this.reportClosed(`outbound queue above ${this.limits.hardLimit} bytes: peer is not reading`);
        return false;
      }
      this.queue.push(bytes);
      this.queuedBytes += bytes.length;
    }
    bump(this.sent, type);
    return this.queued < this.limits.highWater;
  }

  /**
   * Messages written in one turn of the event loop leave in one writev() when the turn ends, not
   * one write() each: an initial table is ~420k UPDATEs, and a syscall per UPDATE cost more than
   * everything else the engine does for them. Backpressure is unchanged: corked bytes count in
   * writableLength, so write() still says when the socket is past its high-water mark.
   */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(this.uncork);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  private flush(): void {
    this.events.onWriteProgress();
    if (this.queue.length > 0) this.corkUntilNextTick();
    while (this.queue.length > 0 && !this.socket.writableNeedDrain) {
      const b = this.queue.shift()!;
      this.queuedBytes -= b.length;
      this.socket.write(b);
      this.lastWrite = this.now();
    }
    if (this.queue.length === 0 && !this.closed) this.events.onDrain();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastRead = this.now();
    this.framer.push(chunk);
    this.drainFrames();
  }

  /** Deliver framed messages in batches; past a batch, pause the socket and continue on the next tick. */
  private drainFrames(): void {
    let n = 0;
    let bytes = 0;
    const started = performance.now();
    for (;;) {
      if (this.closed) return;
      let type = 0;
      try {
        const f = this.framer.next();
        if (!f) break;
        type = f.type;
        bytes += f.raw.length;
        const msg = decodeMessage(f, this.decodeCtx);
        bump(this.received, f.type);
        this.events.onMessage(msg, f.raw);
      } catch (e) {
        if (e instanceof BgpError) {
          this.events.onDecodeError(e, type);
          return;
        }
        if (e instanceof CodecBug) {
          // A decoder bug must not take the daemon down: treat the input as malformed.
          this.events.onDecodeError(new BgpError(1, 0, Buffer.alloc(0), e.message), type);
          return;
        }
        throw e;
      }
      if (++n >= Connection.BATCH || bytes >= Connection.BATCH_BYTES || ((n & 15) === 0 && performance.now() - started > Connection.BATCH_MS)) {
        if (!this.paused) {
          this.paused = true;
          this.socket.pause();
        }
        setImmediate(() => this.drainFrames());
        return;
      }
    }
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Write what is queued (e.g. a NOTIFICATION), then close. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reportedClose.done = true;
    for (const b of this.queue.splice(0)) this.socket.write(b);
    this.queuedBytes = 0;
    this.socket.end();
    // A peer that never reads would keep the socket half-open forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.closed = true;
    this.reportedClose.done = true;
    this.dropQueue();
    this.socket.destroy();
  }

  private reportClosed(reason: string): void {
    if (this.reportedClose.done) return;
    this.reportedClose.done = true;
    this.closed = true;
    this.dropQueue();
    this.socket.destroy();
    this.events.onClosed(reason);
  }

  /** A destroyed socket sends nothing more: let the queued messages go. */
  private dropQueue(): void {
    this.queue = [];
    this.queuedBytes = 0;
  }
}

function typeOf(msg: BgpMessage): number {
  switch (msg.type) {
    case 'open':
      return MessageType.OPEN;
    case 'update':
      return MessageType.UPDATE;
    case 'notification':
      return MessageType.NOTIFICATION;
    case 'keepalive':
      return MessageType.KEEPALIVE;
    case 'route-refresh':
      return MessageType.ROUTE_REFRESH;
  }
}

/** Node reports IPv4 peers of a dual-stack listener as ::ffff:a.b.c.d. */
export function stripMapped(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}
