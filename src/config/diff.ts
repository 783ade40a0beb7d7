/**
 * What changed between two compiled configurations, sorted by what applying it takes, for reload:
 * a neighbour is identified by its address (a new address is a removed and an added neighbour);
 * each changed setting is either
 *   session - negotiated in OPEN or part of the TCP connection: applying it resets the session;
 *   policy  - decides which routes are accepted or sent and how: re-run import/export, no reset;
 *   other   - neither: labels, timers used only before a session exists, the `down` switch (the
 *             reload stops or starts the peer for that), a password file's path when the key is equal.
 * Settings are named by their bgpd.toml keys.
 *
 * Networks are compared by prefix, on what is announced: a [[network]] naming a [[prefix-set]] is
 * already expanded into one network per prefix, so a prefix added to or removed from a set shows as
 * a network added or removed, and moving a prefix between a set and its own entry with the same
 * attributes changes nothing that is announced (fromSet is a label); binding a network to another
 * health check changes the network. Sets are compared by name, as sets of entries (their order in
 * the file does not matter); filter rules as a list (order decides).
 *
 * Filter rules, sets, ebgp-requires-policy and health checks never reset a session: applying them
 * re-runs import and export policy (policy) or restarts the probes (healthChecks).
 */

import { formatPrefixItem } from './prefix-items';
import { Secret, type DaemonConfig, type FilterRuleConfig, type NeighborConfig, type NetworkConfig } from './types';

export type ChangeClass = 'session' | 'policy' | 'other';

export interface ChangedFields {
  session: string[];
  policy: string[];
  other: string[];
}

export interface NeighborDiff extends ChangedFields {
  address: string;
  kind: 'added' | 'removed' | 'changed';
  old?: NeighborConfig;
  new?: NeighborConfig;
  /** Some session parameter changed: the session must be reset (always false for added/removed). */
  needsReset: boolean;
}

/** Named things compared by name: which appeared, went, or differ. */
export interface NamedChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ConfigDiff {
  /**
   * Global settings: `session` ones (local-as, router-id, hostname) go into every OPEN, so every
   * session resets; `policy` (always-compare-med) re-runs the decision process.
   */
  global: ChangedFields;
  /** Neighbours that differ: in the new config's order, then the removed ones. */
  neighbors: NeighborDiff[];
  /** Set names; `changed`: same name, other prefixes. Their effect on networks shows in `networks`. */
  prefixSets: NamedChanges;
  networks: { added: NetworkConfig[]; removed: NetworkConfig[]; changed: { old: NetworkConfig; new: NetworkConfig }[] };
  /**
   * The filter policy: `changed` when anything the engine compiles differs (rules, any set,
   * ebgp-requires-policy), so import and export must be re-evaluated. No session resets.
   */
  policy: {
    changed: boolean;
    rules: boolean;
    ebgpRequiresPolicy: boolean;
    prefixSets: NamedChanges;
    asSets: NamedChanges;
    communitySets: NamedChanges;
  };
  /** Health checks by name; `changed`: same name, other settings (the probe restarts). */
  healthChecks: NamedChanges;
  /** Nothing differs that a reload would apply (see above for what does not count). */
  empty: boolean;
}

/** How each neighbour setting is applied; every NeighborConfig field appears here. */
const NEIGHBOR_FIELDS: Record<keyof NeighborConfig, [string, ChangeClass]> = {
  address: ['address', 'session'],
  remoteAs: ['remote-as', 'session'],
  description: ['description', 'other'],
  group: ['group', 'other'],
  localAddress: ['local-address', 'session'],
  port: ['port', 'session'],
  passive: ['passive', 'session'],
  multihop: ['multihop', 'session'],
  ttlSecurity: ['ttl-security', 'session'],
  holdTime: ['hold-time', 'session'],
  connectRetry: ['connect-retry', 'other'],
  password: ['password', 'session'],
  passwordFile: ['password-file', 'other'],
  families: ['families', 'session'],
  nextHopSelf: ['next-hop-self', 'policy'],
  nextHop6: ['next-hop6', 'policy'],
  routeReflectorClient: ['route-reflector-client', 'policy'],
  role: ['role', 'session'],
  strictRole: ['strict-role', 'session'],
  maxPrefixIn: ['max-prefix-in', 'policy'],
  maxPrefixOut: ['max-prefix-out', 'policy'],
  enforceFirstAs: ['enforce-first-as', 'policy'],
  down: ['down', 'other'],
  gracefulRestart: ['graceful-restart', 'session'],
  sendMed: ['send-med', 'policy'],
  allowOwnAs: ['allow-own-as', 'policy'],
  announce: ['announce', 'policy'],
  logUpdates: ['log-updates', 'other'],
};

/** DaemonConfig fields with a section of their own in ConfigDiff. */
type Sections = 'neighbors' | 'prefixSets' | 'networks' | 'policy' | 'asSets' | 'communitySets' | 'healthChecks';

const GLOBAL_FIELDS: Record<Exclude<keyof DaemonConfig, Sections>, [string, ChangeClass]> = {
  localAs: ['local-as', 'session'],
  routerId: ['router-id', 'session'],
  hostname: ['hostname', 'session'],
  alwaysCompareMed: ['always-compare-med', 'policy'],
  ebgpRequiresPolicy: ['ebgp-requires-policy', 'policy'],
  shutdownWait: ['shutdown-wait', 'other'],
  drainWait: ['drain-wait', 'other'],
  listen: ['listen', 'other'],
  control: ['control', 'other'],
  metrics: ['metrics', 'other'],
  logLevel: ['log-level', 'other'],
  // Only defaults for neighbours: their effect shows in each neighbour's own diff.
  holdTime: ['hold-time', 'other'],
  connectRetry: ['connect-retry', 'other'],
};

export function configsEqual(a: DaemonConfig, b: DaemonConfig): boolean {
  return valuesEqual(a, b);
}

export function diffConfig(oldConfig: DaemonConfig, newConfig: DaemonConfig): ConfigDiff {
  const global = changedFields(oldConfig, newConfig, GLOBAL_FIELDS);
  const neighbors: NeighborDiff[] = [];
  const oldByAddress = new Map(oldConfig.neighbors.map((n) => [n.address, n]));
  const newAddresses = new Set(newConfig.neighbors.map((n) => n.address));
  for (const n of newConfig.neighbors) {
    const o = oldByAddress.get(n.address);
    if (!o) {
      neighbors.push({ address: n.address, kind: 'added', new: n, session: [], policy: [], other: [], needsReset: false });
      continue;
    }
    const fields = changedFields(o, n, NEIGHBOR_FIELDS);
    if (fields.session.length + fields.policy.length + fields.other.length === 0) continue;
    neighbors.push({ address: n.address, kind: 'changed', old: o, new: n, ...fields, needsReset: fields.session.length > 0 });
  }
  for (const o of oldConfig.neighbors) {
    if (!newAddresses.has(o.address)) neighbors.push({ address: o.address, kind: 'removed', old: o, session: [], policy: [], other: [], needsReset: false });
  }

  const prefixSets = namedChanges(
    oldConfig.prefixSets,
    newConfig.prefixSets,
    (p) => p.prefixes.map(formatPrefixItem),
  );
  const asSets = namedChanges(oldConfig.policy.asSets, newConfig.policy.asSets, (s) => s.asns.map(([a, b]) => `${a}-${b}`));
  const communitySets = namedChanges(oldConfig.policy.communitySets, newConfig.policy.communitySets, (s) => [
    ...s.communities.map((c) => `c ${c}`),
    ...s.largeCommunities.map((c) => `l ${c}`),
    ...s.extCommunities.map((c) => `e ${c}`),
  ]);
  const rules = !valuesEqual(oldConfig.policy.rules, newConfig.policy.rules);
  const ebgpRequiresPolicy = oldConfig.policy.ebgpRequiresPolicy !== newConfig.policy.ebgpRequiresPolicy;
  // A set only matters to the filters when a rule names it (a prefix set may serve [[network]] alone).
  const named = new Set([...oldConfig.policy.rules, ...newConfig.policy.rules].flatMap(ruleSetNames));
  const setsChanged = [prefixSets, asSets, communitySets].some((c) => [...c.added, ...c.removed, ...c.changed].some((n) => named.has(n)));
  const policy: ConfigDiff['policy'] = { changed: rules || ebgpRequiresPolicy || setsChanged, rules, ebgpRequiresPolicy, prefixSets, asSets, communitySets };

  const oldChecks = new Map(oldConfig.healthChecks.map((c) => [c.name, c]));
  const newChecks = new Map(newConfig.healthChecks.map((c) => [c.name, c]));
  const healthChecks: NamedChanges = {
    added: [...newChecks.keys()].filter((n) => !oldChecks.has(n)),
    removed: [...oldChecks.keys()].filter((n) => !newChecks.has(n)),
    changed: [...newChecks].flatMap(([n, c]) => (oldChecks.has(n) && !valuesEqual(oldChecks.get(n), c) ? [n] : [])),
  };

  const oldNets = new Map(oldConfig.networks.map((n) => [n.prefix, n]));
  const newNets = new Map(newConfig.networks.map((n) => [n.prefix, n]));
  const networks: ConfigDiff['networks'] = {
    added: newConfig.networks.filter((n) => !oldNets.has(n.prefix)),
    removed: oldConfig.networks.filter((n) => !newNets.has(n.prefix)),
    changed: newConfig.networks.flatMap((n) => {
      const o = oldNets.get(n.prefix);
      return o && !valuesEqual(announced(o), announced(n)) ? [{ old: o, new: n }] : [];
    }),
  };
  const empty =
    global.session.length + global.policy.length + global.other.length === 0 &&
    neighbors.length === 0 &&
    !policy.changed &&
    [prefixSets, asSets, communitySets].every((c) => c.added.length + c.removed.length + c.changed.length === 0) &&
    healthChecks.added.length + healthChecks.removed.length + healthChecks.changed.length === 0 &&
    networks.added.length + networks.removed.length + networks.changed.length === 0;
  return { global, neighbors, prefixSets, networks, policy, healthChecks, empty };
}

/** Named sets compared by name, each as a set of entry texts (order does not matter). */
function namedChanges<T extends { name: string }>(oldList: readonly T[], newList: readonly T[], entries: (s: T) => string[]): NamedChanges {
  const oldSets = new Map(oldList.map((s) => [s.name, new Set(entries(s))]));
  const newSets = new Map(newList.map((s) => [s.name, new Set(entries(s))]));
  return {
    added: [...newSets.keys()].filter((name) => !oldSets.has(name)),
    removed: [...oldSets.keys()].filter((name) => !newSets.has(name)),
    changed: [...newSets].flatMap(([name, items]) => {
      const o = oldSets.get(name);
      return o && (o.size !== items.size || [...o].some((p) => !items.has(p))) ? [name] : [];
    }),
  };
}

/** A network without its label: what is announced. */
function announced(n: NetworkConfig): Omit<NetworkConfig, 'fromSet'> {
  const { fromSet: _label, ...rest } = n;
  return rest;
}

function changedFields<T extends object>(a: T, b: T, table: Record<string, [string, ChangeClass]>): ChangedFields {
  const out: ChangedFields = { session: [], policy: [], other: [] };
  for (const [prop, [name, cls]] of Object.entries(table)) {
    if (!valuesEqual((a as Record<string, unknown>)[prop], (b as Record<string, unknown>)[prop])) out[cls].push(name);
  }
  return out;
}

/** Structural equality for config values: Secrets by content, absent and undefined alike. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Secret || b instanceof Secret) return a instanceof Secret && b instanceof Secret && a.equals(b);
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!valuesEqual(ra[k], rb[k])) return false;
  return true;
}

/** The set names a filter rule refers to (prefix, AS and community sets). */
function ruleSetNames(r: FilterRuleConfig): string[] {
  const names: string[] = [];
  if (r.prefixSet !== undefined) names.push(r.prefixSet);
  if (r.communitySet !== undefined) names.push(r.communitySet);
  for (const op of [r.sourceAs, r.transitAs, r.peerAs, r.anyAs]) if (op !== undefined && 'set' in op) names.push(op.set);
  return names;
}
