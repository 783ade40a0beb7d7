/**
 * Two tsbgpd daemons in this process on loopback (127.0.0.1 and 127.0.0.2, ephemeral ports), each
 * with its metrics endpoint on 127.0.0.1 and an ephemeral port: /metrics is scraped over HTTP and
 * read by a strict exposition-format parser, the per-neighbour series carry the right labels and
 * plausible values while the session is up, and after one side shuts the session down with a
 * Shutdown Communication the other reports it (session down, last error received) and logs it as
 * `notification-received: cease/administrative-shutdown "maintenance"`. /healthz answers 200, then
 * 503 once stopping; a closed endpoint refuses connections.
 */

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load';
import type { DaemonConfig } from '../../src/config/types';
import { Daemon } from '../../src/daemon';
import { silentLogger } from '../../src/log';
import { createLogger, formatLogLine } from '../../src/logging';
import { MetricsServer, startMetrics } from '../../src/metrics/server';
import { IPV4_UNICAST } from '../../src/wire/iana';
import { Family, find, parseExposition } from './prom-text';
import { ALLOW_ALL_FILTERS } from '../helpers/config';

async function freePort(host: string): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function scrape(m: MetricsServer): Promise<Map<string, Family>> {
  const r = await get(m.address.port, '/metrics');
  if (r.status !== 200) throw new Error(`/metrics: ${r.status}`);
  return parseExposition(r.body);
}

function config(me: string, other: string, as: number, otherAs: number, port: number, otherPort: number, dir: string, extra: string[]): DaemonConfig {
  const text = [
    '[global]',
    `local-as = ${as}`,
    `router-id = "${me}"`,
    `listen = [{ address = "${me}", port = ${port} }]`,
    'hold-time = 30',
    '[control]',
    `socket = "${join(dir, `${me}.sock`)}"`,
    '[[neighbor]]',
    `address = "${other}"`,
    `remote-as = ${otherAs}`,
    `port = ${otherPort}`,
    `local-address = "${me}"`,
    'families = ["ipv4-unicast"]',
    'connect-retry = 1',
    ...extra,
    ...ALLOW_ALL_FILTERS,
  ].join('\n');
  const r = loadConfigText(text + '\n', `${me}.toml`);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

/** The bgp_* families this build must always expose (labelled ones may have no series yet). */
const BGP_FAMILIES = [
  'bgp_session_state',
  'bgp_session_in_state',
  'bgp_session_up',
  'bgp_session_uptime_seconds',
  'bgp_session_state_transitions_total',
  'bgp_messages_sent_total',
  'bgp_messages_received_total',
  'bgp_updates_received_total',
  'bgp_withdraws_received_total',
  'bgp_updates_sent_total',
  'bgp_withdraws_sent_total',
  'bgp_prefixes_received',
  'bgp_prefixes_accepted',
  'bgp_prefixes_filtered',
  'bgp_prefixes_invalid',
  'bgp_prefixes_advertised',
  'bgp_max_prefix_limit',
  'bgp_last_error_info',
  'bgp_last_error_timestamp_seconds',
  'bgp_rib_prefixes',
  'bgp_rib_paths',
  'bgp_attribute_sets',
  'bgp_attribute_sets_bytes',
  'bgp_best_path_computations_total',
  'bgp_update_processing_seconds',
  'bgp_event_loop_lag_seconds',
  'bgp_event_loop_lag_max_seconds',
];

t.test('metrics and health of two daemons in session', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-metrics-'));
  const pa = await freePort('127.0.0.1');
  const pb = await freePort('127.0.0.2');
  const lines: string[] = [];
  const logB = createLogger({ level: 'info', destination: { write: (l: string) => lines.push(l) } });
  const description = 'pop "a" \\ east';
  const a = new Daemon(config('127.0.0.1', '127.0.0.2', 4200000001, 4200000002, pa, pb, dir, ['[[network]]', 'prefix = "198.51.100.0/24"']), silentLogger);
  const b = new Daemon(
    config('127.0.0.2', '127.0.0.1', 4200000002, 4200000001, pb, pa, dir, [`description = ${JSON.stringify(description)}`, 'max-prefix-in = 1000']),
    logB,
  );
  const servers: MetricsServer[] = [];
  t.teardown(async () => {
    for (const m of servers) await m.close();
    await a.stop();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await a.start();
  await b.start();
  const ma = await startMetrics(a, { host: '127.0.0.1', port: 0 }, silentLogger);
  servers.push(ma);
  const mb = await startMetrics(b, { host: '127.0.0.1', port: 0 }, silentLogger);
  servers.push(mb);
  t.not(ma.address.port, 0, 'an ephemeral port was bound');
  t.not(ma.address.port, mb.address.port);

  const pA = a.peers.get('127.0.0.2')!;
  const pB = b.peers.get('127.0.0.1')!;
  t.ok(await waitFor(() => pA.state === 'Established' && pB.state === 'Established', 15000), 'session up');
  t.ok(await waitFor(() => b.engine.locRib.prefixCount(IPV4_UNICAST) === 1 && a.engine.idle, 5000), 'network received');

  // ---- while the session is up ----
  const raw = await get(mb.address.port, '/metrics');
  t.equal(raw.status, 200);
  t.match(raw.type, /^text\/plain; version=0\.0\.4/, 'text format content type');
  const fb = parseExposition(raw.body);
  for (const f of fb.values()) {
    t.ok(f.help !== undefined && f.type !== 'untyped', `${f.name}: HELP and TYPE`);
  }
  for (const name of BGP_FAMILIES) t.ok(fb.has(name), `${name} exposed`);
  t.ok(find(fb, 'process_cpu_seconds_total').length === 1 && find(fb, 'nodejs_heap_size_used_bytes').length === 1, 'default process metrics on the same registry');

  const labels = { peer: '127.0.0.1', description, remote_as: '4200000001' };
  const one = (name: string, extra: Record<string, string> = {}) => {
    const s = find(fb, name, { ...labels, ...extra });
    t.equal(s.length, 1, `one ${name} ${JSON.stringify(extra)} series for the peer`);
    return s[0]?.value ?? NaN;
  };
  t.same(find(fb, 'bgp_session_up')[0]?.labels, labels, 'peer labels, description unescaped intact');
  t.equal(one('bgp_session_up'), 1);
  t.equal(one('bgp_session_state'), 6, 'established');
  t.equal(one('bgp_session_in_state', { state: 'established' }), 1);
  t.equal(one('bgp_session_in_state', { state: 'idle' }), 0);
  const uptime = one('bgp_session_uptime_seconds');
  t.ok(uptime >= 0 && uptime < 60, `uptime ${uptime} plausible`);
  t.ok(one('bgp_session_state_transitions_total') >= 3, 'at least Idle->Connect/Active->OpenSent->OpenConfirm->Established');
  // A connection collision (both sides connect at once) adds the losing connection's OPENs.
  t.ok(one('bgp_messages_received_total', { type: 'open' }) >= 1);
  t.ok(one('bgp_messages_received_total', { type: 'keepalive' }) >= 1);
  t.ok(one('bgp_messages_received_total', { type: 'update' }) >= 1, 'the network and End-of-RIB');
  t.ok(one('bgp_messages_sent_total', { type: 'open' }) >= 1);
  t.equal(one('bgp_updates_received_total'), 1, 'one UPDATE with a route');
  t.equal(one('bgp_withdraws_received_total'), 0);
  t.equal(one('bgp_prefixes_received', { afi_safi: 'ipv4-unicast' }), 1);
  t.equal(one('bgp_prefixes_accepted', { afi_safi: 'ipv4-unicast' }), 1);
  t.equal(one('bgp_prefixes_filtered', { afi_safi: 'ipv4-unicast' }), 0);
  t.equal(one('bgp_max_prefix_limit', { direction: 'in' }), 1000);
  t.same(find(fb, 'bgp_last_error_info'), [], 'no error yet');
  t.equal(find(fb, 'bgp_rib_prefixes', { afi_safi: 'ipv4-unicast' })[0]?.value, 1);
  t.ok((find(fb, 'bgp_attribute_sets')[0]?.value ?? 0) >= 1);
  t.ok((find(fb, 'bgp_best_path_computations_total')[0]?.value ?? 0) >= 1);
  t.ok((find(fb, 'bgp_update_processing_seconds_count')[0]?.value ?? 0) >= 1, 'decision latency observed');
  const lag = find(fb, 'bgp_event_loop_lag_seconds')[0]?.value ?? NaN;
  t.ok(lag >= 0 && lag < 5, `event loop lag ${lag} plausible`);

  const fa = await scrape(ma);
  const toB = { peer: '127.0.0.2', description: '', remote_as: '4200000002' };
  t.equal(find(fa, 'bgp_prefixes_advertised', { ...toB, afi_safi: 'ipv4-unicast' })[0]?.value, 1, 'A advertises its network to B');
  t.equal(find(fa, 'bgp_updates_sent_total', toB)[0]?.value, 1);
  t.same(find(fa, 'bgp_max_prefix_limit'), [], 'no limit configured on A');

  const h = await get(mb.address.port, '/healthz');
  t.equal(h.status, 200);
  t.same(JSON.parse(h.body), { status: 'ok', peers: 1, established: 1 });
  t.equal((await get(mb.address.port, '/nope')).status, 404);
  t.equal((await get(mb.address.port, '/metrics', 'POST')).status, 405);
  const head = await get(mb.address.port, '/metrics', 'HEAD');
  t.same([head.status, head.body], [200, ''], 'HEAD: headers only');

  // ---- A shuts the session down with a Shutdown Communication ----
  const transitionsBefore = one('bgp_session_state_transitions_total');
  pA.stop('maintenance');
  t.ok(await waitFor(() => pB.state !== 'Established' && b.engine.locRib.prefixCount(IPV4_UNICAST) === 0, 5000), 'B saw the session go and dropped the route');
  const down = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.from === 'Established' && r.peer === '127.0.0.1');
  t.ok(down, 'a state transition line from Established');
  t.match(down, { level: 'info', peer: '127.0.0.1', description, from: 'Established', to: 'Idle', reason: 'notification-received: cease/administrative-shutdown "maintenance"' });
  const notif = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.msg === 'notification received');
  t.match(notif, { level: 'warn', peer: '127.0.0.1', notification: 'cease/administrative-shutdown "maintenance"' });
  const text = formatLogLine(lines.find((l) => l.includes('"from":"Established"'))!);
  t.match(text, / INFO {2}session 127\.0\.0\.1 \(pop "a" \\ east\) state Established -> Idle from=Established to=Idle reason="notification-received: cease\/administrative-shutdown \\"maintenance\\""\n$/);

  const gb = await scrape(mb);
  const two = (name: string, extra: Record<string, string> = {}) => find(gb, name, { ...labels, ...extra })[0]?.value ?? NaN;
  t.equal(two('bgp_session_up'), 0);
  t.not(two('bgp_session_state'), 6);
  t.equal(two('bgp_session_in_state', { state: 'established' }), 0);
  t.equal(two('bgp_session_uptime_seconds'), 0);
  t.ok(two('bgp_session_state_transitions_total') > transitionsBefore, 'transitions counted');
  t.equal(two('bgp_messages_received_total', { type: 'notification' }), 1);
  t.equal(two('bgp_last_error_info', { direction: 'received', code: '6', subcode: '2', name: 'cease/administrative-shutdown' }), 1, 'last error received');
  const at = two('bgp_last_error_timestamp_seconds', { direction: 'received' });
  t.ok(Math.abs(at - Date.now() / 1000) < 30, 'last error time is now');
  t.equal(two('bgp_prefixes_received', { afi_safi: 'ipv4-unicast' }), 0, 'routes gone with the session');
  t.equal(find(gb, 'bgp_rib_prefixes', { afi_safi: 'ipv4-unicast' })[0]?.value, 0);
  const ga = await scrape(ma);
  t.equal(find(ga, 'bgp_last_error_info', { ...toB, direction: 'sent', name: 'cease/administrative-shutdown' })[0]?.value, 1, 'A: last error sent');
  t.same(JSON.parse((await get(mb.address.port, '/healthz')).body), { status: 'ok', peers: 1, established: 0 });

  // ---- shutdown ----
  mb.markStopping();
  const stopping = await get(mb.address.port, '/healthz');
  t.equal(stopping.status, 503);
  t.equal(JSON.parse(stopping.body).status, 'stopping');
  await mb.close();
  await t.rejects(get(mb.address.port, '/healthz'), { code: 'ECONNREFUSED' }, 'closed endpoint refuses connections');
  t.equal(b.engine.onDecided, undefined, 'engine hook removed on close');
});

t.test('a port in use is an error, not a silent endpoint', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => blocker.close(() => r())));
  const port = (blocker.address() as net.AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-metrics-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const d = new Daemon(config('127.0.0.1', '127.0.0.2', 65001, 65002, await freePort('127.0.0.1'), 179, dir, []), silentLogger);
  await t.rejects(startMetrics(d, { host: '127.0.0.1', port }, silentLogger), /metrics: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  t.equal(d.engine.onDecided, undefined, 'nothing left hooked');
});
