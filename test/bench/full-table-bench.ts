/**
 * `npm run bench`: the full-table benchmark, tsbgpd side by side with BIRD 2, OpenBGPD, FRR and
 * GoBGP (issue 5).
 *
 * A feeder (AS 65001) sends the synthetic full table of full-table.ts (1.0M IPv4 + 200k IPv6
 * prefixes, fixed seed) to the speaker under test (AS 65000), which re-advertises it to a monitor
 * (AS 65002). Feeder and monitor are one Node program (traffic.ts) for every speaker; the speaker
 * runs alone in its own network namespace (topology.ts has the addresses). Per speaker:
 *   converge  first UPDATE sent by the feeder -> the monitor holds every prefix
 *   churn     10k prefixes withdrawn and re-announced -> the monitor holds them all again and has
 *             been quiet for --quiet ms (the figure is the time of the last UPDATE it received)
 *   withdraw  the feeder withdraws every prefix -> the monitor holds none
 *   RSS       peak sum of VmRSS over the speaker's process tree, sampled every 100 ms
 * and for tsbgpd the worst event-loop delay (eventloop-probe.ts, preloaded) and the slowest answer
 * to `show.neighbors` on its control socket, asked every 200 ms during converge and withdraw.
 * "floor" is the harness alone: feeder 1 straight to the monitor. A second scenario has three
 * feeders send full tables at once (different first AS and next hop, same prefixes).
 *
 *   npm run bench -- [--only tsbgpd,bird,...] [--scale 0.1] [--three tsbgpd,bird|all|none] [--runs 1]
 *                    [--churn 10000] [--quiet 1000] [--timeout 600] [--no-floor] [--keep]
 *                    [--heap 4096] [--node-flags "..."] [--feeder-announce all|self]
 *                    [--cpu-prof DIR] [--heap-snapshot DIR]
 *
 * --only picks the speakers (default: every one installed; BENCH_ONLY works too), --scale shrinks
 * the table (BENCH_SCALE), --three the speakers also run with three upstreams (default tsbgpd and
 * bird), --runs repeats each one-upstream run and shows medians (worst event-loop delay and control
 * answer: the worst of all runs). For tsbgpd only: --heap (--max-old-space-size), --node-flags,
 * --feeder-announce (`announce` towards the feeders: all, like the others, or self, as a PoP treats
 * its transits), --cpu-prof (V8 CPU profile per run), --heap-snapshot (one V8 heap snapshot after
 * convergence, via SIGUSR2; later phases of that run are then not comparable).
 *
 * Needs root (network namespaces). Everything it starts is stopped and its namespaces and temporary
 * directory removed, also on SIGINT/SIGTERM.
 */

import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { controlRequest } from '../../src/control/client';
import { canUseNetns, createNetnsPair, NetnsPair } from '../interop/harness/netns';
import { runCommand } from '../interop/harness/run';
import { TreeSampler } from './proc-sampler';
import { RunningSpeaker, SPEAKER_KINDS, SpeakerKind, speakerAvailable, speakerVersion, startSpeaker } from './speakers';
import { FEEDERS, MONITOR, PREFIX4, PREFIX6, SPEAKER } from './topology';
import type { PhaseResult, PrepareResult, TrafficRequest } from './traffic';

const SETTLE_MS = 2000;

// ---- arguments ---------------------------------------------------------------------------------

interface Options {
  only: SpeakerKind[];
  scale: number;
  three: SpeakerKind[];
  churn: number;
  quietMs: number;
  timeoutMs: number;
  heapMb: number;
  cpuProfDir?: string;
  heapSnapshotDir?: string;
  nodeFlags: string[];
  feederAnnounce: 'all' | 'self';
  /** Single-upstream runs per speaker; the table shows medians. */
  runs: number;
  floor: boolean;
  keep: boolean;
  holdTime: number;
}

function parseList(v: string, what: string): SpeakerKind[] {
  if (v === 'all') return [...SPEAKER_KINDS];
  if (v === 'none' || v === '') return [];
  const list = v.split(',').map((s) => s.trim().toLowerCase());
  for (const s of list) if (!(SPEAKER_KINDS as readonly string[]).includes(s)) throw new Error(`${what}: unknown speaker "${s}" (known: ${SPEAKER_KINDS.join(', ')})`);
  return list as SpeakerKind[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    only: parseList(process.env.BENCH_ONLY ?? 'all', 'BENCH_ONLY'),
    scale: Number(process.env.BENCH_SCALE ?? 1),
    three: ['tsbgpd', 'bird'],
    churn: 10_000,
    quietMs: 1000,
    timeoutMs: 600_000,
    heapMb: 4096,
    floor: true,
    keep: false,
    holdTime: 90,
    nodeFlags: [],
    feederAnnounce: 'all',
    runs: 1,
  };
  let threeGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--only':
        o.only = parseList(value(), '--only');
        break;
      case '--scale':
        o.scale = Number(value());
        break;
      case '--three':
        o.three = parseList(value(), '--three');
        threeGiven = true;
        break;
      case '--churn':
        o.churn = Number(value());
        break;
      case '--quiet':
        o.quietMs = Number(value());
        break;
      case '--timeout':
        o.timeoutMs = Number(value()) * 1000;
        break;
      case '--heap':
        o.heapMb = Number(value());
        break;
      case '--cpu-prof':
        o.cpuProfDir = value();
        break;
      case '--heap-snapshot':
        o.heapSnapshotDir = value();
        break;
      case '--node-flags':
        o.nodeFlags = value().split(/\s+/).filter(Boolean);
        break;
      case '--feeder-announce': {
        const v = value();
        if (v !== 'all' && v !== 'self') throw new Error('--feeder-announce: all or self');
        o.feederAnnounce = v;
        break;
      }
      case '--runs':
        o.runs = Math.max(1, Math.floor(Number(value())));
        break;
      case '--no-floor':
        o.floor = false;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--help':
      case '-h':
        console.log('usage: npm run bench -- [--only LIST] [--scale F] [--three LIST|all|none] [--churn N] [--quiet MS] [--timeout S] [--heap MB] [--node-flags "FLAGS"] [--cpu-prof DIR] [--heap-snapshot DIR] [--feeder-announce all|self] [--runs N] [--no-floor] [--keep]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  if (!(o.scale > 0 && o.scale <= 1)) throw new Error(`--scale must be in (0, 1], got ${o.scale}`);
  o.only = SPEAKER_KINDS.filter((k) => o.only.includes(k));
  o.three = threeGiven ? SPEAKER_KINDS.filter((k) => o.three.includes(k)) : o.three.filter((k) => o.only.includes(k));
  return o;
}

// ---- the traffic process -----------------------------------------------------------------------

class Traffic {
  private nextId = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(m.error));
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`traffic process exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  request<T>(req: TrafficRequest): Promise<T> {
    if (this.exited) return Promise.reject(new Error('traffic process has exited'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, req });
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    await this.request({ cmd: 'exit' }).catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  }
}

function startTraffic(netns: string): Traffic {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--max-old-space-size=4096', join(__dirname, 'traffic.js')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  return new Traffic(child);
}

// ---- measurements ------------------------------------------------------------------------------

interface ControlStats {
  count: number;
  maxMs: number;
  failures: number;
}

/** Ask `show.neighbors` every 200 ms until stopped; the slowest answer is what an operator waits. */
function pollControl(socket: string): { stop: () => Promise<ControlStats> } {
  const stats: ControlStats = { count: 0, maxMs: 0, failures: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      try {
        await Promise.race([
          controlRequest(socket, 'show.neighbors'),
          new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 60 s')), 60_000).unref()),
        ]);
        stats.count++;
        stats.maxMs = Math.max(stats.maxMs, performance.now() - t);
      } catch {
        stats.failures++;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return stats;
    },
  };
}

interface ProbeLine {
  t: number;
  loopMax: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

function probeLines(file: string | undefined): ProbeLine[] {
  if (!file) return [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: ProbeLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ').map(Number);
    if (f.length < 9 || f.some((x) => Number.isNaN(x))) continue;
    out.push({ t: f[0]!, loopMax: f[1]!, rss: f[4]!, heapUsed: f[5]!, heapTotal: f[6]!, external: f[7]! });
  }
  return out;
}

/** Worst event-loop delay the probe saw between two Date.now() times (ms), or undefined. */
function loopMax(file: string | undefined, from: number, to: number): number | undefined {
  let max: number | undefined;
  // A window's line is written when it ends: include the one that closes just after `to`.
  for (const l of probeLines(file)) if (l.t >= from && l.t <= to + 300) max = Math.max(max ?? 0, l.loopMax);
  return max;
}

/** The probe's memory line with the highest RSS: where tsbgpd's memory was at its peak. */
function memoryAtPeak(file: string | undefined): ProbeLine | undefined {
  let best: ProbeLine | undefined;
  for (const l of probeLines(file)) if (!best || l.rss > best.rss) best = l;
  return best;
}

/** Ask a node process started with --heapsnapshot-signal=SIGUSR2 for a snapshot; wait until written. */
async function heapSnapshot(pid: number, dir: string): Promise<string | undefined> {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  process.kill(pid, 'SIGUSR2');
  let last = -1;
  let stable = 0;
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const file = (existsSync(dir) ? readdirSync(dir) : []).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    stable = size === last && size > 0 ? stable + 1 : 0;
    last = size;
    if (stable >= 4) return join(dir, file);
  }
  return undefined;
}

interface PhaseFigures {
  result?: PhaseResult;
  /** The figure: ms to the monitor's target, or the last UPDATE for churn. */
  ms?: number;
  loopMaxMs?: number;
  control?: ControlStats;
  error?: string;
  at: [number, number];
}

interface RunFigures {
  name: string;
  kind: SpeakerKind | 'floor';
  label: string;
  phases: Record<string, PhaseFigures>;
  peakRssKb?: number;
  idleRssKb?: number;
  processes?: number;
  /** tsbgpd: process.memoryUsage() where RSS peaked (probe). */
  memory?: ProbeLine;
  error?: string;
  log?: string;
}

function figureOf(kind: string, r: PhaseResult): number | undefined {
  if (!r.ok) return undefined;
  if (kind === 'churn') return r.lastUpdateMs ?? 0;
  return r.doneMs;
}

async function runPhases(
  traffic: Traffic,
  opts: Options,
  kinds: readonly ('announce' | 'churn' | 'withdraw')[],
  speaker: RunningSpeaker | undefined,
  fig: RunFigures,
  afterPhase?: (kind: string) => Promise<void>,
): Promise<void> {
  for (const kind of kinds) {
    const from = Date.now();
    const poll = speaker?.controlSocket && kind !== 'churn' ? pollControl(speaker.controlSocket) : undefined;
    let result: PhaseResult | undefined;
    let error: string | undefined;
    try {
      result = await traffic.request<PhaseResult>({ cmd: 'phase', kind, timeoutMs: opts.timeoutMs, quietMs: opts.quietMs });
      if (!result.ok) error = result.error;
    } catch (e) {
      error = (e as Error).message;
    }
    const control = poll ? await poll.stop() : undefined;
    const to = Date.now();
    const p: PhaseFigures = { at: [from, to] };
    if (result) {
      p.result = result;
      const ms = figureOf(kind, result);
      if (ms !== undefined) p.ms = ms;
    }
    if (error !== undefined) p.error = error;
    if (control) p.control = control;
    const lm = loopMax(speaker?.loopFile, from, to);
    if (lm !== undefined) p.loopMaxMs = lm;
    fig.phases[kind] = p;
    const r = result;
    console.error(
      `  ${fig.name} ${kind}: ${p.ms !== undefined ? `${(p.ms / 1000).toFixed(2)} s` : `FAILED (${error})`}` +
        (r ? ` [feeder sent in ${(r.sentMs / 1000).toFixed(2)} s; monitor: ${r.monitor.updates} UPDATEs, +${r.monitor.announced} -${r.monitor.withdrawn} prefixes, first after ${fmtMs(r.firstUpdateMs)}, last after ${fmtMs(r.lastUpdateMs)}${r.holdExpired ? `; HOLD TIMER EXPIRED x${r.holdExpired}` : ''}]` : '') +
        (p.loopMaxMs !== undefined ? ` loop max ${p.loopMaxMs} ms` : '') +
        (control ? ` control max ${control.maxMs.toFixed(0)} ms of ${control.count}${control.failures ? ` (${control.failures} failed)` : ''}` : ''),
    );
    if (error !== undefined) break;
    await afterPhase?.(kind);
  }
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * One speaker's repeated runs as one row: the median of each time and of the peak RSS, the worst
 * event-loop delay and control answer. A run that failed a phase makes that figure fail.
 */
function combineRuns(tries: RunFigures[]): RunFigures {
  if (tries.length === 1) return tries[0]!;
  const first = tries[0]!;
  const out: RunFigures = { ...first, phases: {} };
  for (const kind of ['announce', 'churn', 'withdraw']) {
    const ps = tries.map((t) => t.phases[kind]).filter((p): p is PhaseFigures => p !== undefined);
    if (ps.length === 0) continue;
    const failed = ps.find((p) => p.ms === undefined);
    const times = ps.map((p) => p.ms).filter((m): m is number => m !== undefined);
    const byMedian = [...ps].sort((a, b) => (a.ms ?? 0) - (b.ms ?? 0))[Math.floor(ps.length / 2)]!;
    const p: PhaseFigures = { ...byMedian };
    if (failed || ps.length < tries.length) {
      delete p.ms;
      p.error = failed?.error ?? 'not run in every attempt';
    } else {
      p.ms = median(times)!;
    }
    const loops = ps.map((x) => x.loopMaxMs).filter((m): m is number => m !== undefined);
    if (loops.length) p.loopMaxMs = Math.max(...loops);
    const ctl = ps.map((x) => x.control).filter((c): c is ControlStats => c !== undefined);
    if (ctl.length) p.control = { count: ctl.reduce((a, c) => a + c.count, 0), maxMs: Math.max(...ctl.map((c) => c.maxMs)), failures: ctl.reduce((a, c) => a + c.failures, 0) };
    out.phases[kind] = p;
    console.error(`  ${first.name} ${kind}: ${times.map((m) => (m / 1000).toFixed(2)).join(' / ')} s over ${tries.length} runs`);
  }
  const rss = tries.map((t) => t.peakRssKb).filter((k): k is number => k !== undefined && k > 0);
  const m = median(rss);
  if (m !== undefined) out.peakRssKb = m;
  const err = tries.find((t) => t.error !== undefined)?.error;
  if (err !== undefined) out.error = err;
  return out;
}

function fmtMs(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`;
}

async function runSpeaker(
  kind: SpeakerKind,
  feeders: number,
  traffic: Traffic,
  opts: Options,
  netns: string,
  workDir: string,
  phases: readonly ('announce' | 'churn' | 'withdraw')[],
  attempt = 0,
): Promise<RunFigures> {
  const name = feeders === 1 ? kind : `${kind} x${feeders}`;
  const fig: RunFigures = { name, kind, label: speakerVersion(kind), phases: {} };
  const dir = join(workDir, `${kind}-${feeders}-${attempt + 1}`);
  mkdirSync(dir, { mode: 0o755 });
  let speaker: RunningSpeaker | undefined;
  let sampler: TreeSampler | undefined;
  try {
    speaker = await startSpeaker(kind, {
      netns,
      workDir: dir,
      holdTime: opts.holdTime,
      heapMb: opts.heapMb,
      feederAnnounce: opts.feederAnnounce,
      nodeFlags: [...opts.nodeFlags, ...(opts.heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${opts.heapSnapshotDir}`] : [])],
      ...(opts.cpuProfDir && kind === 'tsbgpd' ? { cpuProfileDir: join(opts.cpuProfDir, `tsbgpd-${feeders}`) } : {}),
    });
    sampler = new TreeSampler(speaker.process.pid, 100).start();
    await traffic.request({ cmd: 'connect', mode: 'speaker', feeders, timeoutMs: 60_000, holdTime: opts.holdTime });
    // Timers that run once after a session comes up (FRR's update-group coalescing, 1 s) are not
    // what is measured: let them pass before the first UPDATE.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    fig.idleRssKb = sampler.sample().kb;
    const snapshotDir = opts.heapSnapshotDir;
    const pid = speaker.process.pid;
    await runPhases(traffic, opts, phases, speaker, fig, async (phase) => {
      if (phase !== 'announce' || kind !== 'tsbgpd' || !snapshotDir) return;
      console.error(`  ${name}: writing a heap snapshot into ${snapshotDir} ...`);
      console.error(`  ${name}: heap snapshot ${(await heapSnapshot(pid, snapshotDir)) ?? 'not written'}`);
    });
    if (kind === 'tsbgpd') {
      const m = memoryAtPeak(speaker.loopFile);
      if (m) fig.memory = m;
    }
  } catch (e) {
    fig.error = (e as Error).message;
    console.error(`  ${name}: ${fig.error}`);
  } finally {
    await traffic.request({ cmd: 'disconnect' }).catch(() => undefined);
    if (sampler) {
      sampler.stop();
      fig.peakRssKb = sampler.peakKb();
      fig.processes = sampler.maxProcesses;
    }
    if (speaker) {
      if (fig.error !== undefined || Object.values(fig.phases).some((p) => p.error !== undefined)) fig.log = speaker.process.logTail(30);
      await speaker.stop().catch((e: Error) => console.error(`  ${name}: stop: ${e.message}`));
    }
  }
  if (fig.peakRssKb) {
    console.error(`  ${name}: peak RSS ${(fig.peakRssKb / 1024).toFixed(0)} MB over ${fig.processes} process(es) (${mb(fig.idleRssKb)} MB with the sessions up, before the first UPDATE)`);
  }
  if (fig.log) console.error(`  --- ${name} log tail ---\n${fig.log}`);
  return fig;
}

// ---- the report --------------------------------------------------------------------------------

const PEER_NAMES: Record<SpeakerKind, string> = { tsbgpd: 'tsbgpd', bird: 'bird', openbgpd: 'openbgpd', frr: 'frr', gobgp: 'gobgp' };

function sec(ms: number | undefined): string {
  return ms === undefined ? 'fail' : (ms / 1000).toFixed(2);
}
function mb(kb: number | undefined): string {
  return kb === undefined || kb === 0 ? '-' : (kb / 1024).toFixed(0);
}
function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? 'n/a' : (a / b).toFixed(2);
}
function pad(s: string, n: number, left = false): string {
  return left ? s.padEnd(n) : s.padStart(n);
}

function report(opts: Options, table: PrepareResult, floor: RunFigures | undefined, runs: RunFigures[], three: RunFigures[], setup: string[]): string {
  const out: string[] = [];
  const cpu = cpus();
  out.push('');
  out.push(`full-table benchmark: ${table.ipv4} IPv4 + ${table.ipv6} IPv6 prefixes in ${table.updates} UPDATEs, ${(table.bytes / 1e6).toFixed(1)} MB (scale ${opts.scale}); churn: ${table.churnPrefixes} prefixes withdrawn and re-announced`);
  out.push('converge / withdraw: first UPDATE sent by the feeder -> the monitor holds every prefix / none; churn: -> last UPDATE the monitor got (how many in brackets)');
  out.push(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, node ${process.version}`);
  out.push(...setup);
  out.push('');
  const ts = runs.find((r) => r.kind === 'tsbgpd');
  const head = `${pad('speaker', 22, true)} ${pad('converge s', 10)} ${pad('withdraw s', 10)} ${pad('peak RSS MB', 11)} ${pad('churn s', 8)} ${pad('(UPDATEs)', 9)}   tsbgpd/peer: ${pad('converge', 8)} ${pad('withdraw', 8)} ${pad('rss', 5)}`;
  out.push(head);
  out.push('-'.repeat(head.length));
  const row = (r: RunFigures, label: string): void => {
    const c = r.phases.announce?.ms;
    const w = r.phases.withdraw?.ms;
    const ch = r.phases.churn?.ms;
    let ratios = '';
    if (r.kind !== 'tsbgpd' && r.kind !== 'floor' && ts) {
      ratios = `${pad(ratio(ts.phases.announce?.ms, c), 8)} ${pad(ratio(ts.phases.withdraw?.ms, w), 8)} ${pad(ratio(ts.peakRssKb, r.peakRssKb), 5)}`;
    }
    const chu = r.phases.churn?.result?.monitor.updates;
    out.push(
      `${pad(label, 22, true)} ${pad(sec(c), 10)} ${pad(sec(w), 10)} ${pad(r.kind === 'floor' ? '-' : mb(r.peakRssKb), 11)} ${pad(sec(ch), 8)} ${pad(chu === undefined ? '' : `(${chu})`, 9)}   ${ratios ? `             ${ratios}` : ''}`.trimEnd(),
    );
  };
  if (floor) row(floor, 'floor (harness only)');
  for (const r of runs) row(r, r.label);
  if (ts) {
    out.push('');
    const a = ts.phases.announce;
    const w = ts.phases.withdraw;
    const ch = ts.phases.churn;
    out.push(
      `tsbgpd worst event-loop delay: converge ${a?.loopMaxMs ?? '-'} ms, churn ${ch?.loopMaxMs ?? '-'} ms, withdraw ${w?.loopMaxMs ?? '-'} ms` +
        ` (perf_hooks.monitorEventLoopDelay, preloaded probe)`,
    );
    if (ts.memory) {
      const m = ts.memory;
      out.push(`tsbgpd memory at its RSS peak: rss ${m.rss} MB = V8 heap ${m.heapUsed} MB used of ${m.heapTotal} MB + external (buffers, typed arrays) ${m.external} MB + the rest`);
    }
    const ctl = [a?.control, w?.control].filter((c): c is ControlStats => c !== undefined);
    if (ctl.length) {
      const n = ctl.reduce((s, c) => s + c.count, 0);
      const max = Math.max(...ctl.map((c) => c.maxMs));
      const failed = ctl.reduce((s, c) => s + c.failures, 0);
      out.push(`tsbgpd control 'show.neighbors' during converge and withdraw: max ${max.toFixed(0)} ms over ${n} requests${failed ? `, ${failed} failed` : ''}`);
    }
  }
  if (three.length > 0) {
    out.push('');
    out.push(
      `three full-table upstreams at once (${3 * table.ipv4} IPv4 + ${3 * table.ipv6} IPv6 paths; ` +
        (opts.feederAnnounce === 'all' ? "every feeder is also sent the others' best paths):" : 'tsbgpd sends the feeders only its own networks (announce = "self"), the others send them everything):'),
    );
    for (const r of three) {
      const a = r.phases.announce;
      const w = r.phases.withdraw;
      out.push(
        `  ${pad(r.label, 20, true)} every prefix at the monitor ${sec(a?.ms)} s, last UPDATE ${sec(a?.result?.lastUpdateMs)} s (${a?.result?.monitor.updates ?? '-'} UPDATEs), withdraw ${sec(w?.ms)} s, peak RSS ${mb(r.peakRssKb)} MB` +
          (r.kind === 'tsbgpd' && a?.loopMaxMs !== undefined ? `, loop max ${Math.max(a.loopMaxMs, w?.loopMaxMs ?? 0)} ms` : '') +
          (r.memory ? ` (heap ${r.memory.heapUsed} MB, external ${r.memory.external} MB at peak)` : '') +
          (r.error ? ` (${r.error})` : ''),
      );
    }
  }
  const failed = [...runs, ...three].filter((r) => r.error !== undefined || Object.values(r.phases).some((p) => p.error));
  if (failed.length) {
    out.push('');
    for (const r of failed) out.push(`${r.name}: ${r.error ?? Object.entries(r.phases).filter(([, p]) => p.error).map(([k, p]) => `${k}: ${p.error}`).join('; ')}`);
  }
  out.push('');
  for (const r of runs) {
    if (r.kind === 'tsbgpd' || r.kind === 'floor') continue;
    out.push(
      `ratio tsbgpd/${PEER_NAMES[r.kind as SpeakerKind]}: converge ${ratio(ts?.phases.announce?.ms, r.phases.announce?.ms)} withdraw ${ratio(ts?.phases.withdraw?.ms, r.phases.withdraw?.ms)} rss ${ratio(ts?.peakRssKb, r.peakRssKb)}`,
    );
  }
  return out.join('\n');
}

// ---- main --------------------------------------------------------------------------------------

async function addAddresses(pair: NetnsPair): Promise<void> {
  const ns = pair.a.ns;
  const dev = pair.a.ifname;
  for (const e of [...FEEDERS.slice(1), MONITOR]) {
    await runCommand(['ip', '-n', ns, 'addr', 'add', `${e.ipv4}/${PREFIX4}`, 'dev', dev], { timeoutMs: 10_000 });
    await runCommand(['ip', '-n', ns, 'addr', 'add', `${e.ipv6}/${PREFIX6}`, 'dev', dev, 'nodad'], { timeoutMs: 10_000 });
  }
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const support = await canUseNetns();
  if (!support.ok) {
    console.error(`bench: ${support.reason}`);
    return 2;
  }
  const speakers: SpeakerKind[] = [];
  const setup: string[] = [];
  for (const k of opts.only) {
    const a = speakerAvailable(k);
    if (a.ok) speakers.push(k);
    else setup.push(`skipped ${k}: ${a.why}`);
  }
  const threeKinds = opts.three.filter((k) => speakers.includes(k) || speakerAvailable(k).ok);
  setup.push(`speakers: ${speakers.map(speakerVersion).join(', ') || 'none'}`);
  setup.push(
    `topology: namespace A (feeders ${FEEDERS.map((f) => `AS${f.as} ${f.ipv4}`).join(', ')}; monitor AS${MONITOR.as} ${MONITOR.ipv4}, one Node process) -- veth -- namespace B (speaker AS${SPEAKER.as} ${SPEAKER.ipv4}); IPv6 over the IPv4 sessions`,
  );
  for (const s of setup) console.error(s);

  const workDir = mkdtempSync(join(tmpdir(), 'tsbgp-bench-'));
  let pair: NetnsPair | undefined;
  let traffic: Traffic | undefined;
  const onSignal = (): void => {
    console.error('bench: interrupted, cleaning up');
    process.exit(130); // exit hooks stop the daemons, the traffic process and the namespaces
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const removeDir = (): void => {
    if (!opts.keep) rmSync(workDir, { recursive: true, force: true });
  };
  process.once('exit', removeDir);
  try {
    pair = await createNetnsPair({ prefix: 'tsbgp-bench', aIpv4: FEEDERS[0]!.ipv4, aIpv6: FEEDERS[0]!.ipv6, bIpv4: SPEAKER.ipv4, bIpv6: SPEAKER.ipv6, ipv4PrefixLength: PREFIX4, ipv6PrefixLength: PREFIX6 });
    await addAddresses(pair);
    traffic = startTraffic(pair.a.ns);
    console.error(`building the table${threeKinds.length ? 's (3 upstreams)' : ''} ...`);
    const table = await traffic.request<PrepareResult>({ cmd: 'prepare', scale: opts.scale, upstreams: threeKinds.length ? 3 : 1, churnPrefixes: opts.churn });
    console.error(`table: ${table.ipv4} + ${table.ipv6} prefixes, ${table.updates} UPDATEs, ${(table.bytes / 1e6).toFixed(1)} MB, built in ${(table.buildMs / 1000).toFixed(1)} s`);

    let floor: RunFigures | undefined;
    if (opts.floor) {
      console.error('floor: feeder straight to monitor');
      floor = { name: 'floor', kind: 'floor', label: 'floor', phases: {} };
      try {
        await traffic.request({ cmd: 'connect', mode: 'floor', feeders: 1, timeoutMs: 30_000, holdTime: opts.holdTime });
        await runPhases(traffic, opts, ['announce', 'churn', 'withdraw'], undefined, floor);
      } catch (e) {
        floor.error = (e as Error).message;
        console.error(`  floor: ${floor.error}`);
      } finally {
        await traffic.request({ cmd: 'disconnect' }).catch(() => undefined);
      }
    }
    const runs: RunFigures[] = [];
    for (const k of speakers) {
      const tries: RunFigures[] = [];
      for (let i = 0; i < opts.runs; i++) {
        console.error(`${speakerVersion(k)}: one full-table upstream${opts.runs > 1 ? `, run ${i + 1} of ${opts.runs}` : ''}`);
        tries.push(await runSpeaker(k, 1, traffic, opts, pair.b.ns, workDir, ['announce', 'churn', 'withdraw'], i));
      }
      runs.push(combineRuns(tries));
    }
    const three: RunFigures[] = [];
    for (const k of threeKinds) {
      console.error(`${speakerVersion(k)}: three full-table upstreams`);
      three.push(await runSpeaker(k, 3, traffic, opts, pair.b.ns, workDir, ['announce', 'withdraw']));
    }
    console.log(report(opts, table, floor, runs, three, setup));
    if (opts.keep) console.error(`work directory kept: ${workDir}`);
    if (opts.cpuProfDir) console.error(`tsbgpd CPU profiles in ${opts.cpuProfDir}`);
    const failed = [...runs, ...three].some((r) => r.error !== undefined || Object.values(r.phases).some((p) => p.error));
    return failed ? 1 : 0;
  } finally {
    await traffic?.close().catch(() => undefined);
    await pair?.remove();
    removeDir();
    process.removeListener('exit', removeDir);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    console.error(`bench: ${e.stack ?? e.message}`);
    process.exitCode = 1;
  },
);
