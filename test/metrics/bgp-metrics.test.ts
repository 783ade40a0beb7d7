/**
 * The bgp_* families from a hand-made DaemonSample, without sockets: the output is valid exposition
 * text (strict parser), labels are escaped, the state enum has every state with exactly one 1,
 * counters carry the daemon's own totals, last-error info appears only when there was one, and a
 * neighbour that goes away leaves no series behind on the next scrape.
 */

import t from 'tap';
import { Registry } from 'prom-client';
import { registerBgpMetrics } from '../../src/metrics/bgp-metrics';
import type { DaemonSample, PeerSample } from '../../src/metrics/sample';
import { find, parseExposition } from './prom-text';

function peer(address: string, over: Partial<PeerSample> = {}): PeerSample {
  return {
    labels: { peer: address, description: 'pop "b"\\east\nrack 2', remote_as: '4200000002' },
    state: 'Established',
    stateCode: 6,
    up: true,
    uptimeSeconds: 12.5,
    transitions: 5,
    sent: { open: 1, update: 3, notification: 0, keepalive: 7, routeRefresh: 0 },
    received: { open: 1, update: 4, notification: 1, keepalive: 9, routeRefresh: 2 },
    updatesIn: 4,
    withdrawsIn: 2,
    updatesOut: 3,
    withdrawsOut: 1,
    families: [{ afi_safi: 'ipv4-unicast', received: 10, accepted: 7, filtered: 2, invalid: 1, advertised: 3 }],
    ...over,
  };
}

t.test('families from a sample', async (t) => {
  const registry = new Registry();
  let sample: DaemonSample = {
    peers: [
      peer('192.0.2.2', { maxPrefixIn: 1000, lastErrorReceived: { code: 6, subcode: 2, name: 'cease/administrative-shutdown', at: 1_700_000_000_000 } }),
      peer('192.0.2.3', { state: 'Active', stateCode: 3, up: false, uptimeSeconds: 0, labels: { peer: '192.0.2.3', description: '', remote_as: '65003' } }),
    ],
    rib: [
      { afi_safi: 'ipv4-unicast', prefixes: 8, paths: 11 },
      { afi_safi: 'ipv6-unicast', prefixes: 0, paths: 0 },
    ],
    attributeSets: 4,
    attributeBytes: 4096,
    decisions: 42,
    health: [
      { name: 'dns', type: 'exec', up: 1, state: 'up', lastDurationSeconds: 0.012, failures: 3, checks: 40 },
      { name: 'web', type: 'http', up: 0, state: 'down', lastDurationSeconds: 2, failures: 9, checks: 12 },
    ],
    drained: [{ peer: { peer: '192.0.2.3', description: '', remote_as: '65003' }, state: 'graceful_shutdown' }],
  };
  const m = registerBgpMetrics(registry, () => sample);
  m.updateProcessing.observe(0.003);
  m.updateProcessing.observe(0.2);

  const f = parseExposition(await registry.metrics());
  for (const fam of f.values()) {
    t.ok(fam.help, `${fam.name} has HELP`);
    t.not(fam.type, 'untyped', `${fam.name} has a TYPE`);
  }
  const b = { peer: '192.0.2.2' };
  t.equal(find(f, 'bgp_session_state', b)[0]?.value, 6);
  t.equal(find(f, 'bgp_session_state', { peer: '192.0.2.3' })[0]?.value, 3);
  t.same(find(f, 'bgp_session_state', b)[0]?.labels, { peer: '192.0.2.2', description: 'pop "b"\\east\nrack 2', remote_as: '4200000002' }, 'escaped label survives the round trip');
  const states = find(f, 'bgp_session_in_state', { peer: '192.0.2.3' });
  t.same(states.map((s) => s.labels.state), ['idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'], 'every state present');
  t.same(states.map((s) => s.value), [0, 0, 1, 0, 0, 0], 'one 1, on the current state');
  t.equal(find(f, 'bgp_session_up', { peer: '192.0.2.3' })[0]?.value, 0);
  t.equal(find(f, 'bgp_session_uptime_seconds', b)[0]?.value, 12.5);
  t.equal(find(f, 'bgp_session_state_transitions_total', b)[0]?.value, 5);
  t.equal(find(f, 'bgp_messages_received_total', { ...b, type: 'route_refresh' })[0]?.value, 2);
  t.equal(find(f, 'bgp_messages_sent_total', { ...b, type: 'keepalive' })[0]?.value, 7);
  t.equal(find(f, 'bgp_withdraws_received_total', b)[0]?.value, 2);
  t.equal(find(f, 'bgp_updates_sent_total', b)[0]?.value, 3);
  const v4 = { ...b, afi_safi: 'ipv4-unicast' };
  t.same(
    ['received', 'accepted', 'filtered', 'invalid', 'advertised'].map((k) => find(f, `bgp_prefixes_${k}`, v4)[0]?.value),
    [10, 7, 2, 1, 3],
  );
  t.same(find(f, 'bgp_max_prefix_limit').map((s) => [s.labels.peer, s.labels.direction, s.value]), [['192.0.2.2', 'in', 1000]], 'only where configured');
  const err = find(f, 'bgp_last_error_info');
  t.equal(err.length, 1, 'only the peer that had an error');
  t.same(err[0]?.labels, { peer: '192.0.2.2', description: 'pop "b"\\east\nrack 2', remote_as: '4200000002', direction: 'received', code: '6', subcode: '2', name: 'cease/administrative-shutdown' });
  t.equal(err[0]?.value, 1);
  t.equal(find(f, 'bgp_last_error_timestamp_seconds', { ...b, direction: 'received' })[0]?.value, 1_700_000_000);
  t.equal(find(f, 'bgp_rib_prefixes', { afi_safi: 'ipv4-unicast' })[0]?.value, 8);
  t.equal(find(f, 'bgp_rib_paths', { afi_safi: 'ipv4-unicast' })[0]?.value, 11);
  t.equal(find(f, 'bgp_attribute_sets')[0]?.value, 4);
  t.equal(find(f, 'bgp_best_path_computations_total')[0]?.value, 42);
  t.equal(find(f, 'bgp_update_processing_seconds_count')[0]?.value, 2);
  t.equal(find(f, 'bgp_update_processing_seconds_bucket', { le: '0.005' })[0]?.value, 1);
  t.same(find(f, 'bgp_health_check_up').map((s) => [s.labels.check, s.labels.type, s.value]), [['dns', 'exec', 1], ['web', 'http', 0]], 'health check state per check');
  t.equal(find(f, 'bgp_health_check_duration_seconds', { check: 'web' })[0]?.value, 2);
  t.equal(find(f, 'bgp_health_check_failures_total', { check: 'dns' })[0]?.value, 3);
  t.equal(find(f, 'bgp_health_checks_total', { check: 'web' })[0]?.value, 12);
  t.same(find(f, 'bgp_drained').map((s) => [s.labels.peer, s.labels.state, s.value]), [['192.0.2.3', 'graceful_shutdown', 1]], 'drained neighbours only');

  // The second neighbour is removed and the first one's counters move on.
  sample = { ...sample, peers: [peer('192.0.2.2', { transitions: 7, received: { ...sample.peers[0]!.received, update: 40 } })] };
  const g = parseExposition(await registry.metrics());
  t.same(find(g, 'bgp_session_up', { peer: '192.0.2.3' }), [], 'no series for a removed neighbour');
  t.same(find(g, 'bgp_session_in_state', { peer: '192.0.2.3' }), []);
  t.equal(find(g, 'bgp_session_state_transitions_total', b)[0]?.value, 7, 'counter set to the new total, not added');
  t.equal(find(g, 'bgp_messages_received_total', { ...b, type: 'update' })[0]?.value, 40);
  t.same(find(g, 'bgp_last_error_info'), [], 'error info gone with the error');
});

t.test('two registries do not share series', async (t) => {
  const r1 = new Registry();
  const r2 = new Registry();
  const empty: DaemonSample = { peers: [], rib: [], attributeSets: 0, attributeBytes: 0, decisions: 0, health: [], drained: [] };
  registerBgpMetrics(r1, () => ({ ...empty, decisions: 1 }));
  registerBgpMetrics(r2, () => ({ ...empty, decisions: 2 }));
  t.equal(find(parseExposition(await r1.metrics()), 'bgp_best_path_computations_total')[0]?.value, 1);
  t.equal(find(parseExposition(await r2.metrics()), 'bgp_best_path_computations_total')[0]?.value, 2);
});
