/** exec probes: real /bin/sh commands; the timeout and abort must leave no process behind. */

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProbe, MAX_OUTPUT_BYTES } from '../../src/health/probe';
import { waitUntil } from '../helpers/net';
import { healthConfig, processGone } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-health-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** A command that starts a `sleep 30` grandchild, writes its pid to `file`, then waits on it. */
function grandchildCommand(file: string, tail = 'wait'): string {
  return `sleep 30 & echo $! > ${file}; ${tail}`;
}

t.test('exit status 0 passes, with the output', async (t) => {
  const r = await runProbe(healthConfig({ command: 'echo starting; echo all good >&2; exit 0' }));
  t.equal(r.ok, true);
  t.equal(r.output, 'starting\nall good', 'stdout and stderr both captured');
  t.ok(r.durationMs >= 0 && r.durationMs < 5000);
});

t.test('a non-zero exit status fails and says so', async (t) => {
  const r = await runProbe(healthConfig({ command: 'echo nginx is not running; exit 3' }));
  t.equal(r.ok, false);
  t.equal(r.output, 'exit status 3: nginx is not running');
  const quiet = await runProbe(healthConfig({ command: 'false' }));
  t.same([quiet.ok, quiet.output], [false, 'exit status 1']);
  const killed = await runProbe(healthConfig({ command: 'kill -TERM $$' }));
  t.same([killed.ok, killed.output], [false, 'killed by SIGTERM']);
});

t.test('long output keeps its end, where the reason is', async (t) => {
  const r = await runProbe(healthConfig({ command: 'i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done; echo LAST; exit 1' }));
  t.equal(r.ok, false);
  t.ok(r.output.length <= MAX_OUTPUT_BYTES + 'exit status 1: '.length, `output bounded (${r.output.length})`);
  t.ok(r.output.endsWith('line 499\nLAST'), 'the last line is kept');
  t.notMatch(r.output, /line 0\n/, 'the beginning is dropped');
});

t.test('a timeout kills the whole process group', async (t) => {
  const pidFile = join(dir, 'timeout.pid');
  const started = Date.now();
  const r = await runProbe(healthConfig({ command: grandchildCommand(pidFile), timeout: 0.5 }));
  const took = Date.now() - started;
  t.same([r.ok, r.output], [false, 'timeout after 0.5s']);
  t.ok(took >= 450 && took < 3000, `ended at the timeout (${took} ms)`);
  t.ok(existsSync(pidFile), 'the grandchild was started');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.ok(pid > 0);
  t.ok(await waitUntil(() => processGone(pid), 2000), `grandchild sleep ${pid} was killed`);
  if (!processGone(pid)) process.kill(pid, 'SIGKILL');
});

t.test('processes a command left behind after exiting are killed', async (t) => {
  const pidFile = join(dir, 'leftover.pid');
  const r = await runProbe(healthConfig({ command: grandchildCommand(pidFile, 'echo done; exit 0'), timeout: 5 }));
  t.same([r.ok, r.output], [true, 'done'], 'the result is the shell exit, not the leftover');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.ok(await waitUntil(() => processGone(pid), 2000), `leftover sleep ${pid} was killed`);
  if (!processGone(pid)) process.kill(pid, 'SIGKILL');
});

t.test('aborting a probe kills its process group', async (t) => {
  const pidFile = join(dir, 'abort.pid');
  const ctl = new AbortController();
  const probe = runProbe(healthConfig({ command: grandchildCommand(pidFile), timeout: 10 }), ctl.signal);
  t.ok(await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 3000), 'grandchild started');
  ctl.abort();
  const r = await probe;
  t.same([r.ok, r.output], [false, 'aborted']);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.ok(await waitUntil(() => processGone(pid), 2000), `grandchild sleep ${pid} was killed`);
  if (!processGone(pid)) process.kill(pid, 'SIGKILL');
  const before = await runProbe(healthConfig({ command: 'true' }), AbortSignal.abort());
  t.same([before.ok, before.output], [false, 'aborted'], 'an already aborted signal runs nothing');
});

t.test('an exec check without a command fails', async (t) => {
  const r = await runProbe(healthConfig({ command: undefined }));
  t.same([r.ok, r.output], [false, 'exec check without a command']);
});
