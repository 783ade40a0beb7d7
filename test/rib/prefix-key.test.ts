/**
 * Compact prefix keys: conversion from the NLRI iterators, text in and out, ordering, containment
 * (or-longer / or-shorter), and the IPv4 hash index against a Map model.
 */

import t, { Test } from 'tap';
import {
  compareKeys,
  formatKey,
  isOrLonger,
  isOrShorter,
  keyContains,
  keyFamily,
  keyLength,
  parseKey,
  PrefixIndex,
  PrefixKey,
  sortKeys,
  V4Index,
  v4Key,
  v4KeyAddress,
  V6Index,
  v6Key,
  v6KeyBytes,
} from '../../src/rib/prefix-key';
import { Afi, IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';
import { NlriList } from '../../src/wire/nlri';
import { prng } from '../bench/full-table';

const key = (text: string): PrefixKey => {
  const k = parseKey(text);
  if (k === null) throw new Error(`test prefix does not parse: ${text}`);
  return k;
};

t.test('IPv4 keys: address * 64 + length, text round trip', (t) => {
  t.equal(v4Key(0xc0000200, 24), 0xc0000200 * 64 + 24);
  t.equal(parseKey('192.0.2.0/24'), v4Key(0xc0000200, 24));
  for (const p of ['0.0.0.0/0', '10.0.0.0/8', '192.0.2.0/24', '198.51.100.128/25', '255.255.255.255/32', '128.0.0.0/1']) {
    const k = key(p);
    t.equal(typeof k, 'number', `${p} is a number`);
    t.equal(formatKey(k), p);
    t.equal(keyFamily(k), IPV4_UNICAST);
    t.equal(keyLength(k), Number(p.split('/')[1]));
  }
  t.equal(v4KeyAddress(key('255.255.255.255/32') as number), 0xffffffff, 'the largest address survives');
  t.end();
});

t.test('IPv6 keys: 17 one-byte characters, text round trip', (t) => {
  for (const p of ['::/0', '2001:db8::/32', '2001:db8:1234::/48', '2001:db8::1/128', 'ff00::/8', 'fe80::/10', '2001:db8:ffff:ffff:ffff:ffff:ffff:ff00/120']) {
    const k = key(p);
    t.equal(typeof k, 'string', `${p} is a string`);
    t.equal((k as string).length, 17);
    t.equal(formatKey(k), p);
    t.equal(keyFamily(k), IPV6_UNICAST);
    t.equal(keyLength(k), Number(p.split('/')[1]));
  }
  const b = v6KeyBytes(key('2001:db8::/32') as string);
  t.equal(b.toString('hex'), '20010db8000000000000000000000000');
  t.end();
});

t.test('parseKey refuses what is not a prefix, and host bits unless asked to mask', (t) => {
  for (const bad of ['192.0.2.0', '192.0.2.0/33', '192.0.2/24', '192.0.2.0/024', '192.0.2.0/-1', '2001:db8::/129', 'nonsense', '2001:db8::/', '/24', '192.0.2.0/24/1']) {
    t.equal(parseKey(bad), null, bad);
  }
  t.equal(parseKey('192.0.2.1/24'), null, 'IPv4 host bits');
  t.equal(parseKey('2001:db8::1/64'), null, 'IPv6 host bits');
  t.equal(parseKey('192.0.2.1/24', { mask: true }), key('192.0.2.0/24'));
  t.equal(parseKey('2001:db8:0:0:ffff::/57', { mask: true }), key('2001:db8::/57'));
  t.equal(parseKey('2001:db8:0:ff::/57', { mask: true }), key('2001:db8:0:80::/57'), 'partial byte masked');
  t.equal(parseKey('192.0.2.1', { bareAddress: true }), key('192.0.2.1/32'));
  t.equal(parseKey('2001:db8::1', { bareAddress: true }), key('2001:db8::1/128'));
  t.end();
});

t.test('keys from the NLRI iterators equal the parsed ones (host bits cleared)', (t) => {
  const v4 = ['0.0.0.0/0', '10.0.0.0/8', '192.0.2.0/24', '198.51.100.128/25', '203.0.113.7/32', '172.16.0.0/12'];
  const seen4: PrefixKey[] = [];
  NlriList.fromPrefixes(Afi.IPV4, false, v4).forEachV4((addr, len) => seen4.push(v4Key(addr, len)));
  t.same(seen4, v4.map(key));
  const seen4b: PrefixKey[] = [];
  NlriList.fromPrefixes(Afi.IPV4, false, v4).forEach((addr, len) => seen4b.push(v4Key(addr.readUInt32BE(0), len)));
  t.same(seen4b, v4.map(key));

  const v6 = ['::/0', '2001:db8::/32', '2001:db8:1::/48', '2001:db8::1/128', '2001:db8:8000::/33', '2401:1:2:3::/64'];
  const seen6: PrefixKey[] = [];
  NlriList.fromPrefixes(Afi.IPV6, false, v6).forEach((addr, len) => seen6.push(v6Key(addr, len)));
  t.same(seen6, v6.map(key));

  // Bits past the length on the wire are masked off by the iterator, so they never reach a key.
  const wire = Buffer.from([22, 0x20, 0x01, 0x0f, 17, 0x20, 0x01, 0xff]);
  const dirty = NlriList.parse(wire, 0, wire.length, Afi.IPV6, false);
  if (typeof dirty === 'string') throw new Error(dirty);
  const got: string[] = [];
  dirty.forEach((addr, len) => got.push(formatKey(v6Key(addr, len))));
  t.same(got, ['2001:c00::/22', '2001:8000::/17']);
  t.end();
});

t.test('ordering: IPv4 before IPv6, then address, then shorter first', (t) => {
  const texts = ['2001:db8::/48', '10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32', '10.0.0.0/16', '::/0', '0.0.0.0/0', '192.0.2.0/23', '2001:db7::/32', '10.1.0.0/16'];
  const sorted = sortKeys(texts.map(key)).map(formatKey);
  t.same(sorted, ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.1.0.0/16', '192.0.2.0/23', '192.0.2.0/24', '::/0', '2001:db7::/32', '2001:db8::/32', '2001:db8::/48']);
  t.ok(compareKeys(key('10.0.0.0/8'), key('10.0.0.0/8')) === 0);
  t.ok(compareKeys(key('2001:db8::/32'), key('2001:db8::/32')) === 0);
  t.ok(compareKeys(key('255.255.255.255/32'), key('::/0')) < 0);
  t.ok(compareKeys(key('::/0'), key('0.0.0.0/0')) > 0);
  t.end();
});

t.test('containment: or-longer and or-shorter', (t) => {
  const yes: [string, string][] = [
    ['0.0.0.0/0', '192.0.2.0/24'],
    ['192.0.2.0/24', '192.0.2.0/24'],
    ['192.0.0.0/16', '192.0.2.128/25'],
    ['192.0.2.0/23', '192.0.3.0/24'],
    ['10.0.0.0/8', '10.255.255.255/32'],
    ['::/0', '2001:db8::/32'],
    ['2001:db8::/32', '2001:db8:1234::/48'],
    ['2001:db8::/33', '2001:db8:7fff::/48'],
    ['2001:db8::/48', '2001:db8::/48'],
    ['2001:db8::/127', '2001:db8::1/128'],
  ];
  const no: [string, string][] = [
    ['192.0.2.0/24', '192.0.0.0/16'],
    ['192.0.2.0/24', '192.0.3.0/24'],
    ['192.0.2.0/25', '192.0.2.128/25'],
    ['2001:db8::/33', '2001:db8:8000::/48'],
    ['2001:db8::/48', '2001:db8::/32'],
    ['0.0.0.0/0', '::/0'],
    ['::/0', '0.0.0.0/0'],
  ];
  for (const [o, i] of yes) {
    t.ok(keyContains(key(o), key(i)), `${o} contains ${i}`);
    t.ok(isOrLonger(key(i), key(o)), `${i} is ${o} or longer`);
    t.ok(isOrShorter(key(o), key(i)), `${o} is ${i} or shorter`);
  }
  for (const [o, i] of no) {
    t.notOk(keyContains(key(o), key(i)), `${o} does not contain ${i}`);
    t.notOk(isOrLonger(key(i), key(o)), `${i} is not ${o} or longer`);
  }
  t.end();
});

/** Random sets, deletes and gets on `idx` and on a Map, over the keys of `pool`: same answers. */
function againstMap<K extends PrefixKey>(t: Test, idx: PrefixIndex<K>, pool: K[], rand: () => number): void {
  const model = new Map<K, number>();
  let mismatches = 0;
  for (let op = 0; op < 60000; op++) {
    const k = pool[Math.floor(rand() * pool.length)]!;
    const r = rand();
    if (r < 0.5) {
      const row = Math.floor(rand() * 1e6);
      idx.set(k, row);
      model.set(k, row);
    } else if (r < 0.8) {
      if (idx.delete(k) !== model.delete(k)) mismatches++;
    } else if (idx.get(k) !== (model.get(k) ?? -1)) mismatches++;
    if (idx.size !== model.size) mismatches++;
  }
  for (const k of pool) if (idx.get(k) !== (model.get(k) ?? -1)) mismatches++;
  const listed: K[] = [];
  idx.forEachKey((k) => listed.push(k));
  t.same(sortKeys(listed), sortKeys([...model.keys()]), 'forEachKey lists exactly the keys');
  t.equal(mismatches, 0, 'no difference from the Map model');
  t.ok(model.size > 500, `exercised with ${model.size} live keys`);
  idx.clear();
  t.equal(idx.size, 0);
  t.equal(idx.get(pool[0]!), -1);
}

t.test('V4Index behaves like a Map under random inserts, updates and deletes', (t) => {
  const rand = prng(7);
  // A small key space so that probe runs collide, wrap and get shifted back on delete.
  const pool: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(rand() * 33);
    const addr = (Math.floor(rand() * 0x100000000) & (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0)) >>> 0;
    pool.push(v4Key(addr, len));
  }
  againstMap(t, new V4Index(16), pool, rand);
  t.end();
});

t.test('V6Index behaves like a Map under random inserts, updates and deletes', (t) => {
  const rand = prng(11);
  // Keys that share most of their bytes (as a table's do), a small key space so that probe runs
  // collide, wrap and get shifted back on delete, and segments grow.
  const pool: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const a = new Uint8Array(16);
    a[0] = 0x20;
    a[1] = 0x01;
    for (let b = 2; b < 8; b++) a[b] = Math.floor(rand() * (b < 4 ? 4 : 256));
    const len = 16 + Math.floor(rand() * 49);
    for (let b = Math.ceil(len / 8); b < 16; b++) a[b] = 0;
    pool.push(v6Key(a, len));
  }
  againstMap(t, new V6Index(), pool, rand);
  t.end();
});

t.test('V6Index', (t) => {
  const idx = new V6Index();
  const a = key('2001:db8::/32') as string;
  t.equal(idx.get(a), -1);
  idx.set(a, 5);
  t.equal(idx.get(a), 5);
  t.equal(idx.size, 1);
  const listed: string[] = [];
  idx.forEachKey((k) => listed.push(k));
  t.same(listed, [a]);
  t.ok(idx.delete(a));
  t.notOk(idx.delete(a));
  t.equal(idx.size, 0);
  t.end();
});
