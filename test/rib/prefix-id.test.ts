/**
 * Prefix ids (route.ts): a prefix's id lives while it has paths, is reused by the next new prefix
 * once freed, and every Adj-RIB-Out addressed by ids stays exactly what its peer was sent through
 * any amount of reuse (a randomized run against a model of the peer, with a peer that pushes back).
 */

import t from 'tap';
import { silentLogger } from '../../src/log';
import { AdjRibIn } from '../../src/rib/adj-rib-in';
import { RouteEngine } from '../../src/rib/engine';
import { LocRib } from '../../src/rib/loc-rib';
import { formatKey, parseKey } from '../../src/rib/prefix-key';
import { ChangedKeys, RouteStore, SourceKind } from '../../src/rib/route';
import type { Peer } from '../../src/session/peer';
import { PathAttributes } from '../../src/wire/attributes/types';
import { defaultContext } from '../../src/wire/context';
import { Framer } from '../../src/wire/header';
import { Afi, AsPathSegmentType, FamilyKey, IPV4_UNICAST, IPV6_UNICAST, Origin, Safi } from '../../src/wire/iana';
import { decodeMessage } from '../../src/wire/message';
import { NlriList } from '../../src/wire/nlri';
import { buildUpdate } from '../../src/wire/update';
import { prng } from '../bench/full-table';
import { onWire } from '../helpers/wire';

const key = (p: string) => parseKey(p)!;

t.test('a prefix id lives while its prefix has paths and is reused once freed', (t) => {
  const store = new RouteStore({ localAs: 65000 });
  const loc = new LocRib(store);
  const a = AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.1', remoteAs: 65001 });
  const attrs = store.pool.internAttributes({ origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65001] }], nextHop: '192.0.2.1' });
  const tbl = store.ipv4;
  const changes = new ChangedKeys();
  a.announce([key('198.51.100.0/24'), key('203.0.113.0/24')], attrs, { now: 0 }, changes);
  const pid = tbl.pidOf(key('198.51.100.0/24'));
  const other = tbl.pidOf(key('203.0.113.0/24'));
  t.ok(pid >= 0 && other >= 0 && pid !== other, 'each prefix has its own id');
  t.equal(tbl.keyOfPid(pid), key('198.51.100.0/24'));
  loc.update(changes);
  t.equal(tbl.pidAt(tbl.headOf(pid)), pid, 'the chain head row names its prefix id');

  // The selected path goes: it lingers as a ghost until the decision, which frees the id.
  const seen: number[] = [];
  loc.onChange((b) => seen.push(...b.pids));
  a.withdraw([key('198.51.100.0/24')], 0, changes);
  t.equal(tbl.pidOf(key('198.51.100.0/24')), pid, 'still there while the Loc-RIB has not decided');
  loc.update(changes);
  t.same(seen, [pid], 'the withdrawal is reported with the id');
  t.equal(tbl.head(key('198.51.100.0/24')), -1, 'no paths after the decision');
  t.equal(tbl.headOf(pid), -1);
  t.equal(tbl.prefixCount, 1, 'and no longer counted');
  t.equal(tbl.keyOfPid(pid), key('198.51.100.0/24'), 'an emptied id keeps its key until reused');

  // The same prefix back (a flap): it gets its own id again.
  const back = new ChangedKeys();
  a.announce([key('198.51.100.0/24')], attrs, { now: 0 }, back);
  t.equal(tbl.pidOf(key('198.51.100.0/24')), pid, 'a prefix that comes back has its id again');
  t.equal(tbl.prefixCount, 2);
  loc.update(back);
  a.withdraw([key('198.51.100.0/24')], 0, back);
  loc.update(back);
  const keysNow: number[] = [];
  tbl.forEachKey((k) => keysNow.push(k as number));
  t.same(keysNow, [key('203.0.113.0/24')], 'listings skip emptied prefixes');

  const next = new ChangedKeys();
  a.announce([key('192.0.2.128/25')], attrs, { now: 0 }, next);
  t.equal(tbl.pidOf(key('192.0.2.128/25')), pid, 'the next new prefix takes the emptied id');
  t.equal(tbl.keyOfPid(pid), key('192.0.2.128/25'));
  t.equal(tbl.pidOf(key('198.51.100.0/24')), -1, 'and its old prefix leaves the index');
  t.equal(tbl.pidOf(key('203.0.113.0/24')), other, 'the other prefix keeps its id');

  // A path that never won (filtered) frees its id as soon as it goes: nothing reported it.
  const f = new ChangedKeys();
  a.set(key('198.18.0.0/15'), 0, attrs, -1, 2, 0, f);
  const fid = tbl.pidOf(key('198.18.0.0/15'));
  a.withdraw([key('198.18.0.0/15')], 0, f);
  t.equal(tbl.head(key('198.18.0.0/15')), -1);
  t.equal(tbl.headOf(fid), -1);
  t.equal(tbl.pidLimit, 3, 'ids are dense: emptied ones are taken before new ones');
  store.pool.release(attrs);
  t.end();
});

// ---- the engine over reused ids -------------------------------------------------------------------

interface FakePeer {
  config: { remoteAddress: string; localAs: number; remoteAs: number; nextHop4: string; nextHop6: string };
  negotiated?: { families: FamilyKey[]; encode: ReturnType<typeof defaultContext> };
  connection?: undefined;
  outQueue: number;
  /** Whether sendUpdate reports a full queue (the engine must hold back and mark dirty). */
  full: boolean;
  framer: Framer;
  sendUpdate(b: Buffer): boolean;
}

function fakePeer(address: string, remoteAs: number): FakePeer {
  const p: FakePeer = {
    config: { remoteAddress: address, localAs: 65000, remoteAs, nextHop4: '192.0.2.100', nextHop6: '2001:db8::100' },
    outQueue: 0,
    full: false,
    framer: new Framer(),
    sendUpdate(b) {
      p.framer.push(b);
      return !p.full;
    },
  };
  return p;
}

const asPeer = (p: FakePeer): Peer => p as unknown as Peer;

const V4_POOL = Array.from({ length: 48 }, (_, i) => `10.${i >> 3}.${(i & 7) * 16}.0/${20 + (i % 5)}`);
const V6_POOL = Array.from({ length: 24 }, (_, i) => formatKey(key(`2001:db8:${(i * 16).toString(16)}::/${44 + (i % 5)}`)));

t.test('randomized churn with id reuse: the peer holds exactly the Loc-RIB, and the Adj-RIB-Out agrees', async (t) => {
  const engine = new RouteEngine({ localAs: 65000, routerId: '192.0.2.100', sliceSize: 8 }, [], silentLogger);
  t.teardown(() => engine.dispose());
  const up = fakePeer('192.0.2.1', 65001);
  const mon = fakePeer('192.0.2.2', 65002);
  for (const p of [up, mon]) {
    p.negotiated = { families: [IPV4_UNICAST, IPV6_UNICAST], encode: defaultContext() };
    engine.onEstablished(asPeer(p));
  }
  const rand = prng(20261124);
  /** What the upstream announces now: prefix -> AS path length (the attribute set). */
  const announced = new Map<string, number>();
  /** What the monitor was sent: prefix -> AS path it got. */
  const held = new Map<string, string>();
  const readMonitor = () => {
    for (let frame = mon.framer.next(); frame; frame = mon.framer.next()) {
      const m = decodeMessage(frame, defaultContext());
      if (m.type !== 'update') continue;
      const a = m.attributes;
      const path = JSON.stringify((a.asPath ?? []).map((s) => s.asns));
      for (const p of m.withdrawn.toStrings()) t.ok(held.delete(p), `withdrawn ${p} was held`);
      for (const p of a.mpUnreach?.withdrawn.toStrings() ?? []) t.ok(held.delete(p), `withdrawn ${p} was held`);
      for (const p of m.nlri.toStrings()) held.set(p, path);
      for (const p of a.mpReach?.nlri.toStrings() ?? []) held.set(p, path);
    }
  };
  const attrsFor = (len: number): PathAttributes => ({ origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: Array.from({ length: len }, (_, i) => 65001 + i) }] });
  const expectedPath = (len: number) => JSON.stringify([[65000, ...Array.from({ length: len }, (_, i) => 65001 + i)]]);

  /** Prefix id -> the prefixes seen holding it. */
  const owners = new Map<string, Set<string>>();
  for (let round = 0; round < 60; round++) {
    // A burst of changes from the upstream: announcements with one of three attribute sets, withdrawals.
    const v4a: string[] = [];
    const v4w: string[] = [];
    const v6a: string[] = [];
    const v6w: string[] = [];
    const len = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < 12; i++) {
      const v6 = rand() < 0.35;
      const pool = v6 ? V6_POOL : V4_POOL;
      const p = pool[Math.floor(rand() * pool.length)]!;
      if ([...v4a, ...v4w, ...v6a, ...v6w].includes(p)) continue;
      if (announced.has(p) && rand() < 0.6) {
        (v6 ? v6w : v4w).push(p);
        announced.delete(p);
      } else {
        (v6 ? v6a : v4a).push(p);
        announced.set(p, len);
      }
    }
    const a = attrsFor(len);
    if (v4a.length + v4w.length > 0) engine.onUpdate(asPeer(up), onWire(buildUpdate({ withdrawn: v4w, attributes: v4a.length > 0 ? { ...a, nextHop: '192.0.2.1' } : {}, nlri: v4a })));
    if (v6w.length > 0) engine.onUpdate(asPeer(up), onWire(buildUpdate({ attributes: { mpUnreach: { afi: Afi.IPV6, safi: Safi.UNICAST, withdrawn: NlriList.fromPrefixes(Afi.IPV6, false, v6w) } } })));
    if (v6a.length > 0) engine.onUpdate(asPeer(up), onWire(buildUpdate({ attributes: { ...a, mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri: NlriList.fromPrefixes(Afi.IPV6, false, v6a) } } })));
    // Now and then the monitor's queue is full for a while: what does not fit waits as dirty ids.
    mon.full = rand() < 0.3;
    for (let i = 0; i < 400 && !engine.idle; i++) {
      await new Promise((r) => setImmediate(r));
      if (mon.full && rand() < 0.2) {
        mon.full = false;
        engine.onDrain(asPeer(mon));
      }
    }
    if (mon.full) {
      mon.full = false;
      engine.onDrain(asPeer(mon));
      for (let i = 0; i < 400 && !engine.idle; i++) await new Promise((r) => setImmediate(r));
    }
    t.ok(engine.idle, `round ${round}: the engine settles`);
    readMonitor();
    const want = [...announced.keys()].sort();
    t.same([...held.keys()].sort(), want, `round ${round}: the monitor holds what the upstream announces`);
    for (const [p, l] of announced) if (held.get(p) !== expectedPath(l)) t.fail(`round ${round}: ${p} carries ${held.get(p)}, not ${expectedPath(l)}`);
    t.same(engine.announced(asPeer(mon)), want.map((p) => formatKey(key(p))).sort(), `round ${round}: the Adj-RIB-Out agrees`);
    t.same(engine.announced(asPeer(up)), [], 'nothing goes back to the upstream');
    for (const p of announced.keys()) {
      const k = key(p);
      const id = `${typeof k === 'number' ? 4 : 6}/${engine.store.tableOf(k).pidOf(k)}`;
      if (!owners.has(id)) owners.set(id, new Set());
      owners.get(id)!.add(p);
    }
  }
  const reused = [...owners.values()].filter((s) => s.size > 1).length;
  t.ok(reused > 10, `prefix ids changed hands during the run (${reused} of ${owners.size})`);

  // The upstream withdraws everything: the monitor holds nothing, and no attribute set stays in
  // the pool (the export cache holds none; the Adj-RIB-Out let go of what it advertised).
  const v4w = [...announced.keys()].filter((p) => !p.includes(':'));
  const v6w = [...announced.keys()].filter((p) => p.includes(':'));
  if (v4w.length > 0) engine.onUpdate(asPeer(up), onWire(buildUpdate({ withdrawn: v4w, attributes: {}, nlri: [] })));
  if (v6w.length > 0) engine.onUpdate(asPeer(up), onWire(buildUpdate({ attributes: { mpUnreach: { afi: Afi.IPV6, safi: Safi.UNICAST, withdrawn: NlriList.fromPrefixes(Afi.IPV6, false, v6w) } } })));
  for (let i = 0; i < 400 && !(engine.idle && engine.store.pool.releasing === 0); i++) await new Promise((r) => setImmediate(r));
  readMonitor();
  t.same([...held.keys()], [], 'the monitor holds nothing after the full withdrawal');
  t.equal(engine.store.pool.size, 0, 'no attribute set is left in the pool');
});
