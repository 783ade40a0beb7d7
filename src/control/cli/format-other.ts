/**
 * Text layouts of the smaller answers: `show network` / `network show` (bgpctl's network layout:
 * S marks a configured network, none one added with `network add`), `show sets` (bgpctl's header;
 * tsbgpd has no sets yet), `show interfaces` (a sentence: there is nothing to show), and the answers
 * of commands that change state. Pure.
 */

import type { InterfacesJson, NetworksJson, ResultJson, SetsJson } from '../json-types';
import { finish } from './layout';

export function formatNetworks(r: NetworksJson): string {
  const lines = ['flags: S = Static', `${'flags'.padEnd(5)} ${'prio'.padEnd(4)} ${'destination'.padEnd(32)} ${'gateway'.padEnd(32)}`];
  for (const n of r.networks) lines.push(`${(n.source === 'config' ? 'S' : '').padEnd(5)} ${'0'.padStart(4)} ${n.prefix.padEnd(32)} ${n.nexthop}`);
  return finish(lines);
}

export function formatSets(r: SetsJson): string {
  const lines = [`${'Type'.padEnd(6)} ${'Name'.padEnd(34)} ${'#IPv4'.padStart(7)} ${'#IPv6'.padStart(7)} ${'#ASnum'.padStart(6)} ${'Last Change'.padStart(11)}`];
  for (const s of r.sets) {
    const counts = s.num_ASnum !== undefined ? `${'-'.padStart(7)} ${'-'.padStart(7)} ${String(s.num_ASnum).padStart(6)}` : `${String(s.num_IPv4 ?? 0).padStart(7)} ${String(s.num_IPv6 ?? 0).padStart(7)} ${'-'.padStart(6)}`;
    lines.push(`${s.type.padEnd(6)} ${s.name.padEnd(34)} ${counts} ${s.last_change.padStart(12)}`);
  }
  return finish(lines);
}

export function formatInterfaces(r: InterfacesJson): string {
  return finish([r.note]);
}

export function formatResult(r: ResultJson): string {
  return finish([...(r.changes ?? []), r.message]);
}
