/**
 * `tsbgpctl monitor` and log-updates end to end: three tsbgpd daemons in this process on loopback,
 * A (127.0.0.1, AS 65001) with eBGP neighbours B (127.0.0.2, AS 65002, "pop-b") and C (127.0.0.3,
 * AS 65003, "pop-c"); the real CLI in child processes against A's control sockets.
 *
 * - B announces and withdraws a network: monitors on A see it received from B and sent to C, with
 *   the documented JSON keys (-j, one object per line) or as a text line; a neighbour filter shows
 *   that neighbour only; a session reset shows the state changes and End-of-RIB markers; Ctrl-C
 *   ends the CLI with status 0 and the daemon drops the subscription.
 * - The read-only socket allows monitor, and refuses `log updates`.
 * - log-updates (configured for B, switched at runtime for C and off for B) writes lines for those
 *   neighbours only, prefixes capped at 20.
 * - A reader that stops reading: the daemon's queue for it stays bounded, events are dropped and
 *   counted, the count arrives as a `dropped` event once it reads again; when it goes away the
 *   subscription goes too.
 */

import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfigText } from '../../src/config/load';
import { globalToml } from '../helpers/config';
import { ControlClient } from '../../src/control/client';
import { checkJson, JSON_STREAMS } from '../../src/control/json-schema';
import type { MonitorEventJson } from '../../src/control/json-types';
import { PROTOCOL_VERSION } from '../../src/control/protocol';
import { Daemon } from '../../src/daemon';
import { silentLogger } from '../../src/log';
import { createLogger } from '../../src/logging';
import { CLI, freePort, runCli, waitFor } from './two-daemons';

interface Trio {
  a: Daemon;
  b: Daemon;
  c: Daemon;
  sockA: string;
  rsockA: string;
  sockB: string;
  /** A's log lines, parsed. */
  logA: Record<string, unknown>[];
  stop(): Promise<void>;
}

const NAMES: Record<string, string> = { '127.0.0.1': 'pop-a', '127.0.0.2': 'pop-b', '127.0.0.3': 'pop-c' };

function toml(me: string, as: number, port: number, sock: string, extra: string[], neighbors: { address: string; as: number; port: number }[], networks: string[]): string {
  return [
    // A passes B's routes on to C without filter rules (RFC 8212's default would stop them).
    ...globalToml(me, as, port, sock, ['ebgp-requires-policy = false']),
    ...extra,
    ...neighbors.flatMap((n) => [
      '[[neighbor]]',
      `address = "${n.address}"`,
      `remote-as = ${n.as}`,
      `port = ${n.port}`,
      `local-address = "${me}"`,
      `description = "${NAMES[n.address]}"`,
      'connect-retry = 1',
      'announce = "all"', // an eBGP neighbour is sent only our own networks by default
    ]),
    ...networks,
  ].join('\n');
}

async function startTrio(): Promise<Trio> {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpctl-monitor-'));
  chmodSync(dir, 0o755);
  for (const x of ['a', 'b', 'c']) mkdirSync(join(dir, x), { mode: 0o755 });
  const pa = await freePort('127.0.0.1');
  const pb = await freePort('127.0.0.2');
  const pc = await freePort('127.0.0.3');
  const sockA = join(dir, 'a', 'ctl.sock');
  const rsockA = join(dir, 'a', 'ro.sock');
  const sockB = join(dir, 'b', 'ctl.sock');
  const A = { address: '127.0.0.1', as: 65001, port: pa };
  const textA = toml('127.0.0.1', 65001, pa, sockA, [`restricted-socket = "${rsockA}"`], [
    { address: '127.0.0.2', as: 65002, port: pb },
    { address: '127.0.0.3', as: 65003, port: pc },
  ], ['[[network]]', 'prefix = "203.0.113.0/24"']);
  const textB = toml('127.0.0.2', 65002, pb, sockB, [], [A], ['[[network]]', 'prefix = "192.0.2.0/24"', 'communities = ["65002:100"]']);
  const textC = toml('127.0.0.3', 65003, pc, join(dir, 'c', 'ctl.sock'), [], [A], []);
  const load = (text: string, file: string) => {
    writeFileSync(file, text + '\n');
    const r = loadConfigText(text + '\n', file);
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
    return r.config;
  };
  const configA = load(textA, join(dir, 'a.toml'));
  // log-updates for B (the configuration key is `log-updates`; set here on the loaded config).
  configA.neighbors.find((n) => n.address === '127.0.0.2')!.logUpdates = true;
  const logA: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => logA.push(JSON.parse(line) as Record<string, unknown>) } });
  const a = new Daemon(configA, log, join(dir, 'a.toml'));
  const b = new Daemon(load(textB, join(dir, 'b.toml')), silentLogger);
  const c = new Daemon(load(textC, join(dir, 'c.toml')), silentLogger);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await a.start();
    await b.start();
    await c.start();
  } catch (e) {
    await stop();
    throw e;
  }
  return { a, b, c, sockA, rsockA, sockB, logA, stop };
}

/** tsbgpctl monitor in a child process, its output line by line. */
interface MonitorRun {
  lines: string[];
  events(): MonitorEventJson[];
  /** Ctrl-C; resolves with the exit status and stderr. */
  interrupt(): Promise<{ code: number | null; stderr: string }>;
  child: ChildProcess;
}

function monitor(args: string[]): MonitorRun {
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, CLI, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  exited.finally(() => clearTimeout(kill)).catch(() => undefined);
  return {
    lines,
    events: () => lines.map((l) => JSON.parse(l) as MonitorEventJson),
    interrupt: async () => {
      child.kill('SIGINT');
      return { code: await exited, stderr };
    },
    child,
  };
}

const has = (events: MonitorEventJson[], f: (e: MonitorEventJson) => boolean) => events.some(f);
const announces = (prefix: string) => (e: MonitorEventJson) => e.type === 'update' && e.update!.announce.some((p) => p.prefix === prefix);
const withdraws = (prefix: string) => (e: MonitorEventJson) => e.type === 'update' && e.update!.withdraw.some((p) => p.prefix === prefix);
const from = (addr: string, dir: 'received' | 'sent') => (e: MonitorEventJson) => e.neighbor?.remote_addr === addr && e.direction === dir;
const and =
  (...fs: ((e: MonitorEventJson) => boolean)[]) =>
  (e: MonitorEventJson) =>
    fs.every((f) => f(e));

let trio: Trio;
let ctlB: ControlClient;

t.before(async () => {
  trio = await startTrio();
  ctlB = new ControlClient(trio.sockB);
  await ctlB.connect();
});
t.teardown(async () => {
  ctlB?.close();
  await trio?.stop();
});

const established = () => ['127.0.0.2', '127.0.0.3'].every((x) => trio.a.peers.get(x)?.state === 'Established');
const updateLines = (peer: string) => trio.logA.filter((l) => l.part === 'updates' && l.peer === peer);

t.test('sessions come up', async (t) => {
  t.ok(await waitFor(established, 15_000), 'A-B and A-C Established');
  t.ok(await waitFor(() => trio.c.engine.received(trio.c.peers.get('127.0.0.1')!).some((r) => r.prefix === '192.0.2.0/24'), 10_000), "B's network reached C");
});

t.test('monitor: received and sent UPDATEs, state changes, End-of-RIB, filter, text', async (t) => {
  const all = monitor(['-s', trio.rsockA, 'monitor', '-j']); // the read-only socket allows it
  const onlyC = monitor(['-s', trio.sockA, 'mon', 'nei', 'pop-c', '-j']);
  const text = monitor(['-s', trio.sockA, 'monitor', 'neighbor', '127.0.0.2']);
  t.ok(await waitFor(() => trio.a.monitor.subscriberCount === 3, 10_000), 'three subscribers');

  await ctlB.request('network.add', { prefix: '10.99.0.0/24' });
  const seen = (m: MonitorRun, f: (e: MonitorEventJson) => boolean) => waitFor(() => has(m.events(), f), 10_000);
  t.ok(await seen(all, and(from('127.0.0.2', 'received'), announces('10.99.0.0/24'))), 'announcement received from B');
  t.ok(await seen(all, and(from('127.0.0.3', 'sent'), announces('10.99.0.0/24'))), 'and sent to C');
  await ctlB.request('network.delete', { prefix: '10.99.0.0/24' });
  t.ok(await seen(all, and(from('127.0.0.2', 'received'), withdraws('10.99.0.0/24'))), 'withdrawal received from B');
  t.ok(await seen(all, and(from('127.0.0.3', 'sent'), withdraws('10.99.0.0/24'))), 'and sent to C');

  const got = all.events().find(and(from('127.0.0.2', 'received'), announces('10.99.0.0/24')))!;
  t.match(got, {
    type: 'update',
    neighbor: { remote_addr: '127.0.0.2', description: 'pop-b', remote_as: 65002 },
    update: { announce: [{ prefix: '10.99.0.0/24', family: 'IPv4 unicast', nexthop: '127.0.0.2' }], withdraw: [], attributes: { origin: 'IGP', aspath: '65002' } },
  });
  t.match(got.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const sent = all.events().find(and(from('127.0.0.3', 'sent'), announces('10.99.0.0/24')))!;
  t.equal(sent.update!.attributes!.aspath, '65001 65002', 'sent with our AS prepended');

  // A session reset: state changes, and End-of-RIB both ways once it is back.
  await runCli(['-s', trio.sockA, 'neighbor', 'pop-b', 'clear']);
  t.ok(await seen(all, (e) => e.type === 'state' && e.neighbor?.remote_addr === '127.0.0.2' && e.from === 'Established'), 'B left Established');
  t.ok(await seen(all, (e) => e.type === 'state' && e.neighbor?.remote_addr === '127.0.0.2' && e.to === 'Established'), 'and came back');
  t.ok(await seen(all, (e) => e.type === 'eor' && e.direction === 'received' && e.neighbor?.remote_addr === '127.0.0.2' && e.family === 'IPv4 unicast'), 'End-of-RIB received from B');
  t.ok(await seen(all, (e) => e.type === 'eor' && e.direction === 'sent' && e.neighbor?.remote_addr === '127.0.0.2'), 'End-of-RIB sent to B');
  t.ok(await waitFor(established, 10_000));

  const problems = all.events().flatMap((e, i) => checkJson(e, JSON_STREAMS.monitor!.schema, `event ${i} (${e.type})`));
  t.same(problems, [], `all ${all.lines.length} events conform to the documented schema`);
  t.ok(all.lines.every((l) => !l.includes('\n') && l.startsWith('{"time":')), 'one JSON object per line');

  // The filtered monitor: C's events only (among them the announcement and withdrawal sent to it).
  t.ok(has(onlyC.events(), and(from('127.0.0.3', 'sent'), announces('10.99.0.0/24'))), 'filter: sent to C');
  t.ok(has(onlyC.events(), and(from('127.0.0.3', 'sent'), withdraws('10.99.0.0/24'))), 'filter: withdrawn from C');
  t.same([...new Set(onlyC.events().map((e) => e.neighbor?.remote_addr))], ['127.0.0.3'], 'filter: nothing of B');

  // Text: one line per event.
  t.ok(
    text.lines.some((l) => /^\S+Z 127\.0\.0\.2 \(pop-b\) received UPDATE 10\.99\.0\.0\/24 as-path 65002 nexthop 127\.0\.0\.2 origin IGP$/.test(l)),
    'text: the announcement',
  );
  t.ok(text.lines.some((l) => /^\S+Z 127\.0\.0\.2 \(pop-b\) received withdraw 10\.99\.0\.0\/24$/.test(l)), 'text: the withdrawal');
  t.ok(text.lines.some((l) => /^\S+Z 127\.0\.0\.2 \(pop-b\) state Established -> Idle \(.+\)$/.test(l)), 'text: a state change');
  t.ok(text.lines.some((l) => /^\S+Z 127\.0\.0\.2 \(pop-b\) received End-of-RIB IPv4 unicast$/.test(l)), 'text: End-of-RIB');
  t.notOk(text.lines.some((l) => l.includes('127.0.0.3')), 'text: filtered to B');

  for (const [name, m] of Object.entries({ all, onlyC, text })) {
    const r = await m.interrupt();
    t.equal(r.code, 0, `${name}: Ctrl-C ends it with status 0`);
    t.equal(r.stderr, '', `${name}: nothing on stderr`);
  }
  t.ok(await waitFor(() => trio.a.monitor.subscriberCount === 0, 5_000), 'the daemon dropped the subscriptions');
  t.equal(trio.a.peers.get('127.0.0.3')!.updateSentTap, undefined, 'no send tap left on C (B keeps one: its UPDATEs are logged)');

  const bad = await runCli(['-s', trio.sockA, 'monitor', 'neighbor', '127.0.0.9']);
  t.equal(bad.code, 1);
  t.equal(bad.stderr, 'tsbgpctl: no such neighbor: 127.0.0.9\n');
  t.equal(trio.a.monitor.subscriberCount, 0);
});

t.test('log-updates: configured for B, runtime on for C and off for B', async (t) => {
  t.ok(await waitFor(() => updateLines('127.0.0.2').some((l) => l.msg === 'UPDATE received' && (l.prefixes as string[] | undefined)?.includes('10.99.0.0/24')), 5_000), 'B: the announcement was logged');
  const line = updateLines('127.0.0.2').find((l) => l.msg === 'UPDATE received' && (l.prefixes as string[] | undefined)?.includes('10.99.0.0/24'))!;
  t.match(line, { level: 'info', part: 'updates', peer: '127.0.0.2', description: 'pop-b', direction: 'received', prefix_count: 1, attributes: 'as-path 65002 nexthop 127.0.0.2 origin IGP' });
  t.ok(updateLines('127.0.0.2').some((l) => l.msg === 'UPDATE received' && (l.withdrawn as string[] | undefined)?.includes('10.99.0.0/24')), 'B: the withdrawal was logged');
  t.ok(updateLines('127.0.0.2').some((l) => l.msg === 'UPDATE sent'), 'B: what A sent it was logged');
  t.same(updateLines('127.0.0.3'), [], 'nothing of C');

  const refused = await runCli(['-s', trio.rsockA, 'log', 'updates', 'neighbor', 'pop-c']);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /^tsbgpctl: permission denied: log\.updates is not allowed on the restricted socket\n$/);
  const on = await runCli(['-s', trio.sockA, 'log', 'up', 'nei', 'pop-c']);
  t.equal(on.code, 0, on.stderr);
  t.equal(on.stdout, 'logging UPDATEs of 127.0.0.3\n');
  const off = await runCli(['-s', trio.sockA, 'log', 'no-updates', 'neighbor', '127.0.0.2']);
  t.equal(off.code, 0, off.stderr);
  t.equal(off.stdout, 'not logging UPDATEs of 127.0.0.2\n');
  t.ok(trio.a.monitor.logsUpdates('127.0.0.3'));
  t.notOk(trio.a.monitor.logsUpdates('127.0.0.2'));

  const before = updateLines('127.0.0.2').length;
  await ctlB.request('network.add', { prefix: '10.98.0.0/24' });
  t.ok(await waitFor(() => updateLines('127.0.0.3').some((l) => l.msg === 'UPDATE sent' && (l.prefixes as string[] | undefined)?.includes('10.98.0.0/24')), 10_000), 'C: the announcement sent to it was logged');
  t.equal(updateLines('127.0.0.2').length, before, 'B: no longer logged');
  await ctlB.request('network.delete', { prefix: '10.98.0.0/24' });
  t.ok(await waitFor(() => updateLines('127.0.0.3').some((l) => (l.withdrawn as string[] | undefined)?.includes('10.98.0.0/24')), 10_000));
  t.notMatch(JSON.stringify(trio.logA), /password/i, 'no password anywhere in the log');
});

t.test('a reader that stops reading: bounded, dropped and counted; gone when it goes', async (t) => {
  const bus = trio.a.monitor;
  bus.queueLimit = 200;
  const raw = net.connect(trio.sockA);
  await new Promise((r) => raw.once('connect', r));
  raw.pause(); // read nothing: the daemon's writes back up, then its queue for us
  raw.write(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, cmd: 'monitor', args: {} }) + '\n');
  t.ok(await waitFor(() => bus.subscriberCount === 1, 5_000), 'subscribed');
  const sub = bus.subscriptions()[0]!;

  // B announces 1000 networks one by one, then withdraws them at once: thousands of events at A
  // (received from B, sent to C), far more than the socket and the queue hold.
  let maxQueued = 0;
  const sample = setInterval(() => (maxQueued = Math.max(maxQueued, sub.queuedPrefixes)), 5);
  const N = 1000;
  const atC = () => trio.c.engine.received(trio.c.peers.get('127.0.0.1')!).length;
  for (let i = 0; i < N; i++) await ctlB.request('network.add', { prefix: `10.${100 + (i >> 8)}.${i & 255}.0/24` });
  t.ok(await waitFor(() => atC() >= N, 20_000), 'all of them reached C');
  await ctlB.request('network.flush');
  t.ok(await waitFor(() => atC() <= 3, 20_000), 'everything withdrawn again at C');
  clearInterval(sample);
  t.ok(sub.dropped > 0, `events were dropped (${sub.dropped})`);
  // The bound holds to one event: the last one accepted may carry the 1000-prefix withdrawal.
  t.ok(maxQueued <= bus.queueLimit + N + 1, `queue stayed bounded (at most ${maxQueued} prefixes queued)`);
  t.ok(sub.queuedPrefixes <= bus.queueLimit + N + 1);
  t.ok(trio.a.peers.get('127.0.0.2')!.state === 'Established' && trio.a.peers.get('127.0.0.3')!.state === 'Established', 'sessions unharmed');
  t.ok(updateLines('127.0.0.3').some((l) => (l.withdrawn_count as number) > 20 && (l.withdrawn as string[]).length === 20), 'log-updates lists at most 20 prefixes, with the count');

  // Reading again: what was kept, then the count of what was not.
  let markers = 0;
  let events = 0;
  let buf = '';
  raw.setEncoding('utf8');
  raw.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const res = JSON.parse(buf.slice(0, nl)) as { chunk?: MonitorEventJson[] };
      buf = buf.slice(nl + 1);
      for (const e of res.chunk ?? []) {
        events++;
        if (e.type === 'dropped') markers += e.dropped!;
      }
    }
  });
  raw.resume();
  t.ok(await waitFor(() => markers === sub.dropped, 10_000), `dropped events reported in-stream (${markers} of ${sub.dropped})`);
  t.ok(events > 0);

  raw.destroy();
  t.ok(await waitFor(() => bus.subscriberCount === 0, 5_000), 'the client went away: unsubscribed');
  t.ok(sub.isClosed);
  t.equal(trio.a.peers.get('127.0.0.3')!.updateSentTap !== undefined, true, 'C still tapped: its UPDATEs are still logged');
  bus.setLogUpdates('127.0.0.3', false);
  t.equal(trio.a.peers.get('127.0.0.3')!.updateSentTap, undefined, 'nobody watches C: no tap');
});

t.test('stopping the daemon ends monitor clients (it does not wait for them)', async (t) => {
  const m = monitor(['-s', trio.sockA, 'monitor', '-j']);
  t.ok(await waitFor(() => trio.a.monitor.subscriberCount === 1, 10_000));
  const started = Date.now();
  await trio.stop();
  t.ok(Date.now() - started < 5_000, 'stopped promptly');
  const exit = await new Promise<number | null>((r) => (m.child.exitCode !== null ? r(m.child.exitCode) : m.child.once('exit', (c) => r(c))));
  t.equal(exit, 1, 'the CLI reports the closed connection');
});
