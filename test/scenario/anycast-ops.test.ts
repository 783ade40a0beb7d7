/**
 * Anycast operations between three daemons on loopback: A is a PoP (AS 64521) with a transit B
 * (AS 64522, eBGP) and a second PoP C (AS 64521, iBGP).
 *
 * - A health check (exec, `test -e FLAG`) bound to the anycast set: B sees the prefixes withdrawn
 *   within interval x fall of the service failing, and again after rise passes; the disable file
 *   withdraws them at the next check; a degrade check prepends and tags instead of withdrawing.
 * - Drain: B and C see GRACEFUL_SHUTDOWN (C also LOCAL_PREF 0), then the withdrawal after
 *   drain-wait; undrain restores; a drain survives a reload.
 * - A reload that changes only a filter: what B receives changes, no session is re-established.
 * (The same with real BIRD / GoBGP peers and SIGTERM: test/interop/anycast-ops.test.ts.)
 */

import t from 'tap';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load';
import type { DaemonConfig } from '../../src/config/types';
import { execHealthCheck } from '../helpers/config';
import { Daemon } from '../../src/daemon';
import { silentLogger } from '../../src/log';
import type { ReceivedRoute } from '../../src/rib/engine';
import { freePort, waitUntil } from '../helpers/net';

const A = '127.0.6.1';
const B = '127.0.6.2';
const C = '127.0.6.3';
const AS_POP = 64521;
const AS_TRANSIT = 64522;
const ANYCAST = ['198.51.100.0/24', '2001:db8:100::/48'];
const DEGRADED = '203.0.113.0/24';
const PLAIN = '192.0.2.0/24';
const GSHUT = 0xffff0000;
const INTERVAL = 1;
const FALL = 2;
const RISE = 2;

interface Files {
  dir: string;
  flag: string;
  flag2: string;
  disable: string;
}

function load(dir: string, me: string, lines: string[]): DaemonConfig {
  const r = loadConfigText(lines.join('\n') + '\n', join(dir, me + '.toml'));
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column}: ${e.field}: ${e.message}`).join('; '));
  return r.config;
}

function neighbor(me: string, peer: string, as: number, port: number): string[] {
  return ['[[neighbor]]', `address = "${peer}"`, `remote-as = ${as}`, `local-address = "${me}"`, `port = ${port}`, 'connect-retry = 1', `next-hop6 = "2001:db8:ff::${me.split('.')[3]}"`];
}

function header(dir: string, me: string, as: number, port: number, extra: string[] = []): string[] {
  return ['[global]', `local-as = ${as}`, `router-id = "${me}"`, `listen = [{ address = "${me}", port = ${port} }]`, ...extra, '[control]', `socket = "${join(dir, me + '.sock')}"`];
}

/** A: the PoP. `plainToTransit` says whether the export rules let PLAIN go to the transit. */
function configA(f: Files, port: number, plainToTransit: boolean): DaemonConfig {
  const check = (name: string, flag: string, extra: string[]) => execHealthCheck(name, flag, { interval: INTERVAL, rise: RISE, fall: FALL }, extra);
  return load(f.dir, A, [
    ...header(f.dir, A, AS_POP, port, ['drain-wait = 2', 'shutdown-wait = 1']),
    ...neighbor(A, B, AS_TRANSIT, port),
    ...neighbor(A, C, AS_POP, port),
    ...check('anycast-svc', f.flag, [`disable-file = "${f.disable}"`]),
    ...check('degradable', f.flag2, ['on-failure = "degrade"', 'degrade-prepend = 2', `degrade-communities = ["${AS_POP}:666"]`]),
    '[[prefix-set]]',
    'name = "anycast"',
    `prefixes = [${ANYCAST.map((p) => `"${p}"`).join(', ')}]`,
    '[[network]]',
    'set = "anycast"',
    'health-check = "anycast-svc"',
    '[[network]]',
    `prefix = "${DEGRADED}"`,
    'health-check = "degradable"',
    '[[network]]',
    `prefix = "${PLAIN}"`,
    // RFC 8212: nothing goes to or comes from the transit unless a rule allows it.
    '[[filter]]',
    'action = "allow"',
    'direction = "to"',
    'peer = "ebgp"',
    'prefix-set = "anycast"',
    '[[filter]]',
    'action = "allow"',
    'direction = "to"',
    'peer = "ebgp"',
    `prefix = "${DEGRADED}"`,
    ...(plainToTransit ? ['[[filter]]', 'action = "allow"', 'direction = "to"', `neighbor = "${B}"`, `prefix = "${PLAIN}"`] : []),
    '[[filter]]',
    'action = "allow"',
    'direction = "from"',
    'peer = "ebgp"',
  ]);
}

function configB(dir: string, port: number): DaemonConfig {
  return load(dir, B, [...header(dir, B, AS_TRANSIT, port), ...neighbor(B, A, AS_POP, port), '[[filter]]', 'action = "allow"', 'direction = "from"', 'peer = "any"']);
}

function configC(dir: string, port: number): DaemonConfig {
  return load(dir, C, [...header(dir, C, AS_POP, port), ...neighbor(C, A, AS_POP, port)]);
}

const byPrefix = (routes: ReceivedRoute[]) => new Map(routes.map((r) => [r.prefix, r]));

t.test('health checks, drain and a filter-only reload, seen by a transit and an iBGP PoP', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-anycast-'));
  const f: Files = { dir, flag: join(dir, 'healthy'), flag2: join(dir, 'healthy2'), disable: join(dir, 'maintenance') };
  writeFileSync(f.flag, '');
  writeFileSync(f.flag2, '');
  const port = await freePort(A);
  const a = new Daemon(configA(f, port, true), silentLogger);
  const b = new Daemon(configB(dir, port), silentLogger);
  const c = new Daemon(configC(dir, port), silentLogger);
  t.teardown(async () => {
    for (const d of [a, b, c]) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const d of [a, b, c]) await d.start();
  const atB = () => byPrefix(b.engine.received(b.peers.get(A)!));
  const atC = () => byPrefix(c.engine.received(c.peers.get(A)!));
  const all = [...ANYCAST, DEGRADED, PLAIN].sort();

  t.ok(await waitUntil(() => atB().size === all.length && atC().size === all.length, 15000), 'B and C receive every network once the checks pass');
  t.strictSame([...atB().keys()].sort(), all, 'B: exactly our networks');
  const upB = b.peers.get(A)!.establishedAt;
  const upC = c.peers.get(A)!.establishedAt;

  await t.test('service fails: withdrawn within interval x fall; back after rise', async (t) => {
    unlinkSync(f.flag);
    const t0 = Date.now();
    t.ok(await waitUntil(() => !atB().has(ANYCAST[0]!) && !atB().has(ANYCAST[1]!), 10000), 'B saw the anycast prefixes withdrawn');
    const took = Date.now() - t0;
    t.ok(took <= (INTERVAL * FALL + 1) * 1000, `within interval x fall (+1 s for the probe and the UPDATE): ${took} ms`);
    t.ok(atB().has(PLAIN) && atB().has(DEGRADED), 'the networks not bound to that check stay');
    t.notOk(atC().has(ANYCAST[0]!), 'C (iBGP) saw the withdrawal too');
    t.equal(a.health.list().find((s) => s.name === 'anycast-svc')?.state, 'down');
    writeFileSync(f.flag, '');
    const t1 = Date.now();
    t.ok(await waitUntil(() => atB().has(ANYCAST[0]!) && atB().has(ANYCAST[1]!), 10000), 'B saw them announced again');
    t.ok(Date.now() - t1 <= (INTERVAL * RISE + 1) * 1000, `after rise passes: ${Date.now() - t1} ms`);
  });

  await t.test('the disable file withdraws at once, its removal restores after rise', async (t) => {
    writeFileSync(f.disable, '');
    t.ok(await waitUntil(() => !atB().has(ANYCAST[0]!), (INTERVAL + 1) * 1000), 'withdrawn by the next check');
    t.match(a.health.list().find((s) => s.name === 'anycast-svc')?.lastOutput, /disabled/, 'the status says why');
    unlinkSync(f.disable);
    t.ok(await waitUntil(() => atB().has(ANYCAST[0]!), (INTERVAL * RISE + 2) * 1000), 'announced again');
  });

  await t.test('a degrade check prepends and tags instead of withdrawing', async (t) => {
    unlinkSync(f.flag2);
    const degraded = (r?: ReceivedRoute) => r !== undefined && (r.attributes.asPath?.flatMap((s) => s.asns).length ?? 0) === 3;
    t.ok(await waitUntil(() => degraded(atB().get(DEGRADED)), (INTERVAL * FALL + 2) * 1000), 'B sees the degraded path');
    const r = atB().get(DEGRADED)!;
    t.strictSame(r.attributes.asPath?.flatMap((s) => s.asns), [AS_POP, AS_POP, AS_POP], 'our AS and two prepends');
    t.ok(r.attributes.communities?.includes(AS_POP * 65536 + 666), 'with the degrade community');
    const atCr = atC().get(DEGRADED);
    t.strictSame(atCr?.attributes.asPath?.flatMap((s) => s.asns) ?? [], [], 'iBGP: no prepend inside the AS');
    writeFileSync(f.flag2, '');
    t.ok(await waitUntil(() => (atB().get(DEGRADED)?.attributes.asPath?.flatMap((s) => s.asns).length ?? 0) === 1, (INTERVAL * RISE + 2) * 1000), 'restored on recovery');
    t.notOk(atB().get(DEGRADED)?.attributes.communities?.includes(AS_POP * 65536 + 666), 'without the community');
  });

  await t.test('drain: GRACEFUL_SHUTDOWN, withdrawal after drain-wait, survives a reload, undrain', async (t) => {
    const tagged = (m: Map<string, ReceivedRoute>) => all.every((p) => m.get(p)?.attributes.communities?.includes(GSHUT));
    a.drain('all');
    t.ok(await waitUntil(() => tagged(atB()) && tagged(atC()), 3000), 'B and C see every network with GRACEFUL_SHUTDOWN');
    t.ok(all.every((p) => atC().get(p)?.attributes.localPref === 0), 'C (iBGP) sees LOCAL_PREF 0');
    // A reload during the drain keeps it.
    await a.reload(configA(f, port, true));
    t.equal(a.engine.drainState(a.peers.get(B)!), 'gshut', 'still draining after a reload');
    t.ok(await waitUntil(() => atB().size === 0 && atC().size === 0, 5000), 'withdrawn after drain-wait');
    a.undrain('all');
    t.ok(await waitUntil(() => atB().size === all.length && atC().size === all.length, 5000), 'undrain: announced again');
    t.notOk([...atB().values()].some((r) => r.attributes.communities?.includes(GSHUT)), 'without GRACEFUL_SHUTDOWN');
  });

  await t.test('a reload changing only a filter changes what B gets and keeps every session up', async (t) => {
    const changes = await a.reload(configA(f, port, false));
    t.ok(changes.some((c) => /filter|polic/i.test(c)), `the reload reports the policy change: ${changes.join('; ')}`);
    t.ok(await waitUntil(() => !atB().has(PLAIN), 5000), `B saw ${PLAIN} withdrawn`);
    await new Promise((r) => setTimeout(r, 300));
    t.strictSame([...atB().keys()].sort(), all.filter((p) => p !== PLAIN), 'the rest stays at B');
    t.ok(atC().has(PLAIN), 'C (iBGP, no rule) still has it');
    t.equal(b.peers.get(A)!.establishedAt, upB, 'B: session never re-established');
    t.equal(c.peers.get(A)!.establishedAt, upC, 'C: session never re-established');
    await a.reload(configA(f, port, true));
    t.ok(await waitUntil(() => atB().has(PLAIN), 5000), 'the rule back: announced again');
    t.equal(b.peers.get(A)!.establishedAt, upB, 'still the same session');
  });
});
