/**
 * The daemon's set of health checks, by name, kept in step with the configuration. A reload
 * applies the new list as a diff: new checks start, removed ones stop, changed ones are replaced
 * and start again from 'init' (their old results say nothing about the new probe), and unchanged
 * ones keep running with their state, so a reload never flaps an announcement by itself.
 */

import { EventEmitter } from 'node:events';
import { HealthCheck, type HealthCheckDeps } from './check';
import type { HealthCheckConfig, HealthState, HealthStatus } from './types';

export interface HealthApplyResult {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

export interface HealthManager {
  on(event: 'change', listener: (name: string, state: HealthState, previous: HealthState, status: HealthStatus) => void): this;
  emit(event: 'change', name: string, state: HealthState, previous: HealthState, status: HealthStatus): boolean;
}

/** JSON with object keys sorted, so that two configurations compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

export class HealthManager extends EventEmitter {
  private readonly checks = new Map<string, { check: HealthCheck; key: string; detach: () => void }>();

  /** `deps` is handed to every check (tests pass a fake clock and probe). */
  constructor(private readonly deps: HealthCheckDeps = {}) {
    super();
  }

  /**
   * Make the running checks those of `configs`. Everything is validated before anything changes:
   * a duplicate name or a bad check leaves the running set as it was (RangeError).
   */
  apply(configs: readonly HealthCheckConfig[]): HealthApplyResult {
    const wanted = new Map<string, { cfg: HealthCheckConfig; key: string }>();
    for (const cfg of configs) {
      if (wanted.has(cfg.name)) throw new RangeError(`duplicate health check ${cfg.name}`);
      wanted.set(cfg.name, { cfg, key: canonical(cfg) });
    }
    const result: HealthApplyResult = { added: [], removed: [], changed: [], unchanged: [] };
    const fresh = new Map<string, HealthCheck>();
    for (const [name, { cfg, key }] of wanted) {
      const old = this.checks.get(name);
      if (old !== undefined && old.key === key) continue;
      fresh.set(name, new HealthCheck(cfg, this.deps)); // throws on a bad config, before any change
    }

    for (const [name, entry] of this.checks) {
      if (wanted.has(name)) continue;
      this.remove(name, entry);
      result.removed.push(name);
    }
    for (const [name, { key }] of wanted) {
      const check = fresh.get(name);
      if (check === undefined) {
        result.unchanged.push(name);
        continue;
      }
      const old = this.checks.get(name);
      let previous: HealthState | undefined;
      if (old !== undefined) {
        previous = old.check.status().state;
        this.remove(name, old);
        result.changed.push(name);
      } else {
        result.added.push(name);
      }
      const onChange = (state: HealthState, prev: HealthState, status: HealthStatus): void => {
        this.emit('change', name, state, prev, status);
      };
      check.on('change', onChange);
      this.checks.set(name, { check, key, detach: () => check.off('change', onChange) });
      // Replacing a check that was up or down takes it back to 'init': that is a change to report.
      if (previous !== undefined && previous !== 'init') this.emit('change', name, 'init', previous, check.status());
      check.start();
    }
    return result;
  }

  get(name: string): HealthCheck | undefined {
    return this.checks.get(name)?.check;
  }

  /** The status of every check, by name. */
  list(): HealthStatus[] {
    return [...this.checks.values()].map((e) => e.check.status()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** True only for a check that exists and is 'up'. */
  isUp(name: string): boolean {
    return this.checks.get(name)?.check.status().state === 'up';
  }

  /** Stop and forget every check. */
  stop(): void {
    for (const [name, entry] of this.checks) this.remove(name, entry);
  }

  private remove(name: string, entry: { check: HealthCheck; detach: () => void }): void {
    entry.detach();
    entry.check.stop();
    this.checks.delete(name);
  }
}
