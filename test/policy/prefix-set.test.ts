/**
 * PrefixMatcher against a naive scan of the same entries, over many random prefixes of both
 * families (with entries nested in each other and overlapping length ranges), plus AsSetMatcher.
 */

import t from 'tap';
import type { PrefixItem } from '../../src/config/types';
import { AsSetMatcher } from '../../src/policy/as-set';
import { PrefixMatcher } from '../../src/policy/prefix-set';
import { formatKey, isOrLonger, keyLength, parseKey, type PrefixKey } from '../../src/rib/prefix-key';
import { ipv4ToString, ipv6ToString } from '../../src/wire/addr';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';

/** A tiny deterministic generator (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function randomKey(next: () => number, v6: boolean, near: PrefixKey[]): PrefixKey {
  // Half of the candidates start from an entry's prefix, so that matches are common.
  const base = near.length > 0 && next() % 2 === 0 ? near[next() % near.length]! : undefined;
  if (!v6) {
    const len = next() % 33;
    let addr = base !== undefined && typeof base === 'number' ? Math.floor(base / 64) | (next() & (2 ** (32 - keyLength(base)) - 1)) : next();
    addr = len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
    return parseKey(`${ipv4ToString(addr >>> 0)}/${len}`)!;
  }
  const len = next() % 129;
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) bytes[i] = next() & 0xff;
  if (base !== undefined && typeof base === 'string') {
    for (let bit = 0; bit < keyLength(base); bit++) {
      const m = 0x80 >> (bit & 7);
      bytes[bit >> 3] = (bytes[bit >> 3]! & ~m) | (base.charCodeAt(bit >> 3) & m);
    }
  }
  for (let bit = len; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return parseKey(`${ipv6ToString(bytes)}/${len}`)!;
}

function naive(items: PrefixItem[], k: PrefixKey): boolean {
  return items.some((i) => {
    const own = parseKey(i.prefix)!;
    return isOrLonger(k, own) && keyLength(k) >= i.min && keyLength(k) <= i.max;
  });
}

function item(prefix: string, min?: number, max?: number): PrefixItem {
  const length = Number(prefix.split('/')[1]);
  return { prefix, family: prefix.includes(':') ? IPV6_UNICAST : IPV4_UNICAST, length, min: min ?? length, max: max ?? length };
}

t.test('agrees with a naive scan', (t) => {
  const items = [
    item('0.0.0.0/0', 25, 32),
    item('10.0.0.0/8', 8, 32),
    item('10.1.0.0/16', 16, 16),
    item('10.1.0.0/16', 20, 22),
    item('192.0.2.0/24', 24, 28),
    item('192.0.2.128/25', 25, 25),
    item('128.0.0.0/1', 1, 1),
    item('::/0', 0, 0),
    item('2001:db8::/32', 32, 128),
    item('2001:db8:100::/48', 48, 56),
    item('fc00::/7', 7, 128),
    item('2001:db8:100::/48', 64, 64),
  ];
  const m = new PrefixMatcher(items);
  const keys = items.map((i) => parseKey(i.prefix)!);
  const next = rng(20240601);
  let hits = 0;
  let misses = 0;
  let wrong = 0;
  for (let n = 0; n < 20000; n++) {
    const k = randomKey(next, n % 2 === 1, keys);
    const want = naive(items, k);
    if (m.match(k) !== want) {
      if (wrong++ < 5) t.fail(`${formatKey(k)}: matcher ${!want}, naive ${want}`);
    }
    if (want) hits++;
    else misses++;
  }
  t.equal(wrong, 0, 'no disagreement');
  t.ok(hits > 2000 && misses > 2000, `both outcomes exercised (${hits} hits, ${misses} misses)`);
  t.end();
});

t.test('edge cases', (t) => {
  const m = new PrefixMatcher([item('0.0.0.0/0'), item('255.255.255.255/32'), item('::/0', 0, 128)]);
  t.ok(m.match(parseKey('0.0.0.0/0')!), 'the default route');
  t.notOk(m.match(parseKey('0.0.0.0/1')!));
  t.ok(m.match(parseKey('255.255.255.255/32')!), 'a host route at the top of the space');
  t.notOk(m.match(parseKey('255.255.255.254/32')!));
  t.ok(m.match(parseKey('ffff::/16')!) && m.match(parseKey('::1/128')!));
  const empty = new PrefixMatcher([]);
  t.notOk(empty.match(parseKey('10.0.0.0/8')!));
  t.notOk(empty.match(parseKey('2001:db8::/32')!));
  t.equal(new PrefixMatcher([item('10.0.0.0/8', 9, 8)]).match(parseKey('10.0.0.0/8')!), false, 'an empty range matches nothing');
  t.end();
});

t.test('AsSetMatcher: ranges merged, bounds inclusive', (t) => {
  const s = new AsSetMatcher([
    [64512, 65534],
    [10, 10],
    [65535, 65535],
    [100, 200],
    [150, 300],
    [4200000000, 4294967295],
  ]);
  for (const yes of [10, 100, 250, 300, 64512, 65000, 65534, 65535, 4200000000, 4294967295]) t.ok(s.has(yes), `${yes} in`);
  for (const no of [0, 9, 11, 99, 301, 64511, 65536, 4199999999]) t.notOk(s.has(no), `${no} out`);
  t.notOk(new AsSetMatcher([]).has(1));
  t.end();
});
