/**
 * Set actions of filter rules, applied copy-on-write: a PathAttributes object is shared by every
 * prefix of an UPDATE (and interned), so an action never mutates its input; it returns the input
 * itself when nothing changes, else a shallow copy with the changed fields (segments and community
 * arrays are new arrays, the rest is shared).
 *
 * Next hops: in a `from` rule an address replaces the route's next hop of its family (NEXT_HOP for
 * IPv4, MP_REACH_NLRI's for IPv6). In a `to` rule the next hop is only recorded on the result
 * (nextHopAction), because the export rewrite that runs after the policy sets the next hop and then
 * applies the recorded one; `blackhole` also adds the BLACKHOLE community (RFC 7999).
 */

import type { FilterSetConfig, ValueChange } from '../config/types';
import type { AsPathSegment, PathAttributes } from '../wire/attributes/types';
import { AsPathSegmentType } from '../wire/iana';
import { BLACKHOLE_COMMUNITY, CommunityMatcher, communityToAdd, extToAdd, largeToAdd } from './communities';

const MAX_U32 = 4294967295;
/** RFC 4271 sec. 9.1.1 / the decision process: a route without LOCAL_PREF counts as 100. */
const DEFAULT_LOCAL_PREF = 100;

export interface CompiledSet {
  localPref?: ValueChange;
  med?: ValueChange;
  origin?: number;
  nextHop?: string;
  prependSelf: number;
  prependNeighbor: number;
  communityDelete: CommunityMatcher | null;
  communityAdd: number[];
  largeDelete: CommunityMatcher | null;
  largeAdd: [number, number, number][];
  extDelete: CommunityMatcher | null;
  extAdd: string[];
}

/** Nothing to do: the rule has no set actions. */
export function isEmptySet(s: FilterSetConfig): boolean {
  return Object.values(s).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
}

export function compileSet(s: FilterSetConfig): CompiledSet {
  const out: CompiledSet = {
    prependSelf: s.prependSelf ?? 0,
    prependNeighbor: s.prependNeighbor ?? 0,
    communityDelete: s.communityDelete?.length ? new CommunityMatcher(s.communityDelete, [], []) : null,
    communityAdd: (s.community ?? []).map(communityToAdd),
    largeDelete: s.largeCommunityDelete?.length ? new CommunityMatcher([], s.largeCommunityDelete, []) : null,
    largeAdd: (s.largeCommunity ?? []).map(largeToAdd),
    extDelete: s.extCommunityDelete?.length ? new CommunityMatcher([], [], s.extCommunityDelete) : null,
    extAdd: (s.extCommunity ?? []).map(extToAdd),
  };
  if (s.localPref !== undefined) out.localPref = s.localPref;
  if (s.med !== undefined) out.med = s.med;
  if (s.origin !== undefined) out.origin = s.origin;
  if (s.nextHop !== undefined) out.nextHop = s.nextHop;
  return out;
}

export function changeValue(current: number | undefined, c: ValueChange, base: number): number {
  if (c.op === 'set') return c.value;
  const from = current ?? base;
  const v = c.op === 'add' ? from + c.value : from - c.value;
  return Math.min(MAX_U32, Math.max(0, v));
}

export interface ActionContext {
  localAs: number;
  remoteAs: number;
  /** Export (`to` rules): next hops are recorded, not written. */
  out: boolean;
}

/**
 * Apply one rule's actions. Returns `a` itself when nothing changed (and no next hop is to be
 * recorded), else a new object; `nextHop` is what the caller records for a `to` rule.
 */
export function applySet(a: PathAttributes, s: CompiledSet, ctx: ActionContext): { attrs: PathAttributes; nextHop?: string } {
  let copy: PathAttributes | null = null;
  const w = (): PathAttributes => (copy ??= { ...a });

  if (s.localPref !== undefined) {
    const v = changeValue(a.localPref, s.localPref, DEFAULT_LOCAL_PREF);
    if (v !== a.localPref) w().localPref = v;
  }
  if (s.med !== undefined) {
    const v = changeValue(a.med, s.med, 0);
    if (v !== a.med) w().med = v;
  }
  if (s.origin !== undefined && s.origin !== a.origin) w().origin = s.origin;

  let recorded: string | undefined;
  if (s.nextHop !== undefined) {
    if (ctx.out) {
      recorded = s.nextHop;
      w(); // a recorded next hop needs an object of its own to be recorded on
    } else if (s.nextHop !== 'self' && s.nextHop !== 'blackhole') {
      setNextHop(a, s.nextHop, w);
    }
  }

  const prepends: number[] = [];
  for (let i = 0; i < s.prependSelf; i++) prepends.push(ctx.localAs);
  for (let i = 0; i < s.prependNeighbor; i++) prepends.unshift(ctx.remoteAs);
  if (prepends.length > 0) w().asPath = prepend(a.asPath, prepends);

  let communities = a.communities;
  if (s.communityDelete !== null && communities !== undefined) communities = communities.filter((c) => !s.communityDelete!.standard(c));
  if (s.communityAdd.length > 0) communities = addMissing(communities, s.communityAdd);
  if (recorded === 'blackhole') communities = addMissing(communities, [BLACKHOLE_COMMUNITY]);
  if (communities !== a.communities && !sameList(communities, a.communities)) w().communities = communities?.length ? communities : undefined;

  let large = a.largeCommunities;
  if (s.largeDelete !== null && large !== undefined) large = large.filter((c) => !s.largeDelete!.largeOne(c));
  for (const c of s.largeAdd) {
    if (large?.some((x) => x[0] === c[0] && x[1] === c[1] && x[2] === c[2])) continue;
    large = [...(large ?? []), [c[0], c[1], c[2]]];
  }
  if (large !== a.largeCommunities && !sameLarge(large, a.largeCommunities)) w().largeCommunities = large?.length ? large : undefined;

  let ext = a.extCommunities;
  if (s.extDelete !== null && ext !== undefined) ext = ext.filter((c) => !s.extDelete!.extOne(c));
  if (s.extAdd.length > 0) ext = addMissing(ext, s.extAdd);
  if (ext !== a.extCommunities && !sameList(ext, a.extCommunities)) w().extCommunities = ext?.length ? ext : undefined;

  const attrs = copy ?? a;
  return recorded === undefined ? { attrs } : { attrs, nextHop: recorded };
}

/** In a `from` rule: replace the next hop carried for the address's family, if the route has one. */
function setNextHop(a: PathAttributes, addr: string, w: () => PathAttributes): void {
  const v6 = addr.includes(':');
  if (!v6 && a.nextHop !== undefined && a.nextHop !== addr) w().nextHop = addr;
  const mp = a.mpReach;
  if (mp !== undefined && (mp.afi === 2) === v6 && (mp.nextHop !== addr || mp.linkLocalNextHop !== undefined)) {
    const { linkLocalNextHop: _dropped, ...rest } = mp;
    w().mpReach = { ...rest, nextHop: addr };
  }
}

function prepend(path: readonly AsPathSegment[] | undefined, asns: number[]): AsPathSegment[] {
  const segs = path ?? [];
  const first = segs[0];
  if (first !== undefined && first.type === AsPathSegmentType.AS_SEQUENCE) {
    return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [...asns, ...first.asns] }, ...segs.slice(1)];
  }
  return [{ type: AsPathSegmentType.AS_SEQUENCE, asns }, ...segs];
}

function addMissing<T>(list: T[] | undefined, add: readonly T[]): T[] {
  let out = list ?? [];
  for (const v of add) if (!out.includes(v)) out = [...out, v];
  return out;
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameLarge(a: readonly (readonly number[])[] | undefined, b: readonly (readonly number[])[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v[0] === y[i]![0] && v[1] === y[i]![1] && v[2] === y[i]![2]);
}
