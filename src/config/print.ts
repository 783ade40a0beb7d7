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
 * Sets print before the groups, one entry a line; health checks after the neighbours, then the
 * networks, then the filter rules in their order. A group named only by a filter rule prints as an
 * empty [[group]] too. A [[network]] that named a set prints once,
 * as `set = "..."`, where its first prefix falls in the list of networks; one whose set is empty
 * announces nothing and so is not printed. (A hand-made config whose networks of one set do not
 * match that set, or differ in attributes, prints them one prefix each instead, so that no network
 * is lost, only their label.)
 */

import { familyName } from '../wire/iana';
import { valuesEqual } from './diff';
import { formatValueChange } from './policy';
import { formatAsRange } from './sets';
import { formatLengthQualifier, formatPrefixItem } from './prefix-items';
import { nameOf, ORIGIN_NAMES, ROLE_NAMES } from './schema';
import type { AsOperand, AsSetConfig, CommunitySetConfig, DaemonConfig, FilterRuleConfig, FilterSetConfig, HealthCheckConfig, MaxPrefix, NeighborConfig, NetworkConfig, PrefixSetConfig } from './types';
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
    kv('ebgp-requires-policy', config.ebgpRequiresPolicy),
    kv('shutdown-wait', config.shutdownWait),
    kv('drain-wait', config.drainWait),
  ]);
  section('[control]', [
    kv('socket', str(config.control.socket)),
    kv('mode', str(formatFileMode(config.control.mode))),
    ...optional('restricted-socket', config.control.restrictedSocket, str),
  ]);
  if (config.metrics) section('[metrics]', [kv('listen', str(formatHostPort(config.metrics)))]);

  for (const set of config.prefixSets) section('[[prefix-set]]', prefixSetLines(set));
  for (const set of config.asSets) section('[[as-set]]', asSetLines(set));
  for (const set of config.communitySets) section('[[community-set]]', communitySetLines(set));

  const groups = [
    ...new Set([
      ...config.neighbors.flatMap((n) => (n.group === undefined ? [] : [n.group])),
      ...config.policy.rules.flatMap((r) => (r.peer.kind === 'group' ? [r.peer.name] : [])),
    ]),
  ];
  if (groups.length > 0) out.push('', '# Group settings are folded into each neighbor below; the groups remain as labels.');
  for (const g of groups) section('[[group]]', [kv('name', str(g))]);
  for (const n of config.neighbors) section('[[neighbor]]', neighborLines(n));
  for (const hc of config.healthChecks) section('[[health-check]]', healthCheckLines(hc));
  for (const [what, net] of networkEntries(config)) section('[[network]]', [kv(...what), ...attributeLines(net)]);
  for (const rule of config.policy.rules) section('[[filter]]', filterLines(rule));
  return out.join('\n') + '\n';
}

/** `key = [` one value a line `]`, or `key = []`. */
function listLines(key: string, values: string[]): string[] {
  return values.length === 0 ? [`${key} = []`] : [`${key} = [`, ...values.map((v) => `  ${v},`), ']'];
}

function prefixSetLines(set: PrefixSetConfig): string[] {
  return [kv('name', str(set.name)), ...listLines('prefixes', set.prefixes.map((p) => str(formatPrefixItem(p))))];
}

function asSetLines(set: AsSetConfig): string[] {
  return [kv('name', str(set.name)), ...listLines('asns', set.asns.map((r) => (r[0] === r[1] ? String(r[0]) : str(formatAsRange(r)))))];
}

function communitySetLines(set: CommunitySetConfig): string[] {
  return [
    kv('name', str(set.name)),
    kv('communities', inlineList(set.communities)),
    kv('large-communities', inlineList(set.largeCommunities)),
    kv('ext-communities', inlineList(set.extCommunities)),
  ];
}

function inlineList(values: readonly string[]): string {
  return `[${values.map(str).join(', ')}]`;
}

function asOperand(o: AsOperand): string {
  return 'asn' in o ? String(o.asn) : str(o.set);
}

function filterLines(r: FilterRuleConfig): string[] {
  const peer = r.peer;
  const selector =
    peer.kind === 'neighbor' ? kv('neighbor', str(peer.address)) : peer.kind === 'group' ? kv('group', str(peer.name)) : peer.kind === 'remote-as' ? kv('remote-as', peer.asn) : kv('peer', str(peer.kind));
  const q = r.prefixSetLength === undefined ? undefined : formatLengthQualifier(r.prefixSetLength);
  const set = setLine(r.set);
  return [
    kv('action', str(r.action)),
    kv('direction', str(r.direction)),
    kv('quick', r.quick),
    selector,
    ...optional('family', r.family, (f) => str(familyName(f))),
    ...optional('prefix', r.prefixes, (items) => inlineList(items.map(formatPrefixItem))),
    ...optional('prefix-set', r.prefixSet, str),
    ...(q === undefined ? [] : [kv(q.key, q.key === 'prefixlen' ? str(q.text) : q.text)]),
    ...optional('source-as', r.sourceAs, asOperand),
    ...optional('transit-as', r.transitAs, asOperand),
    ...optional('peer-as', r.peerAs, asOperand),
    ...optional('as', r.anyAs, asOperand),
    ...optional('max-as-len', r.maxAsLen, String),
    ...optional('community', r.communities, inlineList),
    ...optional('large-community', r.largeCommunities, inlineList),
    ...optional('ext-community', r.extCommunities, inlineList),
    ...optional('community-set', r.communitySet, str),
    ...optional('next-hop', r.nextHop, str),
    ...(set === undefined ? [] : [kv('set', set)]),
  ];
}

/** The set table inline, its keys in the order the actions apply; undefined when empty. */
function setLine(s: FilterSetConfig): string | undefined {
  const parts = [
    ...optional('local-pref', s.localPref, formatValueChange),
    ...optional('med', s.med, formatValueChange),
    ...optional('origin', s.origin, (o) => str(nameOf(ORIGIN_NAMES, o))),
    ...optional('next-hop', s.nextHop, str),
    ...optional('prepend-self', s.prependSelf, String),
    ...optional('prepend-neighbor', s.prependNeighbor, String),
    ...optional('community-delete', s.communityDelete, inlineList),
    ...optional('community', s.community, inlineList),
    ...optional('large-community-delete', s.largeCommunityDelete, inlineList),
    ...optional('large-community', s.largeCommunity, inlineList),
    ...optional('ext-community-delete', s.extCommunityDelete, inlineList),
    ...optional('ext-community', s.extCommunity, inlineList),
  ];
  return parts.length === 0 ? undefined : `{ ${parts.join(', ')} }`;
}

function healthCheckLines(h: HealthCheckConfig): string[] {
  const byType =
    h.type === 'exec'
      ? optional('command', h.command, str)
      : h.type === 'tcp'
        ? [...optional('host', h.host, str), ...optional('port', h.port, String)]
        : [...optional('url', h.url, str), kv('expect-status', h.expectStatus), ...optional('body-match', h.bodyMatch, str)];
  const degrade =
    h.onFailure === 'degrade'
      ? [
          kv('degrade-prepend', h.degradePrepend),
          kv('degrade-communities', inlineList(h.degradeCommunities.map(formatCommunity))),
          kv('degrade-large-communities', inlineList(h.degradeLargeCommunities.map(formatLargeCommunity))),
        ]
      : [];
  return [
    kv('name', str(h.name)),
    kv('type', str(h.type)),
    ...byType,
    kv('interval', h.interval),
    kv('fast-interval', h.fastInterval),
    kv('timeout', h.timeout),
    kv('rise', h.rise),
    kv('fall', h.fall),
    ...optional('disable-file', h.disableFile, str),
    kv('on-failure', str(h.onFailure)),
    ...degrade,
  ];
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
    if (set && sameAttributes && valuesEqual(members.map((m) => m.prefix), set.prefixes.map((p) => p.prefix))) asEntry.add(name);
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
    kv('log-updates', n.logUpdates),
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
    ...optional('health-check', n.healthCheck, str),
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
