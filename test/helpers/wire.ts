/**
 * Wire helpers for tests that drive the route engine directly.
 */

import { defaultContext } from '../../src/wire/context';
import { Framer } from '../../src/wire/header';
import { decodeMessage, encodeMessage } from '../../src/wire/message';
import type { UpdateMessage } from '../../src/wire/update';

/**
 * Encode and decode, as if the UPDATE came over a session (4-octet AS, no ADD-PATH): the engine
 * then sees what a session would hand it, the decoder's RFC 7606 outcome included.
 */
export function onWire(msg: UpdateMessage): UpdateMessage {
  const ctx = defaultContext();
  const f = new Framer();
  f.push(encodeMessage(msg, ctx));
  const frame = f.next();
  if (!frame) throw new Error('no frame');
  const out = decodeMessage(frame, ctx);
  if (out.type !== 'update') throw new Error(`decoded a ${out.type}`);
  return out;
}
