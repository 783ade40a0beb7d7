/** Shared by the health tests: a config builder, a fake clock with timers, and process checks. */

import { readFileSync } from 'node:fs';
import type { HealthCheckConfig, ProbeResult } from '../../src/health/types';

export function healthConfig(over: Partial<HealthCheckConfig> = {}): HealthCheckConfig {
  return {
    name: 'web',
    type: 'exec',
    command: 'true',
    expectStatus: 200,
    interval: 10,
    fastInterval: 2,
    timeout: 5,
    rise: 3,
    fall: 2,
    onFailure: 'withdraw',
    degradePrepend: 0,
    degradeCommunities: [],
    degradeLargeCommunities: [],
    ...over,
  };
}

/** A clock and timers that only move when told to. */
export class FakeClock {
  now = 1_700_000_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;

  readonly deps = {
    now: (): number => this.now,
    setTimer: (fn: () => void, ms: number): unknown => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.now + ms, fn });
      return id;
    },
    clearTimer: (h: unknown): void => {
      this.timers.delete(h as number);
    },
  };

  /** Number of timers armed. */
  get armed(): number {
    return this.timers.size;
  }

  /** Milliseconds until the earliest armed timer fires, if any. */
  nextDelay(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers.values()) if (min === undefined || t.at < min) min = t.at;
    return min === undefined ? undefined : min - this.now;
  }

  /** Move time on by `ms`, firing due timers in order and letting the promises they start settle. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (due === undefined || e[1].at < due[1].at)) due = e;
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
      await settle();
    }
    this.now = end;
  }
}

/** Let every promise already under way settle (no I/O is involved). */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** A probe whose results the test sets; counts its calls. */
export class FakeProbe {
  calls = 0;
  ok = true;
  output = '';
  readonly fn = async (): Promise<ProbeResult> => {
    this.calls++;
    return { ok: this.ok, output: this.output || (this.ok ? 'fine' : 'broken'), durationMs: 1 };
  };
}

/** Whether a process has ended (an unreaped zombie counts as ended: it runs no more). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}
