/**
 * `show neighbor` as data: one configured neighbour's session, counters, capabilities and last
 * errors, in the keys of bgpctl's JSON (see json-types.ts for where and why they differ). Times
 * are relative to `now` (bgpctl's `*_sec`); "never" is 0 seconds with the text "Never".
 *
 * Timers: the ones the session layer has armed (Peer.runningTimers), with when each fires: the
 * HoldTimer restarted by every message read, the KeepaliveTimer, RFC 9687's SendHoldTimer, and
 * while the session is down the ConnectRetryTimer or IdleHoldTimer.
 *
 * The TCP-MD5 key is never part of the view: only the fact that one is configured.
 */

import type { NeighborConfig } from '../config/types';
import type { RouteEngine } from '../rib/engine';
import type { Capability } from '../wire/capabilities/types';
import { AddPathMode } from '../wire/capabilities/types';
import type { NegotiatedSession } from '../wire/negotiate';
import { familyKey, familyName, Role } from '../wire/iana';
import { countersTotal, MessageCounters } from '../session/connection';
import type { ErrorRecord, Peer } from '../session/peer';
import { familyLabel, formatSince, notificationText } from './bgp-text';
import type { CapabilitiesJson, ErrorJson, MessageCountsJson, NeighborJson, TimerJson } from './json-types';

const ROLE_NAMES: Record<number, string> = { [Role.PROVIDER]: 'provider', [Role.RS]: 'rs', [Role.RS_CLIENT]: 'rs-client', [Role.CUSTOMER]: 'customer', [Role.PEER]: 'peer' };
const AP_MODES: Record<number, string> = { [AddPathMode.RECEIVE]: 'recv', [AddPathMode.SEND]: 'send', [AddPathMode.BOTH]: 'bidir' };

function messageCounts(c: MessageCounters): MessageCountsJson {
  return {
    open: c.open,
    notifications: c.notification,
    updates: c.update,
    keepalives: c.keepalive,
    route_refresh: c.routeRefresh,
    total: countersTotal(c),
    notification: c.notification,
    update: c.update,
    keepalive: c.keepalive,
    routeRefresh: c.routeRefresh,
  };
}

function errorJson(e: ErrorRecord | undefined): ErrorJson | undefined {
  if (!e) return undefined;
  return {
    code: e.code,
    subcode: e.subcode,
    name: e.name,
    text: notificationText(e.code, e.subcode),
    ...(e.shutdownCommunication !== undefined ? { shutdownCommunication: e.shutdownCommunication } : {}),
    at: e.at,
  };
}

/** Seconds since a ms timestamp; undefined when it never happened (0). */
function since(at: number, now: number): number | undefined {
  return at > 0 ? Math.max(0, Math.floor((now - at) / 1000)) : undefined;
}

/** The capabilities of an OPEN, as bgpctl's JSON describes them. */
export function capabilitiesFromOpen(caps: readonly Capability[]): CapabilitiesJson {
  const out: CapabilitiesJson = { as4byte: false, refresh: false, enhanced_refresh: false, extended_message: false };
  const mp: string[] = [];
  for (const c of caps) {
    if (c.kind === 'four-octet-as') out.as4byte = true;
    else if (c.kind === 'route-refresh') out.refresh = true;
    else if (c.kind === 'enhanced-route-refresh') out.enhanced_refresh = true;
    else if (c.kind === 'extended-message') out.extended_message = true;
    else if (c.kind === 'multiprotocol') mp.push(familyLabel(familyKey(c.afi, c.safi)));
    else if (c.kind === 'graceful-restart') {
      out.graceful_restart = {
        eor: true,
        restart: c.restarting,
        ...(c.restartTime > 0 ? { timeout: c.restartTime } : {}),
        ...(c.notification ? { graceful_notification: true } : {}),
        ...(c.families.length > 0 ? { protocols: c.families.map((f) => ({ family: familyLabel(familyKey(f.afi, f.safi)), preserved: f.forwardingPreserved })) } : {}),
      };
    } else if (c.kind === 'add-path') {
      out['add-path'] = c.families.filter((f) => AP_MODES[f.sendReceive]).map((f) => ({ family: familyLabel(familyKey(f.afi, f.safi)), mode: AP_MODES[f.sendReceive]! }));
    } else if (c.kind === 'role') out.open_policy = ROLE_NAMES[c.role] ?? `role ${c.role}`;
  }
  if (mp.length > 0) out.multiprotocol = mp;
  return out;
}

/** What both sides agreed on. */
export function capabilitiesNegotiated(n: NegotiatedSession): CapabilitiesJson {
  const out: CapabilitiesJson = {
    as4byte: n.as4,
    refresh: n.routeRefresh,
    enhanced_refresh: n.enhancedRouteRefresh,
    extended_message: n.extendedMessage,
    multiprotocol: n.families.map(familyLabel),
  };
  const gr = n.peerGracefulRestart;
  if (n.localGracefulRestart && gr) {
    out.graceful_restart = {
      eor: true,
      restart: gr.restarting,
      ...(gr.restartTime > 0 ? { timeout: gr.restartTime } : {}),
      ...(n.gracefulNotification ? { graceful_notification: true } : {}),
      ...(gr.families.length > 0 ? { protocols: gr.families.map((f) => ({ family: familyLabel(f.family), preserved: f.forwardingPreserved })) } : {}),
    };
  }
  const ap = new Map<number, number>();
  for (const f of n.addPathReceive) ap.set(f, (ap.get(f) ?? 0) | AddPathMode.RECEIVE);
  for (const f of n.addPathSend) ap.set(f, (ap.get(f) ?? 0) | AddPathMode.SEND);
  if (ap.size > 0) out['add-path'] = [...ap].map(([f, m]) => ({ family: familyLabel(f), mode: AP_MODES[m]! }));
  if (n.peerRole !== undefined) out.open_policy = ROLE_NAMES[n.peerRole] ?? `role ${n.peerRole}`;
  return out;
}

export interface NeighborViewContext {
  engine: RouteEngine;
  /** The neighbour's configuration (group, max-prefix), when known. */
  neighbor?: NeighborConfig;
  now: number;
}

export function neighborView(p: Peer, ctx: NeighborViewContext): NeighborJson {
  const c = p.config;
  const conn = p.connection;
  const n = p.negotiated;
  const { now } = ctx;
  const nc = ctx.neighbor;
  const st = ctx.engine.stats(p);
  const established = p.state === 'Established';
  // bgpctl's last_updown: unset until the session first came up.
  const updown = established ? since(p.establishedAt, now) : p.establishedAt > 0 ? since(p.downSince, now) : undefined;
  const lastRead = conn ? since(conn.lastRead, now) : undefined;
  const lastWrite = conn ? since(conn.lastWrite, now) : undefined;
  const holdtime = n?.holdTime ?? c.holdTime;
  const keepalive = p.keepaliveSeconds();
  const ebgp = c.localAs !== c.remoteAs;

  // Every running timer of the neighbour and its session, as the session layer armed them.
  const timers: TimerJson[] = p.runningTimers().map((x) => ({ name: x.name, due: Math.round((x.dueAt - now) / 1000) }));

  const inSession = conn !== undefined && (p.state === 'OpenSent' || p.state === 'OpenConfirm' || established);
  const remoteCaps = p.remoteOpen && (p.state === 'OpenConfirm' || established) ? capabilitiesFromOpen(p.remoteOpen.capabilities) : undefined;
  const lastRx = p.lastErrorReceived;

  return {
    remote_as: c.remoteAs,
    ...(c.name !== c.remoteAddress ? { description: c.name } : {}),
    ...(nc?.group !== undefined ? { group: nc.group } : {}),
    remote_addr: c.remoteAddress,
    ...(established && p.remoteOpen ? { bgpid: p.remoteOpen.bgpId } : {}),
    state: p.state,
    last_updown: formatSince(updown),
    last_updown_sec: updown ?? 0,
    config: {
      passive: c.passive,
      down: p.adminDownReason !== undefined,
      multihop: ebgp && c.multihop !== undefined && c.multihop > 1,
      ...(ebgp && c.multihop !== undefined && c.multihop > 1 ? { multihop_distance: c.multihop } : {}),
      ttl_security: c.ttlSecurity !== undefined,
      holdtime: c.holdTime,
      connect_retry: c.connectRetry,
      ...(nc?.maxPrefixIn ? { max_prefix: nc.maxPrefixIn.limit } : {}),
      ...(nc?.maxPrefixIn?.restart !== undefined ? { max_prefix_restart: nc.maxPrefixIn.restart } : {}),
      ...(nc?.maxPrefixOut ? { max_out_prefix: nc.maxPrefixOut.limit } : {}),
      ...(nc?.maxPrefixOut?.restart !== undefined ? { max_out_prefix_restart: nc.maxPrefixOut.restart } : {}),
      ...(c.password !== undefined ? { authentication: 'md5sig' } : {}),
    },
    stats: {
      last_read: formatSince(lastRead),
      last_read_sec: lastRead ?? 0,
      last_write: formatSince(lastWrite),
      last_write_sec: lastWrite ?? 0,
      prefixes: { sent: st.prefixesOut, received: st.prefixesIn },
      message: { sent: messageCounts(p.sent), received: messageCounts(p.received) },
      update: {
        sent: { updates: st.updatesOut, withdraws: st.withdrawsOut, eor: st.eorOut },
        received: { updates: st.updatesIn, withdraws: st.withdrawsIn, eor: st.eorIn },
      },
    },
    ...(p.adminDownReason ? { my_shutdown_reason: p.adminDownReason } : {}),
    ...(lastRx?.shutdownCommunication ? { last_shutdown_reason: lastRx.shutdownCommunication } : {}),
    ...(p.lastErrorSent ? { last_error_sent: errorJson(p.lastErrorSent) } : {}),
    ...(lastRx ? { last_error_received: errorJson(lastRx) } : {}),
    ...(inSession
      ? {
          session: {
            holdtime,
            keepalive,
            local: { address: conn.localAddress, port: conn.localPort },
            remote: { address: conn.remoteAddress, port: conn.remotePort, ...(remoteCaps ? { capabilities: remoteCaps } : {}) },
            ...(n ? { capabilities: capabilitiesNegotiated(n) } : {}),
          },
        }
      : {}),
    timers,
    holdtime,
    keepalive,
    families: n ? n.families.map(familyName) : [],
    ...(conn ? { local: { address: conn.localAddress, port: conn.localPort }, remote: { address: conn.remoteAddress, port: conn.remotePort } } : {}),
    md5: c.password !== undefined,
    ...(p.adminDownReason !== undefined ? { admin_down_reason: p.adminDownReason } : {}),
    outq: p.outQueue,
  };
}
