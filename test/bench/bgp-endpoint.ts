/**
 * A minimal BGP-4 endpoint for the full-table benchmark, shared by the feeder and the monitor: one
 * TCP connection, OPEN / KEEPALIVE handling (RFC 4271 sec. 4.2, 4.4, 8), keepalives on a timer, and
 * raw UPDATE bodies handed to a callback. Messages are framed and OPEN / NOTIFICATION decoded with
 * src/wire; UPDATEs are never decoded here.
 *
 * Departures, on purpose: no FSM beyond OpenSent -> OpenConfirm -> Established, no collision
 * detection (the speaker under test is configured passive), and an expired hold timer is recorded
 * (`holdExpired`) instead of closing the session, so a speaker that stalls shows up
 * in the figures rather than as a lost run.
 */

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Capability } from '../../src/wire/capabilities/types';
import { makeContext } from '../../src/wire/context';
import { Framer } from '../../src/wire/header';
import { Afi, AS_TRANS, CeaseSubcode, MessageType, Safi } from '../../src/wire/iana';
import { KEEPALIVE } from '../../src/wire/keepalive';
import { decodeMessage, encodeMessage } from '../../src/wire/message';
import { shutdownNotification } from '../../src/wire/notification';

export interface EndpointOptions {
  name: string;
  localAs: number;
  routerId: string;
  localAddress: string;
  remoteAddress: string;
  port?: number;
  /** Offered hold time in seconds (default 90). */
  holdTime?: number;
  /** Each UPDATE body, a view into the received bytes valid only during the call. */
  onUpdate?: (body: Buffer) => void;
  /** After each batch of received bytes has been processed. */
  onBatch?: () => void;
  /** The session ended (NOTIFICATION received, connection closed or reset). */
  onClosed?: (reason: string) => void;
}

const CTX = makeContext({ as4: true });

export function benchOpen(localAs: number, routerId: string, holdTime: number): Buffer {
  const capabilities: Capability[] = [
    { kind: 'multiprotocol', afi: Afi.IPV4, safi: Safi.UNICAST },
    { kind: 'multiprotocol', afi: Afi.IPV6, safi: Safi.UNICAST },
    { kind: 'route-refresh' },
    { kind: 'four-octet-as', asn: localAs },
  ];
  return encodeMessage(
    { type: 'open', version: 4, myAs: localAs > 0xffff ? AS_TRANS : localAs, holdTime, bgpId: routerId, capabilities },
    CTX,
  );
}

export type EndpointState = 'Idle' | 'Connect' | 'OpenSent' | 'OpenConfirm' | 'Established' | 'Closed';

export class BgpEndpoint {
  state: EndpointState = 'Idle';
  socket?: net.Socket;
  private framer = new Framer();
  private keepaliveTimer?: NodeJS.Timeout;
  private holdTimer?: NodeJS.Timeout;
  private established?: { resolve: () => void; reject: (e: Error) => void };
  negotiatedHold = 0;
  lastReceived = 0;
  /** Times the speaker was silent for longer than the hold time (recorded, not acted on). */
  holdExpired = 0;
  closedReason?: string;
  bytesIn = 0;

  constructor(readonly opts: EndpointOptions) {}

  /** Connect (retrying refused connections until the deadline) and wait for Established. */
  async connect(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host: this.opts.remoteAddress, port: this.opts.port ?? 179, localAddress: this.opts.localAddress });
          const t = setTimeout(() => {
            s.destroy();
            reject(new Error('connect timed out'));
          }, 5000);
          s.once('connect', () => {
            clearTimeout(t);
            s.removeAllListeners('error');
            resolve(s);
          });
          s.once('error', (e) => {
            clearTimeout(t);
            reject(e);
          });
        });
        await this.run(sock, Math.max(1000, deadline - Date.now()));
        return;
      } catch (e) {
        this.close();
        if (Date.now() + 500 > deadline) throw new Error(`${this.opts.name}: no session with ${this.opts.remoteAddress} (${(e as Error).message})`);
        this.state = 'Idle';
        this.closedReason = undefined;
        this.framer = new Framer();
        await new Promise((r) => setTimeout(r, Math.min(200 * (attempt + 1), 1000)));
      }
    }
  }

  /** Run the session over an accepted or connected socket; resolves when Established. */
  run(sock: net.Socket, timeoutMs: number): Promise<void> {
    this.socket = sock;
    sock.setNoDelay(true);
    this.state = 'OpenSent';
    const done = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`not Established within ${timeoutMs} ms (state ${this.state})`)), timeoutMs);
      this.established = {
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
    });
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (e: NodeJS.ErrnoException) => this.ended(`socket error ${e.code ?? e.message}`));
    sock.on('close', () => this.ended('connection closed by the speaker'));
    sock.write(benchOpen(this.opts.localAs, this.opts.routerId, this.opts.holdTime ?? 90));
    return done;
  }

  private onData(chunk: Buffer): void {
    this.lastReceived = performance.now();
    this.bytesIn += chunk.length;
    this.framer.push(chunk);
    try {
      for (let f = this.framer.next(); f; f = this.framer.next()) {
        if (f.type === MessageType.UPDATE) {
          this.opts.onUpdate?.(f.body);
          continue;
        }
        if (f.type === MessageType.KEEPALIVE) {
          if (this.state === 'OpenConfirm') this.becomeEstablished();
          continue;
        }
        const m = decodeMessage(f, CTX);
        if (m.type === 'open') {
          this.negotiatedHold = Math.min(m.holdTime, this.opts.holdTime ?? 90);
          this.state = 'OpenConfirm';
          this.socket?.write(KEEPALIVE);
        } else if (m.type === 'notification') {
          const text = m.shutdownCommunication ? ` "${m.shutdownCommunication}"` : '';
          this.ended(`NOTIFICATION ${m.code}/${m.subcode}${text} from the speaker`);
          return;
        }
      }
    } catch (e) {
      this.ended(`bad message from the speaker: ${(e as Error).message}`);
      this.socket?.destroy();
      return;
    }
    this.opts.onBatch?.();
  }

  private becomeEstablished(): void {
    this.state = 'Established';
    if (this.negotiatedHold > 0) {
      const every = Math.max(1, Math.floor(this.negotiatedHold / 3)) * 1000;
      this.keepaliveTimer = setInterval(() => this.socket?.write(KEEPALIVE), every);
      this.holdTimer = setInterval(() => {
        if (performance.now() - this.lastReceived > this.negotiatedHold * 1000) {
          this.holdExpired++;
          this.lastReceived = performance.now(); // count each expiry once
        }
      }, 1000);
    }
    this.established?.resolve();
  }

  private ended(reason: string): void {
    if (this.state === 'Closed') return;
    const wasUp = this.state === 'Established';
    this.state = 'Closed';
    this.closedReason = reason;
    this.stopTimers();
    this.established?.reject(new Error(reason));
    if (wasUp) this.opts.onClosed?.(reason);
  }

  private stopTimers(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    if (this.holdTimer) clearInterval(this.holdTimer);
    this.keepaliveTimer = undefined;
    this.holdTimer = undefined;
  }

  /**
   * Write message-aligned chunks, honouring backpressure. KEEPALIVEs from the timer go between
   * chunks, so chunks must end on message boundaries. Resolves with the time the first chunk was
   * handed to the socket.
   */
  async sendChunks(chunks: readonly Buffer[]): Promise<{ firstAt: number; lastAt: number }> {
    const sock = this.socket;
    if (!sock || this.state !== 'Established') throw new Error(`${this.opts.name}: not Established (${this.closedReason ?? this.state})`);
    const firstAt = performance.now();
    for (const c of chunks) {
      if (this.state !== 'Established') throw new Error(`${this.opts.name}: session ended while sending (${this.closedReason})`);
      if (!sock.write(c)) {
        await new Promise<void>((resolve) => {
          const onDrain = (): void => {
            sock.off('close', onDrain);
            sock.off('drain', onDrain);
            resolve();
          };
          sock.once('drain', onDrain);
          sock.once('close', onDrain);
        });
      }
    }
    return { firstAt, lastAt: performance.now() };
  }

  /** Cease / Administrative Shutdown, then close. */
  close(message = 'benchmark done'): void {
    this.stopTimers();
    const s = this.socket;
    if (s && !s.destroyed) {
      if (this.state === 'Established' || this.state === 'OpenConfirm') {
        s.write(encodeMessage(shutdownNotification(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, message), CTX));
      }
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    }
    if (this.state !== 'Closed') {
      this.state = 'Closed';
      this.closedReason = 'closed by the benchmark';
    }
  }
}

/** Cut a stream of whole messages into chunks of about `size` bytes that end on message boundaries. */
export function messageAlignedChunks(messages: readonly Buffer[], size = 64 * 1024): Buffer[] {
  const out: Buffer[] = [];
  let parts: Buffer[] = [];
  let bytes = 0;
  for (const m of messages) {
    parts.push(m);
    bytes += m.length;
    if (bytes >= size) {
      out.push(Buffer.concat(parts, bytes));
      parts = [];
      bytes = 0;
    }
  }
  if (bytes > 0) out.push(Buffer.concat(parts, bytes));
  return out;
}
