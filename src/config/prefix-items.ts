/**
 * Prefix entries with the lengths they accept, as OpenBGPD's prefix-set entries and `prefix` filters
 * write them, in text or as an inline table:
 *
 *   "198.51.100.0/24"                          that prefix only
 *   "10.0.0.0/8 or-longer"                     10.0.0.0/8 and everything inside it
 *   "0.0.0.0/0 prefixlen >= 25"                anything IPv4 of length 25 or more
 *   "192.0.2.0/24 prefixlen 24 - 28"           within 192.0.2.0/24, lengths 24 to 28
 *   { prefix = "10.0.0.0/8", or-longer = true }  { prefix = "...", prefixlen = "24-28" }
 *
 * prefixlen takes `= N`, `< N`, `<= N`, `> N`, `>= N` or `A - B`; the lengths must lie between the
 * prefix's own length and the family's width (a /8 cannot contain a /7). The canonical text (what
 * `-nv` prints) is the first form that says it: plain, or-longer, `prefixlen >= N`, `prefixlen = N`,
 * `prefixlen A - B`.
 */

import type { FamilyKey } from '../wire/iana';
import { IPV4_UNICAST } from '../wire/iana';
import type { ErrorCollector } from './errors';
import { isTable, TableReader, tomlTypeName } from './schema';
import type { LengthQualifier, PrefixItem } from './types';
import { parsePrefix, type Parsed } from './values';

export const PREFIX_ITEM_KEYS = ['prefix', 'or-longer', 'prefixlen'] as const;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

export const bitsOf = (family: FamilyKey): number => (family === IPV4_UNICAST ? 32 : 128);

/**
 * A prefixlen expression. `own`: the length of the prefix it qualifies (the lower bound of `<`
 * forms and the least allowed), absent for a qualifier of a whole prefix set; `bits`: the widest.
 */
export function parseLengthRange(text: string, own: number | undefined, bits: number): Parsed<{ min: number; max: number }> {
  const t = text.trim();
  const usage = `bad prefixlen "${text}": expected "= N", "< N", "<= N", "> N", ">= N" or "A - B"`;
  let min: number;
  let max: number;
  const range = /^([0-9]{1,3})\s*-\s*([0-9]{1,3})$/.exec(t);
  const op = /^(=|<|<=|>|>=)?\s*([0-9]{1,3})$/.exec(t);
  if (range) {
    min = Number(range[1]);
    max = Number(range[2]);
  } else if (op) {
    const n = Number(op[2]);
    const floor = own ?? 0;
    switch (op[1] ?? '=') {
      case '=':
        min = max = n;
        break;
      case '<':
        [min, max] = [floor, n - 1];
        break;
      case '<=':
        [min, max] = [floor, n];
        break;
      case '>':
        [min, max] = [n + 1, bits];
        break;
      default:
        [min, max] = [n, bits];
    }
  } else return fail(usage);
  if (range && min > max) return fail(`bad prefixlen "${text}": the range is empty (${min} is more than ${max})`);
  if (Math.max(min, max) > bits) return fail(`bad prefixlen "${text}": lengths go up to ${bits}`);
  if (max < min) return fail(`bad prefixlen "${text}": no length is left (nothing from ${min} to ${max})`);
  if (own !== undefined && min < own) return fail(`bad prefixlen "${text}": lengths from ${min} are shorter than the prefix's own /${own}, which no prefix inside it can be`);
  return ok({ min, max });
}

/** "PREFIX", "PREFIX or-longer" or "PREFIX prefixlen ..." (see the module comment). */
export function parsePrefixItemText(s: string): Parsed<PrefixItem> {
  const m = /^(\S+)(?:\s+(.*))?$/.exec(s.trim());
  if (!m) return fail(`"${s}" is not a prefix (expected ADDRESS/LENGTH, like "198.51.100.0/24" or "2001:db8::/32")`);
  const p = parsePrefix(m[1]!);
  if (!p.ok) return p;
  const length = Number(p.value.text.slice(p.value.text.indexOf('/') + 1));
  const bits = bitsOf(p.value.family);
  const base = { prefix: p.value.text, family: p.value.family, length };
  const rest = m[2]?.trim();
  if (rest === undefined || rest === '') return ok({ ...base, min: length, max: length });
  if (rest === 'or-longer') return ok({ ...base, min: length, max: bits });
  const pl = /^prefixlen\s+(.*)$/.exec(rest);
  if (!pl) return fail(`"${s}": after the prefix expected "or-longer" or "prefixlen ...", got "${rest}"`);
  const r = parseLengthRange(pl[1]!, length, bits);
  if (!r.ok) return fail(`"${s}": ${r.message}`);
  return ok({ ...base, ...r.value });
}

export function formatPrefixItem(i: PrefixItem): string {
  const bits = bitsOf(i.family);
  if (i.min === i.length && i.max === i.length) return i.prefix;
  if (i.min === i.length && i.max === bits) return `${i.prefix} or-longer`;
  return `${i.prefix} prefixlen ${formatRange(i.min, i.max, bits)}`;
}

/** `>= N` when open-ended, `= N` for one length, else `A - B`. */
export function formatRange(min: number, max: number, bits: number): string {
  if (max === bits && min !== max) return `>= ${min}`;
  if (min === max) return `= ${min}`;
  return `${min} - ${max}`;
}

export function formatLengthQualifier(q: LengthQualifier): { key: 'or-longer' | 'prefixlen'; text: string } {
  if ('orLonger' in q) return { key: 'or-longer', text: 'true' };
  // A set's qualifier is not tied to a family: 128 stands for "up to the family's width".
  return { key: 'prefixlen', text: formatRange(q.min, q.max, 128) };
}

/**
 * One entry of a `prefixes` / `prefix` list at `field`: text or an inline table. Reports and
 * returns undefined when it is wrong.
 */
export function readPrefixItem(errors: ErrorCollector, field: string, v: unknown): PrefixItem | undefined {
  if (typeof v === 'string') {
    const parsed = parsePrefixItemText(v);
    if (parsed.ok) return parsed.value;
    errors.atValue(field, parsed.message);
    return undefined;
  }
  if (!isTable(v)) {
    errors.atValue(field, `expected a prefix like "198.51.100.0/24" (optionally "... or-longer" / "... prefixlen 24 - 28") or a table { prefix = "...", or-longer = true }, got ${tomlTypeName(v)}`);
    return undefined;
  }
  const t = new TableReader(errors, field, v, PREFIX_ITEM_KEYS);
  if (!t.has('prefix')) errors.atKey(t.field('prefix'), 'required key is missing');
  const text = t.string('prefix');
  const parsed = text === undefined ? undefined : parsePrefix(text);
  if (parsed && !parsed.ok) errors.atValue(t.field('prefix'), parsed.message);
  const prefix = parsed?.ok ? parsed.value : undefined;
  const length = prefix ? Number(prefix.text.slice(prefix.text.indexOf('/') + 1)) : undefined;
  const bits = prefix ? bitsOf(prefix.family) : 128;
  const orLonger = t.boolean('or-longer');
  let range: { min: number; max: number } | undefined;
  if (t.has('or-longer') && t.has('prefixlen')) {
    errors.atKey(t.field('prefixlen'), 'or-longer and prefixlen cannot both be given (or-longer is prefixlen >= the prefix length)');
    return undefined;
  }
  if (t.has('prefixlen')) {
    range = readLengthValue(t, 'prefixlen', length, bits);
    if (range === undefined) return undefined;
  }
  if (!prefix || length === undefined || (t.has('or-longer') && orLonger === undefined)) return undefined;
  const base = { prefix: prefix.text, family: prefix.family, length };
  if (range) return { ...base, ...range };
  return orLonger ? { ...base, min: length, max: bits } : { ...base, min: length, max: length };
}

/** `prefixlen = "24 - 28"` / `">= 25"` / `24` at key of t. */
export function readLengthValue(t: TableReader, key: string, own: number | undefined, bits: number): { min: number; max: number } | undefined {
  const v = t.raw(key);
  let text: string;
  if (typeof v === 'bigint') text = String(v);
  else if (typeof v === 'string') text = v;
  else {
    t.errors.atValue(t.field(key), `expected a length range like ">= 25" or "24 - 28" (or an integer), got ${tomlTypeName(v)}`);
    return undefined;
  }
  const r = parseLengthRange(text, own, bits);
  if (r.ok) return r.value;
  t.errors.atValue(t.field(key), r.message);
  return undefined;
}
