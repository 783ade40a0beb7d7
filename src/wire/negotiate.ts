/**
 * Session parameters from the two OPENs (RFC 4271 sec. 4.2 hold time; RFC 5492 capabilities;
 * RFC 4760 sec. 8 families; RFC 6793 4-octet AS; RFC 2918 / RFC 7313 route refresh; RFC 8654
 * Extended Message; RFC 7911 sec. 4 ADD-PATH; RFC 4724 / RFC 8538 Graceful Restart; RFC 9234 roles)
 * and the two CodecContexts that follow from them. Pure; run after checkOpen() accepted the peer.
 *
 * Departures and choices:
 * - A side that sends no Multiprotocol capability at all is taken to support IPv4 unicast only
 *   (RFC 4760 sec. 8 keeps IPv4 unicast as the default of plain BGP-4).
 * - Hold time is the smaller of the two (RFC 4271 sec. 4.2); 1 and 2 are raised to 3, since they are
 *   illegal and checkOpen() should have refused them already.
 * - ADD-PATH is computed per family regardless of the Multiprotocol result; routes of a family that
 *   was not negotiated never reach the RIB anyway. Send/Receive values outside 1..3 are ignored.
 * - For single-valued capabilities the last instance wins (see capabilities/lookup.ts).
 */

import type { Capability } from './capabilities/types';
import { AddPathMode } from './capabilities/types';
import { capabilitiesOfKind, hasCapability, lastCapability } from './capabilities/lookup';
import type { CodecContext } from './context';
import { makeContext } from './context';
import { FamilyKey, IPV4_UNICAST, familyKey } from './iana';
import type { OpenMessage } from './open';

export interface PeerGracefulRestart {
  /** R bit: the peer has just restarted. */
  restarting: boolean;
  /** N bit (RFC 8538). */
  notification: boolean;
  /** Seconds. */
  restartTime: number;
  families: { family: FamilyKey; forwardingPreserved: boolean }[];
}

export interface NegotiatedSession {
  /** The peer's AS: from its 4-octet AS capability when both sides sent one, else My AS. */
  peerAs: number;
  /** Seconds; 0 (no keepalives, no hold timer) or at least 3. */
  holdTime: number;
  /** Families both sides announced, in the order of our OPEN. */
  families: FamilyKey[];
  as4: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  extendedMessage: boolean;
  /** Families whose NLRI we receive with Path Identifiers: we said receive, the peer said send. */
  addPathReceive: FamilyKey[];
  /** Families whose NLRI we send with Path Identifiers: we said send, the peer said receive. */
  addPathSend: FamilyKey[];
  /** We sent a Graceful Restart capability. */
  localGracefulRestart: boolean;
  /** The peer's Graceful Restart capability, when it sent one. */
  peerGracefulRestart?: PeerGracefulRestart;
  /** Both sides set the N bit: Graceful Restart also covers NOTIFICATION (RFC 8538 sec. 2). */
  gracefulNotification: boolean;
  /** RFC 9234 roles as announced (undefined when a side sent none). */
  localRole?: number;
  peerRole?: number;
  /** For decoding what the peer sends. */
  decode: CodecContext;
  /** For encoding what we send. */
  encode: CodecContext;
}

const HOLD_TIME_FLOOR = 3;

/** RFC 4760 sec. 8: the families a side announced, or IPv4 unicast when it sent none. */
export function announcedFamilies(caps: readonly Capability[]): FamilyKey[] {
  const mp = capabilitiesOfKind(caps, 'multiprotocol');
  if (mp.length === 0) return [IPV4_UNICAST];
  const out: FamilyKey[] = [];
  for (const c of mp) {
    const k = familyKey(c.afi, c.safi);
    if (!out.includes(k)) out.push(k);
  }
  return out;
}

/** ADD-PATH Send/Receive per family (RFC 7911 sec. 4), later entries overriding earlier ones. */
function addPathModes(caps: readonly Capability[]): Map<FamilyKey, number> {
  const modes = new Map<FamilyKey, number>();
  for (const c of capabilitiesOfKind(caps, 'add-path')) {
    for (const f of c.families) {
      const k = familyKey(f.afi, f.safi);
      if (f.sendReceive >= AddPathMode.RECEIVE && f.sendReceive <= AddPathMode.BOTH) modes.set(k, f.sendReceive);
      else modes.delete(k);
    }
  }
  return modes;
}

function negotiatedHoldTime(local: number, remote: number): number {
  const hold = Math.min(local, remote);
  return hold === 0 ? 0 : Math.max(hold, HOLD_TIME_FLOOR);
}

export function negotiate(localOpen: OpenMessage, remoteOpen: OpenMessage): NegotiatedSession {
  const local = localOpen.capabilities;
  const remote = remoteOpen.capabilities;
  const both = (kind: Capability['kind']): boolean => hasCapability(local, kind) && hasCapability(remote, kind);

  const remoteFamilies = announcedFamilies(remote);
  const families = announcedFamilies(local).filter((k) => remoteFamilies.includes(k));

  const as4 = both('four-octet-as');
  const peerAs = as4 ? lastCapability(remote, 'four-octet-as')!.asn : remoteOpen.myAs;
  const extendedMessage = both('extended-message');

  const localModes = addPathModes(local);
  const remoteModes = addPathModes(remote);
  const addPathReceive: FamilyKey[] = [];
  const addPathSend: FamilyKey[] = [];
  for (const [k, mine] of localModes) {
    const theirs = remoteModes.get(k) ?? 0;
    // RFC 7911 sec. 4: Path Identifiers flow in a direction only if the sender said send and the
    // receiver said receive.
    if (mine & AddPathMode.RECEIVE && theirs & AddPathMode.SEND) addPathReceive.push(k);
    if (mine & AddPathMode.SEND && theirs & AddPathMode.RECEIVE) addPathSend.push(k);
  }

  const localGr = lastCapability(local, 'graceful-restart');
  const remoteGr = lastCapability(remote, 'graceful-restart');
  const peerGracefulRestart: PeerGracefulRestart | undefined = remoteGr && {
    restarting: remoteGr.restarting,
    notification: remoteGr.notification,
    restartTime: remoteGr.restartTime,
    families: remoteGr.families.map((f) => ({ family: familyKey(f.afi, f.safi), forwardingPreserved: f.forwardingPreserved })),
  };

  const session: NegotiatedSession = {
    peerAs,
    holdTime: negotiatedHoldTime(localOpen.holdTime, remoteOpen.holdTime),
    families,
    as4,
    routeRefresh: both('route-refresh'),
    enhancedRouteRefresh: both('enhanced-route-refresh'),
    extendedMessage,
    addPathReceive,
    addPathSend,
    localGracefulRestart: localGr !== undefined,
    gracefulNotification: (localGr?.notification ?? false) && (remoteGr?.notification ?? false),
    decode: makeContext({ as4, extendedMessage, addPath: new Set(addPathReceive) }),
    encode: makeContext({ as4, extendedMessage, addPath: new Set(addPathSend) }),
  };
  if (peerGracefulRestart) session.peerGracefulRestart = peerGracefulRestart;
  const localRole = lastCapability(local, 'role')?.role;
  const peerRole = lastCapability(remote, 'role')?.role;
  if (localRole !== undefined) session.localRole = localRole;
  if (peerRole !== undefined) session.peerRole = peerRole;
  return session;
}
