/**
 * AS_PATH segments (RFC 4271, RFC 5065, RFC 7606 sec. 7.2) and the 4-octet AS transition of
 * RFC 6793: reconstructing the real path from a 2-octet peer (sec. 4.2.3) and preparing one for it
 * (sec. 4.2.2).
 */

import t from 'tap';
import {
  asPathLength,
  effectiveAggregator,
  effectiveAsPath,
  parseAsPathSegments,
  withAs4ForOldSpeaker,
} from '../../../src/wire/attributes/as-path';
import type { AsPathSegment, PathAttributes } from '../../../src/wire/attributes/types';
import { makeContext } from '../../../src/wire/context';
import { AS_TRANS } from '../../../src/wire/iana';
import { encodeMessage } from '../../../src/wire/message';
import { buildUpdate, decodeUpdate } from '../../../src/wire/update';

const SET = 1;
const SEQ = 2;
const CSEQ = 3;
const CSET = 4;
const seg = (type: number, ...asns: number[]): AsPathSegment => ({ type, asns });
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('segment parsing: 2- and 4-octet ASNs, every segment type', (t) => {
  const wide = hex('0201 fa56ea01  0102 00000001 00000002  0301 0000fc58  0401 0000fc59');
  t.same(parseAsPathSegments(wide, 0, wide.length, true), [seg(SEQ, 4200000001), seg(SET, 1, 2), seg(CSEQ, 64600), seg(CSET, 64601)]);
  const narrow = hex('0203 fde9 5ba0 0001');
  t.same(parseAsPathSegments(narrow, 0, narrow.length, false), [seg(SEQ, 65001, AS_TRANS, 1)]);
  t.same(parseAsPathSegments(wide, 0, 0, true), [], 'an empty AS_PATH is valid');
  t.end();
});

t.test('segment parsing: each RFC 7606 sec. 7.2 malformation is reported', (t) => {
  const cases: [string, string][] = [
    ['unrecognized segment type', '0501 0000fde9'],
    ['segment type 0', '0001 0000fde9'],
    ['zero segment length', '0200'],
    ['overrun', '0202 0000fde9'],
    ['one byte left after the last segment', '0201 0000fde9 02'],
  ];
  for (const [name, h] of cases) {
    const b = hex(h);
    t.type(parseAsPathSegments(b, 0, b.length, true), 'string', name);
  }
  t.end();
});

t.test('path length: AS_SET counts one, confederation segments none', (t) => {
  t.equal(asPathLength([seg(SEQ, 1, 2, 3), seg(SET, 4, 5, 6), seg(CSEQ, 7, 8), seg(CSET, 9)]), 4);
  t.equal(asPathLength([]), 0);
  t.end();
});

t.test('effectiveAsPath: merging AS4_PATH from a 2-octet peer (RFC 6793 sec. 4.2.3)', (t) => {
  const attrs = (asPath: AsPathSegment[], as4Path?: AsPathSegment[], extra: PathAttributes = {}): PathAttributes => ({ asPath, as4Path, ...extra });

  t.same(effectiveAsPath(attrs([seg(SEQ, 65001, AS_TRANS, AS_TRANS)], [seg(SEQ, 4200000001, 4200000002)]), false), [seg(SEQ, 65001, 4200000001, 4200000002)], 'leading ASN taken from AS_PATH, the rest from AS4_PATH, one sequence');
  t.same(effectiveAsPath(attrs([seg(SEQ, AS_TRANS, 65002)], [seg(SEQ, 4200000001, 65002)]), false), [seg(SEQ, 4200000001, 65002)], 'equal counts: AS4_PATH whole');
  t.same(effectiveAsPath(attrs([seg(SEQ, 65001)], [seg(SEQ, 4200000001, 4200000002)]), false), [seg(SEQ, 65001)], 'AS4_PATH longer than AS_PATH: ignored');
  t.same(effectiveAsPath(attrs([seg(SEQ, 65001, AS_TRANS)], [seg(SEQ, 4200000001)]), true), [seg(SEQ, 65001, AS_TRANS)], '4-octet session: AS_PATH as is');
  t.same(effectiveAsPath(attrs([seg(SEQ, 65001)]), false), [seg(SEQ, 65001)], 'no AS4_PATH');
  t.same(effectiveAsPath({}, false), [], 'no AS_PATH at all');

  const aggregated = attrs([seg(SEQ, 65001, AS_TRANS)], [seg(SEQ, 4200000001)], {
    aggregator: { asn: 65010, address: '192.0.2.9' },
    as4Aggregator: { asn: 4200000009, address: '192.0.2.9' },
  });
  t.same(effectiveAsPath(aggregated, false), [seg(SEQ, 65001, AS_TRANS)], 'AGGREGATOR not AS_TRANS with AS4_AGGREGATOR: AS4_PATH ignored');
  t.same(effectiveAggregator(aggregated, false), { asn: 65010, address: '192.0.2.9' }, 'and AGGREGATOR used');
  const transAgg = { ...aggregated, aggregator: { asn: AS_TRANS, address: '192.0.2.9' } };
  t.same(effectiveAsPath(transAgg, false), [seg(SEQ, 65001, 4200000001)], 'AGGREGATOR AS_TRANS: AS4_PATH merged');
  t.same(effectiveAggregator(transAgg, false), { asn: 4200000009, address: '192.0.2.9' }, 'and AS4_AGGREGATOR used');
  t.same(effectiveAggregator(transAgg, true), transAgg.aggregator, '4-octet session: AGGREGATOR as is');

  t.same(
    effectiveAsPath(attrs([seg(CSEQ, 64600), seg(SEQ, 65001, AS_TRANS)], [seg(SEQ, 4200000001)]), false),
    [seg(CSEQ, 64600), seg(SEQ, 65001, 4200000001)],
    'a leading confederation segment is kept (counts zero)',
  );
  t.same(
    effectiveAsPath(attrs([seg(SEQ, 65001), seg(CSEQ, 64600), seg(SEQ, AS_TRANS)], [seg(SEQ, 4200000001)]), false),
    [seg(SEQ, 65001), seg(CSEQ, 64600), seg(SEQ, 4200000001)],
    'a confederation segment adjacent to a taken one is kept',
  );
  t.same(
    effectiveAsPath(attrs([seg(SET, 1, 2), seg(SEQ, AS_TRANS, 65002)], [seg(SEQ, 4200000001, 65002)]), false),
    [seg(SET, 1, 2), seg(SEQ, 4200000001, 65002)],
    'a leading AS_SET counts one and is taken whole',
  );
  t.same(
    effectiveAsPath(attrs([seg(SEQ, 65001, AS_TRANS)], [seg(CSEQ, 64600), seg(SEQ, 4200000001)]), false),
    [seg(SEQ, 65001, 4200000001)],
    'confederation segments in AS4_PATH are not used (RFC 6793 sec. 6)',
  );
  t.end();
});

t.test('withAs4ForOldSpeaker (RFC 6793 sec. 4.2.2)', (t) => {
  const mappable: PathAttributes = { asPath: [seg(SEQ, 65001, 65002)], aggregator: { asn: 65003, address: '192.0.2.9' } };
  t.equal(withAs4ForOldSpeaker(mappable), mappable, 'all mappable: nothing added, same object');

  const wide: PathAttributes = {
    asPath: [seg(CSEQ, 64600), seg(SEQ, 65001, 4200000001)],
    aggregator: { asn: 4200000009, address: '192.0.2.9' },
  };
  const out = withAs4ForOldSpeaker(wide);
  t.same(out.as4Path, [seg(SEQ, 65001, 4200000001)], 'AS4_PATH without confederation segments');
  t.same(out.as4Aggregator, wide.aggregator, 'AS4_AGGREGATOR for a non-mappable aggregator');
  t.equal(wide.as4Path, undefined, 'input untouched');

  // On the wire to a 2-octet peer: AS_TRANS in AS_PATH and AGGREGATOR, the truth in AS4_*.
  const old = makeContext({ as4: false });
  const msg = buildUpdate({ attributes: { ...out, origin: 0, nextHop: '192.0.2.1' }, nlri: ['198.51.100.0/24'] });
  const back = decodeUpdate(encodeMessage(msg, old).subarray(19), old);
  t.same(back.attributes.asPath, [seg(CSEQ, 64600), seg(SEQ, 65001, AS_TRANS)]);
  t.same(back.attributes.aggregator, { asn: AS_TRANS, address: '192.0.2.9' });
  t.same(effectiveAsPath(back.attributes, false), wide.asPath, 'the peer can rebuild the real path');
  t.same(effectiveAggregator(back.attributes, false), wide.aggregator);

  // To a 4-octet peer AS4_* never go out (RFC 6793 sec. 4.1).
  const as4 = makeContext({ as4: true });
  const toNew = decodeUpdate(encodeMessage(msg, as4).subarray(19), as4);
  t.equal(toNew.problems.length, 0, 'no AS4_PATH / AS4_AGGREGATOR sent between 4-octet speakers');
  t.same(toNew.attributes.asPath, wide.asPath);
  t.end();
});

t.test('long segments are split at 255 ASNs; empty segments are not written', (t) => {
  const asns = Array.from({ length: 300 }, (_, i) => 64512 + i);
  const ctx = makeContext({});
  const msg = buildUpdate({ attributes: { origin: 0, asPath: [seg(SEQ), seg(SEQ, ...asns)], nextHop: '192.0.2.1' }, nlri: ['10.0.0.0/8'] });
  const back = decodeUpdate(encodeMessage(msg, ctx).subarray(19), ctx);
  t.equal(back.problems.length, 0);
  t.same(back.attributes.asPath?.map((s) => s.asns.length), [255, 45]);
  t.same(back.attributes.asPath?.flatMap((s) => s.asns), asns);
  t.end();
});
