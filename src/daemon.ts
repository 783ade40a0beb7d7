/**
 * tsbgpd: wires configuration, sessions, the route engine, the listener and the control socket
 * together. Data flows one way (DESIGN.md): sessions hand UPDATEs to the route engine, the route
 * engine writes announcements back through the peers; control only queries and steers.
 */

import { diffConfig } from './config/diff';
import { formatConfigError } from './config/errors';
import { loadConfigFile } from './config/load';
import type { DaemonConfig, NeighborConfig } from './config/types';
import { HealthManager } from './health/manager';
import { compilePolicy } from './policy/types';
import type { HealthCheckConfig, HealthState } from './health/types';
import { controlHandlers } from './control/commands';
import { MonitorBus } from './control/monitor';
import { opsHandlers } from './control/ops-commands';
import type { NeighborJson } from './control/json-types';
import { neighborView } from './control/neighbor-view';
import { RuntimeNetworks } from './control/runtime-networks';
import { ControlServer, Handler } from './control/server';
import type { Logger } from './log';
import { MetricsServer, startMetrics } from './metrics/server';
import { DrainState, RouteEngine, type OriginatedNetwork } from './rib/engine';
import { Listener } from './session/listener';
import { Peer, PeerConfig, PeerHooks } from './session/peer';
import { requireMd5 } from './session/transport';
import { CeaseSubcode } from './wire/iana';

export function peerConfigFrom(n: NeighborConfig, g: DaemonConfig): PeerConfig {
  return {
    name: n.description ?? n.address,
    ...(n.group !== undefined ? { group: n.group } : {}),
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
    nextHopSelf: n.nextHopSelf,
    routeReflectorClient: n.routeReflectorClient,
    sendMed: n.sendMed,
    enforceFirstAs: n.enforceFirstAs,
    allowOwnAs: n.allowOwnAs,
    announce: n.announce,
    ...(n.maxPrefixIn !== undefined ? { maxPrefixIn: n.maxPrefixIn } : {}),
    ...(n.maxPrefixOut !== undefined ? { maxPrefixOut: n.maxPrefixOut } : {}),
  };
}

/** Drain of one neighbour (or all): GRACEFUL_SHUTDOWN first, withdrawn after drain-wait. */
interface Drain {
  state: DrainState;
  /** When the withdrawal follows (ms since the epoch), while state is gshut. */
  withdrawAt?: number;
  timer?: NodeJS.Timeout;
}

export class Daemon {
  readonly peers = new Map<string, Peer>();
  readonly engine: RouteEngine;
  private listener: Listener;
  private control: ControlServer;
  private metrics?: MetricsServer;
  readonly startedAt = Date.now();
  /** When the running configuration was loaded (start or last reload that changed something). */
  configLoadedAt = Date.now();
  /** Networks added with `tsbgpctl network add`: originated with the configured ones, kept across reloads. */
  readonly runtimeNetworks = new RuntimeNetworks();
  /** UPDATEs and state changes for `tsbgpctl monitor` and log-updates. */
  readonly monitor: MonitorBus;
  /** Health checks bound to originated networks. */
  readonly health = new HealthManager();
  /** Drained neighbours by address; 'all' for `tsbgpctl drain` without a neighbour. Survives reloads. */
  readonly drains = new Map<string, Drain>();
  /** SIGTERM received: originated networks withdrawn, sessions about to close. */
  private shuttingDown = false;

  constructor(
    public config: DaemonConfig,
    private readonly log: Logger,
    /** The file `reload` re-reads (SIGHUP, tsbgpctl reload). */
    private readonly configFile?: string,
  ) {
    this.engine = new RouteEngine(
      { localAs: config.localAs, routerId: config.routerId, alwaysCompareMed: config.alwaysCompareMed, policy: compilePolicy(config.policy) },
      config.networks,
      log.child({ part: 'rib' }),
    );
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
    this.monitor = new MonitorBus(this, log);
    this.control = new ControlServer(this.handlers(), log.child({ part: 'control' }));
    this.health.on('change', (name: string, state: HealthState, previous: HealthState, status: { lastOutput?: string }) => {
      const level = state === 'up' ? 'info' : 'warn';
      this.log[level]({ check: name, state, previous, output: status.lastOutput }, `health check ${name}: ${previous} -> ${state}`);
      this.originate();
    });
  }

  // ---- origination: configured + runtime networks, through health checks -------------------------

  private healthCheck(name: string): HealthCheckConfig | undefined {
    return this.config.healthChecks.find((c) => c.name === name);
  }

  /**
   * What we originate now: the configured and runtime networks, less those whose health check is
   * not up (on-failure withdraw) or degraded (prepends and communities); nothing once shutting down.
   */
  effectiveNetworks(): OriginatedNetwork[] {
    if (this.shuttingDown) return [];
    const out: OriginatedNetwork[] = [];
    for (const n of this.runtimeNetworks.merge(this.config.networks)) {
      const name = n.healthCheck;
      if (name === undefined || this.health.isUp(name)) {
        out.push(n);
        continue;
      }
      const c = this.healthCheck(name);
      if (!c || c.onFailure === 'withdraw') continue;
      out.push({
        ...n,
        communities: [...n.communities, ...c.degradeCommunities.filter((x) => !n.communities.includes(x))],
        largeCommunities: [...n.largeCommunities, ...c.degradeLargeCommunities],
        prepend: c.degradePrepend,
      });
    }
    return out;
  }

  /** Re-originate after a change of networks, health or shutdown state: only differences are sent. */
  originate(): void {
    this.engine.setNetworks(this.effectiveNetworks(), this.peers.values());
  }

  // ---- drain (RFC 8326) ---------------------------------------------------------------------------

  private drainOf(address: string): DrainState {
    const own = this.drains.get(address)?.state;
    const all = this.drains.get('all')?.state;
    const rank = { none: 0, gshut: 1, withdrawn: 2 } as const;
    const a = own ?? 'none';
    const b = all ?? 'none';
    return rank[a] >= rank[b] ? a : b;
  }

  private applyDrain(): void {
    for (const [addr, p] of this.peers) this.engine.setDrain(p, this.drainOf(addr));
  }

  /**
   * Drain `target` (a neighbour address, or 'all'): our networks are announced with GRACEFUL_SHUTDOWN
   * (and LOCAL_PREF 0 to iBGP) so that traffic moves away, then withdrawn after drain-wait seconds.
   */
  drain(target: string, waitSeconds = this.config.drainWait): Drain {
    this.undrainEntry(target);
    const d: Drain = { state: 'gshut', withdrawAt: Date.now() + waitSeconds * 1000 };
    d.timer = setTimeout(() => {
      d.state = 'withdrawn';
      d.timer = undefined;
      d.withdrawAt = undefined;
      this.log.info({ target }, 'drain: wait over, networks withdrawn');
      this.applyDrain();
    }, waitSeconds * 1000);
    d.timer.unref();
    this.drains.set(target, d);
    this.log.info({ target, wait: waitSeconds }, 'drain: announcing with GRACEFUL_SHUTDOWN');
    this.applyDrain();
    return d;
  }

  private undrainEntry(target: string): boolean {
    const d = this.drains.get(target);
    if (!d) return false;
    if (d.timer) clearTimeout(d.timer);
    this.drains.delete(target);
    return true;
  }

  /** Reverse drain(): `all` clears every drain. */
  undrain(target: string): boolean {
    let any = false;
    if (target === 'all') for (const k of [...this.drains.keys()]) any = this.undrainEntry(k) || any;
    else any = this.undrainEntry(target);
    this.log.info({ target }, 'undrain: networks announced normally');
    this.applyDrain();
    return any;
  }

  private readonly hooks: PeerHooks = {
    onEstablished: (p) => this.engine.onEstablished(p),
    onUpdate: (p, m) => {
      this.monitor.received(p, m);
      this.engine.onUpdate(p, m);
    },
    onStateChange: (p, from, to, reason) => this.monitor.stateChanged(p, from, to, reason),
    onRouteRefresh: (p, m) => this.engine.onRouteRefresh(p, m),
    onSessionDown: (p, reason, g) => this.engine.onSessionDown(p, reason, g),
    onDrain: (p) => this.engine.onDrain(p),
  };

  /** A Peer for a configured neighbour, or undefined when it must not run (key but no TCP-MD5). */
  private makePeer(n: NeighborConfig): Peer | undefined {
    if (n.password !== undefined) {
      // A neighbour with a password never runs unsigned: refuse it loudly instead.
      try {
        requireMd5();
      } catch (e) {
        this.log.error({ peer: n.address, err: (e as Error).message }, 'neighbor not started');
        return undefined;
      }
    }
    const peer = new Peer(peerConfigFrom(n, this.config), this.hooks, this.log.child({ part: 'session' }));
    this.engine.setDrain(peer, this.drainOf(n.address));
    return peer;
  }

  private listenerKeys(): Map<string, string> {
    const keys = new Map<string, string>();
    for (const n of this.config.neighbors) if (n.password !== undefined && this.peers.has(n.address)) keys.set(n.address, n.password.reveal());
    return keys;
  }

  async start(): Promise<void> {
    for (const n of this.config.neighbors) {
      const peer = this.makePeer(n);
      if (peer) this.peers.set(n.address, peer);
    }
    await this.listener.start(this.config.listen, this.listenerKeys());
    await this.control.listen(this.config.control.socket, this.config.control.mode);
    if (this.config.control.restrictedSocket) await this.control.listen(this.config.control.restrictedSocket, 0o666, true);
    if (this.config.metrics) this.metrics = await startMetrics(this, this.config.metrics, this.log.child({ part: 'metrics' }));
    this.health.apply(this.config.healthChecks);
    this.originate();
    for (const p of this.peers.values()) p.start();
  }

  /**
   * Apply a new, already validated configuration: added neighbours start, removed ones stop with
   * Cease / Peer De-configured, a changed session parameter resets only that session (Cease / Other
   * Configuration Change), a changed key is set on the listener first, network changes are
   * announced or withdrawn. Sessions the change does not touch stay up.
   */
  async reload(next: DaemonConfig): Promise<string[]> {
    const diff = diffConfig(this.config, next);
    const done: string[] = [];
    this.config = next;
    this.configLoadedAt = Date.now();
    this.monitor.reconfigured();
    if (diff.empty) return ['no changes'];
    if (diff.global.other.includes('listen')) {
      await this.listener.close();
      await this.listener.start(next.listen, this.listenerKeys());
      done.push('listener restarted');
    }
    if (diff.global.other.includes('metrics')) {
      await this.metrics?.close();
      this.metrics = next.metrics ? await startMetrics(this, next.metrics, this.log.child({ part: 'metrics' })) : undefined;
      done.push('metrics endpoint restarted');
    }
    const resetAll = diff.global.session.length > 0;
    for (const d of diff.neighbors) {
      const old = this.peers.get(d.address);
      if (d.kind === 'removed') {
        if (old) {
          old.stop('neighbor removed from configuration', CeaseSubcode.PEER_DECONFIGURED);
          setTimeout(() => old.dispose(), 200).unref();
          this.engine.removePeer(old);
          this.peers.delete(d.address);
        }
        this.listener.setKey(d.address, null);
        done.push(`neighbor ${d.address} removed`);
        continue;
      }
      const n = d.new!;
      if (d.kind === 'added' || !old) {
        const peer = this.makePeer(n);
        if (!peer) continue;
        this.peers.set(n.address, peer);
        if (n.password !== undefined) this.listener.setKey(n.address, n.password.reveal());
        peer.start();
        done.push(`neighbor ${n.address} added`);
        continue;
      }
      if (d.session.includes('password')) this.listener.setKey(n.address, n.password?.reveal() ?? null);
      old.reconfigure(peerConfigFrom(n, next));
      const wasDown = d.old?.down !== undefined;
      if (n.down !== undefined && !wasDown) {
        old.stop(n.down);
        done.push(`neighbor ${n.address} down: ${n.down}`);
      } else if (n.down === undefined && wasDown) {
        old.start();
        done.push(`neighbor ${n.address} up`);
      } else if (d.needsReset && n.down === undefined) {
        old.reset(CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
        done.push(`neighbor ${n.address} reset (${d.session.join(', ')})`);
      } else if (d.policy.length + d.other.length > 0) {
        // Import and export settings of this neighbour: re-run its routes, no reset.
        if (d.policy.length > 0 && !diff.policy.changed) this.engine.reapplyPeer(old);
        done.push(`neighbor ${n.address} updated (${[...d.policy, ...d.other].join(', ')})`);
      }
    }
    if (resetAll) {
      for (const p of this.peers.values()) {
        p.reconfigure(peerConfigFrom(next.neighbors.find((x) => x.address === p.config.remoteAddress)!, next));
        if (next.neighbors.find((x) => x.address === p.config.remoteAddress)?.down === undefined) p.reset(CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
      }
      done.push(`all sessions reset (${diff.global.session.join(', ')})`);
    }
    if (diff.policy.changed) {
      this.engine.setPolicy(compilePolicy(next.policy));
      done.push(`filters re-applied (${diff.policy.rules ? 'rules' : 'sets'} changed; no session reset)`);
    }
    const hc = this.health.apply(next.healthChecks);
    if (hc.added.length + hc.removed.length + hc.changed.length > 0) {
      done.push(`health checks: ${hc.added.length} added, ${hc.removed.length} removed, ${hc.changed.length} changed`);
    }
    const nets = diff.networks;
    if (nets.added.length + nets.removed.length + nets.changed.length > 0) {
      done.push(`networks: ${nets.added.length} added, ${nets.removed.length} removed, ${nets.changed.length} changed`);
    }
    // Cheap when nothing changed: setNetworks sends only differences.
    this.originate();
    this.log.info({ changes: done }, 'configuration reloaded');
    return done;
  }

  /**
   * Re-read the configuration file: checked whole first; when it has errors the running
   * configuration stays and the errors are logged and returned to the caller.
   */
  async reloadFromFile(): Promise<{ ok: true; changes: string[] } | { ok: false; errors: string[] }> {
    if (!this.configFile) return { ok: false, errors: ['no configuration file to reload'] };
    const loaded = loadConfigFile(this.configFile);
    if (!loaded.ok) {
      const errors = loaded.errors.map(formatConfigError);
      this.log.error({ errors }, 'reload refused: configuration has errors; running configuration kept');
      return { ok: false, errors };
    }
    return { ok: true, changes: await this.reload(loaded.config) };
  }

  /**
   * SIGTERM: withdraw our networks, give the withdrawals `wait` seconds to reach the peers and move
   * traffic, then stop() (Cease / Administrative Shutdown with the Shutdown Communication).
   */
  async shutdown(reason = 'tsbgpd shutting down', waitSeconds = this.config.shutdownWait): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      this.metrics?.markStopping();
      this.originate();
      this.log.info({ wait: waitSeconds }, 'shutdown: networks withdrawn, waiting before closing sessions');
      await new Promise<void>((resolve) => setTimeout(resolve, waitSeconds * 1000).unref());
    }
    await this.stop(reason);
  }

  /** Clean shutdown: Cease with the given Shutdown Communication to every peer, then close. */
  async stop(reason = 'tsbgpd shutting down'): Promise<void> {
    this.health.stop();
    for (const d of this.drains.values()) if (d.timer) clearTimeout(d.timer);
    this.metrics?.markStopping();
    for (const p of this.peers.values()) p.stop(reason, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN);
    // Let the NOTIFICATIONs leave before the sockets go.
    await new Promise((r) => setTimeout(r, 200));
    for (const p of this.peers.values()) p.dispose();
    this.engine.dispose();
    await this.listener.close();
    await this.control.close();
    await this.metrics?.close();
  }

  neighborView(p: Peer): NeighborJson {
    return neighborView(p, { engine: this.engine, neighbor: this.config.neighbors.find((n) => n.address === p.config.remoteAddress), now: Date.now() });
  }

  private handlers(): Map<string, Handler> {
    const h = controlHandlers(this, this.log);
    for (const [k, v] of opsHandlers(this)) h.set(k, v);
    return h;
  }
}
