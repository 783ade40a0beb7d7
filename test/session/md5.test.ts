/**
 * TCP-MD5 (RFC 2385) and GTSM (RFC 5082) sockets on loopback, end to end through the kernel.
 *
 * A connection that must never come up is given a short connect timeout: keyed SYNs that the peer
 * rejects are dropped silently, so ETIMEDOUT is the expected outcome, and the kernel's TcpExt
 * counters in /proc/net/netstat say which check dropped them. Those counters are per network
 * namespace and only grow, so "went up" stays true even if something else on the machine bumps them.
 */

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import t, { Test } from 'tap';
import {
  connectWithMd5,
  listenWithMd5,
  md5PlatformReason,
  md5Supported,
  Md5ConnectOptions,
  Md5ListenOptions,
  Md5Server,
  setListenerKey,
  setSocketTtl,
} from '../../src/session/md5';

const KEY = 'S3cr3t-Peer-Key-never-logged';
const OTHER_KEY = 'Another-Secret-Key-2';
const NEVER_MS = 2000; // connect timeout for attempts that must fail
const OK_MS = 5000; // connect timeout for attempts that must succeed

type Counters = Record<string, number>;

function tcpExt(): Counters {
  const lines = fs.readFileSync('/proc/net/netstat', 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith('TcpExt:') || !lines[i + 1].startsWith('TcpExt:')) continue;
    const names = lines[i].split(/\s+/).slice(1);
    const values = lines[i + 1].split(/\s+/).slice(1);
    const out: Counters = {};
    names.forEach((n, j) => (out[n] = Number(values[j])));
    return out;
  }
  throw new Error('no TcpExt lines in /proc/net/netstat');
}

function rejectAfter<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Every error we see is checked for the key, in every form it could be printed in. */
function assertKeyFree(tt: Tap, err: unknown): void {
  const texts = [String(err), inspect(err, { depth: 5 }), err instanceof Error ? (err.stack ?? '') : ''];
  try {
    texts.push(JSON.stringify(err));
  } catch {
    // circular: covered by inspect
  }
  for (const [name, key] of [['KEY', KEY], ['OTHER_KEY', OTHER_KEY]]) {
    tt.notOk(texts.some((s) => s.includes(key)), `error text does not contain ${name}`);
  }
}

type Tap = Test;
type Outcome = { connected: true; socket: net.Socket } | { connected: false; error: NodeJS.ErrnoException };

function attempt(tt: Tap, opts: Md5ConnectOptions): Promise<Outcome> {
  const socket = connectWithMd5(opts);
  tt.teardown(() => void socket.destroy());
  return rejectAfter(
    new Promise<Outcome>((resolve) => {
      socket.once('connect', () => resolve({ connected: true, socket }));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve({ connected: false, error }));
    }),
    opts.timeoutMs + 3000,
    'connect attempt',
  );
}

async function mustConnect(tt: Tap, opts: Omit<Md5ConnectOptions, 'timeoutMs'>): Promise<net.Socket> {
  const r = await attempt(tt, { ...opts, timeoutMs: OK_MS });
  if (!r.connected) {
    assertKeyFree(tt, r.error);
    throw new Error(`expected a connection, got ${r.error.code}`);
  }
  return r.socket;
}

/** Attempts a connection that must time out, and returns how the TcpExt counters moved. */
async function mustNotConnect(tt: Tap, opts: Omit<Md5ConnectOptions, 'timeoutMs'>): Promise<Counters> {
  const before = tcpExt();
  const r = await attempt(tt, { ...opts, timeoutMs: NEVER_MS });
  const after = tcpExt();
  tt.notOk(r.connected, 'never connects');
  if (!r.connected) {
    tt.equal(r.error.code, 'ETIMEDOUT', 'fails by our own connect timeout, not a refusal');
    assertKeyFree(tt, r.error);
  }
  const delta: Counters = {};
  for (const k of ['TCPMD5NotFound', 'TCPMD5Unexpected', 'TCPMD5Failure']) delta[k] = after[k] - before[k];
  return delta;
}

/** A listener that echoes whatever it gets, closed at the end of the test. */
async function echoListener(tt: Tap, opts: Omit<Md5ListenOptions, 'port'>): Promise<{ server: Md5Server; port: number }> {
  const server = listenWithMd5({ ...opts, port: 0 }, (s) => {
    s.on('data', (d) => s.write(d));
    s.on('error', () => s.destroy());
  });
  const accepted = new Set<net.Socket>();
  server.on('connection', (s) => {
    accepted.add(s);
    s.once('close', () => accepted.delete(s));
  });
  tt.teardown(() => {
    for (const s of accepted) s.destroy();
    server.close();
  });
  await rejectAfter(new Promise<void>((resolve) => server.once('listening', resolve)), 2000, 'listen');
  const addr = server.address() as net.AddressInfo;
  return { server, port: addr.port };
}

async function echoes(tt: Tap, socket: net.Socket, text: string): Promise<void> {
  const got = await rejectAfter(
    new Promise<string>((resolve) => {
      let buf = '';
      const onData = (d: Buffer): void => {
        buf += d.toString();
        if (buf.length >= text.length) {
          socket.off('data', onData);
          resolve(buf);
        }
      };
      socket.on('data', onData);
      socket.write(text);
    }),
    3000,
    'echo',
  );
  tt.equal(got, text, 'bytes go both ways');
}

t.test('md5Supported() is true on this Linux machine', async (tt) => {
  tt.same(md5Supported(), { ok: true });
});

t.test('other platforms are refused with the reason', async (tt) => {
  tt.equal(md5PlatformReason('linux'), null);
  tt.match(md5PlatformReason('openbsd'), /PF_KEY/, 'OpenBSD: keys live in the SADB');
  tt.match(md5PlatformReason('freebsd'), /SADB/);
  tt.match(md5PlatformReason('darwin'), /Linux only/);
  tt.match(md5PlatformReason('win32'), /Linux only/);
});

t.test('without the addon: a clear reason, and keyed calls throw instead of running unsigned', async (tt) => {
  // A copy of the compiled wrapper in a package that has no build/ directory.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbgpd-md5-'));
  tt.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"no-addon"}\n');
  fs.copyFileSync(require.resolve('../../src/session/md5'), path.join(dir, 'md5.js'));
  const bare = require(path.join(dir, 'md5.js')) as typeof import('../../src/session/md5');
  const support = bare.md5Supported();
  tt.equal(support.ok, false);
  if (!support.ok) tt.match(support.reason, /could not be loaded.*node-gyp rebuild/);
  tt.throws(
    () => bare.connectWithMd5({ host: '127.0.0.1', port: 9, key: KEY, timeoutMs: 1000 }),
    { code: 'ERR_TCP_MD5_UNSUPPORTED' },
  );
  tt.throws(
    () => bare.listenWithMd5({ host: '127.0.0.1', port: 0, keys: new Map([['127.0.0.1', KEY]]) }),
    { code: 'ERR_TCP_MD5_UNSUPPORTED' },
  );
});

t.test('IPv4: signed client and keyed listener exchange bytes', async (tt) => {
  const { port } = await echoListener(tt, { host: '127.0.0.1', keys: new Map([['127.0.0.1', KEY]]) });
  const c = await mustConnect(tt, { host: '127.0.0.1', port, key: KEY, localAddress: '127.0.0.1' });
  tt.equal(c.localAddress, '127.0.0.1');
  await echoes(tt, c, 'hello over RFC 2385');
});

t.test('IPv6: signed client and keyed listener on ::1 exchange bytes', async (tt) => {
  const { port } = await echoListener(tt, { host: '::1', v6only: true, keys: new Map([['::1', Buffer.from(KEY)]]) });
  const c = await mustConnect(tt, { host: '::1', port, key: Buffer.from(KEY) });
  await echoes(tt, c, 'hello over IPv6');
});

t.test('wrong key never connects, and TCPMD5Failure says why', async (tt) => {
  const { port } = await echoListener(tt, { host: '127.0.0.1', keys: new Map([['127.0.0.1', KEY]]) });
  const delta = await mustNotConnect(tt, { host: '127.0.0.1', port, key: OTHER_KEY });
  tt.ok(delta.TCPMD5Failure > 0, 'TCPMD5Failure went up');
});

t.test('wrong key over IPv6 never connects either', async (tt) => {
  const { port } = await echoListener(tt, { host: '::1', v6only: true, keys: new Map([['::1', KEY]]) });
  const delta = await mustNotConnect(tt, { host: '::1', port, key: OTHER_KEY });
  tt.ok(delta.TCPMD5Failure > 0, 'TCPMD5Failure went up');
});

t.test('unsigned client to a keyed listener never connects (TCPMD5NotFound)', async (tt) => {
  const { port } = await echoListener(tt, { host: '127.0.0.1', keys: new Map([['127.0.0.1', KEY]]) });
  const delta = await mustNotConnect(tt, { host: '127.0.0.1', port });
  tt.ok(delta.TCPMD5NotFound > 0, 'TCPMD5NotFound went up');
});

t.test('signed client to a listener with no key for it never connects (TCPMD5Unexpected)', async (tt) => {
  const { port } = await echoListener(tt, { host: '127.0.0.1', keys: new Map([['127.0.0.2', KEY]]) });
  const delta = await mustNotConnect(tt, { host: '127.0.0.1', port, key: KEY });
  tt.ok(delta.TCPMD5Unexpected > 0, 'TCPMD5Unexpected went up');
  // Addresses without a key still connect unsigned.
  const c = await mustConnect(tt, { host: '127.0.0.1', port });
  await echoes(tt, c, 'unkeyed peer');
});

t.test('a keyed SYN to a closed port gets no RST: our timeout ends it', async (tt) => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const unkeyed = await attempt(tt, { host: '127.0.0.1', port, timeoutMs: NEVER_MS });
  tt.match(unkeyed, { connected: false, error: { code: 'ECONNREFUSED' } }, 'unsigned: refused at once');
  // The kernel cannot check a signed SYN without a listener's key, so it sends no RST at all.
  await mustNotConnect(tt, { host: '127.0.0.1', port, key: KEY });
});

t.test('deleting the listener key lets an unsigned client in', async (tt) => {
  const { server, port } = await echoListener(tt, { host: '127.0.0.1', keys: new Map([['127.0.0.1', KEY]]) });
  tt.equal(setListenerKey(server, '127.0.0.1', null), true, 'a key was deleted');
  tt.equal(setListenerKey(server, '127.0.0.1', null), false, 'deleting again finds nothing');
  const c = await mustConnect(tt, { host: '127.0.0.1', port });
  await echoes(tt, c, 'no key any more');
});

t.test('changing the key on a live listener: new key in, old key out, old session unharmed', async (tt) => {
  const { server, port } = await echoListener(tt, { host: '127.0.0.1', keys: new Map([['127.0.0.1', KEY]]) });
  const first = await mustConnect(tt, { host: '127.0.0.1', port, key: KEY });
  tt.equal(setListenerKey(server, '127.0.0.1', OTHER_KEY), true);
  const delta = await mustNotConnect(tt, { host: '127.0.0.1', port, key: KEY });
  tt.ok(delta.TCPMD5Failure > 0, 'the old key is now wrong for new connections');
  const second = await mustConnect(tt, { host: '127.0.0.1', port, key: OTHER_KEY });
  await echoes(tt, second, 'new key');
  await echoes(tt, first, 'the established session keeps its key');
});

t.test('adding a key to a live unkeyed listener shuts unsigned peers out', async (tt) => {
  const { server, port } = await echoListener(tt, { host: '127.0.0.1' });
  await mustConnect(tt, { host: '127.0.0.1', port });
  setListenerKey(server, '127.0.0.1', KEY);
  const delta = await mustNotConnect(tt, { host: '127.0.0.1', port });
  tt.ok(delta.TCPMD5NotFound > 0);
  await mustConnect(tt, { host: '127.0.0.1', port, key: KEY });
});

t.test('IPv4 peer on an AF_INET6 listener: the key is set as ::ffff:127.0.0.1', async (tt) => {
  // A mapped bind keeps the listener on loopback while exercising the dual-stack path.
  const { port } = await echoListener(tt, {
    host: '::ffff:127.0.0.1',
    v6only: false,
    keys: new Map([['127.0.0.1', KEY]]),
  });
  const c = await mustConnect(tt, { host: '127.0.0.1', port, key: KEY });
  await echoes(tt, c, 'mapped peer');
  const delta = await mustNotConnect(tt, { host: '127.0.0.1', port });
  tt.ok(delta.TCPMD5NotFound > 0, 'unsigned IPv4 client is refused by the mapped key');
});

t.test('prefix keys (TCP_MD5SIG_EXT), plain and mapped', async (tt) => {
  const v4 = await echoListener(tt, { host: '127.0.0.1', keys: new Map([['127.0.0.0/8', KEY]]) });
  await echoes(tt, await mustConnect(tt, { host: '127.0.0.1', port: v4.port, key: KEY }), 'prefix');
  const d4 = await mustNotConnect(tt, { host: '127.0.0.1', port: v4.port });
  tt.ok(d4.TCPMD5NotFound > 0, 'the prefix key covers 127.0.0.1');
  tt.equal(setListenerKey(v4.server, '127.0.0.0/8', null), true, 'prefix key deleted');

  const v6 = await echoListener(tt, { host: '::ffff:127.0.0.1', v6only: false, keys: new Map([['127.0.0.0/8', KEY]]) });
  await echoes(tt, await mustConnect(tt, { host: '127.0.0.1', port: v6.port, key: KEY }), 'mapped prefix');
});

t.test('GTSM: minTtl 255 admits TTL-255 peers only (IPv4, and IPv4 on AF_INET6)', async (tt) => {
  for (const host of ['127.0.0.1', '::ffff:127.0.0.1']) {
    const mapped = host.includes(':');
    // The plain listener gets minTtl at creation, the mapped one later on the live listener.
    const { server, port } = await echoListener(tt, { host, v6only: mapped ? false : undefined, minTtl: mapped ? undefined : 255 });
    if (mapped) setSocketTtl(server, { minTtl: 255 });
    const c = await mustConnect(tt, { host: '127.0.0.1', port, ttl: 255 });
    await echoes(tt, c, `gtsm ${host}`);
    await mustNotConnect(tt, { host: '127.0.0.1', port, ttl: 64 });
  }
});

t.test('GTSM over IPv6, with a key', async (tt) => {
  const { port } = await echoListener(tt, { host: '::1', v6only: true, minTtl: 255, keys: new Map([['::1', KEY]]) });
  await echoes(tt, await mustConnect(tt, { host: '::1', port, ttl: 255, key: KEY }), 'gtsm v6');
  await mustNotConnect(tt, { host: '::1', port, ttl: 64, key: KEY });
});

t.test('setSocketTtl works on a connected net.Socket through its fd', async (tt) => {
  let accepted: net.Socket | undefined;
  const server = net.createServer((s) => (accepted = s));
  tt.teardown(() => {
    accepted?.destroy();
    server.close();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = await mustConnect(tt, { host: '127.0.0.1', port });
  for (let i = 0; i < 100 && !accepted; i++) await new Promise((r) => setTimeout(r, 20));
  if (!accepted) throw new Error('server never saw the connection');
  const peer = accepted;
  setSocketTtl(client, { minTtl: 255 });
  const received = new Promise<string>((resolve) => client.once('data', (d) => resolve(d.toString())));
  peer.write('x');
  const early = await Promise.race([received, new Promise((r) => setTimeout(() => r('none'), 1000))]);
  tt.equal(early, 'none', 'data sent with TTL 64 is dropped by minTtl 255');
  setSocketTtl(peer, { ttl: 255 });
  tt.equal(await rejectAfter(received, 8000, 'retransmission'), 'x', 'the TTL-255 retransmission gets through');
  client.destroy();
  tt.throws(() => setSocketTtl(client, { ttl: 1 }), { code: 'EBADF' }, 'no fd after destroy');
});

t.test('errors: clear codes, and never the key', async (tt) => {
  const { server, port } = await echoListener(tt, { host: '127.0.0.1' });
  const cases: Array<[string, () => unknown, object]> = [
    ['IPv6 peer on an IPv4 listener', () => setListenerKey(server, '::1', KEY), { code: 'EAFNOSUPPORT' }],
    ['key over 80 bytes', () => setListenerKey(server, '127.0.0.1', KEY.repeat(3)), { code: 'ERR_INVALID_ARG_VALUE' }],
    ['empty key', () => setListenerKey(server, '127.0.0.1', ''), { code: 'ERR_INVALID_ARG_VALUE' }],
    ['not an address', () => setListenerKey(server, 'peer.example', KEY), { code: 'ERR_INVALID_ARG_VALUE' }],
    ['bad prefix length', () => setListenerKey(server, '127.0.0.0/33', KEY), { code: 'ERR_INVALID_ARG_VALUE' }],
    ['not an Md5Server', () => setListenerKey(net.createServer(), '127.0.0.1', KEY), { code: 'ERR_INVALID_ARG_VALUE' }],
    [
      'port already in use',
      () => listenWithMd5({ host: '127.0.0.1', port, keys: new Map([['127.0.0.1', KEY]]) }),
      { code: 'EADDRINUSE' },
    ],
    [
      'local address of the wrong family',
      () => connectWithMd5({ host: '127.0.0.1', port, key: KEY, localAddress: '::1', timeoutMs: 1000 }),
      { code: 'ERR_INVALID_ARG_VALUE' },
    ],
    [
      'local address not on this host',
      () => connectWithMd5({ host: '127.0.0.1', port, key: KEY, localAddress: '192.0.2.1', timeoutMs: 1000 }),
      { code: 'EADDRNOTAVAIL' },
    ],
    ['ttl out of range', () => connectWithMd5({ host: '127.0.0.1', port, key: KEY, ttl: 0, timeoutMs: 1000 }), { code: 'ERR_INVALID_ARG_VALUE' }],
  ];
  for (const [name, fn, expected] of cases) {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    tt.match(caught, expected, name);
    assertKeyFree(tt, caught);
  }
  server.close();
  await new Promise((r) => setImmediate(r));
  let closed: unknown;
  try {
    setListenerKey(server, '127.0.0.1', KEY);
  } catch (err) {
    closed = err;
  }
  tt.match(closed, { code: 'ERR_SERVER_NOT_RUNNING' }, 'no key changes on a closed listener (its fd may be reused)');
  assertKeyFree(tt, closed);
});
