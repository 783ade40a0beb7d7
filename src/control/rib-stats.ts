/**
 * `show rib summary` and `show rib memory`: counts over the path tables. The summary walks every
 * path row once (a few ms per million rows), yielding to the event loop every so many rows so that
 * a full table does not hold up keepalives; memory is what the store and the attribute pool report.
 */

import type { RouteEngine } from '../rib/engine';
import { RouteFlag, SourceKind } from '../rib/route';
import { IPV4_UNICAST, IPV6_UNICAST } from '../wire/iana';
import { familyLabel } from './bgp-text';
import type { MemoryJson, RibCountsJson, RibSummaryJson } from './json-types';

const ROWS_PER_TURN = 200_000;

const zero = (): RibCountsJson => ({ paths: 0, selected: 0, filtered: 0, invalid: 0, stale: 0 });

function count(c: RibCountsJson, flags: number): void {
  c.paths++;
  if ((flags & RouteFlag.BEST) !== 0) c.selected++;
  if ((flags & RouteFlag.FILTERED) !== 0) c.filtered++;
  if ((flags & RouteFlag.INVALID) !== 0) c.invalid++;
  if ((flags & RouteFlag.STALE) !== 0) c.stale++;
}

export async function ribSummary(engine: RouteEngine, localAs: number): Promise<RibSummaryJson> {
  const store = engine.store;
  const perSource = new Map<number, RibCountsJson>();
  const families: RibSummaryJson['rib_summary']['families'] = [];
  for (const family of [IPV4_UNICAST, IPV6_UNICAST]) {
    const t = store.table(family);
    const fam = zero();
    for (let r = 0; r < t.rowLimit; r++) {
      if (r % ROWS_PER_TURN === ROWS_PER_TURN - 1) await new Promise((res) => setImmediate(res));
      if (r >= t.rowLimit || t.isFree(r)) continue;
      const flags = t.flagsOf(r);
      if ((flags & RouteFlag.WITHDRAWN) !== 0) continue;
      count(fam, flags);
      const s = t.sourceOf(r);
      let c = perSource.get(s);
      if (!c) perSource.set(s, (c = zero()));
      count(c, flags);
    }
    families.push({ family: familyLabel(family), prefixes: engine.locRib.prefixCount(family), ...fam });
  }
  const sources: RibSummaryJson['rib_summary']['sources'] = [];
  for (const [index, c] of perSource) {
    const s = store.sources[index];
    if (!s) continue;
    const local = s.kind === SourceKind.LOCAL;
    sources.push({
      remote_addr: local ? '0.0.0.0' : s.address,
      ...(local ? { description: 'LOCAL' } : s.name !== s.address ? { description: s.name } : {}),
      remote_as: local ? localAs : s.remoteAs,
      source: local ? 'local' : s.kind === SourceKind.IBGP ? 'internal' : 'external',
      ...c,
    });
  }
  sources.sort((a, b) => (a.source === 'local' ? 1 : b.source === 'local' ? -1 : a.remote_addr < b.remote_addr ? -1 : 1));
  return { rib_summary: { families, sources } };
}

export function ribMemory(engine: RouteEngine): MemoryJson {
  const m = engine.store.memory();
  return {
    memory: {
      ipv4: { ...m.ipv4 },
      ipv6: { ...m.ipv6 },
      attributes: { sets: m.attributes.sets, references: m.attributes.references, bytes: m.attributes.bytes },
      total: { bytes: m.ipv4.bytes + m.ipv6.bytes + m.attributes.bytes },
    },
  };
}
