/**
 * [[group]] and [[neighbor]] sections: read each table's session settings, fold a neighbour's group
 * under its own settings (a neighbour's key wins; a max-prefix table is replaced whole, and so is
 * the password: a neighbour's password-file overrides its group's password), apply the defaults and
 * check what only the combination can tell (multihop with ttl-security, iBGP-only and eBGP-only
 * settings). Every setting remembers the field it came from so that an error points at the group's
 * line when the value was inherited.
 */

import { isAbsolute, resolve } from 'node:path';
import { IPV6_UNICAST, type FamilyKey } from '../wire/iana';
import { didYouMean, type ErrorCollector } from './errors';
import { ANNOUNCE_NAMES, ANNOUNCE_VALUES, checkInteger, checkString, DEFAULTS, FAMILY_NAMES, GROUP_KEYS, isTable, MAX_PREFIX_KEYS, NEIGHBOR_KEYS, RANGES, ROLE_NAMES, TableReader, tomlTypeName, type TomlTable } from './schema';
import { Secret, type MaxPrefix, type NeighborConfig } from './types';

/** What loading needs besides the text: where errors go, and how to reach password files. */
export interface LoadContext {
  errors: ErrorCollector;
  /** Directory relative paths are resolved against: the configuration file's. */
  baseDir: string;
  readFile: (path: string) => string | Buffer;
}

/** The global settings a neighbour falls back to. */
export interface NeighborDefaults {
  /** Undefined when local-as itself is wrong: then iBGP/eBGP checks are skipped. */
  localAs?: number;
  holdTime: number;
  connectRetry: number;
}

/** The text tsbgpd prints instead of a password; refusing it as a password catches pasted -nv output. */
export const REDACTED = '<redacted>';
/** Linux TCP_MD5SIG_MAXKEYLEN: the kernel refuses longer keys. */
export const MAX_PASSWORD_BYTES = 80;

interface PeerSettings {
  remoteAs?: number;
  description?: string;
  localAddress?: string;
  port?: number;
  passive?: boolean;
  multihop?: number;
  ttlSecurity?: number;
  holdTime?: number;
  connectRetry?: number;
  auth?: { secret: Secret; file?: string };
  families?: FamilyKey[];
  nextHopSelf?: boolean;
  nextHop6?: string;
  routeReflectorClient?: boolean;
  role?: number;
  strictRole?: boolean;
  maxPrefixIn?: MaxPrefix;
  maxPrefixOut?: MaxPrefix;
  enforceFirstAs?: boolean;
  down?: string;
  gracefulRestart?: boolean;
  sendMed?: boolean;
  allowOwnAs?: number;
  announce?: number;
  logUpdates?: boolean;
}

/** The settings of one table, the field each was set at, and which keys were present (even if wrong). */
interface TableSettings {
  settings: PeerSettings;
  origins: { [K in keyof PeerSettings]?: string };
  present: Set<string>;
}

interface GroupEntry extends TableSettings {
  name: string;
  field: string;
}

export interface CompiledNeighbors {
  neighbors: NeighborConfig[];
  /** Every [[group]] defined, by name (filters may name a group no neighbour uses yet). */
  groupNames: string[];
}

export function compileNeighbors(groupsRaw: unknown[], neighborsRaw: unknown[], defaults: NeighborDefaults, ctx: LoadContext): CompiledNeighbors {
  const groups = readGroups(groupsRaw, ctx);
  const out: NeighborConfig[] = [];
  const seen = new Map<string, string>();
  neighborsRaw.forEach((raw, i) => {
    const path = `neighbor[${i}]`;
    if (!isTable(raw)) {
      ctx.errors.atValue(path, `expected a table ([[neighbor]]), got ${tomlTypeName(raw)}`);
      return;
    }
    const r = new TableReader(ctx.errors, path, raw, NEIGHBOR_KEYS, {
      name: '"name" names a [[group]]; a neighbor is named by its address and "description"',
    });
    const address = r.address('address');
    if (!r.has('address')) ctx.errors.atKey(r.field('address'), 'required key is missing');
    if (address) {
      const first = seen.get(address.text);
      if (first !== undefined) ctx.errors.atValue(r.field('address'), `duplicate neighbor address ${address.text} (first at line ${ctx.errors.lineOf(first)})`);
      else seen.set(address.text, r.field('address'));
    }
    const groupName = r.string('group', { nonEmpty: true });
    let group: GroupEntry | undefined;
    if (groupName !== undefined) {
      group = groups.get(groupName);
      if (!group) ctx.errors.atValue(r.field('group'), `no [[group]] named "${groupName}"${didYouMean(groupName, [...groups.keys()])}`);
    }
    const own = readPeerSettings(r, ctx);
    const merged: TableSettings = {
      settings: { ...group?.settings, ...own.settings },
      origins: { ...group?.origins, ...own.origins },
      present: new Set([...(group?.present ?? []), ...own.present]),
    };
    // With its group unknown, a neighbour's missing remote-as may be that group's: already reported.
    if (groupName !== undefined && !group) merged.present.add('remote-as');
    const n = finishNeighbor(path, address?.text, groupName, merged, defaults, ctx);
    if (n) out.push(n);
  });
  return { neighbors: out, groupNames: [...groups.keys()] };
}

function readGroups(groupsRaw: unknown[], ctx: LoadContext): Map<string, GroupEntry> {
  const groups = new Map<string, GroupEntry>();
  groupsRaw.forEach((raw, i) => {
    const path = `group[${i}]`;
    if (!isTable(raw)) {
      ctx.errors.atValue(path, `expected a table ([[group]]), got ${tomlTypeName(raw)}`);
      return;
    }
    const r = new TableReader(ctx.errors, path, raw, GROUP_KEYS, {
      address: '"address" cannot be set in a [[group]]: each [[neighbor]] has its own',
      group: 'groups cannot be nested: a [[group]] cannot name another group',
    });
    const name = r.string('name', { nonEmpty: true });
    if (!r.has('name')) ctx.errors.atKey(r.field('name'), 'required key is missing');
    const settings = readPeerSettings(r, ctx);
    if (name === undefined) return;
    const first = groups.get(name);
    if (first) ctx.errors.atValue(r.field('name'), `duplicate group name "${name}" (first at line ${ctx.errors.lineOf(first.field)})`);
    else groups.set(name, { ...settings, name, field: r.field('name') });
  });
  return groups;
}

/** Read the session settings of one [[group]] or [[neighbor]] table (no defaults applied). */
function readPeerSettings(r: TableReader, ctx: LoadContext): TableSettings {
  const settings: PeerSettings = {};
  const origins: TableSettings['origins'] = {};
  const present = new Set(Object.keys(r.table));
  const put = <K extends keyof PeerSettings>(name: K, key: string, value: PeerSettings[K] | undefined) => {
    if (value === undefined) return;
    settings[name] = value;
    origins[name] = r.field(key);
  };
  put('remoteAs', 'remote-as', r.asNumber('remote-as'));
  put('description', 'description', r.string('description'));
  put('localAddress', 'local-address', r.address('local-address')?.text);
  put('port', 'port', r.integer('port', RANGES.port));
  put('passive', 'passive', r.boolean('passive'));
  put('multihop', 'multihop', r.integer('multihop', RANGES.multihop));
  put('ttlSecurity', 'ttl-security', r.integer('ttl-security', RANGES.ttlSecurity));
  put('holdTime', 'hold-time', r.integer('hold-time', RANGES.holdTime));
  put('connectRetry', 'connect-retry', r.integer('connect-retry', RANGES.connectRetry));
  if (r.has('password') && r.has('password-file')) {
    ctx.errors.atKey(r.field('password-file'), 'password and password-file cannot both be set; keep one');
  } else if (r.has('password')) {
    put('auth', 'password', readInlinePassword(r));
  } else if (r.has('password-file')) {
    put('auth', 'password-file', readPasswordFile(r, ctx));
  }
  put('families', 'families', readFamilies(r));
  put('nextHopSelf', 'next-hop-self', r.boolean('next-hop-self'));
  put('nextHop6', 'next-hop6', r.address('next-hop6', IPV6_UNICAST)?.text);
  put('routeReflectorClient', 'route-reflector-client', r.boolean('route-reflector-client'));
  put('role', 'role', r.choice('role', ROLE_NAMES, 'role'));
  put('strictRole', 'strict-role', r.boolean('strict-role'));
  put('maxPrefixIn', 'max-prefix-in', readMaxPrefix(r, 'max-prefix-in'));
  put('maxPrefixOut', 'max-prefix-out', readMaxPrefix(r, 'max-prefix-out'));
  put('enforceFirstAs', 'enforce-first-as', r.boolean('enforce-first-as'));
  put('down', 'down', r.string('down', { nonEmpty: true }));
  put('gracefulRestart', 'graceful-restart', r.boolean('graceful-restart'));
  put('sendMed', 'send-med', r.boolean('send-med'));
  put('allowOwnAs', 'allow-own-as', r.integer('allow-own-as', RANGES.allowOwnAs));
  put('announce', 'announce', r.choice('announce', ANNOUNCE_NAMES, 'announce value'));
  put('logUpdates', 'log-updates', r.boolean('log-updates'));
  return { settings, origins, present };
}

/** Checks shared by inline and file passwords; messages describe the password, never quote it. */
function passwordProblem(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  if (value === REDACTED) return `"${REDACTED}" is the placeholder tsbgpd prints instead of a password; put the real one here (or use password-file)`;
  if (Buffer.byteLength(value) > MAX_PASSWORD_BYTES) return `must be at most ${MAX_PASSWORD_BYTES} bytes (the TCP-MD5 key limit)`;
  return undefined;
}

function readInlinePassword(r: TableReader): { secret: Secret } | undefined {
  const value = r.raw('password');
  if (typeof value !== 'string') {
    r.errors.atValue(r.field('password'), `expected a string, got ${tomlTypeName(value)}`);
    return undefined;
  }
  const problem = passwordProblem(value);
  if (problem) {
    r.errors.atValue(r.field('password'), problem);
    return undefined;
  }
  return { secret: new Secret(value) };
}

function readPasswordFile(r: TableReader, ctx: LoadContext): { secret: Secret; file: string } | undefined {
  const given = r.string('password-file', { nonEmpty: true });
  if (given === undefined) return undefined;
  const file = resolveConfigPath(ctx, given);
  let content: string;
  try {
    const data = ctx.readFile(file);
    content = typeof data === 'string' ? data : data.toString('utf8');
  } catch (e) {
    r.errors.atValue(r.field('password-file'), `cannot read password file ${file}: ${readFailure(e)}`);
    return undefined;
  }
  // `echo secret > file` leaves a newline that is not part of the key.
  const value = content.replace(/\r?\n$/, '');
  if (value === '') {
    r.errors.atValue(r.field('password-file'), `password file ${file} is empty`);
    return undefined;
  }
  if (/[\r\n]/.test(value)) {
    r.errors.atValue(r.field('password-file'), `password file ${file} must hold one line (the password)`);
    return undefined;
  }
  const problem = passwordProblem(value);
  if (problem) {
    r.errors.atValue(r.field('password-file'), `the password in ${file} ${problem}`);
    return undefined;
  }
  return { secret: new Secret(value, file), file };
}

/** Why a file could not be read, from its errno code (the error's own text may say more than we want). */
function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? 'read failed';
}

/** Relative paths in bgpd.toml are relative to the file's own directory, not the working directory. */
export function resolveConfigPath(ctx: Pick<LoadContext, 'baseDir'>, p: string): string {
  return isAbsolute(p) ? p : resolve(ctx.baseDir, p);
}

function readFamilies(r: TableReader): FamilyKey[] | undefined {
  const list = r.array('families');
  if (list === undefined) return undefined;
  const families: FamilyKey[] = [];
  let good = true;
  list.forEach((v, i) => {
    const field = `${r.field('families')}[${i}]`;
    const name = checkString(r.errors, field, v);
    if (name === undefined) return (good = false);
    const key = FAMILY_NAMES[name];
    const all = Object.keys(FAMILY_NAMES);
    if (key === undefined) {
      r.errors.atValue(field, `unknown family "${name}"${didYouMean(name, all)}; expected one of: ${all.join(', ')}`);
      return (good = false);
    }
    if (families.includes(key)) {
      r.errors.atValue(field, `family "${name}" is listed twice`);
      return (good = false);
    }
    families.push(key);
    return true;
  });
  if (list.length === 0) {
    r.errors.atValue(r.field('families'), 'must list at least one family');
    good = false;
  }
  return good ? families : undefined;
}

/** `max-prefix-in = 1000` or `max-prefix-in = { limit = 1000, restart = 5 }`. */
function readMaxPrefix(r: TableReader, key: string): MaxPrefix | undefined {
  const v = r.raw(key);
  if (v === undefined) return undefined;
  const field = r.field(key);
  if (typeof v === 'bigint') {
    const limit = checkInteger(r.errors, field, v, RANGES.maxPrefixLimit);
    return limit === undefined ? undefined : { limit };
  }
  if (!isTable(v)) {
    r.errors.atValue(field, `expected an integer limit or a table { limit = N, restart = MINUTES }, got ${tomlTypeName(v)}`);
    return undefined;
  }
  const t = new TableReader(r.errors, field, v as TomlTable, MAX_PREFIX_KEYS);
  const limit = t.integer('limit', RANGES.maxPrefixLimit);
  if (!t.has('limit')) r.errors.atKey(t.field('limit'), 'required key is missing');
  const restart = t.integer('restart', RANGES.maxPrefixRestart);
  if (limit === undefined || (t.has('restart') && restart === undefined)) return undefined;
  return restart === undefined ? { limit } : { limit, restart };
}

/** Apply defaults to merged settings, check combinations, and build the neighbour. */
function finishNeighbor(path: string, address: string | undefined, group: string | undefined, m: TableSettings, defaults: NeighborDefaults, ctx: LoadContext): NeighborConfig | undefined {
  const s = m.settings;
  const errors = ctx.errors;
  if (!m.present.has('remote-as')) errors.atKey(`${path}.remote-as`, 'required key is missing');
  const ibgp = defaults.localAs !== undefined && s.remoteAs !== undefined ? s.remoteAs === defaults.localAs : undefined;
  const who = address ?? path;

  if (s.multihop !== undefined && s.ttlSecurity !== undefined) {
    errors.atKey(m.origins.ttlSecurity!, `cannot be combined with multihop (set at line ${errors.lineOf(m.origins.multihop!)}); use one or the other`);
  }
  if (s.routeReflectorClient === true && ibgp === false) {
    errors.atValue(m.origins.routeReflectorClient!, `applies to iBGP neighbors only; ${who} is eBGP (remote-as ${s.remoteAs}, local-as ${defaults.localAs})`);
  }
  if (s.role !== undefined && ibgp === true) {
    errors.atValue(m.origins.role!, `RFC 9234 roles apply to eBGP sessions only; ${who} is iBGP`);
  }
  if (s.strictRole === true && s.role === undefined) {
    errors.atValue(m.origins.strictRole!, 'needs a role: strict-role refuses neighbors whose role does not match ours');
  }
  if (s.localAddress !== undefined && address !== undefined && s.localAddress.includes(':') !== address.includes(':')) {
    const family = (a: string) => (a.includes(':') ? 'IPv6' : 'IPv4');
    errors.atValue(m.origins.localAddress!, `${s.localAddress} is ${family(s.localAddress)} but the neighbor address ${address} is ${family(address)}`);
  }
  if (address === undefined || s.remoteAs === undefined) return undefined;

  const n: NeighborConfig = {
    address,
    remoteAs: s.remoteAs,
    port: s.port ?? DEFAULTS.port,
    passive: s.passive ?? DEFAULTS.passive,
    holdTime: s.holdTime ?? defaults.holdTime,
    connectRetry: s.connectRetry ?? defaults.connectRetry,
    families: s.families ?? [...DEFAULTS.families],
    nextHopSelf: s.nextHopSelf ?? DEFAULTS.nextHopSelf,
    routeReflectorClient: s.routeReflectorClient ?? DEFAULTS.routeReflectorClient,
    strictRole: s.strictRole ?? DEFAULTS.strictRole,
    // RFC 4271 sec. 6.3: an eBGP path must start with the neighbour's AS; iBGP paths do not.
    // (A route server is the exception: set enforce-first-as = false for it explicitly.)
    enforceFirstAs: s.enforceFirstAs ?? ibgp !== true,
    gracefulRestart: s.gracefulRestart ?? DEFAULTS.gracefulRestart,
    sendMed: s.sendMed ?? DEFAULTS.sendMed,
    allowOwnAs: s.allowOwnAs ?? DEFAULTS.allowOwnAs,
    announce: s.announce !== undefined ? ANNOUNCE_VALUES[s.announce]! : ibgp === true ? 'all' : 'self',
    logUpdates: s.logUpdates ?? DEFAULTS.logUpdates,
  };
  if (s.description !== undefined) n.description = s.description;
  if (group !== undefined) n.group = group;
  if (s.localAddress !== undefined) n.localAddress = s.localAddress;
  if (s.multihop !== undefined) n.multihop = s.multihop;
  if (s.ttlSecurity !== undefined) n.ttlSecurity = s.ttlSecurity;
  if (s.auth !== undefined) {
    n.password = s.auth.secret;
    if (s.auth.file !== undefined) n.passwordFile = s.auth.file;
  }
  if (s.nextHop6 !== undefined) n.nextHop6 = s.nextHop6;
  if (s.role !== undefined) n.role = s.role;
  if (s.maxPrefixIn !== undefined) n.maxPrefixIn = s.maxPrefixIn;
  if (s.maxPrefixOut !== undefined) n.maxPrefixOut = s.maxPrefixOut;
  if (s.down !== undefined) n.down = s.down;
  return n;
}
