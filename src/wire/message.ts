/**
 * Messages as a tagged union, and the one place that dispatches decode/encode by type.
 *
 * decodeMessage() throws only BgpError (carrying the NOTIFICATION to send); any other exception
 * escaping a body decoder is a bug in this codec, and is reported as such rather than crashing the
 * caller with a TypeError from deep inside.
 */

import type { CodecContext } from './context';
import { maxMessageLength } from './context';
import { BgpError, ReadOverrun } from './errors';
import type { Frame } from './header';
import { ErrorCode, HeaderSubcode, MessageType } from './iana';
import { KEEPALIVE, KeepaliveMessage } from './keepalive';
import { NlriList } from './nlri';
import { decodeNotification, encodeNotification, NotificationMessage } from './notification';
import { decodeOpen, encodeOpen, OpenMessage } from './open';
import { decodeRouteRefresh, encodeRouteRefresh, RouteRefreshMessage } from './route-refresh';
import { decodeUpdate, encodeUpdate, UpdateMessage } from './update';
import { Writer } from './writer';

const EXTERNAL = { peerIsExternal: true } as const;

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

export class CodecBug extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'CodecBug';
  }
}

export function decodeMessage(frame: Frame, ctx: CodecContext): BgpMessage {
  try {
    switch (frame.type) {
      case MessageType.OPEN:
        return decodeOpen(frame.body, ctx);
      case MessageType.UPDATE:
        return decodeUpdate(frame.body, ctx, ctx.peerExternal ? EXTERNAL : undefined);
      case MessageType.NOTIFICATION:
        return decodeNotification(frame.body, ctx);
      case MessageType.KEEPALIVE:
        return { type: 'keepalive' };
      case MessageType.ROUTE_REFRESH:
        return decodeRouteRefresh(frame.body, ctx, frame.raw);
      default:
        throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, Buffer.from([frame.type]));
    }
  } catch (e) {
    if (e instanceof BgpError) throw e;
    if (e instanceof ReadOverrun) {
      throw new CodecBug(`decoder for message type ${frame.type} let a read overrun escape`, e);
    }
    throw new CodecBug(`decoder for message type ${frame.type} failed: ${(e as Error).message}`, e);
  }
}

/** Encode one message to a fresh buffer (header included). */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext, w: Writer = new Writer()): Buffer {
  if (msg.type === 'keepalive') return KEEPALIVE;
  w.reset();
  switch (msg.type) {
    case 'open':
      w.startMessage(MessageType.OPEN);
      encodeOpen(w, msg, ctx);
      return w.finish(4096);
    case 'update':
      w.startMessage(MessageType.UPDATE);
      encodeUpdate(w, msg, ctx);
      return w.finish(maxMessageLength(ctx));
    case 'notification':
      w.startMessage(MessageType.NOTIFICATION);
      encodeNotification(w, msg, ctx);
      return w.finish(maxMessageLength(ctx));
    case 'route-refresh':
      w.startMessage(MessageType.ROUTE_REFRESH);
      encodeRouteRefresh(w, msg, ctx);
      return w.finish(maxMessageLength(ctx));
  }
}

/**
 * A JSON-ready view of a message: Buffers become lowercase hex, NLRI lists become prefix strings,
 * undefined fields disappear. Used by fixtures, `tsbgpctl monitor -j` and debug logs.
 */
export function messageToJSON(msg: BgpMessage): unknown {
  return toPlain(msg);
}

function toPlain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (v instanceof NlriList) return v.toJSON();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (Array.isArray(v)) return v.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (val === undefined) continue;
    out[k] = toPlain(val);
  }
  return out;
}
