/**
 * The canonical text of a configuration (`tsbgpd -nv`, like `bgpd -nv`): every setting explicit,
 * including defaults, in a fixed order, so two printed configs can be compared with diff(1).
 *
 * Passwords: an inline one prints as `password = "<redacted>"`; one from a file prints as
 * `password-file = "/path"` (the path is not secret). Loading the printed text gives back an equal
 * config, except that "<redacted>" is refused as a password, so a config with inline passwords
 * needs them put back first (the golden tests do exactly that).
 *
 * Groups are folded into their neighbours by the loader; each group still named by a neighbour is
 * printed as an empty [[group]] so that the neighbour's `group = "..."` label loads back. Likewise
 * [global] `port` is folded into each listen entry, and relative paths print resolved (absolute).
 *
 * Prefix sets print before the groups, one prefix a line. A [[network]] that named a set prints once,
 * as `set = "..."`, where its first prefix falls in the list of networks; one whose set is empty
 * announces nothing and so is not printed. (A hand-made config whose networks of one set do not
 * match that set, or differ in attributes, prints them one prefix each instead, so that no network
 * is lost, only their label.)
 */

import { familyName } from '../wire/iana';
import { nameOf, ORIGIN_NAMES, ROLE_NAMES } from './schema';
import { valuesEqual } from './diff';
import type { DaemonConfig, MaxPrefix, NeighborConfig, NetworkConfig, PrefixSetConfig } from './types';
import { formatCommunity, formatFileMode, formatHostPort, formatLargeCommunity } from './values';

export function printConfig(config: DaemonConfig): string {
  const out: string[] = ['# tsbgpd configuration in canonical form: every default explicit, passwords redacted.'];
  const section = (header: string, lines: string[]) => out.push('', header, ...lines);

  section('[global]', [
    kv('local-as', config.localAs),
    kv('router-id', str(config.routerId)),
    kv('listen', `[${config.listen.map((l) => `{ address = ${str(l.host)}, port = ${l.port} }`).join(', ')}]`),
    kv('hold-time', config.holdTime),
    kv('connect-retry', config.connectRetry),
    kv('log-level', str(config.logLevel)),
    ...optional('hostname', config.hostname, str),
    kv('always-compare-med', config.alwaysCompareMed),
  ]);
  section('[control]', [
    kv('socket', str(config.control.socket)),
    kv('mode', str(formatFileMode(config.control.mode))),
    ...optional('restricted-socket', config.control.restrictedSocket, str),
  ]);
  if (config.metrics) section('[metrics]', [kv('listen', str(formatHostPort(config.metrics)))]);

  for (const set of config.prefixSets) section('[[prefix-set]]', prefixSetLines(set));

  const groups = [...new Set(config.neighbors.flatMap((n) => (n.group === undefined ? [] : [n.group])))];
  if (groups.length > 0) out.push('', '# Group settings are folded into each neighbor below; the groups remain as labels.');
  for (const g of groups) section('[[group]]', [kv('name', str(g))]);
  for (const n of config.neighbors) section('[[neighbor]]', neighborLines(n));
  for (const [what, net] of networkEntries(config)) section('[[network]]', [kv(...what), ...attributeLines(net)]);
  return out.join('\n') + '\n';
}

function prefixSetLines(set: PrefixSetConfig): string[] {
  const prefixes = set.prefixes.length === 0 ? ['prefixes = []'] : ['prefixes = [', ...set.prefixes.map((p) => `  ${str(p)},`), ']'];
  return [kv('name', str(set.name)), ...prefixes];
}

/**
 * The [[network]] entries: `prefix = ...` or `set = ...`, and the network whose attributes the entry
 * has. Networks of a set come together as one entry when they are exactly the set's prefixes with
 * equal attributes, as the loader makes them.
 */
function networkEntries(config: DaemonConfig): [[string, string], NetworkConfig][] {
  const bySet = new Map<string, NetworkConfig[]>();
  for (const n of config.networks) if (n.fromSet !== undefined) bySet.set(n.fromSet, [...(bySet.get(n.fromSet) ?? []), n]);
  const asEntry = new Set<string>();
  for (const [name, members] of bySet) {
    const set = config.prefixSets.find((s) => s.name === name);
    const sameAttributes = members.every((m) => valuesEqual({ ...m, prefix: '', family: 0 }, { ...members[0]!, prefix: '', family: 0 }));
    if (set && sameAttributes && valuesEqual(members.map((m) => m.prefix), set.prefixes)) asEntry.add(name);
  }
  const out: [[string, string], NetworkConfig][] = [];
  const printed = new Set<string>();
  for (const n of config.networks) {
    if (n.fromSet === undefined || !asEntry.has(n.fromSet)) out.push([['prefix', str(n.prefix)], n]);
    else if (!printed.has(n.fromSet)) {
      printed.add(n.fromSet);
      out.push([['set', str(n.fromSet)], n]);
    }
  }
  return out;
}

function neighborLines(n: NeighborConfig): string[] {
  let password: string[] = [];
  if (n.passwordFile !== undefined) password = [kv('password-file', str(n.passwordFile))];
  else if (n.password !== undefined) password = [kv('password', str(String(n.password)))];
  return [
    kv('address', str(n.address)),
    kv('remote-as', n.remoteAs),
    ...optional('description', n.description, str),
    ...optional('group', n.group, str),
    ...optional('local-address', n.localAddress, str),
    kv('port', n.port),
    kv('passive', n.passive),
    ...optional('multihop', n.multihop, String),
    ...optional('ttl-security', n.ttlSecurity, String),
    kv('hold-time', n.holdTime),
    kv('connect-retry', n.connectRetry),
    ...password,
    kv('families', `[${n.families.map((f) => str(familyName(f))).join(', ')}]`),
    kv('next-hop-self', n.nextHopSelf),
    ...optional('next-hop6', n.nextHop6, str),
    kv('route-reflector-client', n.routeReflectorClient),
    ...optional('role', n.role, (r) => str(nameOf(ROLE_NAMES, r))),
    kv('strict-role', n.strictRole),
    ...optional('max-prefix-in', n.maxPrefixIn, maxPrefix),
    ...optional('max-prefix-out', n.maxPrefixOut, maxPrefix),
    kv('enforce-first-as', n.enforceFirstAs),
    ...optional('down', n.down, str),
    kv('graceful-restart', n.gracefulRestart),
    kv('send-med', n.sendMed),
    kv('allow-own-as', n.allowOwnAs),
    kv('announce', str(n.announce)),
  ];
}

function attributeLines(n: NetworkConfig): string[] {
  return [
    kv('origin', str(nameOf(ORIGIN_NAMES, n.origin))),
    kv('communities', `[${n.communities.map((c) => str(formatCommunity(c))).join(', ')}]`),
    kv('large-communities', `[${n.largeCommunities.map((c) => str(formatLargeCommunity(c))).join(', ')}]`),
    ...optional('med', n.med, String),
    ...optional('local-pref', n.localPref, String),
    ...optional('next-hop', n.nextHop, str),
  ];
}

function maxPrefix(m: MaxPrefix): string {
  return m.restart === undefined ? `{ limit = ${m.limit} }` : `{ limit = ${m.limit}, restart = ${m.restart} }`;
}

function kv(key: string, value: string | number | boolean): string {
  return `${key} = ${value}`;
}

function optional<T>(key: string, value: T | undefined, format: (v: T) => string): string[] {
  return value === undefined ? [] : [kv(key, format(value))];
}

/** A TOML basic string. JSON's escapes are all valid TOML; TOML also wants DEL escaped. */
export function str(s: string): string {
  return JSON.stringify(s).replace(/\x7f/g, '\\u007f');
}
