/** HealthManager: reload keeps unchanged checks' state, restarts changed ones, stops removed ones. */

import t from 'tap';
import { HealthManager } from '../../src/health/manager';
import type { HealthCheckConfig, HealthState } from '../../src/health/types';
import { FakeClock, healthConfig, settle } from './helpers';

function setup() {
  const clock = new FakeClock();
  const healthy = new Map<string, boolean>();
  const calls = new Map<string, number>();
  const mgr = new HealthManager({
    ...clock.deps,
    probe: async (cfg: HealthCheckConfig) => {
      calls.set(cfg.name, (calls.get(cfg.name) ?? 0) + 1);
      return { ok: healthy.get(cfg.name) ?? true, output: '', durationMs: 1 };
    },
  });
  const changes: [string, HealthState, HealthState][] = [];
  mgr.on('change', (name: string, state: HealthState, previous: HealthState) => changes.push([name, state, previous]));
  return { clock, healthy, calls, mgr, changes };
}

t.test('apply adds, keeps, replaces and removes', async (t) => {
  const { clock, healthy, calls, mgr, changes } = setup();
  const web = healthConfig({ name: 'web', command: 'curl -fs localhost' });
  const dns = healthConfig({ name: 'dns', command: 'dig @127.0.0.1 .' });
  const ntp = healthConfig({ name: 'ntp', command: 'ntpq -p' });
  healthy.set('dns', false);
  t.same(mgr.apply([web, dns, ntp]), { added: ['web', 'dns', 'ntp'], removed: [], changed: [], unchanged: [] });
  t.same(mgr.list().map((s) => s.state), ['init', 'init', 'init'], 'listed by name, all init before a result');
  await settle();
  t.same(
    mgr.list().map((s) => [s.name, s.state]),
    [
      ['dns', 'down'],
      ['ntp', 'up'],
      ['web', 'up'],
    ],
  );
  t.same(changes, [
    ['web', 'up', 'init'],
    ['dns', 'down', 'init'],
    ['ntp', 'up', 'init'],
  ]);
  t.same([mgr.isUp('web'), mgr.isUp('dns'), mgr.isUp('nope')], [true, false, false]);
  await clock.advance(30_000);
  const webBefore = mgr.get('web')!;
  const webStatus = webBefore.status();
  t.equal(webStatus.checks, 4);
  changes.length = 0;

  // Reload: web identical (a fresh but equal object, keys in another order), dns changed, ntp gone, smtp new.
  const webAgain = JSON.parse(JSON.stringify({ ...web, name: 'web' })) as HealthCheckConfig;
  const reordered = Object.fromEntries(Object.entries(webAgain).reverse()) as unknown as HealthCheckConfig;
  const dns2 = { ...dns, rise: 5 };
  const smtp = healthConfig({ name: 'smtp', type: 'tcp', command: undefined, host: '127.0.0.1', port: 25 });
  healthy.set('dns', true);
  const callsBefore = { ...Object.fromEntries(calls) };
  t.same(mgr.apply([reordered, dns2, smtp]), { added: ['smtp'], removed: ['ntp'], changed: ['dns'], unchanged: ['web'] });

  t.equal(mgr.get('web'), webBefore, 'the unchanged check is the same object');
  t.same(mgr.get('web')!.status(), webStatus, 'and keeps its state and counters');
  t.equal(mgr.get('ntp'), undefined, 'the removed check is gone');
  t.equal(mgr.get('dns')!.status().state, 'init', 'the changed check restarts from init');
  t.equal(mgr.get('dns')!.status().checks, 0);
  t.same(changes, [['dns', 'init', 'down']], 'the replaced check reports its return to init at once');
  await settle();
  t.same(mgr.get('dns')!.status().state, 'up', 'its first result decides, not the old rise count');
  t.equal(calls.get('web'), callsBefore.web, 'the unchanged check was not re-probed by the reload');
  t.same(changes, [
    ['dns', 'init', 'down'],
    ['dns', 'up', 'init'],
    ['smtp', 'up', 'init'],
  ]);

  // The removed check is stopped: it probes no more and its events are not re-emitted.
  const ntpCalls = calls.get('ntp');
  await clock.advance(60_000);
  t.equal(calls.get('ntp'), ntpCalls, 'the removed check probes no more');
  t.equal(clock.armed, 3, 'one timer per remaining check');

  mgr.stop();
  t.same(mgr.list(), []);
  t.equal(clock.armed, 0, 'stop leaves no timer');
});

t.test('replacing an up check reports up -> init', async (t) => {
  const { mgr, changes } = setup();
  mgr.apply([healthConfig({ name: 'web' })]);
  await settle();
  mgr.apply([healthConfig({ name: 'web', interval: 30 })]);
  t.same(changes, [
    ['web', 'up', 'init'],
    ['web', 'init', 'up'],
  ]);
  t.equal(mgr.isUp('web'), false, 'not announced until the new check has a result');
  await settle();
  t.equal(mgr.isUp('web'), true);
  mgr.stop();
});

t.test('a bad list changes nothing', async (t) => {
  const { mgr, clock } = setup();
  mgr.apply([healthConfig({ name: 'web' })]);
  await settle();
  const web = mgr.get('web');
  t.throws(() => mgr.apply([healthConfig({ name: 'a' }), healthConfig({ name: 'a' })]), /duplicate health check a/);
  t.throws(() => mgr.apply([healthConfig({ name: 'b' }), healthConfig({ name: 'web', rise: 0 })]), RangeError);
  t.equal(mgr.get('web'), web);
  t.same(
    mgr.list().map((s) => s.name),
    ['web'],
  );
  t.equal(clock.armed, 1);
  mgr.stop();
});
