/**
 * bgp_event_loop_lag_seconds: how late the event loop runs, from perf_hooks.monitorEventLoopDelay.
 * A late loop is what makes a BGP speaker miss keepalives and hold timers while a full table
 * streams in (DESIGN.md: process in time slices), so it is reported next to the BGP metrics rather
 * than left to prom-client's nodejs_eventloop_lag_* defaults, which report since process start.
 *
 * Each scrape reports the 99th percentile and the maximum delay seen since the previous scrape, then
 * starts a new window: an alert on it reflects the last scrape interval, not the whole uptime.
 */

import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';

export interface LagWindow {
  /** 99th percentile delay in seconds. */
  p99: number;
  /** Longest delay in seconds. */
  max: number;
}

export interface EventLoopLag {
  /** The delays since the previous read; starts a new window. */
  read(): LagWindow;
  /** Stop sampling (the metrics server closes). */
  stop(): void;
}

/** Sample the event loop every `resolutionMs`. */
export function monitorEventLoopLag(resolutionMs = 10): EventLoopLag {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    read() {
      // No sample in this window (two reads within the resolution): nothing was late.
      const w = h.count > 0 ? { p99: h.percentile(99) / 1e9, max: h.max / 1e9 } : { p99: 0, max: 0 };
      h.reset();
      return w;
    },
    stop: () => h.disable(),
  };
}

/** Register the two gauges; `window` returns the current scrape's window. */
export function registerEventLoopLag(registry: Registry, window: () => LagWindow): void {
  new Gauge({
    name: 'bgp_event_loop_lag_seconds',
    help: '99th percentile of the event loop delay since the previous scrape.',
    registers: [registry],
    collect() {
      this.set(window().p99);
    },
  });
  new Gauge({
    name: 'bgp_event_loop_lag_max_seconds',
    help: 'Longest event loop delay since the previous scrape.',
    registers: [registry],
    collect() {
      this.set(window().max);
    },
  });
}
