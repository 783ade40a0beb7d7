/**
 * Preloaded into tsbgpd by the full-table benchmark (`node -r eventloop-probe.js dist/src/main.js`),
 * since tsbgpd has no control command reporting its event-loop delay yet: every 250 ms it appends
 * `<Date.now()> <max ms> <p99 ms> <samples> <rss> <heapUsed> <heapTotal> <external> <arrayBuffers>`
 * (memory in MB, from process.memoryUsage) for the window just ended to the file named by
 * TSBGP_BENCH_LOOP_FILE, from perf_hooks.monitorEventLoopDelay (5 ms resolution), then resets the
 * histogram. A loop blocked for 2 s shows up as a ~2000 ms max in the next line written. Does
 * nothing when the variable is unset; its timer never keeps the daemon alive.
 */

import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.TSBGP_BENCH_LOOP_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const timer = setInterval(() => {
    const ms = (ns: number): string => (ns / 1e6).toFixed(1);
    try {
      const m = process.memoryUsage();
      const mb = (n: number): string => (n / 1048576).toFixed(0);
      appendFileSync(
        file,
        `${Date.now()} ${ms(h.count > 0 ? h.max : 0)} ${ms(h.count > 0 ? h.percentile(99) : 0)} ${h.count} ${mb(m.rss)} ${mb(m.heapUsed)} ${mb(m.heapTotal)} ${mb(m.external)} ${mb(m.arrayBuffers)}\n`,
      );
    } catch {
      // The benchmark removed its directory: stop writing.
      clearInterval(timer);
    }
    h.reset();
  }, 250);
  timer.unref();
}
