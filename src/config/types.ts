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
}

/**
 * A named prefix set ([[prefix-set]]). Today each entry is a plain prefix in canonical form; the filter
 * engine will add entries that match more than one prefix (or-longer, length ranges), as OpenBGPD's
 * `prefix-set` has, so this list is of entries, not of announced networks.
 */
export interface PrefixSetConfig {
  name: string;
  /** Canonical "ADDRESS/LENGTH", in the order of the file, each once. */
  prefixes: string[];
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
}
