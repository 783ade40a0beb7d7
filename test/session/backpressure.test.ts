/**
 * Connection write backpressure over a real loopback socket whose reader the test controls:
 * writeRaw() says false once the queue passes the high-water mark; a reader that never catches up
 * makes the connection close itself (onClosed "peer is not reading") instead of queueing past the
 * hard limit; a reader that catches up gets onDrain, and every byte arrives once, in order.
 */

import t, { Test } from 'tap';
import net from 'node:net';
import { Connection, ConnectionEvents, ConnectionLimits } from '../../src/session/connection';
import { MessageType } from '../../src/wire/iana';
import { FakeServer, waitFor } from './fake-peer';

const HOST = '127.0.0.1';
const CHUNK = 16 << 10;
const LIMITS: ConnectionLimits = { highWater: 256 << 10, hardLimit: 1 << 20 };
/** Loopback buffers hold a few MB; no test writes more than this. */
const MAX_CHUNKS = (256 << 20) / CHUNK;

interface Pair {
  conn: Connection;
  /** The far end, paused: nothing is read until the test resumes it. */
  far: net.Socket;
  closed: string[];
  drains: number;
  progress: number;
}

async function pair(t: Test): Promise<Pair> {
  const fake = await FakeServer.listen(HOST, (s) => s.pause());
  const client = net.connect({ host: HOST, port: fake.port });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const far = await fake.accepted(5000);
  const p: Pair = { conn: undefined as unknown as Connection, far, closed: [], drains: 0, progress: 0 };
  const events: ConnectionEvents = {
    onMessage() {},
    onDecodeError() {},
    onClosed: (reason) => void p.closed.push(reason),
    onDrain: () => void p.drains++,
    onWriteProgress: () => void p.progress++,
  };
  p.conn = new Connection(client, events, undefined, undefined, LIMITS);
  t.teardown(async () => {
    p.conn.destroy();
    await fake.close();
  });
  return p;
}

/** A chunk whose every byte is its sequence number (mod 251), so the reader can check order. */
function chunk(i: number): Buffer {
  return Buffer.alloc(CHUNK, i % 251);
}

/** The Connection's own queue, without what the socket itself still buffers. */
function ownQueue(c: Connection): number {
  return c.queued - c.socket.writableLength;
}

t.test('writeRaw returns false above the high-water mark, true below', async (t) => {
  const p = await pair(t);
  let i = 0;
  let refused = false;
  for (; i < MAX_CHUNKS && !refused; i++) {
    const ok = p.conn.writeRaw(chunk(i), MessageType.UPDATE);
    if (ok) {
      if (p.conn.queued >= LIMITS.highWater) t.fail(`true returned with ${p.conn.queued} bytes queued`);
    } else {
      refused = true;
      t.ok(p.conn.queued >= LIMITS.highWater, `false once ${p.conn.queued} bytes are queued (high water ${LIMITS.highWater})`);
    }
  }
  t.ok(refused, `backpressure reported after ${i} chunks`);
  t.notOk(p.conn.isClosed, 'still open: above high water is not above the hard limit');
  t.equal(p.conn.sent.update, i, 'every write was counted');
  t.same(p.closed, []);
});

t.test('a reader that never catches up: the connection closes rather than queue past the hard limit', async (t) => {
  const p = await pair(t);
  let maxOwn = 0;
  let accepted = 0;
  let i = 0;
  for (; i < MAX_CHUNKS && !p.conn.isClosed; i++) {
    // Ignore the false answers: a caller that does not listen must still not grow the queue.
    p.conn.writeRaw(chunk(i), MessageType.UPDATE);
    if (!p.conn.isClosed) accepted++;
    maxOwn = Math.max(maxOwn, ownQueue(p.conn));
  }
  t.ok(p.conn.isClosed, `closed after ${i} writes`);
  t.ok(maxOwn <= LIMITS.hardLimit, `the queue never held more than the hard limit (max ${maxOwn})`);
  t.ok(ownQueue(p.conn) <= LIMITS.hardLimit, 'nor does it after closing');
  t.equal(p.closed.length, 1, 'onClosed reported once');
  t.match(p.closed[0], /peer is not reading/, 'saying why');
  t.equal(p.conn.sent.update, accepted, 'the write that was refused is not counted as sent');
  t.equal(p.conn.writeRaw(chunk(0), MessageType.UPDATE), false, 'writes after closing are refused');
  t.equal(p.conn.sent.update, accepted, 'and not counted');
  t.ok(await farSeesEnd(p.far), 'the far end sees the connection end once it reads');
});

/** Resume the far end and wait until it sees EOF or an error (our side destroyed the socket). */
async function farSeesEnd(far: net.Socket): Promise<boolean> {
  const done = new Promise<boolean>((resolve) => {
    far.once('end', () => resolve(true));
    far.once('close', () => resolve(true));
    far.once('error', () => resolve(true));
  });
  far.resume();
  const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref());
  return Promise.race([done, timeout]);
}

t.test('onDrain fires once the reader catches up, and every byte arrives in order', async (t) => {
  const p = await pair(t);
  let i = 0;
  while (i < MAX_CHUNKS && p.conn.writeRaw(chunk(i), MessageType.UPDATE)) i++;
  const written = ++i; // the refused write was still taken: false is advice, not a rejection
  t.notOk(p.conn.isClosed, 'open');
  t.equal(p.drains, 0, 'no onDrain while the reader is stalled');

  let received = 0;
  let outOfOrder = 0;
  p.far.on('data', (b: Buffer) => {
    for (let k = 0; k < b.length; k += 4096) {
      const at = received + k;
      if (b[k] !== Math.floor(at / CHUNK) % 251) outOfOrder++;
    }
    received += b.length;
  });
  p.far.resume();
  t.ok(await waitFor(() => p.drains > 0, 10_000), 'onDrain fired');
  t.ok(p.progress > 0, 'onWriteProgress reported the reader taking bytes');
  t.ok(p.conn.queued < LIMITS.highWater, `below high water again (${p.conn.queued})`);
  t.equal(p.conn.writeRaw(chunk(written), MessageType.UPDATE), true, 'writes are welcome again');
  t.ok(await waitFor(() => received === (written + 1) * CHUNK, 10_000), `the reader got all ${written + 1} chunks (${received} bytes)`);
  t.equal(outOfOrder, 0, 'in the order written');
  t.same(p.closed, [], 'never closed');
});
