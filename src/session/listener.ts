/**
 * The passive side: listens on the configured addresses, matches each incoming connection to a
 * configured neighbour by its source address, and refuses unknown ones with a log line.
 *
 * TCP-MD5 (RFC 2385): every neighbour's key is set on each listening socket before it binds, so no
 * SYN is ever accepted unsigned from a keyed neighbour; keys change in place on reload. Where
 * TCP-MD5 is unavailable the listener still runs for unkeyed neighbours, and refuses every
 * connection from a neighbour that has a password.
 * GTSM (RFC 5082) and eBGP TTL are applied to each accepted socket as its neighbour asks.
 */

import net from 'node:net';
import type { Logger } from '../log';
import { stripMapped } from './connection';
import { listenWithMd5, md5Supported, setListenerKey, setSocketTtl } from './md5';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface AcceptTarget {
  password?: string;
  ttl?: number;
  minTtl?: number;
  accept(socket: net.Socket): void;
}

export class Listener {
  private servers: { addr: ListenAddress; server: net.Server; keyed: boolean }[] = [];
  private keys = new Map<string, string>();

  constructor(
    private readonly lookup: (remoteAddress: string) => AcceptTarget | undefined,
    private readonly log: Logger,
  ) {}

  /** Bind every address; keys are the neighbours' passwords by neighbour address. */
  async start(addresses: readonly ListenAddress[], keys: ReadonlyMap<string, string>): Promise<void> {
    this.keys = new Map(keys);
    const md5 = md5Supported();
    if (!md5.ok && keys.size > 0) {
      this.log.error({ reason: md5.reason }, 'TCP-MD5 unavailable: neighbours with a password will not be accepted');
    }
    for (const addr of addresses) {
      const onConn = (sock: net.Socket) => this.onConnection(sock);
      let server: net.Server;
      let keyed = false;
      if (md5.ok) {
        server = listenWithMd5({ host: addr.host, port: addr.port, keys: this.keysFor(addr.host), v6only: addr.host === '::' ? false : undefined }, onConn);
        keyed = true;
      } else {
        server = net.createServer(onConn);
        server.listen({ host: addr.host, port: addr.port });
      }
      await new Promise<void>((resolve, reject) => {
        if (server.listening) return resolve();
        server.once('listening', () => resolve());
        server.once('error', reject);
      });
      server.on('error', (e) => this.log.error({ err: e.message, listen: `${addr.host}:${addr.port}` }, 'listener error'));
      this.servers.push({ addr, server, keyed });
      this.log.info({ listen: `${addr.host}:${addr.port}`, md5: keyed }, 'listening');
    }
  }

  /** Keys that apply to a listening address of this family (IPv4 peers can reach a '::' listener). */
  private keysFor(host: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [peer, key] of this.keys) if (reaches(peer, host)) out.set(peer, key);
    return out;
  }

  /** Add, change (key) or remove (null) a neighbour's key on every listener (config reload). */
  setKey(peer: string, key: string | null): void {
    if (key === null) this.keys.delete(peer);
    else this.keys.set(peer, key);
    for (const { addr, server, keyed } of this.servers) {
      // By family, not by whether the key is there: a removed key is no longer in this.keys, and a
      // key of the other family must not be tried on a socket that cannot take it.
      if (!keyed || !reaches(peer, addr.host)) continue;
      try {
        setListenerKey(server, peer, key);
      } catch (e) {
        this.log.error({ peer, err: (e as NodeJS.ErrnoException).code ?? 'error' }, 'could not update the TCP-MD5 key on a listener');
      }
    }
  }

  get addresses(): ListenAddress[] {
    return this.servers.map((s) => {
      const a = s.server.address();
      return a && typeof a === 'object' ? { host: a.address, port: a.port } : s.addr;
    });
  }

  private onConnection(sock: net.Socket): void {
    const remote = stripMapped(sock.remoteAddress ?? '');
    const target = this.lookup(remote);
    const where = { remote, port: sock.remotePort, local: stripMapped(sock.localAddress ?? '') };
    if (!target) {
      this.log.warn(where, 'connection from unknown neighbour refused');
      sock.destroy();
      return;
    }
    const served = this.servers.find((s) => s.server === (sock as unknown as { server?: net.Server }).server);
    if (target.password !== undefined && !(served?.keyed ?? this.servers.every((s) => s.keyed))) {
      this.log.error(where, 'neighbour has a password but TCP-MD5 is unavailable: connection refused');
      sock.destroy();
      return;
    }
    if (target.ttl !== undefined || target.minTtl !== undefined) {
      try {
        setSocketTtl(sock, { ...(target.ttl !== undefined ? { ttl: target.ttl } : {}), ...(target.minTtl !== undefined ? { minTtl: target.minTtl } : {}) });
      } catch (e) {
        this.log.warn({ ...where, err: (e as NodeJS.ErrnoException).code ?? 'error' }, 'could not set TTL on an accepted connection');
      }
    }
    target.accept(sock);
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map(({ server }) => new Promise<void>((r) => server.close(() => r()))));
    this.servers = [];
  }
}

/** Whether a neighbour at `peer` can reach a listener bound to `host` (IPv4 peers reach '::' too). */
function reaches(peer: string, host: string): boolean {
  const v6 = net.isIPv6(host);
  if (net.isIPv6(peer.split('/')[0]!)) return v6;
  return !v6 || host === '::';
}
