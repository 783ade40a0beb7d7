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
