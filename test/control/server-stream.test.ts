/**
 * Streamed answers through the control socket (server.ts, client.ts): chunks arrive in order with
 * a slow reader (the client stops reading while its chunk handler is busy, and the server waits for
 * the socket to drain), request() still gathers them into one array, and a client that goes away
 * in the middle ends the stream on the daemon side instead of leaving it waiting for a drain.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ControlClient } from '../../src/control/client';
import { PROTOCOL_VERSION } from '../../src/control/protocol';
import { ControlServer, Handler } from '../../src/control/server';
import { silentLogger } from '../../src/log';

const CHUNKS = 400;
const PAD = 'x'.repeat(4000);

t.test('streams', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpctl-stream-'));
  const sock = join(dir, 'ctl.sock');
  let finished = 0;
  async function* numbers(): AsyncGenerator<unknown[]> {
    try {
      for (let i = 0; i < CHUNKS; i++) {
        yield [{ i, pad: PAD }];
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      finished++;
    }
  }
  const handlers = new Map<string, Handler>([['numbers', () => ({ stream: numbers() })]]);
  const server = new ControlServer(handlers, silentLogger);
  await server.listen(sock, 0o600);
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  t.test('a slow reader gets every chunk, in order', async (t) => {
    const c = new ControlClient(sock);
    await c.connect();
    t.teardown(() => c.close());
    const seen: number[] = [];
    const r = await c.stream('numbers', {}, async (chunk) => {
      for (const x of chunk) seen.push((x as { i: number }).i);
      if (seen.length % 50 === 0) await new Promise((res) => setTimeout(res, 20));
    });
    t.equal(r, undefined, 'a streamed answer resolves with nothing');
    t.same(seen, Array.from({ length: CHUNKS }, (_, i) => i));
    const all = (await c.request('numbers')) as unknown[];
    t.equal(all.length, CHUNKS, 'request() gathers the chunks');
  });

  t.test('a client that goes away mid-stream ends the stream', async (t) => {
    const before = finished;
    const raw = net.connect(sock);
    await new Promise((r) => raw.once('connect', r));
    raw.pause(); // read nothing: the server fills the socket and waits for it to drain
    raw.write(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, cmd: 'numbers', args: {} }) + '\n');
    await new Promise((r) => setTimeout(r, 200));
    t.equal(finished, before, 'the stream is waiting for the reader');
    raw.destroy();
    const end = Date.now() + 3000;
    while (finished === before && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    t.equal(finished, before + 1, 'the stream was ended when the client went away');
  });
});
