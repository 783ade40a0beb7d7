/**
 * The route engine as the session layer sees it: UPDATEs in, per-peer announcements out.
 *
 * This first version originates the configured networks to every Established peer (with End-of-RIB,
 * RFC 4724 sec. 2), keeps what each peer sent (Adj-RIB-In, with RFC 7606 treat-as-withdraw routes
 * kept visible but marked), answers Route Refresh by re-sending what it announces (RFC 2918), and
 * keeps a graceful-restart helper's stale routes until End-of-RIB or the restart timer (RFC 4724
 * sec. 4.2). Best-path selection and re-advertisement of learned routes come with the Loc-RIB.
 */

import type { NetworkConfig } from '../config/types';
import type { Logger } from '../log';
import type { Peer, GracefulInfo } from '../session/peer';
import { ipv4ToString, ipv6ToString } from '../wire/addr';
import type { PathAttributes } from '../wire/attributes/types';
import { ErrorAction } from '../wire/attributes/types';
import { FamilyKey, familyKey, IPV4_UNICAST, IPV6_UNICAST, RouteRefreshSubtype } from '../wire/iana';
import type { NlriList } from '../wire/nlri';
import type { RouteRefreshMessage } from '../wire/route-refresh';
import { endOfRib, isEndOfRib, UpdateMessage } from '../wire/update';
import { encodeMessage } from '../wire/message';
import { ExportSession, originationUpdates, usableIpv4NextHop, usableIpv6NextHop, withdrawalUpdates } from './originate';

export interface ReceivedRoute {
  prefix: string;
  family: FamilyKey;
  attributes: PathAttributes;
  /** RFC 7606 treat-as-withdraw: shown, never used. */
  invalid: boolean;
  stale: boolean;
  receivedAt: number;
}

interface PeerRib {
  routes: Map<string, ReceivedRoute>;
  staleTimer?: NodeJS.Timeout;
  /** Families whose End-of-RIB we have seen. */
  eor: Set<FamilyKey>;
  /** Prefixes announced to this peer, per family. */
  announced: Map<FamilyKey, Set<string>>;
  /** Counters for show neighbor / metrics. */
  updatesIn: number;
  withdrawsIn: number;
  eorIn: number;
  updatesOut: number;
  withdrawsOut: number;
  eorOut: number;
}

function listPrefixes(list: NlriList): string[] {
  const out: string[] = [];
  list.forEach((addr, len) => out.push(`${addr.length === 4 ? ipv4ToString(addr.readUInt32BE(0)) : ipv6ToString(addr)}/${len}`));
  return out;
}

export class RouteEngine {
  private ribs = new Map<Peer, PeerRib>();

  constructor(
    private networks: readonly NetworkConfig[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private rib(peer: Peer): PeerRib {
    let r = this.ribs.get(peer);
    if (!r) {
      r = { routes: new Map(), eor: new Set(), announced: new Map(), updatesIn: 0, withdrawsIn: 0, eorIn: 0, updatesOut: 0, withdrawsOut: 0, eorOut: 0 };
      this.ribs.set(peer, r);
    }
    return r;
  }

  private exportSession(peer: Peer): ExportSession {
    const c = peer.config;
    const local = peer.connection?.localAddress;
    const isV6Session = local !== undefined && local.includes(':');
    return {
      localAs: c.localAs,
      ebgp: c.localAs !== c.remoteAs,
      nextHop4: isV6Session ? undefined : usableIpv4NextHop(local),
      nextHop6: usableIpv6NextHop(peer.config.nextHop6) ?? (isV6Session ? usableIpv6NextHop(local) : undefined),
    };
  }

  onEstablished(peer: Peer): void {
    const r = this.rib(peer);
    r.eor.clear();
    this.sweepUnpreserved(peer);
    this.announceAll(peer);
  }

  /**
   * RFC 4724 sec. 4.2: once the session is re-established, stale routes of a family that the new
   * Graceful Restart capability does not list with the Forwarding State bit set (or of any family,
   * when the capability is gone) are removed at once; the others wait for End-of-RIB.
   */
  private sweepUnpreserved(peer: Peer): void {
    const r = this.rib(peer);
    const preserved = new Set<FamilyKey>();
    for (const f of peer.negotiated?.peerGracefulRestart?.families ?? []) if (f.forwardingPreserved) preserved.add(f.family);
    let swept = 0;
    let left = 0;
    for (const route of [...r.routes.values()]) {
      if (!route.stale) continue;
      if (preserved.has(route.family)) left++;
      else if (r.routes.delete(route.prefix)) swept++;
    }
    if (swept > 0) this.log.info({ peer: peer.config.remoteAddress, swept }, 'graceful restart: peer kept no forwarding state, stale routes removed');
    if (left === 0 && r.staleTimer) {
      clearTimeout(r.staleTimer);
      r.staleTimer = undefined;
    }
  }

  /** Send the originated networks and End-of-RIB for every negotiated family. */
  private announceAll(peer: Peer, families?: readonly FamilyKey[]): void {
    const n = peer.negotiated;
    if (!n) return;
    const r = this.rib(peer);
    const s = this.exportSession(peer);
    for (const family of families ?? n.families) {
      if (family !== IPV4_UNICAST && family !== IPV6_UNICAST) continue;
      const updates = originationUpdates(this.networks, family, s);
      const wanted = this.networks.filter((x) => x.family === family);
      if (updates.length === 0 && wanted.length > 0) {
        this.log.warn({ peer: peer.config.remoteAddress, family }, 'no usable next hop for this family on this session: not announced');
      }
      const sent = new Set<string>();
      for (const u of updates) {
        peer.sendUpdate(encodeMessage(u, n.encode));
        r.updatesOut++;
        for (const p of u.nlri.count > 0 ? listPrefixes(u.nlri) : u.attributes.mpReach ? listPrefixes(u.attributes.mpReach.nlri) : []) sent.add(p);
      }
      r.announced.set(family, sent);
      peer.sendUpdate(encodeMessage(endOfRib(family), n.encode));
      r.eorOut++;
    }
  }

  /** Apply a new set of networks: announce what is new or changed, withdraw what went away. */
  setNetworks(networks: readonly NetworkConfig[], peers: Iterable<Peer>): void {
    this.networks = networks;
    for (const peer of peers) {
      const n = peer.negotiated;
      if (!n) continue;
      const r = this.rib(peer);
      const s = this.exportSession(peer);
      for (const family of n.families) {
        const before = r.announced.get(family) ?? new Set<string>();
        const now = new Set(networks.filter((x) => x.family === family).map((x) => x.prefix));
        const gone = [...before].filter((p) => !now.has(p));
        for (const u of withdrawalUpdates(gone, family)) {
          peer.sendUpdate(encodeMessage(u, n.encode));
          r.withdrawsOut += gone.length;
        }
        for (const u of originationUpdates(networks, family, s)) {
          peer.sendUpdate(encodeMessage(u, n.encode));
          r.updatesOut++;
        }
        r.announced.set(family, now);
      }
    }
  }

  onUpdate(peer: Peer, msg: UpdateMessage): void {
    const r = this.rib(peer);
    const eor = isEndOfRib(msg);
    if (eor !== null) {
      r.eorIn++;
      r.eor.add(eor);
      this.sweepStale(peer, eor);
      return;
    }
    r.updatesIn++;
    const at = this.now();
    const invalid = msg.action === ErrorAction.TREAT_AS_WITHDRAW;
    const a = msg.attributes;
    const withdraw = (p: string) => {
      if (r.routes.delete(p)) r.withdrawsIn++;
    };
    for (const p of listPrefixes(msg.withdrawn)) withdraw(p);
    if (a.mpUnreach) for (const p of listPrefixes(a.mpUnreach.withdrawn)) withdraw(p);
    const add = (p: string, family: FamilyKey) => r.routes.set(p, { prefix: p, family, attributes: a, invalid, stale: false, receivedAt: at });
    for (const p of listPrefixes(msg.nlri)) add(p, IPV4_UNICAST);
    if (a.mpReach) {
      const fam = familyKey(a.mpReach.afi, a.mpReach.safi);
      for (const p of listPrefixes(a.mpReach.nlri)) add(p, fam);
    }
  }

  onRouteRefresh(peer: Peer, msg: RouteRefreshMessage): void {
    if (msg.subtype !== RouteRefreshSubtype.NORMAL) return; // BoRR/EoRR from the peer: nothing to answer
    const fam = familyKey(msg.afi, msg.safi);
    if (!peer.negotiated?.families.includes(fam)) return; // RFC 2918 sec. 4: ignore a family not negotiated
    this.announceAll(peer, [fam]);
  }

  onSessionDown(peer: Peer, reason: string, graceful?: GracefulInfo): void {
    const r = this.rib(peer);
    r.announced.clear();
    if (graceful && graceful.restartTime > 0) {
      let n = 0;
      for (const route of r.routes.values()) {
        // RFC 4724 sec. 4.2: "To deal with possible consecutive restarts, a route (from the peer)
        // previously marked as stale MUST be deleted."
        if (graceful.families.includes(route.family) && !route.stale) {
          route.stale = true;
          n++;
        } else r.routes.delete(route.prefix);
      }
      this.log.info({ peer: peer.config.remoteAddress, stale: n, restartTime: graceful.restartTime }, 'graceful restart: keeping routes as stale');
      if (r.staleTimer) clearTimeout(r.staleTimer);
      r.staleTimer = setTimeout(() => this.sweepStale(peer), graceful.restartTime * 1000);
      r.staleTimer.unref();
      return;
    }
    const dropped = r.routes.size;
    r.routes.clear();
    this.log.info({ peer: peer.config.remoteAddress, dropped, reason }, 'session down: routes removed');
  }

  /** Remove stale routes (of one family after its End-of-RIB, or all when the restart timer ends). */
  private sweepStale(peer: Peer, family?: FamilyKey): void {
    const r = this.rib(peer);
    for (const route of [...r.routes.values()]) {
      if (route.stale && (family === undefined || route.family === family)) r.routes.delete(route.prefix);
    }
    if (family === undefined && r.staleTimer) {
      clearTimeout(r.staleTimer);
      r.staleTimer = undefined;
    }
  }

  removePeer(peer: Peer): void {
    const r = this.ribs.get(peer);
    if (r?.staleTimer) clearTimeout(r.staleTimer);
    this.ribs.delete(peer);
  }

  received(peer: Peer): ReceivedRoute[] {
    return [...(this.ribs.get(peer)?.routes.values() ?? [])];
  }

  receivedCount(peer: Peer): number {
    return this.ribs.get(peer)?.routes.size ?? 0;
  }

  announced(peer: Peer): string[] {
    return [...(this.ribs.get(peer)?.announced.values() ?? [])].flatMap((s) => [...s]);
  }

  stats(peer: Peer): Omit<PeerRib, 'routes' | 'staleTimer' | 'eor' | 'announced'> & { prefixesIn: number; prefixesOut: number } {
    const r = this.rib(peer);
    return {
      updatesIn: r.updatesIn,
      withdrawsIn: r.withdrawsIn,
      eorIn: r.eorIn,
      updatesOut: r.updatesOut,
      withdrawsOut: r.withdrawsOut,
      eorOut: r.eorOut,
      prefixesIn: r.routes.size,
      prefixesOut: [...r.announced.values()].reduce((n, s) => n + s.size, 0),
    };
  }

  dispose(): void {
    for (const r of this.ribs.values()) if (r.staleTimer) clearTimeout(r.staleTimer);
  }
}
