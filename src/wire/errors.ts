/**
 * The codec's error types.
 *
 * - ReadOverrun is internal: the bounded Reader throws it when a field would run past its end. Every
 *   decoder catches it at a boundary where it knows which NOTIFICATION the RFC prescribes and turns it
 *   into a BgpError; it must never escape the wire module.
 * - BgpError is the only thing a decoder throws. It carries exactly the NOTIFICATION (code, subcode,
 *   data) that the session must send before closing (RFC 4271 sec. 6).
 */

import { ErrorCode } from './iana';

export class ReadOverrun extends Error {
  constructor(
    readonly at: number,
    readonly wanted: number,
    readonly end: number,
  ) {
    super(`read of ${wanted} bytes at offset ${at} runs past end ${end}`);
    this.name = 'ReadOverrun';
  }
}

export class BgpError extends Error {
  readonly data: Buffer;
  constructor(
    readonly code: number,
    readonly subcode: number,
    data: Uint8Array = Buffer.alloc(0),
    reason?: string,
  ) {
    super(reason ?? `${errorName(code, subcode)}`);
    this.name = 'BgpError';
    this.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
}

const CODE_NAMES: Record<number, string> = {
  [ErrorCode.MESSAGE_HEADER]: 'message-header-error',
  [ErrorCode.OPEN_MESSAGE]: 'open-message-error',
  [ErrorCode.UPDATE_MESSAGE]: 'update-message-error',
  [ErrorCode.HOLD_TIMER_EXPIRED]: 'hold-timer-expired',
  [ErrorCode.FSM]: 'fsm-error',
  [ErrorCode.CEASE]: 'cease',
  [ErrorCode.ROUTE_REFRESH]: 'route-refresh-message-error',
  [ErrorCode.SEND_HOLD_TIMER_EXPIRED]: 'send-hold-timer-expired',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  [ErrorCode.MESSAGE_HEADER]: {
    1: 'connection-not-synchronized',
    2: 'bad-message-length',
    3: 'bad-message-type',
  },
  [ErrorCode.OPEN_MESSAGE]: {
    1: 'unsupported-version-number',
    2: 'bad-peer-as',
    3: 'bad-bgp-identifier',
    4: 'unsupported-optional-parameter',
    6: 'unacceptable-hold-time',
    7: 'unsupported-capability',
    11: 'role-mismatch',
  },
  [ErrorCode.UPDATE_MESSAGE]: {
    1: 'malformed-attribute-list',
    2: 'unrecognized-well-known-attribute',
    3: 'missing-well-known-attribute',
    4: 'attribute-flags-error',
    5: 'attribute-length-error',
    6: 'invalid-origin-attribute',
    8: 'invalid-next-hop-attribute',
    9: 'optional-attribute-error',
    10: 'invalid-network-field',
    11: 'malformed-as-path',
  },
  [ErrorCode.FSM]: {
    0: 'unspecified',
    1: 'unexpected-message-in-opensent',
    2: 'unexpected-message-in-openconfirm',
    3: 'unexpected-message-in-established',
  },
  [ErrorCode.CEASE]: {
    1: 'maximum-prefixes-reached',
    2: 'administrative-shutdown',
    3: 'peer-deconfigured',
    4: 'administrative-reset',
    5: 'connection-rejected',
    6: 'other-configuration-change',
    7: 'connection-collision-resolution',
    8: 'out-of-resources',
    9: 'hard-reset',
    10: 'bfd-down',
  },
  [ErrorCode.ROUTE_REFRESH]: { 1: 'invalid-message-length' },
};

/** A readable name such as `cease/administrative-shutdown` (used in logs and `show neighbor`). */
export function errorName(code: number, subcode: number): string {
  const c = CODE_NAMES[code] ?? `code-${code}`;
  const s = SUBCODE_NAMES[code]?.[subcode] ?? (subcode === 0 ? 'unspecific' : `subcode-${subcode}`);
  return `${c}/${s}`;
}
