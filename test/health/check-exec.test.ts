/**
 * Checks on real timers and real exec probes: stop() kills a running command's process group, and
 * a stopped check or manager leaves nothing that keeps the process alive.
 */

import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthCheck } from '../../src/health/check';
import { waitUntil } from '../helpers/net';
import { healthConfig, processGone } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-health-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function readPid(file: string): number {
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) || 0 : 0;
}

t.test('stop() during an exec probe kills its process group', async (t) => {
  const pidFile = join(dir, 'stop.pid');
  const check = new HealthCheck(healthConfig({ command: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: 60 }));
  check.start();
  t.ok(await waitUntil(() => readPid(pidFile) > 0, 3000), 'the probe is running');
  const pid = readPid(pidFile);
  check.stop();
  t.ok(await waitUntil(() => processGone(pid), 2000), `sleep ${pid} was killed`);
  if (!processGone(pid)) process.kill(pid, 'SIGKILL');
  t.same([check.status().state, check.status().checks], ['init', 0], 'the aborted probe was not counted');
});

t.test('a real check with a disable file on disk', async (t) => {
  const file = join(dir, 'drain');
  const check = new HealthCheck(healthConfig({ command: `echo probed > ${join(dir, 'probed')}`, disableFile: file, rise: 2 }));
  let s = await check.recheck();
  t.same([s.state, s.lastResult], ['up', 'pass']);
  rmSync(join(dir, 'probed'));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, '');
  s = await check.recheck();
  t.same([s.state, s.lastResult, s.lastOutput], ['down', 'disabled', `disabled by ${file}`]);
  t.notOk(existsSync(join(dir, 'probed')), 'the command did not run');
  rmSync(file);
  s = await check.recheck();
  t.same([s.state, s.passes], ['down', 1]);
  s = await check.recheck();
  t.same([s.state, s.passes], ['up', 2]);
  check.stop();
});

t.test('a process whose checks and manager were stopped exits by itself', async (t) => {
  const pidFile = join(dir, 'child.pid');
  const dist = join(__dirname, '../../src/health');
  const script = `
    const { HealthCheck } = require(${JSON.stringify(join(dist, 'check.js'))});
    const { HealthManager } = require(${JSON.stringify(join(dist, 'manager.js'))});
    const base = { type: 'exec', expectStatus: 200, interval: 0.2, fastInterval: 0.05, timeout: 60, rise: 2, fall: 2,
      onFailure: 'withdraw', degradePrepend: 0, degradeCommunities: [], degradeLargeCommunities: [] };
    const quick = new HealthCheck({ ...base, name: 'quick', command: 'true' });
    const failing = new HealthCheck({ ...base, name: 'failing', command: 'exit 1' });
    const mgr = new HealthManager();
    mgr.apply([
      { ...base, name: 'slow', command: 'sleep 30 & echo $! > ${pidFile}; wait' },
      { ...base, name: 'tcp', type: 'tcp', host: '127.0.0.1', port: 9, interval: 0.1 },
    ]);
    quick.start();
    failing.start();
    setTimeout(async () => {
      await quick.recheck();
      quick.stop();
      failing.stop();
      mgr.stop();
      process.stdout.write('stopped ' + quick.status().checks + '\\n');
    }, 700);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const bounded = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000))]);
  if (bounded === 'hung') child.kill('SIGKILL');
  t.equal(bounded, 0, 'the process exited on its own, nothing left armed');
  t.match(out, /^stopped (\d+)\n$/);
  t.ok(Number(/stopped (\d+)/.exec(out)?.[1]) >= 3, 'the quick check ran on its interval several times');
  const pid = readPid(pidFile);
  t.ok(pid > 0, 'the slow probe had started');
  t.ok(await waitUntil(() => processGone(pid), 2000), `its sleep ${pid} was killed`);
  if (pid > 0 && !processGone(pid)) process.kill(pid, 'SIGKILL');
});
