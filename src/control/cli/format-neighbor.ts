/**
 * Text layouts of `show`, `show summary [terse]` and `show neighbor [timers | terse]`, as bgpctl
 * prints them (usr.sbin/bgpctl/output.c; /work/shared/BGPCTL-LAYOUT.md). Pure: JSON answer in
 * (json-types.ts), text out; times come relative in the answer, so the output depends on nothing
 * else. Lines carry no trailing blanks.
 */

import { formatTimeframe } from '../bgp-text';
import type { CapabilitiesJson, MessageCountsJson, NeighborJson, NeighborsJson } from '../json-types';
import { finish } from './layout';

export interface NeighborFormatOptions {
  /** -n: addresses instead of descriptions. */
  numeric?: boolean;
}

const name = (n: NeighborJson, o: NeighborFormatOptions): string => (!o.numeric && n.description ? n.description : n.remote_addr);

/** The Up/Down column and "up for" / "down for" spans. */
function updown(n: NeighborJson): string {
  return n.last_updown === 'Never' ? 'Never' : formatTimeframe(n.last_updown_sec);
}

export function formatSummary(r: NeighborsJson, o: NeighborFormatOptions = {}): string {
  const lines = [`${'Neighbor'.padEnd(20)} ${'AS'.padStart(8)} ${'MsgRcvd'.padStart(10)} ${'MsgSent'.padStart(10)} ${'OutQ'.padStart(5)} ${'Up/Down'.padEnd(8)} State/PrfRcvd`];
  for (const n of r.neighbors) {
    const as = String(n.remote_as);
    // The name is cut so that name and AS fit 28 columns (bgpctl).
    const width = as.length < 28 ? 28 - as.length : 28;
    const nm = name(n, o).slice(0, width);
    const st = n.stats;
    let state = n.state;
    if (n.state === 'Established') state = String(st.prefixes.received).padStart(6) + (n.config.max_prefix ? `/${n.config.max_prefix}` : '');
    lines.push(`${nm.padEnd(width)} ${as} ${String(st.message.received.total).padStart(10)} ${String(st.message.sent.total).padStart(10)} ${String(n.outq).padStart(5)} ${updown(n).padEnd(8)} ${state}`);
  }
  return finish(lines);
}

export function formatSummaryTerse(r: NeighborsJson, o: NeighborFormatOptions = {}): string {
  return finish(r.neighbors.map((n) => `${name(n, o)} ${n.remote_as} ${n.state}`));
}

/** bgpctl's machine line: message and update counters, address, AS, "description". */
export function formatNeighborTerse(r: NeighborsJson): string {
  return finish(
    r.neighbors.map((n) => {
      const s = n.stats.message.sent;
      const rx = n.stats.message.received;
      const u = n.stats.update;
      const nums = [s.open, rx.open, s.notifications, rx.notifications, s.updates, rx.updates, s.keepalives, rx.keepalives, s.route_refresh, rx.route_refresh];
      nums.push(n.stats.prefixes.received, n.config.max_prefix ?? 0, u.sent.updates, u.received.updates, u.sent.withdraws, u.received.withdraws);
      return `${nums.join(' ')} ${n.remote_addr} ${n.remote_as} "${n.description ?? ''}"`;
    }),
  );
}

function capabilityLines(c: CapabilitiesJson): string[] {
  const out: string[] = [];
  if (c.multiprotocol && c.multiprotocol.length > 0) out.push(`    Multiprotocol extensions: ${c.multiprotocol.join(', ')}`);
  if (c.as4byte) out.push('    4-byte AS numbers');
  if (c.refresh) out.push('    Route Refresh');
  if (c.enhanced_refresh) out.push('    Enhanced Route Refresh');
  if (c.extended_message) out.push('    Extended message');
  const gr = c.graceful_restart;
  // Without families (a helper-only speaker) bgpctl 7's plain line; with them, bgpctl 9's details.
  if (gr && !gr.protocols?.length) out.push('    Graceful Restart');
  else if (gr) {
    let line = '    Graceful Restart: ';
    if (gr.timeout) line += `timeout: ${gr.timeout}, `;
    if (gr.graceful_notification) line += 'graceful notification, ';
    if (gr.restart) line += 'restarted, ';
    line += (gr.protocols ?? []).map((p) => `${p.family}${p.preserved ? ' (preserved)' : ''}`).join(', ');
    out.push(line);
  }
  const ap = c['add-path'];
  if (ap && ap.length > 0) out.push(`    Add-path: ${ap.map((a) => `${a.family} ${a.mode}`).join(', ')}`);
  if (c.open_policy) out.push(`    Open Policy role ${c.open_policy}`);
  return out;
}

function counts(label: string, a: number, b: number, c?: number): string {
  return `  ${label.padEnd(15)} ${String(a).padStart(10)} ${String(b).padStart(10)}${c === undefined ? '' : ` ${String(c).padStart(10)}`}`;
}

function messageLines(s: MessageCountsJson, r: MessageCountsJson): string[] {
  return [
    '  Message statistics:',
    `  ${''.padEnd(15)} ${'Sent'.padEnd(10)} ${'Received'.padEnd(10)}`,
    counts('Opens', s.open, r.open),
    counts('Notifications', s.notifications, r.notifications),
    counts('Updates', s.updates, r.updates),
    counts('Keepalives', s.keepalives, r.keepalives),
    counts('Route Refresh', s.route_refresh, r.route_refresh),
    counts('Total', s.total, r.total),
  ];
}

function neighborBlock(n: NeighborJson, timers: boolean): string[] {
  const lines: string[] = [];
  let head = `BGP neighbor is ${n.remote_addr}, remote AS ${n.remote_as}`;
  if (n.config.passive) head += ', Passive';
  if (n.config.multihop_distance !== undefined) head += `, Multihop (${n.config.multihop_distance})`;
  lines.push(head);
  if (n.description) lines.push(` Description: ${n.description}`);
  const c = n.config;
  let max = '';
  if (c.max_prefix) max += ` Max-prefix: ${c.max_prefix}${c.max_prefix_restart ? ` (restart ${c.max_prefix_restart})` : ''}`;
  if (c.max_out_prefix) max += ` Max-prefix out: ${c.max_out_prefix}${c.max_out_prefix_restart ? ` (restart ${c.max_out_prefix_restart})` : ''}`;
  if (max) lines.push(max);

  if (n.state === 'Established') lines.push(`  BGP version 4, remote router-id ${n.bgpid ?? '0.0.0.0'}${c.authentication ? `, using ${c.authentication}` : ''}`);
  let state = `  BGP state = ${n.state}`;
  if (c.down) state += ', marked down';
  if (n.my_shutdown_reason) state += ` with shutdown reason "${n.my_shutdown_reason}"`;
  if (n.last_updown !== 'Never') state += `, ${n.state === 'Established' ? 'up' : 'down'} for ${updown(n)}`;
  lines.push(state);
  const st = n.stats;
  lines.push(`  Last read ${st.last_read}, holdtime ${n.holdtime}s, keepalive interval ${n.keepalive}s`);
  lines.push(`  Last write ${st.last_write}`);
  const remote = n.session?.remote.capabilities;
  if (remote) {
    const l = capabilityLines(remote);
    if (l.length > 0) lines.push('  Neighbor capabilities:', ...l);
  }
  const neg = n.session?.capabilities;
  if (neg) {
    const l = capabilityLines(neg);
    if (l.length > 0) lines.push('  Negotiated capabilities:', ...l);
  }
  lines.push('');
  if (timers) {
    for (const t of n.timers) lines.push(`  ${t.name.padEnd(20)} ${t.due <= 0 ? 'due' : formatTimeframe(-t.due)}`);
    return lines;
  }

  lines.push(...messageLines(st.message.sent, st.message.received), '');
  const u = st.update;
  lines.push(
    '  Update statistics:',
    `  ${''.padEnd(15)} ${'Sent'.padEnd(10)} ${'Received'.padEnd(10)} ${'Pending'.padEnd(10)}`,
    counts('Prefixes', st.prefixes.sent, st.prefixes.received),
    counts('Updates', u.sent.updates, u.received.updates, 0),
    counts('Withdraws', u.sent.withdraws, u.received.withdraws, 0),
    counts('End-of-Rib', u.sent.eor, u.received.eor),
    '',
  );
  if (n.last_error_sent) lines.push(`  Last error sent: ${n.last_error_sent.text}`);
  if (n.last_error_received) lines.push(`  Last error received: ${n.last_error_received.text}`);
  if (n.last_shutdown_reason) lines.push(`  Last received shutdown reason: "${n.last_shutdown_reason}"`);
  const s = n.session;
  if (s) {
    lines.push(`  Local host:  ${s.local.address.padStart(20)}, Local port:  ${String(s.local.port).padStart(5)}`);
    lines.push(`  Remote host: ${s.remote.address.padStart(20)}, Remote port: ${String(s.remote.port).padStart(5)}`);
    lines.push('');
  }
  return lines;
}

/** `show neighbor` (and `messages`); with `timers`, the session part and its timers. */
export function formatNeighbors(r: NeighborsJson, timers = false): string {
  return finish(r.neighbors.flatMap((n) => neighborBlock(n, timers)));
}
