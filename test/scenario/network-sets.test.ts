/**
 * Networks from a prefix set: two daemons on loopback, A (AS 64511) announcing to B (AS 64512) over
 * one IPv4 session carrying both families. A's [[network]] names the set "anycast" (two IPv4 and two
 * IPv6 prefixes) with large communities and a MED, beside a network of its own without them; B must
 * receive every prefix of the set with those attributes. Then A reloads with one prefix taken out of
 * the set: B sees exactly that prefix withdrawn, the others stay, and the session stays up.
 */

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load';
import type { DaemonConfig } from '../../src/config/types';
import { Daemon } from '../../src/daemon';
import { silentLogger } from '../../src/log';
import type { ReceivedRoute } from '../../src/rib/engine';
import { freePort, waitUntil } from '../helpers/net';
import { ALLOW_ALL_FILTERS } from '../helpers/config';

const A = '127.0.4.1';
const B = '127.0.4.2';
const AS_A = 64511;
const AS_B = 64512;
const ANYCAST = ['198.51.100.0/24', '203.0.113.0/24', '2001:db8:100::/48', '2001:db8:200::/48'];
const OWN = '192.0.2.0/24';
const LARGE: [number, number, number][] = [
  [AS_A, 1, 11],
  [AS_A, 2, 0],
];

function config(dir: string, me: string, as: number, port: number, peer: string, peerAs: number, extra: string[]): DaemonConfig {
  const lines = [
    '[global]',
    `local-as = ${as}`,
    `router-id = "${me}"`,
    `listen = [{ address = "${me}", port = ${port} }]`,
    '[control]',
    `socket = "${join(dir, me + '.sock')}"`,
    '[[neighbor]]',
    `address = "${peer}"`,
    `remote-as = ${peerAs}`,
    `local-address = "${me}"`,
    `port = ${port}`,
    'connect-retry = 1',
    // The IPv6 prefixes travel over the IPv4 session with this next hop (never ::).
    `next-hop6 = "2001:db8:ff::${me.split('.')[3]}"`,
    ...extra,
    ...ALLOW_ALL_FILTERS,
  ];
  const r = loadConfigText(lines.join('\n') + '\n', join(dir, me + '.toml'));
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column}: ${e.field}: ${e.message}`).join('; '));
  return r.config;
}

function configA(dir: string, port: number, anycast: string[]): DaemonConfig {
  return config(dir, A, AS_A, port, B, AS_B, [
    'send-med = true',
    '[[prefix-set]]',
    'name = "anycast"',
    `prefixes = [${anycast.map((p) => JSON.stringify(p)).join(', ')}]`,
    '[[network]]',
    `prefix = "${OWN}"`,
    '[[network]]',
    'set = "anycast"',
    `large-communities = [${LARGE.map((c) => `"${c.join(':')}"`).join(', ')}]`,
    'med = 20',
  ]);
}

const byPrefix = (routes: ReceivedRoute[]) => new Map(routes.map((r) => [r.prefix, r]));

t.test('a prefix set is announced with its entry attributes; shrinking it withdraws only what left', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-sets-'));
  const port = await freePort(A);
  const a = new Daemon(configA(dir, port, ANYCAST), silentLogger);
  const b = new Daemon(config(dir, B, AS_B, port, A, AS_A, []), silentLogger);
  t.teardown(async () => {
    for (const d of [a, b]) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  t.equal(a.config.networks.length, ANYCAST.length + 1, 'the set is expanded in the compiled config');
  for (const d of [a, b]) await d.start();

  const bA = b.peers.get(A)!;
  const aB = a.peers.get(B)!;
  const received = () => byPrefix(b.engine.received(bA));
  t.ok(await waitUntil(() => received().size === ANYCAST.length + 1, 15000), 'B received the set and the own network');
  const got = received();
  t.strictSame([...got.keys()].sort(), [...ANYCAST, OWN].sort(), 'exactly those prefixes');
  for (const prefix of ANYCAST) {
    const r = got.get(prefix)!;
    t.strictSame(r.attributes.largeCommunities, LARGE, `${prefix}: the entry's large communities`);
    t.equal(r.attributes.med, 20, `${prefix}: the entry's MED`);
    t.strictSame(r.attributes.asPath?.flatMap((s) => s.asns), [AS_A], `${prefix}: AS path is A`);
    if (prefix.includes(':')) t.equal(r.attributes.mpReach?.nextHop, '2001:db8:ff::1', `${prefix}: A's IPv6 next hop`);
    else t.equal(r.attributes.nextHop, A, `${prefix}: next hop A`);
  }
  const own = got.get(OWN)!;
  t.equal(own.attributes.largeCommunities, undefined, 'the network outside the set has none of its attributes');
  t.equal(own.attributes.med, undefined, 'nor its MED');

  const upSinceB = bA.establishedAt;
  const upSinceA = aB.establishedAt;
  t.ok(upSinceB > 0 && upSinceA > 0, 'the session is up');

  const removed = '203.0.113.0/24';
  const changes = await a.reload(configA(dir, port, ANYCAST.filter((p) => p !== removed)));
  t.strictSame(changes, ['networks: 0 added, 1 removed, 0 changed'], 'the reload touched only the networks');
  t.ok(await waitUntil(() => !received().has(removed), 10000), `B saw ${removed} withdrawn`);
  // Give a stray re-announcement or a reset a moment to show before looking at the rest.
  await new Promise((r) => setTimeout(r, 300));
  const after = received();
  t.strictSame([...after.keys()].sort(), [...ANYCAST.filter((p) => p !== removed), OWN].sort(), 'the other prefixes stay');
  for (const prefix of ANYCAST.filter((p) => p !== removed)) t.strictSame(after.get(prefix)!.attributes.largeCommunities, LARGE, `${prefix}: still tagged`);
  t.equal(bA.state, 'Established', 'the session stays up');
  t.equal(bA.establishedAt, upSinceB, 'B: never re-established');
  t.equal(aB.establishedAt, upSinceA, 'A: never re-established');
});
