/**
 * `npm run bench:wire`: frame and decode a synthetic full table (1.0M IPv4 + 200k IPv6 prefixes in
 * about 420k UPDATEs) from one buffer, walking every prefix as the RIB would, and print prefixes per
 * second and MB/s. Target (issue 2): the whole stream in under 0.5 s on a 2-core VM.
 */

import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { makeContext } from '../../src/wire/context';
import { Framer } from '../../src/wire/header';
import { decodeMessage } from '../../src/wire/message';
import { buildTable, FULL_TABLE } from './full-table';

function decodeAll(stream: Buffer): { updates: number; v4: number; v6: number; check: number } {
  const ctx = makeContext({ as4: true });
  const framer = new Framer();
  framer.push(stream);
  let updates = 0;
  let v4 = 0;
  let v6 = 0;
  let check = 0;
  const onV4 = (addr: number, len: number) => {
    check = (check + addr + len) % 0x7fffffff;
    v4++;
  };
  const onV6 = (_addr: Buffer, len: number) => {
    check = (check + len) % 0x7fffffff;
    v6++;
  };
  for (let f = framer.next(); f; f = framer.next()) {
    const m = decodeMessage(f, ctx);
    if (m.type !== 'update') continue;
    updates++;
    m.nlri.forEachV4(onV4);
    const mp = m.attributes.mpReach;
    if (mp) mp.nlri.forEach(onV6);
  }
  return { updates, v4, v6, check };
}

function main(): void {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const t0 = performance.now();
  const table = buildTable(FULL_TABLE);
  const stream = Buffer.concat(table.updates, table.bytes);
  const genMs = performance.now() - t0;
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(
    `table: ${table.ipv4} IPv4 + ${table.ipv6} IPv6 prefixes in ${table.updates.length} UPDATEs, ${(table.bytes / 1e6).toFixed(1)} MB (built in ${(genMs / 1000).toFixed(1)} s)`,
  );
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const s = performance.now();
    const res = decodeAll(stream);
    const ms = performance.now() - s;
    times.push(ms);
    if (res.updates !== table.updates.length || res.v4 !== table.ipv4 || res.v6 !== table.ipv6) {
      throw new Error(`decoded ${res.updates} UPDATEs / ${res.v4} + ${res.v6} prefixes, expected ${table.updates.length} / ${table.ipv4} + ${table.ipv6}`);
    }
    const prefixes = res.v4 + res.v6;
    console.log(
      `run ${r + 1}: ${ms.toFixed(0)} ms, ${((prefixes / ms) * 1000 / 1e6).toFixed(2)} M prefixes/s, ${(table.bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s, ${((res.updates / ms) * 1000 / 1e3).toFixed(0)} k UPDATEs/s`,
    );
  }
  const sorted = [...times].sort((a, b) => a - b);
  const best = sorted[0]!;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`first run ${times[0]!.toFixed(0)} ms, best ${best.toFixed(0)} ms, median ${median.toFixed(0)} ms (target < 500 ms)`);
}

main();
