/**
 * The control socket server: a Unix socket (mode from config), one JSON request per line, answers
 * as protocol.ts describes. Handlers may return a value, or an async iterable of chunks for large
 * answers (a full `show rib`), which are written as the socket drains so the daemon keeps serving
 * keepalives meanwhile. A second, restricted socket refuses commands that change state.
 *
 * A stream may be endless (`monitor`): each request gets an AbortSignal that fires when its client's
 * connection closes, so that a stream waiting for its next chunk learns of it and lets go of what
 * it holds (a monitor subscription) rather than wait for data that no one will read.
 */

import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import net from 'node:net';
import type { Logger } from '../log';
import { ControlRequest, ControlResponse, MUTATING_COMMANDS, PROTOCOL_VERSION } from './protocol';

/** What a handler may know of the request besides its arguments. */
export interface RequestContext {
  /** Aborted when the client's connection closes. */
  signal: AbortSignal;
}

export type Handler = (args: Record<string, unknown>, ctx?: RequestContext) => unknown | Promise<unknown> | { stream: AsyncIterable<unknown[]> };

export class ControlServer {
  private servers: net.Server[] = [];
  private paths: string[] = [];
  /** Open client connections: closed with the server (a `monitor` client would otherwise hold it open). */
  private readonly clients = new Set<net.Socket>();

  constructor(
    private readonly handlers: ReadonlyMap<string, Handler>,
    private readonly log: Logger,
  ) {}

  async listen(path: string, mode: number, restricted = false): Promise<void> {
    // The socket's directory (e.g. /run/tsbgpd when not made by systemd's RuntimeDirectory).
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    // A stale socket from a previous run would make listen fail with EADDRINUSE.
    if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path);
    const server = net.createServer((sock) => this.serve(sock, restricted));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    chmodSync(path, mode);
    this.servers.push(server);
    this.paths.push(path);
    this.log.info({ socket: path, mode: mode.toString(8), restricted }, 'control socket listening');
  }

  private serve(sock: net.Socket, restricted: boolean): void {
    this.clients.add(sock);
    sock.once('close', () => this.clients.delete(sock));
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (data: string) => {
      buf += data;
      if (buf.length > 1 << 20) {
        sock.destroy();
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() !== '') void this.handle(sock, line, restricted);
      }
    });
  }

  private async handle(sock: net.Socket, line: string, restricted: boolean): Promise<void> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
    } catch {
      write(sock, { v: PROTOCOL_VERSION, id: 0, ok: false, error: 'request is not JSON' });
      return;
    }
    const id = typeof req.id === 'number' ? req.id : 0;
    const fail = (error: string): void => {
      write(sock, { v: PROTOCOL_VERSION, id, ok: false, error });
    };
    if (req.v !== PROTOCOL_VERSION) return fail(`unsupported protocol version ${String(req.v)} (daemon speaks ${PROTOCOL_VERSION})`);
    const handler = this.handlers.get(req.cmd);
    if (!handler) return fail(`unknown command: ${req.cmd}`);
    if (restricted && MUTATING_COMMANDS.has(req.cmd)) return fail(`permission denied: ${req.cmd} is not allowed on the restricted socket`);
    const abort = new AbortController();
    const onClose = () => abort.abort();
    sock.once('close', onClose);
    if (sock.destroyed) abort.abort();
    try {
      const result = await handler(req.args ?? {}, { signal: abort.signal });
      if (result && typeof result === 'object' && 'stream' in result) {
        for await (const chunk of (result as { stream: AsyncIterable<unknown[]> }).stream) {
          if (sock.destroyed) return;
          if (!write(sock, { v: PROTOCOL_VERSION, id, chunk })) await writable(sock);
        }
        write(sock, { v: PROTOCOL_VERSION, id, ok: true, done: true });
      } else {
        write(sock, { v: PROTOCOL_VERSION, id, ok: true, result });
      }
    } catch (e) {
      fail((e as Error).message);
    } finally {
      sock.off('close', onClose);
    }
  }

  async close(): Promise<void> {
    for (const sock of this.clients) sock.destroy();
    this.clients.clear();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const p of this.paths) {
      try {
        unlinkSync(p);
      } catch {
        /* already gone */
      }
    }
    this.servers = [];
    this.paths = [];
  }
}

/** Until the socket drains or closes (a client that goes away mid-stream must not strand the stream). */
function writable(sock: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sock.off('drain', done);
      sock.off('close', done);
      resolve();
    };
    sock.on('drain', done);
    sock.on('close', done);
  });
}

function write(sock: net.Socket, res: ControlResponse): boolean {
  if (sock.destroyed) return false;
  return sock.write(JSON.stringify(res) + '\n');
}
