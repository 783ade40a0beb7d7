/** A control-socket client: used by tsbgpctl and by tests that drive a running daemon. */

import net from 'node:net';
import { ControlResponse, PROTOCOL_VERSION } from './protocol';

export class ControlError extends Error {}

export class ControlClient {
  private sock?: net.Socket;
  private nextId = 1;
  private buf = '';
  private waiting = new Map<number, { chunks: unknown[]; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly path: string) {}

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.path);
      sock.setEncoding('utf8');
      sock.once('connect', () => {
        this.sock = sock;
        resolve();
      });
      sock.once('error', (e: NodeJS.ErrnoException) => {
        const why =
          e.code === 'ENOENT' ? `no control socket at ${this.path} (is tsbgpd running?)` : e.code === 'EACCES' ? `permission denied on ${this.path}` : e.code === 'ECONNREFUSED' ? `tsbgpd is not listening on ${this.path}` : e.message;
        const err = new ControlError(why);
        reject(err);
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
      });
      sock.on('data', (d: string) => this.onData(d));
      sock.on('close', () => {
        for (const w of this.waiting.values()) w.reject(new ControlError('tsbgpd closed the control connection'));
        this.waiting.clear();
      });
    });
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const res = JSON.parse(line) as ControlResponse;
      const w = this.waiting.get(res.id);
      if (!w) continue;
      if ('chunk' in res) {
        w.chunks.push(...res.chunk);
        continue;
      }
      this.waiting.delete(res.id);
      if (!res.ok) w.reject(new ControlError(res.error));
      else w.resolve(res.done ? w.chunks : res.result);
    }
  }

  /** Send a command; resolves with its result (streamed chunks are concatenated into one array). */
  request(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    if (!this.sock) return Promise.reject(new ControlError('not connected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { chunks: [], resolve, reject });
      this.sock!.write(JSON.stringify({ v: PROTOCOL_VERSION, id, cmd, args }) + '\n');
    });
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
