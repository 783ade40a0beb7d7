/**
 * The compiled configuration: what config/load.ts produces from bgpd.toml and everything else
 * consumes. Groups are already folded into their neighbours, defaults are explicit, addresses are
 * validated and families are FamilyKeys. Passwords are held in Secret so that printing, logging or
 * JSON-serialising a config never shows them.
 */

import type { FamilyKey } from '../wire/iana';

/** A secret string: toString/toJSON/inspect all redact it. Read it with reveal(). */
export class Secret {
  readonly #value: string;
  /** Where it came from, for messages: "inline" or the password file's path. */
  readonly source: string;
  constructor(value: string, source = 'inline') {
    this.#value = value;
    this.source = source;
  }
  reveal(): string {
    return this.#value;
  }
  equals(other: Secret | undefined): boolean {
    return other !== undefined && other.#value === this.#value;
  }
  toString(): string {
    return '<redacted>';
  }
  toJSON(): string {
    return '<redacted>';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(<redacted>)';
  }
}

export interface ListenConfig {
  host: string;
  port: number;
}

export interface MaxPrefix {
  limit: number;
  /** Minutes before the session may come back after a max-prefix Cease; absent: stays down. */
  restart?: number;
}

export interface NeighborConfig {
  address: string;
  remoteAs: number;
  description?: string;
  group?: string;
  localAddress?: string;
  port: number;
  passive: boolean;
  /** eBGP multihop TTL. */
  multihop?: number;
  /** GTSM (RFC 5082): hops the neighbour may be away. */
  ttlSecurity?: number;
  holdTime: number;
  connectRetry: number;
  password?: Secret;
  /** Where the password was read from, when it came from a file (kept for printing). */
  passwordFile?: string;
  families: FamilyKey[];
  nextHopSelf: boolean;
  /** IPv6 next hop to announce on this session when next-hop-self applies (else the session's). */
  nextHop6?: string;
  routeReflectorClient: boolean;
  /** RFC 9234 role, as its Role capability value. */
  role?: number;
  strictRole: boolean;
  maxPrefixIn?: MaxPrefix;
  maxPrefixOut?: MaxPrefix;
  enforceFirstAs: boolean;
  /** Administratively down with this reason. */
  down?: string;
  gracefulRestart: boolean;
  /** Send MED to this eBGP neighbour (default: not propagated). */
  sendMed: boolean;
  /** Accept this many occurrences of our own AS in received paths (allowas-in). */
  allowOwnAs: number;
  /**
   * What this neighbour is sent (bgpd's `announce`): every best path the BGP rules allow, only the
   * networks we originate, or nothing. Default: all for iBGP, self for eBGP (a PoP never gives one
   * upstream's routes to another).
   */
  announce: 'all' | 'self' | 'none';
  /** Log every UPDATE received from and sent to this neighbour (at info level). */
  logUpdates: boolean;
}

export interface NetworkConfig {
  prefix: string;
  family: FamilyKey;
  origin: number;
  communities: number[];
  largeCommunities: [number, number, number][];
  med?: number;
  localPref?: number;
  /** Next hop to announce instead of next-hop-self. */
  nextHop?: string;
  /**
   * The [[prefix-set]] this network came from, when its [[network]] entry named a set (`set = "..."`)
   * rather than one prefix: a label for printing the entry back, not an attribute (nothing announced
   * depends on it).
   */
  fromSet?: string;
  /** The [[health-check]] whose state decides whether (and how) this network is announced. */
  healthCheck?: string;
}

/**
 * One entry of a prefix set or of a filter's `prefix` list: a prefix and the lengths it accepts.
 * A plain prefix accepts its own length only (min = max = length); `or-longer` accepts length..bits;
 * `prefixlen` ranges anything in between. A candidate matches when its first `length` bits equal the
 * prefix's and its own length lies in min..max (OpenBGPD's prefix-set semantics).
 */
export interface PrefixItem {
  /** Canonical "ADDRESS/LENGTH". */
  prefix: string;
  family: FamilyKey;
  length: number;
  min: number;
  max: number;
}

/** A named prefix set ([[prefix-set]]). */
export interface PrefixSetConfig {
  name: string;
  /** In the order of the file, each once (by canonical text). */
  prefixes: PrefixItem[];
}

/** A named AS set ([[as-set]]): inclusive ranges [first, last], a single AS being [n, n]. */
export interface AsSetConfig {
  name: string;
  asns: [number, number][];
}

/**
 * A named community set ([[community-set]]). Values are canonical text (policy/communities.ts):
 * "65000:1", "NO_EXPORT", "65000:*"; "65000:1:1"; "rt 65000:1", "soo 192.0.2.1:5".
 */
export interface CommunitySetConfig {
  name: string;
  communities: string[];
  largeCommunities: string[];
  extCommunities: string[];
}

/** Which neighbours a filter rule applies to. */
export type PeerSelector =
  | { kind: 'any' }
  | { kind: 'ibgp' }
  | { kind: 'ebgp' }
  | { kind: 'neighbor'; address: string }
  | { kind: 'group'; name: string }
  | { kind: 'remote-as'; asn: number };

/** An AS condition's operand: one AS number or an [[as-set]] (user or built-in) by name. */
export type AsOperand = { asn: number } | { set: string };

/** Lengths accepted for every entry of a prefix set named by a rule (see FilterRuleConfig.prefixSetLength). */
export type LengthQualifier = { orLonger: true } | { min: number; max: number };

/** `local-pref = 200` sets, `"+10"` adds, `"-10"` subtracts (clamped to 0..2^32-1). */
export interface ValueChange {
  op: 'set' | 'add' | 'sub';
  value: number;
}

/**
 * What a matching allow or match rule changes. Applied in this fixed order within one rule:
 * local-pref, med, origin, next-hop, prepend-self, prepend-neighbor, then for each kind of community
 * first its deletions, then its additions (so delete "65000:*" + add "65000:1" replaces).
 */
export interface FilterSetConfig {
  localPref?: ValueChange;
  med?: ValueChange;
  origin?: number;
  /** "self", "blackhole" (both `to` rules only) or a canonical address. */
  nextHop?: string;
  prependSelf?: number;
  prependNeighbor?: number;
  community?: string[];
  communityDelete?: string[];
  largeCommunity?: string[];
  largeCommunityDelete?: string[];
  extCommunity?: string[];
  extCommunityDelete?: string[];
}

/**
 * One [[filter]] rule. Every condition given must hold for the rule to match; absent ones do not
 * constrain. Community values are canonical text, as in CommunitySetConfig.
 */
export interface FilterRuleConfig {
  action: 'allow' | 'deny' | 'match';
  /** from = import (routes received from the neighbour), to = export (routes sent to it). */
  direction: 'from' | 'to';
  quick: boolean;
  peer: PeerSelector;
  family?: FamilyKey;
  /** Inline prefixes (any of them). */
  prefixes?: PrefixItem[];
  /** A [[prefix-set]] or the built-in "bogons" (any of its entries). */
  prefixSet?: string;
  /**
   * Overrides the lengths each entry of prefixSet accepts: or-longer widens an entry to
   * entry.min..bits; a range gives max(entry length, min)..max.
   */
  prefixSetLength?: LengthQualifier;
  sourceAs?: AsOperand;
  transitAs?: AsOperand;
  peerAs?: AsOperand;
  /** `as`: anywhere in the path. */
  anyAs?: AsOperand;
  /** Matches paths longer than this (RFC 4271 path length: an AS_SET counts as one). */
  maxAsLen?: number;
  communities?: string[];
  largeCommunities?: string[];
  extCommunities?: string[];
  communitySet?: string;
  /** Canonical next-hop address. */
  nextHop?: string;
  set: FilterSetConfig;
}

/** Everything the policy engine compiles (policy/compilePolicy): the user's sets and rules. */
export interface PolicyConfig {
  /** RFC 8212: without an allow rule, nothing is accepted from or sent to an eBGP neighbour. */
  ebgpRequiresPolicy: boolean;
  /** User sets only; the built-in "bogons" and "bogon-asns" are added by the engine. */
  prefixSets: PrefixSetConfig[];
  asSets: AsSetConfig[];
  communitySets: CommunitySetConfig[];
  /** In the order of the file. */
  rules: FilterRuleConfig[];
}

/** A [[health-check]]: a probe whose state decides whether the networks bound to it are announced. */
export interface HealthCheckConfig {
  name: string;
  type: 'exec' | 'tcp' | 'http';
  /** exec: run with /bin/sh -c. */
  command?: string;
  /** tcp. */
  host?: string;
  port?: number;
  /** http: GET this URL; healthy on status expectStatus (default 200) and a body matching bodyMatch. */
  url?: string;
  expectStatus: number;
  /** A regular expression. */
  bodyMatch?: string;
  /** Seconds; defaults 5, 1, 2. */
  interval: number;
  fastInterval: number;
  timeout: number;
  /** Consecutive results to go up / down; defaults 3, 3. */
  rise: number;
  fall: number;
  /** While this file exists the check reports down (an operator's switch). Absolute. */
  disableFile?: string;
  /** What a down check does to its networks: withdraw them, or announce them degraded. */
  onFailure: 'withdraw' | 'degrade';
  /** degrade: prepend our AS this many times. */
  degradePrepend: number;
  degradeCommunities: number[];
  degradeLargeCommunities: [number, number, number][];
}

export interface ControlConfig {
  socket: string;
  /** File mode of the socket, e.g. 0o660. */
  mode: number;
  /** A second, read-only socket for monitoring users. */
  restrictedSocket?: string;
}

export interface MetricsConfig {
  host: string;
  port: number;
}

export interface DaemonConfig {
  localAs: number;
  routerId: string;
  listen: ListenConfig[];
  control: ControlConfig;
  metrics?: MetricsConfig;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  holdTime: number;
  connectRetry: number;
  /** FQDN capability hostname; absent = do not send it. */
  hostname?: string;
  neighbors: NeighborConfig[];
  /** Named prefix sets, in the order of the file. */
  prefixSets: PrefixSetConfig[];
  /** What we originate: one entry per prefix, [[network]] entries naming a set already expanded. */
  networks: NetworkConfig[];
  /** Compare MED between routes from different neighbour ASes (always-compare-med). */
  alwaysCompareMed: boolean;
  /** RFC 8212 default-deny for eBGP (also in policy; kept here for the global section). */
  ebgpRequiresPolicy: boolean;
  /** Named AS sets and community sets, in the order of the file (the same arrays as in policy). */
  asSets: AsSetConfig[];
  communitySets: CommunitySetConfig[];
  /** The filter rules and the sets they use: what policy/compilePolicy takes. */
  policy: PolicyConfig;
  healthChecks: HealthCheckConfig[];
  /** Seconds to wait on shutdown after withdrawing (graceful shutdown) before closing sessions. */
  shutdownWait: number;
  /** Seconds a drain (GRACEFUL_SHUTDOWN community) waits before the withdrawal. */
  drainWait: number;
}
