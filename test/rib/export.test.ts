/**
 * Export and import rules, each case named after the RFC rule it checks.
 */

import t from 'tap';
import { exportAttributes, ExportTarget, RouteSource, prependAs } from '../../src/rib/export';
import { checkImport, ImportSource } from '../../src/rib/import';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { Afi, IPV4_UNICAST, IPV6_UNICAST, Role, Safi, WellKnownCommunity } from '../../src/wire/iana';
import { NlriList } from '../../src/wire/nlri';

const LOCAL_AS = 4200000001;
const ebgpTarget: ExportTarget = {
  localAs: LOCAL_AS,
  clusterId: '10.0.0.1',
  ebgp: true,
  remoteAs: 64515,
  routeReflectorClient: false,
  nextHopSelf: false,
  sendMed: false,
  as4: true,
  nextHop4: '192.0.2.1',
  nextHop6: '2001:db8::1',
  routeReflector: false,
};
const ibgpTarget: ExportTarget = { ...ebgpTarget, ebgp: false, remoteAs: LOCAL_AS, nextHop4: '10.0.0.1', nextHop6: '2001:db8:f::1' };
const fromEbgp: RouteSource = { kind: 'ebgp', routeReflectorClient: false, routerId: '203.0.113.9' };
const fromIbgp: RouteSource = { kind: 'ibgp', routeReflectorClient: false, routerId: '10.0.0.2' };
const local: RouteSource = { kind: 'local', routeReflectorClient: false };

const learned: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001, 65002] }],
  nextHop: '198.51.100.7',
  med: 50,
  localPref: 200,
  communities: [0xfde80001],
};

t.test('eBGP: own AS prepended, next hop self, LOCAL_PREF and MED stripped (RFC 4271 sec. 5.1)', (t) => {
  const out = exportAttributes(learned, IPV4_UNICAST, fromEbgp, ebgpTarget)!;
  t.same(out.asPath, [{ type: 2, asns: [LOCAL_AS, 65001, 65002] }]);
  t.equal(out.nextHop, '192.0.2.1');
  t.equal(out.localPref, undefined);
  t.equal(out.med, undefined, 'MED not propagated by default');
  t.same(out.communities, learned.communities);
  t.equal(exportAttributes(learned, IPV4_UNICAST, fromEbgp, { ...ebgpTarget, sendMed: true })!.med, 50, 'send-med keeps it');
  t.same(learned.asPath, [{ type: 2, asns: [65001, 65002] }], 'input untouched');
  t.end();
});

t.test('eBGP IPv6: next hop is the session global address, in MP_REACH; never without one', (t) => {
  const a6: PathAttributes = { ...learned, nextHop: undefined, mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: '2001:db8:9::9', nlri: NlriList.empty(Afi.IPV6) } };
  const out = exportAttributes(a6, IPV6_UNICAST, fromEbgp, ebgpTarget)!;
  t.equal(out.mpReach?.nextHop, '2001:db8::1');
  t.equal(out.nextHop, undefined);
  t.equal(exportAttributes(a6, IPV6_UNICAST, fromEbgp, { ...ebgpTarget, nextHop6: undefined }), null, 'no usable IPv6 next hop: not announced');
  t.end();
});

t.test('local routes: eBGP path is just our AS; iBGP gets empty path, LOCAL_PREF 100, next hop self', (t) => {
  const mine: PathAttributes = { origin: 0, med: 10 };
  const e = exportAttributes(mine, IPV4_UNICAST, local, ebgpTarget)!;
  t.same(e.asPath, [{ type: 2, asns: [LOCAL_AS] }]);
  t.equal(e.med, 10, 'a MED we set on our own network is sent');
  const i = exportAttributes(mine, IPV4_UNICAST, local, ibgpTarget)!;
  t.same(i.asPath, []);
  t.equal(i.localPref, 100);
  t.equal(i.nextHop, '10.0.0.1');
  t.end();
});

t.test('iBGP: next hop kept unless next-hop-self; LOCAL_PREF kept', (t) => {
  const i = exportAttributes(learned, IPV4_UNICAST, fromEbgp, ibgpTarget)!;
  t.equal(i.nextHop, '198.51.100.7');
  t.equal(i.localPref, 200);
  t.same(i.asPath, learned.asPath, 'no prepend towards iBGP');
  t.equal(exportAttributes(learned, IPV4_UNICAST, fromEbgp, { ...ibgpTarget, nextHopSelf: true })!.nextHop, '10.0.0.1');
  t.end();
});

t.test('full mesh: iBGP-learned routes never go to iBGP peers (RFC 4271 sec. 9.2)', (t) => {
  t.equal(exportAttributes(learned, IPV4_UNICAST, fromIbgp, ibgpTarget), null);
  t.not(exportAttributes(learned, IPV4_UNICAST, fromIbgp, ebgpTarget), null, 'but they go to eBGP peers');
  t.end();
});

t.test('route reflection (RFC 4456): client routes to all, non-client routes to clients only', (t) => {
  const rr = { ...ibgpTarget, routeReflector: true };
  const fromClient: RouteSource = { ...fromIbgp, routeReflectorClient: true };
  const toClient = exportAttributes(learned, IPV4_UNICAST, fromIbgp, { ...rr, routeReflectorClient: true })!;
  t.equal(toClient.originatorId, '10.0.0.2', 'ORIGINATOR_ID set to the source');
  t.same(toClient.clusterList, ['10.0.0.1'], 'our CLUSTER_ID prepended');
  t.equal(exportAttributes(learned, IPV4_UNICAST, fromIbgp, rr), null, 'non-client to non-client: no');
  const again = exportAttributes({ ...learned, originatorId: '10.0.0.5', clusterList: ['10.9.9.9'] }, IPV4_UNICAST, fromClient, rr)!;
  t.equal(again.originatorId, '10.0.0.5', 'an existing ORIGINATOR_ID is kept');
  t.same(again.clusterList, ['10.0.0.1', '10.9.9.9']);
  t.end();
});

t.test('well-known communities (RFC 1997)', (t) => {
  const noExport = { ...learned, communities: [WellKnownCommunity.NO_EXPORT] };
  const noAdv = { ...learned, communities: [WellKnownCommunity.NO_ADVERTISE] };
  const noSub = { ...learned, communities: [WellKnownCommunity.NO_EXPORT_SUBCONFED] };
  t.equal(exportAttributes(noExport, IPV4_UNICAST, fromEbgp, ebgpTarget), null, 'NO_EXPORT: not to eBGP');
  t.not(exportAttributes(noExport, IPV4_UNICAST, fromEbgp, ibgpTarget), null, 'NO_EXPORT: to iBGP');
  t.equal(exportAttributes(noAdv, IPV4_UNICAST, fromEbgp, ibgpTarget), null, 'NO_ADVERTISE: to nobody');
  t.equal(exportAttributes(noSub, IPV4_UNICAST, fromEbgp, ebgpTarget), null, 'NO_EXPORT_SUBCONFED: not to eBGP');
  t.end();
});

t.test('RFC 9234 OTC on egress', (t) => {
  const toCustomer = { ...ebgpTarget, role: Role.PROVIDER };
  const toProvider = { ...ebgpTarget, role: Role.CUSTOMER };
  t.equal(exportAttributes(learned, IPV4_UNICAST, fromEbgp, toCustomer)!.otc, LOCAL_AS, 'OTC added towards a customer');
  t.equal(exportAttributes({ ...learned, otc: 65001 }, IPV4_UNICAST, fromEbgp, toProvider), null, 'OTC route not sent to a provider');
  t.not(exportAttributes(learned, IPV4_UNICAST, fromEbgp, toProvider), null, 'a route without OTC goes to a provider');
  t.end();
});

t.test('2-octet peer gets AS4_PATH with the real path (RFC 6793 sec. 4.2.2)', (t) => {
  const out = exportAttributes(learned, IPV4_UNICAST, fromEbgp, { ...ebgpTarget, as4: false })!;
  t.same(out.as4Path, [{ type: 2, asns: [LOCAL_AS, 65001, 65002] }]);
  t.end();
});

t.test('prepend into a full segment starts a new one', (t) => {
  const full = [{ type: 2, asns: new Array<number>(255).fill(1) }];
  t.equal(prependAs(full, 7).length, 2);
  t.same(prependAs([{ type: 1, asns: [5, 6] }], 7), [{ type: 2, asns: [7] }, { type: 1, asns: [5, 6] }], 'never into an AS_SET');
  t.end();
});

const src: ImportSource = {
  localAs: LOCAL_AS,
  routerId: '10.0.0.1',
  clusterId: '10.0.0.1',
  remoteAs: 65001,
  ebgp: true,
  as4: true,
  enforceFirstAs: true,
  allowOwnAs: 0,
  ownAddresses: new Set(['192.0.2.1']),
};

t.test('import: loops, first AS, next hop, OTC', (t) => {
  t.same(checkImport(learned, IPV4_UNICAST, src), { ok: true, attributes: learned });
  const loop = { ...learned, asPath: [{ type: 2, asns: [65001, LOCAL_AS, 65009] }] };
  t.same(checkImport(loop, IPV4_UNICAST, src), { ok: false, reason: 'as-loop' });
  t.ok(checkImport(loop, IPV4_UNICAST, { ...src, allowOwnAs: 1 }).ok, 'allow-own-as 1 accepts one occurrence');
  t.same(checkImport({ ...learned, asPath: [{ type: 2, asns: [65002] }] }, IPV4_UNICAST, src), { ok: false, reason: 'first-as-not-neighbor-as' });
  t.ok(checkImport({ ...learned, asPath: [{ type: 2, asns: [65002] }] }, IPV4_UNICAST, { ...src, enforceFirstAs: false }).ok);
  t.same(checkImport({ ...learned, nextHop: '0.0.0.0' }, IPV4_UNICAST, src), { ok: false, reason: 'next-hop-unusable' });
  t.same(checkImport({ ...learned, nextHop: '192.0.2.1' }, IPV4_UNICAST, src), { ok: false, reason: 'next-hop-unusable' }, 'our own address');
  t.same(checkImport({ ...learned, nextHop: '224.0.0.5' }, IPV4_UNICAST, src), { ok: false, reason: 'next-hop-unusable' }, 'multicast');
  const ibgp = { ...src, ebgp: false, remoteAs: LOCAL_AS };
  t.same(checkImport({ ...learned, originatorId: '10.0.0.1' }, IPV4_UNICAST, ibgp), { ok: false, reason: 'originator-id-is-ours' });
  t.same(checkImport({ ...learned, clusterList: ['10.0.0.1'] }, IPV4_UNICAST, ibgp), { ok: false, reason: 'cluster-list-loop' });
  t.same(checkImport({ ...learned, otc: 65001 }, IPV4_UNICAST, { ...src, role: Role.PROVIDER }), { ok: false, reason: 'otc-leak' }, 'OTC from a customer');
  const fromProvider = checkImport(learned, IPV4_UNICAST, { ...src, role: Role.CUSTOMER });
  t.ok(fromProvider.ok && fromProvider.attributes.otc === 65001, 'OTC added from a provider');
  t.end();
});
