/**
 * Fuzz: random and mutated messages through the framer and decoder. Asserts that nothing but BgpError
 * ever escapes, that decoding always returns (each batch runs in a worker that is killed and counted
 * as a failure if it overruns its time), and that whatever decodes cleanly re-encodes to bytes that
 * decode to the same thing. Seeds are the wire fixtures plus a slice of the synthetic full table.
 * Inputs that once broke the decoder live in fixtures/fuzz/ and are replayed first.
 */

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BgpError } from '../../src/wire/errors';
import { Framer } from '../../src/wire/header';
import { decodeMessage, encodeMessage, messageToJSON } from '../../src/wire/message';
import { CodecContext, makeContext, maxMessageLength } from '../../src/wire/context';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';
import { buildTable, prng } from '../bench/full-table';
import { loadWireFixtures, parseAnnotatedHex, REPO_ROOT } from '../helpers/fixtures';

const BATCHES = 8;
const PER_BATCH = 4000;
const BATCH_DEADLINE_MS = 30_000;

interface BatchResult {
  cases: number;
  bgpErrors: number;
  decoded: number;
  failures: string[];
}

const CONTEXTS: CodecContext[] = [
  makeContext({ as4: true }),
  makeContext({ as4: false }),
  makeContext({ as4: true, extendedMessage: true }),
  makeContext({ as4: true, addPath: new Set([IPV4_UNICAST, IPV6_UNICAST]) }),
];

function seeds(): Buffer[] {
  const out: Buffer[] = [];
  for (const fx of loadWireFixtures()) out.push(fx.bytes);
  const table = buildTable({
    seed: 7,
    ipv4: 300,
    ipv6: 100,
    attributeSets: 120,
    peerAs: 65001,
    nextHop4: 0xc0000201,
    nextHop6: Buffer.from('20010db8000000000000000000000001', 'hex'),
  });
  out.push(...table.updates.slice(0, 40));
  return out;
}

function mutate(rand: () => number, src: Buffer): Buffer {
  const b = Buffer.from(src);
  const op = Math.floor(rand() * 6);
  const at = () => 19 + Math.floor(rand() * Math.max(1, b.length - 19));
  switch (op) {
    case 0: // flip a few body bytes
      for (let i = 0, n = 1 + Math.floor(rand() * 4); i < n && b.length > 19; i++) b[at()] = Math.floor(rand() * 256);
      return b;
    case 1: // poke a length-looking byte with a boundary value
      if (b.length > 19) b[at()] = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff][Math.floor(rand() * 9)]!;
      return b;
    case 2: {
      // truncate the body, keeping the header length consistent
      const len = 19 + Math.floor(rand() * Math.max(1, b.length - 19));
      const c = Buffer.from(b.subarray(0, len));
      if (c.length >= 19) c.writeUInt16BE(c.length, 16);
      return c;
    }
    case 3: {
      // append junk, header length consistent
      const extra = Buffer.alloc(1 + Math.floor(rand() * 16));
      for (let i = 0; i < extra.length; i++) extra[i] = Math.floor(rand() * 256);
      const c = Buffer.concat([b, extra]);
      if (c.length <= 0xffff) c.writeUInt16BE(c.length, 16);
      return c;
    }
    case 4: // flip flag bits of what may be an attribute header
      if (b.length > 24) b[at()]! ^= [0x80, 0x40, 0x20, 0x10][Math.floor(rand() * 4)]!;
      return b;
    default: {
      // random body of a random type
      const len = 19 + Math.floor(rand() * 80);
      const c = Buffer.alloc(len);
      c.fill(0xff, 0, 16);
      c.writeUInt16BE(len, 16);
      c[18] = 1 + Math.floor(rand() * 5);
      for (let i = 19; i < len; i++) c[i] = Math.floor(rand() * 256);
      return c;
    }
  }
}

function decodeStream(bytes: Buffer, ctx: CodecContext, res: BatchResult): void {
  const framer = new Framer(maxMessageLength(ctx));
  framer.push(bytes);
  try {
    for (let f = framer.next(), guard = 0; f && guard < 64; f = framer.next(), guard++) {
      const m = decodeMessage(f, ctx);
      res.decoded++;
      const clean = m.type !== 'update' || m.problems.length === 0;
      if (!clean) continue;
      const again = new Framer(maxMessageLength(ctx));
      again.push(encodeMessage(m, ctx));
      const f2 = again.next();
      const m2 = f2 && decodeMessage(f2, ctx);
      if (!m2 || JSON.stringify(messageToJSON(m2)) !== JSON.stringify(messageToJSON(m))) {
        res.failures.push(`re-encode changed meaning: ${bytes.toString('hex')}`);
      }
    }
  } catch (e) {
    if (e instanceof BgpError) res.bgpErrors++;
    else res.failures.push(`${(e as Error).name}: ${(e as Error).message} on ${bytes.toString('hex')}`);
  }
}

function runBatch(seed: number, count: number): BatchResult {
  const rand = prng(seed);
  const pool = seeds();
  const res: BatchResult = { cases: 0, bgpErrors: 0, decoded: 0, failures: [] };
  for (let i = 0; i < count && res.failures.length < 5; i++) {
    let input = pool[Math.floor(rand() * pool.length)]!;
    for (let k = 0, n = 1 + Math.floor(rand() * 3); k < n; k++) input = mutate(rand, input);
    decodeStream(input, CONTEXTS[Math.floor(rand() * CONTEXTS.length)]!, res);
    res.cases++;
  }
  return res;
}

function runCrashers(): BatchResult {
  const res: BatchResult = { cases: 0, bgpErrors: 0, decoded: 0, failures: [] };
  const dir = join(REPO_ROOT, 'fixtures', 'fuzz');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.hex'));
  } catch {
    return res;
  }
  for (const f of files) {
    const bytes = parseAnnotatedHex(readFileSync(join(dir, f), 'utf8'), f);
    for (const ctx of CONTEXTS) decodeStream(bytes, ctx, res);
    res.cases++;
  }
  return res;
}

function inWorker(seed: number, count: number): Promise<BatchResult | 'timeout'> {
  return new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: { seed, count } });
    const timer = setTimeout(() => {
      void w.terminate();
      resolve('timeout');
    }, BATCH_DEADLINE_MS);
    // tap, loaded by this same file in the worker, posts messages of its own: wait for ours.
    w.on('message', (m: BatchResult) => {
      if (typeof m !== 'object' || m === null || !Array.isArray(m.failures)) return;
      clearTimeout(timer);
      void w.terminate();
      resolve(m);
    });
    w.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

if (!isMainThread) {
  const { seed, count } = workerData as { seed: number; count: number };
  parentPort!.postMessage(seed < 0 ? runCrashers() : runBatch(seed, count));
} else {
  t.test('kept crashers decode without escaping errors', async (t) => {
    const r = await inWorker(-1, 0);
    t.not(r, 'timeout', 'the crashers finish');
    if (r !== 'timeout') t.same(r.failures, [], `${r.cases} crashers replayed`);
  });

  for (let b = 0; b < BATCHES; b++) {
    t.test(`batch ${b + 1}: ${PER_BATCH} mutated/random messages`, async (t) => {
      const r = await inWorker(1000 + b, PER_BATCH);
      t.not(r, 'timeout', `the batch finishes within ${BATCH_DEADLINE_MS} ms (the decoder never loops)`);
      if (r === 'timeout') return;
      t.same(r.failures, [], 'only BgpError escapes; clean messages re-encode to the same meaning');
      t.equal(r.cases, PER_BATCH, 'every case ran');
      t.ok(r.bgpErrors > 0 && r.decoded > 0, `mix of rejected (${r.bgpErrors}) and decoded (${r.decoded}) input`);
    });
  }
}
