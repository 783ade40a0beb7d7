/**
 * The monitor bus (src/control/monitor.ts) without sockets: nothing is built or decoded while
 * nobody watches; a peer's send tap is set only while someone watches it; events are built from
 * received and sent UPDATEs (End-of-RIB included) with the documented keys; a reader that does not
 * keep up has a bounded queue and gets a `dropped` marker where the lost events were; closing
 * (or the control connection's abort signal) unsubscribes and ends a pending read; log-updates
 * writes a capped line per UPDATE for its neighbours only, from configuration or at runtime.
 */

import t from 'tap';
import type { DaemonConfig, NeighborConfig } from '../../src/config/types';
import { checkJson, JSON_STREAMS } from '../../src/control/json-schema';
import type { MonitorEventJson } from '../../src/control/json-types';
import { MonitorBus } from '../../src/control/monitor';
import { formatMonitorEvents } from '../../src/control/monitor-text';
import type { Logger } from '../../src/log';
import type { Peer } from '../../src/session/peer';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { makeContext } from '../../src/wire/context';
import { Afi, IPV6_UNICAST, Safi } from '../../src/wire/iana';
import { encodeMessage } from '../../src/wire/message';
import { NlriList } from '../../src/wire/nlri';
import { buildUpdate, decodeUpdate, endOfRib, UpdateMessage } from '../../src/wire/update';

const CTX = makeContext({ as4: true });
const SEQ = 2;

interface FakePeer {
  config: { remoteAddress: string; name: string; remoteAs: number };
  negotiated?: { decode: typeof CTX; encode: typeof CTX };
  updateSentTap?: (peer: Peer, bytes: Buffer) => void;
}

function fakePeer(address: string, name: string, remoteAs: number): FakePeer {
  return { config: { remoteAddress: address, name, remoteAs }, negotiated: { decode: CTX, encode: CTX } };
}

const asPeer = (p: FakePeer): Peer => p as unknown as Peer;

interface Line {
  obj: Record<string, unknown>;
  msg: string;
}

function capture(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const make = (bindings: object): Logger => ({
    debug() {},
    info: (obj, msg) => lines.push({ obj: { ...bindings, ...obj }, msg: msg ?? '' }),
    warn: (obj, msg) => lines.push({ obj: { ...bindings, ...obj, level: 'warn' }, msg: msg ?? '' }),
    error() {},
    child: (b) => make({ ...bindings, ...b }),
  });
  return { log: make({}), lines };
}

function setup(opts: { queueLimit?: number; batchLimit?: number; logUpdates?: string[] } = {}) {
  const b = fakePeer('192.0.2.2', 'pop-b', 65002);
  const c = fakePeer('192.0.2.3', '192.0.2.3', 65003);
  const peers = new Map<string, Peer>([
    ['192.0.2.2', asPeer(b)],
    ['192.0.2.3', asPeer(c)],
  ]);
  const neighbors = [b, c].map((p) => ({ address: p.config.remoteAddress, logUpdates: (opts.logUpdates ?? []).includes(p.config.remoteAddress) }) as unknown as NeighborConfig);
  const host = { config: { neighbors } as unknown as DaemonConfig, peers };
  const { log, lines } = capture();
  let now = Date.parse('2026-11-24T10:00:00Z');
  const bus = new MonitorBus(host, log, { queueLimit: opts.queueLimit, batchLimit: opts.batchLimit, now: () => now++ });
  return { bus, b, c, host, lines };
}

const ATTRS: PathAttributes = { origin: 0, asPath: [{ type: SEQ, asns: [65002, 65010] }], nextHop: '192.0.2.2', communities: [65002 * 65536 + 1], med: 5 };

/** An UPDATE as a session would receive it. */
function received(init: { nlri?: string[]; withdrawn?: string[]; attributes?: PathAttributes }): UpdateMessage {
  const bytes = encodeMessage(buildUpdate({ nlri: init.nlri ?? [], withdrawn: init.withdrawn ?? [], ...(init.attributes ? { attributes: init.attributes } : {}) }), CTX);
  return decodeUpdate(bytes.subarray(19), CTX);
}

/** Read what a subscription has now (it has something: next() resolves at once). */
async function drain(sub: AsyncIterator<MonitorEventJson[]>): Promise<MonitorEventJson[]> {
  const r = await sub.next();
  return r.done ? [] : r.value;
}

t.test('nobody watching: nothing is built, no tap is set', async (t) => {
  const { bus, b } = setup();
  // Any property read of this message would throw: received() must return before touching it.
  const untouchable = new Proxy({} as UpdateMessage, {
    get() {
      throw new Error('the message was read');
    },
  });
  t.doesNotThrow(() => bus.received(asPeer(b), untouchable));
  t.doesNotThrow(() => bus.stateChanged(asPeer(b), 'OpenConfirm', 'Established', 'keepalive'));
  t.equal(b.updateSentTap, undefined, 'no send tap');
  t.equal(bus.subscriberCount, 0);
  t.notOk(bus.wants('192.0.2.2'));
});

t.test('received and sent UPDATEs, End-of-RIB and state changes as events', async (t) => {
  const { bus, b, c } = setup();
  const sub = bus.subscribe(null);
  t.equal(bus.subscriberCount, 1);
  t.equal(typeof b.updateSentTap, 'function', 'send tap set on b');
  t.equal(typeof c.updateSentTap, 'function', 'send tap set on c');

  bus.received(asPeer(b), received({ nlri: ['198.51.100.0/24', '203.0.113.0/24'], withdrawn: ['10.0.0.0/8'], attributes: ATTRS }));
  const v6: PathAttributes = {
    origin: 0,
    asPath: [],
    localPref: 200,
    mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri: NlriList.fromPrefixes(Afi.IPV6, false, ['2001:db8:a::/48']) },
  };
  c.updateSentTap!(asPeer(c), encodeMessage(buildUpdate({ attributes: v6 }), CTX));
  c.updateSentTap!(asPeer(c), encodeMessage(endOfRib(IPV6_UNICAST), CTX));
  bus.stateChanged(asPeer(b), 'Established', 'Idle', 'notification-received: Cease');

  const events = await drain(sub);
  t.equal(events.length, 4);
  for (const e of events) t.same(checkJson(e, JSON_STREAMS.monitor!.schema), [], `${e.type} event conforms to the documented schema`);
  t.same(events[0], {
    time: '2026-11-24T10:00:00.000Z',
    type: 'update',
    direction: 'received',
    neighbor: { remote_addr: '192.0.2.2', description: 'pop-b', remote_as: 65002 },
    update: {
      announce: [
        { prefix: '198.51.100.0/24', family: 'IPv4 unicast', nexthop: '192.0.2.2' },
        { prefix: '203.0.113.0/24', family: 'IPv4 unicast', nexthop: '192.0.2.2' },
      ],
      withdraw: [{ prefix: '10.0.0.0/8', family: 'IPv4 unicast' }],
      attributes: { origin: 'IGP', aspath: '65002 65010', metric: 5, communities: ['65002:1'], large_communities: [], extended_communities: [], attributes: [] },
    },
  });
  t.same(events[1]!.neighbor, { remote_addr: '192.0.2.3', remote_as: 65003 }, 'no description when it is the address');
  t.equal(events[1]!.direction, 'sent');
  t.same(events[1]!.update!.announce, [{ prefix: '2001:db8:a::/48', family: 'IPv6 unicast', nexthop: '2001:db8::1' }]);
  t.same(events[1]!.update!.attributes, { origin: 'IGP', aspath: '', localpref: 200, communities: [], large_communities: [], extended_communities: [], attributes: [] });
  t.match(events[2], { type: 'eor', direction: 'sent', family: 'IPv6 unicast' });
  t.match(events[3], { type: 'state', from: 'Established', to: 'Idle', reason: 'notification-received: Cease' });

  t.equal(
    formatMonitorEvents(events, { numeric: false }),
    [
      '2026-11-24T10:00:00.000Z 192.0.2.2 (pop-b) received UPDATE 198.51.100.0/24 203.0.113.0/24 as-path 65002 65010 nexthop 192.0.2.2 origin IGP med 5 communities 65002:1 withdraw 10.0.0.0/8',
      '2026-11-24T10:00:00.001Z 192.0.2.3 sent UPDATE 2001:db8:a::/48 as-path (empty) nexthop 2001:db8::1 origin IGP localpref 200',
      '2026-11-24T10:00:00.002Z 192.0.2.3 sent End-of-RIB IPv6 unicast',
      '2026-11-24T10:00:00.003Z 192.0.2.2 (pop-b) state Established -> Idle (notification-received: Cease)',
      '',
    ].join('\n'),
    'text lines',
  );
  t.match(formatMonitorEvents([events[0]!], { numeric: true }), /^\S+ 192\.0\.2\.2 received UPDATE/, '-n: the address alone');

  sub.close();
  t.equal(bus.subscriberCount, 0, 'unsubscribed');
  t.equal(b.updateSentTap, undefined, 'tap cleared on b');
  t.equal(c.updateSentTap, undefined, 'tap cleared on c');
});

t.test('a neighbour filter: only its events, only its tap', async (t) => {
  const { bus, b, c } = setup();
  const sub = bus.subscribe(new Set(['192.0.2.3']));
  t.equal(b.updateSentTap, undefined, 'b is not watched');
  t.equal(typeof c.updateSentTap, 'function', 'c is watched');
  t.notOk(bus.wants('192.0.2.2'));
  bus.received(asPeer(b), received({ nlri: ['198.51.100.0/24'], attributes: ATTRS }));
  bus.received(asPeer(c), received({ withdrawn: ['198.51.100.0/24'] }));
  const events = await drain(sub);
  t.equal(events.length, 1);
  t.equal(events[0]!.neighbor!.remote_addr, '192.0.2.3');
  t.same(events[0]!.update, { announce: [], withdraw: [{ prefix: '198.51.100.0/24', family: 'IPv4 unicast' }] }, 'a withdrawal carries no attributes');
  sub.close();
});

t.test('a reader that does not keep up: bounded queue, a dropped marker where events were lost', async (t) => {
  const { bus, b } = setup({ queueLimit: 4, batchLimit: 100 });
  const sub = bus.subscribe(null);
  for (let i = 0; i < 10; i++) bus.stateChanged(asPeer(b), 'Idle', 'Connect', `try ${i}`);
  t.equal(sub.queued, 4, 'the queue stops at its limit');
  t.equal(sub.dropped, 6, 'the rest is counted');
  let events = await drain(sub);
  t.same(
    events.map((e) => (e.type === 'dropped' ? `dropped ${e.dropped}` : e.reason)),
    ['try 0', 'try 1', 'try 2', 'try 3', 'dropped 6'],
    'the first four, then the count of the lost ones',
  );
  // Lost in the middle: the marker sits between what came before and after.
  for (let i = 10; i < 16; i++) bus.stateChanged(asPeer(b), 'Idle', 'Connect', `try ${i}`);
  events = await drain(sub);
  t.same(
    events.map((e) => (e.type === 'dropped' ? `dropped ${e.dropped}` : e.reason)),
    ['try 10', 'try 11', 'try 12', 'try 13', 'dropped 2'],
  );
  for (const e of events) t.same(checkJson(e, JSON_STREAMS.monitor!.schema), []);
  t.equal(sub.dropped, 8);

  // A full queue does not even build (or decode) the event: a sent UPDATE is not decoded.
  for (let i = 0; i < 4; i++) bus.stateChanged(asPeer(b), 'Idle', 'Connect', 'fill');
  const garbage = Buffer.alloc(40, 0xff);
  garbage[18] = 2; // an UPDATE whose body would not decode
  b.updateSentTap!(asPeer(b), garbage);
  t.equal(sub.dropped, 9, 'counted as dropped');
  sub.close();
});

t.test('the queue is weighed in prefixes; batches are bounded', async (t) => {
  const { bus, b } = setup({ queueLimit: 50, batchLimit: 30 });
  const sub = bus.subscribe(null);
  const many = Array.from({ length: 20 }, (_, i) => `10.0.${i}.0/24`);
  for (let i = 0; i < 5; i++) bus.received(asPeer(b), received({ nlri: many, attributes: ATTRS }));
  t.equal(sub.queued, 3, 'three UPDATEs of 20 prefixes reach the limit of 50');
  t.equal(sub.queuedPrefixes, 63);
  t.equal(sub.dropped, 2);
  const first = await drain(sub);
  t.equal(first.length, 1, 'a batch holds what fits in 30 (at least one event)');
  const rest = [...(await drain(sub)), ...(await drain(sub))];
  t.same(
    rest.map((e) => e.type),
    ['update', 'update', 'dropped'],
  );
  sub.close();
});

t.test('closing ends a pending read; an aborted signal unsubscribes', async (t) => {
  const { bus, b } = setup();
  const sub = bus.subscribe(null);
  const pending = sub.next();
  sub.close();
  t.same(await pending, { value: undefined, done: true }, 'the pending read ends');
  t.same(await sub.next(), { value: undefined, done: true });

  const ac = new AbortController();
  const sub2 = bus.subscribe(null, ac.signal);
  t.equal(bus.subscriberCount, 1);
  const pending2 = sub2.next();
  ac.abort();
  t.same(await pending2, { value: undefined, done: true });
  t.equal(bus.subscriberCount, 0, 'the abort unsubscribed');

  const gone = new AbortController();
  gone.abort();
  bus.subscribe(null, gone.signal);
  t.equal(bus.subscriberCount, 0, 'a signal already aborted: never subscribed');

  const sub3 = bus.subscribe(null);
  bus.stateChanged(asPeer(b), 'Idle', 'Connect', 'start');
  for await (const batch of sub3) {
    t.equal(batch.length, 1);
    break;
  }
  t.equal(bus.subscriberCount, 0, 'leaving a for await loop unsubscribes too');
});

t.test('log-updates: configured and runtime, its neighbours only, prefixes capped', async (t) => {
  const { bus, b, c, host, lines } = setup({ logUpdates: ['192.0.2.2'] });
  t.ok(bus.logsUpdates('192.0.2.2'));
  t.notOk(bus.logsUpdates('192.0.2.3'));
  t.equal(bus.subscriberCount, 0, 'the log is not a monitor client');
  t.equal(typeof b.updateSentTap, 'function', 'b is tapped for its sent UPDATEs');
  t.equal(c.updateSentTap, undefined);

  const many = Array.from({ length: 25 }, (_, i) => `10.1.${i}.0/24`);
  bus.received(asPeer(b), received({ nlri: many, attributes: ATTRS }));
  bus.received(asPeer(c), received({ nlri: ['198.51.100.0/24'], attributes: ATTRS }));
  b.updateSentTap!(asPeer(b), encodeMessage(buildUpdate({ withdrawn: ['203.0.113.0/24'] }), CTX));
  bus.stateChanged(asPeer(b), 'Established', 'Idle', 'x');
  t.equal(lines.length, 2, 'two lines: the UPDATE received from b and the one sent to it (no state, nothing of c)');
  t.equal(lines[0]!.msg, 'UPDATE received');
  t.match(lines[0]!.obj, { part: 'updates', peer: '192.0.2.2', description: 'pop-b', direction: 'received', prefix_count: 25, attributes: 'as-path 65002 65010 nexthop 192.0.2.2 origin IGP med 5 communities 65002:1' });
  t.same(lines[0]!.obj.prefixes, many.slice(0, 20), 'capped at 20');
  t.equal(lines[1]!.msg, 'UPDATE sent');
  t.match(lines[1]!.obj, { peer: '192.0.2.2', direction: 'sent', withdrawn: ['203.0.113.0/24'], withdrawn_count: 1 });
  t.notOk('prefixes' in lines[1]!.obj);

  // Runtime: on for c, off for b.
  lines.length = 0;
  bus.setLogUpdates('192.0.2.3', true);
  bus.setLogUpdates('192.0.2.2', false);
  t.equal(b.updateSentTap, undefined, 'b no longer tapped');
  bus.received(asPeer(b), received({ nlri: ['198.51.100.0/24'], attributes: ATTRS }));
  bus.received(asPeer(c), received({ nlri: ['198.51.100.0/24'], attributes: ATTRS }));
  t.equal(lines.length, 1);
  t.equal(lines[0]!.obj.peer, '192.0.2.3');
  t.notOk('description' in lines[0]!.obj, 'no description when it is the address');

  // A reload that does not touch log-updates keeps the runtime switches; one that does wins.
  bus.reconfigured();
  t.notOk(bus.logsUpdates('192.0.2.2'), 'runtime off kept across a reload that did not change it');
  t.ok(bus.logsUpdates('192.0.2.3'));
  (host.config as { neighbors: NeighborConfig[] }).neighbors = [
    { address: '192.0.2.2', logUpdates: false } as unknown as NeighborConfig,
    { address: '192.0.2.3', logUpdates: true } as unknown as NeighborConfig,
  ];
  bus.reconfigured();
  t.notOk(bus.logsUpdates('192.0.2.2'), 'configuration now says off');
  t.ok(bus.logsUpdates('192.0.2.3'), 'configuration now says on');
  (host.config as { neighbors: NeighborConfig[] }).neighbors = [{ address: '192.0.2.2', logUpdates: true } as unknown as NeighborConfig];
  bus.setLogUpdates('192.0.2.2', false);
  bus.reconfigured();
  t.ok(bus.logsUpdates('192.0.2.2'), 'a changed configuration overrides the runtime switch');
  t.notOk(bus.logsUpdates('192.0.2.3'), 'a neighbour removed from the configuration is not logged');

  // A monitor client and the log share the event: both get it.
  lines.length = 0;
  const sub = bus.subscribe(new Set(['192.0.2.2']));
  bus.received(asPeer(b), received({ nlri: ['198.51.100.0/24'], attributes: ATTRS }));
  t.equal(lines.length, 1, 'logged');
  t.equal((await drain(sub)).length, 1, 'and monitored');
  sub.close();
  t.equal(typeof b.updateSentTap, 'function', 'still tapped for the log');
  t.notMatch(JSON.stringify(lines), /password/i);
});
