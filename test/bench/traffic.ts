/**
 * The benchmark's traffic process: up to three feeders and one monitor (bgp-endpoint.ts), run in
 * the benchmark's namespace A and driven by full-table-bench.ts over the Node IPC channel. One
 * process serves every speaker of a run, so the tables are built once and every speaker meets the
 * same program.
 *
 * Each phase returns times measured on this process's clock (performance.now), from the moment the
 * first feeder hands its first UPDATE to the socket:
 *   announce: every feeder sends its whole table; done when the monitor holds every prefix
 *   withdraw: every feeder withdraws its whole table; done when the monitor holds none
 *   churn:    feeder 1 withdraws the prefixes of its first UPDATEs (about 10k), then announces
 *             them again; done when the monitor holds every prefix and has been quiet for quietMs
 * and, for every phase, when the last UPDATE reached the monitor before a quiet period.
 */

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { BgpEndpoint, messageAlignedChunks } from './bgp-endpoint';
import { buildTable, withdrawalUpdates } from './full-table';
import { KeyCollector, PrefixCounter, walkUpdate } from './monitor';
import { FEEDERS, feederShape, MONITOR, SPEAKER } from './topology';

export interface PrepareRequest {
  cmd: 'prepare';
  scale: number;
  upstreams: number;
  churnPrefixes: number;
}
export interface ConnectRequest {
  cmd: 'connect';
  /** 'speaker': sessions to the speaker under test; 'floor': feeder 1 straight to the monitor. */
  mode: 'speaker' | 'floor';
  feeders: number;
  timeoutMs: number;
  holdTime: number;
}
export interface PhaseRequest {
  cmd: 'phase';
  kind: 'announce' | 'withdraw' | 'churn';
  timeoutMs: number;
  quietMs: number;
}
export type TrafficRequest = PrepareRequest | ConnectRequest | PhaseRequest | { cmd: 'disconnect' } | { cmd: 'exit' };

export interface PrepareResult {
  ipv4: number;
  ipv6: number;
  updates: number;
  bytes: number;
  buildMs: number;
  churnPrefixes: number;
  churnUpdates: number;
  withdrawUpdates: number;
}

export interface PhaseResult {
  kind: string;
  ok: boolean;
  error?: string;
  /** All times in ms from the first UPDATE handed to a feeder socket. */
  sentMs: number;
  /** The monitor reached the target (every prefix, or none). */
  doneMs?: number;
  firstUpdateMs?: number;
  lastUpdateMs?: number;
  monitor: { updates: number; announced: number; withdrawn: number; ipv4: number; ipv6: number };
  /** Hold timer expiries on the sessions involved (the speaker went silent for that long). */
  holdExpired: number;
}

interface Streams {
  announce: Buffer[];
  withdraw: Buffer[];
}

let want4 = 0;
let want6 = 0;
const streams: Streams[] = [];
let churn: { withdraw: Buffer[]; announce: Buffer[] } | undefined;
let counter = new PrefixCounter(1);
let monitor: BgpEndpoint | undefined;
let feeders: BgpEndpoint[] = [];
let floorServer: net.Server | undefined;
let watch: (() => void) | undefined;
let lastUpdateAt = 0;
let firstUpdateAt = 0;

function prepare(req: PrepareRequest): PrepareResult {
  const t0 = performance.now();
  streams.length = 0;
  let withdraw: Buffer[] | undefined;
  let updates = 0;
  let bytes = 0;
  let churnUpdates = 0;
  let churnPrefixes = 0;
  let withdrawUpdates = 0;
  for (let i = 0; i < req.upstreams; i++) {
    const t = buildTable(feederShape(i, req.scale));
    if (i === 0) {
      want4 = t.ipv4;
      want6 = t.ipv6;
      updates = t.updates.length;
      bytes = t.bytes;
      const w = withdrawalUpdates(t.ipv4Keys, t.ipv6Keys);
      withdrawUpdates = w.length;
      withdraw = messageAlignedChunks(w);
      // Churn: the prefixes of the first UPDATEs, withdrawn and then announced again as sent.
      const keys = new KeyCollector();
      const limit = Math.min(req.churnPrefixes, Math.floor((t.ipv4 + t.ipv6) / 2));
      let n = 0;
      while (n < t.updates.length && keys.ipv4.length + keys.ipv6.length < limit) walkUpdate(t.updates[n++]!.subarray(19), keys);
      churnUpdates = n;
      churnPrefixes = keys.ipv4.length + keys.ipv6.length;
      churn = { withdraw: messageAlignedChunks(withdrawalUpdates(keys.ipv4, keys.ipv6)), announce: messageAlignedChunks(t.updates.slice(0, n)) };
    }
    // Same prefixes for every feeder: one set of withdrawals serves them all.
    streams.push({ announce: messageAlignedChunks(t.updates), withdraw: withdraw! });
  }
  counter = new PrefixCounter(want4);
  return { ipv4: want4, ipv6: want6, updates, bytes, buildMs: performance.now() - t0, churnPrefixes, churnUpdates, withdrawUpdates };
}

function monitorEndpoint(remote: string): BgpEndpoint {
  return new BgpEndpoint({
    name: 'monitor',
    localAs: MONITOR.as,
    routerId: MONITOR.routerId,
    localAddress: MONITOR.ipv4,
    remoteAddress: remote,
    onUpdate: (body) => {
      counter.apply(body);
      lastUpdateAt = performance.now();
      if (firstUpdateAt === 0) firstUpdateAt = lastUpdateAt;
    },
    onBatch: () => watch?.(),
    onClosed: () => watch?.(),
  });
}

async function connect(req: ConnectRequest): Promise<{ established: string[] }> {
  disconnect();
  counter = new PrefixCounter(want4);
  if (req.mode === 'floor') {
    const mon = monitorEndpoint(FEEDERS[0]!.ipv4);
    monitor = mon;
    const accepted = new Promise<void>((resolve, reject) => {
      const server = net.createServer((sock) => {
        server.close();
        mon.run(sock, req.timeoutMs).then(resolve, reject);
      });
      floorServer = server;
      server.on('error', reject);
      server.listen(179, MONITOR.ipv4);
    });
    const f = new BgpEndpoint({ name: 'feeder1', localAs: FEEDERS[0]!.as, routerId: FEEDERS[0]!.routerId, localAddress: FEEDERS[0]!.ipv4, remoteAddress: MONITOR.ipv4, holdTime: req.holdTime });
    feeders = [f];
    await Promise.all([accepted, f.connect(req.timeoutMs)]);
    return { established: ['feeder1 -> monitor'] };
  }
  monitor = monitorEndpoint(SPEAKER.ipv4);
  feeders = [];
  for (let i = 0; i < req.feeders; i++) {
    const f = FEEDERS[i]!;
    feeders.push(new BgpEndpoint({ name: `feeder${i + 1}`, localAs: f.as, routerId: f.routerId, localAddress: f.ipv4, remoteAddress: SPEAKER.ipv4, holdTime: req.holdTime }));
  }
  // The monitor first, so that it sees everything from the first UPDATE on.
  await monitor.connect(req.timeoutMs);
  await Promise.all(feeders.map((f) => f.connect(req.timeoutMs)));
  return { established: ['monitor', ...feeders.map((f) => f.opts.name)] };
}

async function phase(req: PhaseRequest): Promise<PhaseResult> {
  const mon = monitor;
  if (!mon) throw new Error('not connected');
  counter.resetCounters();
  firstUpdateAt = 0;
  lastUpdateAt = 0;
  const target = req.kind === 'withdraw' ? 0 : 1;
  const reached = (): boolean => (target === 0 ? counter.size4 === 0 && counter.size6 === 0 : counter.size4 === want4 && counter.size6 === want6);
  const sending = req.kind === 'churn' ? [churn!.withdraw.concat(churn!.announce)] : feeders.map((_, i) => (req.kind === 'announce' ? streams[i]!.announce : streams[i]!.withdraw));
  const senders = req.kind === 'churn' ? [feeders[0]!] : feeders;
  const t0 = performance.now();
  let doneAt = 0;
  let sentAt = 0;
  let error: string | undefined;
  const finished = new Promise<void>((resolve) => {
    const check = (): void => {
      if (mon.state !== 'Established' || senders.some((f) => f.state !== 'Established')) {
        error = `session lost: ${[mon, ...senders].filter((e) => e.state !== 'Established').map((e) => `${e.opts.name}: ${e.closedReason}`).join('; ')}`;
        resolve();
        return;
      }
      // A churn starts and ends full: only the end counts, after the feeder has sent everything.
      if (doneAt === 0 && (req.kind !== 'churn' || sentAt > 0) && reached()) doneAt = performance.now();
    };
    watch = check;
    const timer = setInterval(() => {
      check();
      const now = performance.now();
      if (error !== undefined) {
        clearInterval(timer);
        return;
      }
      if (doneAt > 0 && sentAt > 0 && now - Math.max(lastUpdateAt, doneAt) >= req.quietMs) {
        clearInterval(timer);
        resolve();
      } else if (now - t0 > req.timeoutMs) {
        error = `timed out after ${req.timeoutMs} ms: monitor holds ${counter.size4}/${want4} IPv4 and ${counter.size6}/${want6} IPv6 prefixes`;
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  try {
    await Promise.all(senders.map((f, i) => f.sendChunks(sending[i]!)));
    sentAt = performance.now();
    watch?.();
  } catch (e) {
    error = (e as Error).message;
  }
  await finished;
  watch = undefined;
  const ms = (t: number): number | undefined => (t > 0 ? t - t0 : undefined);
  return {
    kind: req.kind,
    ok: error === undefined,
    ...(error !== undefined ? { error } : {}),
    sentMs: sentAt > 0 ? sentAt - t0 : -1,
    doneMs: ms(doneAt),
    firstUpdateMs: ms(firstUpdateAt),
    lastUpdateMs: ms(lastUpdateAt),
    monitor: { updates: counter.updates, announced: counter.announced, withdrawn: counter.withdrawn, ipv4: counter.size4, ipv6: counter.size6 },
    holdExpired: mon.holdExpired + senders.reduce((a, f) => a + f.holdExpired, 0),
  };
}

function disconnect(): void {
  monitor?.close();
  for (const f of feeders) f.close();
  monitor = undefined;
  feeders = [];
  floorServer?.close();
  floorServer = undefined;
}

async function handle(req: TrafficRequest): Promise<unknown> {
  switch (req.cmd) {
    case 'prepare':
      return prepare(req);
    case 'connect':
      return connect(req);
    case 'phase':
      return phase(req);
    case 'disconnect':
      disconnect();
      return {};
    case 'exit':
      disconnect();
      setTimeout(() => process.exit(0), 200);
      return {};
  }
}

if (require.main === module) {
  if (!process.send) {
    console.error('traffic.js is started by full-table-bench.js over an IPC channel');
    process.exit(2);
  }
  process.on('message', (m: { id: number; req: TrafficRequest }) => {
    handle(m.req).then(
      (result) => process.send!({ id: m.id, ok: true, result }),
      (e: Error) => process.send!({ id: m.id, ok: false, error: e.message }),
    );
  });
  // The benchmark went away: nothing left to serve.
  process.on('disconnect', () => process.exit(0));
}
