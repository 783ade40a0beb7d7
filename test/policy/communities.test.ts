/**
 * Community text: parsing with and without wildcards, canonical forms (well-known names, the
 * extended community types by administrator), and the matcher.
 */

import t from 'tap';
import {
  CommunityMatcher,
  formatCommunityPattern,
  formatExtHex,
  formatExtPattern,
  formatLargePattern,
  parseCommunityPattern,
  parseExtPattern,
  parseLargePattern,
} from '../../src/policy/communities';

function canonical<T>(parse: (s: string, w: boolean) => { ok: true; value: T } | { ok: false; message: string }, format: (v: T) => string, s: string, wildcard = true): string {
  const r = parse(s, wildcard);
  return r.ok ? format(r.value) : `error: ${r.message}`;
}

t.test('standard communities', (t) => {
  const c = (s: string, w = true) => canonical(parseCommunityPattern, formatCommunityPattern, s, w);
  t.equal(c('65000:1'), '65000:1');
  t.equal(c('65535:65281'), 'NO_EXPORT', 'a well-known value prints by name');
  t.equal(c('NOPEER'), 'NO_PEER');
  t.equal(c('65535:666'), 'BLACKHOLE');
  t.equal(c('GRACEFUL_SHUTDOWN'), 'GRACEFUL_SHUTDOWN');
  t.equal(c('65535:*'), '65535:*');
  t.equal(c('*:*'), '*:*');
  t.match(c('65000:*', false), /a wildcard cannot be added/);
  t.match(c('65536:1'), /between 0 and 65535/);
  t.match(c('no-export'), /did you mean "NO_EXPORT"/);
  t.match(c('65000:01'), /^error/, 'no leading zeros');
  t.end();
});

t.test('large communities', (t) => {
  const l = (s: string, w = true) => canonical(parseLargePattern, formatLargePattern, s, w);
  t.equal(l('4200000000:1:2'), '4200000000:1:2');
  t.equal(l('1:*:*'), '1:*:*');
  t.match(l('1:*:*', false), /wildcard/);
  t.match(l('4294967296:1:1'), /between 0 and 4294967295/);
  t.match(l('1:2'), /GLOBAL:DATA1:DATA2/);
  t.end();
});

t.test('extended communities: the type follows the administrator', (t) => {
  const e = (s: string, w = true) => {
    const r = parseExtPattern(s, w);
    return r.ok ? [formatExtPattern(r.value), r.value.exact] : [`error: ${r.message}`];
  };
  t.strictSame(e('rt 65000:1'), ['rt 65000:1', '0002fde800000001'], 'two-octet AS: type 0x00');
  t.strictSame(e('rt 65000:4294967295'), ['rt 65000:4294967295', '0002fde8ffffffff']);
  t.strictSame(e('soo 192.0.2.1:5'), ['soo 192.0.2.1:5', '0103c00002010005'], 'IPv4: type 0x01');
  t.strictSame(e('rt 4200000000:7'), ['rt 4200000000:7', '0202fa56ea000007'], 'four-octet AS: type 0x02');
  t.strictSame(e('RT 65000:1'), ['rt 65000:1', '0002fde800000001']);
  t.strictSame(e('0x0002FDE800000001'), ['rt 65000:1', '0002fde800000001'], 'hex of a named kind prints by name');
  t.strictSame(e('0x4002fde800000001'), ['0x4002fde800000001', '4002fde800000001'], 'non-transitive stays hex');
  t.strictSame(e('rt 65000:*'), ['rt 65000:*', undefined]);
  t.strictSame(e('soo *:*'), ['soo *:*', undefined]);
  t.strictSame(e('*'), ['*', undefined]);
  t.match(e('rt 65000:*', false)[0], /wildcard/);
  t.match(e('rt 4200000000:65536')[0], /4-octet AS/);
  t.match(e('soo 192.0.2.1:65536')[0], /IPv4 administrator/);
  t.match(e('xx 1:1')[0], /unknown type "xx"/);
  t.equal(formatExtHex('0202000000010001'), '0x0202000000010001', 'a four-octet AS that fits two octets would not read back: hex');
  t.end();
});

t.test('CommunityMatcher', (t) => {
  const m = new CommunityMatcher(['65000:1', '*:666'], ['1:*:3'], ['rt 65000:*']);
  t.ok(m.anyStandard([1, 65000 * 65536 + 1]));
  t.ok(m.anyStandard([7 * 65536 + 666]));
  t.notOk(m.anyStandard([65000 * 65536 + 2]));
  t.notOk(m.anyStandard(undefined));
  t.ok(m.anyLarge([[1, 2, 3]]));
  t.notOk(m.anyLarge([[1, 2, 4]]));
  t.ok(m.anyExt(['0002fde800000009']));
  t.notOk(m.anyExt(['0003fde800000009']));
  t.notOk(new CommunityMatcher([], [], []).anyStandard([1]));
  t.ok(new CommunityMatcher([], [], []).empty);
  t.end();
});
