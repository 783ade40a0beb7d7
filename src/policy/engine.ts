/**
 * The filter engine: OpenBGPD's filter model (bgpd.conf(5), FILTER) over compiled rules.
 *
 * For one neighbour and direction the rules that apply (direction, peer selector) are picked once,
 * in forPeer. A route is then run through them in file order: every rule whose conditions all hold
 * "matches"; the last matching allow or deny rule decides, unless a matching `quick` rule stops the
 * walk first; a `match` rule never decides. Set actions of each matching allow or match rule are
 * applied as the walk passes it, so later rules see their effect (a community set by one rule can be
 * matched by the next). A final deny gives null. With no deciding rule the default applies: deny for
 * eBGP neighbours when ebgp-requires-policy is on (RFC 8212 sec. 3: no routes are accepted from or
 * advertised to an eBGP peer without an explicit policy), allow otherwise.
 *
 * Departures and choices where bgpd.conf(5) leaves room:
 * - source-as of an empty AS path (a route of our own AS, local or from iBGP) is our AS.
 * - The AS path conditions read the path flattened (AS_SET members in place, confederation segments
 *   left out); transit-as is every AS but the rightmost, peer-as the leftmost.
 * - A deny rule carries no set actions (the config refuses them).
 *
 * Speed: results are memoised per input attribute object and rule (WeakMaps), so a set of
 * attributes shared by many prefixes is rewritten once, and the same input and the same applied
 * rules always give the same object (callers group routes by identity). Conditions on attributes
 * are cached for the attribute object being evaluated, so per prefix only prefix conditions run.
 */

import type { FilterRuleConfig, PeerSelector, PolicyConfig, PrefixItem } from '../config/types';
import type { PrefixKey } from '../rib/prefix-key';
import { parseAddress } from '../config/values';
import type { PathAttributes } from '../wire/attributes/types';
import { asPathLength, effectiveAsPath } from '../wire/update';
import { AsPathSegmentType, type FamilyKey } from '../wire/iana';
import { applySet, compileSet, isEmptySet, type CompiledSet } from './actions';
import { AsSetMatcher } from './as-set';
import { bogonAsns, bogonPrefixes, BOGON_ASNS, BOGONS } from './builtins';
import { CommunityMatcher } from './communities';
import { familyBits, PrefixMatcher } from './prefix-set';
import type { Direction, PeerPolicy, Policy, PolicyPeer } from './types';

const ALLOW = 0;
const DENY = 1;
const MATCH = 2;

/** The next hop a `to` rule set on this result ('self', 'blackhole' or an address), if any. */
const recordedNextHops = new WeakMap<PathAttributes, string>();

export function nextHopAction(result: PathAttributes): string | undefined {
  return recordedNextHops.get(result);
}

type AttrTest = (a: PathAttributes, localAs: number) => boolean;

interface CompiledRule {
  index: number;
  action: number;
  dir: Direction;
  quick: boolean;
  peer: PeerSelector;
  /** -1: any family. */
  family: FamilyKey;
  prefix: PrefixMatcher | null;
  attrTest: AttrTest | null;
  set: CompiledSet | null;
}

export function compilePolicy(cfg: PolicyConfig): Policy {
  return new CompiledPolicy(cfg);
}

class CompiledPolicy implements Policy {
  private readonly rules: CompiledRule[];
  private readonly shared = new Map<string, PeerPolicyImpl>();

  constructor(private readonly cfg: PolicyConfig) {
    const prefixSets = new Map<string, PrefixItem[]>([[BOGONS, bogonPrefixes()]]);
    for (const s of cfg.prefixSets) prefixSets.set(s.name, s.prefixes);
    const asSets = new Map<string, AsSetMatcher>([[BOGON_ASNS, new AsSetMatcher(bogonAsns())]]);
    for (const s of cfg.asSets) asSets.set(s.name, new AsSetMatcher(s.asns));
    const communitySets = new Map(cfg.communitySets.map((s) => [s.name, new CommunityMatcher(s.communities, s.largeCommunities, s.extCommunities)]));
    const matchers = new Map<string, PrefixMatcher>();
    this.rules = cfg.rules.map((r, index) => compileRule(r, index, { prefixSets, asSets, communitySets, matchers }));
  }

  forPeer(dir: Direction, peer: PolicyPeer): PeerPolicy {
    const address = canonicalAddress(peer.address);
    const rules = this.rules.filter((r) => r.dir === dir && selects(r.peer, peer, address));
    const defaultAllow = !(peer.ebgp && this.cfg.ebgpRequiresPolicy);
    // Neighbours that see the same rules share one PeerPolicy, and so the same result objects.
    const key = `${dir}|${defaultAllow}|${peer.localAs}|${peer.remoteAs}|${rules.map((r) => r.index).join(',')}`;
    let p = this.shared.get(key);
    if (!p) {
      p = new PeerPolicyImpl(rules, defaultAllow, { localAs: peer.localAs, remoteAs: peer.remoteAs, out: dir === 'out' });
      this.shared.set(key, p);
    }
    return p;
  }

  nextHopAction(result: PathAttributes): string | undefined {
    return recordedNextHops.get(result);
  }
}

function canonicalAddress(a: string): string {
  const p = parseAddress(a);
  return p.ok ? p.value.text : a;
}

function selects(sel: PeerSelector, peer: PolicyPeer, address: string): boolean {
  switch (sel.kind) {
    case 'any':
      return true;
    case 'ibgp':
      return !peer.ebgp;
    case 'ebgp':
      return peer.ebgp;
    case 'neighbor':
      return sel.address === address;
    case 'group':
      return peer.group === sel.name;
    case 'remote-as':
      return peer.remoteAs === sel.asn;
  }
}

interface Sets {
  prefixSets: Map<string, PrefixItem[]>;
  asSets: Map<string, AsSetMatcher>;
  communitySets: Map<string, CommunityMatcher>;
  /** Compiled prefix-set matchers by set name and length qualifier, shared between rules. */
  matchers: Map<string, PrefixMatcher>;
}

function compileRule(r: FilterRuleConfig, index: number, sets: Sets): CompiledRule {
  const rule: CompiledRule = {
    index,
    action: r.action === 'allow' ? ALLOW : r.action === 'deny' ? DENY : MATCH,
    dir: r.direction === 'from' ? 'in' : 'out',
    quick: r.quick,
    peer: r.peer.kind === 'neighbor' ? { kind: 'neighbor', address: canonicalAddress(r.peer.address) } : r.peer,
    family: r.family ?? -1,
    prefix: null,
    attrTest: null,
    set: r.action !== 'deny' && !isEmptySet(r.set) ? compileSet(r.set) : null,
  };
  if (r.prefixes !== undefined) rule.prefix = new PrefixMatcher(r.prefixes);
  if (r.prefixSet !== undefined) rule.prefix = prefixSetMatcher(r, sets);

  const tests: AttrTest[] = [];
  const asTest = compileAsTest(r, sets);
  if (asTest) tests.push(asTest);
  if (r.maxAsLen !== undefined) {
    const max = r.maxAsLen;
    tests.push((a) => asPathLength(effectiveAsPath(a, true)) > max);
  }
  if (r.communities?.length) {
    const m = new CommunityMatcher(r.communities, [], []);
    tests.push((a) => m.anyStandard(a.communities));
  }
  if (r.largeCommunities?.length) {
    const m = new CommunityMatcher([], r.largeCommunities, []);
    tests.push((a) => m.anyLarge(a.largeCommunities));
  }
  if (r.extCommunities?.length) {
    const m = new CommunityMatcher([], [], r.extCommunities);
    tests.push((a) => m.anyExt(a.extCommunities));
  }
  if (r.communitySet !== undefined) {
    const m = sets.communitySets.get(r.communitySet);
    if (!m) throw new Error(`filter ${index}: no community-set "${r.communitySet}"`);
    tests.push((a) => m.anyStandard(a.communities) || m.anyLarge(a.largeCommunities) || m.anyExt(a.extCommunities));
  }
  if (r.nextHop !== undefined) {
    const nh = canonicalAddress(r.nextHop);
    if (nh.includes(':')) tests.push((a) => a.mpReach !== undefined && a.mpReach.afi === 2 && a.mpReach.nextHop === nh);
    else tests.push((a) => a.nextHop === nh || (a.mpReach !== undefined && a.mpReach.afi === 1 && a.mpReach.nextHop === nh));
  }
  if (tests.length === 1) rule.attrTest = tests[0]!;
  else if (tests.length > 1) rule.attrTest = (a, localAs) => tests.every((t) => t(a, localAs));
  return rule;
}

function prefixSetMatcher(r: FilterRuleConfig, sets: Sets): PrefixMatcher {
  const name = r.prefixSet!;
  const q = r.prefixSetLength;
  const key = `${name}|${q === undefined ? '' : 'orLonger' in q ? 'or-longer' : `${q.min}-${q.max}`}`;
  const known = sets.matchers.get(key);
  if (known) return known;
  const items = sets.prefixSets.get(name);
  if (!items) throw new Error(`no prefix-set "${name}"`);
  let qualified = items;
  if (q !== undefined && 'orLonger' in q) qualified = items.map((i) => ({ ...i, max: familyBits(i.family) }));
  else if (q !== undefined) qualified = items.map((i) => ({ ...i, min: Math.max(i.length, q.min), max: Math.min(q.max, familyBits(i.family)) }));
  const m = new PrefixMatcher(qualified);
  sets.matchers.set(key, m);
  return m;
}

/** source-as / transit-as / peer-as / as, all of which must hold, over one flattened path. */
function compileAsTest(r: FilterRuleConfig, sets: Sets): AttrTest | null {
  const operand = (o: FilterRuleConfig['sourceAs']): ((asn: number) => boolean) | null => {
    if (o === undefined) return null;
    if ('asn' in o) {
      const want = o.asn;
      return (asn) => asn === want;
    }
    const m = sets.asSets.get(o.set);
    if (!m) throw new Error(`no as-set "${o.set}"`);
    return (asn) => m.has(asn);
  };
  const source = operand(r.sourceAs);
  const transit = operand(r.transitAs);
  const peer = operand(r.peerAs);
  const any = operand(r.anyAs);
  if (!source && !transit && !peer && !any) return null;
  return (a, localAs) => {
    const asns = flatten(a);
    const n = asns.length;
    if (source && !source(n === 0 ? localAs : asns[n - 1]!)) return false;
    if (peer && (n === 0 || !peer(asns[0]!))) return false;
    if (transit && !someIn(asns, 0, n - 1, transit)) return false;
    if (any && !someIn(asns, 0, n, any)) return false;
    return true;
  };
}

function someIn(asns: number[], from: number, to: number, test: (asn: number) => boolean): boolean {
  for (let i = from; i < to; i++) if (test(asns[i]!)) return true;
  return false;
}

/** The path's ASes left to right: AS_SET members in place, confederation segments left out. */
function flatten(a: PathAttributes): number[] {
  const asns: number[] = [];
  for (const seg of effectiveAsPath(a, true)) {
    if (seg.type === AsPathSegmentType.AS_SEQUENCE || seg.type === AsPathSegmentType.AS_SET) for (const x of seg.asns) asns.push(x);
  }
  return asns;
}

/** Results of attribute conditions for one attribute object: 0 unknown, 1 true, 2 false. */
class AttrCache {
  obj: PathAttributes | null = null;
  readonly vals: Uint8Array;
  constructor(n: number) {
    this.vals = new Uint8Array(n);
  }
}

class PeerPolicyImpl implements PeerPolicy {
  readonly passAll: boolean;
  readonly prefixDependent: boolean;
  /** For each input object, the object after each rule's actions (by rule position). */
  private readonly steps = new WeakMap<PathAttributes, Map<number, PathAttributes>>();
  /** The input of the current evaluation, and the object the latest actions produced. */
  private readonly inputCache: AttrCache;
  private readonly stepCache: AttrCache;

  constructor(
    private readonly rules: CompiledRule[],
    private readonly defaultAllow: boolean,
    private readonly ctx: { localAs: number; remoteAs: number; out: boolean },
  ) {
    this.passAll = rules.length === 0 && defaultAllow;
    this.prefixDependent = rules.some((r) => r.family !== -1 || r.prefix !== null);
    this.inputCache = new AttrCache(rules.length);
    this.stepCache = new AttrCache(rules.length);
  }

  evaluate(family: FamilyKey, key: PrefixKey, attrs: PathAttributes): PathAttributes | null {
    const rules = this.rules;
    let cur = attrs;
    let verdict = -1;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.family !== -1 && r.family !== family) continue;
      if (r.prefix !== null && !r.prefix.match(key)) continue;
      if (r.attrTest !== null && !this.attrMatch(cur, attrs, i, r.attrTest)) continue;
      if (r.action === DENY) {
        verdict = DENY;
      } else {
        if (r.set !== null) cur = this.step(cur, i, r.set);
        if (r.action === ALLOW) verdict = ALLOW;
      }
      if (r.quick) break;
    }
    const allowed = verdict === ALLOW || (verdict === -1 && this.defaultAllow);
    return allowed ? cur : null;
  }

  private attrMatch(cur: PathAttributes, input: PathAttributes, i: number, test: AttrTest): boolean {
    const cache = cur === input ? this.inputCache : this.stepCache;
    if (cache.obj !== cur) {
      cache.obj = cur;
      cache.vals.fill(0);
    }
    const v = cache.vals[i]!;
    if (v !== 0) return v === 1;
    const ok = test(cur, this.ctx.localAs);
    cache.vals[i] = ok ? 1 : 2;
    return ok;
  }

  private step(cur: PathAttributes, i: number, set: CompiledSet): PathAttributes {
    let byRule = this.steps.get(cur);
    const known = byRule?.get(i);
    if (known !== undefined) return known;
    const r = applySet(cur, set, this.ctx);
    const next = r.attrs;
    const inherited = recordedNextHops.get(cur);
    if (next !== cur) {
      const nh = r.nextHop ?? inherited;
      if (nh !== undefined) recordedNextHops.set(next, nh);
    }
    if (!byRule) this.steps.set(cur, (byRule = new Map()));
    byRule.set(i, next);
    return next;
  }
}
