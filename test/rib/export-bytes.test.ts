/**
 * The byte-level eBGP export (export-bytes.ts) against the general one (export.ts + the encoder),
 * over random attribute sets as they arrive on the wire: any order, Extended Length on short values,
 * Partial bits, unknown attributes, long AS paths, communities that stop the export. Where the fast
 * path takes a set it must write exactly the bytes the general path writes, or refuse exactly when
 * it refuses; where it declines, the general path is used, so declining is allowed but counted.
 */

import t from 'tap';
import { AttrPool } from '../../src/rib/attr-intern';
import { exportAttributes, ExportTarget } from '../../src/rib/export';
import { FAST_NOT_EXPORTED, FAST_UNSUPPORTED, FAST_WRITTEN, writeEbgpExport } from '../../src/rib/export-bytes';
import { writeExportRecord } from '../../src/rib/export-table';
import { ipv4ToBytes, ipv6FromString } from '../../src/wire/addr';
import { AsPathSegment, AttrLayoutEntry, ErrorAction, PathAttributes, RawAttribute } from '../../src/wire/attributes/types';
import { DESCRIPTORS } from '../../src/wire/attributes/table';
import { makeContext } from '../../src/wire/context';
import { Framer } from '../../src/wire/header';
import { Afi, AttrFlag, IPV4_UNICAST, IPV6_UNICAST, Safi, WellKnownCommunity } from '../../src/wire/iana';
import { encodeMessage } from '../../src/wire/message';
import { NlriList } from '../../src/wire/nlri';
import { buildUpdate, decodeUpdate, UpdateMessage } from '../../src/wire/update';
import { Writer } from '../../src/wire/writer';
import { prng } from '../bench/full-table';

const LOCAL_AS = 65000;

t.test('the byte-level export writes what the general export writes', (t) => {
  const rand = prng(4271);
  const int = (n: number) => Math.floor(rand() * n);
  const maybe = (p: number) => rand() < p;
  const asn = () => (maybe(0.5) ? 64512 + int(1000) : 4200000000 + int(1000));
  const addr = () => `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`;

  const segments = (): AsPathSegment[] => {
    if (maybe(0.05)) return [{ type: 2, asns: Array.from({ length: 255 }, asn) }];
    return Array.from({ length: 1 + int(3) }, (_, i) => ({ type: i > 0 && maybe(0.3) ? 1 : 2, asns: Array.from({ length: 1 + int(6) }, asn) }));
  };

  const randomAttributes = (v6: boolean): PathAttributes => {
    const a: PathAttributes = { origin: int(3), asPath: segments() };
    if (maybe(0.5)) a.med = int(1000);
    if (maybe(0.3)) a.localPref = int(500);
    if (maybe(0.1)) a.atomicAggregate = true;
    if (maybe(0.2)) a.aggregator = { asn: asn(), address: addr() };
    if (maybe(0.6)) {
      a.communities = Array.from({ length: 1 + int(8) }, () => ((asn() & 0xffff) << 16 | int(65536)) >>> 0);
      if (maybe(0.15)) a.communities.push([WellKnownCommunity.NO_EXPORT, WellKnownCommunity.NO_ADVERTISE, WellKnownCommunity.NO_EXPORT_SUBCONFED][int(3)]!);
    }
    if (maybe(0.1)) a.originatorId = addr();
    if (maybe(0.1)) a.clusterList = [addr(), addr()];
    if (maybe(0.2)) a.extCommunities = Array.from({ length: 1 + int(3) }, () => Array.from({ length: 16 }, () => '0123456789abcdef'[int(16)]).join(''));
    if (maybe(0.2)) a.largeCommunities = Array.from({ length: 1 + int(3) }, (): [number, number, number] => [asn(), int(1000), int(1000)]);
    if (maybe(0.1)) a.otc = asn();
    if (maybe(0.25)) {
      const codes = [41, 42, 99, 201, 240];
      a.unknown = [];
      for (const code of codes) {
        if (!maybe(0.4)) continue;
        const flags = AttrFlag.OPTIONAL | (maybe(0.6) ? AttrFlag.TRANSITIVE : 0) | (maybe(0.3) ? AttrFlag.PARTIAL : 0);
        const raw: RawAttribute = { flags, code, value: Buffer.from(Array.from({ length: maybe(0.2) ? 256 + int(100) : int(20) }, () => int(256))) };
        a.unknown.push(raw);
      }
    }
    if (v6) a.mpReach = { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8::1', ...(maybe(0.2) ? { linkLocalNextHop: 'fe80::1' } : {}), nlri: NlriList.fromPrefixes(Afi.IPV6, false, ['2001:db8:100::/48']) };
    else a.nextHop = maybe(0.1) ? '0.0.0.0' : addr();
    return a;
  };

  /** The order and flags a sender might use: shuffled, Extended Length now and then, Partial on optional transitive ones. */
  const randomLayout = (a: PathAttributes): AttrLayoutEntry[] => {
    const codes: number[] = [];
    for (const d of DESCRIPTORS) if (d !== undefined && d.isPresent(a)) codes.push(d.code);
    for (const r of a.unknown ?? []) codes.push(r.code);
    for (let i = codes.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [codes[i], codes[j]] = [codes[j]!, codes[i]!];
    }
    return codes.map((code) => {
      const d = DESCRIPTORS[code];
      let flags = d ? d.flags : (a.unknown ?? []).find((r) => r.code === code)!.flags;
      if (maybe(0.1)) flags |= AttrFlag.EXTENDED_LENGTH;
      if (d && (d.flags & 0xc0) === 0xc0 && maybe(0.1)) flags |= AttrFlag.PARTIAL;
      if (maybe(0.02)) flags ^= AttrFlag.TRANSITIVE; // a flags error: the decoder's business
      return { code, flags };
    });
  };

  const counts = { written: 0, notExported: 0, declined: 0, skipped: 0, long: 0, unknownKept: 0 };
  const w1 = new Writer(512);
  const w2 = new Writer(512);
  for (let i = 0; i < 3000; i++) {
    const as4 = maybe(0.9);
    const ctx = makeContext({ as4 });
    const pool = new AttrPool({ localAs: LOCAL_AS });
    const v6 = maybe(0.3);
    const a = randomAttributes(v6);
    if (maybe(0.7)) a.layout = randomLayout(a);
    if (!as4 && maybe(0.5)) a.as4Path = segments();
    const f = new Framer();
    f.push(encodeMessage(buildUpdate({ attributes: a, nlri: v6 ? [] : ['198.51.100.0/24'] }), ctx));
    let msg: UpdateMessage;
    try {
      msg = decodeUpdate(f.next()!.body, ctx, { peerIsExternal: true });
    } catch {
      counts.skipped++;
      continue;
    }
    if (msg.action >= ErrorAction.TREAT_AS_WITHDRAW) {
      counts.skipped++;
      continue;
    }
    const id = pool.internUpdate(msg, as4, true);
    const family = v6 ? IPV6_UNICAST : IPV4_UNICAST;
    const sendMed = maybe(0.3);
    const noNextHop6 = maybe(0.05);
    const target: ExportTarget = {
      localAs: LOCAL_AS,
      clusterId: '192.0.2.100',
      ebgp: true,
      remoteAs: 65002,
      routeReflectorClient: false,
      nextHopSelf: false,
      sendMed,
      as4: true,
      nextHop4: '192.0.2.100',
      ...(noNextHop6 ? {} : { nextHop6: '2001:db8::100' }),
      routeReflector: false,
    };
    const general = exportAttributes(pool.decode(id), family, { kind: 'ebgp', routeReflectorClient: false }, target);
    w1.reset();
    const slow = general !== null && writeExportRecord(w1, general, family, makeContext({ as4: true }));
    w2.reset();
    const fast = writeEbgpExport(w2, pool.view(id), !v6, { localAs: LOCAL_AS, sendMed, nextHop4: ipv4ToBytes('192.0.2.100')!, nextHop6: noNextHop6 ? undefined : ipv6FromString('2001:db8::100')! });
    if (fast === FAST_UNSUPPORTED) {
      t.equal(w2.pos, 0, 'nothing written when declining');
      counts.declined++;
    } else if (fast === FAST_NOT_EXPORTED) {
      if (slow) t.fail(`set ${i}: the fast path refused what the general path exports`);
      counts.notExported++;
    } else {
      t.equal(fast, FAST_WRITTEN);
      if (!slow) t.fail(`set ${i}: the fast path exported what the general path refuses`);
      else if (!Buffer.from(w2.view()).equals(Buffer.from(w1.view()))) t.fail(`set ${i}: bytes differ\n fast ${Buffer.from(w2.view()).toString('hex')}\n slow ${Buffer.from(w1.view()).toString('hex')}`);
      counts.written++;
      if (a.asPath![0]!.asns.length === 255) counts.long++;
      if ((general?.unknown ?? []).length > 0) counts.unknownKept++;
    }
    pool.release(id);
  }
  t.ok(counts.written > 1500, `the fast path took most sets: ${JSON.stringify(counts)}`);
  t.ok(counts.notExported > 50 && counts.declined > 50 && counts.long > 10 && counts.unknownKept > 50, 'every case came up');
  t.end();
});
