/**
 * The synthetic table's bytes are written independently of src/wire; decoding them with the codec
 * must give back exactly the prefixes the generator chose, in order.
 */

import t from 'tap';
import { makeContext } from '../../src/wire/context';
import { Framer } from '../../src/wire/header';
import { decodeMessage } from '../../src/wire/message';
import { buildTable, TableShape } from './full-table';

const SHAPE: TableShape = {
  seed: 42,
  ipv4: 5000,
  ipv6: 1000,
  attributeSets: 2100,
  peerAs: 65001,
  nextHop4: 0xc0000201,
  nextHop6: Buffer.from('20010db8000000000000000000000001', 'hex'),
};

t.test('same seed, same bytes; other seed, other bytes', (t) => {
  const a = Buffer.concat(buildTable(SHAPE).updates);
  const b = Buffer.concat(buildTable(SHAPE).updates);
  const c = Buffer.concat(buildTable({ ...SHAPE, seed: 43 }).updates);
  t.ok(a.equals(b));
  t.notOk(a.equals(c));
  t.end();
});

t.test('the codec decodes every generated prefix and attribute set', (t) => {
  const table = buildTable(SHAPE);
  const framer = new Framer();
  framer.push(Buffer.concat(table.updates));
  const ctx = makeContext({ as4: true });
  const v4: number[] = [];
  const v6: string[] = [];
  let updates = 0;
  let problems = 0;
  let wrongFirstAs = 0;
  for (let f = framer.next(); f; f = framer.next()) {
    const m = decodeMessage(f, ctx);
    if (m.type !== 'update') continue;
    updates++;
    problems += m.problems.length;
    if (m.attributes.asPath?.[0]?.asns[0] !== SHAPE.peerAs) wrongFirstAs++;
    m.nlri.forEachV4((addr, len) => v4.push(addr * 64 + len));
    m.attributes.mpReach?.nlri.forEach((addr, len) => v6.push(Buffer.concat([addr, Buffer.from([len])]).toString('hex')));
  }
  t.equal(updates, table.updates.length, 'every UPDATE decoded');
  t.equal(wrongFirstAs, 0, 'every AS path starts with the peer AS');
  t.equal(problems, 0, 'no RFC 7606 problems in well-formed input');
  t.same(v4, Array.from(table.ipv4Keys), 'IPv4 prefixes in order');
  t.same(v6, table.ipv6Keys, 'IPv6 prefixes in order');
  t.ok(updates > 1500 && updates < 3000, `about ${SHAPE.attributeSets} UPDATEs (got ${updates})`);
  t.end();
});
