/**
 * The built-in sets, whose names are reserved: a config may use them but not define them.
 *
 * "bogons" (prefix-set): addresses that have no business in the global routing table, each with
 * everything more specific (or-longer). It includes the documentation ranges (RFC 5737
 * 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; RFC 3849 2001:db8::/32), so a lab or test network
 * that announces documentation prefixes must not deny `bogons` on routes it wants to keep. A default
 * route (0.0.0.0/0, ::/0) is not a bogon.
 *
 * "bogon-asns" (as-set): AS numbers no public route should carry: 0 (RFC 7607), AS_TRANS 23456
 * (RFC 6793), documentation 64496-64511 and 65536-65551 (RFC 5398), private use 64512-65534 and
 * 4200000000-4294967294 (RFC 6996), the last ones 65535 and 4294967295 (RFC 7300), and the
 * IANA-reserved 65552-131071.
 */

import type { PrefixItem } from '../config/types';
import { IPV4_UNICAST, IPV6_UNICAST } from '../wire/iana';

export const BOGONS = 'bogons';
export const BOGON_ASNS = 'bogon-asns';
export const BUILTIN_PREFIX_SETS: readonly string[] = [BOGONS];
export const BUILTIN_AS_SETS: readonly string[] = [BOGON_ASNS];

const BOGON_PREFIXES = [
  '0.0.0.0/8', // "this" network, RFC 1122
  '10.0.0.0/8', // private, RFC 1918
  '100.64.0.0/10', // shared address space (CGN), RFC 6598
  '127.0.0.0/8', // loopback, RFC 1122
  '169.254.0.0/16', // link local, RFC 3927
  '172.16.0.0/12', // private, RFC 1918
  '192.0.0.0/24', // IETF protocol assignments, RFC 6890
  '192.0.2.0/24', // documentation TEST-NET-1, RFC 5737
  '192.88.99.0/24', // 6to4 relay anycast, deprecated by RFC 7526
  '192.168.0.0/16', // private, RFC 1918
  '198.18.0.0/15', // benchmarking, RFC 2544
  '198.51.100.0/24', // documentation TEST-NET-2, RFC 5737
  '203.0.113.0/24', // documentation TEST-NET-3, RFC 5737
  '224.0.0.0/4', // multicast, RFC 5771
  '240.0.0.0/4', // reserved, RFC 1112
  '::/8', // IPv4-compatible, loopback, unspecified, RFC 4291
  '100::/64', // discard only, RFC 6666
  '2001:2::/48', // benchmarking, RFC 5180
  '2001:10::/28', // ORCHID, RFC 4843
  '2001:db8::/32', // documentation, RFC 3849
  '2002::/16', // 6to4, deprecated by RFC 7526
  '3ffe::/16', // the old 6bone, RFC 3701
  'fc00::/7', // unique local, RFC 4193
  'fe80::/10', // link local, RFC 4291
  'fec0::/10', // site local, deprecated by RFC 3879
  'ff00::/8', // multicast, RFC 4291
];

export function bogonPrefixes(): PrefixItem[] {
  return BOGON_PREFIXES.map((prefix) => {
    const length = Number(prefix.slice(prefix.indexOf('/') + 1));
    const v6 = prefix.includes(':');
    return { prefix, family: v6 ? IPV6_UNICAST : IPV4_UNICAST, length, min: length, max: v6 ? 128 : 32 };
  });
}

export function bogonAsns(): [number, number][] {
  return [
    [0, 0],
    [23456, 23456],
    [64496, 64511],
    [64512, 65534],
    [65535, 65535],
    [65536, 65551],
    [65552, 131071],
    [4200000000, 4294967294],
    [4294967295, 4294967295],
  ];
}
