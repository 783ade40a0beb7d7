/**
 * tsbgpctl end to end: two daemons in this process on loopback (two-daemons.ts), the real CLI run
 * as a child process against their control sockets. Checks the text layouts on live data, -j
 * answers against the documented schema, abbreviations, one-line errors with exit status 1 (no
 * such neighbor, no socket, ambiguous word, read-only socket), runtime networks surviving a
 * reload, and `neighbor X down "reason"` seen from both sides.
 */

import t, { type Test } from 'tap';
import { checkJson, JSON_DOCUMENTS } from '../../src/control/json-schema';
import type { NeighborsJson, RibJson } from '../../src/control/json-types';
import { IPV4_UNICAST } from '../../src/wire/iana';
import { CliRun, Pair, runCli, startPair, waitFor } from './two-daemons';

let pair: Pair;

t.before(async () => {
  pair = await startPair();
});
t.teardown(async () => {
  await pair?.stop();
});

const A = (...args: string[]) => runCli(['-s', pair.sockA, ...args]);
const lines = (r: CliRun) => r.stdout.split('\n');

function oneLineError(t: Test, r: CliRun, message: RegExp): void {
  t.equal(r.code, 1, 'exit status 1');
  t.equal(r.stdout, '', 'nothing on stdout');
  t.match(r.stderr, message);
  t.match(r.stderr, /^tsbgpctl: [^\n]+\n$/, 'one line on stderr');
}

const received = (prefix: string) => pair.b.engine.received(pair.b.peers.get('127.0.0.1')!).some((r) => r.prefix === prefix);

t.test('sessions come up', async (t) => {
  t.ok(await waitFor(() => pair.a.peers.get('127.0.0.2')?.state === 'Established' && pair.b.peers.get('127.0.0.1')?.state === 'Established', 15_000), 'Established');
  t.ok(await waitFor(() => pair.a.engine.locRib.prefixCount(IPV4_UNICAST) === 3 && received('198.51.100.0/24'), 10_000), 'routes exchanged');
});

t.test('show (and s, sh sum)', async (t) => {
  for (const words of [['show'], ['s'], ['sh', 'sum']]) {
    const r = await A(...words);
    t.equal(r.code, 0, `${words.join(' ')}: exit 0`);
    t.equal(lines(r)[0], 'Neighbor                   AS    MsgRcvd    MsgSent  OutQ Up/Down  State/PrfRcvd');
    t.match(lines(r)[1], /^pop-b {19}65002 +\d+ +\d+ +0 \d\d:\d\d:\d\d +2$/, 'pop-b: Established with 2 prefixes');
  }
  const terse = await A('show', 'summary', 'terse');
  t.equal(terse.stdout, 'pop-b 65002 Established\n');
  const numeric = await runCli(['-n', '-s', pair.sockA, 'show']);
  t.match(lines(numeric)[1], /^127\.0\.0\.2 /, '-n: the address');
});

t.test('show neighbor', async (t) => {
  const r = await A('show', 'neighbor', 'pop-b');
  t.equal(r.code, 0);
  const text = r.stdout;
  t.match(text, /^BGP neighbor is 127\.0\.0\.2, remote AS 65002\n Description: pop-b\n  BGP version 4, remote router-id 127\.0\.0\.2\n  BGP state = Established, up for \d\d:\d\d:\d\d\n/);
  t.match(text, /\n  Last read \d\d:\d\d:\d\d, holdtime 30s, keepalive interval 10s\n/);
  t.match(text, /\n  Negotiated capabilities:\n    Multiprotocol extensions: IPv4 unicast, IPv6 unicast\n    4-byte AS numbers\n/);
  t.match(text, /\n  Message statistics:\n {18}Sent {7}Received\n  Opens {20}\d +\d\n/);
  t.match(text, /\n  Prefixes {17}3 {10}2\n/, 'prefixes sent and received');
  t.match(text, /\n  Local host: {13}127\.0\.0\.1, Local port: +\d+\n  Remote host: {12}127\.0\.0\.2, Remote port: +\d+\n\n$/);
  const same = await A('sh', 'nei', '127.0.0.2');
  t.equal(same.stdout.split('\n')[0], 'BGP neighbor is 127.0.0.2, remote AS 65002', 'by address, abbreviated');
  const timers = await A('show', 'neighbor', 'pop-b', 'timers');
  t.match(timers.stdout, /\n  KeepaliveTimer {7}(due in 00:00:\d\d|due)\n  HoldTimer {12}due in 00:00:\d\d\n  SendHoldTimer {8}due in 00:0\d:\d\d\n$/);
  t.notMatch(timers.stdout, /Message statistics/);
  const terse = await A('show', 'neighbor', 'pop-b', 'terse');
  t.match(terse.stdout, /^(\d+ ){16}127\.0\.0\.2 65002 "pop-b"\n$/);
  oneLineError(t, await A('show', 'neighbor', '127.0.0.9'), /^tsbgpctl: no such neighbor: 127\.0\.0\.9\n$/);
});

t.test('show rib', async (t) => {
  const r = await A('show', 'rib');
  t.equal(r.code, 0);
  const l = lines(r);
  t.equal(l[0], 'flags: * = Valid, > = Selected, I = via IBGP, A = Announced,');
  t.equal(l[6], 'flags  vs destination          gateway          lpref   med aspath origin');
  t.same(l.slice(7), [
    '*>    N-? 192.0.2.0/24         127.0.0.2         100    50 65002 i',
    'AI*>  N-? 198.51.100.0/24      0.0.0.0           100     0 i',
    'AI*>  N-? 203.0.113.0/24       0.0.0.0           100     0 i',
    '*     N-? 203.0.113.0/24       127.0.0.2         100     0 65002 i',
    'AI*>  N-? 2001:db8:a::/48      ::                100     0 i',
    '',
  ]);
  const b = await runCli(['-s', pair.sockB, 'sh', 'rib', 'in', 'nei', 'pop-a']);
  t.same(lines(b).slice(7), ['*>    N-? 198.51.100.0/24      127.0.0.1         100     0 65001 i', '*     N-? 203.0.113.0/24       127.0.0.1         100     0 65001 i', '*>    N-? 2001:db8:a::/48      2001:db8::1       100     0 65001 i', ''], 'B: what A sent');
  const out = await A('show', 'rib', 'out', 'neighbor', 'pop-b', 'inet');
  t.same(lines(out).slice(7), ['A*    N-? 198.51.100.0/24      127.0.0.1         100     0 65001 i', 'A*    N-? 203.0.113.0/24       127.0.0.1         100     0 65001 i', ''], 'A: what it sent B');
  const one = await A('show', 'rib', '192.0.2.77');
  t.same(lines(one).slice(7), ['*>    N-? 192.0.2.0/24         127.0.0.2         100    50 65002 i', ''], 'longest match of an address');
  const comm = await A('show', 'rib', 'community', '65002:100');
  t.same(lines(comm).slice(7, 8), ['*>    N-? 192.0.2.0/24         127.0.0.2         100    50 65002 i']);
});

t.test('show rib detail', async (t) => {
  const r = await A('show', 'rib', '203.0.113.0/24', 'detail');
  t.equal(r.code, 0);
  t.match(
    r.stdout,
    /^\nBGP routing table entry for 203\.0\.113\.0\/24\n    Nexthop 0\.0\.0\.0 \(via 0\.0\.0\.0\) Neighbor LOCAL \(127\.0\.0\.1\)\n    Origin IGP, metric 0, localpref 100, weight 0, ovs not-found, avs unknown, internal, valid, best, announced\n    Last update: \d\d:\d\d:\d\d ago\n    Best path: preferred over pop-b at step 2 \(as-path-length\): shorter AS_PATH \(0 over 1\)\n/,
  );
  t.match(r.stdout, /\nBGP routing table entry for 203\.0\.113\.0\/24\n    65002\n    Nexthop 127\.0\.0\.2 \(via 127\.0\.0\.2\) Neighbor pop-b \(127\.0\.0\.2\)\n.*\n.*\n    Not best: LOCAL preferred at step 2 \(as-path-length\): shorter AS_PATH \(0 over 1\)\n$/);
  const c = await A('sh', 'rib', '192.0.2.0/24', 'det');
  t.match(c.stdout, /\n    Communities: 65002:100 NO_PEER\n    Large Communities: 65002:1:2\n/);
});

t.test('-j answers conform to the documented schema', async (t) => {
  const cases: [string[], string][] = [
    [['show'], 'neighbors'],
    [['show', 'neighbor', 'pop-b'], 'neighbors'],
    [['show', 'rib'], 'rib'],
    [['show', 'rib', 'detail'], 'rib'],
    [['show', 'rib', 'in', 'detail'], 'rib'],
    [['show', 'rib', 'out', 'detail'], 'rib'],
    [['show', 'rib', '10.0.0.0/8', 'or-longer'], 'rib'],
    [['show', 'rib', 'summary'], 'rib_summary'],
    [['show', 'rib', 'memory'], 'memory'],
    [['show', 'network'], 'networks'],
    [['show', 'sets'], 'sets'],
    [['show', 'interfaces'], 'interfaces'],
  ];
  for (const [words, doc] of cases) {
    const r = await runCli(['-j', '-s', pair.sockA, ...words]);
    t.equal(r.code, 0, `${words.join(' ')}: exit 0`);
    const json = JSON.parse(r.stdout) as unknown;
    t.same(checkJson(json, JSON_DOCUMENTS[doc]!.schema), [], `-j ${words.join(' ')} is a valid "${doc}" document`);
  }
  const n = JSON.parse((await runCli(['-j', '-s', pair.sockA, 'show'])).stdout) as NeighborsJson;
  t.match(n.neighbors[0], { remote_as: 65002, description: 'pop-b', remote_addr: '127.0.0.2', bgpid: '127.0.0.2', state: 'Established' });
  t.equal(n.neighbors[0]!.stats.prefixes.received, 2);
  const rib = JSON.parse((await runCli(['-j', '-s', pair.sockA, 'show', 'rib', 'detail'])).stdout) as RibJson;
  t.equal(rib.rib.length, 5);
  t.match(rib.rib.find((e) => e.prefix === '203.0.113.0/24' && !e.best)!.decision, { selected: false, step: 'as-path-length', lost_to: { remote_addr: '0.0.0.0' } });
  const empty = await runCli(['-j', '-s', pair.sockA, 'show', 'rib', '10.0.0.0/8']);
  t.equal(empty.stdout, '{\n\t"rib": []\n}\n', 'an empty rib is still a document');
});

t.test('errors: one line and exit status 1', async (t) => {
  oneLineError(t, await runCli(['-s', '/nonexistent/tsbgpd.sock', 'show']), /^tsbgpctl: no control socket at \/nonexistent\/tsbgpd\.sock \(is tsbgpd running\?\)\n$/);
  oneLineError(t, await A('n'), /ambiguous command "n": could be neighbor, network/);
  oneLineError(t, await A('show', 'bogus'), /unknown show argument "bogus"/);
  oneLineError(t, await A('neighbor', 'nobody', 'down'), /no such neighbor: nobody/);
  oneLineError(t, await A('show', 'rib', '10.0.0.1/8'), /host bits set/);
  oneLineError(t, await runCli(['-s', pair.rsockA, 'neighbor', 'pop-b', 'down']), /^tsbgpctl: permission denied: neighbor\.down is not allowed on the restricted socket\n$/);
  oneLineError(t, await runCli(['-s', pair.rsockA, 'network', 'add', '10.0.0.0/8']), /permission denied: network\.add/);
  const ro = await runCli(['-s', pair.rsockA, 'show']);
  t.equal(ro.code, 0, 'the read-only socket answers show');
  t.equal(pair.a.peers.get('127.0.0.2')!.state, 'Established', 'and the refused commands did nothing');
  const help = await A('help');
  t.equal(help.code, 0);
  t.match(help.stdout, /^usage: tsbgpctl/);
});

t.test('runtime networks are announced and survive a reload', async (t) => {
  const add = await A('network', 'add', '10.0.0.0/8', 'community', '65001:7');
  t.same([add.code, add.stdout], [0, 'network 10.0.0.0/8 added\n']);
  t.ok(await waitFor(() => received('10.0.0.0/8'), 5000), 'B received it');
  const shown = await A('network', 'show', 'inet');
  t.same(lines(shown), ['flags: S = Static', 'flags prio destination                      gateway', 'S        0 198.51.100.0/24                  0.0.0.0', 'S        0 203.0.113.0/24                   0.0.0.0', '         0 10.0.0.0/8                       0.0.0.0', '']);

  pair.addNetworksToFileA(['172.16.0.0/12']);
  const reload = await A('reload');
  t.equal(reload.code, 0);
  t.same(lines(reload), ['networks: 1 added, 0 removed, 0 changed', 'configuration reloaded', '']);
  t.ok(await waitFor(() => received('172.16.0.0/12'), 5000), 'the configured network was added');
  await new Promise((r) => setTimeout(r, 300));
  t.ok(received('10.0.0.0/8'), 'the runtime network is still announced');

  t.equal((await A('network', 'delete', '10.0.0.0/8')).code, 0);
  t.ok(await waitFor(() => !received('10.0.0.0/8'), 5000), 'deleting withdraws it');
  oneLineError(t, await A('network', 'delete', '172.16.0.0/12'), /is in the configuration/);
});

t.test('neighbor down "reason", seen from both sides, then up', async (t) => {
  const down = await A('neighbor', 'pop-b', 'down', 'planned maintenance');
  t.same([down.code, down.stdout, down.stderr], [0, 'request processed\n', '']);
  t.ok(await waitFor(() => pair.b.peers.get('127.0.0.1')?.lastErrorReceived !== undefined, 5000), 'B got the NOTIFICATION');
  const mine = await A('show', 'neighbor', 'pop-b');
  t.match(mine.stdout, /\n  BGP state = Idle, marked down with shutdown reason "planned maintenance", down for \d\d:\d\d:\d\d\n/);
  t.match(mine.stdout, /\n  Last error sent: Cease, administratively down\n/);
  t.match(lines(await A('show'))[1], /^pop-b .* Idle$/);
  const theirs = await runCli(['-s', pair.sockB, 'show', 'neighbor', 'pop-a']);
  t.match(theirs.stdout, /\n  Last error received: Cease, administratively down\n  Last received shutdown reason: "planned maintenance"\n/);
  const j = JSON.parse((await runCli(['-j', '-s', pair.sockA, 'show', 'neighbor', 'pop-b'])).stdout) as NeighborsJson;
  t.match(j.neighbors[0], { state: 'Idle', config: { down: true }, my_shutdown_reason: 'planned maintenance', last_error_sent: { code: 6, subcode: 2, text: 'Cease, administratively down' } });

  const up = await A('nei', 'pop-b', 'up');
  t.same([up.code, up.stdout], [0, 'request processed\n']);
  t.ok(await waitFor(() => pair.a.peers.get('127.0.0.2')?.state === 'Established', 20_000), 'Established again');
});
