/**
 * Every wire fixture: decode equals the expected JSON, encode gives back the same bytes, and framing
 * the bytes split at every offset yields the same messages (or the same error).
 */

import t, { Test } from 'tap';
import { BgpError } from '../../src/wire/errors';
import { Framer } from '../../src/wire/header';
import { decodeMessage, encodeMessage, messageToJSON, BgpMessage } from '../../src/wire/message';
import { maxMessageLength, CodecContext } from '../../src/wire/context';
import { loadWireFixtures, WireFixture } from '../helpers/fixtures';

interface Outcome {
  raws: Buffer[];
  messages: BgpMessage[];
  error?: { code: number; subcode: number; data: string };
}

/** Frame and decode a byte stream delivered as the given chunks. */
function run(chunks: Buffer[], ctx: CodecContext): Outcome {
  const framer = new Framer(maxMessageLength(ctx));
  const out: Outcome = { raws: [], messages: [] };
  try {
    for (const c of chunks) {
      framer.push(c);
      for (let f = framer.next(); f; f = framer.next()) {
        out.raws.push(Buffer.from(f.raw));
        out.messages.push(decodeMessage(f, ctx));
      }
    }
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    out.error = { code: e.code, subcode: e.subcode, data: e.data.toString('hex') };
  }
  return out;
}

const fixtures = loadWireFixtures();
t.ok(fixtures.length > 0, 'fixtures found');

function hasProblems(m: unknown): boolean {
  return typeof m === 'object' && m !== null && Array.isArray((m as { problems?: unknown[] }).problems) && (m as { problems: unknown[] }).problems.length > 0;
}

for (const fx of fixtures) {
  t.test(fx.name, (t) => checkFixture(t, fx));
}

function checkFixture(t: Test, fx: WireFixture): void {
  if (fx.todoMessages) {
    t.fail(`${fx.name}: expected decoded form not written yet ("todo-messages")`);
    t.end();
    return;
  }
  const whole = run([fx.bytes], fx.context);
  const json = whole.messages.map(messageToJSON);
  t.same(json, fx.messages ?? [], 'decoded messages equal the JSON');
  t.same(whole.error, fx.error, fx.error ? 'the expected NOTIFICATION' : 'no error');
  t.equal(json.length, (fx.messages ?? []).length, 'message count');

  const roundtrip = fx.roundtrip ?? (fx.error === undefined && !json.some(hasProblems));
  if (roundtrip) {
    whole.messages.forEach((m, i) => {
      const enc = encodeMessage(m, fx.context);
      t.equal(enc.toString('hex'), whole.raws[i]!.toString('hex'), `message ${i} re-encodes to the same bytes`);
    });
  }

  let splitMismatch = 0;
  for (let k = 1; k < fx.bytes.length; k++) {
    const split = run([fx.bytes.subarray(0, k), fx.bytes.subarray(k)], fx.context);
    const same =
      split.raws.length === whole.raws.length &&
      split.raws.every((r, i) => r.equals(whole.raws[i]!)) &&
      JSON.stringify(split.messages.map(messageToJSON)) === JSON.stringify(json) &&
      JSON.stringify(split.error) === JSON.stringify(whole.error);
    if (!same) splitMismatch++;
  }
  t.equal(splitMismatch, 0, `framing split at each of ${fx.bytes.length - 1} offsets gives the same result`);
  t.end();
}
