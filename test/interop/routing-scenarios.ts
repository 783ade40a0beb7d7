/**
 * Issue 4 proven against real routers: routes both ways with the attributes each side expects.
 * tsbgpd (AS 4200000001) in one namespace, BIRD 2 / GoBGP / OpenBGPD in the other, one IPv4 session
 * carrying ipv4-unicast and one IPv6 session carrying ipv6-unicast.
 *
 * eBGP (peer AS 4200000002):
 * - tsbgpd originates 198.51.100.0/24 (communities, large communities, MED 10) and 2001:db8:100::/48
 *   (communities, large communities, a configured local-pref that must not leave the AS). The peer
 *   shows: origin IGP, AS path exactly [4200000001], next hop = tsbgpd's session address (the IPv6
 *   global address, never ::), the communities and large communities as configured, MED 10 on the
 *   IPv4 route (RFC 4271 sec. 5.1.4: our own MED is sent), none on the other.
 * - No LOCAL_PREF goes to an eBGP peer (RFC 4271 sec. 5.1.5). GoBGP shows attributes as received,
 *   so it shows none. BIRD shows its default 100 on an eBGP-learned path that came without one (and
 *   none at all when it discarded a received one, so it tells too). OpenBGPD shows 100 either way,
 *   so for it (and for all three, as a second witness) the UPDATEs tsbgpd sent are read back from a
 *   packet capture when tshark is installed: no LOCAL_PREF attribute, MED where set, MP_REACH_NLRI
 *   next hop = our global address alone.
 * - The peer originates 203.0.113.0/24 and 2001:db8:200::/48 with communities and large
 *   communities; tsbgpd's Adj-RIB-In (show.rib.in) shows origin IGP, AS path [4200000002] (4-octet,
 *   intact), next hop = the peer's address, and the communities and large communities.
 * iBGP (peer AS 4200000001): the peer shows AS path empty, next hop = tsbgpd's address, and
 * LOCAL_PREF 100 (the default) on the IPv4 route and 200 (configured) on the IPv6 one, which the
 * capture confirms on the wire; tsbgpd shows the peer's routes with an empty AS path.
 * With BIRD only (two BIRDs fit in one namespace): a third speaker proves the `announce` defaults
 * and the eBGP transit rewrite; see announceScenario.
 *
 * The scenarios live here; routing-attributes.test.ts runs them for each peer.
 * Under CI (CI=true) a missing peer daemon or root fails these tests instead of skipping them; a
 * missing tshark only skips the wire checks (.ci/run does not install it).
 */

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Test } from 'tap';
import { controlRequest } from '../../src/control/client';
import { ALLOW_ALL_FILTERS } from './tsbgpd';
import {
  AsPathElement,
  Lab,
  NetnsEnd,
  PacketCapture,
  PeerConfig,
  PeerKind,
  ReceivedRoute,
  RouteOrigin,
  Side,
  communityText,
  isInstalled,
  openLab,
  readTcpFlows,
  requireNetns,
  requirePeer,
  runCommand,
  sleep,
  splitBgpMessages,
  startCapture,
  waitFor,
  waitForEstablished,
  waitForRoutes,
} from './harness/index';

const US = 4200000001;
const THEM = 4200000002;

interface Network {
  prefix: string;
  communities: string[];
  largeCommunities: string[];
  med?: number;
  localPref?: number;
}

const OUR_V4: Network = { prefix: '198.51.100.0/24', communities: ['65000:100'], largeCommunities: ['4200000001:1:1'], med: 10 };
const OUR_V6: Network = { prefix: '2001:db8:100::/48', communities: ['65000:100'], largeCommunities: ['4200000001:1:1'], localPref: 200 };
const THEIR_V4 = { prefix: '203.0.113.0/24', communities: ['65000:200', '65000:201'], largeCommunities: ['4200000002:2:1'] };
const THEIR_V6 = { prefix: '2001:db8:200::/48', communities: ['65000:202'], largeCommunities: ['4200000002:2:2'] };

// ---------------------------------------------------------------------------------------------
// tsbgpd with attributes on its networks (test/interop/tsbgpd.ts writes plain prefixes only).

interface OurNeighbor {
  address: string;
  remoteAs: number;
  localAddress: string;
  families: ('ipv4-unicast' | 'ipv6-unicast')[];
  announce?: 'all' | 'self' | 'none';
}

interface OurConfig {
  routerId: string;
  listen: string[];
  neighbors: OurNeighbor[];
  networks: Network[];
}

interface Tsbgpd {
  request(cmd: string, args?: Record<string, unknown>): Promise<unknown>;
  state(address: string): Promise<string>;
  ribIn(address: string): Promise<RibInEntry[]>;
  stop(): Promise<unknown>;
}

/** What show.rib.in returns per path (the decoded PathAttributes, see src/wire/attributes/types.ts). */
interface RibInEntry {
  prefix: string;
  invalid: boolean;
  stale: boolean;
  attributes: {
    origin?: number;
    asPath?: { type: number; asns: number[] }[];
    nextHop?: string;
    med?: number;
    localPref?: number;
    communities?: number[];
    largeCommunities?: [number, number, number][];
    mpReach?: { nextHop: string; linkLocalNextHop?: string };
  };
}

const REPO = resolve(__dirname, '..', '..', '..');

function ourToml(cfg: OurConfig, socket: string): string {
  const q = (s: string) => JSON.stringify(s);
  const list = (xs: string[]) => `[${xs.map(q).join(', ')}]`;
  const lines = [
    '[global]',
    `local-as = ${US}`,
    `router-id = ${q(cfg.routerId)}`,
    `listen = [${cfg.listen.map((a) => `{ address = ${q(a)}, port = 179 }`).join(', ')}]`,
    'hold-time = 30',
    'connect-retry = 2',
    'log-level = "debug"',
    '',
    '[control]',
    `socket = ${q(socket)}`,
    'mode = "0600"',
    '',
  ];
  for (const n of cfg.neighbors) {
    lines.push('[[neighbor]]', `address = ${q(n.address)}`, `remote-as = ${n.remoteAs}`, `local-address = ${q(n.localAddress)}`);
    lines.push(`families = ${list(n.families)}`, 'connect-retry = 2');
    if (n.announce) lines.push(`announce = ${q(n.announce)}`);
    lines.push('');
  }
  for (const p of cfg.networks) {
    lines.push('[[network]]', `prefix = ${q(p.prefix)}`, `communities = ${list(p.communities)}`, `large-communities = ${list(p.largeCommunities)}`);
    if (p.med !== undefined) lines.push(`med = ${p.med}`);
    if (p.localPref !== undefined) lines.push(`local-pref = ${p.localPref}`);
    lines.push('');
  }
  // RFC 8212 denies eBGP both ways by default: these scenarios are about attributes, not filters.
  lines.push(...ALLOW_ALL_FILTERS, '');
  return lines.join('\n');
}

async function startOurs(lab: Lab, side: Side, cfg: OurConfig): Promise<Tsbgpd> {
  const dir = lab.workDir('tsbgpd-conf');
  const socket = join(dir, 'tsbgpd.sock');
  const file = join(dir, 'bgpd.toml');
  writeFileSync(file, ourToml(cfg, socket), { mode: 0o600 });
  const proc = lab.startProcess(side, { name: 'tsbgpd', argv: ['node', join(REPO, 'dist', 'src', 'main.js'), '-f', file] });
  await proc.waitForLog(/tsbgpd started/, 15_000);
  const request = (cmd: string, args: Record<string, unknown> = {}) => controlRequest(socket, cmd, args);
  return {
    request,
    async state(address) {
      const r = (await request('show.neighbors', { peer: address })) as { neighbors: { state: string }[] };
      return r.neighbors[0]!.state;
    },
    async ribIn(address) {
      return ((await request('show.rib.in', { peer: address })) as { rib: RibInEntry[] }).rib;
    },
    stop: () => proc.stop(),
  };
}

const ORIGINS: readonly RouteOrigin[] = ['IGP', 'EGP', 'INCOMPLETE'];

/** tsbgpd's view of a path in the harness's vocabulary, so both directions read alike. */
export function ribEntryAsRoute(e: RibInEntry): ReceivedRoute {
  const a = e.attributes;
  const asPath: AsPathElement[] = [];
  for (const seg of a.asPath ?? []) {
    if (seg.type === 1) asPath.push([...seg.asns]);
    else asPath.push(...seg.asns);
  }
  const route: ReceivedRoute = {
    prefix: e.prefix,
    asPath,
    communities: (a.communities ?? []).map(communityText),
    largeCommunities: (a.largeCommunities ?? []).map((c) => c.join(':')),
  };
  if (a.origin !== undefined) route.origin = ORIGINS[a.origin];
  const nh = a.nextHop ?? a.mpReach?.nextHop;
  if (nh !== undefined) route.nextHop = nh;
  if (a.mpReach?.linkLocalNextHop !== undefined) route.linkLocalNextHop = a.mpReach.linkLocalNextHop;
  if (a.med !== undefined) route.med = a.med;
  if (a.localPref !== undefined) route.localPref = a.localPref;
  return route;
}

// ---------------------------------------------------------------------------------------------
// What tsbgpd put on the wire, read back from a capture without src/wire (RFC 4271 sec. 4.3).

interface SentUpdate {
  /** Attribute type code -> value. */
  attrs: Map<number, Buffer>;
  /** Octets of IPv4 NLRI after the attributes. */
  nlriLength: number;
}

export function walkUpdate(msg: Buffer): SentUpdate {
  const fail = (why: string): never => {
    throw new Error(`malformed UPDATE (${why}): ${msg.toString('hex')}`);
  };
  if (msg.length < 23 || msg[18] !== 2) fail('not an UPDATE');
  let off = 19;
  const withdrawnLength = msg.readUInt16BE(off);
  off += 2 + withdrawnLength;
  if (off + 2 > msg.length) fail('withdrawn routes overrun');
  const attrsLength = msg.readUInt16BE(off);
  off += 2;
  const end = off + attrsLength;
  if (end > msg.length) fail('attributes overrun');
  const attrs = new Map<number, Buffer>();
  while (off < end) {
    if (off + 3 > end) fail('attribute header overrun');
    const flags = msg[off]!;
    const code = msg[off + 1]!;
    const extended = (flags & 0x10) !== 0;
    if (extended && off + 4 > end) fail('attribute header overrun');
    const len = extended ? msg.readUInt16BE(off + 2) : msg[off + 2]!;
    off += extended ? 4 : 3;
    if (off + len > end) fail(`attribute ${code} overruns`);
    attrs.set(code, msg.subarray(off, off + len));
    off += len;
  }
  return { attrs, nlriLength: msg.length - end };
}

export function ipv6Bytes(text: string): Buffer {
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail !== undefined ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  if (groups.length !== 8) throw new Error(`not an IPv6 address: ${text}`);
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** Every UPDATE with path attributes that tsbgpd (`from` its two addresses) sent in the capture. */
async function sentUpdates(file: string, from: string[]): Promise<SentUpdate[]> {
  const out: SentUpdate[] = [];
  for (const flow of await readTcpFlows(file)) {
    if (!from.includes(flow.src) || flow.bytes.length === 0) continue;
    for (const msg of splitBgpMessages(flow.bytes).messages) {
      if (msg[18] !== 2) continue;
      const u = walkUpdate(msg);
      if (u.attrs.size > 0) out.push(u);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Variant {
  name: 'eBGP' | 'iBGP';
  peerAs: number;
}

function peerConfig(self: NetnsEnd, other: NetnsEnd, peerAs: number): PeerConfig {
  return {
    localAs: peerAs,
    routerId: self.ipv4,
    holdTime: 30,
    neighbors: [
      { address: other.ipv4, remoteAs: US, localAddress: self.ipv4, families: ['ipv4'], description: 'tsbgpd v4' },
      { address: other.ipv6, remoteAs: US, localAddress: self.ipv6, families: ['ipv6'], description: 'tsbgpd v6' },
    ],
    routes: [THEIR_V4, THEIR_V6],
  };
}

function ourConfig(self: NetnsEnd, other: NetnsEnd, peerAs: number): OurConfig {
  return {
    routerId: self.ipv4,
    listen: [self.ipv4, self.ipv6],
    neighbors: [
      { address: other.ipv4, remoteAs: peerAs, localAddress: self.ipv4, families: ['ipv4-unicast'] },
      { address: other.ipv6, remoteAs: peerAs, localAddress: self.ipv6, families: ['ipv6-unicast'] },
    ],
    networks: [OUR_V4, OUR_V6],
  };
}

/**
 * What `kind` must show for one of our networks. Display quirks (see ReceivedRoute): BIRD and
 * OpenBGPD show LOCAL_PREF 100 on eBGP-learned paths; OpenBGPD shows MED 0 when none came.
 */
function expectedAtPeer(kind: PeerKind, v: Variant, net: Network, nextHop: string): ReceivedRoute {
  const r: ReceivedRoute = {
    prefix: net.prefix,
    origin: 'IGP',
    asPath: v.name === 'eBGP' ? [US] : [],
    nextHop,
    communities: net.communities,
    largeCommunities: net.largeCommunities,
  };
  if (net.med !== undefined) r.med = net.med;
  else if (kind === 'openbgpd') r.med = 0;
  if (v.name === 'iBGP') r.localPref = net.localPref ?? 100;
  else if (kind !== 'gobgp') r.localPref = 100;
  return r;
}

/** Only what a test may compare exactly: drop the link-local next hop (the daemon's own choice). */
function comparable(r: ReceivedRoute): ReceivedRoute {
  const { linkLocalNextHop: _ll, ...rest } = r;
  return rest;
}

async function routesBothWays(t: Test, kind: PeerKind, v: Variant): Promise<void> {
  if (!(await requireNetns(t)) || !requirePeer(t, kind)) return;
  // The capture is a second witness (the only one for OpenBGPD's missing LOCAL_PREF). .ci/run does
  // not install tshark, so without it the wire checks are skipped, under CI too.
  const capturing = isInstalled('tshark');
  if (!capturing) t.pass('wire checks', { skip: 'tshark is not installed (Debian package tshark): UPDATEs on the wire not checked' });
  const lab = await openLab(t, { label: `routing-${kind}-${v.name}` });
  const a = lab.end('a');
  const b = lab.end('b');

  let capture: PacketCapture | undefined;
  if (capturing) {
    capture = await startCapture({ netns: a.ns, ifname: a.ifname, file: join(lab.workDir('capture'), 'bgp.pcapng'), logDir: lab.workDir('tshark'), maxSeconds: 120 });
  }
  const peer = await lab.startPeer(kind, 'b', peerConfig(b, a, v.peerAs));
  const us = await startOurs(lab, 'a', ourConfig(a, b, v.peerAs));
  await Promise.all([
    waitForEstablished(peer, a.ipv4, 40_000),
    waitForEstablished(peer, a.ipv6, 40_000),
    waitFor(async () => (await us.state(b.ipv4)) === 'Established' && (await us.state(b.ipv6)) === 'Established', { timeoutMs: 40_000, intervalMs: 250, what: 'tsbgpd: both sessions Established' }),
  ]);
  t.pass(`${v.name}: IPv4 and IPv6 sessions Established`);

  // Our routes at the peer.
  const [got4, got6] = await Promise.all([
    waitForRoutes(peer, a.ipv4, [OUR_V4.prefix], 15_000, 'ipv4'),
    waitForRoutes(peer, a.ipv6, [OUR_V6.prefix], 15_000, 'ipv6'),
  ]);
  t.same(got4.map(comparable), [expectedAtPeer(kind, v, OUR_V4, a.ipv4)], `${kind} shows our IPv4 route with the expected attributes`);
  t.same(got6.map(comparable), [expectedAtPeer(kind, v, OUR_V6, a.ipv6)], `${kind} shows our IPv6 route with the expected attributes`);
  t.equal(got6[0]?.nextHop, a.ipv6, `IPv6 next hop is our global address ${a.ipv6}, not ::`);
  if (v.name === 'eBGP' && kind === 'gobgp') {
    t.equal(got4[0]?.localPref, undefined, 'GoBGP: no LOCAL_PREF received on the IPv4 route');
    t.equal(got6[0]?.localPref, undefined, 'GoBGP: no LOCAL_PREF received on the IPv6 route (its configured local-pref stayed home)');
  }
  if (kind !== 'openbgpd') t.equal(got6[0]?.med, undefined, `${kind}: no MED on the route that has none`);

  // The peer's routes at tsbgpd.
  const ribFor = async (addr: string, prefix: string) =>
    waitFor(async () => {
      const rib = await us.ribIn(addr);
      return rib.some((e) => e.prefix === prefix) ? rib : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250, what: `${prefix} in tsbgpd's Adj-RIB-In from ${addr}` });
  const [rib4, rib6] = await Promise.all([ribFor(b.ipv4, THEIR_V4.prefix), ribFor(b.ipv6, THEIR_V6.prefix)]);
  const theirs = (r: typeof THEIR_V4, nextHop: string): ReceivedRoute => ({
    prefix: r.prefix,
    origin: 'IGP',
    asPath: v.name === 'eBGP' ? [THEM] : [],
    nextHop,
    communities: r.communities,
    largeCommunities: r.largeCommunities,
    ...(v.name === 'iBGP' ? { localPref: 100 } : {}),
  });
  t.same(rib4.map(ribEntryAsRoute).map(comparable), [theirs(THEIR_V4, b.ipv4)], `tsbgpd shows ${kind}'s IPv4 route with its attributes`);
  t.same(rib6.map(ribEntryAsRoute).map(comparable), [theirs(THEIR_V6, b.ipv6)], `tsbgpd shows ${kind}'s IPv6 route with its attributes`);
  t.same([...rib4, ...rib6].map((e) => [e.invalid, e.stale]), [[false, false], [false, false]], 'neither invalid nor stale');
  if (v.name === 'eBGP') {
    t.same(rib4[0]?.attributes.asPath, [{ type: 2, asns: [THEM] }], 'one AS_SEQUENCE with the 4-octet AS, intact');
  }

  // The wire: what tsbgpd itself sent.
  if (capture) {
    await sleep(500); // let tshark take in the last segments before it is stopped (it then flushes the file)
    await capture.stop();
    const updates = await sentUpdates(capture.file, [a.ipv4, a.ipv6]);
    const v4 = updates.filter((u) => u.nlriLength > 0);
    const v6 = updates.filter((u) => u.attrs.has(14));
    t.ok(v4.length > 0 && v6.length > 0, `capture holds our IPv4 (${v4.length}) and IPv6 (${v6.length}) announcements`);
    const localPrefs = (list: SentUpdate[]) => list.map((u) => u.attrs.get(5)?.readUInt32BE(0) ?? null);
    if (v.name === 'eBGP') {
      t.same(localPrefs([...v4, ...v6]), [...v4, ...v6].map(() => null), 'on the wire: no LOCAL_PREF in any UPDATE to the eBGP peer');
    } else {
      t.same(localPrefs(v4), v4.map(() => 100), 'on the wire: LOCAL_PREF 100 on the IPv4 route');
      t.same(localPrefs(v6), v6.map(() => OUR_V6.localPref!), `on the wire: LOCAL_PREF ${OUR_V6.localPref} (configured) on the IPv6 route`);
    }
    t.same(v4.map((u) => u.attrs.get(4)?.readUInt32BE(0) ?? null), v4.map(() => OUR_V4.med!), `on the wire: MED ${OUR_V4.med} on the IPv4 route`);
    // MP_REACH_NLRI: AFI 2, SAFI 1, next hop length, next hop (RFC 4760 sec. 3, RFC 2545 sec. 3).
    const nh = v6.map((u) => u.attrs.get(14)!).map((mp) => ({ len: mp[3], global: mp.subarray(4, 20).equals(ipv6Bytes(a.ipv6)) }));
    t.same(nh, v6.map(() => ({ len: 16, global: true })), `on the wire: MP_REACH_NLRI next hop is ${a.ipv6} alone (16 octets)`);
  }
  await us.stop();
}

/**
 * `announce` (bgpd's): eBGP neighbours default to `self` (only our own networks), `all` sends the
 * best paths learned from others too. tsbgpd has two eBGP neighbours, BIRD at 192.0.2.2 (AS
 * 4200000002, default announce) and a second BIRD at 192.0.2.3 (AS 4200000003, announce = "all").
 * The second receives the first's route as transit: AS path [4200000001, 4200000002], next hop
 * tsbgpd, communities and large communities passed on unchanged (both transitive); the first never
 * receives the second's route.
 */
async function announceScenario(t: Test): Promise<void> {
  if (!(await requireNetns(t)) || !requirePeer(t, 'bird')) return;
  const lab = await openLab(t, { label: 'routing-announce' });
  const a = lab.end('a');
  const b = lab.end('b');
  const cAddr = '192.0.2.3';
  const THIRD = 4200000003;
  const THIRD_V4 = { prefix: '198.18.0.0/24', communities: ['65000:300'], largeCommunities: ['4200000003:3:1'] };
  await runCommand(['ip', '-n', b.ns, 'addr', 'add', `${cAddr}/${b.ipv4PrefixLength}`, 'dev', b.ifname], { timeoutMs: 10_000 });

  const first = await lab.startPeer('bird', 'b', {
    localAs: THEM,
    routerId: b.ipv4,
    holdTime: 30,
    neighbors: [{ address: a.ipv4, remoteAs: US, localAddress: b.ipv4, families: ['ipv4'] }],
    routes: [THEIR_V4],
  });
  const second = await lab.startPeer(
    'bird',
    'b',
    {
      localAs: THIRD,
      routerId: cAddr,
      holdTime: 30,
      neighbors: [{ address: a.ipv4, remoteAs: US, localAddress: cAddr, families: ['ipv4'] }],
      routes: [THIRD_V4],
    },
    { name: 'bird-third' },
  );
  const us = await startOurs(lab, 'a', {
    routerId: a.ipv4,
    listen: [a.ipv4],
    neighbors: [
      { address: b.ipv4, remoteAs: THEM, localAddress: a.ipv4, families: ['ipv4-unicast'] },
      { address: cAddr, remoteAs: THIRD, localAddress: a.ipv4, families: ['ipv4-unicast'], announce: 'all' },
    ],
    networks: [OUR_V4],
  });
  await Promise.all([waitForEstablished(first, a.ipv4, 40_000), waitForEstablished(second, a.ipv4, 40_000)]);
  t.pass('both eBGP sessions Established');

  // tsbgpd has both peers' routes.
  await waitFor(async () => (await us.ribIn(b.ipv4)).some((e) => e.prefix === THEIR_V4.prefix), { timeoutMs: 15_000, what: 'first peer route at tsbgpd' });
  await waitFor(async () => (await us.ribIn(cAddr)).some((e) => e.prefix === THIRD_V4.prefix), { timeoutMs: 15_000, what: 'second peer route at tsbgpd' });

  const atSecond = await waitForRoutes(second, a.ipv4, [OUR_V4.prefix, THEIR_V4.prefix], 15_000, 'ipv4');
  t.same(
    atSecond.map(comparable),
    [
      { ...expectedAtPeer('bird', { name: 'eBGP', peerAs: THIRD }, OUR_V4, a.ipv4) },
      // A learned route: MED not passed to another AS (send-med off), the rest as described.
      { prefix: THEIR_V4.prefix, origin: 'IGP', asPath: [US, THEM], nextHop: a.ipv4, localPref: 100, communities: THEIR_V4.communities, largeCommunities: THEIR_V4.largeCommunities },
    ],
    'announce = "all": the second peer gets our network and the first peer\'s route as transit',
  );

  // The first peer (default announce, self) only ever gets our own network. Its UPDATEs to the
  // second peer went out already, so a short grace is enough to catch a wrong one.
  await sleep(2000);
  const atFirst = await first.receivedRoutes(a.ipv4, 'ipv4');
  t.same(atFirst.map((r) => r.prefix), [OUR_V4.prefix], 'default announce (self) for eBGP: the first peer gets only our network');
  await us.stop();
}

/** Register the scenarios for one peer daemon. */
export function routingScenarios(t: Test, kind: PeerKind): void {
  t.test(`${kind}: eBGP routes both ways with their attributes`, (t) => routesBothWays(t, kind, { name: 'eBGP', peerAs: THEM }));
  t.test(`${kind}: iBGP routes both ways with their attributes`, (t) => routesBothWays(t, kind, { name: 'iBGP', peerAs: US }));
  if (kind === 'bird') t.test('bird: announce defaults and eBGP transit, with a third speaker', (t) => announceScenario(t));
}
