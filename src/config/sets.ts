/**
 * [[as-set]] and [[community-set]] sections: the named sets filter rules use (config/policy.ts), in
 * canonical form. AS set entries are AS numbers (asplain or asdot) or ranges "FIRST-LAST"; 0 and
 * AS_TRANS are allowed, since sets are for matching. Community set values may hold `*` wildcards
 * (policy/communities.ts); they are kept as canonical text.
 *
 *   [[as-set]]
 *   name = "customers"
 *   asns = [64496, "64512-65534", "1.10"]
 *
 *   [[community-set]]
 *   name = "blackholed"
 *   communities = ["BLACKHOLE", "65000:666"]
 *   large-communities = ["65000:666:*"]
 *   ext-communities = ["rt 65000:666"]
 */

import { BUILTIN_AS_SETS } from '../policy/builtins';
import { formatCommunityPattern, formatExtPattern, formatLargePattern, parseCommunityPattern, parseExtPattern, parseLargePattern, type Parsed } from '../policy/communities';
import type { LoadContext } from './neighbors';
import { AS_SET_KEYS, checkString, COMMUNITY_SET_KEYS, isTable, TableReader, tomlTypeName } from './schema';
import type { AsSetConfig, CommunitySetConfig } from './types';
import { MAX_U32, parseAsDot } from './values';

/** Table entries of an array of tables, each with its path; non-tables are reported. */
function tables(list: unknown[], section: string, ctx: LoadContext): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  list.forEach((raw, i) => {
    const path = `${section}[${i}]`;
    if (isTable(raw)) out.push([path, raw]);
    else ctx.errors.atValue(path, `expected a table ([[${section}]]), got ${tomlTypeName(raw)}`);
  });
  return out;
}

/** `name`: required, not empty, unique in its section, not a built-in name. */
function readSetName(r: TableReader, section: string, seen: Map<string, string>, builtins: readonly string[]): string | undefined {
  const name = r.string('name', { nonEmpty: true });
  if (!r.has('name')) r.errors.atKey(r.field('name'), 'required key is missing');
  if (name === undefined) return undefined;
  if (builtins.includes(name)) {
    r.errors.atValue(r.field('name'), `"${name}" is a built-in ${section} and cannot be redefined; choose another name`);
    return undefined;
  }
  const first = seen.get(name);
  if (first !== undefined) {
    r.errors.atValue(r.field('name'), `duplicate ${section} name "${name}" (first at line ${r.errors.lineOf(first)})`);
    return undefined;
  }
  seen.set(name, r.field('name'));
  return name;
}

// ---- [[as-set]] ------------------------------------------------------------------------------

export function compileAsSets(list: unknown[], ctx: LoadContext): AsSetConfig[] {
  const out: AsSetConfig[] = [];
  const seen = new Map<string, string>();
  for (const [path, raw] of tables(list, 'as-set', ctx)) {
    const r = new TableReader(ctx.errors, path, raw, AS_SET_KEYS);
    const name = readSetName(r, 'as-set', seen, BUILTIN_AS_SETS);
    if (name !== undefined && /^[0-9.]+$/.test(name)) {
      ctx.errors.atValue(r.field('name'), `as-set name "${name}" looks like an AS number; filters could not tell them apart`);
    }
    if (!r.has('asns')) ctx.errors.atKey(r.field('asns'), 'required key is missing');
    const asns: [number, number][] = [];
    const texts = new Map<string, string>();
    (r.array('asns') ?? []).forEach((v, i) => {
      const field = `${r.field('asns')}[${i}]`;
      const range = parseAsRange(v);
      if (!range.ok) return ctx.errors.atValue(field, range.message);
      const text = formatAsRange(range.value);
      const first = texts.get(text);
      if (first !== undefined) return ctx.errors.atValue(field, `${text} is listed twice (first at line ${ctx.errors.lineOf(first)})`);
      texts.set(text, field);
      asns.push(range.value);
    });
    if (name !== undefined && !/^[0-9.]+$/.test(name)) out.push({ name, asns });
  }
  return out;
}

export function asValue(s: string): number | undefined {
  if (/^(0|[1-9][0-9]{0,9})$/.test(s)) {
    const n = Number(s);
    return n <= MAX_U32 ? n : undefined;
  }
  const dot = parseAsDot(s);
  return dot.ok ? dot.value : undefined;
}

/** 64496, "64496", "1.10", "64512-65534" (0 and AS_TRANS allowed: sets are for matching). */
function parseAsRange(v: unknown): Parsed<[number, number]> {
  if (typeof v === 'bigint') {
    if (v >= 0n && v <= BigInt(MAX_U32)) return { ok: true, value: [Number(v), Number(v)] };
    return { ok: false, message: `AS number must be between 0 and ${MAX_U32}` };
  }
  if (typeof v !== 'string') return { ok: false, message: `expected an AS number or a range "FIRST-LAST", got ${tomlTypeName(v)}` };
  const m = /^\s*([0-9.]+)\s*(?:-\s*([0-9.]+)\s*)?$/.exec(v);
  const lo = m ? asValue(m[1]!) : undefined;
  const hi = m ? (m[2] === undefined ? lo : asValue(m[2])) : undefined;
  if (lo === undefined || hi === undefined) return { ok: false, message: `"${v}" is not an AS number or a range "FIRST-LAST" (each asplain 0..${MAX_U32} or asdot)` };
  if (lo > hi) return { ok: false, message: `"${v}": the range is empty (${lo} is more than ${hi})` };
  return { ok: true, value: [lo, hi] };
}

export function formatAsRange([lo, hi]: readonly [number, number]): string {
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

// ---- [[community-set]] -----------------------------------------------------------------------

export function compileCommunitySets(list: unknown[], ctx: LoadContext): CommunitySetConfig[] {
  const out: CommunitySetConfig[] = [];
  const seen = new Map<string, string>();
  for (const [path, raw] of tables(list, 'community-set', ctx)) {
    const r = new TableReader(ctx.errors, path, raw, COMMUNITY_SET_KEYS);
    const name = readSetName(r, 'community-set', seen, []);
    const set = {
      communities: readCommunityList(r, 'communities', 'standard', true),
      largeCommunities: readCommunityList(r, 'large-communities', 'large', true),
      extCommunities: readCommunityList(r, 'ext-communities', 'ext', true),
    };
    if (!r.has('communities') && !r.has('large-communities') && !r.has('ext-communities')) {
      ctx.errors.atKey(path, 'needs at least one of communities, large-communities, ext-communities');
    }
    if (name !== undefined) out.push({ name, ...set });
  }
  return out;
}

export type CommunityKind = 'standard' | 'large' | 'ext';

/** Canonical text of one community value of a kind, or the reason it is not one. */
function parseCommunityText(kind: CommunityKind, s: string, wildcard: boolean): Parsed<string> {
  if (kind === 'standard') {
    const p = parseCommunityPattern(s, wildcard);
    return p.ok ? { ok: true, value: formatCommunityPattern(p.value) } : p;
  }
  if (kind === 'large') {
    const p = parseLargePattern(s, wildcard);
    return p.ok ? { ok: true, value: formatLargePattern(p.value) } : p;
  }
  const p = parseExtPattern(s, wildcard);
  return p.ok ? { ok: true, value: formatExtPattern(p.value) } : p;
}

/** A string or an array of strings, each a community of `kind`, each once; canonical text. */
export function readCommunityList(r: TableReader, key: string, kind: CommunityKind, wildcard: boolean): string[] {
  const v = r.raw(key);
  if (v === undefined) return [];
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [`${r.field(key)}[${i}]`, x]) : [[r.field(key), v]];
  const out: string[] = [];
  for (const [field, x] of entries) {
    const s = checkString(r.errors, field, x);
    if (s === undefined) continue;
    const parsed = parseCommunityText(kind, s, wildcard);
    if (!parsed.ok) {
      r.errors.atValue(field, parsed.message);
      continue;
    }
    if (out.includes(parsed.value)) {
      r.errors.atValue(field, `"${s}" is listed twice`);
      continue;
    }
    out.push(parsed.value);
  }
  return out;
}
