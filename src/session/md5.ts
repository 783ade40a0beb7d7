/**
 * TCP-MD5 signed sockets (RFC 2385) and TTL security (RFC 5082 GTSM, plus the outgoing TTL of eBGP
 * multihop) for the session layer, over the tsbgpd_md5 native addon (src/native/tcp_md5.c).
 *
 * Node's net module cannot set TCP_MD5SIG, and the key must be on the socket before the first SYN
 * leaves (active side) or arrives (passive side). So sockets are created, keyed, tuned and bound
 * natively and only then handed to Node: `new net.Socket({ fd }).connect(...)` keeps Node's connect
 * semantics, `server.listen({ fd })` leaves no window in which the listener is up unkeyed.
 *
 * API:
 * - md5Supported(): can keys be set here? If not, why (no addon, not Linux, kernel without MD5).
 * - connectWithMd5(opts): a connecting net.Socket, keyed if opts.key, with its own connect timeout
 *   because a keyed SYN to a closed port (or with a wrong key) is silently dropped: no RST, no
 *   ECONNREFUSED, only the kernel's SYN retries for over two minutes.
 * - listenWithMd5(opts): a listening Md5Server (a net.Server) with per-peer keys; accepted sockets
 *   inherit the keys. Peers without a key still connect unsigned, as the kernel decides.
 * - setListenerKey(server, peer, key | null): add, replace or delete a key on a live listener
 *   (config reload). It affects new connections only: RFC 2385 has no key rollover.
 * - setSocketTtl(socketOrServer, { ttl, minTtl }): TTL / GTSM on an accepted or connected socket.
 *
 * Peers are IP literals, optionally with a prefix length ("192.0.2.0/24") to key a whole prefix
 * (TCP_MD5SIG_EXT). IPv4 peers on an IPv6 dual-stack listener are mapped (::ffff:a.b.c.d) natively.
 * Keys are 1 to 80 bytes (a string is taken as UTF-8). Nothing here puts a key into an error, a log
 * line or an object that might be printed.
 *
 * Departures: Linux only. OpenBSD/FreeBSD keep keys in the kernel's SADB (PF_KEY); on those systems
 * md5Supported() says so and every keyed call throws rather than run a session unsigned. Scoped
 * (link-local) peer addresses are refused.
 */

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** The addon's surface, exactly as tcp_md5.c exports it. */
interface Md5Addon {
  /** Present only in a build for a non-Linux platform, with the reason. */
  readonly unsupported?: string;
  socket(family: 4 | 6, v6only: -1 | 0 | 1): number;
  /** prefixLen -1 keys one address; key null deletes (returns false if there was none). */
  setKey(fd: number, address: string, prefixLen: number, key: Buffer | null): boolean;
  setTtl(fd: number, ttl: number): void;
  setMinTtl(fd: number, minTtl: number): void;
  bind(fd: number, address: string, port: number, reuseAddr: boolean): void;
  listen(fd: number, backlog: number): void;
  close(fd: number): void;
  /** null if the kernel accepts TCP_MD5SIG, else the errno name it refused with. */
  probe(): string | null;
}

export type Md5Key = string | Buffer;
export type Md5Support = { ok: true } | { ok: false; reason: string };

export interface TtlOptions {
  /** Outgoing IP TTL / IPv6 hop limit, 1..255 (eBGP multihop; 255 for GTSM). */
  ttl?: number;
  /** Minimum TTL / hop count accepted, 0..255 (RFC 5082 GTSM: 255 - allowed hops + 1; 0 = off). */
  minTtl?: number;
}

export interface Md5ConnectOptions extends TtlOptions {
  /** Peer address: an IP literal, since the key and the socket family follow from it. */
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  /** RFC 2385 key for this peer; absent or null for an unsigned session. */
  key?: Md5Key | null;
  /** Destroy the socket with an ETIMEDOUT error if it has not connected by then. */
  timeoutMs: number;
}

export interface Md5ListenOptions extends TtlOptions {
  /** Local address to bind: an IP literal; '::' listens dual-stack unless v6only. */
  host: string;
  port: number;
  /** Peer address or prefix ("192.0.2.1", "2001:db8::/32") -> key. */
  keys?: ReadonlyMap<string, Md5Key>;
  backlog?: number;
  /** For IPv6 hosts: true = IPv6 only, false = also IPv4 (mapped); absent = the system default. */
  v6only?: boolean;
}

const ADDON_FILE = path.join('build', 'Release', 'tsbgpd_md5.node');

/** Loaded at most once: the addon handle or the reason it is unusable. */
let loaded: { addon: Md5Addon } | { reason: string } | undefined;

/** Why TCP-MD5 cannot work on `platform` whatever the build, or null (Linux). */
export function md5PlatformReason(platform: NodeJS.Platform): string | null {
  switch (platform) {
    case 'linux':
      return null;
    case 'openbsd':
      return (
        'TCP-MD5 on OpenBSD needs the keys in the kernel SADB through PF_KEY (as bgpd/ipsecctl do); ' +
        "tsbgpd only implements Linux's per-socket TCP_MD5SIG keys"
      );
    case 'freebsd':
    case 'netbsd':
      return (
        `TCP-MD5 on ${platform} needs security associations in the kernel SADB (setkey(8), PF_KEY); ` +
        "tsbgpd only implements Linux's per-socket TCP_MD5SIG keys"
      );
    default:
      return `TCP-MD5 is not supported on ${platform}: tsbgpd implements it for Linux only`;
  }
}

/** The package root: the nearest directory above this file with a package.json. Bounded walk. */
function packageRoot(): string | null {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

function load(): { addon: Md5Addon } | { reason: string } {
  if (loaded) return loaded;
  const platform = md5PlatformReason(process.platform);
  if (platform !== null) return (loaded = { reason: platform });
  const root = packageRoot();
  if (root === null) return (loaded = { reason: `no package.json above ${__dirname}` });
  const file = path.join(root, ADDON_FILE);
  try {
    const addon = require(file) as Md5Addon;
    loaded = addon.unsupported ? { reason: addon.unsupported } : { addon };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    loaded = {
      reason:
        `the TCP-MD5 addon ${file} could not be loaded (${why}); ` +
        'build it with `npm rebuild` or `npx node-gyp rebuild` in the package directory',
    };
  }
  return loaded;
}

function unsupportedError(reason: string): Error {
  return Object.assign(new Error(reason), { code: 'ERR_TCP_MD5_UNSUPPORTED' });
}

function argError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' });
}

function addon(): Md5Addon {
  const l = load();
  if ('reason' in l) throw unsupportedError(l.reason);
  return l.addon;
}

/**
 * Whether TCP-MD5 keys can be used here. Probes the kernel each call (a throwaway socket with a
 * throwaway key) so the answer holds for the running kernel, not the build machine.
 */
/** The native socket shim loaded (TTL and GTSM before connect() need it, TCP-MD5 needs more: md5Supported). */
export function nativeSocketsAvailable(): boolean {
  return !('reason' in load());
}

export function md5Supported(): Md5Support {
  const l = load();
  if ('reason' in l) return { ok: false, reason: l.reason };
  const refused = l.addon.probe();
  if (refused === null) return { ok: true };
  const hint =
    refused === 'ENOPROTOOPT' || refused === 'EINVAL'
      ? ' (kernel built without CONFIG_TCP_MD5SIG?)'
      : '';
  return { ok: false, reason: `the kernel refused a TCP_MD5SIG key with ${refused}${hint}` };
}

function keyBytes(key: Md5Key): Buffer {
  const buf = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (!Buffer.isBuffer(buf)) throw argError('a TCP-MD5 key must be a string or a Buffer');
  // Deliberately no length in the message: even that narrows a password down.
  if (buf.length < 1 || buf.length > 80) throw argError('a TCP-MD5 key must be 1 to 80 bytes long');
  return buf;
}

/** "192.0.2.1" -> one address; "192.0.2.0/24" -> a prefix key. */
function parsePeer(peer: string): { address: string; prefixLen: number } {
  const slash = peer.indexOf('/');
  const address = slash < 0 ? peer : peer.slice(0, slash);
  const family = net.isIP(address);
  if (family === 0) throw argError(`TCP-MD5 peer ${JSON.stringify(peer)} is not an IP address or prefix`);
  if (slash < 0) return { address, prefixLen: -1 };
  const len = peer.slice(slash + 1);
  const prefixLen = /^[0-9]{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(prefixLen <= (family === 4 ? 32 : 128))) {
    throw argError(`TCP-MD5 peer ${JSON.stringify(peer)} has a bad prefix length`);
  }
  return { address, prefixLen };
}

function applyTtl(a: Md5Addon, fd: number, opts: TtlOptions): void {
  if (opts.ttl !== undefined) a.setTtl(fd, opts.ttl);
  if (opts.minTtl !== undefined) a.setMinTtl(fd, opts.minTtl);
}

/** Runs `setup` on a fresh native fd; closes the fd if anything throws before Node owns it. */
function withNewSocket<T>(a: Md5Addon, family: 4 | 6, v6only: -1 | 0 | 1, setup: (fd: number) => T): T {
  const fd = a.socket(family, v6only);
  try {
    return setup(fd);
  } catch (err) {
    a.close(fd);
    throw err;
  }
}

/**
 * Connects to a peer from a natively created socket: keyed (if opts.key), TTL-tuned and bound before
 * the SYN. Synchronous errors (bad arguments, unsupported platform, a refused setsockopt or bind)
 * throw; connect errors, including the ETIMEDOUT of opts.timeoutMs, arrive as 'error' events.
 */
export function connectWithMd5(opts: Md5ConnectOptions): net.Socket {
  const family = net.isIP(opts.host);
  if (family !== 4 && family !== 6) throw argError(`connect host ${JSON.stringify(opts.host)} is not an IP address`);
  if (opts.localAddress !== undefined && net.isIP(opts.localAddress) !== family) {
    throw argError(`local address ${JSON.stringify(opts.localAddress)} is not of the peer's address family`);
  }
  if (!(Number.isInteger(opts.timeoutMs) && opts.timeoutMs > 0)) throw argError('timeoutMs must be a positive integer');
  const key = opts.key === undefined || opts.key === null ? null : keyBytes(opts.key);
  const a = addon();
  const socket = withNewSocket(a, family, -1, (fd) => {
    if (key) a.setKey(fd, opts.host, -1, key);
    applyTtl(a, fd, opts);
    if (opts.localAddress !== undefined || opts.localPort !== undefined) {
      a.bind(fd, opts.localAddress ?? (family === 4 ? '0.0.0.0' : '::'), opts.localPort ?? 0, false);
    }
    return new net.Socket({ fd });
  });
  const timer = setTimeout(() => {
    const hint = key ? ' (a keyed SYN that is refused or wrongly signed gets no answer at all)' : '';
    const err = Object.assign(
      new Error(`connect to ${opts.host} port ${opts.port} timed out after ${opts.timeoutMs} ms${hint}`),
      { code: 'ETIMEDOUT' },
    );
    socket.destroy(err);
  }, opts.timeoutMs);
  const clear = (): void => clearTimeout(timer);
  socket.once('connect', clear);
  socket.once('close', clear);
  // localAddress is not passed on: the fd is already bound, and Node would try to bind it again.
  socket.connect({ host: opts.host, port: opts.port });
  return socket;
}

/** A listening server whose fd tsbgpd created, so its keys can be changed while it runs. */
export class Md5Server extends net.Server {
  /** @internal The listening fd; Node owns it (and closes it) once listen() has taken it. */
  readonly md5Fd: number;

  constructor(fd: number, connectionListener?: (socket: net.Socket) => void) {
    super(connectionListener);
    this.md5Fd = fd;
  }
}

/**
 * Listens on host:port from a natively created socket with every key of opts.keys set before bind,
 * SO_REUSEADDR, and opts.ttl/minTtl (inherited by accepted sockets). Throws on any failure (the fd
 * is closed); 'listening' follows on the next tick.
 */
export function listenWithMd5(opts: Md5ListenOptions, connectionListener?: (socket: net.Socket) => void): Md5Server {
  const family = net.isIP(opts.host);
  if (family !== 4 && family !== 6) throw argError(`listen host ${JSON.stringify(opts.host)} is not an IP address`);
  const backlog = opts.backlog ?? 511;
  const keys = [...(opts.keys ?? new Map<string, Md5Key>())].map(([peer, key]) => ({
    ...parsePeer(peer),
    key: keyBytes(key),
  }));
  const a = addon();
  const v6only = family === 4 || opts.v6only === undefined ? -1 : opts.v6only ? 1 : 0;
  const server = withNewSocket(a, family, v6only, (fd) => {
    for (const k of keys) a.setKey(fd, k.address, k.prefixLen, k.key);
    applyTtl(a, fd, opts);
    a.bind(fd, opts.host, opts.port, true);
    a.listen(fd, backlog);
    return new Md5Server(fd, connectionListener);
  });
  server.listen({ fd: server.md5Fd, backlog });
  return server;
}

/** Node's fd for a socket or server: `_handle.fd`, undocumented but long stable for Unix TCP handles. */
function handleFd(target: net.Socket | net.Server): number | null {
  const handle = (target as unknown as { _handle?: { fd?: unknown } | null })._handle;
  return handle && typeof handle.fd === 'number' && handle.fd >= 0 ? handle.fd : null;
}

function liveFd(server: net.Server): number {
  if (!(server instanceof Md5Server)) throw argError('not a server created by listenWithMd5');
  // Once closed (or re-listened elsewhere) the fd number may already belong to another socket.
  const current = handleFd(server);
  if (!server.listening || (current !== null && current !== server.md5Fd)) {
    throw Object.assign(new Error('the TCP-MD5 listener is not running'), { code: 'ERR_SERVER_NOT_RUNNING' });
  }
  return server.md5Fd;
}

/**
 * Adds or replaces (key) or deletes (null) the key for a peer address or prefix on a live listener.
 * Returns false only when deleting a key that was not there. Established sessions keep the key they
 * were accepted with.
 */
export function setListenerKey(server: net.Server, peer: string, key: Md5Key | null): boolean {
  const p = parsePeer(peer);
  const bytes = key === null ? null : keyBytes(key);
  const fd = liveFd(server);
  return addon().setKey(fd, p.address, p.prefixLen, bytes);
}

/**
 * Sets TTL / GTSM minimum TTL on a connected or accepted socket, or on a listener made here. For a
 * net.Socket it uses Node's handle fd (an undocumented but long-stable field on Unix TCP handles)
 * and throws if there is none.
 */
export function setSocketTtl(target: net.Socket | net.Server, opts: TtlOptions): void {
  const fd = target instanceof net.Server ? liveFd(target) : handleFd(target);
  if (fd === null) {
    throw Object.assign(new Error('the socket has no file descriptor (closed, or not a TCP socket)'), {
      code: 'EBADF',
    });
  }
  applyTtl(addon(), fd, opts);
}
