/**
 * [[prefix-set]] and [[network]] sections: the named prefix sets, and the networks we originate.
 *
 *   [[prefix-set]]
 *   name = "anycast"
 *   prefixes = ["198.51.100.0/24", "2001:db8:100::/48", "10.0.0.0/8 or-longer"]
 *
 *   [[network]]
 *   set = "anycast"                  # or: prefix = "198.51.100.0/24"
 *   large-communities = ["64496:1:11"]
 *   health-check = "dns"             # announce while the [[health-check]] "dns" is up
 *
 * A set's entries are prefixes with the lengths they accept (prefix-items.ts): filters match with
 * them. A [[network]] names one prefix or one set; a set is expanded here into one NetworkConfig per
 * prefix, each carrying the entry's attributes and the set's name (fromSet), so the route engine sees
 * only a flat list. Only a set of plain prefixes can be announced: an or-longer or prefixlen entry
 * stands for many prefixes, none of which we have. A prefix may be originated once only, whether
 * listed directly or through a set. The built-in set names (policy/builtins.ts) cannot be redefined.
 */

import { BUILTIN_PREFIX_SETS } from '../policy/builtins';
import { IPV4_UNICAST, type FamilyKey } from '../wire/iana';
import { didYouMean } from './errors';
import type { LoadContext } from './neighbors';
import { formatPrefixItem, readPrefixItem } from './prefix-items';
import { checkString, DEFAULTS, isTable, NETWORK_KEYS, ORIGIN_NAMES, PREFIX_SET_KEYS, RANGES, TableReader, tomlTypeName } from './schema';
import type { NetworkConfig, PrefixItem, PrefixSetConfig } from './types';
import { parseCommunity, parseLargeCommunity, parsePrefix, type ParsedPrefix } from './values';

/** A set as the networks and filters see it: its entries, and where its name and each entry are. */
export interface PrefixSetEntry {
  name: string;
  field: string;
  items: PrefixItem[];
  /** The field of each entry, for messages. */
  itemFields: string[];
}

export interface PrefixSets {
  /** By name; a set whose name is missing or a duplicate is not here. */
  byName: Map<string, PrefixSetEntry>;
  /** For DaemonConfig.prefixSets: in file order. */
  list: PrefixSetConfig[];
}

export function compilePrefixSets(list: unknown[], ctx: LoadContext): PrefixSets {
  const byName = new Map<string, PrefixSetEntry>();
  const out: PrefixSetConfig[] = [];
  list.forEach((raw, i) => {
    const path = `prefix-set[${i}]`;
    if (!isTable(raw)) {
      ctx.errors.atValue(path, `expected a table ([[prefix-set]]), got ${tomlTypeName(raw)}`);
      return;
    }
    const r = new TableReader(ctx.errors, path, raw, PREFIX_SET_KEYS);
    const name = r.string('name', { nonEmpty: true });
    if (!r.has('name')) ctx.errors.atKey(r.field('name'), 'required key is missing');
    if (!r.has('prefixes')) ctx.errors.atKey(r.field('prefixes'), 'required key is missing');
    const { items, fields } = readSetItems(r);
    if (name === undefined) return;
    if (BUILTIN_PREFIX_SETS.includes(name)) {
      ctx.errors.atValue(r.field('name'), `"${name}" is a built-in prefix-set and cannot be redefined; choose another name`);
      return;
    }
    const first = byName.get(name);
    if (first) {
      ctx.errors.atValue(r.field('name'), `duplicate prefix-set name "${name}" (first at line ${ctx.errors.lineOf(first.field)})`);
      return;
    }
    byName.set(name, { name, field: r.field('name'), items, itemFields: fields });
    out.push({ name, prefixes: items });
  });
  return { byName, list: out };
}

/** `prefixes = [...]`: each entry once (by canonical form). Bad entries are left out. */
function readSetItems(r: TableReader): { items: PrefixItem[]; fields: string[] } {
  const list = r.array('prefixes') ?? [];
  const items: PrefixItem[] = [];
  const fields: string[] = [];
  const seen = new Map<string, string>();
  list.forEach((v, i) => {
    const field = `${r.field('prefixes')}[${i}]`;
    const item = readPrefixItem(r.errors, field, v);
    if (item === undefined) return;
    const text = formatPrefixItem(item);
    const first = seen.get(text);
    if (first !== undefined) return r.errors.atValue(field, `"${text}" is listed twice (first at line ${r.errors.lineOf(first)})`);
    seen.set(text, field);
    items.push(item);
    fields.push(field);
  });
  return { items, fields };
}

/** Where a prefix was first originated: the [[network]] field that brought it, and its set if any. */
interface Origination {
  field: string;
  set?: string;
}

export function compileNetworks(list: unknown[], sets: PrefixSets, healthChecks: ReadonlySet<string>, ctx: LoadContext): NetworkConfig[] {
  const out: NetworkConfig[] = [];
  const seen = new Map<string, Origination>();
  /** Each set may be named by one [[network]] only: by the field of its `set` key. */
  const setUsers = new Map<string, string>();
  const errors = ctx.errors;
  list.forEach((raw, i) => {
    const path = `network[${i}]`;
    if (!isTable(raw)) {
      errors.atValue(path, `expected a table ([[network]]), got ${tomlTypeName(raw)}`);
      return;
    }
    const r = new TableReader(errors, path, raw, NETWORK_KEYS);
    // What the entry announces: one prefix, or the prefixes of one set (undefined: an error, reported).
    let targets: ParsedPrefix[] | undefined;
    let setName: string | undefined;
    if (r.has('prefix') && r.has('set')) {
      errors.atKey(r.field('set'), '"prefix" and "set" cannot both be given: a [[network]] announces one prefix or every prefix of one [[prefix-set]]');
    } else if (!r.has('prefix') && !r.has('set')) {
      errors.atKey(path, 'needs "prefix" (one prefix) or "set" (every prefix of a [[prefix-set]])');
    } else if (r.has('prefix')) {
      const text = r.string('prefix');
      const parsed = text === undefined ? undefined : parsePrefix(text);
      if (parsed && !parsed.ok) errors.atValue(r.field('prefix'), parsed.message);
      else if (parsed) targets = [parsed.value];
    } else {
      setName = r.string('set', { nonEmpty: true });
      const set = setName === undefined ? undefined : sets.byName.get(setName);
      const earlier = setName === undefined ? undefined : setUsers.get(setName);
      const ranged = set ? set.items.findIndex((it) => it.min !== it.length || it.max !== it.length) : -1;
      if (setName !== undefined && BUILTIN_PREFIX_SETS.includes(setName)) {
        errors.atValue(r.field('set'), `"${setName}" is a built-in prefix-set for filters; a [[network]] announces prefixes of our own`);
      } else if (setName !== undefined && !set) {
        errors.atValue(r.field('set'), `no [[prefix-set]] named "${setName}"${didYouMean(setName, [...sets.byName.keys()])}`);
      } else if (set && earlier !== undefined) {
        errors.atValue(r.field('set'), `prefix-set "${set.name}" is already announced by the [[network]] at line ${errors.lineOf(earlier)}; a prefix is announced once`);
      } else if (set && ranged >= 0) {
        const item = set.items[ranged]!;
        errors.atValue(
          r.field('set'),
          `prefix-set "${set.name}" cannot be announced: its entry "${formatPrefixItem(item)}" (line ${errors.lineOf(set.itemFields[ranged]!)}) stands for more than one prefix; a [[network]] set needs plain prefixes`,
        );
      } else if (set) {
        setUsers.set(set.name, r.field('set'));
        targets = set.items.map((it) => ({ text: it.prefix, family: it.family }));
      }
    }

    const origin = r.choice('origin', ORIGIN_NAMES, 'origin') ?? DEFAULTS.origin;
    const communities = readList(r, 'communities', parseCommunity, (c) => String(c));
    const large = readList(r, 'large-communities', parseLargeCommunity, (c) => c.join(':'));
    const med = r.integer('med', RANGES.u32);
    const localPref = r.integer('local-pref', RANGES.u32);
    const nextHop = readNextHop(r, targets, setName);
    const healthCheck = r.string('health-check', { nonEmpty: true });
    if (healthCheck !== undefined && !healthChecks.has(healthCheck)) {
      errors.atValue(r.field('health-check'), `no [[health-check]] named "${healthCheck}"${didYouMean(healthCheck, [...healthChecks])}`);
    }
    if (targets === undefined) return;

    const field = r.field(setName === undefined ? 'prefix' : 'set');
    for (const p of targets) {
      const first = seen.get(p.text);
      if (first !== undefined) {
        const here = setName === undefined ? '' : `, in prefix-set "${setName}"`;
        const there = first.set === undefined ? '' : `, in prefix-set "${first.set}"`;
        errors.atValue(field, `duplicate network ${p.text}${here} (first at line ${errors.lineOf(first.field)}${there})`);
        continue;
      }
      seen.set(p.text, setName === undefined ? { field } : { field, set: setName });
      const n: NetworkConfig = { prefix: p.text, family: p.family, origin, communities: [...communities], largeCommunities: large.map((c) => [...c] as [number, number, number]) };
      if (med !== undefined) n.med = med;
      if (localPref !== undefined) n.localPref = localPref;
      if (nextHop !== undefined) n.nextHop = nextHop;
      if (setName !== undefined) n.fromSet = setName;
      if (healthCheck !== undefined) n.healthCheck = healthCheck;
      out.push(n);
    }
  });
  return out;
}

/** `next-hop`, which must be of the family of every prefix the entry announces. */
function readNextHop(r: TableReader, targets: ParsedPrefix[] | undefined, setName: string | undefined): string | undefined {
  if (setName === undefined) {
    // A single prefix: TableReader says "... is not an IPv4 address" itself.
    return (targets ? r.address('next-hop', targets[0]!.family) : r.address('next-hop'))?.text;
  }
  const nextHop = r.address('next-hop');
  if (!nextHop || !targets) return nextHop?.text;
  const other = targets.filter((p) => p.family !== nextHop.family);
  if (other.length === 0) return nextHop.text;
  const family = (f: FamilyKey) => (f === IPV4_UNICAST ? 'IPv4' : 'IPv6');
  const them = `${family(other[0]!.family)} ${other.length === 1 ? 'prefix' : 'prefixes'}`;
  const shown = other.slice(0, 3).map((p) => p.text).join(', ') + (other.length > 3 ? ', ...' : '');
  r.errors.atValue(
    r.field('next-hop'),
    `${nextHop.text} is an ${family(nextHop.family)} next hop but prefix-set "${setName}" holds ${other.length === 1 ? 'an' : other.length} ${them} (${shown}): a next hop needs a set of one family`,
  );
  return undefined;
}

/** An array of strings, each parsed; duplicates (by parsed value) are errors. */
export function readList<T>(r: TableReader, key: string, parse: (s: string) => { ok: true; value: T } | { ok: false; message: string }, identity: (v: T) => string): T[] {
  const list = r.array(key) ?? [];
  const out: T[] = [];
  const seen = new Set<string>();
  list.forEach((v, i) => {
    const field = `${r.field(key)}[${i}]`;
    const s = checkString(r.errors, field, v);
    if (s === undefined) return;
    const parsed = parse(s);
    if (!parsed.ok) return r.errors.atValue(field, parsed.message);
    const id = identity(parsed.value);
    if (seen.has(id)) return r.errors.atValue(field, `"${s}" is listed twice`);
    seen.add(id);
    out.push(parsed.value);
  });
  return out;
}
