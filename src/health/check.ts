/**
 * One health check: probes a service on a timer and turns the run of results into a state that
 * decides whether the PoP announces (or how it degrades) an anycast prefix.
 *
 * The rules, in the manner of haproxy's rise/fall and ExaBGP's healthcheck:
 * - 'init' until the first result, and that first result decides at once, either way: a service
 *   not yet checked is not announced, and one that is plainly dead is not announced either.
 * - Afterwards `fall` consecutive failures take 'up' to 'down', and `rise` consecutive passes take
 *   'down' to 'up'.
 * - While a transition is pending (some passes while down, some failures while up) or before the
 *   first result, the next probe runs after `fastInterval`, otherwise after `interval`. Intervals
 *   count from the end of a probe, so probes never overlap: one probe at a time per check.
 * - An existing disable file is the operator's drain switch: the state goes 'down' at once without
 *   running the probe. It counts neither as a pass nor as a failure; once the file is gone, the
 *   usual `rise` passes bring the check back up.
 *
 * Clock, timers, probe and the disable-file test are injectable, so the state machine can be
 * tested without waiting.
 */

import { EventEmitter } from 'node:events';
import { access } from 'node:fs/promises';
import { silentLogger, type Logger } from '../log';
import { runProbe } from './probe';
import type { HealthCheckConfig, HealthResult, HealthState, HealthStatus, ProbeResult } from './types';

export interface HealthCheckDeps {
  /** Milliseconds since the epoch. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  probe?: (cfg: HealthCheckConfig, signal: AbortSignal) => Promise<ProbeResult>;
  /** Whether the disable file exists. */
  fileExists?: (path: string) => Promise<boolean>;
  logger?: Logger;
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function assertConfig(cfg: HealthCheckConfig): void {
  for (const key of ['rise', 'fall'] as const) {
    if (!Number.isInteger(cfg[key]) || cfg[key] < 1) throw new RangeError(`health check ${cfg.name}: ${key} must be an integer >= 1`);
  }
  for (const key of ['interval', 'fastInterval', 'timeout'] as const) {
    if (!(cfg[key] > 0) || !Number.isFinite(cfg[key])) throw new RangeError(`health check ${cfg.name}: ${key} must be > 0 seconds`);
  }
}

export interface HealthCheck {
  on(event: 'change', listener: (state: HealthState, previous: HealthState, status: HealthStatus) => void): this;
  emit(event: 'change', state: HealthState, previous: HealthState, status: HealthStatus): boolean;
}

export class HealthCheck extends EventEmitter {
  readonly config: HealthCheckConfig;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly probe: (cfg: HealthCheckConfig, signal: AbortSignal) => Promise<ProbeResult>;
  private readonly fileExists: (path: string) => Promise<boolean>;
  private readonly log: Logger;

  private state: HealthState = 'init';
  private since: number;
  private lastResult: HealthResult | undefined;
  private lastOutput: string | undefined;
  private lastDurationMs: number | undefined;
  private passes = 0;
  private failures = 0;
  private totalFailures = 0;
  private checks = 0;

  private running = false;
  private timer: unknown;
  private timerSet = false;
  /** The probe now running (at most one), the run queued behind it by recheck(), and its abort. */
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private abort: AbortController | undefined;
  /** Bumped by stop(): work begun before it must not change the state or schedule more. */
  private epoch = 0;

  constructor(config: HealthCheckConfig, deps: HealthCheckDeps = {}) {
    super();
    assertConfig(config);
    this.config = config;
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.probe = deps.probe ?? runProbe;
    this.fileExists = deps.fileExists ?? fileExists;
    this.log = (deps.logger ?? silentLogger).child({ healthCheck: config.name });
    this.since = this.now();
  }

  get name(): string {
    return this.config.name;
  }

  /** Start probing: the first probe runs now. Starting a running check does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.runNow();
  }

  /** Stop probing: no timer is left, a running probe is aborted (an exec probe's processes killed). */
  stop(): void {
    this.running = false;
    this.epoch++;
    this.cancelTimer();
    this.abort?.abort();
  }

  /**
   * Probe now and restart the interval from the result. If a probe is already running, one more
   * runs after it (a result from before the call may be stale). Works on a stopped check too, as a
   * one-off probe.
   */
  async recheck(): Promise<HealthStatus> {
    this.cancelTimer();
    await this.runNow();
    return this.status();
  }

  status(): HealthStatus {
    return {
      name: this.config.name,
      type: this.config.type,
      state: this.state,
      since: this.since,
      lastResult: this.lastResult,
      lastOutput: this.lastOutput,
      lastDurationMs: this.lastDurationMs,
      passes: this.passes,
      failures: this.failures,
      totalFailures: this.totalFailures,
      checks: this.checks,
    };
  }

  /** Whether the next probe comes after fastInterval: no result yet, or a transition pending. */
  private pending(): boolean {
    return this.state === 'init' || (this.state === 'up' && this.failures > 0) || (this.state === 'down' && this.passes > 0);
  }

  private cancelTimer(): void {
    if (!this.timerSet) return;
    this.timerSet = false;
    this.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.cancelTimer();
    if (!this.running) return;
    const seconds = this.pending() ? this.config.fastInterval : this.config.interval;
    this.timerSet = true;
    this.timer = this.setTimer(() => {
      this.timerSet = false;
      this.timer = undefined;
      void this.runNow();
    }, seconds * 1000);
  }

  private runNow(): Promise<void> {
    if (this.inFlight !== undefined) {
      const epoch = this.epoch;
      this.queued ??= this.inFlight.then(() => {
        this.queued = undefined;
        return epoch === this.epoch ? this.runNow() : undefined;
      });
      return this.queued;
    }
    this.cancelTimer();
    const run = this.runOnce().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    this.inFlight = run;
    return run;
  }

  private async runOnce(): Promise<void> {
    const epoch = this.epoch;
    const ctl = new AbortController();
    this.abort = ctl;
    try {
      const file = this.config.disableFile;
      if (file !== undefined && (await this.fileExists(file))) {
        if (epoch === this.epoch) this.record('disabled', `disabled by ${file}`, 0);
        return;
      }
      if (epoch !== this.epoch) return;
      let result: ProbeResult;
      try {
        result = await this.probe(this.config, ctl.signal);
      } catch (e) {
        result = { ok: false, output: `probe error: ${e instanceof Error ? e.message : String(e)}`, durationMs: 0 };
      }
      // A probe cut short by stop() says nothing about the service.
      if (epoch === this.epoch && !ctl.signal.aborted) this.record(result.ok ? 'pass' : 'fail', result.output, result.durationMs);
    } finally {
      if (this.abort === ctl) this.abort = undefined;
    }
  }

  private record(result: HealthResult, output: string, durationMs: number): void {
    this.checks++;
    this.lastResult = result;
    this.lastOutput = output;
    this.lastDurationMs = durationMs;
    let next = this.state;
    if (result === 'pass') {
      this.passes++;
      this.failures = 0;
      if (this.state === 'init' || (this.state === 'down' && this.passes >= this.config.rise)) next = 'up';
    } else if (result === 'fail') {
      this.failures++;
      this.totalFailures++;
      this.passes = 0;
      if (this.state === 'init' || (this.state === 'up' && this.failures >= this.config.fall)) next = 'down';
    } else {
      this.passes = 0;
      this.failures = 0;
      next = 'down';
    }
    if (next === this.state) return;
    const previous = this.state;
    this.state = next;
    this.since = this.now();
    const status = this.status();
    this.log.info({ state: next, previous, result, output }, `health check ${this.config.name} is ${next}`);
    this.emit('change', next, previous, status);
  }
}
