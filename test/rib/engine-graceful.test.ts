/**
 * RouteEngine as a Graceful Restart helper (RFC 4724 sec. 4.2) and its RFC 7606 treat-as-withdraw
 * bookkeeping, driven directly with a stand-in for the Peer (only what the engine reads of one).
 *
 * UPDATEs are built with the wire codec, encoded and decoded again, so the engine sees what a
 * session would hand it (including the RFC 7606 outcome the decoder computes).
 */

import t, { Test } from 'tap';
import { silentLogger } from '../../src/log';
import { RouteEngine } from '../../src/rib/engine';
import type { GracefulInfo, Peer } from '../../src/session/peer';
import { ErrorAction } from '../../src/wire/attributes/types';
import { defaultContext } from '../../src/wire/context';
import { Afi, AsPathSegmentType, FamilyKey, IPV4_UNICAST, IPV6_UNICAST, Origin, Safi } from '../../src/wire/iana';
import type { PeerGracefulRestart } from '../../src/wire/negotiate';
import { NlriList } from '../../src/wire/nlri';
import { buildUpdate, endOfRib, UpdateMessage } from '../../src/wire/update';
import { onWire } from '../helpers/wire';

const PEER_AS = 65002;
const V4 = ['198.51.100.0/24', '198.51.101.0/24'];
const V6 = ['2001:db8:1::/48', '2001:db8:2::/48'];

/** The fields of a Peer the route engine uses; `gr` is the Graceful Restart capability of the current session. */
interface FakePeer {
  config: { remoteAddress: string; localAs: number; remoteAs: number; nextHop6?: string };
  negotiated?: { families: FamilyKey[]; encode: ReturnType<typeof defaultContext>; peerGracefulRestart?: PeerGracefulRestart };
  connection?: undefined;
  sent: Buffer[];
  sendUpdate(b: Buffer): boolean;
}

function fakePeer(): FakePeer {
  const p: FakePeer = {
    config: { remoteAddress: '192.0.2.2', localAs: 65001, remoteAs: PEER_AS },
    sent: [],
    sendUpdate(b) {
      p.sent.push(b);
      return true;
    },
  };
  return p;
}

const asPeer = (p: FakePeer): Peer => p as unknown as Peer;

/** Bring the fake session up, with the peer's Graceful Restart capability as given. */
function establish(engine: RouteEngine, p: FakePeer, gr?: PeerGracefulRestart): void {
  p.negotiated = { families: [IPV4_UNICAST, IPV6_UNICAST], encode: defaultContext(), ...(gr ? { peerGracefulRestart: gr } : {}) };
  engine.onEstablished(asPeer(p));
}

function grCap(families: [FamilyKey, boolean][], restartTime = 120): PeerGracefulRestart {
  return { restarting: true, notification: false, restartTime, families: families.map(([family, forwardingPreserved]) => ({ family, forwardingPreserved })) };
}

const attrs = () => ({ origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [PEER_AS] }] });

function announce4(prefixes: string[]): UpdateMessage {
  return onWire(buildUpdate({ attributes: { ...attrs(), nextHop: '192.0.2.2' }, nlri: prefixes }));
}

function announce6(prefixes: string[]): UpdateMessage {
  const mpReach = { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::2', nlri: NlriList.fromPrefixes(Afi.IPV6, false, prefixes) };
  return onWire(buildUpdate({ attributes: { ...attrs(), mpReach } }));
}

/** Routes as [prefix, stale, invalid], sorted, for compact assertions. */
function table(engine: RouteEngine, p: FakePeer): [string, boolean, boolean][] {
  return engine
    .received(asPeer(p))
    .map((r): [string, boolean, boolean] => [r.prefix, r.stale, r.invalid])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !cond()) await sleep(25);
  return cond();
}

function withRoutes(t: Test): { engine: RouteEngine; p: FakePeer } {
  const engine = new RouteEngine({ localAs: 65001, routerId: '192.0.2.1' }, [], silentLogger);
  t.teardown(() => engine.dispose());
  const p = fakePeer();
  establish(engine, p, grCap([[IPV4_UNICAST, false], [IPV6_UNICAST, false]]));
  engine.onUpdate(asPeer(p), announce4(V4));
  engine.onUpdate(asPeer(p), announce6(V6));
  return { engine, p };
}

const BOTH: GracefulInfo = { restartTime: 120, families: [IPV4_UNICAST, IPV6_UNICAST] };
const fresh = (prefixes: string[]) => prefixes.map((x): [string, boolean, boolean] => [x, false, false]);
const stale = (prefixes: string[]) => prefixes.map((x): [string, boolean, boolean] => [x, true, false]);

t.test('UPDATEs are stored, fresh and valid', async (t) => {
  const { engine, p } = withRoutes(t);
  t.same(table(engine, p), fresh([...V4, ...V6]));
  t.same(
    engine.received(asPeer(p)).map((r) => r.family).sort(),
    [IPV4_UNICAST, IPV4_UNICAST, IPV6_UNICAST, IPV6_UNICAST].sort(),
    'with their families',
  );
});

t.test('graceful session down: routes kept as stale; End-of-RIB sweeps per family; the timer sweeps the rest', async (t) => {
  const { engine, p } = withRoutes(t);
  engine.onSessionDown(asPeer(p), 'connection lost', { restartTime: 1, families: [IPV4_UNICAST, IPV6_UNICAST] });
  t.same(table(engine, p), stale([...V4, ...V6]), 'every route kept, marked stale');

  // The peer comes back having kept its forwarding state for both families: stale routes wait.
  establish(engine, p, grCap([[IPV4_UNICAST, true], [IPV6_UNICAST, true]]));
  t.same(table(engine, p), stale([...V4, ...V6]), 'still there after re-establishment with the F bit set');
  engine.onUpdate(asPeer(p), announce4([V4[0]!]));
  t.same(table(engine, p), [...fresh([V4[0]!]), ...stale([V4[1]!, ...V6])], 'a re-announced route is fresh again');

  engine.onUpdate(asPeer(p), onWire(endOfRib(IPV4_UNICAST)));
  t.same(table(engine, p), [...fresh([V4[0]!]), ...stale(V6)], 'IPv4 End-of-RIB removed the IPv4 stale route only');
  t.equal(engine.stats(asPeer(p)).eorIn, 1, 'End-of-RIB counted');

  t.ok(await until(() => engine.receivedCount(asPeer(p)) === 1, 5000), 'the restart timer (1 s) removed the IPv6 stale routes');
  t.same(table(engine, p), fresh([V4[0]!]), 'and left the fresh route alone');
});

t.test('End-of-RIB for IPv6 sweeps only IPv6 stale routes', async (t) => {
  const { engine, p } = withRoutes(t);
  engine.onSessionDown(asPeer(p), 'connection lost', BOTH);
  establish(engine, p, grCap([[IPV4_UNICAST, true], [IPV6_UNICAST, true]]));
  engine.onUpdate(asPeer(p), onWire(endOfRib(IPV6_UNICAST)));
  t.same(table(engine, p), stale(V4));
});

t.test('the restart timer removes every stale route when the peer does not come back', async (t) => {
  const { engine, p } = withRoutes(t);
  engine.onSessionDown(asPeer(p), 'connection lost', { restartTime: 1, families: [IPV4_UNICAST, IPV6_UNICAST] });
  t.equal(engine.receivedCount(asPeer(p)), 4, 'kept at first');
  t.ok(await until(() => engine.receivedCount(asPeer(p)) === 0, 5000), 'all gone once the restart time has passed');
});

t.test('session down without graceful info drops everything at once', async (t) => {
  const { engine, p } = withRoutes(t);
  engine.onSessionDown(asPeer(p), 'notification received');
  t.same(table(engine, p), []);
});

t.test('a zero restart time keeps nothing', async (t) => {
  const { engine, p } = withRoutes(t);
  engine.onSessionDown(asPeer(p), 'connection lost', { restartTime: 0, families: [IPV4_UNICAST, IPV6_UNICAST] });
  t.same(table(engine, p), []);
});

t.test('routes of a family the Graceful Restart capability did not list are dropped at once', async (t) => {
  const { engine, p } = withRoutes(t);
  engine.onSessionDown(asPeer(p), 'connection lost', { restartTime: 120, families: [IPV4_UNICAST] });
  t.same(table(engine, p), stale(V4));
});

t.test('consecutive restarts: routes still stale from the first are deleted at the second', async (t) => {
  const { engine, p } = withRoutes(t);
  engine.onSessionDown(asPeer(p), 'connection lost', BOTH);
  establish(engine, p, grCap([[IPV4_UNICAST, true], [IPV6_UNICAST, true]]));
  engine.onUpdate(asPeer(p), announce4([V4[0]!])); // refreshed before the second drop
  engine.onSessionDown(asPeer(p), 'connection lost', BOTH);
  t.same(table(engine, p), stale([V4[0]!]), 'only the route refreshed in between survives, stale again');
});

t.test('re-established without the Forwarding State bit: that family loses its stale routes at once', async (t) => {
  const { engine, p } = withRoutes(t);
  engine.onSessionDown(asPeer(p), 'connection lost', BOTH);
  establish(engine, p, grCap([[IPV4_UNICAST, true], [IPV6_UNICAST, false]]));
  t.same(table(engine, p), stale(V4), 'IPv6 (F bit clear) swept, IPv4 (F bit set) waits for End-of-RIB');

  const again = withRoutes(t);
  again.engine.onSessionDown(asPeer(again.p), 'connection lost', BOTH);
  establish(again.engine, again.p, grCap([[IPV4_UNICAST, true]]));
  t.same(table(again.engine, again.p), stale(V4), 'a family missing from the new capability is swept too');

  const none = withRoutes(t);
  none.engine.onSessionDown(asPeer(none.p), 'connection lost', BOTH);
  establish(none.engine, none.p);
  t.same(table(none.engine, none.p), [], 'no capability at all on the new session: every stale route goes');
});

t.test('treat-as-withdraw UPDATEs are stored marked invalid, and a valid one clears the mark', async (t) => {
  const { engine, p } = withRoutes(t);
  // No AS_PATH: RFC 7606 sec. 3.d, missing well-known attribute -> treat-as-withdraw.
  const broken = onWire(buildUpdate({ attributes: { origin: Origin.IGP, nextHop: '192.0.2.2' }, nlri: [V4[0]!, '203.0.113.0/24'] }));
  t.equal(broken.action, ErrorAction.TREAT_AS_WITHDRAW, 'the decoder says treat-as-withdraw');
  engine.onUpdate(asPeer(p), broken);
  t.same(
    table(engine, p),
    [
      [V4[0]!, false, true],
      [V4[1]!, false, false],
      ...fresh(V6),
      ['203.0.113.0/24', false, true],
    ],
    'the known route and a new one are kept visible, marked invalid',
  );
  engine.onUpdate(asPeer(p), announce4([V4[0]!]));
  t.same(table(engine, p).find((r) => r[0] === V4[0]), [V4[0]!, false, false], 'a valid UPDATE makes it valid again');
  engine.onUpdate(asPeer(p), onWire(buildUpdate({ withdrawn: ['203.0.113.0/24'] })));
  t.notOk(table(engine, p).some((r) => r[0] === '203.0.113.0/24'), 'an invalid route is withdrawn like any other');
});
