/**
 * RIB ingest micro-benchmark: decode the synthetic full table (test/bench/full-table.ts, 1.0M IPv4
 * + 200k IPv6 prefixes in ~420k UPDATEs) with the codec and apply it to an Adj-RIB-In and the
 * Loc-RIB, once per upstream (1 to 3). Each upstream sends the same prefixes with its own
 * attributes (its AS first in the path, its next hop), as real transit providers do, so the Loc-RIB
 * ends up with 3 candidates per prefix and three upstreams' worth of attribute sets. Each new
 * upstream wins every prefix, so every prefix's best path changes each time (worst case).
 *
 *   npm run build && node --expose-gc dist/test/bench/rib-ingest.js [upstreams=1]
 *
 * Prints per upstream the time to decode + ingest + decide, and at the end heap and RSS after a
 * full GC with the UPDATE buffers dropped (what the RIB itself holds). Not run by `npm test`.
 */

import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AdjRibIn } from '../../src/rib/adj-rib-in';
import { LocRib } from '../../src/rib/loc-rib';
import { ChangedKeys, RouteStore, SourceKind } from '../../src/rib/route';
import { makeContext } from '../../src/wire/context';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';
import { decodeUpdate } from '../../src/wire/update';
import { buildTable, FULL_TABLE, Table, TableShape } from './full-table';

/** Decided every this many UPDATEs, as an engine slicing its work would. */
const UPDATES_PER_SLICE = 64;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with node --expose-gc');
  g();
  g();
}

const mb = (n: number) => (n / 1048576).toFixed(0);

function memory(label: string): void {
  gc();
  const m = process.memoryUsage();
  console.log(`${label}: heap ${mb(m.heapUsed)} MB, external (typed arrays, buffers) ${mb(m.external)} MB, RSS ${mb(m.rss)} MB`);
}

function upstreamShape(i: number): TableShape {
  const nh6 = Buffer.from(FULL_TABLE.nextHop6);
  nh6[15] = i + 1;
  return { ...FULL_TABLE, peerAs: 65001 + i, nextHop4: FULL_TABLE.nextHop4 + i, nextHop6: nh6 };
}

/** The UPDATEs of one upstream as one buffer (one object, not 420k, for the GC to look at). */
function upstreamStream(i: number): { stream: Buffer; table: Omit<Table, 'updates' | 'ipv4Keys' | 'ipv6Keys'> & { messages: number } } {
  const t = buildTable(upstreamShape(i));
  return { stream: Buffer.concat(t.updates, t.bytes), table: { bytes: t.bytes, ipv4: t.ipv4, ipv6: t.ipv6, messages: t.updates.length } };
}

function main(): void {
  const upstreams = Math.max(1, Math.min(3, Number(process.argv[2] ?? 1)));
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${upstreams} upstream(s)`);

  const store = new RouteStore({ localAs: 64500 });
  const loc = new LocRib(store, {});
  let bestChanges = 0;
  loc.onChange((batch) => {
    bestChanges += batch.length;
  });
  const ctx = makeContext({ as4: true });
  let totalMs = 0;

  for (let i = 0; i < upstreams; i++) {
    let { stream, table } = upstreamStream(i);
    if (i === 0) {
      console.log(`table: ${table.ipv4} IPv4 + ${table.ipv6} IPv6 prefixes in ${table.messages} UPDATEs, ${mb(table.bytes)} MB per upstream`);
    }
    gc();
    const adj = AdjRibIn.create(store, {
      kind: SourceKind.EBGP,
      address: `192.0.2.${i + 1}`,
      remoteAs: 65001 + i,
      // Each later upstream has a lower BGP Identifier, so it wins every prefix (RFC 4271
      // 9.1.2.2 f): the worst case, every path of the Loc-RIB changes again.
      bgpId: `10.0.0.${10 - i}`,
    });
    const changes = new ChangedKeys();
    const opts = { as4: true, external: true, now: Math.floor(Date.now() / 1000) };
    const before = bestChanges;
    const start = performance.now();
    let slice = 0;
    for (let p = 0; p < stream.length; ) {
      const len = stream.readUInt16BE(p + 16);
      const msg = decodeUpdate(stream.subarray(p + 19, p + len), ctx, { peerIsExternal: true });
      p += len;
      adj.applyUpdate(msg, opts, changes);
      if (++slice === UPDATES_PER_SLICE) {
        loc.update(changes);
        changes.clear();
        slice = 0;
      }
    }
    loc.update(changes);
    const ms = performance.now() - start;
    totalMs += ms;
    const n = adj.count(IPV4_UNICAST) + adj.count(IPV6_UNICAST);
    if (n !== table.ipv4 + table.ipv6) throw new Error(`Adj-RIB-In holds ${n} prefixes, expected ${table.ipv4 + table.ipv6}`);
    console.log(
      `upstream ${i + 1}: ${n} prefixes decoded, stored and decided in ${ms.toFixed(0)} ms ` +
        `(${((n / ms) * 1000 / 1e6).toFixed(2)} M prefixes/s), ${bestChanges - before} best changes, ` +
        `${store.pool.size} attribute sets in the pool`,
    );
    stream = Buffer.alloc(0);
  }

  console.log(`total ${totalMs.toFixed(0)} ms; Loc-RIB: ${loc.prefixCount(IPV4_UNICAST)} IPv4 + ${loc.prefixCount(IPV6_UNICAST)} IPv6 prefixes selected`);
  const paths = store.ipv4.rowCount + store.ipv6.rowCount;
  const tables = store.ipv4.bytes + store.ipv6.bytes;
  const pool = store.pool.stats().bytes;
  console.log(`RIB: ${paths} paths; by its own count ${mb(tables)} MB of path tables and ${mb(pool)} MB of attribute pool`);
  memory('after ingest, UPDATE buffers dropped');
}

main();
