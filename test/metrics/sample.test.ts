/**
 * The per-source census behind bgp_prefixes_{received,accepted,filtered,invalid}: one scan of each
 * family's path table must give, for every source, exactly what that source's Adj-RIB-In counts
 * itself (AdjRibIn.stats, a scan per source), ghosts of withdrawn best paths and free rows skipped,
 * and a census taken in slices (the HTTP path) counts the same as one taken at once.
 */

import t from 'tap';
import { censusOf, takeCensus, takeCensusSliced } from '../../src/metrics/sample';
import { AdjRibIn } from '../../src/rib/adj-rib-in';
import { LocRib } from '../../src/rib/loc-rib';
import { parseKey } from '../../src/rib/prefix-key';
import { ChangedKeys, RouteStore, SourceKind } from '../../src/rib/route';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { makeContext } from '../../src/wire/context';
import { Afi, FamilyKey, IPV4_UNICAST, IPV6_UNICAST, Safi } from '../../src/wire/iana';
import { encodeMessage } from '../../src/wire/message';
import { NlriList } from '../../src/wire/nlri';
import { buildUpdate, decodeUpdate, UpdateMessage } from '../../src/wire/update';

const AS4 = makeContext({ as4: true });

function update(asn: number, nlri: string[], nlri6: string[] = [], withdrawn: string[] = []): UpdateMessage {
  const attributes: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [asn] }], nextHop: '192.0.2.1' };
  if (nlri6.length > 0) attributes.mpReach = { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri: NlriList.fromPrefixes(Afi.IPV6, false, nlri6) };
  const bytes = encodeMessage(buildUpdate({ attributes, nlri, withdrawn }), AS4);
  return decodeUpdate(bytes.subarray(19), AS4, { peerIsExternal: true });
}

t.test('one table scan counts what each Adj-RIB-In holds', async (t) => {
  const store = new RouteStore({ localAs: 64500 });
  const loc = new LocRib(store, { alwaysCompareMed: false });
  const a = AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.1', remoteAs: 65001 });
  const b = AdjRibIn.create(store, { kind: SourceKind.EBGP, address: '192.0.2.2', remoteAs: 65002 });
  const opts = { as4: true, external: true, now: 1 };
  const changes = new ChangedKeys();
  // a: three IPv4 paths, one denied by policy; two IPv6 paths.
  const deny = parseKey('10.0.2.0/24');
  a.applyUpdate(update(65001, ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'], ['2001:db8:1::/48', '2001:db8:2::/48']), { ...opts, importPolicy: (_f, k, attrs) => (k === deny ? null : attrs) }, changes);
  // b: the same two IPv4 prefixes plus one more, treat-as-withdraw (RFC 7606) for one UPDATE.
  b.applyUpdate(update(65002, ['10.0.0.0/24', '10.0.1.0/24']), opts, changes);
  b.applyUpdate(update(65002, ['10.0.9.0/24']), { ...opts, invalid: true }, changes);
  loc.update(changes);

  const check = (what: string) => {
    for (const fam of [IPV4_UNICAST, IPV6_UNICAST] as FamilyKey[]) {
      const c = censusOf(store.table(fam), store.sources.length);
      for (const adj of [a, b]) {
        const s = adj.stats(fam);
        const at = adj.source.index * 3;
        t.same([c[at], c[at + 1], c[at + 2]], [s.paths, s.filtered, s.invalid], `${what}: source ${adj.source.address} fam ${fam}`);
        t.equal(c[at], adj.count(fam), `${what}: paths = Adj-RIB-In count`);
      }
    }
  };
  check('after announcements');
  const sliced = await takeCensusSliced(store, 2);
  t.same(sliced, takeCensus(store), 'a census in slices of 2 rows counts the same as one in one go');
  const c4 = censusOf(store.table(IPV4_UNICAST), store.sources.length);
  t.same([...c4.subarray(a.source.index * 3, a.source.index * 3 + 3)], [3, 1, 0], 'a: 3 paths, 1 filtered');
  t.same([...c4.subarray(b.source.index * 3, b.source.index * 3 + 3)], [3, 0, 1], 'b: 3 paths, 1 invalid');

  // Withdraw a's best path for 10.0.0.0/24 without deciding: it lingers as a WITHDRAWN ghost.
  const pending = new ChangedKeys();
  a.applyUpdate(update(65001, [], [], ['10.0.0.0/24']), opts, pending);
  b.applyUpdate(update(65002, [], [], ['10.0.1.0/24']), opts, pending);
  const rows = store.table(IPV4_UNICAST).rowCount;
  const counted = censusOf(store.table(IPV4_UNICAST), store.sources.length).reduce((n, v, i) => (i % 3 === 0 ? n + v : n), 0);
  t.equal(rows, counted + 1, 'the withdrawn best path is a ghost row, not counted');
  check('with withdrawn paths not yet decided');
  loc.update(pending);
  check('after the decision');
  // Dropping a source frees its rows; free rows count for nobody.
  const gone = new ChangedKeys();
  a.dropAll(gone);
  loc.update(gone);
  check('after dropping a');
  const after = censusOf(store.table(IPV4_UNICAST), store.sources.length);
  t.equal(after[a.source.index * 3], 0);
  t.equal(after[b.source.index * 3], 2, 'b keeps 10.0.0.0/24 and the invalid 10.0.9.0/24');
});
