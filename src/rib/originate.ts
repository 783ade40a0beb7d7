/**
 * Attributes of locally originated networks as sent to one peer (RFC 4271 sec. 5.1, 9.1.3):
 * eBGP gets our AS as the whole path and next hop self, no LOCAL_PREF; iBGP gets an empty path,
 * LOCAL_PREF (default 100) and next hop self. IPv6 goes in MP_REACH_NLRI (RFC 4760) with the
 * session's global address or the configured IPv6 next hop, never "::".
 */

import type { NetworkConfig } from '../config/types';
import { ipv4FromString, ipv6FromString } from '../wire/addr';
import type { PathAttributes } from '../wire/attributes/types';
import { Afi, AsPathSegmentType, FamilyKey, IPV4_UNICAST, IPV6_UNICAST, Safi } from '../wire/iana';
import { NlriList } from '../wire/nlri';
import { buildUpdate, UpdateMessage } from '../wire/update';

export interface ExportSession {
  localAs: number;
  ebgp: boolean;
  /** IPv4 next hop to announce (our address on the session, or configured). */
  nextHop4?: string;
  /** IPv6 global next hop to announce; absent: IPv6 cannot be announced on this session. */
  nextHop6?: string;
}

export const DEFAULT_LOCAL_PREF = 100;

/** The global IPv6 address usable as a next hop, or undefined (unspecified, link-local, mapped). */
export function usableIpv6NextHop(addr: string | undefined): string | undefined {
  if (!addr) return undefined;
  const b = ipv6FromString(addr);
  if (!b) return undefined;
  if (b.every((x) => x === 0)) return undefined;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return undefined;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return undefined;
  return addr;
}

export function usableIpv4NextHop(addr: string | undefined): string | undefined {
  if (!addr) return undefined;
  const n = ipv4FromString(addr);
  return n === null || n === 0 ? undefined : addr;
}

function baseAttributes(net: NetworkConfig, s: ExportSession): PathAttributes {
  const a: PathAttributes = {
    origin: net.origin,
    asPath: s.ebgp ? [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [s.localAs] }] : [],
  };
  if (net.med !== undefined) a.med = net.med;
  if (!s.ebgp) a.localPref = net.localPref ?? DEFAULT_LOCAL_PREF;
  if (net.communities.length > 0) a.communities = [...net.communities];
  if (net.largeCommunities.length > 0) a.largeCommunities = net.largeCommunities.map((c) => [c[0], c[1], c[2]] as [number, number, number]);
  return a;
}

/** A stable text key of what makes two networks' attributes equal (for packing into one UPDATE). */
function attributeKey(net: NetworkConfig): string {
  return JSON.stringify([net.origin, net.med, net.localPref, net.communities, net.largeCommunities, net.nextHop]);
}

/**
 * UPDATEs announcing `networks` of `family` to one session, prefixes with equal attributes packed
 * together. Returns [] when the family cannot be announced (no usable next hop).
 */
export function originationUpdates(networks: readonly NetworkConfig[], family: FamilyKey, s: ExportSession): UpdateMessage[] {
  const groups = new Map<string, NetworkConfig[]>();
  for (const n of networks) {
    if (n.family !== family) continue;
    const k = attributeKey(n);
    const g = groups.get(k);
    if (g) g.push(n);
    else groups.set(k, [n]);
  }
  const out: UpdateMessage[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const attrs = baseAttributes(first, s);
    const prefixes = group.map((n) => n.prefix);
    if (family === IPV4_UNICAST) {
      const nh = usableIpv4NextHop(first.nextHop) ?? s.nextHop4;
      if (!nh) return [];
      attrs.nextHop = nh;
      out.push(buildUpdate({ attributes: attrs, nlri: prefixes }));
    } else if (family === IPV6_UNICAST) {
      const nh = usableIpv6NextHop(first.nextHop) ?? s.nextHop6;
      if (!nh) return [];
      attrs.mpReach = { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: nh, nlri: NlriList.fromPrefixes(Afi.IPV6, false, prefixes) };
      out.push(buildUpdate({ attributes: attrs }));
    }
  }
  return out;
}

/** UPDATEs withdrawing `prefixes` of `family`. */
export function withdrawalUpdates(prefixes: readonly string[], family: FamilyKey): UpdateMessage[] {
  if (prefixes.length === 0) return [];
  if (family === IPV4_UNICAST) return [buildUpdate({ withdrawn: prefixes })];
  return [
    buildUpdate({
      attributes: { mpUnreach: { afi: Afi.IPV6, safi: Safi.UNICAST, withdrawn: NlriList.fromPrefixes(Afi.IPV6, false, prefixes) } },
    }),
  ];
}
