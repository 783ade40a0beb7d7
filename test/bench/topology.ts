/**
 * Addresses and AS numbers of the full-table benchmark (documentation ranges, RFC 5737 / RFC 3849 /
 * RFC 5398, existing only inside the namespaces the benchmark creates).
 *
 *   namespace A (traffic: one Node process)            namespace B (speaker under test)
 *     feeder 1   AS 65001  192.0.2.1    2001:db8::1  --veth--  AS 65000  192.0.2.100  2001:db8::100
 *     feeder 2   AS 65003  192.0.2.2    2001:db8::2
 *     feeder 3   AS 65004  192.0.2.3    2001:db8::3
 *     monitor    AS 65002  192.0.2.200  2001:db8::200
 *
 * All on one link (192.0.2.0/24, 2001:db8::/64), so every eBGP session is directly connected and
 * the table's next hops (each feeder's own addresses) resolve on the link, which BIRD's direct
 * mode and OpenBGPD's next-hop validation require. The speaker is passive on every session; the
 * feeders and the monitor connect to it.
 */

import { FULL_TABLE, scaledShape, TableShape } from './full-table';

export interface Endpoint {
  as: number;
  ipv4: string;
  ipv6: string;
  routerId: string;
}

export const SPEAKER: Endpoint = { as: 65000, ipv4: '192.0.2.100', ipv6: '2001:db8::100', routerId: '192.0.2.100' };
export const MONITOR: Endpoint = { as: 65002, ipv4: '192.0.2.200', ipv6: '2001:db8::200', routerId: '192.0.2.200' };
export const FEEDERS: readonly Endpoint[] = [
  { as: 65001, ipv4: '192.0.2.1', ipv6: '2001:db8::1', routerId: '192.0.2.1' },
  { as: 65003, ipv4: '192.0.2.2', ipv6: '2001:db8::2', routerId: '192.0.2.2' },
  { as: 65004, ipv4: '192.0.2.3', ipv6: '2001:db8::3', routerId: '192.0.2.3' },
];
export const PREFIX4 = 24;
export const PREFIX6 = 64;

function ipv4Number(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function ipv6Bytes(a: string): Buffer {
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/**
 * The table feeder i sends: the same prefixes for every feeder (same seed), with its AS first in
 * every path and its own addresses as next hops, like three transit providers.
 */
export function feederShape(i: number, scale: number): TableShape {
  const f = FEEDERS[i]!;
  return { ...scaledShape(scale, FULL_TABLE), peerAs: f.as, nextHop4: ipv4Number(f.ipv4), nextHop6: ipv6Bytes(f.ipv6) };
}
