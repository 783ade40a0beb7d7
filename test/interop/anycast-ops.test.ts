/**
 * Issue 8 against a real upstream: BIRD 2 (eBGP, in its own network namespace) is tsbgpd's transit.
 * What BIRD's Adj-RIB-In shows is the proof:
 *   - a health check fails: the anycast prefix is withdrawn within interval x fall, and comes back
 *     after rise; the disable file withdraws it too;
 *   - drain: the prefix carries GRACEFUL_SHUTDOWN (65535:0), then is withdrawn after drain-wait;
 *     undrain announces it plainly again;
 *   - SIGTERM: the capture shows the withdrawal, then Cease / Administrative Shutdown with the
 *     Shutdown Communication, in that order on the wire; tsbgpd exits 0.
 * Under CI a missing BIRD, tshark or root fails the test instead of skipping it.
 */

import t from 'tap';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInstalled, openLab, readTcpFlows, requireNetns, requirePeer, splitBgpMessages, startCapture, waitFor, waitForEstablished } from './harness/index';
import { execHealthCheck } from '../helpers/config';
import { startTsbgpd } from './tsbgpd';

t.setTimeout(240_000);

const US = 4200000001;
const THEM = 4200000002;
const ANYCAST = '198.51.100.0/24';
const INTERVAL = 1;
const FALL = 2;
const RISE = 2;
const DRAIN_WAIT = 3;
const SHUTDOWN_TEXT = 'tsbgpd shutting down';

function lastIndex<T>(list: T[], pred: (x: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return i;
  return -1;
}

t.test('bird: health-checked anycast, drain and SIGTERM as the upstream sees them', async (t) => {
  if (!(await requireNetns(t)) || !requirePeer(t, 'bird')) return;
  if (!isInstalled('tshark')) {
    if (process.env.CI === 'true') t.fail('tshark is not installed (.ci/run installs it)');
    else t.pass('skipped', { skip: 'tshark is not installed' });
    return;
  }
  const lab = await openLab(t, { label: 'anycast-ops' });
  const a = lab.end('a');
  const b = lab.end('b');
  const dir = lab.workDir('health');
  const flag = join(dir, 'healthy');
  const disable = join(dir, 'maintenance');
  writeFileSync(flag, '');

  const capture = await startCapture({ netns: a.ns, ifname: a.ifname, file: join(lab.workDir('capture'), 'bgp.pcapng'), logDir: lab.workDir('tshark'), maxSeconds: 200 });
  const bird = await lab.startPeer('bird', 'b', {
    localAs: THEM,
    routerId: b.ipv4,
    holdTime: 30,
    neighbors: [{ address: a.ipv4, remoteAs: US, localAddress: b.ipv4, families: ['ipv4'] }],
  });
  const us = await startTsbgpd(lab, 'a', {
    localAs: US,
    routerId: a.ipv4,
    listen: [a.ipv4],
    neighbors: [{ address: b.ipv4, remoteAs: THEM, localAddress: a.ipv4, families: ['ipv4-unicast'] }],
    networks: [ANYCAST],
    networkHealthCheck: 'anycast',
    global: [`drain-wait = ${DRAIN_WAIT}`, 'shutdown-wait = 2'],
    extra: execHealthCheck('anycast', flag, { interval: INTERVAL, rise: RISE, fall: FALL }, [`disable-file = "${disable}"`]),
  });
  await waitForEstablished(bird, a.ipv4, 40_000);
  t.pass('eBGP session Established');

  const prefixes = () => bird.receivedPrefixes(a.ipv4, 'ipv4');
  const until = (what: string, timeoutMs: number, cond: (p: string[]) => boolean) =>
    waitFor(async () => (cond(await prefixes()) ? true : undefined), { timeoutMs, intervalMs: 100, what });
  await until('BIRD has the anycast prefix', 20_000, (p) => p.includes(ANYCAST));
  t.pass('BIRD receives the anycast prefix once the check passes');

  // The service fails.
  unlinkSync(flag);
  let t0 = Date.now();
  await until('withdrawal after the check fails', 15_000, (p) => !p.includes(ANYCAST));
  let took = Date.now() - t0;
  t.ok(took <= (INTERVAL * FALL + 2) * 1000, `withdrawn within interval x fall (+2 s for the probe, birdc and the UPDATE): ${took} ms`);
  const health = (await us.request('show.health')) as { health: { name: string; state: string; failures: number }[] };
  t.match(health.health[0], { name: 'anycast', state: 'down' }, 'show health says down');

  writeFileSync(flag, '');
  t0 = Date.now();
  await until('re-announcement after rise', 15_000, (p) => p.includes(ANYCAST));
  took = Date.now() - t0;
  t.ok(took <= (INTERVAL * RISE + 2) * 1000, `announced again after rise: ${took} ms`);

  // The disable file: maintenance without touching the service.
  writeFileSync(disable, '');
  await until('withdrawal by the disable file', (INTERVAL + 3) * 1000, (p) => !p.includes(ANYCAST));
  t.pass('the disable file withdraws the prefix');
  unlinkSync(disable);
  await until('back after the disable file is gone', (INTERVAL * RISE + 3) * 1000, (p) => p.includes(ANYCAST));
  t.pass('removing it brings the prefix back');

  // Drain.
  await us.request('drain', {});
  const gshut = await waitFor(
    async () => {
      const r = (await bird.receivedRoutes(a.ipv4, 'ipv4')).find((x) => x.prefix === ANYCAST);
      return r?.communities.includes('65535:0') ? r : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100, what: 'GRACEFUL_SHUTDOWN at BIRD' },
  );
  t.ok(gshut.communities.includes('65535:0'), 'drain: BIRD sees GRACEFUL_SHUTDOWN on the prefix');
  t0 = Date.now();
  await until('withdrawal after drain-wait', (DRAIN_WAIT + 5) * 1000, (p) => !p.includes(ANYCAST));
  took = Date.now() - t0;
  t.ok(took >= (DRAIN_WAIT - 1) * 1000, `withdrawn after drain-wait (${DRAIN_WAIT} s), not before: ${took} ms`);
  await us.request('undrain', {});
  const back = await waitFor(
    async () => (await bird.receivedRoutes(a.ipv4, 'ipv4')).find((x) => x.prefix === ANYCAST),
    { timeoutMs: 10_000, intervalMs: 100, what: 'prefix back after undrain' },
  );
  t.notOk(back.communities.includes('65535:0'), 'undrain: announced without GRACEFUL_SHUTDOWN');

  // SIGTERM.
  const exit = await us.process.stop(15_000);
  t.same(exit, { code: 0, signal: null }, 'tsbgpd exits 0 on SIGTERM');
  await until('BIRD has nothing from tsbgpd', 10_000, (p) => p.length === 0);
  await new Promise((r) => setTimeout(r, 500));
  await capture.stop();
  const flows = (await readTcpFlows(capture.file)).filter((f) => f.src === a.ipv4 && f.dst === b.ipv4);
  t.ok(flows.length > 0, 'the capture holds tsbgpd -> BIRD traffic');
  const last = flows[flows.length - 1]!;
  const msgs = splitBgpMessages(last.bytes).messages;
  // UPDATE (RFC 4271 sec. 4.3): withdrawn length, withdrawn routes, attributes length, attributes, NLRI.
  const withdraws = (m: Buffer) => m[18] === 2 && m.readUInt16BE(19) > 0;
  const announces = (m: Buffer) => m[18] === 2 && 23 + m.readUInt16BE(19) + m.readUInt16BE(21 + m.readUInt16BE(19)) < m.length;
  const lastAnnounce = lastIndex(msgs, announces);
  const withdrawIdx = lastIndex(msgs, withdraws);
  const notifIdx = msgs.findIndex((m) => m[18] === 3);
  t.ok(lastAnnounce >= 0 && withdrawIdx > lastAnnounce, `after the last announcement (message ${lastAnnounce}) the prefix was withdrawn (message ${withdrawIdx})`);
  t.ok(notifIdx > withdrawIdx, `the withdrawal precedes the NOTIFICATION (message ${notifIdx})`);
  const n = msgs[notifIdx];
  t.same(n ? [n[19], n[20]] : [], [6, 2], 'Cease / Administrative Shutdown');
  // RFC 9003: length octet, then the UTF-8 text.
  const text = n && n.length > 21 ? n.subarray(22, 22 + n[21]!).toString('utf8') : '';
  t.equal(text, SHUTDOWN_TEXT, 'with the Shutdown Communication');
  await bird.stop();
});
