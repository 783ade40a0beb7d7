/** KEEPALIVE (RFC 4271 sec. 4.4): a bare header, so one precomputed buffer serves every send. */
import { HEADER_LENGTH, MARKER_LENGTH, MessageType } from './iana';

export interface KeepaliveMessage {
  type: 'keepalive';
}

export const KEEPALIVE: Buffer = (() => {
  const b = Buffer.alloc(HEADER_LENGTH, 0xff);
  b.writeUInt16BE(HEADER_LENGTH, MARKER_LENGTH);
  b[MARKER_LENGTH + 2] = MessageType.KEEPALIVE;
  return b;
})();
