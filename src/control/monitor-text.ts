/**
 * Monitor events (monitor.ts) as text: the line per event that `tsbgpctl monitor` prints without
 * -j, and the short forms the `log-updates` lines carry. Pure, so the CLI and the daemon share it.
 *
 *   2026-11-24T10:00:00.000Z 192.0.2.1 (pop-b) received UPDATE 198.51.100.0/24 as-path 65001 65002 nexthop 192.0.2.1 origin IGP communities 65000:1
 *   2026-11-24T10:00:00.000Z 192.0.2.1 (pop-b) received withdraw 10.0.0.0/8
 *   2026-11-24T10:00:00.000Z 192.0.2.1 (pop-b) sent End-of-RIB IPv4 unicast
 *   2026-11-24T10:00:00.000Z 192.0.2.1 (pop-b) state OpenConfirm -> Established (keepalive)
 *   2026-11-24T10:00:01.000Z 12 events dropped (monitor too slow)
 */

import type { MonitorAttributesJson, MonitorEventJson, MonitorNeighborJson, MonitorPrefixJson, MonitorUpdateJson } from './json-types';

export interface MonitorTextOptions {
  /** -n: the neighbour's address without its description. */
  numeric: boolean;
}

/** `192.0.2.1 (pop-b)`, or the address alone (-n, or no description). */
export function neighborText(n: MonitorNeighborJson | undefined, numeric: boolean): string {
  if (!n) return '-';
  return n.description !== undefined && !numeric ? `${n.remote_addr} (${n.description})` : n.remote_addr;
}

/** Prefixes as a space-separated list; with `max`, the first `max` and `(+N more)`. */
export function prefixListText(list: readonly MonitorPrefixJson[], max?: number): string {
  const shown = max !== undefined && list.length > max ? list.slice(0, max) : list;
  const text = shown.map((p) => p.prefix).join(' ');
  return shown.length < list.length ? `${text} (+${list.length - shown.length} more)` : text;
}

/** The distinct next hops of the announced prefixes, in order of first appearance. */
function nextHops(announce: readonly MonitorPrefixJson[]): string[] {
  const seen = new Set<string>();
  for (const p of announce) if (p.nexthop !== undefined) seen.add(p.nexthop);
  return [...seen];
}

/** `as-path 65001 65002 nexthop 192.0.2.1 origin IGP med 50 communities 65000:1 ...` */
export function attributesText(a: MonitorAttributesJson | undefined, announce: readonly MonitorPrefixJson[]): string {
  const parts: string[] = [];
  if (a) parts.push(`as-path ${a.aspath === '' ? '(empty)' : a.aspath}`);
  const nh = nextHops(announce);
  if (nh.length > 0) parts.push(`nexthop ${nh.join(' ')}`);
  if (!a) return parts.join(' ');
  if (a.origin !== undefined) parts.push(`origin ${a.origin}`);
  if (a.metric !== undefined) parts.push(`med ${a.metric}`);
  if (a.localpref !== undefined) parts.push(`localpref ${a.localpref}`);
  if (a.communities.length > 0) parts.push(`communities ${a.communities.join(' ')}`);
  if (a.large_communities.length > 0) parts.push(`large-communities ${a.large_communities.join(' ')}`);
  if (a.extended_communities.length > 0) parts.push(`ext-communities ${a.extended_communities.join(' ')}`);
  for (const o of a.attributes) parts.push(o.value === '' ? o.type : `${o.type} ${o.value}`);
  return parts.join(' ');
}

/** An UPDATE's content: `UPDATE p... attributes`, `withdraw p...`, both, and any RFC 7606 error. */
export function updateText(u: MonitorUpdateJson, maxPrefixes?: number): string {
  const parts: string[] = [];
  if (u.announce.length > 0) {
    parts.push(`UPDATE ${prefixListText(u.announce, maxPrefixes)}`);
    const attrs = attributesText(u.attributes, u.announce);
    if (attrs !== '') parts.push(attrs);
  }
  if (u.withdraw.length > 0) parts.push(`withdraw ${prefixListText(u.withdraw, maxPrefixes)}`);
  if (parts.length === 0) parts.push('UPDATE without prefixes');
  if (u.error) parts.push(`error ${u.error.action}: ${u.error.problems.join('; ')}`);
  return parts.join(' ');
}

/** One event as one line (no newline). */
export function monitorEventText(ev: MonitorEventJson, o: MonitorTextOptions): string {
  const who = neighborText(ev.neighbor, o.numeric);
  switch (ev.type) {
    case 'update':
      return `${ev.time} ${who} ${ev.direction ?? ''} ${ev.update ? updateText(ev.update) : 'UPDATE'}`;
    case 'eor':
      return `${ev.time} ${who} ${ev.direction ?? ''} End-of-RIB ${ev.family ?? ''}`.trimEnd();
    case 'state':
      return `${ev.time} ${who} state ${ev.from ?? '?'} -> ${ev.to ?? '?'}${ev.reason ? ` (${ev.reason})` : ''}`;
    case 'dropped':
      return `${ev.time} ${ev.dropped ?? 0} event${ev.dropped === 1 ? '' : 's'} dropped (monitor too slow)`;
    default:
      return `${ev.time} ${who} ${String((ev as { type: unknown }).type)}`;
  }
}

/** Events as text lines (each with its newline). */
export function formatMonitorEvents(events: readonly MonitorEventJson[], o: MonitorTextOptions): string {
  return events.map((e) => monitorEventText(e, o) + '\n').join('');
}

/** Events as JSON lines: one compact object per line. */
export function formatMonitorJson(events: readonly MonitorEventJson[]): string {
  return events.map((e) => JSON.stringify(e) + '\n').join('');
}
