/**
 * A control-socket client: used by tsbgpctl and by tests that drive a running daemon.
 *
 * request() gathers a streamed answer into one array; stream() hands each chunk to a callback as it
 * arrives and, while the callback's promise is pending (stdout is full), stops reading the socket,
 * so that the daemon's writes wait too and a full table never piles up in memory here.
 */

import net from 'node:net';
import { ControlResponse, PROTOCOL_VERSION } from './protocol';

export class ControlError extends Error {}

export type ChunkHandler = (chunk: unknown[]) => void | Promise<void>;

interface Waiting {
  chunks: unknown[];
  onChunk?: ChunkHandler;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** A connection failure in words an operator can act on. */
export function describeConnectError(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return `no control socket at ${path} (is tsbgpd running?)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${path}`;
    case 'ECONNREFUSED':
      return `tsbgpd is not listening on ${path}`;
    case 'ENOTSOCK':
      return `${path} is not a socket`;
    default:
      return `cannot connect to ${path}: ${e.message}`;
  }
}

export class ControlClient {
  private sock?: net.Socket;
  private nextId = 1;
  private buf = '';
  private lines: string[] = [];
  private pumping = false;
  private closedWith?: ControlError;
  private waiting = new Map<number, Waiting>();

  constructor(private readonly path: string) {}

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.path);
      sock.setEncoding('utf8');
      sock.once('connect', () => {
        this.sock = sock;
        resolve();
      });
      sock.on('error', (e: NodeJS.ErrnoException) => {
        const err = new ControlError(this.sock ? `control connection failed: ${e.message}` : describeConnectError(this.path, e));
        reject(err);
        this.fail(err);
      });
      sock.on('data', (d: string) => this.onData(d));
      sock.on('close', () => {
        this.closedWith ??= new ControlError('tsbgpd closed the control connection');
        void this.pump();
      });
    });
  }

  private fail(err: ControlError): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      this.lines.push(this.buf.slice(0, nl));
      this.buf = this.buf.slice(nl + 1);
    }
    void this.pump();
  }

  /** Handle answer lines in order; a chunk handler that returns a promise pauses reading. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.lines.length > 0) {
        const pending = this.handleLine(this.lines.shift()!);
        if (pending) {
          this.sock?.pause();
          try {
            await pending;
          } finally {
            this.sock?.resume();
          }
        }
      }
      if (this.closedWith) this.fail(this.closedWith);
    } finally {
      this.pumping = false;
    }
  }

  private handleLine(line: string): Promise<void> | void {
    let res: ControlResponse;
    try {
      res = JSON.parse(line) as ControlResponse;
    } catch {
      this.fail(new ControlError('tsbgpd sent an answer that is not JSON'));
      return;
    }
    const w = this.waiting.get(res.id);
    if (!w) return;
    if ('chunk' in res) {
      if (!w.onChunk) {
        for (const x of res.chunk) w.chunks.push(x);
        return;
      }
      try {
        const r = w.onChunk(res.chunk);
        if (r) return r.catch((e: Error) => this.abort(res.id, e));
      } catch (e) {
        this.abort(res.id, e as Error);
      }
      return;
    }
    this.waiting.delete(res.id);
    if (!res.ok) w.reject(new ControlError(res.error));
    else w.resolve(res.done ? (w.onChunk ? undefined : w.chunks) : res.result);
  }

  private abort(id: number, e: Error): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    w?.reject(e);
  }

  private send(cmd: string, args: Record<string, unknown>, w: Omit<Waiting, 'resolve' | 'reject'>): Promise<unknown> {
    if (!this.sock) return Promise.reject(new ControlError('not connected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { ...w, resolve, reject });
      this.sock!.write(JSON.stringify({ v: PROTOCOL_VERSION, id, cmd, args }) + '\n');
    });
  }

  /** Send a command; resolves with its result (streamed chunks are concatenated into one array). */
  request(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    return this.send(cmd, args, { chunks: [] });
  }

  /**
   * Send a command whose answer may be streamed: each chunk goes to onChunk as it comes (reading
   * waits while its promise is pending). Resolves with the result of an answer that was not
   * streamed, or undefined once a streamed one is complete.
   */
  stream(cmd: string, args: Record<string, unknown>, onChunk: ChunkHandler): Promise<unknown> {
    return this.send(cmd, args, { chunks: [], onChunk });
  }

  close(): void {
    this.sock?.end();
    this.sock?.destroy();
  }
}

/** Connect, run one command, close. */
export async function controlRequest(path: string, cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const c = new ControlClient(path);
  await c.connect();
  try {
    return await c.request(cmd, args);
  } finally {
    c.close();
  }
}
