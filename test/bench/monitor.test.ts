/**
 * The benchmark's monitor must count exactly what a speaker holds: every generated prefix after the
 * table, none after the withdrawals, whether the bytes arrive as written by full-table.ts or as
 * src/wire encodes them (IPv6 in MP_REACH_NLRI / MP_UNREACH_NLRI, IPv4 in NLRI / Withdrawn Routes).
 */

import t from 'tap';
import { Framer } from '../../src/wire/header';
import { messageAlignedChunks } from './bgp-endpoint';
import { buildTable, scaledShape, TableShape, withdrawalUpdates } from './full-table';
import { KeyCollector, PrefixCounter, walkUpdate } from './monitor';
import { feederShape } from './topology';

const SHAPE: TableShape = {
  seed: 7,
  ipv4: 4000,
  ipv6: 900,
  attributeSets: 1700,
  peerAs: 65001,
  nextHop4: 0xc0000201,
  nextHop6: Buffer.from('20010db8000000000000000000000001', 'hex'),
};

function feed(counter: PrefixCounter, messages: Buffer[]): void {
  const framer = new Framer();
  for (const c of messageAlignedChunks(messages, 1000)) framer.push(c);
  for (let f = framer.next(); f; f = framer.next()) counter.apply(f.body);
}

t.test('the monitor holds every prefix after the table and none after the withdrawals', (t) => {
  const table = buildTable(SHAPE);
  const c = new PrefixCounter(SHAPE.ipv4);
  feed(c, table.updates);
  t.equal(c.size4, SHAPE.ipv4, 'every IPv4 prefix');
  t.equal(c.size6, SHAPE.ipv6, 'every IPv6 prefix');
  t.equal(c.updates, table.updates.length, 'every UPDATE');
  t.equal(c.announced, SHAPE.ipv4 + SHAPE.ipv6, 'announced prefixes counted once each');
  feed(c, table.updates.slice(0, 10));
  t.equal(c.size4 + c.size6, SHAPE.ipv4 + SHAPE.ipv6, 'announcing again adds nothing');
  const w = withdrawalUpdates(table.ipv4Keys, table.ipv6Keys);
  t.ok(w.every((m) => m.length <= 4096), 'withdrawals fit in 4096 bytes');
  feed(c, w);
  t.equal(c.size4, 0, 'no IPv4 prefix left');
  t.equal(c.size6, 0, 'no IPv6 prefix left');
  t.equal(c.withdrawn, SHAPE.ipv4 + SHAPE.ipv6, 'every prefix withdrawn once');
  t.end();
});

t.test('keys collected from UPDATEs are the generator keys, in order', (t) => {
  const table = buildTable(SHAPE);
  const k = new KeyCollector();
  for (const u of table.updates) walkUpdate(u.subarray(19), k);
  t.same(k.ipv4, Array.from(table.ipv4Keys));
  t.same(k.ipv6, table.ipv6Keys);
  t.end();
});

t.test('message-aligned chunks keep every byte and end on message boundaries', (t) => {
  const table = buildTable(SHAPE);
  const chunks = messageAlignedChunks(table.updates, 4096);
  t.equal(Buffer.concat(chunks).length, table.bytes);
  let ok = true;
  for (const c of chunks) {
    let p = 0;
    while (p < c.length) p += c.readUInt16BE(p + 16);
    if (p !== c.length) ok = false;
  }
  t.ok(ok, 'each chunk is whole messages');
  t.end();
});

t.test('scaled and per-feeder shapes', (t) => {
  const s = scaledShape(0.1);
  t.equal(s.ipv4, 100_000);
  t.equal(s.ipv6, 20_000);
  t.throws(() => scaledShape(0));
  const f1 = feederShape(0, 1);
  t.equal(f1.nextHop4, 0xc0000201, 'feeder 1 is the full table as generated');
  const f2 = feederShape(1, 0.001);
  const a = buildTable(feederShape(0, 0.001));
  const b = buildTable(f2);
  t.same(Array.from(b.ipv4Keys), Array.from(a.ipv4Keys), 'same prefixes for every feeder');
  t.equal(f2.peerAs, 65003);
  t.equal(f2.nextHop6.toString('hex'), '20010db8000000000000000000000002');
  t.end();
});
