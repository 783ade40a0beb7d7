/**
 * What an interop test says about a peer daemon, independent of which daemon it is: its AS and
 * router id, its neighbors, what it originates. Each daemon module turns this into that daemon's
 * own configuration (accept and export everything for each neighbor) and answers state queries in
 * one vocabulary (RFC 4271 sec. 8.2.2 state names).
 */

import { isIP } from 'node:net';
import type { PeerKind } from '../availability';
import type { DaemonProcess } from '../process';

export type AddressFamily = 'ipv4' | 'ipv6';

export interface NeighborConfig {
  address: string;
  /** 1..4294967295; equal to the local AS makes it iBGP. */
  remoteAs: number;
  /** Source address for the session, and (where the daemon allows) the address it listens on. */
  localAddress?: string;
  /** TCP-MD5 (RFC 2385) password. */
  password?: string;
  /** Families carried on this session (default: the family of `address`). */
  families?: AddressFamily[];
  /** Overrides PeerConfig.holdTime for this neighbor. */
  holdTime?: number;
  /** eBGP multihop TTL; omitted = directly connected. */
  multihop?: number;
  /** Never connect out, only accept. */
  passive?: boolean;
  /** Free text for the daemon's description field. */
  description?: string;
}

export interface OriginatedRoute {
  /** `198.51.100.0/24` or `2001:db8:1000::/48`; the family follows from the prefix. */
  prefix: string;
  /** RFC 1997 communities as `asn16:value16`. */
  communities?: string[];
  /** RFC 8092 large communities as `asn32:value32:value32`. */
  largeCommunities?: string[];
}

export interface PeerConfig {
  /** 1..4294967295 (4-octet AS numbers, RFC 6793, are fine). */
  localAs: number;
  routerId: string;
  neighbors: NeighborConfig[];
  /** Hold time offered in OPEN, seconds (default 90). */
  holdTime?: number;
  routes?: OriginatedRoute[];
  /** Addresses to listen on (default: every neighbor's localAddress; none known = the daemon's default). */
  listenAddresses?: string[];
  /**
   * Turn on graceful restart (RFC 4724) for every session and family. Default: each daemon's own
   * default (BIRD and OpenBGPD announce the capability anyway; GoBGP does not, and without it GoBGP
   * sends no End-of-RIB).
   */
  gracefulRestart?: boolean;
}

/** RFC 4271 states, plus Down (administratively disabled) and Unknown (no such neighbor / no answer). */
export type SessionState =
  | 'Idle'
  | 'Connect'
  | 'Active'
  | 'OpenSent'
  | 'OpenConfirm'
  | 'Established'
  | 'Down'
  | 'Unknown';

export type RouteOrigin = 'IGP' | 'EGP' | 'INCOMPLETE';

/** One AS_PATH element as shown: an AS_SEQUENCE member, or an AS_SET as an array of its members. */
export type AsPathElement = number | number[];

/**
 * One path as a peer daemon shows it in its Adj-RIB-In, in one vocabulary for the three daemons.
 * What a daemon shows is not always what arrived on the wire (see each module's parser): BIRD
 * shows LOCAL_PREF 100 on an eBGP-learned path that came without one; OpenBGPD shows LOCAL_PREF 100
 * on every eBGP-learned path and MED 0 when none was received. GoBGP shows what it received.
 */
export interface ReceivedRoute {
  /** Lower case, as receivedPrefixes returns it. */
  prefix: string;
  origin?: RouteOrigin;
  /** AS_PATH, leftmost (most recently prepended) first; [] when empty (iBGP, own routes). */
  asPath: AsPathElement[];
  /** The global next hop (NEXT_HOP, or the one in MP_REACH_NLRI). */
  nextHop?: string;
  /** The IPv6 link-local next hop, where the daemon shows it (RFC 2545 sec. 3). */
  linkLocalNextHop?: string;
  med?: number;
  localPref?: number;
  /** RFC 1997 communities as `asn16:value16`, well-known ones in numbers too (`65535:65281`). */
  communities: string[];
  /** RFC 8092 large communities as `asn32:value32:value32`. */
  largeCommunities: string[];
}

/** A 32-bit community as `asn16:value16`. */
export function communityText(c: number): string {
  return `${Math.floor(c / 65536)}:${c % 65536}`;
}

/** RFC 1997 / RFC 3765 / RFC 7999 / RFC 8326 well-known communities by the names daemons print. */
const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NOPEER: 0xffffff04,
  NO_PEER: 0xffffff04,
};

/** `65000:1`, or a well-known name in any case with `-` or `_` (`NO_EXPORT`, `no-export`). */
export function normalizeCommunity(text: string): string {
  const name = text.trim().toUpperCase().replace(/-/g, '_');
  const known = WELL_KNOWN_COMMUNITIES[name];
  if (known !== undefined) return communityText(known);
  if (!/^\d+:\d+$/.test(text.trim())) throw new Error(`unrecognised community ${JSON.stringify(text)}`);
  return text.trim();
}

/**
 * AS_PATH text as BIRD and OpenBGPD print it: `4200000001 65001`, AS_SETs in braces (`{1 2}`,
 * `{ 1 2 }`, `{1,2}`); an empty string is an empty path. Confederation segments are not expected
 * in these tests and are an error.
 */
export function parseAsPathText(text: string): AsPathElement[] {
  const out: AsPathElement[] = [];
  let set: number[] | undefined;
  for (const tok of text.replace(/([{},])/g, ' $1 ').split(/\s+/).filter(Boolean)) {
    if (tok === '{') {
      if (set) throw new Error(`nested AS_SET in ${JSON.stringify(text)}`);
      set = [];
    } else if (tok === '}') {
      if (!set) throw new Error(`unbalanced } in ${JSON.stringify(text)}`);
      out.push(set);
      set = undefined;
    } else if (tok === ',') {
      if (!set) throw new Error(`comma outside an AS_SET in ${JSON.stringify(text)}`);
    } else if (/^\d+$/.test(tok) && Number(tok) <= 0xffffffff) {
      (set ?? out).push(Number(tok));
    } else {
      throw new Error(`unexpected ${JSON.stringify(tok)} in AS path ${JSON.stringify(text)}`);
    }
  }
  if (set) throw new Error(`unterminated AS_SET in ${JSON.stringify(text)}`);
  return out;
}

export function sortRoutes(routes: ReceivedRoute[]): ReceivedRoute[] {
  return [...routes].sort((x, y) => (x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0));
}

/** A running peer daemon with a uniform control surface. */
export interface PeerDaemon {
  readonly kind: PeerKind;
  readonly netns: string;
  /** Private directory holding its configuration, control socket and log. */
  readonly workDir: string;
  readonly configFile: string;
  readonly config: PeerConfig;
  readonly process: DaemonProcess;
  sessionState(neighbor: string): Promise<SessionState>;
  isEstablished(neighbor: string): Promise<boolean>;
  /** Prefixes received from the neighbor (its Adj-RIB-In), sorted; optionally one family only. */
  receivedPrefixes(neighbor: string, family?: AddressFamily): Promise<string[]>;
  /** The same paths with their attributes as the daemon shows them, sorted by prefix. */
  receivedRoutes(neighbor: string, family?: AddressFamily): Promise<ReceivedRoute[]>;
  /** Administrative shutdown; the message, if any, goes out as RFC 9003 Shutdown Communication. */
  disableNeighbor(neighbor: string, message?: string): Promise<void>;
  enableNeighbor(neighbor: string): Promise<void>;
  stop(): Promise<void>;
  logTail(maxLines?: number): string;
}

/** What every daemon module's start function takes. */
export interface StartPeerOptions {
  /** Network namespace to run in (one of a NetnsPair's ends). */
  netns: string;
  /** Private, existing directory for the configuration, control socket and log. */
  workDir: string;
  config: PeerConfig;
  /** File-name stem for config and log (default: the daemon kind). */
  name?: string;
  /** Hostname inside the daemon's private UTS namespace. */
  hostname?: string;
  /** Bound on waiting for the control interface to answer (default 10 s). */
  startTimeoutMs?: number;
}

export const DEFAULT_HOLD_TIME = 90;

export function familyOf(addressOrPrefix: string): AddressFamily {
  return addressOrPrefix.includes(':') ? 'ipv6' : 'ipv4';
}

export function neighborFamilies(n: NeighborConfig): AddressFamily[] {
  return n.families && n.families.length > 0 ? [...n.families] : [familyOf(n.address)];
}

export function routesOfFamily(cfg: PeerConfig, family: AddressFamily): OriginatedRoute[] {
  return (cfg.routes ?? []).filter((r) => familyOf(r.prefix) === family);
}

/** Listen addresses: explicit, else the neighbors' local addresses (deduplicated, in order). */
export function listenAddresses(cfg: PeerConfig): string[] {
  if (cfg.listenAddresses) return [...cfg.listenAddresses];
  const out: string[] = [];
  for (const n of cfg.neighbors) if (n.localAddress && !out.includes(n.localAddress)) out.push(n.localAddress);
  return out;
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new Error(`${what} out of range: ${v}`);
}

function checkPrefix(prefix: string): void {
  const [addr, len, extra] = prefix.split('/');
  const version = isIP(addr ?? '');
  const max = version === 4 ? 32 : 128;
  if (version === 0 || extra !== undefined || !/^\d{1,3}$/.test(len ?? '') || Number(len) > max) {
    throw new Error(`bad prefix ${JSON.stringify(prefix)}`);
  }
}

/**
 * Reject anything a writer would have to quote or could misread, so every writer can paste values
 * into its configuration language as they are.
 */
export function validatePeerConfig(cfg: PeerConfig): void {
  checkUint(cfg.localAs, 0xffffffff, 'local AS');
  if (cfg.localAs === 0) throw new Error('local AS 0');
  if (isIP(cfg.routerId) !== 4) throw new Error(`router id must be a dotted quad: ${cfg.routerId}`);
  checkUint(cfg.holdTime ?? DEFAULT_HOLD_TIME, 65535, 'hold time');
  for (const n of cfg.neighbors) {
    if (isIP(n.address) === 0) throw new Error(`bad neighbor address ${JSON.stringify(n.address)}`);
    if (n.localAddress !== undefined && isIP(n.localAddress) !== isIP(n.address)) {
      throw new Error(`local address ${n.localAddress} is not of the family of ${n.address}`);
    }
    checkUint(n.remoteAs, 0xffffffff, 'remote AS');
    if (n.remoteAs === 0) throw new Error('remote AS 0');
    if (n.holdTime !== undefined) checkUint(n.holdTime, 65535, 'hold time');
    if (n.multihop !== undefined) checkUint(n.multihop, 255, 'multihop TTL');
    if (n.password !== undefined && !/^[A-Za-z0-9_.,:+=@%-]{1,80}$/.test(n.password)) {
      throw new Error('password: use 1..80 of [A-Za-z0-9_.,:+=@%-] so every config language takes it unquoted');
    }
    if (n.description !== undefined && !/^[A-Za-z0-9_. -]{0,60}$/.test(n.description)) {
      throw new Error(`description ${JSON.stringify(n.description)}: letters, digits, space, _ . - only`);
    }
  }
  for (const r of cfg.routes ?? []) {
    checkPrefix(r.prefix);
    for (const c of r.communities ?? []) {
      const parts = c.split(':');
      if (parts.length !== 2 || !parts.every((p) => /^\d+$/.test(p) && Number(p) <= 0xffff)) {
        throw new Error(`bad community ${JSON.stringify(c)} (want asn16:value16)`);
      }
    }
    for (const c of r.largeCommunities ?? []) {
      const parts = c.split(':');
      if (parts.length !== 3 || !parts.every((p) => /^\d+$/.test(p) && Number(p) <= 0xffffffff)) {
        throw new Error(`bad large community ${JSON.stringify(c)} (want asn32:value32:value32)`);
      }
    }
  }
}

/** Messages sent as Shutdown Communication: printable, no quotes, at most 255 octets (RFC 9003). */
export function checkShutdownMessage(message: string): void {
  if (Buffer.byteLength(message, 'utf8') > 255 || !/^[\x20-\x7e]*$/.test(message) || /["'\\]/.test(message)) {
    throw new Error(`shutdown message must be printable ASCII without quotes or backslashes, at most 255 octets`);
  }
}

/** Sort prefixes for stable comparisons in tests. */
export function sortPrefixes(prefixes: Iterable<string>): string[] {
  return [...new Set(prefixes)].sort();
}
