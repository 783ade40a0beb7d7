/**
 * What a best path looks like when sent to one peer: RFC 4271 sec. 5.1 and 9.1.3, RFC 1997
 * well-known communities, RFC 4456 route reflection, RFC 9234 Only-to-Customer, RFC 6793 for
 * 2-octet peers. Pure: attributes in (as stored in the Loc-RIB, without NLRI), attributes out, or
 * null when the path must not go to that peer. Callers cache the result per (attribute set, peer
 * group): the work is per attribute set, not per prefix.
 *
 * eBGP: our AS prepended, next hop self, LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST removed, MED
 * removed unless configured to send it (or the route is ours). iBGP: next hop kept unless
 * next-hop-self (our own routes always carry next hop self), LOCAL_PREF set (default 100),
 * iBGP-learned paths not sent to iBGP peers except by a route reflector. Not supported:
 * confederations (NO_EXPORT_SUBCONFED acts as NO_EXPORT).
 */

import { effectiveAsPath, prepareForTransit, withAs4ForOldSpeaker } from '../wire/update';
import type { AsPathSegment, PathAttributes } from '../wire/attributes/types';
import { Afi, AsPathSegmentType, FamilyKey, IPV4_UNICAST, Role, Safi, WellKnownCommunity } from '../wire/iana';
import { NlriList } from '../wire/nlri';
import { ipv4FromString, ipv6FromString } from '../wire/addr';
import { DEFAULT_LOCAL_PREF } from './decision';

/** The global IPv6 address usable as a next hop we announce, or undefined (::, link-local, mapped). */
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


export type SourceKind = 'local' | 'ibgp' | 'ebgp';

export interface RouteSource {
  kind: SourceKind;
  /** The source peer is one of our route-reflector clients. */
  routeReflectorClient: boolean;
  /** The source peer's BGP Identifier (ORIGINATOR_ID when we reflect). */
  routerId?: string;
}

export interface ExportTarget {
  localAs: number;
  /** Our CLUSTER_ID when reflecting (our BGP Identifier unless configured). */
  clusterId: string;
  ebgp: boolean;
  remoteAs: number;
  routeReflectorClient: boolean;
  nextHopSelf: boolean;
  sendMed: boolean;
  /** Our RFC 9234 role towards this peer, when configured. */
  role?: number;
  /** The session negotiated 4-octet AS; otherwise AS4_PATH/AS4_AGGREGATOR carry the real ASNs. */
  as4: boolean;
  /** Our addresses to use as next hop self on this session (absent: that family cannot go). */
  nextHop4?: string;
  nextHop6?: string;
  /** This session is a route reflector's (we have at least one client, or reflection enabled). */
  routeReflector: boolean;
}

function hasCommunity(a: PathAttributes, c: number): boolean {
  const list = a.communities;
  return list !== undefined && list.includes(c);
}

/** RFC 9234 sec. 5 egress: may the path go to this peer, and must we add OTC? */
function otcEgress(a: PathAttributes, t: ExportTarget): 'drop' | 'add' | 'keep' {
  if (t.role === undefined) return 'keep';
  // Our role towards them says what they are: we are their provider -> they are a customer, etc.
  const toCustomerPeerOrRsClient = t.role === Role.PROVIDER || t.role === Role.PEER || t.role === Role.RS;
  const toProviderPeerOrRs = t.role === Role.CUSTOMER || t.role === Role.PEER || t.role === Role.RS_CLIENT;
  if (a.otc !== undefined && toProviderPeerOrRs) return 'drop';
  if (a.otc === undefined && toCustomerPeerOrRsClient) return 'add';
  return 'keep';
}

export function prependAs(path: readonly AsPathSegment[], asn: number, times = 1): AsPathSegment[] {
  const first = path[0];
  const add = new Array<number>(times).fill(asn);
  if (first && first.type === AsPathSegmentType.AS_SEQUENCE && first.asns.length + times <= 255) {
    return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [...add, ...first.asns] }, ...path.slice(1)];
  }
  return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: add }, ...path];
}

/** The next hop a stored path carries for a family. */
export function storedNextHop(a: PathAttributes, family: FamilyKey): string | undefined {
  return family === IPV4_UNICAST ? a.nextHop : a.mpReach?.nextHop;
}

function withNextHop(a: PathAttributes, family: FamilyKey, nh: string): PathAttributes {
  if (family === IPV4_UNICAST) return { ...a, nextHop: nh, mpReach: undefined, mpUnreach: undefined };
  // The MP_REACH here only carries the next hop; the packer adds the NLRI.
  return { ...a, nextHop: undefined, mpUnreach: undefined, mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop: nh, nlri: NlriList.empty(Afi.IPV6) } };
}

/**
 * The attributes to send `a` (learned from `src`, best in the Loc-RIB) to peer `t`, or null when
 * it must not be sent there. The input is never modified.
 */
export function exportAttributes(a: PathAttributes, family: FamilyKey, src: RouteSource, t: ExportTarget): PathAttributes | null {
  // RFC 1997: NO_ADVERTISE goes to no peer; NO_EXPORT(_SUBCONFED) to no eBGP peer.
  if (hasCommunity(a, WellKnownCommunity.NO_ADVERTISE)) return null;
  if (t.ebgp && (hasCommunity(a, WellKnownCommunity.NO_EXPORT) || hasCommunity(a, WellKnownCommunity.NO_EXPORT_SUBCONFED))) return null;

  // RFC 4271 sec. 9.2: iBGP-learned routes are not re-advertised to iBGP peers (full mesh);
  // RFC 4456 sec. 6: a reflector sends client routes to everyone, non-client routes to clients.
  let reflecting = false;
  if (src.kind === 'ibgp' && !t.ebgp) {
    if (!t.routeReflector) return null;
    if (!src.routeReflectorClient && !t.routeReflectorClient) return null;
    reflecting = true;
  }

  const otc = otcEgress(a, t);
  if (otc === 'drop') return null;

  let out: PathAttributes = prepareForTransit({ ...a, mpReach: undefined, mpUnreach: undefined, layout: undefined });
  if (otc === 'add') out.otc = t.localAs;

  if (t.ebgp) {
    const nh = family === IPV4_UNICAST ? t.nextHop4 : t.nextHop6;
    if (nh === undefined) return null;
    // The real (4-octet) path, whatever the source session's width, then our AS in front.
    // Our own networks carry a path only when degraded (prepends for eBGP, see decision.ts).
    const path = prependAs(src.kind === 'local' ? a.asPath ?? [] : effectiveAsPath(a, true), t.localAs);
    out = withNextHop({ ...out, asPath: path, as4Path: undefined, as4Aggregator: undefined }, family, nh);
    out.localPref = undefined;
    out.originatorId = undefined;
    out.clusterList = undefined;
    if (!t.sendMed && src.kind !== 'local') out.med = undefined;
  } else {
    out.localPref = a.localPref ?? DEFAULT_LOCAL_PREF;
    out.asPath = src.kind === 'local' ? [] : effectiveAsPath(a, true);
    out.as4Path = undefined;
    const self = family === IPV4_UNICAST ? t.nextHop4 : t.nextHop6;
    const keep = storedNextHop(a, family);
    const nh = src.kind === 'local' || t.nextHopSelf || keep === undefined ? self : keep;
    if (nh === undefined) return null;
    out = withNextHop(out, family, nh);
    if (reflecting) {
      // RFC 4456 sec. 8: ORIGINATOR_ID once, our CLUSTER_ID prepended to CLUSTER_LIST.
      out.originatorId = a.originatorId ?? src.routerId;
      out.clusterList = [t.clusterId, ...(a.clusterList ?? [])];
    } else if (src.kind !== 'ibgp') {
      out.originatorId = undefined;
      out.clusterList = undefined;
    }
  }
  if (!t.as4) out = withAs4ForOldSpeaker(out);
  return out;
}
