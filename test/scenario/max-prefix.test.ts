/**
 * max-prefix (RFC 4486 sec. 4): three daemons on loopback, A -> B <- C. A sends 30 prefixes to B,
 * whose limit for A is 20: B closes only that session with Cease / Maximum Number of Prefixes
 * Reached (data: AFI, SAFI, limit), drops A's routes, keeps the session with C, and tries A again
 * after the restart interval (where it is closed again, since A still sends too many).
 * A max-prefix-out limit closes a session rather than send more than allowed (a leak guard).
 */

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load';
import { Daemon } from '../../src/daemon';
import { silentLogger } from '../../src/log';
import { freePort, waitUntil } from '../helpers/net';
import { ALLOW_ALL_FILTERS } from '../helpers/config';

function daemon(dir: string, addr: string, as: number, port: number, neighbors: { addr: string; as: number; extra?: string[] }[], networks: string[]): Daemon {
  const lines = ['[global]', `local-as = ${as}`, `router-id = "${addr}"`, `listen = [{ address = "${addr}", port = ${port} }]`, '[control]', `socket = "${join(dir, addr + '.sock')}"`];
  for (const n of neighbors) lines.push('[[neighbor]]', `address = "${n.addr}"`, `remote-as = ${n.as}`, `local-address = "${addr}"`, `port = ${port}`, 'connect-retry = 1', 'families = ["ipv4-unicast"]', ...(n.extra ?? []));
  for (const p of networks) lines.push('[[network]]', `prefix = "${p}"`);
  lines.push(...ALLOW_ALL_FILTERS);
  const r = loadConfigText(lines.join('\n') + '\n', join(dir, addr + '.toml'));
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return new Daemon(r.config, silentLogger);
}

const prefixes = (n: number, third: number) => Array.from({ length: n }, (_, i) => `10.${third}.${i}.0/24`);

t.test('max-prefix-in closes only that session and restarts after the interval', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-maxpfx-'));
  const port = await freePort();
  const A = '127.0.3.1';
  const B = '127.0.3.2';
  const C = '127.0.3.3';
  const a = daemon(dir, A, 64501, port, [{ addr: B, as: 64502, extra: ['announce = "all"'] }], prefixes(30, 1));
  const b = daemon(dir, B, 64502, port, [{ addr: A, as: 64501 }, { addr: C, as: 64503 }], []);
  const c = daemon(dir, C, 64503, port, [{ addr: B, as: 64502, extra: ['announce = "all"'] }], prefixes(2, 2));
  t.teardown(async () => {
    for (const d of [a, b, c]) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const d of [a, b, c]) await d.start();
  const bA = b.peers.get(A)!;
  const bC = b.peers.get(C)!;
  // The limit, with a restart interval of 6 s (the configuration counts whole minutes).
  bA.reconfigure({ ...bA.config, maxPrefixIn: { limit: 20, restart: 0.1 } });
  t.ok(await waitUntil(() => bA.lastErrorSent?.subcode === 1, 15000), 'B closed the session with A');
  t.match(bA.lastErrorSent, { code: 6, subcode: 1, name: 'cease/maximum-prefixes-reached' });
  t.equal(bA.adminDownReason, 'max-prefix in 20 exceeded', 'show says why it is down');
  t.equal(b.engine.receivedCount(bA), 0, "A's routes were dropped");
  const fromB = a.peers.get(B)!;
  t.ok(await waitUntil(() => fromB.lastErrorReceived !== undefined, 5000), 'A got a NOTIFICATION');
  t.match(fromB.lastErrorReceived, { code: 6, subcode: 1 }, 'A received Cease / Maximum Number of Prefixes Reached');
  t.ok(await waitUntil(() => bC.state === 'Established', 15000), 'B-C up');
  const cUp = bC.establishedAt;
  t.equal(b.engine.receivedCount(bC), 2, "and C's routes stayed");

  // After the restart interval B tries again, and closes it again.
  const firstAt = bA.lastErrorSent!.at;
  t.ok(await waitUntil(() => (bA.lastErrorSent?.at ?? 0) > firstAt, 20000), 'B restarted the session after the interval and closed it again');
  t.equal(bC.establishedAt, cUp, 'C never noticed');
});

t.test('max-prefix-out closes the session instead of sending more', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-maxout-'));
  const port = await freePort();
  const A = '127.0.3.11';
  const B = '127.0.3.12';
  const a = daemon(dir, A, 64501, port, [{ addr: B, as: 64502, extra: ['announce = "all"', 'max-prefix-out = 5'] }], prefixes(8, 3));
  const b = daemon(dir, B, 64502, port, [{ addr: A, as: 64501 }], []);
  t.teardown(async () => {
    for (const d of [a, b]) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const d of [a, b]) await d.start();
  const aB = a.peers.get(B)!;
  t.ok(await waitUntil(() => aB.lastErrorSent?.subcode === 1, 15000), 'A closed the session rather than send 8 prefixes');
  t.equal(aB.adminDownReason, 'max-prefix out 5 exceeded');
  t.ok(b.engine.receivedCount(b.peers.get(A)!) <= 5, 'B never held more than the limit');
  t.equal(aB.state, 'Idle', 'without a restart interval it stays down');
});
