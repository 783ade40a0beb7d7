/**
 * Text layouts of the smaller answers: `show network` / `network show` (bgpctl's network layout:
 * S marks a configured network, none one added with `network add`), `show sets` (bgpctl's layout),
 * `show health` (checks, then drains), `show interfaces` (a sentence: there is nothing to show), and the answers
 * of commands that change state. Pure.
 */

import type { HealthJson, InterfacesJson, NetworksJson, ResultJson, SetsJson } from '../json-types';
import { formatTimeframe } from '../bgp-text';
import { finish } from './layout';

export function formatNetworks(r: NetworksJson): string {
  const lines = ['flags: S = Static', `${'flags'.padEnd(5)} ${'prio'.padEnd(4)} ${'destination'.padEnd(32)} ${'gateway'.padEnd(32)}`];
  for (const n of r.networks) lines.push(`${(n.source === 'config' ? 'S' : '').padEnd(5)} ${'0'.padStart(4)} ${n.prefix.padEnd(32)} ${n.nexthop}`);
  return finish(lines);
}

export function formatSets(r: SetsJson): string {
  // bgpctl's columns; the type column widens only for COMMUNITY sets, which bgpctl does not have.
  const tw = Math.max(6, ...r.sets.map((s) => s.type.length));
  const lines = [`${'Type'.padEnd(tw)} ${'Name'.padEnd(34)} ${'#IPv4'.padStart(7)} ${'#IPv6'.padStart(7)} ${'#ASnum'.padStart(6)} ${'Last Change'.padStart(11)}`];
  for (const s of r.sets) {
    const n = (v: number | undefined, w: number) => (v === undefined ? '-' : String(v)).padStart(w);
    const counts = s.type === 'PREFIX' ? `${n(s.num_IPv4 ?? 0, 7)} ${n(s.num_IPv6 ?? 0, 7)} ${n(undefined, 6)}` : `${n(undefined, 7)} ${n(undefined, 7)} ${n(s.num_ASnum, 6)}`;
    lines.push(`${s.type.padEnd(tw)} ${s.name.padEnd(34)} ${counts} ${s.last_change.padStart(12)}`);
  }
  return finish(lines);
}

export function formatInterfaces(r: InterfacesJson): string {
  return finish([r.note]);
}

export function formatResult(r: ResultJson): string {
  return finish([...(r.changes ?? []), r.message]);
}

/** `show health`: one line per check (state, for how long, consecutive results, last output), then drains. */
export function formatHealth(r: HealthJson): string {
  const lines = [`${'Check'.padEnd(20)} ${'Type'.padEnd(5)} ${'State'.padEnd(5)} ${'Since'.padStart(10)} ${'Pass/Fail'.padStart(9)} Last`];
  for (const c of r.health) {
    const last = c.last_result === undefined ? '-' : `${c.last_result}${c.last_output ? `: ${c.last_output.split('\n').filter(Boolean).pop() ?? ''}` : ''}`;
    lines.push(`${c.name.padEnd(20)} ${c.type.padEnd(5)} ${c.state.padEnd(5)} ${formatTimeframe(c.since_seconds).padStart(10)} ${`${c.passes}/${c.failures}`.padStart(9)} ${last}`);
    if (c.networks && c.networks.length > 0) lines.push(`${''.padEnd(20)} networks: ${c.networks.join(' ')}`);
  }
  if (r.health.length === 0) lines.push('no health checks configured');
  for (const d of r.drains) {
    lines.push(`drained: ${d.neighbor === 'all' ? 'all neighbors' : `neighbor ${d.neighbor}`}, ${d.state}${d.withdraw_at ? `, withdrawal at ${d.withdraw_at}` : ''}`);
  }
  return finish(lines);
}
