/** The HealthCheck state machine, driven by a fake probe and a fake clock. */

import t from 'tap';
import { HealthCheck } from '../../src/health/check';
import type { HealthState, HealthStatus } from '../../src/health/types';
import { FakeClock, FakeProbe, healthConfig, settle } from './helpers';

const INTERVAL = 10_000;
const FAST = 2_000;

function setup(over: Parameters<typeof healthConfig>[0] = {}) {
  const clock = new FakeClock();
  const probe = new FakeProbe();
  const disabled = new Set<string>();
  const check = new HealthCheck(healthConfig({ interval: 10, fastInterval: 2, rise: 3, fall: 2, ...over }), {
    ...clock.deps,
    probe: probe.fn,
    fileExists: async (path) => disabled.has(path),
  });
  const changes: [HealthState, HealthState][] = [];
  check.on('change', (state: HealthState, previous: HealthState, status: HealthStatus) => {
    changes.push([state, previous]);
    if (status.state !== state) throw new Error('status does not match the change');
  });
  return { clock, probe, disabled, check, changes };
}

t.test('before start: init, no result, no timer', async (t) => {
  const { clock, probe, check } = setup();
  const s = check.status();
  t.same(
    { ...s },
    {
      name: 'web',
      type: 'exec',
      state: 'init',
      since: clock.now,
      lastResult: undefined,
      lastOutput: undefined,
      lastDurationMs: undefined,
      passes: 0,
      failures: 0,
      totalFailures: 0,
      checks: 0,
    },
  );
  t.equal(clock.armed, 0);
  t.equal(probe.calls, 0);
});

t.test('a first pass decides up at once, whatever rise is', async (t) => {
  const { clock, probe, check, changes } = setup({ rise: 5 });
  check.start();
  await settle();
  t.equal(probe.calls, 1, 'the first probe runs on start');
  t.equal(check.status().state, 'up');
  t.same(changes, [['up', 'init']]);
  t.equal(check.status().since, clock.now);
  t.equal(clock.nextDelay(), INTERVAL, 'settled: the normal interval');
  check.stop();
});

t.test('a first failure decides down at once, whatever fall is', async (t) => {
  const { clock, probe, check, changes } = setup({ fall: 5 });
  probe.ok = false;
  check.start();
  await settle();
  t.equal(check.status().state, 'down');
  t.same(changes, [['down', 'init']]);
  t.same([check.status().failures, check.status().totalFailures, check.status().lastResult], [1, 1, 'fail']);
  t.equal(clock.nextDelay(), INTERVAL);
  check.stop();
});

t.test('fall consecutive failures take up to down, at the fast interval while pending', async (t) => {
  const { clock, probe, check, changes } = setup({ fall: 3 });
  check.start();
  await settle();
  probe.ok = false;
  await clock.advance(INTERVAL);
  t.same([check.status().state, check.status().failures], ['up', 1], 'one failure: still up');
  t.equal(clock.nextDelay(), FAST, 'a transition is pending: fast interval');
  await clock.advance(FAST);
  t.same([check.status().state, check.status().failures], ['up', 2]);
  probe.ok = true;
  await clock.advance(FAST);
  t.same([check.status().state, check.status().failures, check.status().passes], ['up', 0, 1], 'a pass resets the count');
  t.equal(clock.nextDelay(), INTERVAL, 'nothing pending: back to the interval');
  probe.ok = false;
  await clock.advance(INTERVAL);
  await clock.advance(FAST);
  t.equal(check.status().state, 'up');
  await clock.advance(FAST);
  t.equal(check.status().state, 'down', 'the third consecutive failure');
  t.same(changes, [['up', 'init'], ['down', 'up']]);
  t.same([check.status().totalFailures, check.status().checks, probe.calls], [5, 7, 7]);
  t.equal(clock.nextDelay(), INTERVAL, 'down and failing: nothing pending');
  t.equal(check.status().lastOutput, 'broken');
  check.stop();
});

t.test('rise consecutive passes take down to up', async (t) => {
  const { clock, probe, check, changes } = setup({ rise: 3 });
  probe.ok = false;
  check.start();
  await settle();
  probe.ok = true;
  await clock.advance(INTERVAL);
  t.same([check.status().state, check.status().passes], ['down', 1]);
  t.equal(clock.nextDelay(), FAST);
  await clock.advance(FAST);
  t.same([check.status().state, check.status().passes], ['down', 2]);
  const before = clock.now;
  await clock.advance(FAST);
  t.same([check.status().state, check.status().passes], ['up', 3]);
  t.equal(check.status().since, before + FAST, 'since is the time of the change');
  t.same(changes, [['down', 'init'], ['up', 'down']]);
  t.equal(clock.nextDelay(), INTERVAL);
  check.stop();
});

t.test('change is emitted only on a change of state', async (t) => {
  const { clock, probe, check, changes } = setup({ rise: 2, fall: 2 });
  check.start();
  await settle();
  for (let i = 0; i < 5; i++) await clock.advance(INTERVAL); // passes while up
  probe.ok = false;
  await clock.advance(INTERVAL); // one failure: pending, no change
  probe.ok = true;
  await clock.advance(FAST);
  t.same(changes, [['up', 'init']], 'no events for results that keep the state');
  t.equal(check.status().checks, 8);
  check.stop();
});

t.test('rise and fall of 1 change on every differing result', async (t) => {
  const { clock, probe, check, changes } = setup({ rise: 1, fall: 1 });
  check.start();
  await settle();
  probe.ok = false;
  await clock.advance(INTERVAL);
  t.equal(clock.nextDelay(), INTERVAL, 'never pending');
  probe.ok = true;
  await clock.advance(INTERVAL);
  t.same(changes, [['up', 'init'], ['down', 'up'], ['up', 'down']]);
  check.stop();
});

t.test('a disable file forces down without probing; normal rise after it goes', async (t) => {
  const { clock, probe, disabled, check, changes } = setup({ disableFile: '/run/tsbgpd/drain-web', rise: 2 });
  check.start();
  await settle();
  t.equal(check.status().state, 'up');
  disabled.add('/run/tsbgpd/drain-web');
  await clock.advance(INTERVAL);
  t.equal(probe.calls, 1, 'the probe did not run');
  t.equal(check.status().state, 'down', 'down at once, whatever fall is');
  t.same([check.status().lastResult, check.status().lastOutput], ['disabled', 'disabled by /run/tsbgpd/drain-web']);
  t.same([check.status().failures, check.status().totalFailures], [0, 0], 'not a failure of the service');
  await clock.advance(INTERVAL);
  t.equal(probe.calls, 1, 'still not probing while disabled');
  disabled.delete('/run/tsbgpd/drain-web');
  await clock.advance(INTERVAL);
  t.same([probe.calls, check.status().state, check.status().passes], [2, 'down', 1], 'one pass: rise not reached');
  t.equal(clock.nextDelay(), FAST);
  await clock.advance(FAST);
  t.equal(check.status().state, 'up', 'rise passes after the file is gone');
  t.same(changes, [['up', 'init'], ['down', 'up'], ['up', 'down']]);
  check.stop();
});

t.test('a disable file present at start decides the first state', async (t) => {
  const { probe, disabled, check, changes } = setup({ disableFile: '/drain' });
  disabled.add('/drain');
  check.start();
  await settle();
  t.same([check.status().state, probe.calls], ['down', 0]);
  t.same(changes, [['down', 'init']]);
  check.stop();
});

t.test('recheck runs now and restarts the interval', async (t) => {
  const { clock, probe, check, changes } = setup({ fall: 1 });
  check.start();
  await settle();
  await clock.advance(INTERVAL - 1000);
  t.equal(clock.nextDelay(), 1000);
  probe.ok = false;
  const s = await check.recheck();
  t.same([s.state, s.lastResult, probe.calls], ['down', 'fail', 2], 'the status after the recheck');
  t.equal(clock.armed, 1, 'one timer, not two');
  t.equal(clock.nextDelay(), INTERVAL, 'interval counted from the recheck');
  t.same(changes, [['up', 'init'], ['down', 'up']]);
  check.stop();
});

t.test('only one probe at a time; a recheck during a probe runs once more after it', async (t) => {
  const clock = new FakeClock();
  let calls = 0;
  let running = 0;
  let maxRunning = 0;
  const releases: (() => void)[] = [];
  const check = new HealthCheck(healthConfig(), {
    ...clock.deps,
    probe: () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise((resolve) =>
        releases.push(() => {
          running--;
          resolve({ ok: true, output: `run ${calls}`, durationMs: 1 });
        }),
      );
    },
  });
  check.start();
  await settle();
  t.equal(calls, 1);
  const a = check.recheck();
  const b = check.recheck();
  await clock.advance(60_000);
  t.equal(calls, 1, 'no second probe while the first runs, and no timer meanwhile');
  releases.shift()!();
  await settle();
  t.equal(calls, 2, 'the queued recheck runs after it');
  releases.shift()!();
  const [sa, sb] = await Promise.all([a, b]);
  t.equal(calls, 2, 'two rechecks during one probe ran one more probe');
  t.same([sa.lastOutput, sb.lastOutput], ['run 2', 'run 2']);
  t.equal(maxRunning, 1);
  t.equal(clock.nextDelay(), INTERVAL);
  check.stop();
});

t.test('stop clears the timer and aborts a running probe, whose result is ignored', async (t) => {
  const clock = new FakeClock();
  let signal: AbortSignal | undefined;
  let release: (() => void) | undefined;
  const check = new HealthCheck(healthConfig(), {
    ...clock.deps,
    probe: (_cfg, s) => {
      signal = s;
      return new Promise((resolve) => (release = () => resolve({ ok: true, output: 'late', durationMs: 1 })));
    },
  });
  const changes: HealthState[] = [];
  check.on('change', (s: HealthState) => changes.push(s));
  check.start();
  await settle();
  t.equal(signal?.aborted, false);
  check.stop();
  t.equal(signal?.aborted, true, 'the probe was told to stop');
  release!();
  await settle();
  t.same([check.status().state, check.status().checks, changes], ['init', 0, []], 'its result was dropped');
  t.equal(clock.armed, 0, 'no timer left');
  await clock.advance(10 * INTERVAL);
  t.equal(clock.armed, 0);

  const idle = setup();
  idle.check.start();
  await settle();
  t.equal(idle.clock.armed, 1);
  idle.check.stop();
  t.equal(idle.clock.armed, 0, 'a check waiting for its next probe leaves no timer');
  await idle.clock.advance(10 * INTERVAL);
  t.equal(idle.probe.calls, 1);
});

t.test('a probe that throws counts as a failure', async (t) => {
  const clock = new FakeClock();
  const check = new HealthCheck(healthConfig(), {
    ...clock.deps,
    probe: async () => {
      throw new Error('boom');
    },
  });
  const s = await check.recheck();
  t.same([s.state, s.lastResult, s.lastOutput], ['down', 'fail', 'probe error: boom']);
  t.equal(clock.armed, 0, 'a recheck on a check never started schedules nothing');
});

t.test('bad numbers are refused', async (t) => {
  t.throws(() => new HealthCheck(healthConfig({ rise: 0 })), RangeError);
  t.throws(() => new HealthCheck(healthConfig({ fall: 1.5 })), RangeError);
  t.throws(() => new HealthCheck(healthConfig({ interval: 0 })), RangeError);
  t.throws(() => new HealthCheck(healthConfig({ timeout: Number.NaN })), RangeError);
});
