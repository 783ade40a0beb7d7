/**
 * Issue 4 scenario: three PoPs (AS 65000, iBGP full mesh) each with one eBGP upstream, all tsbgpd
 * daemons in this process on loopback (127.0.1.x PoPs, 127.0.2.x upstreams, one ephemeral port).
 * - every upstream sees exactly the anycast /24 and /48 from its PoP, with AS path [65000] and the
 *   PoP's next hop;
 * - upstream 1's table (3000 prefixes) reaches every PoP's Loc-RIB (iBGP keeps its next hop and
 *   gets LOCAL_PREF 100) but is never given to another upstream, nor passed on PoP to PoP;
 * - withdrawing part of it and announcing it again converges everywhere;
 * - Route Refresh re-sends the Adj-RIB-Out;
 * - upstream 1 going away removes its paths everywhere.
 */

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load';
import type { DaemonConfig } from '../../src/config/types';
import { Daemon } from '../../src/daemon';
import { silentLogger } from '../../src/log';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';
import { parseKey } from '../../src/rib/prefix-key';
import { freePort, waitUntil } from '../helpers/net';
import { ALLOW_ALL_FILTERS } from '../helpers/config';

const ANYCAST4 = '198.51.100.0/24';
const ANYCAST6 = '2001:db8:100::/48';
const POP_AS = 65000;
const FEED = 3000;

function feedPrefixes(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `10.${((i + from) >> 8) & 255}.${(i + from) & 255}.0/24`);
}



interface Node {
  name: string;
  addr: string;
  as: number;
  daemon: Daemon;
}

function config(dir: string, me: { addr: string; as: number }, port: number, neighbors: string[], networks: string[]): DaemonConfig {
  const lines = [
    '[global]',
    `local-as = ${me.as}`,
    `router-id = "${me.addr}"`,
    `listen = [{ address = "${me.addr}", port = ${port} }]`,
    'connect-retry = 1',
    '[control]',
    `socket = "${join(dir, me.addr + '.sock')}"`,
    ...neighbors,
  ];
  for (const p of networks) lines.push('[[network]]', `prefix = "${p}"`);
  lines.push(...ALLOW_ALL_FILTERS);
  const text = lines.join('\n') + '\n';
  const r = loadConfigText(text, join(dir, `${me.addr}.toml`));
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  return r.config;
}

function neighbor(addr: string, as: number, local: string, port: number, extra: string[] = []): string {
  return ['[[neighbor]]', `address = "${addr}"`, `remote-as = ${as}`, `local-address = "${local}"`, `port = ${port}`, 'connect-retry = 1', ...extra].join('\n');
}

t.test('three PoPs, three upstreams', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-mesh-'));
  const port = await freePort();
  const pops = [1, 2, 3].map((i) => ({ name: `pop${i}`, addr: `127.0.1.${i}`, as: POP_AS }));
  const ups = [1, 2, 3].map((i) => ({ name: `up${i}`, addr: `127.0.2.${i}`, as: 64600 + i }));
  const nodes: Node[] = [];
  const popConfig = (i: number) =>
    config(
      dir,
      pops[i]!,
      port,
      [
        ...pops.filter((_, j) => j !== i).map((p) => neighbor(p.addr, POP_AS, pops[i]!.addr, port, [`next-hop6 = "2001:db8:ff::${i + 1}"`])),
        // The session to the upstream is IPv4; the /48 goes with this PoP's IPv6 next hop.
        neighbor(ups[i]!.addr, ups[i]!.as, pops[i]!.addr, port, [`next-hop6 = "2001:db8:ff::${i + 1}"`]),
      ],
      [ANYCAST4, ANYCAST6],
    );
  const upConfig = (i: number, feed: string[]) => config(dir, ups[i]!, port, [neighbor(pops[i]!.addr, POP_AS, ups[i]!.addr, port, ['announce = "all"'])], feed);
  pops.forEach((p, i) => nodes.push({ ...p, daemon: new Daemon(popConfig(i), silentLogger) }));
  ups.forEach((u, i) => nodes.push({ ...u, daemon: new Daemon(upConfig(i, i === 0 ? feedPrefixes(FEED) : []), silentLogger) }));
  t.teardown(async () => {
    for (const n of nodes) await n.daemon.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  for (const n of nodes) await n.daemon.start();
  const [pop1, pop2, pop3, up1, up2, up3] = nodes as [Node, Node, Node, Node, Node, Node];
  const peer = (n: Node, addr: string) => n.daemon.peers.get(addr)!;
  const locRib4 = (n: Node) => n.daemon.engine.locRib.prefixCount(IPV4_UNICAST);
  const settled = () => nodes.every((n) => n.daemon.engine.idle);

  t.ok(await waitUntil(() => nodes.every((n) => [...n.daemon.peers.values()].every((p) => p.state === 'Established')), 20000), 'all 9 sessions Established');
  t.ok(await waitUntil(() => [pop1, pop2, pop3].every((p) => locRib4(p) === FEED + 1) && settled(), 20000), `every PoP holds the ${FEED} upstream prefixes plus the anycast /24`);

  t.ok(await waitUntil(() => ups.every((_u, i) => nodes[3 + i]!.daemon.engine.receivedCount(peer(nodes[3 + i]!, pops[i]!.addr)) === 2), 10000), 'every upstream got its PoP announcements');
  // What each upstream sees: exactly the anycast prefixes, AS path [65000], the PoP's next hop.
  for (const [i, up] of [up1, up2, up3].entries()) {
    const got = up.daemon.engine.received(peer(up, pops[i]!.addr));
    t.same(got.map((r) => r.prefix).sort(), [ANYCAST4, ANYCAST6].sort(), `${up.name} sees exactly the anycast /24 and /48`);
    const v4 = got.find((r) => r.prefix === ANYCAST4)!;
    const v6 = got.find((r) => r.prefix === ANYCAST6)!;
    t.same(v4.attributes.asPath, [{ type: 2, asns: [POP_AS] }], `${up.name}: AS path is the PoP's AS`);
    t.equal(v4.attributes.nextHop, pops[i]!.addr, `${up.name}: IPv4 next hop is the PoP`);
    t.equal(v4.attributes.localPref, undefined, `${up.name}: no LOCAL_PREF over eBGP`);
    t.equal(v6?.attributes.mpReach?.nextHop, `2001:db8:ff::${i + 1}`, `${up.name}: IPv6 next hop is the configured global address, never ::`);
  }

  // Route Refresh (RFC 2918, with RFC 7313 BoRR/EoRR around it): the PoP sends its Adj-RIB-Out again.
  const before = up2.daemon.engine.stats(peer(up2, pop2.addr)).updatesIn;
  const rrBefore = peer(up2, pop2.addr).received.routeRefresh;
  t.ok(peer(up2, pop2.addr).sendMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 }), 'route refresh sent');
  t.ok(await waitUntil(() => up2.daemon.engine.stats(peer(up2, pop2.addr)).updatesIn > before, 5000), 'the IPv4 table came again');
  t.ok(await waitUntil(() => peer(up2, pop2.addr).received.routeRefresh >= rrBefore + 2, 5000), 'bracketed by BoRR and EoRR');
  t.equal(up2.daemon.engine.receivedCount(peer(up2, pop2.addr)), 2, 'nothing more, nothing less');

  // Upstream 1's table inside the AS: over iBGP with its next hop kept and LOCAL_PREF 100.
  const viaIbgp = pop2.daemon.engine.received(peer(pop2, pop1.addr));
  t.equal(viaIbgp.length, FEED + 2, 'PoP2 gets the feed and PoP1 anycast /24 and /48 from PoP1');
  const sample = viaIbgp.find((r) => r.prefix === '10.0.5.0/24')!;
  t.equal(sample.attributes.nextHop, up1.addr, 'iBGP keeps the eBGP next hop');
  t.equal(sample.attributes.localPref, 100, 'LOCAL_PREF 100 on iBGP');
  t.same(sample.attributes.asPath, [{ type: 2, asns: [64601] }]);
  t.equal(pop3.daemon.engine.received(peer(pop3, pop2.addr)).length, 2, 'PoP2 does not pass PoP1-learned routes to PoP3 (full mesh)');
  t.ok(pop2.daemon.engine.locRib.best(parseKey('10.0.5.0/24')!), 'a feed prefix is selected at PoP2');

  // Withdraw a third of the feed at the source, then announce it again.
  await up1.daemon.reload(upConfig(0, feedPrefixes(FEED - 1000)));
  t.ok(await waitUntil(() => [pop1, pop2, pop3].every((p) => locRib4(p) === FEED - 1000 + 1) && settled(), 15000), 'the withdrawal converged at every PoP');
  await up1.daemon.reload(upConfig(0, feedPrefixes(FEED)));
  t.ok(await waitUntil(() => [pop1, pop2, pop3].every((p) => locRib4(p) === FEED + 1) && settled(), 15000), 'the re-announcement converged at every PoP');

  // Nothing of the feed ever reached the other upstreams.
  t.same(up2.daemon.engine.received(peer(up2, pop2.addr)).map((r) => r.prefix).sort(), [ANYCAST4, ANYCAST6].sort(), 'up2 never got up1 routes');
  t.same(up3.daemon.engine.received(peer(up3, pop3.addr)).map((r) => r.prefix).sort(), [ANYCAST4, ANYCAST6].sort(), 'up3 never got up1 routes');

  // Upstream 1 goes away: its paths disappear everywhere.
  await up1.daemon.stop();
  t.ok(await waitUntil(() => [pop1, pop2, pop3].every((p) => locRib4(p) === 1) && settled(), 15000), 'only the anycast /24 is left at every PoP');
  t.equal(pop1.daemon.engine.locRib.prefixCount(IPV6_UNICAST), 1, 'and the /48');
});
