/**
 * negotiate(): each negotiated parameter, in both argument orders where the rule is symmetric, and
 * the decode/encode CodecContexts that follow.
 */

import t from 'tap';
import type { Capability } from '../../src/wire/capabilities/types';
import { AS_TRANS, familyKey, IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';
import { announcedFamilies, negotiate } from '../../src/wire/negotiate';
import type { OpenMessage } from '../../src/wire/open';

function open(caps: Capability[], holdTime = 90, myAs = 65001): OpenMessage {
  return { type: 'open', version: 4, myAs, holdTime, bgpId: '192.0.2.1', capabilities: caps };
}
const MP4: Capability = { kind: 'multiprotocol', afi: 1, safi: 1 };
const MP6: Capability = { kind: 'multiprotocol', afi: 2, safi: 1 };

t.test('hold time: the smaller, 0 stays 0, 1 and 2 become 3', (t) => {
  const cases: [number, number, number][] = [
    [90, 180, 90],
    [0, 90, 0],
    [3, 90, 3],
    [2, 90, 3],
    [1, 1, 3],
    [65535, 65535, 65535],
  ];
  for (const [a, b, want] of cases) {
    t.equal(negotiate(open([], a), open([], b)).holdTime, want, `${a} with ${b}`);
    t.equal(negotiate(open([], b), open([], a)).holdTime, want, `${b} with ${a}`);
  }
  t.end();
});

t.test('families: the intersection; no Multiprotocol at all means IPv4 unicast (RFC 4760)', (t) => {
  t.same(negotiate(open([MP4, MP6]), open([MP6])).families, [IPV6_UNICAST]);
  t.same(negotiate(open([MP6, MP4]), open([MP4, MP6])).families, [IPV6_UNICAST, IPV4_UNICAST], 'in the order of our OPEN');
  t.same(negotiate(open([MP4, MP6]), open([])).families, [IPV4_UNICAST], 'peer without Multiprotocol');
  t.same(negotiate(open([]), open([MP4, MP6])).families, [IPV4_UNICAST], 'we without Multiprotocol');
  t.same(negotiate(open([MP6]), open([{ kind: 'route-refresh' }])).families, [], 'IPv6 only against a plain speaker');
  t.same(announcedFamilies([MP4, MP4, MP6]), [IPV4_UNICAST, IPV6_UNICAST], 'duplicates counted once');
  t.end();
});

t.test('4-octet AS: both must send it; peer AS from the capability only then', (t) => {
  const big = open([{ kind: 'four-octet-as', asn: 4200000001 }], 90, AS_TRANS);
  const us = open([{ kind: 'four-octet-as', asn: 65001 }]);
  let s = negotiate(us, big);
  t.equal(s.as4, true);
  t.equal(s.peerAs, 4200000001);
  t.equal(s.decode.as4, true);
  t.equal(s.encode.as4, true);
  s = negotiate(open([]), big);
  t.equal(s.as4, false, 'we did not send it');
  t.equal(s.peerAs, AS_TRANS, 'an OLD speaker sees AS_TRANS');
  t.equal(s.decode.as4, false);
  t.equal(negotiate(big, open([])).as4, false, 'they did not send it');
  t.end();
});

t.test('route refresh, enhanced route refresh, extended message: both sides', (t) => {
  const all: Capability[] = [{ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }, { kind: 'extended-message' }];
  const s = negotiate(open(all), open(all));
  t.same([s.routeRefresh, s.enhancedRouteRefresh, s.extendedMessage], [true, true, true]);
  t.equal(s.decode.extendedMessage, true);
  t.equal(s.encode.extendedMessage, true);
  for (const cap of all) {
    const one = negotiate(open(all), open(all.filter((c) => c !== cap)));
    const other = negotiate(open(all.filter((c) => c !== cap)), open(all));
    for (const n of [one, other]) {
      const flags = { 'route-refresh': n.routeRefresh, 'enhanced-route-refresh': n.enhancedRouteRefresh, 'extended-message': n.extendedMessage };
      t.equal(flags[cap.kind as keyof typeof flags], false, `${cap.kind} missing on one side`);
    }
  }
  t.equal(negotiate(open([{ kind: 'extended-message' }]), open([])).encode.extendedMessage, false);
  t.end();
});

t.test('ADD-PATH per family and direction (RFC 7911 sec. 4)', (t) => {
  const ap = (v4: number, v6: number): Capability => ({
    kind: 'add-path',
    families: [
      { afi: 1, safi: 1, sendReceive: v4 },
      { afi: 2, safi: 1, sendReceive: v6 },
    ],
  });
  // We: IPv4 both, IPv6 receive. They: IPv4 receive, IPv6 send.
  const s = negotiate(open([ap(3, 1)]), open([ap(1, 2)]));
  t.same(s.addPathReceive, [IPV6_UNICAST], 'we receive IPv6 paths: we said receive, they said send');
  t.same(s.addPathSend, [IPV4_UNICAST], 'we send IPv4 paths: we said send, they said receive');
  t.same([...s.decode.addPath], [IPV6_UNICAST]);
  t.same([...s.encode.addPath], [IPV4_UNICAST]);

  const mirrored = negotiate(open([ap(1, 2)]), open([ap(3, 1)]));
  t.same(mirrored.addPathReceive, [IPV4_UNICAST], 'swapping the sides swaps the directions');
  t.same(mirrored.addPathSend, [IPV6_UNICAST]);

  const none = negotiate(open([ap(1, 1)]), open([ap(1, 1)]));
  t.same([none.addPathReceive, none.addPathSend], [[], []], 'both only receive: nothing flows');
  const bogus = negotiate(open([ap(3, 3)]), open([ap(7, 0)]));
  t.same([bogus.addPathReceive, bogus.addPathSend], [[], []], 'Send/Receive values outside 1..3 are ignored');
  const later = negotiate(open([ap(3, 3)]), open([ap(3, 3), { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 1 }] }]));
  t.same(later.addPathReceive, [IPV6_UNICAST], 'a later instance overrides an earlier one for its family');
  t.end();
});

t.test('graceful restart: the peer’s parameters, and the N bit only when both set it (RFC 8538)', (t) => {
  const gr = (notification: boolean): Capability => ({
    kind: 'graceful-restart',
    restarting: true,
    notification,
    restartTime: 120,
    families: [{ afi: 2, safi: 1, forwardingPreserved: true }],
  });
  const s = negotiate(open([gr(true)]), open([gr(true)]));
  t.same(s.peerGracefulRestart, {
    restarting: true,
    notification: true,
    restartTime: 120,
    families: [{ family: IPV6_UNICAST, forwardingPreserved: true }],
  });
  t.equal(s.localGracefulRestart, true);
  t.equal(s.gracefulNotification, true);
  t.equal(negotiate(open([gr(false)]), open([gr(true)])).gracefulNotification, false);
  t.equal(negotiate(open([gr(true)]), open([gr(false)])).gracefulNotification, false);
  t.equal(negotiate(open([]), open([gr(true)])).gracefulNotification, false);
  t.equal(negotiate(open([]), open([gr(true)])).localGracefulRestart, false);
  t.equal(negotiate(open([gr(true)]), open([])).peerGracefulRestart, undefined);
  t.end();
});

t.test('roles as announced', (t) => {
  const s = negotiate(open([{ kind: 'role', role: 0 }]), open([{ kind: 'role', role: 3 }]));
  t.same([s.localRole, s.peerRole], [0, 3]);
  const none = negotiate(open([]), open([]));
  t.same([none.localRole, none.peerRole], [undefined, undefined]);
  t.end();
});

t.test('unusual families keep their AFI/SAFI', (t) => {
  const vpn: Capability = { kind: 'multiprotocol', afi: 1, safi: 128 };
  t.same(negotiate(open([vpn]), open([vpn])).families, [familyKey(1, 128)]);
  t.end();
});
