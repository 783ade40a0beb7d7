/**
 * The passive side on loopback: a Listener on 127.0.0.1 matches each incoming connection to a
 * configured neighbour by source address. Unknown sources are closed at once with a warning naming
 * them; a neighbour's connection reaches its accept(). TCP-MD5 keys (RFC 2385) sit on the listening
 * socket, so an unsigned SYN from a keyed neighbour never completes the handshake, and setKey()
 * changes that on a live listener in both directions.
 */

import t, { Test } from 'tap';
import net from 'node:net';
import { AcceptTarget, Listener } from '../../src/session/listener';
import { connectWithMd5, md5Supported } from '../../src/session/md5';
import { LogCall, recordingLogger, waitFor } from './fake-peer';

const HOST = '127.0.0.1';
const KNOWN = '127.0.0.2';
const STRANGER = '127.0.0.3';
const KEYED = '127.0.0.4';
const LATER_KEYED = '127.0.0.5';
/** Connect timeout for attempts that must fail: a refused keyed SYN gets no answer at all. */
const NEVER_MS = 2000;

interface Setup {
  listener: Listener;
  port: number;
  calls: LogCall[];
  accepted: Map<string, net.Socket[]>;
  looked: string[];
  /** Neighbour address -> password (undefined: no key); the lookup reads it live. */
  neighbours: Map<string, string | undefined>;
}

async function setup(t: Test): Promise<Setup> {
  const log = recordingLogger();
  const s: Setup = {
    listener: undefined as unknown as Listener,
    port: 0,
    calls: log.calls,
    accepted: new Map(),
    looked: [],
    neighbours: new Map<string, string | undefined>([
      [KNOWN, undefined],
      [KEYED, 'key-for-four'],
      [LATER_KEYED, undefined],
    ]),
  };
  s.listener = new Listener((addr): AcceptTarget | undefined => {
    s.looked.push(addr);
    if (!s.neighbours.has(addr)) return undefined;
    const password = s.neighbours.get(addr);
    return {
      ...(password !== undefined ? { password } : {}),
      accept: (sock) => {
        const list = s.accepted.get(addr) ?? [];
        list.push(sock);
        s.accepted.set(addr, list);
      },
    };
  }, log);
  const keys = new Map<string, string>();
  for (const [a, k] of s.neighbours) if (k !== undefined) keys.set(a, k);
  await s.listener.start([{ host: HOST, port: 0 }], keys);
  s.port = s.listener.addresses[0]!.port;
  t.teardown(async () => {
    for (const list of s.accepted.values()) for (const sock of list) sock.destroy();
    await s.listener.close();
  });
  return s;
}

type Outcome = { connected: true; socket: net.Socket } | { connected: false; code: string };

/** Connect from `from`, signed with `key` when given; resolves with what happened. */
function attempt(t: Test, port: number, from: string, key: string | null, timeoutMs: number): Promise<Outcome> {
  const socket = connectWithMd5({ host: HOST, port, localAddress: from, key, timeoutMs });
  t.teardown(() => void socket.destroy());
  return new Promise<Outcome>((resolve) => {
    socket.once('connect', () => resolve({ connected: true, socket }));
    socket.once('error', (e: NodeJS.ErrnoException) => resolve({ connected: false, code: e.code ?? e.message }));
  });
}

/** Resolves true when the socket is closed by the other side (EOF, reset or close) within ms. */
function closedByPeer(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    socket.once('end', done);
    socket.once('close', done);
    socket.once('error', done);
    socket.resume();
  });
}

t.test('TCP-MD5 is available here (the keyed cases below need it)', async (t) => {
  t.same(md5Supported(), { ok: true });
});

t.test('a connection from an address that is no neighbour is refused and logged', async (t) => {
  const s = await setup(t);
  const r = await attempt(t, s.port, STRANGER, null, 5000);
  t.ok(r.connected, 'the kernel completes the handshake');
  if (!r.connected) return;
  t.ok(await closedByPeer(r.socket, 5000), 'and the listener closes it at once');
  t.same(s.looked, [STRANGER], 'the lookup was asked about the source address');
  t.equal(s.accepted.size, 0, 'no neighbour got the connection');
  const warn = s.calls.find((c) => c.level === 'warn' && c.obj.remote === STRANGER);
  t.ok(warn, 'a warning names the address');
  t.match(warn?.msg, /unknown neighbour refused/);
  t.equal(warn?.obj.local, HOST, 'and the local address it came in on');
});

t.test("a configured neighbour's connection reaches its accept()", async (t) => {
  const s = await setup(t);
  const r = await attempt(t, s.port, KNOWN, null, 5000);
  t.ok(r.connected, 'connected');
  if (!r.connected) return;
  t.ok(await waitFor(() => (s.accepted.get(KNOWN)?.length ?? 0) === 1, 5000), 'accept() called once');
  const sock = s.accepted.get(KNOWN)![0]!;
  t.equal(sock.remoteAddress, KNOWN, 'with the neighbour socket');
  t.equal(sock.remotePort, r.socket.localPort);
  // The accepted socket is live: bytes written by the client arrive on it.
  const got = new Promise<string>((resolve) => sock.once('data', (b: Buffer) => resolve(b.toString())));
  r.socket.write('hello');
  t.equal(await got, 'hello', 'and carries data');
  t.notOk(s.calls.some((c) => c.level === 'warn' || c.level === 'error'), 'nothing worth a warning was logged');
});

t.test('keys: unsigned SYNs from a keyed neighbour never connect; setKey changes that live', async (t) => {
  const s = await setup(t);

  const unsigned = await attempt(t, s.port, KEYED, null, NEVER_MS);
  t.same(unsigned, { connected: false, code: 'ETIMEDOUT' }, 'unsigned client from a keyed neighbour never connects');
  const signed = await attempt(t, s.port, KEYED, 'key-for-four', 5000);
  t.ok(signed.connected, 'signed with its key it connects');
  t.ok(await waitFor(() => (s.accepted.get(KEYED)?.length ?? 0) === 1, 5000), 'and reaches accept()');

  // The key is removed on the running listener (a reload that dropped the password).
  s.neighbours.set(KEYED, undefined);
  s.listener.setKey(KEYED, null);
  const afterRemoval = await attempt(t, s.port, KEYED, null, 5000);
  t.ok(afterRemoval.connected, 'after setKey(addr, null) an unsigned client connects');
  t.ok(await waitFor(() => (s.accepted.get(KEYED)?.length ?? 0) === 2, 5000), 'and reaches accept()');

  // A key added on the running listener (a reload that gave a neighbour a password).
  t.ok((await attempt(t, s.port, LATER_KEYED, null, 5000)).connected, 'unkeyed neighbour connects unsigned');
  s.neighbours.set(LATER_KEYED, 'added-later');
  s.listener.setKey(LATER_KEYED, 'added-later');
  t.same(await attempt(t, s.port, LATER_KEYED, null, NEVER_MS), { connected: false, code: 'ETIMEDOUT' }, 'after setKey(addr, key) unsigned never connects');
  t.ok((await attempt(t, s.port, LATER_KEYED, 'added-later', 5000)).connected, 'signed with the new key it does');
  t.ok(await waitFor(() => (s.accepted.get(LATER_KEYED)?.length ?? 0) === 2, 5000), 'both good connections reached accept()');

  t.notOk(s.calls.some((c) => c.level === 'error'), 'no errors logged');
});

t.test('setKey for a neighbour of the other family leaves an IPv4 listener alone', async (t) => {
  const s = await setup(t);
  s.listener.setKey('2001:db8::4', 'v6-key');
  s.listener.setKey('2001:db8::4', null);
  t.same(
    s.calls.filter((c) => c.level === 'error'),
    [],
    'adding and removing an IPv6 key logs no error on the IPv4 listener',
  );
  // The listener still works for its own family afterwards.
  t.ok((await attempt(t, s.port, KNOWN, null, 5000)).connected, 'and still accepts its neighbours');
});
