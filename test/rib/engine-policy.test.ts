/**
 * RouteEngine with filter rules, drain and degraded networks, driven directly with stand-ins for
 * the Peer: what each peer is sent when the policy or drain state changes (only differences), that
 * import rules filter into the Adj-RIB-In, and that a degrade prepend reaches eBGP only.
 *
 * The policy here is a hand-written EnginePolicy (the engine's contract), so these tests hold for
 * any implementation of src/policy; that module has its own tests.
 */

import t from 'tap';
import type { NetworkConfig } from '../../src/config/types';
import { silentLogger } from '../../src/log';
import { EnginePeerPolicy, EnginePolicy, EnginePolicyPeer, OriginatedNetwork, RouteEngine } from '../../src/rib/engine';
import { formatKey, parseKey, PrefixKey } from '../../src/rib/prefix-key';
import { SourceKind } from '../../src/rib/route';
import type { Peer } from '../../src/session/peer';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { defaultContext } from '../../src/wire/context';
import { Framer } from '../../src/wire/header';
import { AsPathSegmentType, FamilyKey, IPV4_UNICAST, IPV6_UNICAST, Origin } from '../../src/wire/iana';
import { decodeMessage, encodeMessage } from '../../src/wire/message';
import { buildUpdate, UpdateMessage } from '../../src/wire/update';

const US = 65001;
const GSHUT = 0xffff0000;

interface FakePeer {
  config: { remoteAddress: string; localAs: number; remoteAs: number; announce?: 'all' | 'self' | 'none'; nextHop6?: string };
  negotiated?: { families: FamilyKey[]; encode: ReturnType<typeof defaultContext>; as4: boolean };
  connection?: { localAddress: string };
  sent: Buffer[];
  sendUpdate(b: Buffer): boolean;
  sendMessage(): void;
}

function fakePeer(address: string, remoteAs: number): FakePeer {
  const p: FakePeer = {
    config: { remoteAddress: address, localAs: US, remoteAs, announce: 'all', nextHop6: '2001:db8::1' },
    connection: { localAddress: '192.0.2.1' },
    sent: [],
    sendUpdate(b) {
      p.sent.push(b);
      return true;
    },
    sendMessage() {},
  };
  return p;
}

const asPeer = (p: FakePeer): Peer => p as unknown as Peer;

function establish(engine: RouteEngine, p: FakePeer): void {
  p.negotiated = { families: [IPV4_UNICAST, IPV6_UNICAST], encode: defaultContext(), as4: true };
  engine.onEstablished(asPeer(p));
}

interface Seen {
  announced: Map<string, PathAttributes>;
  withdrawn: string[];
}

/** What a peer was sent since the last call: announcements with attributes, withdrawals (EoR skipped). */
function take(p: FakePeer): Seen {
  const seen: Seen = { announced: new Map(), withdrawn: [] };
  const f = new Framer();
  for (const b of p.sent.splice(0)) f.push(b);
  for (let fr = f.next(); fr; fr = f.next()) {
    const m = decodeMessage(fr, defaultContext());
    if (m.type !== 'update') continue;
    for (const pfx of [...m.nlri.toStrings(), ...(m.attributes.mpReach?.nlri.toStrings() ?? [])]) seen.announced.set(pfx, m.attributes);
    seen.withdrawn.push(...m.withdrawn.toStrings(), ...(m.attributes.mpUnreach?.withdrawn.toStrings() ?? []));
  }
  seen.withdrawn.sort();
  return seen;
}

const net = (prefix: string, extra: Partial<OriginatedNetwork> = {}): OriginatedNetwork => ({
  prefix,
  family: prefix.includes(':') ? IPV6_UNICAST : IPV4_UNICAST,
  origin: Origin.IGP,
  communities: [],
  largeCommunities: [],
  ...extra,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settle(engine: RouteEngine): Promise<void> {
  for (let i = 0; i < 200 && !engine.idle; i++) await sleep(5);
  await sleep(5);
}

function wire(msg: UpdateMessage): UpdateMessage {
  const f = new Framer();
  f.push(encodeMessage(msg, defaultContext()));
  const m = decodeMessage(f.next()!, defaultContext());
  if (m.type !== 'update') throw new Error('not an update');
  return m;
}

/** A policy whose verdicts come from plain functions of (direction, peer, prefix, attributes). */
function policyOf(rule: (dir: 'in' | 'out', peer: EnginePolicyPeer, prefix: string, a: PathAttributes) => PathAttributes | null | 'same'): EnginePolicy & { evaluations: number } {
  const pol = {
    evaluations: 0,
    forPeer(dir: 'in' | 'out', peer: EnginePolicyPeer): EnginePeerPolicy {
      const memo = new Map<string, PathAttributes>();
      return {
        passAll: false,
        prefixDependent: true,
        evaluate(_family: FamilyKey, key: PrefixKey, attrs: PathAttributes) {
          pol.evaluations++;
          const v = rule(dir, peer, formatKey(key), attrs);
          if (v === 'same') return attrs;
          if (v === null) return null;
          // Equal verdicts share one object, as the contract asks.
          const k = JSON.stringify(v);
          let hit = memo.get(k);
          if (!hit) memo.set(k, (hit = v));
          return hit;
        },
      };
    },
  };
  return pol;
}

const NETS: NetworkConfig[] = [net('198.51.100.0/24'), net('203.0.113.0/24'), net('2001:db8:100::/48')];

t.test('drain: GRACEFUL_SHUTDOWN (LOCAL_PREF 0 to iBGP), then withdrawal, then back; only our networks', async (t) => {
  const engine = new RouteEngine({ localAs: US, routerId: '192.0.2.1' }, NETS, silentLogger);
  t.teardown(() => engine.dispose());
  const ebgp = fakePeer('192.0.2.2', 65002);
  const ibgp = fakePeer('192.0.2.3', US);
  establish(engine, ebgp);
  establish(engine, ibgp);
  // A learned route from the iBGP peer goes to the eBGP peer (announce all) and must not be touched.
  engine.onUpdate(asPeer(ibgp), wire(buildUpdate({ attributes: { origin: Origin.IGP, asPath: [], nextHop: '192.0.2.3', localPref: 100 }, nlri: ['192.0.2.128/25'] })));
  await settle(engine);
  t.same([...take(ebgp).announced.keys()].sort(), ['192.0.2.128/25', '198.51.100.0/24', '2001:db8:100::/48', '203.0.113.0/24'], 'eBGP peer has everything');
  take(ibgp);

  engine.setDrain(asPeer(ebgp), 'gshut');
  engine.setDrain(asPeer(ibgp), 'gshut');
  await settle(engine);
  const e = take(ebgp);
  const i = take(ibgp);
  t.same([...e.announced.keys()].sort(), ['198.51.100.0/24', '2001:db8:100::/48', '203.0.113.0/24'], 'eBGP: our networks re-announced, the learned route not');
  for (const [p, a] of e.announced) t.ok(a.communities?.includes(GSHUT), `eBGP ${p} carries GRACEFUL_SHUTDOWN`);
  for (const [p, a] of i.announced) {
    t.ok(a.communities?.includes(GSHUT), `iBGP ${p} carries GRACEFUL_SHUTDOWN`);
    t.equal(a.localPref, 0, `iBGP ${p} has LOCAL_PREF 0`);
  }
  t.equal(i.announced.size, 3, 'iBGP: our three networks');
  t.equal(engine.drainState(asPeer(ebgp)), 'gshut');

  engine.setDrain(asPeer(ebgp), 'gshut');
  await settle(engine);
  t.equal(take(ebgp).announced.size, 0, 'the same drain state again sends nothing');

  engine.setDrain(asPeer(ebgp), 'withdrawn');
  await settle(engine);
  const w = take(ebgp);
  t.same(w.withdrawn, ['198.51.100.0/24', '2001:db8:100::/48', '203.0.113.0/24'], 'withdrawn: our networks only');
  t.equal(w.announced.size, 0);
  t.equal(take(ibgp).announced.size + ibgp.sent.length, 0, 'the other peer is not disturbed');

  engine.setDrain(asPeer(ebgp), 'none');
  await settle(engine);
  const back = take(ebgp);
  t.same([...back.announced.keys()].sort(), ['198.51.100.0/24', '2001:db8:100::/48', '203.0.113.0/24'], 'undrain: announced again');
  for (const [p, a] of back.announced) t.notOk(a.communities?.includes(GSHUT), `${p} without GRACEFUL_SHUTDOWN`);
});

t.test('a drain set before the session comes up applies to its initial table', async (t) => {
  const engine = new RouteEngine({ localAs: US, routerId: '192.0.2.1' }, NETS, silentLogger);
  t.teardown(() => engine.dispose());
  const ebgp = fakePeer('192.0.2.2', 65002);
  engine.setDrain(asPeer(ebgp), 'gshut');
  establish(engine, ebgp);
  await settle(engine);
  const s = take(ebgp);
  t.equal(s.announced.size, 3);
  for (const a of s.announced.values()) t.ok(a.communities?.includes(GSHUT));
});

t.test('a new export policy sends only the differences; no change sends nothing', async (t) => {
  const engine = new RouteEngine({ localAs: US, routerId: '192.0.2.1' }, NETS, silentLogger);
  t.teardown(() => engine.dispose());
  const ebgp = fakePeer('192.0.2.2', 65002);
  establish(engine, ebgp);
  await settle(engine);
  t.equal(take(ebgp).announced.size, 3);

  // Deny one prefix, add a community to another, leave the third alone.
  const rules = () =>
    policyOf((dir, _peer, prefix, a) => {
      if (dir === 'in') return 'same';
      if (prefix === '203.0.113.0/24') return null;
      if (prefix === '198.51.100.0/24') return { ...a, communities: [...(a.communities ?? []), 65001 * 65536 + 7] };
      return 'same';
    });
  engine.setPolicy(rules());
  await settle(engine);
  const s = take(ebgp);
  t.same(s.withdrawn, ['203.0.113.0/24'], 'the denied prefix is withdrawn');
  t.same([...s.announced.keys()], ['198.51.100.0/24'], 'only the changed prefix is re-announced');
  t.same(s.announced.get('198.51.100.0/24')?.communities, [65001 * 65536 + 7]);

  // The same rules again (a new policy object): nothing differs, nothing is sent.
  engine.setPolicy(rules());
  await settle(engine);
  const again = take(ebgp);
  t.equal(again.announced.size + again.withdrawn.length, 0, 'equal policy: no UPDATE');

  engine.setPolicy(undefined);
  await settle(engine);
  const back = take(ebgp);
  t.same([...back.announced.keys()].sort(), ['198.51.100.0/24', '203.0.113.0/24'], 'policy removed: the two changed prefixes are sent again');
  t.same(back.announced.get('198.51.100.0/24')?.communities ?? [], [], 'without the community');
});

t.test('import rules: denied paths are kept as filtered and lose; a reload re-runs them over the Adj-RIB-In', async (t) => {
  const engine = new RouteEngine({ localAs: US, routerId: '192.0.2.1', policy: policyOf((dir, _p, prefix) => (dir === 'in' && prefix.startsWith('10.')) ? null : 'same') }, [], silentLogger);
  t.teardown(() => engine.dispose());
  const upstream = fakePeer('192.0.2.2', 65002);
  const ibgp = fakePeer('192.0.2.3', US);
  establish(engine, upstream);
  establish(engine, ibgp);
  const attrs = { origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65002] }], nextHop: '192.0.2.2' };
  engine.onUpdate(asPeer(upstream), wire(buildUpdate({ attributes: attrs, nlri: ['10.1.0.0/16', '192.0.2.0/26'] })));
  await settle(engine);
  const rx = engine.received(asPeer(upstream)).map((r) => [r.prefix, r.filtered, r.best]);
  t.same(rx.sort(), [['10.1.0.0/16', true, false], ['192.0.2.0/26', false, true]], 'the denied path is held, flagged filtered, not best');
  t.same([...take(ibgp).announced.keys()], ['192.0.2.0/26'], 'only the accepted path goes on');

  engine.setPolicy(policyOf(() => 'same'));
  await settle(engine);
  t.same(engine.received(asPeer(upstream)).map((r) => [r.prefix, r.filtered]).sort(), [['10.1.0.0/16', false], ['192.0.2.0/26', false]], 'new rules re-run: accepted now');
  const s = take(ibgp);
  t.same([...s.announced.keys()], ['10.1.0.0/16'], 'and announced onwards; the other one not re-sent');
});

t.test('a degraded network: the prepend reaches eBGP only and our network still wins inside the AS', async (t) => {
  const engine = new RouteEngine({ localAs: US, routerId: '192.0.2.1' }, [], silentLogger);
  t.teardown(() => engine.dispose());
  const ebgp = fakePeer('192.0.2.2', 65002);
  ebgp.config.announce = 'self';
  const ibgp = fakePeer('192.0.2.3', US);
  establish(engine, ebgp);
  establish(engine, ibgp);
  // Another PoP announces the same anycast prefix over iBGP with an empty path.
  engine.onUpdate(asPeer(ibgp), wire(buildUpdate({ attributes: { origin: Origin.IGP, asPath: [], nextHop: '192.0.2.3', localPref: 100 }, nlri: ['198.51.100.0/24'] })));
  engine.setNetworks([net('198.51.100.0/24', { prepend: 2, communities: [65001 * 65536 + 99] })], []);
  await settle(engine);
  const e = take(ebgp).announced.get('198.51.100.0/24');
  t.ok(e, 'eBGP (announce self) still gets our degraded network: it stayed best');
  t.same(e?.asPath, [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [US, US, US] }], 'our AS once plus the two prepends');
  t.same(e?.communities, [65001 * 65536 + 99], 'with the degrade community');
  t.equal(engine.locRib.best(parseKey('198.51.100.0/24')!)?.source.kind, SourceKind.LOCAL, 'the Loc-RIB best is our own network, not the shorter iBGP path');
});

t.test('a next hop set by export rules applies when the rules arrive by reload', async (t) => {
  const engine = new RouteEngine({ localAs: US, routerId: '192.0.2.1' }, [net('198.51.100.0/24')], silentLogger);
  t.teardown(() => engine.dispose());
  const ebgp = fakePeer('192.0.2.2', 65002);
  establish(engine, ebgp);
  await settle(engine);
  t.equal(take(ebgp).announced.get('198.51.100.0/24')?.nextHop, '192.0.2.1', 'next hop self before');
  // The rule tags its result with a next-hop action, as src/policy records `set next-hop`.
  const tagged = new WeakSet<PathAttributes>();
  const base = policyOf((dir, _p, _prefix, a) => {
    if (dir === 'in') return 'same';
    const r = { ...a, med: 5 };
    tagged.add(r);
    return r;
  });
  engine.setPolicy({ ...base, forPeer: base.forPeer, nextHopAction: (r) => (tagged.has(r) ? '192.0.2.99' : undefined) });
  await settle(engine);
  t.equal(take(ebgp).announced.get('198.51.100.0/24')?.nextHop, '192.0.2.99', "the new policy's next-hop action is used");
});
