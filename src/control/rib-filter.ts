/**
 * The filters of `show rib` (bgpctl's `as`, `source-as`, `transit-as`, `peer-as`, `community`,
 * `large-community`): parsing their text and matching attributes against them. Shared by tsbgpctl
 * (to refuse a bad filter before asking) and the daemon (which filters before sending, so a filter
 * over a full table does not ship the table).
 *
 * AS filters match the effective AS path (RFC 6793: AS4_PATH merged in): `as` any AS in it,
 * `source-as` the last (originating) one, `transit-as` any but the last, `peer-as` the first. An
 * empty path (an iBGP or local route from our own AS) matches none of them. Community filters take
 * `*` for either half (`65000:*`) and the well-known names (`NO_EXPORT`).
 */

import type { AsPathSegment } from '../wire/attributes/types';
import { WELL_KNOWN_COMMUNITIES } from './bgp-text';

export const AS_FILTER_TYPES = ['as', 'source-as', 'transit-as', 'peer-as'] as const;
export type AsFilterType = (typeof AS_FILTER_TYPES)[number];

export interface AsFilter {
  type: AsFilterType;
  asn: number;
}

/** One part of a community pattern: a number, or any (`*`). */
export type Part = number | '*';

export interface CommunityFilter {
  asn: Part;
  value: Part;
}

export type LargeCommunityFilter = [Part, Part, Part];

/** An AS number: plain (`4200000001`) or asdot (`64086.59905`); throws on anything else. */
export function parseAsn(text: string): number {
  const m = /^(\d{1,10})(?:\.(\d{1,5}))?$/.exec(text);
  const n = m ? (m[2] === undefined ? Number(m[1]) : Number(m[1]) * 65536 + Number(m[2])) : NaN;
  const ok = m !== null && (m[2] === undefined ? n <= 0xffffffff : Number(m[1]) <= 0xffff && Number(m[2]) <= 0xffff);
  if (!ok) throw new Error(`not an AS number: ${text}`);
  return n;
}

function part(text: string, max: number, what: string): Part {
  if (text === '*') return '*';
  if (!/^\d{1,10}$/.test(text) || Number(text) > max) throw new Error(`not a ${what}: ${text}`);
  return Number(text);
}

/** `65000:100`, `65000:*`, `*:100` or a well-known name (any case). */
export function parseCommunity(text: string): CommunityFilter {
  const known = WELL_KNOWN_COMMUNITIES.get(text.toUpperCase());
  if (known !== undefined) return { asn: Math.floor(known / 65536), value: known % 65536 };
  const halves = text.split(':');
  if (halves.length !== 2) throw new Error(`not a community: ${text} (expected AS:VALUE, * for any, or a name such as NO_EXPORT)`);
  return { asn: part(halves[0]!, 0xffff, 'community'), value: part(halves[1]!, 0xffff, 'community') };
}

/** `65000:1:2`, any part `*`. */
export function parseLargeCommunity(text: string): LargeCommunityFilter {
  const p = text.split(':');
  if (p.length !== 3) throw new Error(`not a large community: ${text} (expected GLOBAL:LOCAL1:LOCAL2)`);
  return [part(p[0]!, 0xffffffff, 'large community'), part(p[1]!, 0xffffffff, 'large community'), part(p[2]!, 0xffffffff, 'large community')];
}

const fits = (p: Part, v: number): boolean => p === '*' || p === v;

export function matchesCommunity(list: readonly number[] | undefined, f: CommunityFilter): boolean {
  if (!list) return false;
  for (const c of list) if (fits(f.asn, Math.floor(c / 65536)) && fits(f.value, c % 65536)) return true;
  return false;
}

export function matchesLargeCommunity(list: readonly (readonly [number, number, number])[] | undefined, f: LargeCommunityFilter): boolean {
  if (!list) return false;
  for (const c of list) if (fits(f[0], c[0]) && fits(f[1], c[1]) && fits(f[2], c[2])) return true;
  return false;
}

export function matchesAsPath(path: readonly AsPathSegment[], f: AsFilter): boolean {
  const all: number[] = [];
  for (const s of path) all.push(...s.asns);
  if (all.length === 0) return false;
  switch (f.type) {
    case 'as':
      return all.includes(f.asn);
    case 'peer-as':
      return all[0] === f.asn;
    case 'source-as':
      return all[all.length - 1] === f.asn;
    case 'transit-as':
      return all.slice(0, -1).includes(f.asn);
  }
}
