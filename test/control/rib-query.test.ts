/**
 * `show rib` in the daemon (rib-query.ts) on a real RouteEngine fed by a stand-in peer: which paths
 * each table and selection lists, prefix matching (exact, longest match, or-longer, or-shorter),
 * the AS and community filters, `out` with the export rewrite, the decision in `detail`, entries
 * conforming to the documented schema, and refusals of bad queries.
 *
 * The peer (eBGP, AS 65002) announces, as UPDATEs encoded and decoded again:
 *   192.0.2.0/24     path 65002 65010, communities 65002:100 NO_EXPORT, large 65002:1:2
 *   203.0.113.0/24   path 65002           (also one of our networks: ours wins, shorter path)
 *   10.0.0.0/8, 10.1.0.0/16   path 65002
 *   198.51.100.0/24  path 65099           (first AS is not the peer's: filtered on import)
 *   198.18.0.0/15    no AS_PATH            (RFC 7606 treat-as-withdraw: invalid)
 * and we originate 203.0.113.0/24 and 2001:db8:a::/48.
 */

import t from 'tap';
import { checkJson, JSON_DOCUMENTS } from '../../src/control/json-schema';
import type { RibEntryJson } from '../../src/control/json-types';
import { parseRibQuery, ribEntries, RibContext } from '../../src/control/rib-query';
import type { NetworkConfig } from '../../src/config/types';
import { silentLogger } from '../../src/log';
import { RouteEngine } from '../../src/rib/engine';
import type { Peer } from '../../src/session/peer';
import { defaultContext } from '../../src/wire/context';
import { AsPathSegmentType, IPV4_UNICAST, IPV6_UNICAST, Origin, WellKnownCommunity } from '../../src/wire/iana';
import { buildUpdate, UpdateMessage } from '../../src/wire/update';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { onWire } from '../helpers/wire';

const seq = (...asns: number[]) => [{ type: AsPathSegmentType.AS_SEQUENCE, asns }];

function announce(attrs: PathAttributes, nlri: string[]): UpdateMessage {
  return onWire(buildUpdate({ attributes: { origin: Origin.IGP, nextHop: '192.0.2.2', ...attrs }, nlri }));
}

const net = (prefix: string, family = IPV4_UNICAST): NetworkConfig => ({ prefix, family, origin: Origin.IGP, communities: [], largeCommunities: [] });

function fakePeer() {
  return {
    state: 'Established',
    config: { remoteAddress: '192.0.2.2', localAs: 65001, remoteAs: 65002, name: 'peer-p', nextHop4: '192.0.2.1', nextHop6: '2001:db8::1' },
    negotiated: { families: [IPV4_UNICAST, IPV6_UNICAST], encode: defaultContext(), as4: true },
    remoteOpen: { bgpId: '192.0.2.2' },
    connection: undefined,
    sendUpdate: () => true,
    sendMessage: () => true,
  };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !cond()) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

async function setup() {
  const engine = new RouteEngine({ localAs: 65001, routerId: '192.0.2.1' }, [net('203.0.113.0/24'), net('2001:db8:a::/48', IPV6_UNICAST)], silentLogger);
  const peer = fakePeer() as unknown as Peer;
  engine.onEstablished(peer);
  engine.onUpdate(
    peer,
    announce({ asPath: seq(65002, 65010), communities: [65002 * 65536 + 100, WellKnownCommunity.NO_EXPORT], largeCommunities: [[65002, 1, 2]] }, ['192.0.2.0/24']),
  );
  engine.onUpdate(peer, announce({ asPath: seq(65002) }, ['203.0.113.0/24', '10.0.0.0/8', '10.1.0.0/16']));
  engine.onUpdate(peer, announce({ asPath: seq(65099) }, ['198.51.100.0/24']));
  engine.onUpdate(peer, onWire(buildUpdate({ attributes: { origin: Origin.IGP, nextHop: '192.0.2.2' }, nlri: ['198.18.0.0/15'] })));
  await until(() => engine.idle, 5000);
  const ctx: RibContext = { engine, localAs: 65001, routerId: '192.0.2.1', peers: [peer], now: Date.now() };
  const find = (name: string) => {
    if (name === '192.0.2.2' || name === 'peer-p') return peer;
    throw new Error(`no such neighbor: ${name}`);
  };
  const query = async (args: Record<string, unknown>): Promise<RibEntryJson[]> => {
    const out: RibEntryJson[] = [];
    for await (const chunk of ribEntries(parseRibQuery(args, find), ctx)) out.push(...chunk);
    return out;
  };
  return { engine, peer, ctx, find, query };
}

/** Entries as "flags prefix via", compact for assertions. */
const rows = (es: RibEntryJson[]) =>
  es.map((e) => `${e.filtered ? 'F' : ''}${e.invalid ? 'E' : ''}${e.announced ? 'A' : ''}${e.valid ? '*' : ''}${e.best ? '>' : ''} ${e.prefix} ${e.neighbor.remote_addr}`);

t.test('tables and selections', async (t) => {
  const { engine, query } = await setup();
  t.teardown(() => engine.dispose());
  t.same(
    rows(await query({})),
    [
      '*> 10.0.0.0/8 192.0.2.2',
      '*> 10.1.0.0/16 192.0.2.2',
      '*> 192.0.2.0/24 192.0.2.2',
      'A*> 203.0.113.0/24 0.0.0.0',
      '* 203.0.113.0/24 192.0.2.2',
      'A*> 2001:db8:a::/48 ::',
    ],
    'loc: prefix order, the selected path first, filtered and invalid left out',
  );
  t.same(
    rows(await query({ table: 'in' })),
    ['*> 10.0.0.0/8 192.0.2.2', '*> 10.1.0.0/16 192.0.2.2', '*> 192.0.2.0/24 192.0.2.2', 'E 198.18.0.0/15 192.0.2.2', 'F 198.51.100.0/24 192.0.2.2', '* 203.0.113.0/24 192.0.2.2'],
    'in: every received path, not ours',
  );
  t.same(rows(await query({ select: 'filtered' })), ['F 198.51.100.0/24 192.0.2.2']);
  t.same(rows(await query({ select: 'error' })), ['E 198.18.0.0/15 192.0.2.2']);
  t.same(rows(await query({ select: 'best', family: 'inet6' })), ['A*> 2001:db8:a::/48 ::']);
  t.same(rows(await query({ select: 'best', peer: 'peer-p' })), ['*> 10.0.0.0/8 192.0.2.2', '*> 10.1.0.0/16 192.0.2.2', '*> 192.0.2.0/24 192.0.2.2']);
  const out = await query({ table: 'out' });
  t.same(rows(out), ['A* 203.0.113.0/24 192.0.2.2', 'A* 2001:db8:a::/48 192.0.2.2'], 'out: what the peer was sent (not its own paths back), valid, not "selected"');
  t.same(
    out.map((e) => [e.aspath, e.exit_nexthop]),
    [
      ['65001', '192.0.2.1'],
      ['65001', '2001:db8::1'],
    ],
    'out: as the export rewrite sends it (our AS prepended, next hop self)',
  );
});

t.test('prefixes', async (t) => {
  const { engine, query } = await setup();
  t.teardown(() => engine.dispose());
  const prefixes = async (args: Record<string, unknown>) => (await query({ ...args, select: 'best' })).map((e) => e.prefix);
  t.same(await prefixes({ prefix: '10.1.0.0/16' }), ['10.1.0.0/16'], 'exact');
  t.same(await prefixes({ prefix: '10.2.0.0/16' }), [], 'exact, absent');
  t.same(await prefixes({ prefix: '10.1.2.3' }), ['10.1.0.0/16'], 'an address: its longest match');
  t.same(await prefixes({ prefix: '10.200.0.1' }), ['10.0.0.0/8'], 'a shorter match');
  t.same(await prefixes({ prefix: '10.0.0.0/8', match: 'or-longer' }), ['10.0.0.0/8', '10.1.0.0/16']);
  t.same(await prefixes({ prefix: '10.1.0.0/16', match: 'or-shorter' }), ['10.0.0.0/8', '10.1.0.0/16']);
  t.same(await prefixes({ prefix: '2001:db8::/32', match: 'or-longer' }), ['2001:db8:a::/48']);
  t.same(await prefixes({ prefix: '2001:db8:a:1::1' }), ['2001:db8:a::/48'], 'IPv6 longest match');
});

t.test('AS and community filters', async (t) => {
  const { engine, query } = await setup();
  t.teardown(() => engine.dispose());
  const prefixes = async (args: Record<string, unknown>) => (await query(args)).map((e) => e.prefix);
  t.same(await prefixes({ as: { type: 'source-as', asn: 65010 } }), ['192.0.2.0/24']);
  t.same(await prefixes({ as: { type: 'transit-as', asn: 65002 } }), ['192.0.2.0/24'], 'transit: not the last AS');
  t.same(await prefixes({ as: { type: 'peer-as', asn: 65002 } }), ['10.0.0.0/8', '10.1.0.0/16', '192.0.2.0/24', '203.0.113.0/24']);
  t.same(await prefixes({ as: { type: 'as', asn: 65010 } }), ['192.0.2.0/24']);
  t.same(await prefixes({ as: { type: 'as', asn: 65001 } }), [], 'an empty path matches no AS');
  t.same(await prefixes({ community: '65002:*' }), ['192.0.2.0/24']);
  t.same(await prefixes({ community: 'no_export' }), ['192.0.2.0/24'], 'well-known names, any case');
  t.same(await prefixes({ community: '65002:101' }), []);
  t.same(await prefixes({ large_community: '65002:*:2' }), ['192.0.2.0/24']);
  t.same(await prefixes({ table: 'in', select: 'filtered', as: { type: 'source-as', asn: 65099 } }), ['198.51.100.0/24'], 'filters apply to received paths too');
});

t.test('detail: every attribute and the decision', async (t) => {
  const { engine, query } = await setup();
  t.teardown(() => engine.dispose());
  const [e] = await query({ prefix: '192.0.2.0/24', detail: true });
  t.same(e!.communities, ['65002:100', 'NO_EXPORT']);
  t.same(e!.large_communities, ['65002:1:2']);
  t.same(e!.extended_communities, []);
  t.equal(e!.aspath, '65002 65010');
  t.same(e!.decision, { selected: true, over: [] });
  const both = await query({ prefix: '203.0.113.0/24', detail: true });
  t.equal(both.length, 2);
  t.match(both[0]!.decision, { selected: true, over: [{ remote_addr: '192.0.2.2', description: 'peer-p', step: 'as-path-length', step_number: 2, reason: 'shorter AS_PATH (0 over 1)' }] });
  t.match(both[1]!.decision, { selected: false, lost_to: { remote_addr: '0.0.0.0', description: 'LOCAL' }, step: 'as-path-length', reason: 'shorter AS_PATH (0 over 1)' });
  const [filtered] = await query({ select: 'filtered', detail: true });
  t.match(filtered!.decision, { selected: false, step: 'eligibility', step_number: 0 }, 'a filtered path loses at eligibility');
  t.notOk(filtered!.valid);
  for (const args of [{ detail: true }, { table: 'in', detail: true }, { table: 'out', detail: true }, {}, { table: 'in' }]) {
    t.same(checkJson({ rib: await query(args) }, JSON_DOCUMENTS.rib!.schema), [], `${JSON.stringify(args)}: entries conform to the schema`);
  }
});

t.test('bad queries are refused with a message', async (t) => {
  const { engine, find } = await setup();
  t.teardown(() => engine.dispose());
  const refused = (args: Record<string, unknown>, message: RegExp) => t.throws(() => parseRibQuery(args, find), message, JSON.stringify(args));
  refused({ prefix: 'x' }, /not an address or prefix: x/);
  refused({ prefix: '10.1.2.0/8' }, /10.1.2.0\/8 has host bits set \(the prefix is 10.0.0.0\/8\)/);
  refused({ prefix: '10.0.0.0/8', family: 'inet6' }, /not in the family/);
  refused({ match: 'or-longer' }, /needs a prefix/);
  refused({ table: 'out', select: 'filtered' }, /do not go together/);
  refused({ table: 'sideways' }, /bad table/);
  refused({ community: '1:2:3' }, /not a community/);
  refused({ as: { type: 'as', asn: 'x' } }, /not an AS number/);
  refused({ peer: 'nobody' }, /no such neighbor: nobody/);
});

t.test('a large table streams in chunks and the event loop keeps turning', async (t) => {
  const N = 60_000;
  const nets: NetworkConfig[] = [];
  for (let i = N - 1; i >= 0; i--) nets.push(net(`10.${i >> 8}.${i & 255}.0/24`));
  const engine = new RouteEngine({ localAs: 65001, routerId: '192.0.2.1' }, nets, silentLogger);
  t.teardown(() => engine.dispose());
  t.ok(await until(() => engine.idle, 20_000), 'the networks are decided');
  const ctx: RibContext = { engine, localAs: 65001, routerId: '192.0.2.1', peers: [], now: Date.now() };
  let last = Date.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  t.teardown(() => clearInterval(timer));
  let chunks = 0;
  let count = 0;
  let ordered = true;
  let prev = -1;
  for await (const chunk of ribEntries(parseRibQuery({}, () => undefined as never), ctx)) {
    chunks++;
    for (const e of chunk) {
      const [a, b, c] = e.prefix.split('.').map(Number) as [number, number, number];
      const n = a * 65536 + b * 256 + c;
      if (n <= prev) ordered = false;
      prev = n;
      count++;
    }
  }
  clearInterval(timer);
  t.equal(count, N, 'every prefix');
  t.ok(ordered, 'in prefix order');
  t.ok(chunks >= N / 500, `in chunks (${chunks})`);
  t.ok(maxGap < 250, `timers kept firing during the query (longest gap ${maxGap} ms)`);

  // A filter that matches nothing still pauses between slices.
  last = Date.now();
  maxGap = 0;
  const again = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  t.teardown(() => clearInterval(again));
  let none = 0;
  for await (const chunk of ribEntries(parseRibQuery({ as: { type: 'as', asn: 1 } }, () => undefined as never), ctx)) none += chunk.length;
  clearInterval(again);
  t.equal(none, 0, 'nothing matches');
  t.ok(maxGap < 250, `and timers kept firing (longest gap ${maxGap} ms)`);
});
