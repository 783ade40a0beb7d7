/**
 * Outgoing TCP connections for a peer: bind to `local-address` before connecting, TTL for eBGP
 * (1 by default, `multihop N`), GTSM (RFC 5082) and TCP-MD5 (RFC 2385). Sockets that need any
 * option before the SYN leaves are created natively (md5.ts) so that the very first segment is
 * signed and sent with the right TTL; plain ones use Node's net.connect.
 *
 * A neighbour with a password never falls back to an unsigned connection: where TCP-MD5 is not
 * available, openConnection throws with the reason.
 */

import net from 'node:net';
import { connectWithMd5, md5Supported, nativeSocketsAvailable } from './md5';

export interface TransportOptions {
  host: string;
  port: number;
  localAddress?: string;
  /** RFC 2385 key; never logged or put in an error. */
  password?: string;
  ttl?: number;
  minTtl?: number;
  timeoutMs: number;
}

export class Md5UnavailableError extends Error {
  constructor(reason: string) {
    super(`TCP-MD5 password configured but TCP-MD5 is unavailable: ${reason}; refusing to connect unsigned`);
    this.name = 'Md5UnavailableError';
  }
}

/** Throw unless TCP-MD5 can be used here (checked before any keyed socket is made). */
export function requireMd5(): void {
  const s = md5Supported();
  if (!s.ok) throw new Md5UnavailableError(s.reason);
}

export function openConnection(o: TransportOptions): net.Socket {
  // Without the native shim (a platform it does not support), only the plain eBGP TTL may be let
  // go: the connection then leaves with the system's default TTL. A password or GTSM never is.
  const plainTtlOnly = o.password === undefined && o.minTtl === undefined && !nativeSocketsAvailable();
  if (!plainTtlOnly && (o.password !== undefined || o.ttl !== undefined || o.minTtl !== undefined)) {
    if (o.password !== undefined) requireMd5();
    return connectWithMd5({
      host: o.host,
      port: o.port,
      ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
      key: o.password ?? null,
      ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
      ...(o.minTtl !== undefined ? { minTtl: o.minTtl } : {}),
      timeoutMs: o.timeoutMs,
    });
  }
  const sock = net.connect({ host: o.host, port: o.port, ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}) });
  const timer = setTimeout(() => sock.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })), o.timeoutMs);
  sock.once('connect', () => clearTimeout(timer));
  sock.once('close', () => clearTimeout(timer));
  return sock;
}
