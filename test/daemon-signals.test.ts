/**
 * The daemon process and its signals (tsbgpd in a child process, loopback only): SIGTERM withdraws,
 * waits shutdown-wait, then exits 0; a second SIGTERM during the wait exits at once, 0 as well.
 * (What the peers see of it, with BIRD: test/interop/anycast-ops.test.ts.)
 */

import t, { Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './helpers/net';

const MAIN = resolve(__dirname, '..', 'src', 'main.js');

async function startDaemon(t: Test, shutdownWait: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-signals-'));
  const port = await freePort('127.0.0.1');
  const file = join(dir, 'bgpd.toml');
  writeFileSync(
    file,
    [
      '[global]',
      'local-as = 65000',
      'router-id = "127.0.0.1"',
      `listen = [{ address = "127.0.0.1", port = ${port} }]`,
      `shutdown-wait = ${shutdownWait}`,
      '[control]',
      `socket = "${join(dir, 'tsbgpd.sock')}"`,
      '[[neighbor]]',
      'address = "127.0.0.2"',
      'remote-as = 65001',
      'passive = true',
      '[[network]]',
      'prefix = "192.0.2.0/24"',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [MAIN, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) => child.once('exit', (code, signal) => r({ code, signal, at: Date.now() })));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 15000;
  while (!out.includes('tsbgpd started') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes('tsbgpd started')) throw new Error(`tsbgpd did not start:\n${out}`);
  return { child, exited, log: () => out };
}

t.test('SIGTERM: waits shutdown-wait, then exits 0', async (t) => {
  const d = await startDaemon(t, 1);
  const t0 = Date.now();
  d.child.kill('SIGTERM');
  const e = await d.exited;
  t.same([e.code, e.signal], [0, null], 'exit status 0');
  t.ok(e.at - t0 >= 900, `it waited shutdown-wait (1 s) first: ${e.at - t0} ms`);
  t.ok(e.at - t0 < 8000, 'and not much more');
  t.match(d.log(), /networks withdrawn/, 'the log says the networks were withdrawn first');
});

t.test('a second SIGTERM exits at once', async (t) => {
  const d = await startDaemon(t, 30);
  d.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 700));
  t.equal(d.child.exitCode, null, 'still waiting after the first SIGTERM (shutdown-wait 30 s)');
  const t0 = Date.now();
  d.child.kill('SIGTERM');
  const e = await d.exited;
  t.same([e.code, e.signal], [0, null], 'exit status 0');
  t.ok(e.at - t0 < 3000, `exited at once: ${e.at - t0} ms`);
});
