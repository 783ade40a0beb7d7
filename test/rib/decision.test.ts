/**
 * Best-path selection (decision.ts): every step decides in both argument orders with the reason it
 * gives; selection over a set is the same for every order of the paths (including the MED cycle
 * that makes pairwise comparison order-dependent); random sets as a property test; how locally
 * originated paths rank.
 *
 * In each step's case the losing path is given the better values for every later step (lower BGP
 * Identifier, lower address), so only the step under test can make the other path win.
 */

import t, { Test } from 'tap';
import { AttrPool } from '../../src/rib/attr-intern';
import { Candidate, compare, DecisionContext, decisionContext, DecisionOptions, DecisionStep, selectBest } from '../../src/rib/decision';
import { RouteFlag, RouteSource, RouteSourceInit, SourceKind } from '../../src/rib/route';
import type { AsPathSegment, PathAttributes } from '../../src/wire/attributes/types';
import { AS_TRANS, IPV4_UNICAST } from '../../src/wire/iana';
import { prng } from '../bench/full-table';

const LOCAL_AS = 64500;
const SET = 1;
const SEQ = 2;
const CSEQ = 3;
const seq = (...asns: number[]): AsPathSegment => ({ type: SEQ, asns });

const pool = new AttrPool({ localAs: LOCAL_AS });
let nextIndex = 0;
function source(init: RouteSourceInit): RouteSource {
  return new RouteSource(nextIndex++, init);
}
function attrs(a: PathAttributes = {}): number {
  return pool.internAttributes({ origin: 0, asPath: [seq(65001, 65010)], nextHop: '192.0.2.1', ...a });
}
function cand(src: RouteSource, a: PathAttributes = {}, extra: Partial<Candidate> = {}): Candidate {
  return { family: IPV4_UNICAST, source: src, attrs: attrs(a), ...extra };
}
const ctxOf = (opts: DecisionOptions = {}): DecisionContext => decisionContext(pool, opts);
const CTX = ctxOf();

// P loses every tie-break from step 7 on; Q wins them.
const P = source({ kind: SourceKind.EBGP, address: '192.0.2.20', remoteAs: 65001, bgpId: '10.0.0.20' });
const Q = source({ kind: SourceKind.EBGP, address: '192.0.2.10', remoteAs: 65001, bgpId: '10.0.0.10' });
const PI = source({ kind: SourceKind.IBGP, address: '10.1.0.20', remoteAs: LOCAL_AS, bgpId: '10.0.0.20' });
const QI = source({ kind: SourceKind.IBGP, address: '10.1.0.10', remoteAs: LOCAL_AS, bgpId: '10.0.0.10' });
const LOCAL = source({ kind: SourceKind.LOCAL, bgpId: '10.0.0.99' });

interface StepCase {
  name: string;
  better: Candidate;
  worse: Candidate;
  step: number;
  reason: RegExp;
  ctx?: DecisionContext;
}

const cases: StepCase[] = [
  { name: 'treat-as-withdraw is not eligible', better: cand(P), worse: cand(Q, {}, { flags: RouteFlag.INVALID }), step: 0, reason: /not eligible: treat-as-withdraw/ },
  { name: 'filtered is not eligible', better: cand(P), worse: cand(Q, {}, { flags: RouteFlag.FILTERED }), step: 0, reason: /not eligible: filtered/ },
  { name: 'next hop 0.0.0.0 is not usable', better: cand(P), worse: cand(Q, { nextHop: '0.0.0.0' }), step: 0, reason: /next hop not usable/ },
  {
    name: "the caller's next-hop predicate",
    better: cand(P),
    worse: cand(Q, { nextHop: '192.0.2.99' }),
    step: 0,
    reason: /next hop not usable/,
    ctx: ctxOf({ nextHopUsable: (nh) => nh !== '192.0.2.99' }),
  },
  { name: 'our AS in the path is a loop', better: cand(P), worse: cand(Q, { asPath: [seq(65001, LOCAL_AS, 65010)] }), step: 0, reason: /AS loop/ },
  {
    name: 'allowas-in 1 accepts one occurrence, not two',
    better: cand(source({ kind: SourceKind.EBGP, address: '192.0.2.30', bgpId: '10.0.0.30', allowOwnAs: 1 }), { asPath: [seq(65001, LOCAL_AS)] }),
    worse: cand(source({ kind: SourceKind.EBGP, address: '192.0.2.3', bgpId: '10.0.0.3', allowOwnAs: 1 }), { asPath: [seq(LOCAL_AS, LOCAL_AS)] }),
    step: 0,
    reason: /AS loop/,
  },
  { name: 'higher LOCAL_PREF (iBGP)', better: cand(PI, { localPref: 200 }), worse: cand(QI, { localPref: 100 }), step: 1, reason: /higher LOCAL_PREF \(200 over 100\)/ },
  { name: 'iBGP path without LOCAL_PREF counts 100', better: cand(PI, { localPref: 101 }), worse: cand(QI), step: 1, reason: /101 over 100/ },
  { name: 'eBGP path with a policy-set LOCAL_PREF', better: cand(P, { localPref: 150 }), worse: cand(Q), step: 1, reason: /150 over 100/ },
  {
    name: 'eBGP paths get the configured default',
    better: cand(PI),
    worse: cand(Q),
    step: 1,
    reason: /100 over 50/,
    ctx: ctxOf({ ebgpLocalPref: 50 }),
  },
  { name: 'shorter AS_PATH', better: cand(P, { asPath: [seq(65001)] }), worse: cand(Q, { asPath: [seq(65001, 65002)] }), step: 2, reason: /shorter AS_PATH \(1 over 2\)/ },
  {
    name: 'an AS_SET counts one',
    better: cand(P, { asPath: [seq(65001, 65002), { type: SET, asns: [1, 2, 3, 4] }] }),
    worse: cand(Q, { asPath: [seq(65001, 65002, 65003, 65004)] }),
    step: 2,
    reason: /3 over 4/,
  },
  {
    name: 'confederation segments count zero',
    better: cand(PI, { asPath: [{ type: CSEQ, asns: [64512, 64513, 64514] }, seq(65001)] }),
    worse: cand(QI, { asPath: [seq(65001, 65002)] }),
    step: 2,
    reason: /1 over 2/,
  },
  {
    name: '2-octet peer: the path counts with AS4_PATH merged',
    better: cand(P, { asPath: [seq(65001, AS_TRANS)], as4Path: [seq(4200000001)] }),
    worse: cand(Q, { asPath: [seq(65001, 65002, 65003)] }),
    step: 2,
    reason: /2 over 3/,
  },
  { name: 'lower ORIGIN (IGP over EGP)', better: cand(P, { origin: 0 }), worse: cand(Q, { origin: 1 }), step: 3, reason: /lower ORIGIN \(IGP over EGP\)/ },
  { name: 'lower ORIGIN (EGP over INCOMPLETE)', better: cand(P, { origin: 1 }), worse: cand(Q, { origin: 2 }), step: 3, reason: /EGP over INCOMPLETE/ },
  { name: 'lower MED, same neighbour AS', better: cand(P, { med: 10 }), worse: cand(Q, { med: 20 }), step: 4, reason: /lower MED \(10 over 20\)/ },
  { name: 'a missing MED is 0', better: cand(P), worse: cand(Q, { med: 1 }), step: 4, reason: /0 over 1/ },
  {
    name: 'always-compare-med: MED across neighbour ASes',
    better: cand(P, { asPath: [seq(65001, 65010)], med: 10 }),
    worse: cand(Q, { asPath: [seq(65002, 65010)], med: 20 }),
    step: 4,
    reason: /lower MED/,
    ctx: ctxOf({ alwaysCompareMed: true }),
  },
  { name: 'eBGP over iBGP', better: cand(P), worse: cand(QI), step: 5, reason: /^eBGP-learned over iBGP-learned$/ },
  { name: 'local over iBGP', better: cand(LOCAL, { asPath: [] }), worse: cand(QI, { asPath: [] }), step: 5, reason: /^locally originated over iBGP-learned$/ },
  // A degraded network's prepends are for eBGP export: inside the AS its path counts as empty.
  { name: 'degraded local over a longer iBGP path', better: cand(LOCAL, { asPath: [seq(65001, 65001, 65001)] }), worse: cand(QI, { asPath: [seq(65010)] }), step: 2, reason: /^shorter AS_PATH \(0 over 1\)$/ },
  { name: 'lower BGP Identifier', better: cand(Q), worse: cand(source({ kind: SourceKind.EBGP, address: '192.0.2.1', bgpId: '10.0.0.11' })), step: 7, reason: /lower BGP Identifier \(10\.0\.0\.10 over 10\.0\.0\.11\)/ },
  {
    name: 'ORIGINATOR_ID stands in for the BGP Identifier',
    better: cand(PI, { originatorId: '10.0.0.1' }),
    worse: cand(QI),
    step: 7,
    reason: /10\.0\.0\.1 \(ORIGINATOR_ID\) over 10\.0\.0\.10/,
  },
  { name: 'locally originated over learned', better: cand(LOCAL, { asPath: [] }), worse: cand(Q, { asPath: [] }), step: 7, reason: /^locally originated over learned$/ },
  {
    name: 'shorter CLUSTER_LIST',
    better: cand(PI, { originatorId: '10.0.0.1', clusterList: ['10.9.9.9'] }),
    worse: cand(QI, { originatorId: '10.0.0.1', clusterList: ['10.9.9.9', '10.9.9.8'] }),
    step: 8,
    reason: /shorter CLUSTER_LIST \(1 over 2\)/,
  },
  {
    name: 'lower peer address (same BGP Identifier: two sessions to one router)',
    better: cand(source({ kind: SourceKind.EBGP, address: '192.0.2.1', bgpId: '10.0.0.50' })),
    worse: cand(source({ kind: SourceKind.EBGP, address: '192.0.2.2', bgpId: '10.0.0.50' })),
    step: 9,
    reason: /lower peer address \(192\.0\.2\.1 over 192\.0\.2\.2\)/,
  },
  {
    name: 'IPv4 peer address before IPv6',
    better: cand(source({ kind: SourceKind.EBGP, address: '203.0.113.1', bgpId: '10.0.0.51' })),
    worse: cand(source({ kind: SourceKind.EBGP, address: '2001:db8::1', bgpId: '10.0.0.51' })),
    step: 9,
    reason: /203\.0\.113\.1 over 2001:db8::1/,
  },
  { name: 'ADD-PATH: lower path identifier', better: cand(Q, {}, { pathId: 1 }), worse: cand(Q, {}, { pathId: 2 }), step: 9, reason: /lower path identifier \(1 over 2\)/ },
];

t.test('each step decides, in both argument orders', (t) => {
  for (const c of cases) {
    const ctx = c.ctx ?? CTX;
    const ab = compare(c.better, c.worse, ctx);
    const ba = compare(c.worse, c.better, ctx);
    t.equal(ab.winner, -1, `${c.name}: first argument wins`);
    t.equal(ba.winner, 1, `${c.name}: second argument wins`);
    t.equal(ab.step, c.step, `${c.name}: step ${c.step}`);
    t.equal(ba.step, c.step, `${c.name}: step ${c.step} reversed`);
    t.match(ab.reason, c.reason, `${c.name}: reason "${ab.reason}"`);
    t.equal(ba.reason, ab.reason, `${c.name}: same reason either way`);
    t.same(selectBest([c.worse, c.better], ctx), { index: 1, step: c.step }, `${c.name}: selectBest agrees`);
  }
  t.end();
});

t.test('without always-compare-med, MED does not decide between neighbour ASes', (t) => {
  const better = cand(Q, { asPath: [seq(65002, 65010)], med: 99 });
  const worse = cand(P, { asPath: [seq(65001, 65010)], med: 1 });
  const v = compare(better, worse, CTX);
  t.equal(v.winner, -1);
  t.equal(v.step, DecisionStep.BGP_IDENTIFIER, 'the BGP Identifier decides instead');
  t.end();
});

t.test('ties and ineligible pairs', (t) => {
  const a = cand(Q);
  t.same(compare(a, a, CTX), { winner: 0, step: 9, reason: 'same path' });
  const v = compare(cand(P, {}, { flags: RouteFlag.INVALID }), cand(Q, { nextHop: '0.0.0.0' }), CTX);
  t.equal(v.winner, 0);
  t.equal(v.step, 0);
  t.match(v.reason, /neither path is eligible \(treat-as-withdraw; next hop not usable\)/);
  t.same(selectBest([], CTX), { index: -1, step: 0 });
  t.same(selectBest([cand(P, {}, { flags: RouteFlag.FILTERED })], CTX), { index: -1, step: 0 });
  t.same(selectBest([cand(P)], CTX), { index: 0, step: 0 }, 'a single eligible path: decided by eligibility alone');
  t.end();
});

t.test('local routes: no next-hop or loop check, ordinary LOCAL_PREF and AS_PATH', (t) => {
  const local = cand(LOCAL, { asPath: [], nextHop: undefined });
  t.same(selectBest([local], CTX), { index: 0, step: 0 }, 'a local route without next hop is eligible');
  const v = compare(cand(PI, { localPref: 200, asPath: [] }), local, CTX);
  t.equal(v.winner, -1, 'a higher LOCAL_PREF still beats a local route');
  t.equal(v.step, 1);
  const w = compare(local, cand(QI, { asPath: [] }), CTX);
  t.equal(w.winner, -1, 'our own network over the same network from an iBGP neighbour');
  t.equal(w.step, 5);
  t.end();
});

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

const bestSource = (cands: readonly Candidate[], ctx: DecisionContext) => {
  const r = selectBest(cands, ctx);
  return r.index < 0 ? -1 : cands[r.index]!.source.index;
};

t.test('the MED cycle: pairwise comparison is order-dependent, selection is not', (t) => {
  // X and Z share neighbour AS 65001, Y is from 65002. X beats Y (BGP Identifier), Y beats Z
  // (BGP Identifier), Z beats X (MED): no pairwise order exists.
  const x = cand(source({ kind: SourceKind.EBGP, address: '192.0.2.101', bgpId: '10.0.1.1' }), { asPath: [seq(65001, 65010)], med: 50 });
  const y = cand(source({ kind: SourceKind.EBGP, address: '192.0.2.102', bgpId: '10.0.1.2' }), { asPath: [seq(65002, 65010)], med: 10 });
  const z = cand(source({ kind: SourceKind.EBGP, address: '192.0.2.103', bgpId: '10.0.1.3' }), { asPath: [seq(65001, 65010)], med: 20 });
  t.equal(compare(x, y, CTX).winner, -1);
  t.equal(compare(y, z, CTX).winner, -1);
  t.equal(compare(z, x, CTX).winner, -1);
  const folded = new Set<number>();
  for (const order of permutations([x, y, z])) {
    let best = order[0]!;
    for (const c of order.slice(1)) if (compare(c, best, CTX).winner === -1) best = c;
    folded.add(best.source.index);
    t.equal(bestSource(order, CTX), y.source.index, 'elimination: X falls to Z on MED, then Y beats Z');
  }
  t.ok(folded.size > 1, 'folding compare() over arrival order would not be deterministic');
  t.end();
});

/** Random candidates from small value ranges, so that most steps see ties. */
function randomCandidates(rand: () => number, n: number, sources: readonly RouteSource[]): Candidate[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chosen = [...sources].sort(() => rand() - 0.5).slice(0, n);
  return chosen.map((src) => {
    const path: AsPathSegment[] = [seq(pick([65001, 65002, 65003]), ...(rand() < 0.5 ? [65010] : [65010, 65011]))];
    const a: PathAttributes = { origin: pick([0, 0, 1, 2]), asPath: path, nextHop: rand() < 0.05 ? '0.0.0.0' : '192.0.2.1' };
    const med = pick([undefined, 0, 10, 20]);
    if (med !== undefined) a.med = med;
    if (src.kind === SourceKind.IBGP || rand() < 0.2) {
      const lp = pick([undefined, 100, 200]);
      if (lp !== undefined) a.localPref = lp;
    }
    if (src.kind === SourceKind.IBGP && rand() < 0.3) {
      a.originatorId = pick(['10.0.0.1', '10.0.0.2']);
      a.clusterList = rand() < 0.5 ? ['10.9.9.9'] : [];
    }
    const flags = rand() < 0.05 ? RouteFlag.FILTERED : 0;
    return cand(src, a, { flags });
  });
}

const RANDOM_SOURCES: RouteSource[] = [
  ...[1, 2, 3].map((i) => source({ kind: SourceKind.EBGP, address: `192.0.2.${200 + i}`, bgpId: `10.0.2.${i % 2}` })),
  ...[1, 2, 3].map((i) => source({ kind: SourceKind.IBGP, address: `10.2.0.${i}`, bgpId: `10.0.2.${i % 2}` })),
  source({ kind: SourceKind.LOCAL, bgpId: '10.0.0.99' }),
];

function everyOrderSame(t: Test, cands: Candidate[], ctx: DecisionContext, label: string): boolean {
  const want = bestSource(cands, ctx);
  for (const order of permutations(cands)) {
    if (bestSource(order, ctx) !== want) {
      t.fail(`${label}: order-dependent result`);
      return false;
    }
  }
  return true;
}

t.test('every insertion order of up to 5 paths selects the same path', (t) => {
  const rand = prng(42);
  let sets = 0;
  for (let round = 0; round < 40; round++) {
    const n = 2 + (round % 4); // 2..5 paths, all 120 orders for five
    const cands = randomCandidates(rand, n, RANDOM_SOURCES);
    if (everyOrderSame(t, cands, CTX, `set ${round}`) && everyOrderSame(t, cands, ctxOf({ alwaysCompareMed: true }), `set ${round} always-compare-med`)) sets++;
  }
  t.equal(sets, 40, 'all 40 sets order-independent');
  t.end();
});

t.test('property: random sets, random orders', (t) => {
  const rand = prng(2024);
  const always = ctxOf({ alwaysCompareMed: true });
  let orderFailures = 0;
  let dominanceFailures = 0;
  let noneFailures = 0;
  for (let round = 0; round < 500; round++) {
    const n = 1 + Math.floor(rand() * RANDOM_SOURCES.length);
    const cands = randomCandidates(rand, n, RANDOM_SOURCES);
    for (const ctx of [CTX, always]) {
      const want = bestSource(cands, ctx);
      for (let k = 0; k < 8; k++) {
        const shuffled = [...cands].sort(() => rand() - 0.5);
        if (bestSource(shuffled, ctx) !== want) orderFailures++;
      }
      const best = cands.find((c) => c.source.index === want);
      if (best === undefined) {
        // Nothing selected: then nothing is eligible.
        if (cands.some((c) => selectBest([c], ctx).index === 0)) noneFailures++;
        continue;
      }
      if (ctx === always) {
        // With MED compared across ASes every step is a total order: the winner beats each other path.
        for (const c of cands) if (c !== best && compare(best, c, ctx).winner !== -1) dominanceFailures++;
      }
    }
  }
  t.equal(orderFailures, 0, 'same best for every order');
  t.equal(dominanceFailures, 0, 'with always-compare-med the selected path wins every pairwise comparison');
  t.equal(noneFailures, 0, 'no best only when no path is eligible');
  t.end();
});
