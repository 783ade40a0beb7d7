/**
 * [[filter]] sections: the filter rules (OpenBGPD's `allow`, `deny` and `match` rules, one TOML
 * table each), read with the [[as-set]] and [[community-set]] sections they name (sets.ts).
 * policy/engine.ts runs them; here they are read, checked against the rest of the file (neighbours,
 * groups, sets) and put in canonical form.
 *
 *   [[filter]]
 *   action = "deny"                # allow | deny | match
 *   direction = "from"             # from (import) | to (export)
 *   quick = true
 *   peer = "ebgp"                  # or neighbor = "ADDR", group = "NAME", remote-as = N
 *   prefix-set = "bogons"
 *
 * Conditions: family, prefix (with or-longer / prefixlen) or prefix-set (likewise), source-as,
 * transit-as, peer-as, as (each an AS number or an as-set name), max-as-len, community,
 * large-community, ext-community, community-set, next-hop. Actions: the `set` table.
 */

import { BOGON_ASNS, BUILTIN_AS_SETS, BUILTIN_PREFIX_SETS } from '../policy/builtins';
import { didYouMean } from './errors';
import type { LoadContext } from './neighbors';
import type { PrefixSets } from './networks';
import { bitsOf, formatPrefixItem, parseLengthRange, readLengthValue, readPrefixItem } from './prefix-items';
import { checkInteger, FAMILY_NAMES, FILTER_KEYS, FILTER_SET_KEYS, isTable, ORIGIN_NAMES, RANGES, TableReader, tomlTypeName } from './schema';
import { asValue, compileAsSets, compileCommunitySets, readCommunityList } from './sets';
import type { AsOperand, AsSetConfig, CommunitySetConfig, FilterRuleConfig, FilterSetConfig, LengthQualifier, PeerSelector, PrefixItem, ValueChange } from './types';
import { MAX_U32, parseAddress } from './values';

/** What filters may refer to besides sets: the neighbours and groups of the file. */
export interface FilterTargets {
  neighborAddresses: ReadonlySet<string>;
  groupNames: readonly string[];
  prefixSets: PrefixSets;
}

export interface CompiledPolicySections {
  asSets: AsSetConfig[];
  communitySets: CommunitySetConfig[];
  rules: FilterRuleConfig[];
}

const ACTIONS = { allow: 'allow', deny: 'deny', match: 'match' } as const;
const DIRECTIONS = { from: 'from', to: 'to' } as const;
const PEER_KINDS = { any: 'any', ibgp: 'ibgp', ebgp: 'ebgp' } as const;
const SELECTOR_KEYS = ['peer', 'neighbor', 'group', 'remote-as'] as const;
const AS_KEYS = [
  ['source-as', 'sourceAs'],
  ['transit-as', 'transitAs'],
  ['peer-as', 'peerAs'],
  ['as', 'anyAs'],
] as const;

export function compilePolicySections(asSetsRaw: unknown[], communitySetsRaw: unknown[], filtersRaw: unknown[], targets: FilterTargets, ctx: LoadContext): CompiledPolicySections {
  const asSets = compileAsSets(asSetsRaw, ctx);
  const communitySets = compileCommunitySets(communitySetsRaw, ctx);
  const rules: FilterRuleConfig[] = [];
  const known = {
    ...targets,
    asSetNames: [...BUILTIN_AS_SETS, ...asSets.map((s) => s.name)],
    communitySetNames: communitySets.map((s) => s.name),
  };
  filtersRaw.forEach((raw, i) => {
    const rule = readFilter(raw, `filter[${i}]`, known, ctx);
    if (rule) rules.push(rule);
  });
  return { asSets, communitySets, rules };
}

// ---- [[filter]] ------------------------------------------------------------------------------

interface KnownNames extends FilterTargets {
  asSetNames: string[];
  communitySetNames: string[];
}

function readFilter(raw: unknown, path: string, known: KnownNames, ctx: LoadContext): FilterRuleConfig | undefined {
  const errors = ctx.errors;
  if (!isTable(raw)) {
    errors.atValue(path, `expected a table ([[filter]]), got ${tomlTypeName(raw)}`);
    return undefined;
  }
  const r = new TableReader(errors, path, raw, FILTER_KEYS);
  const before = errors.count;
  const required = (key: string) => {
    if (!r.has(key)) errors.atKey(r.field(key), 'required key is missing');
  };
  const action = r.choice('action', ACTIONS, 'action');
  required('action');
  const direction = r.choice('direction', DIRECTIONS, 'direction');
  required('direction');
  const quick = r.boolean('quick') ?? false;
  const peer = readSelector(r, known);

  const rule: Partial<FilterRuleConfig> = { quick };
  if (r.has('family')) {
    const f = r.choice('family', FAMILY_NAMES, 'family');
    if (f !== undefined) rule.family = f;
  }
  readPrefixCondition(r, rule, known);
  for (const [key, prop] of AS_KEYS) {
    const o = readAsOperand(r, key, known.asSetNames);
    if (o !== undefined) rule[prop] = o;
  }
  const maxAsLen = r.integer('max-as-len', RANGES.maxAsLen);
  if (maxAsLen !== undefined) rule.maxAsLen = maxAsLen;
  const communities = readCommunityList(r, 'community', 'standard', true);
  const large = readCommunityList(r, 'large-community', 'large', true);
  const ext = readCommunityList(r, 'ext-community', 'ext', true);
  if (communities.length > 0) rule.communities = communities;
  if (large.length > 0) rule.largeCommunities = large;
  if (ext.length > 0) rule.extCommunities = ext;
  const communitySet = r.string('community-set', { nonEmpty: true });
  if (communitySet !== undefined) {
    if (known.communitySetNames.includes(communitySet)) rule.communitySet = communitySet;
    else errors.atValue(r.field('community-set'), `no [[community-set]] named "${communitySet}"${didYouMean(communitySet, known.communitySetNames)}`);
  }
  const nextHop = r.address('next-hop');
  if (nextHop) rule.nextHop = nextHop.text;

  const set = readSet(r, action, direction);
  if (errors.count > before || action === undefined || direction === undefined || peer === undefined || set === undefined) return undefined;
  return { action, direction, ...rule, quick, peer, set } as FilterRuleConfig;
}

function readSelector(r: TableReader, known: KnownNames): PeerSelector | undefined {
  const given = SELECTOR_KEYS.filter((k) => r.has(k));
  if (given.length > 1) {
    r.errors.atKey(r.field(given[1]!), `a rule names its neighbours once: give one of peer, neighbor, group, remote-as (${given[0]} is given at line ${r.errors.lineOf(r.field(given[0]!))})`);
    return undefined;
  }
  switch (given[0]) {
    case undefined:
      return { kind: 'any' };
    case 'peer': {
      // "peer = 192.0.2.1": say which key takes an address.
      const v = r.raw('peer');
      if (typeof v === 'string' && parseAddress(v).ok) {
        r.errors.atValue(r.field('peer'), `peer is one of any, ibgp, ebgp; for one neighbour write neighbor = "${v}"`);
        return undefined;
      }
      const kind = r.choice('peer', PEER_KINDS, 'peer selector');
      return kind === undefined ? undefined : { kind };
    }
    case 'neighbor': {
      const a = r.address('neighbor');
      if (a === undefined) return undefined;
      if (!known.neighborAddresses.has(a.text)) {
        r.errors.atValue(r.field('neighbor'), `no [[neighbor]] with address ${a.text}${didYouMean(a.text, [...known.neighborAddresses])}`);
        return undefined;
      }
      return { kind: 'neighbor', address: a.text };
    }
    case 'group': {
      const g = r.string('group', { nonEmpty: true });
      if (g === undefined) return undefined;
      if (!known.groupNames.includes(g)) {
        r.errors.atValue(r.field('group'), `no [[group]] named "${g}"${didYouMean(g, known.groupNames)}`);
        return undefined;
      }
      return { kind: 'group', name: g };
    }
    default: {
      const asn = r.asNumber('remote-as');
      return asn === undefined ? undefined : { kind: 'remote-as', asn };
    }
  }
}

/** prefix / prefix-set, with or-longer / prefixlen. */
function readPrefixCondition(r: TableReader, rule: Partial<FilterRuleConfig>, known: KnownNames): void {
  const errors = r.errors;
  const orLonger = r.boolean('or-longer');
  const hasQualifier = orLonger === true || r.has('prefixlen');
  if (r.has('or-longer') && r.has('prefixlen')) {
    errors.atKey(r.field('prefixlen'), 'or-longer and prefixlen cannot both be given (or-longer is prefixlen >= the prefix length)');
    return;
  }
  if (r.has('prefix') && r.has('prefix-set')) {
    errors.atKey(r.field('prefix-set'), 'prefix and prefix-set cannot both be given; put the prefixes in the set, or use two rules');
    return;
  }
  if (hasQualifier && !r.has('prefix') && !r.has('prefix-set')) {
    const key = orLonger === true ? 'or-longer' : 'prefixlen';
    errors.atKey(r.field(key), `${key} qualifies prefix or prefix-set; for any prefix write prefix = "0.0.0.0/0" or "::/0"`);
    return;
  }
  if (r.has('prefix-set')) {
    const name = r.string('prefix-set', { nonEmpty: true });
    if (name === undefined) return;
    const all = [...BUILTIN_PREFIX_SETS, ...known.prefixSets.byName.keys()];
    if (!all.includes(name)) {
      errors.atValue(r.field('prefix-set'), `no [[prefix-set]] named "${name}"${didYouMean(name, all)}`);
      return;
    }
    rule.prefixSet = name;
    let q: LengthQualifier | undefined;
    if (orLonger === true) q = { orLonger: true };
    else if (r.has('prefixlen')) {
      const range = readLengthValue(r, 'prefixlen', undefined, 128);
      if (range) q = range;
    }
    if (q) rule.prefixSetLength = q;
    return;
  }
  if (!r.has('prefix')) return;
  const v = r.raw('prefix');
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [`${r.field('prefix')}[${i}]`, x]) : [[r.field('prefix'), v]];
  if (Array.isArray(v) && v.length === 0) errors.atValue(r.field('prefix'), 'must list at least one prefix');
  const items: PrefixItem[] = [];
  const seen = new Set<string>();
  let rangeReported = false;
  for (const [field, x] of entries) {
    let item = readPrefixItem(errors, field, x);
    if (item === undefined) continue;
    const plain = item.min === item.length && item.max === item.length;
    if (hasQualifier && !plain) {
      errors.atValue(field, `"${formatPrefixItem(item)}" has its own length qualifier; the rule's ${orLonger === true ? 'or-longer' : 'prefixlen'} applies to plain prefixes`);
      continue;
    }
    if (orLonger === true) item = { ...item, max: bitsOf(item.family) };
    else if (r.has('prefixlen')) {
      const raw = r.raw('prefixlen');
      if (typeof raw !== 'string' && typeof raw !== 'bigint') {
        if (!rangeReported) readLengthValue(r, 'prefixlen', item.length, bitsOf(item.family));
        rangeReported = true;
        continue;
      }
      const range = parseLengthRange(String(raw), item.length, bitsOf(item.family));
      if (!range.ok) {
        if (!rangeReported) errors.atValue(r.field('prefixlen'), `${range.message} (with ${item.prefix})`);
        rangeReported = true;
        continue;
      }
      item = { ...item, ...range.value };
    }
    const text = formatPrefixItem(item);
    if (seen.has(text)) {
      errors.atValue(field, `"${text}" is listed twice`);
      continue;
    }
    seen.add(text);
    if (rule.family !== undefined && item.family !== rule.family) {
      errors.atValue(field, `${item.prefix} is not of family ${r.raw('family')}: the rule could never match it`);
      continue;
    }
    items.push(item);
  }
  if (items.length > 0) rule.prefixes = items;
}

/** An AS number (integer or asdot) or an as-set name. */
function readAsOperand(r: TableReader, key: string, asSetNames: string[]): AsOperand | undefined {
  const v = r.raw(key);
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') {
    const n = checkInteger(r.errors, r.field(key), v, RANGES.u32);
    return n === undefined ? undefined : { asn: n };
  }
  if (typeof v !== 'string') {
    r.errors.atValue(r.field(key), `expected an AS number or an [[as-set]] name, got ${tomlTypeName(v)}`);
    return undefined;
  }
  if (/^[0-9.]+$/.test(v)) {
    const n = asValue(v);
    if (n === undefined) r.errors.atValue(r.field(key), `"${v}" is not an AS number (asplain 0..${MAX_U32} or asdot like "1.10")`);
    return n === undefined ? undefined : { asn: n };
  }
  if (!asSetNames.includes(v)) {
    const hint = didYouMean(v, asSetNames) || ` (the built-in one is "${BOGON_ASNS}")`;
    r.errors.atValue(r.field(key), `no [[as-set]] named "${v}"${hint}`);
    return undefined;
  }
  return { set: v };
}

// ---- set = { ... } ---------------------------------------------------------------------------

function readSet(r: TableReader, action: string | undefined, direction: string | undefined): FilterSetConfig | undefined {
  const raw = r.raw('set');
  if (raw === undefined) return {};
  if (!isTable(raw)) {
    r.errors.atValue(r.field('set'), `expected a table like { local-pref = 200 }, got ${tomlTypeName(raw)}`);
    return undefined;
  }
  const t = new TableReader(r.errors, r.field('set'), raw, FILTER_SET_KEYS);
  if (action === 'deny' && Object.keys(raw).length > 0) {
    r.errors.atKey(r.field('set'), 'a deny rule drops the route, so it has nothing to set; use action = "match" (or "allow") to change routes');
    return undefined;
  }
  const set: FilterSetConfig = {};
  const lp = readValueChange(t, 'local-pref');
  if (lp) set.localPref = lp;
  const med = readValueChange(t, 'med');
  if (med) set.med = med;
  const origin = t.choice('origin', ORIGIN_NAMES, 'origin');
  if (origin !== undefined) set.origin = origin;
  const nh = t.string('next-hop', { nonEmpty: true });
  if (nh === 'self' || nh === 'blackhole') {
    if (direction === 'from') t.errors.atValue(t.field('next-hop'), `next-hop "${nh}" applies to routes we send: only in direction = "to" rules (a from rule may set an address)`);
    else set.nextHop = nh;
  } else if (nh !== undefined) {
    const a = parseAddress(nh);
    if (a.ok) set.nextHop = a.value.text;
    else t.errors.atValue(t.field('next-hop'), `expected "self", "blackhole" or an address: ${a.message}`);
  }
  const ps = t.integer('prepend-self', RANGES.prepend);
  if (ps !== undefined) set.prependSelf = ps;
  const pn = t.integer('prepend-neighbor', RANGES.prepend);
  if (pn !== undefined) {
    if (direction === 'to') t.errors.atKey(t.field('prepend-neighbor'), 'prepend-neighbor applies to routes received: only in direction = "from" rules (use prepend-self on export)');
    else set.prependNeighbor = pn;
  }
  const lists = [
    ['community', 'standard', false, 'community'],
    ['community-delete', 'standard', true, 'communityDelete'],
    ['large-community', 'large', false, 'largeCommunity'],
    ['large-community-delete', 'large', true, 'largeCommunityDelete'],
    ['ext-community', 'ext', false, 'extCommunity'],
    ['ext-community-delete', 'ext', true, 'extCommunityDelete'],
  ] as const;
  for (const [key, kind, wildcard, prop] of lists) {
    const values = readCommunityList(t, key, kind, wildcard);
    if (values.length > 0) set[prop] = values;
  }
  return set;
}

/** 200 (set), "+10" (add), "-10" (subtract), "200" (set). */
function readValueChange(t: TableReader, key: string): ValueChange | undefined {
  const v = t.raw(key);
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') {
    const n = checkInteger(t.errors, t.field(key), v, RANGES.u32);
    return n === undefined ? undefined : { op: 'set', value: n };
  }
  const m = typeof v === 'string' ? /^([+-]?)(0|[1-9][0-9]{0,9})$/.exec(v.trim()) : null;
  if (!m || Number(m[2]) > MAX_U32) {
    t.errors.atValue(t.field(key), `expected a number 0..${MAX_U32}, or "+N" / "-N" to add or subtract, got ${typeof v === 'string' ? `"${v}"` : tomlTypeName(v)}`);
    return undefined;
  }
  return { op: m[1] === '+' ? 'add' : m[1] === '-' ? 'sub' : 'set', value: Number(m[2]) };
}

export function formatValueChange(c: ValueChange): string {
  return c.op === 'set' ? String(c.value) : `"${c.op === 'add' ? '+' : '-'}${c.value}"`;
}
