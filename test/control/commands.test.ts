/**
 * The daemon's control commands (commands.ts) against a stand-in daemon: a real RouteEngine and
 * configuration, stand-in peers that record what they were told. Covers naming neighbours (address
 * in any spelling, description, group), shutdown reasons (RFC 9003 length), runtime networks (added
 * to the engine beside the configured ones, refused when malformed or configured), `log verbose |
 * brief` on a logger with a level, and answers conforming to the documented schema. Sessions, the
 * socket and tsbgpctl itself are exercised in cli.test.ts.
 */

import t, { type Test } from 'tap';
import { controlHandlers, ControlTarget, peersByArg } from '../../src/control/commands';
import { checkJson, JSON_DOCUMENTS } from '../../src/control/json-schema';
import { RuntimeNetworks } from '../../src/control/runtime-networks';
import type { Handler } from '../../src/control/server';
import { loadConfigText } from '../../src/config/load';
import type { DaemonConfig } from '../../src/config/types';
import { Logger, silentLogger } from '../../src/log';
import { RouteEngine } from '../../src/rib/engine';
import { emptyCounters } from '../../src/session/connection';
import type { Peer } from '../../src/session/peer';
import { IPV4_UNICAST } from '../../src/wire/iana';

const CONFIG = `
[global]
local-as = 65001
router-id = "192.0.2.1"
log-level = "warn"

[[group]]
name = "transit"
remote-as = 64500

[[neighbor]]
address = "192.0.2.10"
group = "transit"
description = "upstream-1"

[[neighbor]]
address = "2001:db8::10"
group = "transit"

[[neighbor]]
address = "192.0.2.20"
remote-as = 65001
description = "pop-b"

[[network]]
prefix = "198.51.100.0/24"
`;

interface FakePeer {
  config: { remoteAddress: string; name: string; remoteAs: number; localAs: number; holdTime: number; connectRetry: number; passive: boolean };
  calls: string[];
  state: string;
  sent: ReturnType<typeof emptyCounters>;
  received: ReturnType<typeof emptyCounters>;
  establishedAt: number;
  downSince: number;
  outQueue: number;
  keepaliveSeconds(): number;
  runningTimers(): { name: string; dueAt: number }[];
  stop(reason?: string): void;
  start(): void;
  reset(subcode: number, reason?: string): void;
}

function fakePeer(address: string, name: string, remoteAs: number): FakePeer {
  const p: FakePeer = {
    config: { remoteAddress: address, name, remoteAs, localAs: 65001, holdTime: 90, connectRetry: 30, passive: false },
    calls: [],
    state: 'Idle',
    sent: emptyCounters(),
    received: emptyCounters(),
    establishedAt: 0,
    downSince: Date.now(),
    outQueue: 0,
    keepaliveSeconds: () => 30,
    runningTimers: () => [{ name: 'ConnectRetryTimer', dueAt: Date.now() + 12_000 }],
    stop: (reason) => p.calls.push(`stop ${reason ?? '-'}`),
    start: () => p.calls.push('start'),
    reset: (subcode, reason) => p.calls.push(`reset ${subcode} ${reason ?? '-'}`),
  };
  return p;
}

function setup(log: Logger = silentLogger) {
  const r = loadConfigText(CONFIG, 'test.toml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  const config: DaemonConfig = r.config;
  const engine = new RouteEngine({ localAs: 65001, routerId: '192.0.2.1' }, config.networks, silentLogger);
  const fakes = [fakePeer('192.0.2.10', 'upstream-1', 64500), fakePeer('2001:db8::10', '2001:db8::10', 64500), fakePeer('192.0.2.20', 'pop-b', 65001)];
  const peers = new Map(fakes.map((p) => [p.config.remoteAddress, p as unknown as Peer]));
  const runtimeNetworks = new RuntimeNetworks();
  const target: ControlTarget = {
    config,
    peers,
    engine,
    runtimeNetworks,
    reloadFromFile: async () => ({ ok: true, changes: ['no changes'] }),
    originate: () => engine.setNetworks(runtimeNetworks.merge(config.networks), peers.values()),
  };
  const h = controlHandlers(target, log);
  const call = async (cmd: string, args: Record<string, unknown> = {}) => (h.get(cmd) as Handler)(args);
  return { target, engine, fakes, call };
}

async function refused(t: Test, p: Promise<unknown>, message: RegExp, what: string): Promise<void> {
  await t.rejects(p, message, what);
}

t.test('naming neighbours', async (t) => {
  const { target, fakes, call } = setup();
  t.teardown(() => target.engine.dispose());
  const names = (args: Record<string, unknown>) => peersByArg(target, args).map((p) => p.config.remoteAddress);
  t.same(names({ peer: '192.0.2.10' }), ['192.0.2.10'], 'by address');
  t.same(names({ peer: '2001:DB8:0::10' }), ['2001:db8::10'], 'an IPv6 address in any spelling');
  t.same(names({ peer: 'pop-b' }), ['192.0.2.20'], 'by description');
  t.same(names({ group: 'transit' }), ['192.0.2.10', '2001:db8::10'], 'by group');
  t.throws(() => names({ peer: '192.0.2.99' }), /^no such neighbor: 192.0.2.99$/);
  t.throws(() => names({ group: 'peering' }), /^no such group: peering$/);
  t.throws(() => names({}), /no neighbor given/);

  await call('neighbor.down', { group: 'transit', reason: 'planned maintenance' });
  t.same(fakes[0]!.calls, ['stop planned maintenance']);
  t.same(fakes[1]!.calls, ['stop planned maintenance']);
  await call('neighbor.clear', { peer: 'pop-b' });
  t.same(fakes[2]!.calls, ['reset 4 -'], 'clear: Cease / Administrative Reset');
  await call('neighbor.up', { peer: 'upstream-1' });
  t.same(fakes[0]!.calls, ['stop planned maintenance', 'start']);
  await refused(t, call('neighbor.down', { peer: 'pop-b', reason: 'x'.repeat(256) }), /shutdown reason too long: 256 bytes/, 'a reason over 255 bytes');
  t.same(fakes[2]!.calls, ['reset 4 -'], 'and nothing was done');
  await refused(t, call('neighbor.refresh', { peer: 'pop-b' }), /not established/, 'refresh needs a session');

  const n = (await call('show.neighbors', { group: 'transit' })) as { neighbors: { remote_addr: string; group?: string; last_updown: string }[] };
  t.same(
    n.neighbors.map((x) => [x.remote_addr, x.group, x.last_updown]),
    [
      ['192.0.2.10', 'transit', 'Never'],
      ['2001:db8::10', 'transit', 'Never'],
    ],
  );
  t.same(checkJson(n, JSON_DOCUMENTS.neighbors!.schema), [], 'conforms to the schema');
  const timers = (n.neighbors[0] as unknown as { timers: { name: string; due: number }[] }).timers;
  t.equal(timers.length, 1, 'the timers the session layer armed');
  t.equal(timers[0]?.name, 'ConnectRetryTimer');
  t.ok(timers[0]!.due >= 11 && timers[0]!.due <= 12, `due in its remaining seconds: ${timers[0]?.due}`);
});

t.test('runtime networks', async (t) => {
  const { target, engine, call } = setup();
  t.teardown(() => engine.dispose());
  const count = () => engine.locRib.prefixCount(IPV4_UNICAST);
  const settle = () => new Promise((r) => setTimeout(r, 20));

  t.match(await call('network.add', { prefix: '203.0.113.0/24', communities: ['65001:7', 'NO_EXPORT'], large_communities: ['65001:1:2'], med: 5, localpref: 200, origin: 'egp' }), {
    status: 'OK',
    message: 'network 203.0.113.0/24 added',
  });
  await call('network.add', { prefix: '2001:db8:b::/48', nexthop: '2001:DB8::1' });
  await settle();
  t.equal(count(), 2, 'originated beside the configured one');
  const shown = (await call('network.show')) as { networks: { prefix: string; source: string; nexthop: string; communities: string[] }[] };
  t.same(
    shown.networks.map((n) => [n.prefix, n.source, n.nexthop]),
    [
      ['198.51.100.0/24', 'config', '0.0.0.0'],
      ['203.0.113.0/24', 'runtime', '0.0.0.0'],
      ['2001:db8:b::/48', 'runtime', '2001:db8::1'],
    ],
  );
  t.same(shown.networks[1]!.communities, ['65001:7', 'NO_EXPORT']);
  t.same(checkJson(shown, JSON_DOCUMENTS.networks!.schema), [], 'conforms to the schema');
  t.same(((await call('show.network', { family: 'inet6' })) as { networks: unknown[] }).networks.length, 1, 'family filter');

  await refused(t, call('network.add', { prefix: '198.51.100.0/24' }), /is in the configuration/, 'a configured network');
  await refused(t, call('network.add', { prefix: '203.0.113.1/24' }), /not a prefix: 203.0.113.1\/24/, 'host bits');
  await refused(t, call('network.add', { prefix: '192.0.2.0/24', nexthop: '2001:db8::1' }), /bad nexthop/, 'a next hop of the other family');
  await refused(t, call('network.add', { prefix: '192.0.2.0/24', communities: ['65001:*'] }), /cannot have \*/, 'a wildcard community');
  await refused(t, call('network.add', { prefix: '192.0.2.0/24', origin: 'bgp' }), /bad origin/, 'a bad origin');
  await refused(t, call('network.add', { prefix: '192.0.2.0/24', med: -1 }), /bad med/, 'a bad med');
  await refused(t, call('network.delete', { prefix: '198.51.100.0/24' }), /is in the configuration: remove it there/, 'deleting a configured network');
  await refused(t, call('network.delete', { prefix: '192.0.2.0/24' }), /no such network: 192.0.2.0\/24/, 'deleting an unknown network');

  await call('network.delete', { prefix: '2001:db8:b:0::/48' });
  t.same(
    target.runtimeNetworks.list().map((n) => n.prefix),
    ['203.0.113.0/24'],
    'deleted, whatever the spelling',
  );
  t.match(await call('network.flush'), { message: '1 runtime network removed' });
  await settle();
  t.equal(count(), 1, 'withdrawn from the RIB; the configured one stays');
  t.same(target.runtimeNetworks.merge(target.config.networks).map((n) => n.prefix), ['198.51.100.0/24']);
});

t.test('merge: configured networks first, runtime ones they do not cover', async (t) => {
  const r = new RuntimeNetworks();
  const n = (prefix: string, med?: number) => ({ prefix, family: IPV4_UNICAST, origin: 0, communities: [], largeCommunities: [], ...(med !== undefined ? { med } : {}) });
  r.add(n('192.0.2.0/24', 1));
  r.add(n('203.0.113.0/24'));
  t.same(
    r.merge([n('192.0.2.0/24', 2)]).map((x) => [x.prefix, x.med]),
    [
      ['192.0.2.0/24', 2],
      ['203.0.113.0/24', undefined],
    ],
  );
});

t.test('log verbose | brief', async (t) => {
  const levels: string[] = [];
  let level = 'warn';
  const log: Logger = {
    ...silentLogger,
    child: () => log,
    get level() {
      return level;
    },
    set level(v: string) {
      level = v;
      levels.push(v);
    },
  };
  const { engine, call } = setup(log);
  t.teardown(() => engine.dispose());
  t.match(await call('log.level', { level: 'verbose' }), { message: 'logging at level debug' });
  await call('log.level', { level: 'brief' });
  t.same(levels, ['debug', 'warn'], 'verbose is debug; brief goes back to the configured level');
  await refused(t, call('log.level', { level: 'loud' }), /bad log level/, 'an unknown level');

  const { engine: e2, call: call2 } = setup(silentLogger);
  t.teardown(() => e2.dispose());
  await refused(t, call2('log.level', { level: 'verbose' }), /no adjustable level/, 'a logger without a level says so');
});

t.test('sets, interfaces, memory, summary and reload answers conform to the schema', async (t) => {
  const { engine, call } = setup();
  t.teardown(() => engine.dispose());
  await new Promise((r) => setTimeout(r, 20));
  for (const [cmd, doc] of [
    ['show.sets', 'sets'],
    ['show.interfaces', 'interfaces'],
    ['show.rib.memory', 'memory'],
    ['show.rib.summary', 'rib_summary'],
    ['reload', 'result'],
    ['neighbor.up', 'result'],
  ] as const) {
    const r = await call(cmd, cmd === 'neighbor.up' ? { peer: 'pop-b' } : {});
    t.same(checkJson(r, JSON_DOCUMENTS[doc]!.schema), [], `${cmd}`);
  }
  const s = (await call('show.rib.summary')) as { rib_summary: { families: { prefixes: number }[]; sources: { source: string; paths: number }[] } };
  t.equal(s.rib_summary.families[0]!.prefixes, 1);
  t.same(s.rib_summary.sources, [{ remote_addr: '0.0.0.0', description: 'LOCAL', remote_as: 65001, source: 'local', paths: 1, selected: 1, filtered: 0, invalid: 0, stale: 0 }]);
});
