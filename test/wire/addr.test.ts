/**
 * Address text <-> bytes: the strict dotted-quad parser, and the remembered conversions the codec
 * uses for next hops (they must answer exactly as the plain ones, whatever the order of calls).
 */

import t from 'tap';
import { ipv4FromString, ipv4ToString, ipv6BytesShared, ipv6FromString, ipv6ToString, ipv6ToStringRepeated } from '../../src/wire/addr';

/** The rule as written in the module comment: four decimal octets 0-255, no leading zeros. */
function reference(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

t.test('dotted quads: what is accepted and what is not', (t) => {
  t.equal(ipv4FromString('192.0.2.1'), 0xc0000201);
  t.equal(ipv4FromString('0.0.0.0'), 0);
  t.equal(ipv4FromString('255.255.255.255'), 0xffffffff);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '1.2.3.', '.1.2.3', '1..2.3', '01.2.3.4', '1.2.3.256', '1.2.3.1000', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.a', '1.2.3.-4', '1.2.3.+4', '1:2:3:4', '1.2.3.4/24', '0x1.2.3.4']) {
    t.equal(ipv4FromString(bad), null, JSON.stringify(bad));
  }
  t.end();
});

t.test('dotted quads: the parser agrees with the rule on random strings', (t) => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const pick = (chars: string) => chars[Math.floor(rand() * chars.length)]!;
  let accepted = 0;
  for (let i = 0; i < 50000; i++) {
    // Three to five runs of up to four digits between dots, now and then a stray character.
    const parts: string[] = [];
    const n = 3 + Math.floor(rand() * 3);
    for (let j = 0; j < n; j++) {
      let d = '';
      const len = Math.floor(rand() * 5);
      for (let k = 0; k < len; k++) d += pick('0123456789252');
      parts.push(d);
    }
    let s = parts.join('.');
    if (rand() < 0.1) {
      const at = Math.floor(rand() * (s.length + 1));
      s = s.slice(0, at) + pick(' a-+:.x') + s.slice(at);
    }
    const want = reference(s);
    if (want !== null) accepted++;
    if (ipv4FromString(s) !== want) t.fail(`${JSON.stringify(s)}: ${ipv4FromString(s)}, expected ${want}`);
  }
  for (let i = 0; i < 2000; i++) {
    const n = Math.floor(rand() * 4294967296);
    if (ipv4FromString(ipv4ToString(n)) !== n) t.fail(`round trip of ${n}`);
  }
  t.ok(accepted > 200, `the random strings include valid addresses (${accepted})`);
  t.end();
});

t.test('remembered IPv6 conversions answer as the plain ones', (t) => {
  const texts = ['2001:db8::1', 'fe80::1', '2001:db8::1', '::', 'not an address', '2001:db8:0:0:1::', '::ffff:192.0.2.1', '2001:db8::1'];
  for (const s of texts) t.same(ipv6BytesShared(s), ipv6FromString(s), s);
  const buf = Buffer.alloc(48);
  ipv6FromString('2001:db8::1')!.copy(buf, 0);
  ipv6FromString('2001:db8::1')!.copy(buf, 16);
  ipv6FromString('2001:db8::2')!.copy(buf, 32);
  for (const off of [0, 16, 32, 32, 0, 16]) t.equal(ipv6ToStringRepeated(buf, off), ipv6ToString(buf, off), `offset ${off}`);
  t.equal(ipv6ToStringRepeated(buf, 0), '2001:db8::1');
  buf[15] = 9; // the bytes it last formatted, changed in place
  t.equal(ipv6ToStringRepeated(buf, 0), '2001:db8::9', 'a changed buffer is formatted again');
  t.end();
});
