/**
 * The checks of a received OPEN against what this side expects (RFC 4271 sec. 6.2, RFC 6286
 * sec. 2.2, RFC 5492 sec. 3, RFC 6793 sec. 4.1, RFC 9234 sec. 4.2). Pure: the session passes in the
 * configuration and sends the NOTIFICATION this returns.
 *
 * Checks run in the order RFC 4271 sec. 6.2 lists them (version, peer AS, hold time, BGP
 * Identifier), then capabilities, then role; the first failure is returned.
 *
 * Departures and choices (RFC 4271 defines the Data field only for Unsupported Version Number):
 * - Bad Peer AS carries the AS the peer announced: 4 octets when it came from the 4-octet AS
 *   capability, else the 2-octet My AS field (as BIRD does).
 * - Bad BGP Identifier carries the 4-octet identifier; Unacceptable Hold Time the 2-octet hold time.
 * - Role Mismatch carries no data.
 * - An identifier equal to ours is refused from internal peers only (RFC 6286 sec. 2.2) when
 *   `localAs` is given; without it, it is refused from every peer (the older, stricter reading).
 */

import type { Capability } from './capabilities/types';
import { encodeCapabilityList } from './capabilities/codec';
import { capabilitiesOfKind, lastCapability } from './capabilities/lookup';
import { ipv4FromString } from './addr';
import { BgpError } from './errors';
import { ErrorCode, OpenSubcode, Role } from './iana';
import type { OpenMessage } from './open';

/** The BGP versions this speaker supports: only 4. */
export const BGP_VERSION = 4;

export interface OpenExpectations {
  /** Our BGP Identifier, dotted quad. */
  localBgpId: string;
  /** Our ASN: lets the identifier check tell internal from external peers (RFC 6286 sec. 2.2). */
  localAs?: number;
  /** We sent the 4-octet AS capability (default true). If not, the peer's My AS field is its AS. */
  localAs4Capable?: boolean;
  /** The peer AS we accept: one ASN or a list. Absent: any. */
  peerAs?: number | readonly number[];
  /** Smallest non-zero hold time we accept (default 3; RFC 4271 sec. 6.2 forbids 1 and 2). */
  minHoldTime?: number;
  /** Accept a hold time of 0, i.e. no keepalives (default true; RFC 4271 sec. 4.2 allows it). */
  allowZeroHoldTime?: boolean;
  /**
   * Capabilities the peer must send (RFC 5492 sec. 3). Multiprotocol must match AFI and SAFI,
   * ADD-PATH must cover each listed family, unknown must match the code; other kinds match by kind.
   */
  requiredCapabilities?: readonly Capability[];
  /** Our BGP Role (RFC 9234); role checks run only when set. */
  localRole?: number;
  /** RFC 9234 sec. 4.2 strict mode: the peer must send a Role capability. */
  strictRole?: boolean;
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

/** RFC 9234 sec. 4.2, Table 2: the role pairs (local, remote) that may form a session. */
const ALLOWED_ROLE_PAIRS: readonly (readonly [number, number])[] = [
  [Role.PROVIDER, Role.CUSTOMER],
  [Role.CUSTOMER, Role.PROVIDER],
  [Role.RS, Role.RS_CLIENT],
  [Role.RS_CLIENT, Role.RS],
  [Role.PEER, Role.PEER],
];

export function rolesCompatible(local: number, remote: number): boolean {
  return ALLOWED_ROLE_PAIRS.some(([l, r]) => l === local && r === remote);
}

function capabilityPresent(want: Capability, have: readonly Capability[]): boolean {
  switch (want.kind) {
    case 'multiprotocol':
      return capabilitiesOfKind(have, 'multiprotocol').some((c) => c.afi === want.afi && c.safi === want.safi);
    case 'add-path': {
      const offered = capabilitiesOfKind(have, 'add-path').flatMap((c) => c.families);
      return want.families.every((f) => offered.some((o) => o.afi === f.afi && o.safi === f.safi));
    }
    case 'unknown':
      return have.some((c) => c.kind === 'unknown' && c.code === want.code);
    default:
      return have.some((c) => c.kind === want.kind);
  }
}

/** Returns null if the OPEN is acceptable, else the NOTIFICATION to send (as a BgpError). */
export function checkOpen(open: OpenMessage, expect: OpenExpectations): BgpError | null {
  // RFC 4271 sec. 6.2: unsupported version -> subcode 1, data = the largest locally supported
  // version below the one bid, or the smallest we support if all are above it: with only version 4
  // that is 4 either way, as 2 octets.
  if (open.version !== BGP_VERSION) {
    return new BgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_VERSION_NUMBER, u16(BGP_VERSION), `unsupported BGP version ${open.version}`);
  }

  // RFC 6793 sec. 4.1: a NEW speaker takes the peer's AS from the 4-octet AS capability; without
  // that capability (or when we did not send ours) it is the My AS field.
  const as4Cap = expect.localAs4Capable === false ? undefined : lastCapability(open.capabilities, 'four-octet-as');
  const asn = as4Cap ? as4Cap.asn : open.myAs;
  if (expect.peerAs !== undefined) {
    const allowed = typeof expect.peerAs === 'number' ? [expect.peerAs] : expect.peerAs;
    if (!allowed.includes(asn)) {
      // RFC 4271 sec. 6.2: the AS is not the expected one -> Bad Peer AS.
      return new BgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_PEER_AS, as4Cap ? u32(asn) : u16(asn), `unexpected peer AS ${asn}`);
    }
  }

  // RFC 4271 sec. 6.2: Hold Time of 1 or 2 MUST be rejected, others MAY be -> Unacceptable Hold Time.
  const minHold = Math.max(expect.minHoldTime ?? 3, 3);
  const zeroOk = expect.allowZeroHoldTime ?? true;
  if (open.holdTime === 0 ? !zeroOk : open.holdTime < minHold) {
    return new BgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNACCEPTABLE_HOLD_TIME, u16(open.holdTime), `unacceptable hold time ${open.holdTime}`);
  }

  // RFC 6286 sec. 2.2: an identifier of zero, or equal to ours from an internal peer -> Bad BGP
  // Identifier.
  const id = ipv4FromString(open.bgpId) ?? 0;
  const internal = expect.localAs === undefined || asn === expect.localAs;
  if (id === 0 || (internal && id === ipv4FromString(expect.localBgpId))) {
    return new BgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_BGP_IDENTIFIER, u32(id), `bad BGP identifier ${open.bgpId}`);
  }

  // RFC 5492 sec. 3: a capability we need is missing -> Unsupported Capability, and the data MUST
  // contain the capability or capabilities that cause the NOTIFICATION.
  const missing = (expect.requiredCapabilities ?? []).filter((c) => !capabilityPresent(c, open.capabilities));
  if (missing.length > 0) {
    return new BgpError(
      ErrorCode.OPEN_MESSAGE,
      OpenSubcode.UNSUPPORTED_CAPABILITY,
      encodeCapabilityList(missing),
      `peer lacks required capabilities: ${missing.map((c) => c.kind).join(', ')}`,
    );
  }

  if (expect.localRole !== undefined) {
    const roles = capabilitiesOfKind(open.capabilities, 'role').map((c) => c.role);
    // RFC 9234 sec. 4.2: Role capabilities with differing values -> Role Mismatch.
    if (roles.some((r) => r !== roles[0])) {
      return new BgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.ROLE_MISMATCH, Buffer.alloc(0), 'peer sent differing BGP Roles');
    }
    // RFC 9234 sec. 4.2: strict mode and no Role capability -> Role Mismatch.
    if (roles.length === 0 && expect.strictRole) {
      return new BgpError(ErrorCode.OPEN_MESSAGE, OpenSubcode.ROLE_MISMATCH, Buffer.alloc(0), 'peer sent no BGP Role (strict mode)');
    }
    // RFC 9234 sec. 4.2: a role pair not in Table 2 -> Role Mismatch.
    if (roles.length > 0 && !rolesCompatible(expect.localRole, roles[0]!)) {
      return new BgpError(
        ErrorCode.OPEN_MESSAGE,
        OpenSubcode.ROLE_MISMATCH,
        Buffer.alloc(0),
        `BGP Role ${roles[0]} does not pair with our role ${expect.localRole}`,
      );
    }
  }
  return null;
}
