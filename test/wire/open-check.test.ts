/**
 * checkOpen: each rule of RFC 4271 sec. 6.2 (with RFC 6286, RFC 5492 sec. 3, RFC 6793, RFC 9234
 * sec. 4.2) gives the right code, subcode and data, and a good OPEN passes.
 */

import t from 'tap';
import type { Capability } from '../../src/wire/capabilities/types';
import { AS_TRANS, Role } from '../../src/wire/iana';
import type { OpenMessage } from '../../src/wire/open';
import { checkOpen, OpenExpectations, rolesCompatible } from '../../src/wire/open-check';

const PEER: OpenMessage = {
  type: 'open',
  version: 4,
  myAs: 64515,
  holdTime: 90,
  bgpId: '169.254.169.254',
  capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'route-refresh' },
    { kind: 'four-octet-as', asn: 64515 },
  ],
};
const EXPECT: OpenExpectations = { localBgpId: '192.0.2.1', localAs: 65001, peerAs: 64515 };

function verdict(open: OpenMessage, expect: OpenExpectations = EXPECT): { code: number; subcode: number; data: string } | null {
  const e = checkOpen(open, expect);
  if (e === null) return null;
  return { code: e.code, subcode: e.subcode, data: e.data.toString('hex') };
}

const withCaps = (caps: Capability[], base: OpenMessage = PEER): OpenMessage => ({ ...base, capabilities: caps });

t.test('an acceptable OPEN passes', (t) => {
  t.equal(verdict(PEER), null);
  t.equal(verdict(PEER, { localBgpId: '192.0.2.1' }), null, 'no expectations beyond our identifier');
  t.end();
});

t.test('version other than 4: 2/1 with the supported version as 2 octets', (t) => {
  t.same(verdict({ ...PEER, version: 3 }), { code: 2, subcode: 1, data: '0004' });
  t.same(verdict({ ...PEER, version: 5 }), { code: 2, subcode: 1, data: '0004' });
  t.end();
});

t.test('peer AS: 2/2, from the 4-octet capability when present (RFC 6793)', (t) => {
  t.same(verdict(PEER, { ...EXPECT, peerAs: 64516 }), { code: 2, subcode: 2, data: '0000fc03' }, '4-octet data from the capability');
  t.same(verdict(withCaps([]), { ...EXPECT, peerAs: 64516 }), { code: 2, subcode: 2, data: 'fc03' }, '2-octet My AS without it');
  t.equal(verdict(PEER, { ...EXPECT, peerAs: [1, 64515] }), null, 'allow list');
  t.same(verdict(PEER, { ...EXPECT, peerAs: [1, 2] }), { code: 2, subcode: 2, data: '0000fc03' });

  const big: OpenMessage = { ...PEER, myAs: AS_TRANS, capabilities: [{ kind: 'four-octet-as', asn: 4200000001 }] };
  t.equal(verdict(big, { ...EXPECT, peerAs: 4200000001 }), null, 'AS_TRANS in My AS, real ASN in the capability');
  t.same(
    verdict(big, { ...EXPECT, peerAs: 4200000001, localAs4Capable: false }),
    { code: 2, subcode: 2, data: '5ba0' },
    'without our own 4-octet support the peer is AS_TRANS',
  );
  t.end();
});

t.test('hold time: 1 and 2 always refused, others per configuration (2/6, data = hold time)', (t) => {
  t.same(verdict({ ...PEER, holdTime: 1 }), { code: 2, subcode: 6, data: '0001' });
  t.same(verdict({ ...PEER, holdTime: 2 }), { code: 2, subcode: 6, data: '0002' });
  t.same(verdict({ ...PEER, holdTime: 2 }, { ...EXPECT, minHoldTime: 0 }), { code: 2, subcode: 6, data: '0002' }, 'cannot be configured away');
  t.equal(verdict({ ...PEER, holdTime: 3 }), null);
  t.equal(verdict({ ...PEER, holdTime: 0 }), null, '0 is allowed by default');
  t.same(verdict({ ...PEER, holdTime: 0 }, { ...EXPECT, allowZeroHoldTime: false }), { code: 2, subcode: 6, data: '0000' });
  t.same(verdict({ ...PEER, holdTime: 9 }, { ...EXPECT, minHoldTime: 10 }), { code: 2, subcode: 6, data: '0009' });
  t.equal(verdict({ ...PEER, holdTime: 10 }, { ...EXPECT, minHoldTime: 10 }), null);
  t.end();
});

t.test('BGP Identifier: zero, or ours from an internal peer (RFC 6286 sec. 2.2): 2/3', (t) => {
  t.same(verdict({ ...PEER, bgpId: '0.0.0.0' }), { code: 2, subcode: 3, data: '00000000' });
  t.equal(verdict({ ...PEER, bgpId: '192.0.2.1' }), null, 'ours, from an external peer: allowed');
  const ibgp: OpenMessage = withCaps([{ kind: 'four-octet-as', asn: 65001 }], { ...PEER, myAs: 65001, bgpId: '192.0.2.1' });
  t.same(verdict(ibgp, { ...EXPECT, peerAs: 65001 }), { code: 2, subcode: 3, data: 'c0000201' }, 'ours, from an internal peer');
  t.same(
    verdict({ ...PEER, bgpId: '192.0.2.1' }, { localBgpId: '192.0.2.1' }),
    { code: 2, subcode: 3, data: 'c0000201' },
    'without localAs, equal identifiers are refused',
  );
  t.end();
});

t.test('required capabilities: 2/7 with the missing ones as data (RFC 5492 sec. 3)', (t) => {
  const v6: Capability = { kind: 'multiprotocol', afi: 2, safi: 1 };
  t.same(verdict(PEER, { ...EXPECT, requiredCapabilities: [v6] }), { code: 2, subcode: 7, data: '010400020001' });
  t.same(
    verdict(PEER, { ...EXPECT, requiredCapabilities: [v6, { kind: 'route-refresh' }, { kind: 'extended-message' }] }),
    { code: 2, subcode: 7, data: '010400020001' + '0600' },
    'only the missing ones, in order',
  );
  t.equal(
    verdict(PEER, { ...EXPECT, requiredCapabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 65001 }] }),
    null,
    'present ones pass; 4-octet AS matches by kind',
  );
  const addPath: Capability = { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }] };
  t.same(verdict(PEER, { ...EXPECT, requiredCapabilities: [addPath] }), { code: 2, subcode: 7, data: '450400010103' });
  t.equal(verdict(withCaps([...PEER.capabilities, { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 1 }] }]), {
    ...EXPECT,
    requiredCapabilities: [addPath],
  }), null);
  t.same(
    verdict(PEER, { ...EXPECT, requiredCapabilities: [{ kind: 'unknown', code: 71, value: Buffer.alloc(0) }] }),
    { code: 2, subcode: 7, data: '4700' },
  );
  t.end();
});

t.test('roles (RFC 9234 sec. 4.2): 2/11 for a bad pair, differing roles, or none in strict mode', (t) => {
  const customer = withCaps([...PEER.capabilities, { kind: 'role', role: Role.CUSTOMER }]);
  t.equal(verdict(customer, { ...EXPECT, localRole: Role.PROVIDER }), null, 'provider - customer');
  t.same(verdict(customer, { ...EXPECT, localRole: Role.PEER }), { code: 2, subcode: 11, data: '' }, 'peer - customer');
  t.equal(verdict(PEER, { ...EXPECT, localRole: Role.PEER }), null, 'no role, not strict');
  t.same(verdict(PEER, { ...EXPECT, localRole: Role.PEER, strictRole: true }), { code: 2, subcode: 11, data: '' }, 'no role, strict');
  const twoRoles = withCaps([...customer.capabilities, { kind: 'role', role: Role.PEER }]);
  t.same(verdict(twoRoles, { ...EXPECT, localRole: Role.PROVIDER }), { code: 2, subcode: 11, data: '' }, 'differing roles');
  const sameTwice = withCaps([...customer.capabilities, { kind: 'role', role: Role.CUSTOMER }]);
  t.equal(verdict(sameTwice, { ...EXPECT, localRole: Role.PROVIDER }), null, 'the same role twice');
  t.equal(verdict(customer, EXPECT), null, 'no local role: no check');
  t.end();
});

t.test('role pairs of RFC 9234 Table 2, both ways', (t) => {
  const ok = new Set(['0-3', '3-0', '1-2', '2-1', '4-4']);
  for (let a = 0; a <= 5; a++) {
    for (let b = 0; b <= 5; b++) t.equal(rolesCompatible(a, b), ok.has(`${a}-${b}`), `${a} with ${b}`);
  }
  t.end();
});

t.test('checks run in RFC 4271 sec. 6.2 order: version first, then AS, hold time, identifier', (t) => {
  const allBad: OpenMessage = { ...PEER, version: 3, holdTime: 1, bgpId: '0.0.0.0' };
  t.equal(verdict(allBad, { ...EXPECT, peerAs: 1 })?.subcode, 1);
  t.equal(verdict({ ...allBad, version: 4 }, { ...EXPECT, peerAs: 1 })?.subcode, 2);
  t.equal(verdict({ ...allBad, version: 4 })?.subcode, 6);
  t.equal(verdict({ ...allBad, version: 4, holdTime: 90 })?.subcode, 3);
  t.end();
});
