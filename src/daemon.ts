/**
 * tsbgpd: wires configuration, sessions, the route engine, the listener and the control socket
 * together. Data flows one way (DESIGN.md): sessions hand UPDATEs to the route engine, the route
 * engine writes announcements back through the peers; control only queries and steers.
 */

import type { DaemonConfig, NeighborConfig } from './config/types';
import { ControlServer, Handler } from './control/server';
import type { Logger } from './log';
import { RouteEngine } from './rib/engine';
import { countersTotal } from './session/connection';
import { Listener } from './session/listener';
import { Peer, PeerConfig } from './session/peer';
import { requireMd5 } from './session/transport';
import { CeaseSubcode, familyName } from './wire/iana';

export function peerConfigFrom(n: NeighborConfig, g: DaemonConfig): PeerConfig {
  return {
    name: n.description ?? n.address,
    remoteAddress: n.address,
    remotePort: n.port,
    remoteAs: n.remoteAs,
    localAs: g.localAs,
    routerId: g.routerId,
    ...(n.localAddress !== undefined ? { localAddress: n.localAddress } : {}),
    passive: n.passive,
    holdTime: n.holdTime,
    connectRetry: n.connectRetry,
    ...(n.multihop !== undefined ? { multihop: n.multihop } : {}),
    ...(n.ttlSecurity !== undefined ? { ttlSecurity: n.ttlSecurity } : {}),
    ...(n.password !== undefined ? { password: n.password.reveal() } : {}),
    families: n.families,
    routeRefresh: true,
    enhancedRouteRefresh: true,
    extendedMessage: true,
    ...(n.gracefulRestart ? { gracefulRestartTime: 120 } : {}),
    ...(n.role !== undefined ? { role: n.role, strictRole: n.strictRole } : {}),
    ...(g.hostname !== undefined ? { hostname: g.hostname } : {}),
    ...(n.down !== undefined ? { down: n.down } : {}),
    ...(n.nextHop6 !== undefined ? { nextHop6: n.nextHop6 } : {}),
  };
}

export interface DaemonOptions {
  /** Seconds to wait after withdrawing before the Cease on SIGTERM. */
  shutdownWait?: number;
}

export class Daemon {
  readonly peers = new Map<string, Peer>();
  readonly engine: RouteEngine;
  private listener: Listener;
  private control: ControlServer;
  readonly startedAt = Date.now();

  constructor(
    public config: DaemonConfig,
    private readonly log: Logger,
  ) {
    this.engine = new RouteEngine(config.networks, log.child({ part: 'rib' }));
    this.listener = new Listener((addr) => {
      const p = this.peers.get(addr);
      if (!p) return undefined;
      const c = p.config;
      const ebgp = c.localAs !== c.remoteAs;
      return {
        ...(c.password !== undefined ? { password: c.password } : {}),
        ...(c.ttlSecurity !== undefined ? { ttl: 255, minTtl: 256 - c.ttlSecurity } : c.multihop !== undefined ? { ttl: c.multihop } : ebgp ? { ttl: 1 } : {}),
        accept: (sock) => p.accept(sock),
      };
    }, log.child({ part: 'listener' }));
    this.control = new ControlServer(this.handlers(), log.child({ part: 'control' }));
  }

  async start(): Promise<void> {
    const hooks = {
      onEstablished: (p: Peer) => this.engine.onEstablished(p),
      onUpdate: (p: Peer, m: Parameters<RouteEngine['onUpdate']>[1]) => this.engine.onUpdate(p, m),
      onRouteRefresh: (p: Peer, m: Parameters<RouteEngine['onRouteRefresh']>[1]) => this.engine.onRouteRefresh(p, m),
      onSessionDown: (p: Peer, reason: string, g?: Parameters<RouteEngine['onSessionDown']>[2]) => this.engine.onSessionDown(p, reason, g),
    };
    const keys = new Map<string, string>();
    for (const n of this.config.neighbors) {
      if (n.password !== undefined) {
        // A neighbour with a password never runs unsigned: fail loudly here instead.
        try {
          requireMd5();
          keys.set(n.address, n.password.reveal());
        } catch (e) {
          this.log.error({ peer: n.address, err: (e as Error).message }, 'neighbor not started');
          continue;
        }
      }
      const peer = new Peer(peerConfigFrom(n, this.config), hooks, this.log.child({ part: 'session' }));
      this.peers.set(n.address, peer);
    }
    await this.listener.start(this.config.listen, keys);
    await this.control.listen(this.config.control.socket, this.config.control.mode);
    if (this.config.control.restrictedSocket) await this.control.listen(this.config.control.restrictedSocket, 0o666, true);
    for (const p of this.peers.values()) p.start();
  }

  /** Clean shutdown: Cease with the given Shutdown Communication to every peer, then close. */
  async stop(reason = 'tsbgpd shutting down'): Promise<void> {
    for (const p of this.peers.values()) p.stop(reason, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN);
    // Let the NOTIFICATIONs leave before the sockets go.
    await new Promise((r) => setTimeout(r, 200));
    for (const p of this.peers.values()) p.dispose();
    this.engine.dispose();
    await this.listener.close();
    await this.control.close();
  }

  private peerByArg(args: Record<string, unknown>): Peer {
    const key = String(args.peer ?? '');
    const p = this.peers.get(key) ?? [...this.peers.values()].find((x) => x.config.name === key);
    if (!p) throw new Error(`no such neighbor: ${key}`);
    return p;
  }

  neighborView(p: Peer): Record<string, unknown> {
    const c = p.config;
    const conn = p.connection;
    const n = p.negotiated;
    const now = Date.now();
    const st = this.engine.stats(p);
    return {
      remote_addr: c.remoteAddress,
      remote_as: c.remoteAs,
      description: c.name,
      state: p.state,
      bgpid: p.remoteOpen?.bgpId,
      last_updown_sec: Math.floor((now - (p.state === 'Established' ? p.establishedAt : p.downSince)) / 1000),
      holdtime: n?.holdTime ?? c.holdTime,
      keepalive: p.keepaliveSeconds(),
      families: n ? n.families.map(familyName) : [],
      local: conn ? { address: conn.localAddress, port: conn.localPort } : undefined,
      remote: conn ? { address: conn.remoteAddress, port: conn.remotePort } : undefined,
      md5: c.password !== undefined,
      admin_down_reason: p.adminDownReason,
      last_error_sent: p.lastErrorSent,
      last_error_received: p.lastErrorReceived,
      stats: {
        prefixes: { sent: st.prefixesOut, received: st.prefixesIn },
        message: {
          sent: { ...p.sent, total: countersTotal(p.sent) },
          received: { ...p.received, total: countersTotal(p.received) },
        },
        update: {
          sent: { updates: st.updatesOut, withdraws: st.withdrawsOut, eor: st.eorOut },
          received: { updates: st.updatesIn, withdraws: st.withdrawsIn, eor: st.eorIn },
        },
      },
      outq: p.outQueue,
    };
  }

  private handlers(): Map<string, Handler> {
    const h = new Map<string, Handler>();
    h.set('show.neighbors', (args) => {
      const list = args.peer ? [this.peerByArg(args)] : [...this.peers.values()];
      return { neighbors: list.map((p) => this.neighborView(p)) };
    });
    h.set('show.rib.in', (args) => {
      const list = args.peer ? [this.peerByArg(args)] : [...this.peers.values()];
      return {
        rib: list.flatMap((p) =>
          this.engine.received(p).map((r) => ({
            prefix: r.prefix,
            neighbor: { remote_addr: p.config.remoteAddress, description: p.config.name },
            attributes: r.attributes,
            invalid: r.invalid,
            stale: r.stale,
          })),
        ),
      };
    });
    h.set('show.rib.out', (args) => ({ prefixes: this.engine.announced(this.peerByArg(args)) }));
    h.set('neighbor.down', (args) => {
      this.peerByArg(args).stop(typeof args.reason === 'string' ? args.reason : undefined);
      return { ok: true };
    });
    h.set('neighbor.up', (args) => {
      this.peerByArg(args).start();
      return { ok: true };
    });
    h.set('neighbor.clear', (args) => {
      this.peerByArg(args).reset(CeaseSubcode.ADMINISTRATIVE_RESET, typeof args.reason === 'string' ? args.reason : undefined);
      return { ok: true };
    });
    return h;
  }
}
