/**
 * The bgp_* metric families, registered on a Registry of the caller's (one per daemon, never
 * prom-client's global one). Values are read when Prometheus scrapes, in each family's collect():
 * every collect resets its family and fills it from the shared DaemonSample, so a removed neighbour
 * leaves no stale series and nothing on the UPDATE path calls into prom-client. The one exception
 * is bgp_update_processing_seconds, observed once per decision slice by the route engine's hook.
 *
 * Naming (https://prometheus.io/docs/practices/naming/): `bgp_` prefix, base units (seconds),
 * counters end in `_total`, and counts that can go down (prefixes) are gauges. Per neighbour every
 * series carries `peer` (address), `description` (empty when none) and `remote_as`.
 *
 * Session state is exported twice, each the idiomatic form for one use:
 * - bgp_session_state: one series per peer whose value is BGP4-MIB's bgpPeerState (RFC 4273:
 *   idle 1, connect 2, active 3, opensent 4, openconfirm 5, established 6); good for graphs and
 *   `bgp_session_state != 6`.
 * - bgp_session_in_state{state}: Prometheus' enum pattern (an OpenMetrics StateSet as a gauge): one
 *   series per state, 1 for the current one and 0 for the others. Every state is always present,
 *   so a state change changes values, not series, and `sum by (state)` counts peers per state.
 */

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MessageCounters } from '../session/connection';
import type { ErrorRecord } from '../session/peer';
import type { DaemonSample, PeerLabels } from './sample';
import { STATE_LABELS } from './sample';

const PEER = ['peer', 'description', 'remote_as'] as const;
type PeerLabel = (typeof PEER)[number];

/** Histogram buckets for UPDATE-to-Loc-RIB latency: sub-millisecond to a full-table backlog. */
export const PROCESSING_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const MESSAGE_TYPES: readonly [keyof MessageCounters, string][] = [
  ['open', 'open'],
  ['update', 'update'],
  ['notification', 'notification'],
  ['keepalive', 'keepalive'],
  ['routeRefresh', 'route_refresh'],
];

export interface BgpMetrics {
  /** Observe one decision slice (the engine's onDecided hook). */
  readonly updateProcessing: Histogram<string>;
}

type Labels<L extends string> = Partial<Record<L, string | number>>;

/**
 * A gauge or counter whose series are all rewritten from the sample on each scrape. `fill` gets
 * the sample and a setter; counters are rebuilt by reset + inc, their values being the daemon's
 * own monotonic counters.
 */
function sampled<L extends string>(
  registry: Registry,
  kind: 'gauge' | 'counter',
  name: string,
  help: string,
  labelNames: readonly L[],
  sample: () => DaemonSample,
  fill: (s: DaemonSample, set: (labels: Labels<L>, value: number) => void) => void,
): void {
  if (kind === 'gauge') {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill(sample(), (labels, value) => this.set(labels, value));
      },
    });
  } else {
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill(sample(), (labels, value) => this.inc(labels, value));
      },
    });
  }
}

function errorLabels(base: PeerLabels, direction: 'sent' | 'received', e: ErrorRecord) {
  return { ...base, direction, code: String(e.code), subcode: String(e.subcode), name: e.name };
}

/** Register every bgp_* family on `registry`; `sample` returns the current scrape's sample. */
export function registerBgpMetrics(registry: Registry, sample: () => DaemonSample): BgpMetrics {
  const perPeer = <L extends string>(kind: 'gauge' | 'counter', name: string, help: string, extra: readonly L[], fill: (s: DaemonSample, set: (labels: Labels<L | PeerLabel>, value: number) => void) => void) =>
    sampled<L | PeerLabel>(registry, kind, name, help, [...PEER, ...extra], sample, fill);

  // ---- sessions ----------------------------------------------------------------------------------
  perPeer('gauge', 'bgp_session_state', 'BGP FSM state as BGP4-MIB bgpPeerState: 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established.', [], (s, set) => {
    for (const p of s.peers) set(p.labels, p.stateCode);
  });
  perPeer('gauge', 'bgp_session_in_state', 'BGP FSM state as an enum: 1 for the current state, 0 for the others.', ['state'], (s, set) => {
    for (const p of s.peers) STATE_LABELS.forEach((state, i) => set({ ...p.labels, state }, i + 1 === p.stateCode ? 1 : 0));
  });
  perPeer('gauge', 'bgp_session_up', '1 when the session is Established, else 0.', [], (s, set) => {
    for (const p of s.peers) set(p.labels, p.up ? 1 : 0);
  });
  perPeer('gauge', 'bgp_session_uptime_seconds', 'Seconds since the session reached Established; 0 when it is not.', [], (s, set) => {
    for (const p of s.peers) set(p.labels, p.uptimeSeconds);
  });
  perPeer('counter', 'bgp_session_state_transitions_total', 'FSM state changes of the session.', [], (s, set) => {
    for (const p of s.peers) set(p.labels, p.transitions);
  });
  perPeer('counter', 'bgp_messages_sent_total', 'BGP messages sent, by type.', ['type'], (s, set) => {
    for (const p of s.peers) for (const [k, type] of MESSAGE_TYPES) set({ ...p.labels, type }, p.sent[k]);
  });
  perPeer('counter', 'bgp_messages_received_total', 'BGP messages received, by type.', ['type'], (s, set) => {
    for (const p of s.peers) for (const [k, type] of MESSAGE_TYPES) set({ ...p.labels, type }, p.received[k]);
  });
  perPeer('counter', 'bgp_updates_received_total', 'UPDATE messages received that carried routes or withdrawals (End-of-RIB not counted).', [], (s, set) => {
    for (const p of s.peers) set(p.labels, p.updatesIn);
  });
  perPeer('counter', 'bgp_withdraws_received_total', 'Prefixes withdrawn by the peer.', [], (s, set) => {
    for (const p of s.peers) set(p.labels, p.withdrawsIn);
  });
  perPeer('counter', 'bgp_updates_sent_total', 'UPDATE messages sent with announcements (End-of-RIB not counted).', [], (s, set) => {
    for (const p of s.peers) set(p.labels, p.updatesOut);
  });
  perPeer('counter', 'bgp_withdraws_sent_total', 'Prefixes withdrawn from the peer.', [], (s, set) => {
    for (const p of s.peers) set(p.labels, p.withdrawsOut);
  });

  // ---- prefixes per family -----------------------------------------------------------------------
  const family = (name: string, help: string, pick: (f: DaemonSample['peers'][number]['families'][number]) => number) =>
    perPeer('gauge', name, help, ['afi_safi'], (s, set) => {
      for (const p of s.peers) for (const f of p.families) set({ ...p.labels, afi_safi: f.afi_safi }, pick(f));
    });
  family('bgp_prefixes_received', 'Paths held from the peer in the Adj-RIB-In (accepted, filtered and invalid).', (f) => f.received);
  family('bgp_prefixes_accepted', 'Paths from the peer that import policy accepted (candidates for best path).', (f) => f.accepted);
  family('bgp_prefixes_filtered', 'Paths from the peer denied by import policy (kept for show, never selected).', (f) => f.filtered);
  family('bgp_prefixes_invalid', 'Paths from the peer treated as withdrawn (RFC 7606; kept for show, never selected).', (f) => f.invalid);
  family('bgp_prefixes_advertised', 'Prefixes currently advertised to the peer (Adj-RIB-Out).', (f) => f.advertised);
  perPeer('gauge', 'bgp_max_prefix_limit', 'Configured maximum prefix count for the session, by direction (in, out); absent when none.', ['direction'], (s, set) => {
    for (const p of s.peers) {
      if (p.maxPrefixIn !== undefined) set({ ...p.labels, direction: 'in' }, p.maxPrefixIn);
      if (p.maxPrefixOut !== undefined) set({ ...p.labels, direction: 'out' }, p.maxPrefixOut);
    }
  });

  // ---- last errors -------------------------------------------------------------------------------
  perPeer('gauge', 'bgp_last_error_info', 'The last NOTIFICATION sent or received on the session (value always 1; absent when none).', ['direction', 'code', 'subcode', 'name'], (s, set) => {
    for (const p of s.peers) {
      if (p.lastErrorSent) set(errorLabels(p.labels, 'sent', p.lastErrorSent), 1);
      if (p.lastErrorReceived) set(errorLabels(p.labels, 'received', p.lastErrorReceived), 1);
    }
  });
  perPeer('gauge', 'bgp_last_error_timestamp_seconds', 'Unix time of the last NOTIFICATION sent or received on the session.', ['direction'], (s, set) => {
    for (const p of s.peers) {
      if (p.lastErrorSent) set({ ...p.labels, direction: 'sent' }, p.lastErrorSent.at / 1000);
      if (p.lastErrorReceived) set({ ...p.labels, direction: 'received' }, p.lastErrorReceived.at / 1000);
    }
  });

  // ---- daemon-wide -------------------------------------------------------------------------------
  sampled(registry, 'gauge', 'bgp_rib_prefixes', 'Prefixes with a best path in the Loc-RIB.', ['afi_safi'], sample, (s, set) => {
    for (const r of s.rib) set({ afi_safi: r.afi_safi }, r.prefixes);
  });
  sampled(registry, 'gauge', 'bgp_rib_paths', 'Paths held for all sources (every Adj-RIB-In and our own networks).', ['afi_safi'], sample, (s, set) => {
    for (const r of s.rib) set({ afi_safi: r.afi_safi }, r.paths);
  });
  sampled(registry, 'gauge', 'bgp_attribute_sets', 'Distinct interned path attribute sets in use.', [], sample, (s, set) => set({}, s.attributeSets));
  sampled(registry, 'gauge', 'bgp_attribute_sets_bytes', 'Approximate memory held by the attribute set pool.', [], sample, (s, set) => set({}, s.attributeBytes));
  sampled(registry, 'counter', 'bgp_best_path_computations_total', 'Prefixes run through the decision process.', [], sample, (s, set) => set({}, s.decisions));

  // ---- anycast operations ------------------------------------------------------------------------
  sampled(registry, 'gauge', 'bgp_health_check_up', 'Health check state: 1 up (its networks announced normally), 0 down or not yet checked.', ['check', 'type'], sample, (s, set) => {
    for (const h of s.health) set({ check: h.name, type: h.type }, h.up);
  });
  sampled(registry, 'gauge', 'bgp_health_check_duration_seconds', 'Duration of the last probe of the health check.', ['check'], sample, (s, set) => {
    for (const h of s.health) set({ check: h.name }, h.lastDurationSeconds);
  });
  sampled(registry, 'counter', 'bgp_health_check_failures_total', 'Failed probes (and disable-file hits) of the health check.', ['check'], sample, (s, set) => {
    for (const h of s.health) set({ check: h.name }, h.failures);
  });
  sampled(registry, 'counter', 'bgp_health_checks_total', 'Probes run by the health check.', ['check'], sample, (s, set) => {
    for (const h of s.health) set({ check: h.name }, h.checks);
  });
  perPeer('gauge', 'bgp_drained', 'Originated networks drained towards the neighbour (tsbgpctl drain): 1 while graceful_shutdown or withdrawn.', ['state'], (s, set) => {
    for (const d of s.drained) set({ ...d.peer, state: d.state }, 1);
  });

  const updateProcessing = new Histogram({
    name: 'bgp_update_processing_seconds',
    help: 'Time from a route change reaching the Adj-RIB-In to its Loc-RIB decision, observed per decision slice for its oldest change.',
    buckets: PROCESSING_BUCKETS,
    registers: [registry],
  });
  return { updateProcessing };
}
