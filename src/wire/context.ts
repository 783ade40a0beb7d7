/**
 * What a session negotiated that changes how bytes are read or written (one context per direction).
 *
 * - as4: both sides sent the 4-octet AS capability (RFC 6793): AS_PATH and AGGREGATOR carry 4-octet
 *   ASNs and AS4_PATH / AS4_AGGREGATOR are not used.
 * - extendedMessage: both sides sent Extended Message (RFC 8654): messages up to 65535 bytes.
 * - addPath: the families whose NLRI carry a 4-byte Path Identifier in this direction (RFC 7911):
 *   for decoding, those where we said "receive" and the peer said "send"; for encoding the reverse.
 */

import { FamilyKey, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './iana';

export interface CodecContext {
  readonly as4: boolean;
  readonly extendedMessage: boolean;
  readonly addPath: ReadonlySet<FamilyKey>;
  /**
   * Decoding only: the peer is external (eBGP, not a confederation member), so LOCAL_PREF,
   * ORIGINATOR_ID and CLUSTER_LIST from it are discarded (RFC 7606 sec. 7.5, 7.9, 7.10).
   */
  readonly peerExternal?: boolean;
}

export type DecodeContext = CodecContext;
export type EncodeContext = CodecContext;

const NO_FAMILIES: ReadonlySet<FamilyKey> = new Set();

/** Before OPENs are exchanged: 4096-byte messages, no ADD-PATH; AS width as the caller says. */
export function defaultContext(as4 = true): CodecContext {
  return { as4, extendedMessage: false, addPath: NO_FAMILIES };
}

export function makeContext(opts: Partial<CodecContext>): CodecContext {
  return {
    as4: opts.as4 ?? true,
    extendedMessage: opts.extendedMessage ?? false,
    addPath: opts.addPath ?? NO_FAMILIES,
  };
}

export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}
