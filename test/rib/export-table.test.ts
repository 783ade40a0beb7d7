/**
 * The export table (export-table.ts): exports made on bytes keep no record but write their bytes
 * again on demand, and the table holds no reference on the attribute sets it caches exports of
 * (an entry is trusted only while its set's generation is unchanged).
 */

import t, { Test } from 'tap';
import { AttrPool } from '../../src/rib/attr-intern';
import { FAST_WRITTEN, FastExportTarget, writeEbgpExport } from '../../src/rib/export-bytes';
import { ExportTable, MISS, NOT_EXPORTED } from '../../src/rib/export-table';
import { ipv4ToBytes, ipv6FromString } from '../../src/wire/addr';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { makeContext } from '../../src/wire/context';
import { Afi, AsPathSegmentType, IPV4_UNICAST, IPV6_UNICAST, Origin, Safi, WellKnownCommunity } from '../../src/wire/iana';
import { NlriList } from '../../src/wire/nlri';
import { Writer } from '../../src/wire/writer';

const LOCAL_AS = 65000;
const SOURCE = 3;

const target = (): FastExportTarget => ({ localAs: LOCAL_AS, sendMed: false, nextHop4: ipv4ToBytes('192.0.2.100')!, nextHop6: ipv6FromString('2001:db8::100')! });

const v4 = (path: number[], extra: Partial<PathAttributes> = {}): PathAttributes => ({
  origin: Origin.IGP,
  asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: path }],
  nextHop: '192.0.2.1',
  ...extra,
});

const v6 = (path: number[]): PathAttributes => ({
  origin: Origin.IGP,
  asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: path }],
  mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', nlri: NlriList.empty(Afi.IPV6) },
});

/** What writeEbgpExport writes for set `id` now. */
function expected(t: Test, pool: AttrPool, id: number, ipv4: boolean): Buffer {
  const w = new Writer(256);
  t.equal(writeEbgpExport(w, pool.view(id), ipv4, target()), FAST_WRITTEN);
  return Buffer.from(w.view());
}

t.test('an export made on bytes is written again from the set, per family, and cached by set', (t) => {
  const pool = new AttrPool({ localAs: LOCAL_AS });
  const table = new ExportTable(pool, makeContext({ as4: true }));
  const fast = target();
  const a = pool.internAttributes(v4([65001, 65010]));
  const b = pool.internAttributes(v6([65001, 65020, 65030]));
  t.equal(table.lookup(a, IPV4_UNICAST, SOURCE), MISS, 'nothing cached yet');
  const ida = table.addEbgp(a, IPV4_UNICAST, fast);
  const idb = table.addEbgp(b, IPV6_UNICAST, fast);
  t.ok(ida >= 0 && idb >= 0 && ida !== idb, 'both sets export');
  table.store(a, IPV4_UNICAST, SOURCE, ida);
  table.store(b, IPV6_UNICAST, SOURCE, idb);
  t.equal(table.lookup(a, IPV4_UNICAST, SOURCE), ida, 'cached');
  t.equal(table.lookup(a, IPV6_UNICAST, SOURCE), MISS, 'per family');
  t.equal(table.lookup(a, IPV4_UNICAST, SOURCE + 1), MISS, 'per source');
  t.same(Buffer.from(table.record(ida)), expected(t, pool, a, true), 'IPv4 record: the bytes writeEbgpExport writes');
  t.same(Buffer.from(table.record(idb)), expected(t, pool, b, false), 'IPv6 record: the bytes writeEbgpExport writes');
  t.ok(table.same(ida, table, ida), 'an export is the same as itself');
  t.notOk(table.same(ida, table, idb), 'different sets, different bytes');

  // A record made the general way with the same bytes is the same export; another one is not.
  const general = new ExportTable(pool, makeContext({ as4: true }));
  const viaObject = general.add({ origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [LOCAL_AS, 65001, 65010] }], nextHop: '192.0.2.100' }, IPV4_UNICAST);
  t.ok(viaObject >= 0);
  t.ok(table.same(ida, general, viaObject), 'byte export and general record with equal bytes are the same');
  t.ok(general.same(viaObject, table, ida), 'either way round');
  const other = general.add({ origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [LOCAL_AS, 65001] }], nextHop: '192.0.2.100' }, IPV4_UNICAST);
  t.notOk(table.same(ida, general, other), 'a different general record is not');

  // A set the byte export refuses to send (NO_EXPORT) is not exported.
  const noExport = pool.internAttributes(v4([65001], { communities: [WellKnownCommunity.NO_EXPORT] }));
  t.equal(table.addEbgp(noExport, IPV4_UNICAST, fast), NOT_EXPORTED);
  t.end();
});

t.test('the table holds no reference: a freed set leaves the pool, and its reused id misses', (t) => {
  const pool = new AttrPool({ localAs: LOCAL_AS });
  const table = new ExportTable(pool, makeContext({ as4: true }));
  const fast = target();
  const a = pool.internAttributes(v4([65001, 65010]));
  const id = table.addEbgp(a, IPV4_UNICAST, fast);
  table.store(a, IPV4_UNICAST, SOURCE, id);
  // A general record cached for the set too (as the engine does when the byte export declines).
  const rec = table.add({ origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [LOCAL_AS, 65001, 65010] }], nextHop: '192.0.2.100' }, IPV4_UNICAST);
  table.store(a, IPV4_UNICAST, SOURCE + 1, rec);
  t.equal(pool.refCount(a), 1, 'only the caller holds the set');
  pool.release(a);
  t.equal(pool.size, 0, 'released by its last holder, the set is gone although its export is cached');

  const b = pool.internAttributes(v4([65002]));
  t.equal(b, a, 'the new set gets the freed id');
  t.equal(table.lookup(b, IPV4_UNICAST, SOURCE), MISS, 'the entry of the freed set is not taken for the new one');
  t.equal(table.lookup(b, IPV4_UNICAST, SOURCE + 1), MISS, 'nor the general record');
  const idb = table.addEbgp(b, IPV4_UNICAST, fast);
  table.store(b, IPV4_UNICAST, SOURCE, idb);
  t.equal(table.lookup(b, IPV4_UNICAST, SOURCE), idb);
  t.same(Buffer.from(table.record(idb)), expected(t, pool, b, true), 'the new set exports its own path');
  t.end();
});

t.test('a table keeps one byte-export target: another one falls back to the general export', (t) => {
  const pool = new AttrPool({ localAs: LOCAL_AS });
  const table = new ExportTable(pool, makeContext({ as4: true }));
  const a = pool.internAttributes(v4([65001]));
  t.ok(table.addEbgp(a, IPV4_UNICAST, target()) >= 0, 'first target');
  t.ok(table.addEbgp(a, IPV4_UNICAST, target()) >= 0, 'an equal target (another object) is the same');
  t.equal(table.addEbgp(a, IPV4_UNICAST, { ...target(), nextHop4: ipv4ToBytes('192.0.2.99')! }), MISS, 'a different next hop is not');
  table.reset();
  t.ok(table.addEbgp(a, IPV4_UNICAST, { ...target(), nextHop4: ipv4ToBytes('192.0.2.99')! }) >= 0, 'after a reset the table takes a new target');
  t.end();
});
