/**
 * Best-path selection: RFC 4271 sec. 9.1 (9.1.1 degree of preference, 9.1.2 eligibility, 9.1.2.2
 * tie breaking), RFC 4456 sec. 9 (route reflection), RFC 5065 sec. 5.3 (confederations), RFC 6793
 * (effective AS path of 2-octet peers).
 *
 *   step  rule                                                            source
 *   ----  --------------------------------------------------------------  ---------------------
 *    0    eligible: not treat-as-withdraw, not filtered, next hop usable   RFC 7606, 4271 9.1.2
 *         (caller's predicate), own AS at most allowas-in times in path
 *    1    highest LOCAL_PREF (iBGP/local: attribute or 100; eBGP: set by  RFC 4271 9.1.1
 *         import policy, else the configured default)
 *    2    shortest AS_PATH (AS_SET counts 1, confederation segments 0)    RFC 4271 9.1.2.2 a
 *    3    lowest ORIGIN (IGP < EGP < INCOMPLETE)                           RFC 4271 9.1.2.2 b
 *    4    lowest MED among paths with the same neighbour AS (all paths     RFC 4271 9.1.2.2 c
 *         with alwaysCompareMed); no MED counts as 0
 *    5    eBGP-learned (or local) over iBGP-learned                        RFC 4271 9.1.2.2 d
 *    6    lowest IGP cost to the next hop: skipped, there is no IGP        RFC 4271 9.1.2.2 e
 *    7    locally originated over learned; then lowest BGP Identifier,     RFC 4271 9.1.2.2 f,
 *         ORIGINATOR_ID standing in for it when present                   RFC 4456 sec. 9
 *    8    shortest CLUSTER_LIST                                            RFC 4456 sec. 9
 *    9    lowest peer address; then lowest path identifier (ADD-PATH)     RFC 4271 9.1.2.2 g
 *         and lowest source index, so that no two paths ever tie
 *
 * Selection over a set is the RFC's elimination procedure, not a pairwise "better than" folded
 * over the paths: each step removes every path that some remaining path beats at that step. Step 4
 * is not a total order (MED only compares within a neighbour AS), so folding compare() over the
 * paths in arrival order could pick different winners for the same set; elimination over the
 * whole set depends only on the set. compare(a, b) is the same procedure on a set of two.
 *
 * Locally originated paths (configured networks) are ordinary candidates: their LOCAL_PREF is the
 * network's (100 by default), their AS_PATH is normally empty, and at step 5 they count as
 * external. Only when all that ties (e.g. our own network against the same network from an iBGP
 * neighbour) does "locally originated" decide, at step 7, where a BGP Identifier of the neighbour
 * would otherwise be compared: ours is not a neighbour's, and a PoP should prefer its own copy of
 * an anycast prefix over a neighbour PoP's. For the same reason they skip the next-hop and AS loop
 * checks of step 0 (their next hop is chosen at export).
 *
 * Departures: the IGP cost step is skipped; eBGP paths are not preferred by age (RFC 5004 is
 * optional); confederation-external paths count as iBGP at step 5.
 */

import type { AttrPool, AttrSetId } from './attr-intern';
import { NO_ATTRS } from './attr-intern';
import { RouteFlag, RouteSource, SourceKind } from './route';
import { ipToString, ipv4ToString } from '../wire/addr';
import type { FamilyKey } from '../wire/iana';

export const DecisionStep = {
  ELIGIBILITY: 0,
  LOCAL_PREF: 1,
  AS_PATH_LENGTH: 2,
  ORIGIN: 3,
  MED: 4,
  EXTERNAL: 5,
  IGP_COST: 6,
  BGP_IDENTIFIER: 7,
  CLUSTER_LIST: 8,
  PEER_ADDRESS: 9,
} as const;

export const DECISION_STEP_NAMES: readonly string[] = [
  'eligibility',
  'local-pref',
  'as-path-length',
  'origin',
  'med',
  'external',
  'igp-cost',
  'bgp-identifier',
  'cluster-list-length',
  'peer-address',
];

/** Why a path is not eligible (step 0). */
export const Ineligible = {
  NONE: 0,
  TREAT_AS_WITHDRAW: 1,
  FILTERED: 2,
  WITHDRAWN: 3,
  NO_ATTRIBUTES: 4,
  NEXT_HOP: 5,
  AS_LOOP: 6,
} as const;

const INELIGIBLE_TEXT = ['eligible', 'treat-as-withdraw', 'filtered by import policy', 'withdrawn', 'no attributes', 'next hop not usable', 'AS loop'];

/** LOCAL_PREF assumed for iBGP-learned and local paths without the attribute (RFC 4271 sec. 5.1.5). */
export const DEFAULT_LOCAL_PREF = 100;

export interface DecisionOptions {
  /** Compare MED between paths from different neighbour ASes (always-compare-med). */
  alwaysCompareMed?: boolean;
  /** Degree of preference of eBGP-learned paths without a policy-set LOCAL_PREF (default 100). */
  ebgpLocalPref?: number;
  /**
   * Whether a next hop can be used (RFC 4271 sec. 9.1.2.1: resolvable). Called once per candidate
   * per selection, so it should be cheap (memoize). Default: anything but 0.0.0.0 and ::.
   */
  nextHopUsable?: (nextHop: string, family: FamilyKey) => boolean;
}

export interface DecisionContext {
  readonly pool: AttrPool;
  readonly alwaysCompareMed: boolean;
  readonly ebgpLocalPref: number;
  readonly nextHopUsable: (nextHop: string, family: FamilyKey) => boolean;
}

const anyNextHop = (nh: string): boolean => nh !== '0.0.0.0' && nh !== '::';

export function decisionContext(pool: AttrPool, opts: DecisionOptions = {}): DecisionContext {
  return {
    pool,
    alwaysCompareMed: opts.alwaysCompareMed ?? false,
    ebgpLocalPref: opts.ebgpLocalPref ?? DEFAULT_LOCAL_PREF,
    nextHopUsable: opts.nextHopUsable ?? anyNextHop,
  };
}

/** A path as the decision sees it. */
export interface Candidate {
  family: FamilyKey;
  source: RouteSource;
  /** Post-policy attribute set (NO_ATTRS when there is none). */
  attrs: AttrSetId;
  /** RouteFlag bits (default 0). */
  flags?: number;
  /** ADD-PATH path identifier (default 0). */
  pathId?: number;
}

export interface Verdict {
  /** -1: a is preferred, 1: b is preferred, 0: neither (both ineligible, or the same path). */
  winner: -1 | 0 | 1;
  /** The step that decided (DecisionStep). */
  step: number;
  reason: string;
}

/**
 * Runs selections over candidates added one by one, on scratch arrays it reuses: the Loc-RIB
 * selects once per changed prefix and must not allocate per path.
 */
export class PathSelector {
  private n = 0;
  private family: FamilyKey = 0;
  private sources: RouteSource[] = [];
  private attrIds = new Int32Array(8);
  private flagBits = new Uint8Array(8);
  private pathIds = new Float64Array(8);
  private alive = new Uint8Array(8);
  private val = new Float64Array(8);
  private aux = new Float64Array(8);
  /** The step that decided the last select() (0 also when there was nothing to choose between). */
  step = 0;

  constructor(private ctx: DecisionContext) {}

  get context(): DecisionContext {
    return this.ctx;
  }

  setContext(ctx: DecisionContext): void {
    this.ctx = ctx;
  }

  get count(): number {
    return this.n;
  }

  begin(family: FamilyKey): void {
    this.n = 0;
    this.family = family;
  }

  add(source: RouteSource, attrs: AttrSetId, flags: number, pathId: number): number {
    const i = this.n++;
    if (i >= this.attrIds.length) this.grow(i * 2);
    this.sources[i] = source;
    this.attrIds[i] = attrs;
    this.flagBits[i] = flags;
    this.pathIds[i] = pathId;
    return i;
  }

  /** Ineligible code of candidate i (step 0). */
  ineligibility(i: number): number {
    const f = this.flagBits[i]!;
    if ((f & RouteFlag.WITHDRAWN) !== 0) return Ineligible.WITHDRAWN;
    if ((f & RouteFlag.INVALID) !== 0) return Ineligible.TREAT_AS_WITHDRAW;
    if ((f & RouteFlag.FILTERED) !== 0) return Ineligible.FILTERED;
    const a = this.attrIds[i]!;
    if (a === NO_ATTRS) return Ineligible.NO_ATTRIBUTES;
    const src = this.sources[i]!;
    if (src.kind === SourceKind.LOCAL) return Ineligible.NONE;
    const pool = this.ctx.pool;
    if (pool.ownAsCount(a) > src.allowOwnAs) return Ineligible.AS_LOOP;
    const nh = pool.nextHop(a, this.family);
    if (nh === undefined || !this.ctx.nextHopUsable(nh, this.family)) return Ineligible.NEXT_HOP;
    return Ineligible.NONE;
  }

  /** Degree of preference (step 1) of candidate i. */
  localPrefOf(i: number): number {
    const lp = this.ctx.pool.localPref(this.attrIds[i]!);
    if (lp >= 0) return lp;
    return this.sources[i]!.kind === SourceKind.EBGP ? this.ctx.ebgpLocalPref : DEFAULT_LOCAL_PREF;
  }

  /** AS_PATH length at step 2: a locally originated path counts as empty (its AS_PATH is export prepends). */
  asPathLengthOf(i: number): number {
    return this.sources[i]!.kind === SourceKind.LOCAL ? 0 : this.ctx.pool.asPathLength(this.attrIds[i]!);
  }

  medOf(i: number): number {
    const m = this.ctx.pool.med(this.attrIds[i]!);
    return m < 0 ? 0 : m;
  }

  /** BGP Identifier used at step 7: ORIGINATOR_ID when present, else the source's. */
  bgpIdOf(i: number): number {
    const o = this.ctx.pool.originatorId(this.attrIds[i]!);
    return o >= 0 ? o : this.sources[i]!.bgpId;
  }

  sourceOf(i: number): RouteSource {
    return this.sources[i]!;
  }

  attrsOf(i: number): AttrSetId {
    return this.attrIds[i]!;
  }

  pathIdOf(i: number): number {
    return this.pathIds[i]!;
  }

  /** Index of the best candidate, or -1 when none is eligible; sets `step`. */
  select(): number {
    const n = this.n;
    const alive = this.alive;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const ok = this.ineligibility(i) === Ineligible.NONE;
      alive[i] = ok ? 1 : 0;
      if (ok) m++;
    }
    this.step = DecisionStep.ELIGIBILITY;
    if (m <= 1) return m === 0 ? -1 : this.firstAlive();

    const pool = this.ctx.pool;
    const val = this.val;
    const ids = this.attrIds;
    const src = this.sources;

    for (let i = 0; i < n; i++) if (alive[i]) val[i] = -this.localPrefOf(i);
    if ((m = this.keepLowest(m)) === 1) return this.decided(DecisionStep.LOCAL_PREF);

    // A locally originated path's AS_PATH is a prepend for eBGP export only (health-check degrade):
    // inside the AS it is empty, so it never makes our own network lose to a learned copy.
    for (let i = 0; i < n; i++) if (alive[i]) val[i] = this.asPathLengthOf(i);
    if ((m = this.keepLowest(m)) === 1) return this.decided(DecisionStep.AS_PATH_LENGTH);

    for (let i = 0; i < n; i++) if (alive[i]) val[i] = pool.origin(ids[i]!);
    if ((m = this.keepLowest(m)) === 1) return this.decided(DecisionStep.ORIGIN);

    for (let i = 0; i < n; i++) if (alive[i]) val[i] = this.medOf(i);
    if (this.ctx.alwaysCompareMed) m = this.keepLowest(m);
    else m = this.keepLowestMedPerNeighborAs(m);
    if (m === 1) return this.decided(DecisionStep.MED);

    for (let i = 0; i < n; i++) if (alive[i]) val[i] = src[i]!.kind === SourceKind.IBGP ? 1 : 0;
    if ((m = this.keepLowest(m)) === 1) return this.decided(DecisionStep.EXTERNAL);

    // Step 6 (IGP cost) skipped: see the module comment.

    for (let i = 0; i < n; i++) if (alive[i]) val[i] = src[i]!.kind === SourceKind.LOCAL ? 0 : 1;
    if ((m = this.keepLowest(m)) === 1) return this.decided(DecisionStep.BGP_IDENTIFIER);
    for (let i = 0; i < n; i++) if (alive[i]) val[i] = this.bgpIdOf(i);
    if ((m = this.keepLowest(m)) === 1) return this.decided(DecisionStep.BGP_IDENTIFIER);

    for (let i = 0; i < n; i++) if (alive[i]) val[i] = pool.clusterListLength(ids[i]!);
    if ((m = this.keepLowest(m)) === 1) return this.decided(DecisionStep.CLUSTER_LIST);

    m = this.keepLowestAddress(m);
    if (m > 1) {
      for (let i = 0; i < n; i++) if (alive[i]) val[i] = this.pathIds[i]!;
      m = this.keepLowest(m);
    }
    if (m > 1) {
      for (let i = 0; i < n; i++) if (alive[i]) val[i] = src[i]!.index;
      m = this.keepLowest(m);
    }
    // m > 1 only for the very same path added twice: take the first.
    return this.decided(DecisionStep.PEER_ADDRESS);
  }

  private decided(step: number): number {
    this.step = step;
    return this.firstAlive();
  }

  private firstAlive(): number {
    for (let i = 0; i < this.n; i++) if (this.alive[i]) return i;
    return -1;
  }

  /** Keep the alive candidates with the lowest `val`; returns how many remain. */
  private keepLowest(m: number): number {
    const n = this.n;
    const alive = this.alive;
    const val = this.val;
    let best = Infinity;
    for (let i = 0; i < n; i++) if (alive[i] && val[i]! < best) best = val[i]!;
    for (let i = 0; i < n; i++) {
      if (alive[i] && val[i]! !== best) {
        alive[i] = 0;
        m--;
      }
    }
    return m;
  }

  /**
   * RFC 4271 sec. 9.1.2.2 c: remove every path for which another remaining path from the same
   * neighbour AS has a lower MED. Decided against the set as it was before the step, so the result
   * does not depend on the order of the paths.
   */
  private keepLowestMedPerNeighborAs(m: number): number {
    const n = this.n;
    const alive = this.alive;
    const med = this.val;
    const nbr = this.aux;
    const pool = this.ctx.pool;
    for (let i = 0; i < n; i++) if (alive[i]) nbr[i] = pool.neighborAs(this.attrIds[i]!);
    // Two passes: first mark (alive = 2 means "to remove"), then remove.
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      for (let j = 0; j < n; j++) {
        if (j !== i && alive[j] && nbr[j] === nbr[i] && med[j]! < med[i]!) {
          alive[i] = 2;
          break;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      if (alive[i] === 2) {
        alive[i] = 0;
        m--;
      }
    }
    return m;
  }

  /** Keep the alive candidates with the lowest peer address (IPv4 before IPv6). */
  private keepLowestAddress(m: number): number {
    const n = this.n;
    const alive = this.alive;
    let best: Buffer | null = null;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      const a = this.sources[i]!.addressBytes;
      if (best === null || compareAddresses(a, best) < 0) best = a;
    }
    for (let i = 0; i < n; i++) {
      if (alive[i] && compareAddresses(this.sources[i]!.addressBytes, best!) !== 0) {
        alive[i] = 0;
        m--;
      }
    }
    return m;
  }

  private grow(cap: number): void {
    const widen = <T extends Int32Array | Uint8Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(cap);
      next.set(old);
      return next;
    };
    this.attrIds = widen(this.attrIds, (k) => new Int32Array(k));
    this.flagBits = widen(this.flagBits, (k) => new Uint8Array(k));
    this.pathIds = widen(this.pathIds, (k) => new Float64Array(k));
    this.alive = new Uint8Array(cap);
    this.val = new Float64Array(cap);
    this.aux = new Float64Array(cap);
  }
}

/** Shorter (IPv4) addresses first, then byte order. */
function compareAddresses(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) return a.length - b.length;
  return a.compare(b);
}

/** Best of a set of candidates: its index (-1 when none is eligible) and the deciding step. */
export function selectBest(candidates: readonly Candidate[], ctx: DecisionContext): { index: number; step: number } {
  if (candidates.length === 0) return { index: -1, step: DecisionStep.ELIGIBILITY };
  const sel = new PathSelector(ctx);
  sel.begin(candidates[0]!.family);
  for (const c of candidates) sel.add(c.source, c.attrs, c.flags ?? 0, c.pathId ?? 0);
  const index = sel.select();
  return { index, step: sel.step };
}

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE', 'none'];

/** Which of two paths the decision prefers, at which step, and why (for `show rib detail` and tests). */
export function compare(a: Candidate, b: Candidate, ctx: DecisionContext): Verdict {
  const sel = new PathSelector(ctx);
  sel.begin(a.family);
  sel.add(a.source, a.attrs, a.flags ?? 0, a.pathId ?? 0);
  sel.add(b.source, b.attrs, b.flags ?? 0, b.pathId ?? 0);
  const w = sel.select();
  const step = sel.step;
  if (w < 0) return { winner: 0, step, reason: `neither path is eligible (${INELIGIBLE_TEXT[sel.ineligibility(0)]}; ${INELIGIBLE_TEXT[sel.ineligibility(1)]})` };
  const l = 1 - w;
  const same = a.source === b.source && (a.pathId ?? 0) === (b.pathId ?? 0);
  if (same && step === DecisionStep.PEER_ADDRESS) return { winner: 0, step, reason: 'same path' };
  return { winner: w === 0 ? -1 : 1, step, reason: explain(sel, step, w, l) };
}

function explain(sel: PathSelector, step: number, w: number, l: number): string {
  const pool = sel.context.pool;
  const vs = (x: number | string, y: number | string) => `${x} over ${y}`;
  switch (step) {
    case DecisionStep.ELIGIBILITY:
      return `other path not eligible: ${INELIGIBLE_TEXT[sel.ineligibility(l)]}`;
    case DecisionStep.LOCAL_PREF:
      return `higher LOCAL_PREF (${vs(sel.localPrefOf(w), sel.localPrefOf(l))})`;
    case DecisionStep.AS_PATH_LENGTH:
      return `shorter AS_PATH (${vs(sel.asPathLengthOf(w), sel.asPathLengthOf(l))})`;
    case DecisionStep.ORIGIN:
      return `lower ORIGIN (${vs(ORIGIN_NAMES[pool.origin(sel.attrsOf(w))]!, ORIGIN_NAMES[pool.origin(sel.attrsOf(l))]!)})`;
    case DecisionStep.MED:
      return `lower MED (${vs(sel.medOf(w), sel.medOf(l))})`;
    case DecisionStep.EXTERNAL:
      return sel.sourceOf(w).kind === SourceKind.LOCAL ? 'locally originated over iBGP-learned' : 'eBGP-learned over iBGP-learned';
    case DecisionStep.BGP_IDENTIFIER: {
      if (sel.sourceOf(w).kind === SourceKind.LOCAL) return 'locally originated over learned';
      const tag = (i: number) => (pool.originatorId(sel.attrsOf(i)) >= 0 ? ' (ORIGINATOR_ID)' : '');
      return `lower BGP Identifier (${ipv4ToString(sel.bgpIdOf(w))}${tag(w)} over ${ipv4ToString(sel.bgpIdOf(l))}${tag(l)})`;
    }
    case DecisionStep.CLUSTER_LIST:
      return `shorter CLUSTER_LIST (${vs(pool.clusterListLength(sel.attrsOf(w)), pool.clusterListLength(sel.attrsOf(l)))})`;
    default: {
      const sw = sel.sourceOf(w);
      const sl = sel.sourceOf(l);
      if (compareAddresses(sw.addressBytes, sl.addressBytes) !== 0) {
        return `lower peer address (${vs(addressText(sw), addressText(sl))})`;
      }
      if (sel.pathIdOf(w) !== sel.pathIdOf(l)) return `lower path identifier (${vs(sel.pathIdOf(w), sel.pathIdOf(l))})`;
      return `lower source index (${vs(sw.index, sl.index)})`;
    }
  }
}

function addressText(s: RouteSource): string {
  return s.addressBytes.length === 0 ? 'local' : ipToString(s.addressBytes);
}
