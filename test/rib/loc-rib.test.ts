/**
 * Loc-RIB: best path per prefix over every source, the change batches (new and previous best, with
 * the previous attribute set readable while listeners run), independence from arrival order,
 * locally originated routes, re-deciding everything after an options change, and a random churn
 * run checked against selectBest and against the batches themselves.
 */

import t from 'tap';
import { AdjRibIn } from '../../src/rib/adj-rib-in';
import { NO_ATTRS } from '../../src/rib/attr-intern';
import { Candidate, selectBest } from '../../src/rib/decision';
import { BestChangeBatch, LocRib } from '../../src/rib/loc-rib';
import { formatKey, parseKey, PrefixKey } from '../../src/rib/prefix-key';
import { ChangedKeys, RouteFlag, RouteStore, SourceKind } from '../../src/rib/route';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { IPV4_UNICAST, IPV6_UNICAST, Afi, Safi } from '../../src/wire/iana';
import { NlriList } from '../../src/wire/nlri';
import { prng } from '../bench/full-table';

const LOCAL_AS = 64500;
const key = (text: string): PrefixKey => parseKey(text)!;
const seq = (...asns: number[]) => ({ type: 2, asns });
const P4 = key('192.0.2.0/24');
const P6 = key('2001:db8::/48');

function setup() {
  const store = new RouteStore({ localAs: LOCAL_AS });
  const loc = new LocRib(store);
  const a = AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.1', remoteAs: 65001, bgpId: '10.0.0.1' });
  const b = AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.2', remoteAs: 65002, bgpId: '10.0.0.2' });
  const i = AdjRibIn.create(store, { kind: SourceKind.IBGP, address: '10.1.0.3', remoteAs: LOCAL_AS, bgpId: '10.0.0.3' });
  const local = AdjRibIn.create(store, { kind: SourceKind.LOCAL, bgpId: '10.0.0.9' });
  const batches: BestChangeBatch[] = [];
  loc.onChange((batch) => batches.push(batch));
  /** Announce with attributes built from `extra` (IPv6 keys get an MP_REACH_NLRI next hop). */
  const announce = (adj: AdjRibIn, k: PrefixKey, extra: PathAttributes = {}): ChangedKeys => {
    const base: PathAttributes =
      typeof k === 'number'
        ? { origin: 0, asPath: [seq(adj.source.remoteAs || 65099, 65010)], nextHop: adj.source.address || '192.0.2.99' }
        : { origin: 0, asPath: [seq(adj.source.remoteAs || 65099, 65010)], mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri: NlriList.empty(Afi.IPV6) } };
    const id = store.pool.internAttributes({ ...base, ...extra });
    const c = adj.announce([k], id, { now: 1 });
    store.pool.release(id);
    return c;
  };
  return { store, loc, a, b, i, local, batches, announce, pool: store.pool };
}

t.test('first path, better path, same path again, replaced best, withdrawals', (t) => {
  const { store, loc, a, b, batches, announce, pool } = setup();
  t.equal(loc.update(announce(a, P4)), 1);
  t.equal(loc.best(P4)!.source, a.source);
  t.equal(loc.prefixCount(IPV4_UNICAST), 1);
  t.equal(batches.length, 1);
  t.same([...batches[0]!.keys], [P4]);
  t.equal(batches[0]!.family, IPV4_UNICAST);
  t.equal(batches[0]!.source[0], a.source.index);
  t.equal(batches[0]!.attrs[0], loc.best(P4)!.attrs);
  t.equal(batches[0]!.prevSource[0], -1, 'nothing was best before');

  t.equal(loc.update(announce(b, P4, { asPath: [seq(65002)] })), 1, 'a shorter path from b wins');
  t.equal(loc.best(P4)!.source, b.source);
  t.equal(batches[1]!.prevSource[0], a.source.index);
  t.same(loc.paths(P4).map((r) => r.source.index), [b.source.index, a.source.index], 'the best path first');

  t.equal(loc.update(announce(b, P4, { asPath: [seq(65002)] })), 0, 'the same path again changes nothing');
  t.equal(batches.length, 2);

  // b replaces its (best) path with a longer one: a wins again, and the batch still lets the
  // listener read b's old attributes.
  const seen: number[] = [];
  const stop = loc.onChange((batch) => {
    seen.push(batch.prevAttrs[0]!, pool.isLive(batch.prevAttrs[0]!) ? pool.asPathLength(batch.prevAttrs[0]!) : -1);
  });
  const oldB = loc.best(P4)!.attrs;
  t.equal(loc.update(announce(b, P4, { asPath: [seq(65002, 1, 2)] })), 1);
  stop();
  t.equal(loc.best(P4)!.source, a.source);
  t.same(seen, [oldB, 1], 'previous attributes readable during the listener');
  t.notOk(pool.isLive(oldB), 'and released after it');
  t.equal(store.ipv4.rowCount, 2, 'the ghost row is gone');

  // The best path's attributes change but it stays best: still a change.
  const oldA = loc.best(P4)!.attrs;
  t.equal(loc.update(announce(a, P4, { med: 7 })), 1);
  const last = batches[batches.length - 1]!;
  t.equal(last.source[0], a.source.index);
  t.equal(last.prevSource[0], a.source.index);
  t.equal(last.prevAttrs[0], oldA);
  t.not(last.attrs[0], oldA);

  t.equal(loc.update(a.withdraw([P4])), 1);
  t.equal(loc.best(P4)!.source, b.source);
  t.equal(loc.update(b.withdraw([P4])), 1);
  t.equal(loc.best(P4), undefined);
  const gone = batches[batches.length - 1]!;
  t.equal(gone.source[0], -1);
  t.equal(gone.attrs[0], NO_ATTRS);
  t.equal(gone.prevSource[0], b.source.index);
  t.equal(loc.prefixCount(IPV4_UNICAST), 0);
  t.equal(store.ipv4.prefixCount, 0);
  t.equal(pool.size, 0, 'every attribute set released');
  t.end();
});

t.test('ineligible paths are kept but never selected', (t) => {
  const { loc, a, announce } = setup();
  loc.update(announce(a, P4, { asPath: [seq(65001, LOCAL_AS)] }));
  t.equal(loc.best(P4), undefined, 'an AS loop');
  t.equal(loc.paths(P4).length, 1, 'the path is still listed');
  t.equal(loc.prefixCount(IPV4_UNICAST), 0);
  t.end();
});

t.test('IPv4 and IPv6 changes come in one batch per family', (t) => {
  const { loc, a, batches, announce } = setup();
  const c = announce(a, P4);
  announce(a, P6).ipv6.view().forEach((pid) => c.add(IPV6_UNICAST, pid));
  t.equal(loc.update(c), 2);
  t.same(
    batches.map((x) => [x.family, x.length]),
    [
      [IPV4_UNICAST, 1],
      [IPV6_UNICAST, 1],
    ],
  );
  t.equal(loc.prefixCount(IPV6_UNICAST), 1);
  t.equal(formatKey(loc.best(P6)!.key), '2001:db8::/48');
  const seen: string[] = [];
  loc.forEachBest(IPV6_UNICAST, (r) => seen.push(formatKey(r.key)));
  t.same(seen, ['2001:db8::/48']);
  t.end();
});

t.test('our own network beats the same network from an iBGP neighbour', (t) => {
  const { loc, i, local, announce } = setup();
  loc.update(announce(i, P4, { asPath: [], localPref: 100, nextHop: '10.1.0.3' }));
  t.equal(loc.best(P4)!.source, i.source);
  const change = loc.updatePrefix(P4);
  t.equal(change, null, 'nothing changed');
  loc.update(announce(local, P4, { asPath: [] }));
  t.equal(loc.best(P4)!.source, local.source);
  loc.update(local.withdraw([P4]));
  t.equal(loc.best(P4)!.source, i.source, 'the neighbour PoP takes over when ours goes');
  t.end();
});

t.test('options, next-hop reachability and BGP Identifiers: recomputeAll', (t) => {
  const { loc, a, b, announce } = setup();
  loc.update(announce(a, P4, { med: 50 }));
  loc.update(announce(b, P4, { med: 10 }));
  t.equal(loc.best(P4)!.source, a.source, 'different neighbour ASes: the BGP Identifier decides');
  loc.setOptions({ alwaysCompareMed: true });
  t.equal(loc.recomputeAll(), 1);
  t.equal(loc.best(P4)!.source, b.source, 'always-compare-med: the MED decides');
  loc.setOptions({ nextHopUsable: (nh) => nh !== '192.0.2.1' });
  t.equal(loc.recomputeAll(), 0, 'b was already best');
  loc.setOptions({ nextHopUsable: (nh) => nh !== '192.0.2.2' });
  loc.recomputeAll();
  t.equal(loc.best(P4)!.source, a.source, "b's next hop is gone");
  loc.setOptions({});
  b.source.setBgpId('10.0.0.0');
  loc.recomputeAll();
  t.equal(loc.best(P4)!.source, b.source, "b's new BGP Identifier is lower");
  t.end();
});

t.test('a peer going down: dropAll, decide, remove the source', (t) => {
  const { store, loc, a, b, announce, pool } = setup();
  for (const p of ['192.0.2.0/24', '198.51.100.0/24', '2001:db8::/48']) {
    loc.update(announce(a, key(p)));
    loc.update(announce(b, key(p), { asPath: [seq(65002, 1, 2)] }));
  }
  t.equal(loc.best(P4)!.source, a.source);
  t.throws(() => store.removeSource(a.source), /still has paths/);
  t.equal(loc.update(a.dropAll()), 3);
  t.equal(loc.best(P4)!.source, b.source);
  store.removeSource(a.source);
  t.equal(loc.update(b.dropAll()), 3);
  t.equal(loc.prefixCount(IPV4_UNICAST) + loc.prefixCount(IPV6_UNICAST), 0);
  t.equal(pool.size, 0);
  t.equal(pool.stats().references, 0);
  t.equal(store.ipv4.rowCount + store.ipv6.rowCount, 0);
  t.end();
});

t.test('graceful restart: stale paths stay selected until swept', (t) => {
  const { loc, a, b, announce } = setup();
  loc.update(announce(a, P4));
  loc.update(announce(b, P4, { asPath: [seq(65002, 1, 2)] }));
  a.markStale();
  t.equal(loc.best(P4)!.source, a.source);
  t.equal(loc.best(P4)!.flags & RouteFlag.STALE, RouteFlag.STALE);
  t.equal(loc.update(a.sweepStale()), 1);
  t.equal(loc.best(P4)!.source, b.source);
  t.end();
});

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

t.test('every arrival order of five paths ends with the same best path', (t) => {
  // The MED cycle (see decision.test.ts) plus an iBGP and a local path that lose on LOCAL_PREF.
  const paths: [number, PathAttributes][] = [
    [0, { asPath: [seq(65001, 65010)], med: 50 }],
    [1, { asPath: [seq(65002, 65010)], med: 10 }],
    [2, { asPath: [seq(65001, 65010)], med: 20 }],
    [3, { asPath: [seq(65003, 65010)], localPref: 50 }],
    [4, { asPath: [], localPref: 40 }],
  ];
  const winners = new Set<string>();
  for (const order of permutations(paths)) {
    const store = new RouteStore({ localAs: LOCAL_AS });
    const loc = new LocRib(store);
    const ribs = [
      AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.101', bgpId: '10.0.1.1' }),
      AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.102', bgpId: '10.0.1.2' }),
      AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.103', bgpId: '10.0.1.3' }),
      AdjRibIn.create(store, { kind: SourceKind.IBGP, address: '10.1.0.4', bgpId: '10.0.1.4' }),
      AdjRibIn.create(store, { kind: SourceKind.LOCAL, bgpId: '10.0.0.9' }),
    ];
    for (const [who, attrs] of order) {
      const id = store.pool.internAttributes({ origin: 0, nextHop: '192.0.2.1', ...attrs });
      loc.update(ribs[who]!.announce([P4], id, { now: 1 }));
      store.pool.release(id);
    }
    winners.add(loc.best(P4)!.source.address);
  }
  t.same([...winners], ['192.0.2.102'], 'all 120 orders select the same path');
  t.end();
});

t.test('random churn: the Loc-RIB always holds what selectBest picks, and the batches tell it right', (t) => {
  const { store, loc, a, b, i, local, batches, announce, pool } = setup();
  const ribs = [a, b, i, local];
  const prefixes = [...Array.from({ length: 12 }, (_, n) => key(`10.${n}.0.0/16`)), ...Array.from({ length: 6 }, (_, n) => key(`2001:db8:${n}::/48`))];
  const rand = prng(99);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // What the listeners were told, per prefix: source and attribute set of the current best.
  const told = new Map<PrefixKey, string>();
  let batchMismatch = 0;
  loc.onChange((batch) => {
    for (let n = 0; n < batch.length; n++) {
      const k = batch.keys[n]!;
      const prev = batch.prevSource[n]! < 0 ? undefined : `${batch.prevSource[n]}/${batch.prevAttrs[n]}`;
      if (told.get(k) !== prev) batchMismatch++;
      if (batch.source[n]! < 0) told.delete(k);
      else told.set(k, `${batch.source[n]}/${batch.attrs[n]}`);
    }
  });
  const pending = new ChangedKeys();
  let selectMismatch = 0;
  for (let op = 0; op < 4000; op++) {
    const rib = pick(ribs);
    const k = pick(prefixes);
    const r = rand();
    let c: ChangedKeys;
    if (r < 0.55) {
      const extra: PathAttributes = { med: pick([0, 10, 20]), origin: pick([0, 2]) };
      if (rand() < 0.3) extra.localPref = pick([100, 200]);
      if (rand() < 0.2) extra.asPath = [seq(pick([65001, 65002]))];
      if (rand() < 0.05) extra.asPath = [seq(65001, LOCAL_AS)];
      c = announce(rib, k, extra);
    } else if (r < 0.9) c = rib.withdraw([k]);
    else if (r < 0.95) {
      rib.markStale();
      c = rib.sweepStale();
    } else c = rib.dropAll();
    c.ipv4.view().forEach((pid) => pending.add(IPV4_UNICAST, pid));
    c.ipv6.view().forEach((pid) => pending.add(IPV6_UNICAST, pid));
    // Decide after a random number of operations, so that ghosts pile up between decisions.
    if (rand() < 0.4) {
      loc.update(pending);
      pending.clear();
      for (const p of prefixes) {
        const paths = loc.paths(p);
        const cands: Candidate[] = paths.map((x) => ({ family: x.family, source: x.source, attrs: x.attrs, flags: x.flags, pathId: x.pathId }));
        const sel = selectBest(cands, loc.context);
        const want = sel.index < 0 ? undefined : paths[sel.index]!.source;
        if (loc.best(p)?.source !== want) selectMismatch++;
        if (paths.some((x, n) => x.best !== (n === 0 && want !== undefined))) selectMismatch++;
        const bestNow = loc.best(p);
        if ((bestNow === undefined ? undefined : `${bestNow.source.index}/${bestNow.attrs}`) !== told.get(p)) batchMismatch++;
      }
    }
  }
  t.equal(selectMismatch, 0, 'the selected path is the head of its chain and what selectBest picks');
  t.equal(batchMismatch, 0, 'each batch names the previous best the listener was last told of');
  t.ok(batches.length > 100, `${batches.length} batches`);
  // Every change handed to update(), as the contract asks: then nothing is left behind.
  for (const rib of ribs) rib.dropAll(pending);
  loc.update(pending);
  t.equal(store.ipv4.rowCount + store.ipv6.rowCount, 0, 'no rows left, ghosts included');
  t.equal(pool.stats().references, 0);
  t.equal(pool.size, 0);
  t.equal(loc.prefixCount(IPV4_UNICAST) + loc.prefixCount(IPV6_UNICAST), 0);
  t.end();
});
