/**
 * Text layouts of `show rib` (legend, then a row per path), `show rib detail` (a block per path),
 * `show rib summary` and `show rib memory`, as bgpctl prints them where bgpctl has them
 * (usr.sbin/bgpctl/output.c; /work/shared/BGPCTL-LAYOUT.md). Rows are formatted a chunk at a time,
 * as the daemon streams them; everything here is pure.
 *
 * tsbgpctl adds to the detail block the best-path decision for the path (decision.ts's step and
 * reason), and prints summary and memory in its own layouts (bgpctl has no `show rib summary`; its
 * memory lines count OpenBGPD's structures, these count tsbgpd's).
 */

import { formatBytes, originLetter } from '../bgp-text';
import type { MemoryJson, RibEntryJson, RibSummaryJson } from '../json-types';
import { finish } from './layout';

export const RIB_LEGEND = `flags: * = Valid, > = Selected, I = via IBGP, A = Announced,
       S = Stale, E = Error, F = Filtered, L = Leaked
origin validation state: N = not-found, V = valid, ! = invalid
aspa validation state: ? = unknown, V = valid, ! = invalid
origin: i = IGP, e = EGP, ? = Incomplete

${'flags'.padEnd(5)} ${'vs'.padStart(3)} ${'destination'.padEnd(20)} ${'gateway'.padEnd(15)}  ${'lpref'.padStart(5)} ${'med'.padStart(5)} aspath origin
`;

export interface RibFormatOptions {
  /** -n: addresses instead of descriptions. */
  numeric?: boolean;
}

/** bgpctl's flag letters, in its order. */
export function ribFlags(e: RibEntryJson): string {
  let f = '';
  if (e.filtered) f += 'F';
  if (e.invalid) f += 'E';
  if (e.announced) f += 'A';
  if (e.source === 'internal') f += 'I';
  if (e.stale) f += 'S';
  if (e.valid) f += '*';
  if (e.best) f += '>';
  return f;
}

const OVS: Record<string, string> = { 'not-found': 'N', valid: 'V', invalid: '!' };
const AVS: Record<string, string> = { unknown: '?', valid: 'V', invalid: '!' };

export function formatRibRows(entries: readonly RibEntryJson[]): string {
  return finish(
    entries.map((e) => {
      const vs = `${OVS[e.ovs] ?? 'N'}-${AVS[e.avs] ?? '?'}`;
      const path = e.aspath === '' ? '' : `${e.aspath} `;
      return `${ribFlags(e).padEnd(5)} ${vs} ${e.prefix.padEnd(20)} ${e.exit_nexthop.padEnd(15)} ${String(e.localpref).padStart(5)} ${String(e.metric).padStart(5)} ${path}${originLetter(e.origin)}`;
    }),
  );
}

/** bgpctl's flag words (`external, valid, best`). */
function flagWords(e: RibEntryJson): string {
  const w: string[] = [e.source];
  if (e.filtered) w.push('filtered');
  if (e.invalid) w.push('invalid');
  if (e.stale) w.push('stale');
  if (e.valid) w.push('valid');
  if (e.best) w.push('best');
  if (e.announced) w.push('announced');
  return w.join(', ');
}

function who(p: { remote_addr: string; description?: string }, o: RibFormatOptions): string {
  return !o.numeric && p.description ? p.description : p.remote_addr;
}

function decisionLines(e: RibEntryJson, o: RibFormatOptions): string[] {
  const d = e.decision;
  if (!d) return [];
  if (d.selected) {
    const over = d.over ?? [];
    if (over.length === 0) return ['    Best path: the only path'];
    return over.map((x) => `    Best path: preferred over ${who(x, o)} at step ${x.step_number} (${x.step}): ${x.reason}`);
  }
  if (!d.lost_to) return [`    Not best: ${d.reason ?? 'not eligible'}`];
  return [`    Not best: ${who(d.lost_to, o)} preferred at step ${d.step_number} (${d.step}): ${d.reason}`];
}

export function formatRibDetail(entries: readonly RibEntryJson[], o: RibFormatOptions = {}): string {
  const lines: string[] = [];
  for (const e of entries) {
    lines.push('', `BGP routing table entry for ${e.prefix}`);
    if (e.aspath !== '') lines.push(`    ${e.aspath}`);
    lines.push(`    Nexthop ${e.exit_nexthop} (via ${e.true_nexthop}) Neighbor ${who(e.neighbor, o)} (${e.neighbor.bgp_id})${e.path_id !== undefined ? ` Path-Id: ${e.path_id}` : ''}`);
    lines.push(`    Origin ${e.origin}, metric ${e.metric}, localpref ${e.localpref}, weight ${e.weight}, ovs ${e.ovs}, avs ${e.avs}, ${flagWords(e)}`);
    lines.push(`    Last update: ${e.last_update} ago`);
    if (e.communities?.length) lines.push(`    Communities: ${e.communities.join(' ')}`);
    if (e.large_communities?.length) lines.push(`    Large Communities: ${e.large_communities.join(' ')}`);
    if (e.extended_communities?.length) lines.push(`    Ext. Communities: ${e.extended_communities.join(' ')}`);
    for (const a of e.attributes ?? []) lines.push(a.value === '' ? `    ${a.type}` : `    ${a.type}: ${a.value}`);
    lines.push(...decisionLines(e, o));
  }
  return finish(lines);
}

const COUNT_HEADS = ['Paths', 'Selected', 'Filtered', 'Invalid', 'Stale'];

export function formatRibSummary(r: RibSummaryJson, o: RibFormatOptions = {}): string {
  const s = r.rib_summary;
  const cols = (c: { paths: number; selected: number; filtered: number; invalid: number; stale: number }) =>
    [c.paths, c.selected, c.filtered, c.invalid, c.stale].map((n) => String(n).padStart(10)).join(' ');
  const lines = [`${'Family'.padEnd(14)} ${'Prefixes'.padStart(10)} ${COUNT_HEADS.map((h) => h.padStart(10)).join(' ')}`];
  for (const f of s.families) lines.push(`${f.family.padEnd(14)} ${String(f.prefixes).padStart(10)} ${cols(f)}`);
  lines.push('', `${'Neighbor'.padEnd(20)} ${'AS'.padStart(10)} ${COUNT_HEADS.map((h) => h.padStart(10)).join(' ')}`);
  for (const n of s.sources) {
    const nm = (!o.numeric && n.description ? n.description : n.remote_addr).slice(0, 20);
    lines.push(`${nm.padEnd(20)} ${String(n.remote_as).padStart(10)} ${cols(n)}`);
  }
  return finish(lines);
}

export function formatRibMemory(r: MemoryJson): string {
  const m = r.memory;
  const n = (x: number) => String(x).padStart(10);
  return finish([
    'RIB memory statistics',
    `${n(m.ipv4.prefixes)} IPv4 unicast network entries with ${m.ipv4.paths} paths using ${formatBytes(m.ipv4.bytes)} of memory`,
    `${n(m.ipv6.prefixes)} IPv6 unicast network entries with ${m.ipv6.paths} paths using ${formatBytes(m.ipv6.bytes)} of memory`,
    `${n(m.attributes.sets)} BGP attribute sets using ${formatBytes(m.attributes.bytes)} of memory`,
    `\t   and holding ${m.attributes.references} references`,
    `RIB using ${formatBytes(m.total.bytes)} of memory`,
  ]);
}
