/**
 * Adj-RIB-In: applying UPDATEs (IPv4 NLRI, MP_REACH / MP_UNREACH, implicit withdraw, duplicates),
 * treat-as-withdraw and import policy (both attribute sets kept), ADD-PATH, dropping a peer,
 * graceful-restart stale marking and sweeping, re-import, iteration and counts, and the attribute
 * references all of it holds.
 */

import t from 'tap';
import { AdjRibIn, ImportPolicy } from '../../src/rib/adj-rib-in';
import { NO_ATTRS } from '../../src/rib/attr-intern';
import { formatKey, parseKey, PrefixKey } from '../../src/rib/prefix-key';
import { ChangedKeys, RouteFlag, RouteStore, SourceKind } from '../../src/rib/route';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { CodecContext, makeContext } from '../../src/wire/context';
import { Afi, IPV4_UNICAST, IPV6_UNICAST, Safi } from '../../src/wire/iana';
import { encodeMessage } from '../../src/wire/message';
import { NlriList, PrefixInput } from '../../src/wire/nlri';
import { buildUpdate, decodeUpdate, UpdateMessage } from '../../src/wire/update';

const AS4 = makeContext({ as4: true });
const OPTS = { as4: true, external: true, now: 1000 };
const BASE: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001, 65010] }], nextHop: '192.0.2.1' };

const key = (text: string): PrefixKey => parseKey(text)!;
const keys = (c: ChangedKeys, adj: AdjRibIn): string[] => c.keys(adj.store).map(formatKey);

interface Msg {
  attrs?: PathAttributes;
  nlri?: (string | PrefixInput)[];
  withdrawn?: (string | PrefixInput)[];
  nlri6?: string[];
  withdrawn6?: string[];
}

function update(m: Msg, ctx: CodecContext = AS4): UpdateMessage {
  const attributes: PathAttributes = { ...(m.attrs ?? (m.nlri || m.nlri6 ? BASE : {})) };
  if (m.nlri6) attributes.mpReach = { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri: NlriList.fromPrefixes(Afi.IPV6, false, m.nlri6) };
  if (m.nlri6 && !m.attrs) delete attributes.nextHop;
  if (m.withdrawn6) attributes.mpUnreach = { afi: Afi.IPV6, safi: Safi.UNICAST, withdrawn: NlriList.fromPrefixes(Afi.IPV6, false, m.withdrawn6) };
  const bytes = encodeMessage(buildUpdate({ attributes, nlri: m.nlri ?? [], withdrawn: m.withdrawn ?? [] }), ctx);
  return decodeUpdate(bytes.subarray(19), ctx, { peerIsExternal: true });
}

function setup() {
  const store = new RouteStore({ localAs: 64500 });
  const adj = AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.1', remoteAs: 65001, bgpId: '10.0.0.1' });
  return { store, adj, pool: store.pool };
}

t.test('announce, re-announce, implicit withdraw, withdraw (IPv4)', (t) => {
  const { adj, pool } = setup();
  let c = adj.applyUpdate(update({ nlri: ['192.0.2.0/24', '198.51.100.0/24'] }), OPTS);
  t.same(keys(c, adj), ['192.0.2.0/24', '198.51.100.0/24']);
  t.equal(adj.count(IPV4_UNICAST), 2);
  const r = adj.get(key('192.0.2.0/24'))!;
  t.equal(r.received, r.attrs, 'no policy: one set for both');
  t.equal(r.flags, 0);
  t.equal(r.receivedAt, 1000);
  t.equal(r.source, adj.source);
  t.equal(pool.size, 1);
  t.equal(pool.refCount(r.attrs), 4, 'two paths, each holding the set twice');

  c = adj.applyUpdate(update({ nlri: ['192.0.2.0/24'] }), { ...OPTS, now: 2000 });
  t.equal(c.size, 0, 'the same path again is no change');
  t.equal(adj.get(key('192.0.2.0/24'))!.receivedAt, 1000, 'and keeps its time');

  c = adj.applyUpdate(update({ attrs: { ...BASE, med: 5 }, nlri: ['192.0.2.0/24'] }), { ...OPTS, now: 3000 });
  t.same(keys(c, adj), ['192.0.2.0/24'], 'new attributes replace the path');
  t.equal(pool.med(adj.get(key('192.0.2.0/24'))!.attrs), 5);
  t.equal(adj.get(key('192.0.2.0/24'))!.receivedAt, 3000);
  t.equal(adj.count(IPV4_UNICAST), 2);
  t.equal(pool.size, 2);

  c = adj.applyUpdate(update({ withdrawn: ['198.51.100.0/24', '203.0.113.0/24'] }), OPTS);
  t.same(keys(c, adj), ['198.51.100.0/24'], 'withdrawing an unknown prefix is no change');
  t.equal(adj.count(IPV4_UNICAST), 1);
  t.equal(pool.size, 1, 'the first set went with its last path');
  t.end();
});

t.test('IPv6 through MP_REACH_NLRI and MP_UNREACH_NLRI, one UPDATE carrying both families', (t) => {
  const { adj, pool } = setup();
  let c = adj.applyUpdate(update({ nlri6: ['2001:db8:1::/48', '2001:db8:2::/48'] }), OPTS);
  t.same(keys(c, adj), ['2001:db8:1::/48', '2001:db8:2::/48']);
  t.equal(adj.count(IPV6_UNICAST), 2);
  t.equal(pool.nextHop(adj.get(key('2001:db8:1::/48'))!.attrs, IPV6_UNICAST), '2001:db8::1');

  c = adj.applyUpdate(update({ attrs: BASE, nlri: ['192.0.2.0/24'], nlri6: ['2001:db8:3::/48'], withdrawn6: ['2001:db8:1::/48'] }), OPTS);
  // Withdrawals first, then announcements: the withdrawn prefix was never selected (no Loc-RIB
  // here), so its id is free at once and the announced prefix takes it; both changes are queued.
  t.same(keys(c, adj), ['192.0.2.0/24', '2001:db8:3::/48', '2001:db8:3::/48'], 'withdrawals first, then announcements');
  t.equal(adj.count(IPV4_UNICAST), 1);
  t.equal(adj.count(IPV6_UNICAST), 2);
  const a4 = adj.get(key('192.0.2.0/24'))!.attrs;
  t.equal(adj.get(key('2001:db8:3::/48'))!.attrs, a4, 'both families of one UPDATE share its set');
  t.equal(pool.nextHop(a4, IPV4_UNICAST), '192.0.2.1');
  t.equal(pool.nextHop(a4, IPV6_UNICAST), '2001:db8::1');
  t.end();
});

t.test('End-of-RIB and other empty UPDATEs change nothing', (t) => {
  const { adj, pool } = setup();
  t.equal(adj.applyUpdate(update({}), OPTS).size, 0);
  t.equal(pool.size, 0, 'no NLRI: nothing interned');
  t.end();
});

t.test('treat-as-withdraw: withdrawn from use, kept for show with the received attributes', (t) => {
  const { adj, pool } = setup();
  adj.applyUpdate(update({ nlri: ['192.0.2.0/24'] }), OPTS);
  // No ORIGIN: RFC 7606 sec. 3.d treat-as-withdraw.
  const bad = update({ attrs: { asPath: BASE.asPath, nextHop: '192.0.2.1' }, nlri: ['192.0.2.0/24', '198.51.100.0/24'] });
  t.ok(bad.action >= 2);
  const c = adj.applyUpdate(bad, OPTS);
  t.same(keys(c, adj), ['192.0.2.0/24', '198.51.100.0/24']);
  const r = adj.get(key('192.0.2.0/24'))!;
  t.equal(r.flags & RouteFlag.INVALID, RouteFlag.INVALID);
  t.equal(r.attrs, NO_ATTRS);
  t.ok(pool.isLive(r.received));
  t.same(adj.stats(IPV4_UNICAST), { paths: 2, invalid: 2, filtered: 0, stale: 0 });
  // A good UPDATE afterwards makes the path usable again.
  adj.applyUpdate(update({ nlri: ['192.0.2.0/24'] }), OPTS);
  t.equal(adj.get(key('192.0.2.0/24'))!.flags, 0);
  t.end();
});

t.test('import policy: rejected paths stay as FILTERED, rewritten ones keep both sets', (t) => {
  const { adj, pool } = setup();
  let calls = 0;
  const policy: ImportPolicy = (family, k, attrs) => {
    calls++;
    t.equal(family, IPV4_UNICAST);
    const text = formatKey(k);
    if (text.startsWith('10.')) return null;
    if (text.startsWith('198.')) return attrs;
    return { ...attrs, localPref: 200, mpReach: undefined };
  };
  // A policy returning one object per UPDATE interns it once.
  let shared: PathAttributes | null = null;
  const sharing: ImportPolicy = (f, k, attrs) => {
    const out = policy(f, k, attrs);
    if (out === null || out === attrs) return out;
    return (shared ??= out);
  };
  const c = adj.applyUpdate(update({ nlri: ['10.0.0.0/8', '198.51.100.0/24', '192.0.2.0/24', '192.0.3.0/24'] }), { ...OPTS, importPolicy: sharing });
  t.equal(c.size, 4);
  t.equal(calls, 4);
  const filtered = adj.get(key('10.0.0.0/8'))!;
  t.equal(filtered.flags, RouteFlag.FILTERED);
  t.equal(filtered.attrs, NO_ATTRS);
  const same = adj.get(key('198.51.100.0/24'))!;
  t.equal(same.attrs, same.received);
  const rewritten = adj.get(key('192.0.2.0/24'))!;
  t.not(rewritten.attrs, rewritten.received);
  t.equal(pool.localPref(rewritten.attrs), 200);
  t.equal(pool.localPref(rewritten.received), -1);
  t.equal(adj.get(key('192.0.3.0/24'))!.attrs, rewritten.attrs);
  t.equal(pool.size, 2, 'received set + one rewritten set');
  t.same(adj.stats(IPV4_UNICAST), { paths: 4, invalid: 0, filtered: 1, stale: 0 });

  // Re-import with no policy: everything accepted as received; the rewritten set is released.
  const again = adj.reimport(undefined, 5000);
  t.same(keys(again, adj).sort(), ['10.0.0.0/8', '192.0.2.0/24', '192.0.3.0/24']);
  t.equal(adj.get(key('10.0.0.0/8'))!.flags, 0);
  t.equal(pool.size, 1);
  // Re-import with the policy: decoded once per received set.
  let decodedCalls = 0;
  const counting: ImportPolicy = (f, k, a) => {
    decodedCalls++;
    return sharing(f, k, a);
  };
  shared = null;
  adj.reimport(counting, 6000);
  t.equal(decodedCalls, 4);
  t.equal(adj.get(key('10.0.0.0/8'))!.flags, RouteFlag.FILTERED);
  t.equal(pool.localPref(adj.get(key('192.0.2.0/24'))!.attrs), 200);
  t.end();
});

t.test('ADD-PATH: the path identifier tells paths of one prefix apart', (t) => {
  const { adj } = setup();
  const addPath = makeContext({ as4: true, addPath: new Set([IPV4_UNICAST]) });
  adj.applyUpdate(update({ nlri: [{ prefix: '192.0.2.0/24', pathId: 1 }, { prefix: '192.0.2.0/24', pathId: 2 }] }, addPath), OPTS);
  t.equal(adj.count(IPV4_UNICAST), 2);
  t.ok(adj.get(key('192.0.2.0/24'), 1));
  t.ok(adj.get(key('192.0.2.0/24'), 2));
  t.equal(adj.get(key('192.0.2.0/24'), 3), undefined);
  const c = adj.applyUpdate(update({ withdrawn: [{ prefix: '192.0.2.0/24', pathId: 1 }] }, addPath), OPTS);
  t.same(keys(c, adj), ['192.0.2.0/24']);
  t.equal(adj.count(IPV4_UNICAST), 1);
  t.equal(adj.get(key('192.0.2.0/24'), 2)!.pathId, 2);
  t.end();
});

t.test('two sources share the tables but not their paths', (t) => {
  const { store, adj } = setup();
  const other = AdjRibIn.create(store, { kind: SourceKind.IBGP, address: '10.1.0.2', remoteAs: 64500, bgpId: '10.0.0.2' });
  adj.applyUpdate(update({ nlri: ['192.0.2.0/24', '198.51.100.0/24'] }), OPTS);
  other.applyUpdate(update({ attrs: { ...BASE, localPref: 100 }, nlri: ['192.0.2.0/24'] }), { ...OPTS, external: false });
  t.equal(adj.count(IPV4_UNICAST), 2);
  t.equal(other.count(IPV4_UNICAST), 1);
  t.equal(store.ipv4.prefixCount, 2);
  t.equal(store.ipv4.rowCount, 3);
  const mem = store.memory();
  t.same([mem.ipv4.prefixes, mem.ipv4.paths, mem.attributes.sets], [2, 3, 2]);
  t.ok(mem.ipv4.bytes > 0 && mem.attributes.bytes > 0);
  const seen: string[] = [];
  other.forEach(IPV4_UNICAST, (r) => seen.push(`${formatKey(r.key)} ${r.source.address}`));
  t.same(seen, ['192.0.2.0/24 10.1.0.2']);
  other.dropAll();
  t.equal(adj.count(IPV4_UNICAST), 2, "dropping one source leaves the other's paths");
  t.equal(store.ipv4.rowCount, 2);
  t.end();
});

t.test('dropAll withdraws every path and releases every attribute reference', (t) => {
  const { store, adj, pool } = setup();
  adj.applyUpdate(update({ nlri: ['192.0.2.0/24', '198.51.100.0/24'] }), OPTS);
  adj.applyUpdate(update({ attrs: { ...BASE, med: 1 }, nlri6: ['2001:db8::/32'] }), OPTS);
  const c = adj.dropAll();
  t.same(keys(c, adj), ['192.0.2.0/24', '198.51.100.0/24', '2001:db8::/32']);
  t.equal(adj.count(IPV4_UNICAST) + adj.count(IPV6_UNICAST), 0);
  t.equal(store.ipv4.prefixCount + store.ipv6.prefixCount, 0);
  t.same(pool.stats().references, 0);
  t.equal(pool.size, 0);
  t.same(store.memory(), { ...store.memory(), ipv4: { ...store.memory().ipv4, prefixes: 0, paths: 0 }, ipv6: { ...store.memory().ipv6, prefixes: 0, paths: 0 } });
  store.removeSource(adj.source);
  t.equal(store.sources[adj.source.index], undefined);
  t.end();
});

t.test('graceful restart: mark stale, refresh by re-announcement, sweep the rest', (t) => {
  const { adj } = setup();
  adj.applyUpdate(update({ nlri: ['192.0.2.0/24', '198.51.100.0/24'] }), OPTS);
  adj.applyUpdate(update({ nlri6: ['2001:db8::/32'] }), OPTS);
  t.equal(adj.markStale(IPV4_UNICAST), 2);
  t.equal(adj.stats(IPV4_UNICAST).stale, 2);
  t.equal(adj.stats(IPV6_UNICAST).stale, 0, 'other family untouched');
  // The restarted peer sends one prefix again, unchanged: fresh, and no change for the Loc-RIB.
  const c = adj.applyUpdate(update({ nlri: ['192.0.2.0/24'] }), OPTS);
  t.equal(c.size, 0);
  t.equal(adj.get(key('192.0.2.0/24'))!.flags & RouteFlag.STALE, 0);
  t.equal(adj.get(key('198.51.100.0/24'))!.flags & RouteFlag.STALE, RouteFlag.STALE);
  // End-of-RIB for IPv4: what is still stale goes.
  const swept = adj.sweepStale(IPV4_UNICAST);
  t.same(keys(swept, adj), ['198.51.100.0/24']);
  t.equal(adj.count(IPV4_UNICAST), 1);
  t.equal(adj.count(IPV6_UNICAST), 1);
  t.equal(adj.markStale(), 2, 'all families');
  t.equal(adj.sweepStale().size, 2);
  t.equal(adj.count(IPV4_UNICAST) + adj.count(IPV6_UNICAST), 0);
  t.end();
});

t.test('announce and withdraw by key (local networks)', (t) => {
  const store = new RouteStore();
  const local = AdjRibIn.create(store, { kind: SourceKind.LOCAL });
  const id = store.pool.internAttributes({ origin: 0, asPath: [] });
  const c = local.announce([key('192.0.2.0/24'), key('2001:db8::/48')], id, { now: 7 });
  store.pool.release(id);
  t.same(keys(c, local), ['192.0.2.0/24', '2001:db8::/48']);
  t.equal(local.get(key('2001:db8::/48'))!.attrs, id);
  t.equal(store.pool.refCount(id), 4);
  t.same(keys(local.withdraw([key('192.0.2.0/24'), key('192.0.3.0/24')]), local), ['192.0.2.0/24']);
  local.withdraw([key('2001:db8::/48')]);
  t.equal(store.pool.size, 0);
  t.end();
});

t.test('random churn keeps counts, chains and references consistent', (t) => {
  const { store, adj, pool } = setup();
  const other = AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.2', remoteAs: 65002, bgpId: '10.0.0.2' });
  const prefixes = Array.from({ length: 40 }, (_, i) => `10.${i}.0.0/16`);
  const model = [new Map<string, number>(), new Map<string, number>()];
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  for (let op = 0; op < 3000; op++) {
    const who = rand() < 0.5 ? 0 : 1;
    const rib = who === 0 ? adj : other;
    const p = prefixes[Math.floor(rand() * prefixes.length)]!;
    if (rand() < 0.6) {
      const med = Math.floor(rand() * 4);
      rib.applyUpdate(update({ attrs: { ...BASE, med }, nlri: [p] }), OPTS);
      model[who]!.set(p, med);
    } else {
      rib.applyUpdate(update({ withdrawn: [p] }), OPTS);
      model[who]!.delete(p);
    }
  }
  let wrong = 0;
  [adj, other].forEach((rib, who) => {
    if (rib.count(IPV4_UNICAST) !== model[who]!.size) wrong++;
    for (const p of prefixes) {
      const r = rib.get(key(p));
      const want = model[who]!.get(p);
      if ((r === undefined) !== (want === undefined)) wrong++;
      else if (r !== undefined && pool.med(r.attrs) !== want) wrong++;
    }
  });
  t.equal(wrong, 0, 'paths match the model');
  let refs = 0;
  for (let r = 0; r < store.ipv4.rowLimit; r++) {
    if (store.ipv4.isFree(r)) continue;
    refs += (store.ipv4.receivedOf(r) >= 0 ? 1 : 0) + (store.ipv4.attrsOf(r) >= 0 ? 1 : 0);
  }
  t.equal(pool.stats().references, refs, 'the pool counts exactly the references rows hold');
  t.equal(store.ipv4.rowCount, model[0]!.size + model[1]!.size);
  t.end();
});
