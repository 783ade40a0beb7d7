/**
 * The bgpd.toml schema: which keys each section may hold, the defaults, the names accepted for
 * enumerated settings, and TableReader, which reads typed values out of one parsed TOML table and
 * reports unknown keys, wrong types and out-of-range numbers at their positions.
 *
 * Integers arrive as BigInt (the parser runs with integersAsBigInt) so that `hold-time = 90.0` is
 * told apart from `hold-time = 90`, and 2^53 or more is never silently rounded.
 *
 * Named sets ([[prefix-set]], [[as-set]], [[community-set]]) serve [[network]] entries and [[filter]]
 * rules (config/policy.ts); [[health-check]] probes decide which networks are announced
 * (config/health-checks.ts).
 */

import { IPV4_UNICAST, IPV6_UNICAST, Origin, Role, type FamilyKey } from '../wire/iana';
import { didYouMean, ErrorCollector } from './errors';
import { checkAsNumber, MAX_U32, parseAddress, parseAsDot, type Parsed, type ParsedAddress } from './values';

export type TomlTable = Record<string, unknown>;

export const TOP_LEVEL_KEYS = ['global', 'control', 'metrics', 'group', 'neighbor', 'prefix-set', 'as-set', 'community-set', 'filter', 'health-check', 'network'] as const;
export const GLOBAL_KEYS = ['local-as', 'router-id', 'listen', 'port', 'hold-time', 'connect-retry', 'log-level', 'hostname', 'always-compare-med', 'ebgp-requires-policy', 'shutdown-wait', 'drain-wait'] as const;
export const LISTEN_KEYS = ['address', 'port'] as const;
export const CONTROL_KEYS = ['socket', 'mode', 'restricted-socket'] as const;
export const METRICS_KEYS = ['listen'] as const;
/** Settings a neighbour may take from its group or set itself. */
export const PEER_KEYS = [
  'remote-as',
  'description',
  'local-address',
  'port',
  'passive',
  'multihop',
  'ttl-security',
  'hold-time',
  'connect-retry',
  'password',
  'password-file',
  'families',
  'next-hop-self',
  'next-hop6',
  'route-reflector-client',
  'role',
  'strict-role',
  'max-prefix-in',
  'max-prefix-out',
  'enforce-first-as',
  'down',
  'graceful-restart',
  'send-med',
  'allow-own-as',
  'announce',
  'log-updates',
] as const;
/** Keys that identify one neighbour and so cannot come from a group. */
export const NEIGHBOR_ONLY_KEYS = ['address', 'group'] as const;
export const NEIGHBOR_KEYS = [...NEIGHBOR_ONLY_KEYS, ...PEER_KEYS] as const;
export const GROUP_KEYS = ['name', ...PEER_KEYS] as const;
export const MAX_PREFIX_KEYS = ['limit', 'restart'] as const;
export const PREFIX_SET_KEYS = ['name', 'prefixes'] as const;
export const NETWORK_KEYS = ['prefix', 'set', 'origin', 'communities', 'large-communities', 'med', 'local-pref', 'next-hop', 'health-check'] as const;
export const AS_SET_KEYS = ['name', 'asns'] as const;
export const COMMUNITY_SET_KEYS = ['name', 'communities', 'large-communities', 'ext-communities'] as const;
export const FILTER_KEYS = [
  'action',
  'direction',
  'quick',
  'peer',
  'neighbor',
  'group',
  'remote-as',
  'family',
  'prefix',
  'prefix-set',
  'or-longer',
  'prefixlen',
  'source-as',
  'transit-as',
  'peer-as',
  'as',
  'max-as-len',
  'community',
  'large-community',
  'ext-community',
  'community-set',
  'next-hop',
  'set',
] as const;
export const FILTER_SET_KEYS = [
  'local-pref',
  'med',
  'origin',
  'next-hop',
  'prepend-self',
  'prepend-neighbor',
  'community',
  'community-delete',
  'large-community',
  'large-community-delete',
  'ext-community',
  'ext-community-delete',
] as const;
export const HEALTH_CHECK_KEYS = [
  'name',
  'type',
  'command',
  'host',
  'port',
  'url',
  'expect-status',
  'body-match',
  'interval',
  'fast-interval',
  'timeout',
  'rise',
  'fall',
  'disable-file',
  'on-failure',
  'degrade-prepend',
  'degrade-communities',
  'degrade-large-communities',
] as const;

export const DEFAULTS = {
  port: 179,
  listen: ['0.0.0.0', '::'],
  holdTime: 90,
  connectRetry: 120,
  logLevel: 'info',
  controlSocket: '/run/tsbgpd/tsbgpd.sock',
  controlMode: 0o660,
  families: [IPV4_UNICAST, IPV6_UNICAST] as FamilyKey[],
  passive: false,
  nextHopSelf: false,
  routeReflectorClient: false,
  strictRole: false,
  gracefulRestart: true,
  sendMed: false,
  allowOwnAs: 0,
  origin: Origin.IGP,
  logUpdates: false,
  ebgpRequiresPolicy: true,
  shutdownWait: 5,
  drainWait: 30,
  health: { expectStatus: 200, interval: 5, fastInterval: 1, timeout: 2, rise: 3, fall: 3, onFailure: 'withdraw', degradePrepend: 0 },
} as const;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const FAMILY_NAMES: Readonly<Record<string, FamilyKey>> = { 'ipv4-unicast': IPV4_UNICAST, 'ipv6-unicast': IPV6_UNICAST };
/** RFC 9234 roles: the role this speaker takes towards the neighbour (what its OPEN announces). */
export const ROLE_NAMES: Readonly<Record<string, number>> = {
  provider: Role.PROVIDER,
  rs: Role.RS,
  'rs-client': Role.RS_CLIENT,
  customer: Role.CUSTOMER,
  peer: Role.PEER,
};
/** bgpd's `announce`: what a neighbour is sent. */
export const ANNOUNCE_NAMES: Readonly<Record<string, number>> = { all: 0, self: 1, none: 2 };
export const ANNOUNCE_VALUES = ['all', 'self', 'none'] as const;
export const ORIGIN_NAMES: Readonly<Record<string, number>> = { igp: Origin.IGP, egp: Origin.EGP, incomplete: Origin.INCOMPLETE };

/** The name of a value in a lookup table (for printing). */
export function nameOf(table: Readonly<Record<string, number>>, value: number): string {
  const hit = Object.entries(table).find(([, v]) => v === value);
  if (!hit) throw new Error(`no name for ${value}`);
  return hit[0];
}

/** "a string", "an integer", ... for messages. */
export function tomlTypeName(v: unknown): string {
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'bigint') return 'an integer';
  if (typeof v === 'number') return 'a float';
  if (typeof v === 'boolean') return 'a boolean';
  if (Array.isArray(v)) return 'an array';
  if (isTable(v)) return 'a table';
  return 'a date-time';
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export interface IntRange {
  min: number;
  max: number;
  /** The range message when it is not simply "between min and max". */
  message?: string;
  /** Values outside min..max that are still allowed (hold-time 0). */
  also?: readonly number[];
}

/**
 * Reads one table. Each getter returns undefined when the key is absent, or when its value is wrong
 * (after reporting that), so callers fall back to defaults and carry on collecting errors.
 */
export class TableReader {
  constructor(
    readonly errors: ErrorCollector,
    /** Dotted path of this table: "global", "neighbor[2]", "neighbor[2].max-prefix-in". */
    readonly path: string,
    readonly table: TomlTable,
    allowed: readonly string[],
    /** Extra explanation for keys that exist elsewhere but not here (e.g. "address" in a group). */
    misplaced: Readonly<Record<string, string>> = {},
    /** What the keys are called in messages: "key", or "section" at the top level. */
    noun = 'key',
  ) {
    for (const key of Object.keys(table)) {
      if (allowed.includes(key)) continue;
      const why = misplaced[key];
      errors.atKey(this.field(key), why ?? `unknown ${noun} "${key}"${didYouMean(key, allowed)}`);
    }
  }

  field(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.table, key);
  }

  raw(key: string): unknown {
    return this.has(key) ? this.table[key] : undefined;
  }

  integer(key: string, range: IntRange): number | undefined {
    return this.has(key) ? checkInteger(this.errors, this.field(key), this.table[key], range) : undefined;
  }

  boolean(key: string): boolean | undefined {
    if (!this.has(key)) return undefined;
    const v = this.table[key];
    if (typeof v === 'boolean') return v;
    this.errors.atValue(this.field(key), `expected a boolean (true or false), got ${tomlTypeName(v)}`);
    return undefined;
  }

  string(key: string, opts: { nonEmpty?: boolean; maxBytes?: number } = {}): string | undefined {
    return this.has(key) ? checkString(this.errors, this.field(key), this.table[key], opts) : undefined;
  }

  array(key: string): unknown[] | undefined {
    if (!this.has(key)) return undefined;
    const v = this.table[key];
    if (Array.isArray(v)) return v;
    this.errors.atValue(this.field(key), `expected an array, got ${tomlTypeName(v)}`);
    return undefined;
  }

  /** An AS number: a TOML integer (asplain) or an asdot string ("1.10"). */
  asNumber(key: string): number | undefined {
    if (!this.has(key)) return undefined;
    const v = this.table[key];
    let parsed: Parsed<number>;
    if (typeof v === 'bigint') parsed = v >= 0n && v <= BigInt(MAX_U32) ? checkAsNumber(Number(v)) : { ok: false, message: `AS number must be between 1 and ${MAX_U32}` };
    else if (typeof v === 'string') parsed = parseAsDot(v);
    else parsed = { ok: false, message: `expected an AS number (an integer, or an asdot string like "1.10"), got ${tomlTypeName(v)}` };
    if (parsed.ok) return parsed.value;
    this.errors.atValue(this.field(key), parsed.message);
    return undefined;
  }

  /** An IPv4 or IPv6 address, in canonical form; `family` restricts it to one. */
  address(key: string, family?: FamilyKey): ParsedAddress | undefined {
    const s = this.string(key);
    if (s === undefined) return undefined;
    const parsed = parseAddress(s);
    if (!parsed.ok) this.errors.atValue(this.field(key), parsed.message);
    else if (family !== undefined && parsed.value.family !== family) {
      this.errors.atValue(this.field(key), `"${s}" is not an ${family === IPV4_UNICAST ? 'IPv4' : 'IPv6'} address`);
    } else return parsed.value;
    return undefined;
  }

  /** A string that must be one of `names` (a lookup table or a list). */
  choice<T>(key: string, names: Readonly<Record<string, T>>, what: string): T | undefined {
    const s = this.string(key);
    if (s === undefined) return undefined;
    if (Object.prototype.hasOwnProperty.call(names, s)) return names[s];
    const all = Object.keys(names);
    this.errors.atValue(this.field(key), `unknown ${what} "${s}"${didYouMean(s, all)}; expected one of: ${all.join(', ')}`);
    return undefined;
  }
}

export function checkInteger(errors: ErrorCollector, field: string, v: unknown, range: IntRange): number | undefined {
  if (typeof v !== 'bigint') {
    errors.atValue(field, `expected an integer, got ${tomlTypeName(v)}`);
    return undefined;
  }
  const n = Number(v);
  const inRange = v >= BigInt(range.min) && v <= BigInt(range.max);
  if (inRange || range.also?.includes(n)) return n;
  errors.atValue(field, range.message ?? `must be between ${range.min} and ${range.max}`);
  return undefined;
}

export function checkString(errors: ErrorCollector, field: string, v: unknown, opts: { nonEmpty?: boolean; maxBytes?: number } = {}): string | undefined {
  if (typeof v !== 'string') {
    errors.atValue(field, `expected a string, got ${tomlTypeName(v)}`);
    return undefined;
  }
  if (opts.nonEmpty && v === '') {
    errors.atValue(field, 'must not be empty');
    return undefined;
  }
  if (opts.maxBytes !== undefined && Buffer.byteLength(v) > opts.maxBytes) {
    errors.atValue(field, `must be at most ${opts.maxBytes} bytes long`);
    return undefined;
  }
  return v;
}

/** Ranges shared by global and neighbour settings. */
export const RANGES = {
  port: { min: 1, max: 65535 },
  // RFC 4271 sec. 4.2: the Hold Time is zero or at least three seconds.
  holdTime: { min: 3, max: 65535, also: [0], message: 'must be 0 (no keepalives) or between 3 and 65535 (RFC 4271 sec. 4.2)' },
  connectRetry: { min: 1, max: 65535 },
  multihop: { min: 1, max: 255 },
  // RFC 5082: a neighbour 1 hop away sends TTL 255; 254 hops still leaves TTL 2 to check against.
  ttlSecurity: { min: 1, max: 254 },
  maxPrefixLimit: { min: 1, max: 4294967295 },
  maxPrefixRestart: { min: 1, max: 65535 },
  allowOwnAs: { min: 0, max: 255 },
  u32: { min: 0, max: 4294967295 },
  waitSeconds: { min: 0, max: 3600 },
  checkSeconds: { min: 1, max: 3600 },
  riseFall: { min: 1, max: 100 },
  httpStatus: { min: 100, max: 599 },
  prepend: { min: 1, max: 32 },
  degradePrepend: { min: 0, max: 32 },
  maxAsLen: { min: 0, max: 65535 },
} as const satisfies Record<string, IntRange>;
