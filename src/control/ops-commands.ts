/**
 * Control commands for anycast operations (issue 8): drain / undrain of our originated networks
 * (RFC 8326 GRACEFUL_SHUTDOWN, then withdrawal) and the health checks bound to them.
 *
 *   drain {peer}             -> ResultJson   (no peer, or "all": every neighbour)
 *   undrain {peer}           -> ResultJson   (no peer, or "all": every drain ends)
 *   show.health              -> HealthJson   (checks and drains)
 *   health.recheck {name}    -> HealthJson   (that check, probed now)
 */

import type { HealthManager } from '../health/manager';
import type { HealthStatus } from '../health/types';
import type { DrainState } from '../rib/engine';
import { peersByArg, type ControlTarget } from './commands';
import type { DrainJson, HealthCheckJson, HealthJson, ResultJson } from './json-types';
import type { Handler } from './server';

/** What these commands need of the daemon, beyond ControlTarget. */
export interface OpsTarget extends ControlTarget {
  readonly health: HealthManager;
  readonly drains: ReadonlyMap<string, { state: DrainState; withdrawAt?: number }>;
  drain(target: string): unknown;
  undrain(target: string): boolean;
}

const ok = (message: string): ResultJson => ({ status: 'OK', ok: true, message });

export function healthCheckJson(s: HealthStatus, now = Date.now()): HealthCheckJson {
  return {
    name: s.name,
    type: s.type,
    state: s.state,
    since: new Date(s.since).toISOString(),
    since_seconds: Math.max(0, Math.floor((now - s.since) / 1000)),
    ...(s.lastResult !== undefined ? { last_result: s.lastResult } : {}),
    ...(s.lastOutput !== undefined ? { last_output: s.lastOutput } : {}),
    ...(s.lastDurationMs !== undefined ? { last_duration_ms: s.lastDurationMs } : {}),
    passes: s.passes,
    failures: s.failures,
    total_failures: s.totalFailures,
    checks: s.checks,
  };
}

function drainsJson(d: OpsTarget): DrainJson[] {
  return [...d.drains].map(([target, x]) => ({
    neighbor: target,
    state: x.state === 'gshut' ? 'graceful-shutdown' : 'withdrawn',
    ...(x.withdrawAt !== undefined ? { withdraw_at: new Date(x.withdrawAt).toISOString() } : {}),
  }));
}

function healthJson(d: OpsTarget, only?: string): HealthJson {
  const checks = d.health.list().filter((s) => only === undefined || s.name === only);
  const bound = new Map<string, string[]>();
  for (const n of d.config.networks) {
    if (n.healthCheck !== undefined) bound.set(n.healthCheck, [...(bound.get(n.healthCheck) ?? []), n.prefix]);
  }
  return {
    health: checks.map((s) => ({ ...healthCheckJson(s), networks: bound.get(s.name) ?? [] })),
    drains: drainsJson(d),
  };
}

/** The drain target a request names: a configured neighbour's address, or "all". */
function drainTarget(d: OpsTarget, args: Record<string, unknown>): string {
  if (args.peer === undefined || args.peer === 'all') return 'all';
  const peers = peersByArg(d, args);
  if (peers.length !== 1) throw new Error(`more than one neighbor is called ${String(args.peer)}: give the address`);
  return peers[0]!.config.remoteAddress;
}

export function opsHandlers(d: OpsTarget): Map<string, Handler> {
  const h = new Map<string, Handler>();
  h.set('drain', (args) => {
    const target = drainTarget(d, args);
    d.drain(target);
    const what = target === 'all' ? 'all neighbors' : `neighbor ${target}`;
    return ok(`draining ${what}: announcing with GRACEFUL_SHUTDOWN, withdrawing after ${d.config.drainWait}s`);
  });
  h.set('undrain', (args) => {
    const target = drainTarget(d, args);
    const was = d.undrain(target);
    return ok(was ? `undrained ${target === 'all' ? 'all neighbors' : `neighbor ${target}`}` : 'nothing was drained');
  });
  h.set('show.health', () => healthJson(d));
  h.set('health.recheck', async (args) => {
    const name = String(args.name ?? '');
    const check = d.health.get(name);
    if (!check) throw new Error(`no such health check: ${name === '' ? '(none)' : name}`);
    await check.recheck();
    return healthJson(d, name);
  });
  return h;
}
