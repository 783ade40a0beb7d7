/**
 * Helpers for session tests on loopback: a hand-driven BGP speaker (a plain TCP server that sends
 * what the test tells it to, with the codec of src/wire), a free port, bounded waits, and a Logger
 * that records its calls.
 */

import net from 'node:net';
import type { Logger } from '../../src/log';
import type { PeerConfig } from '../../src/session/peer';
import type { Capability } from '../../src/wire/capabilities/types';
import { defaultContext } from '../../src/wire/context';
import { Afi, AsPathSegmentType, Origin, Safi } from '../../src/wire/iana';
import { encodeMessage } from '../../src/wire/message';
import type { OpenMessage } from '../../src/wire/open';
import { buildUpdate } from '../../src/wire/update';
import { freePort, waitUntil as waitFor } from '../helpers/net';
export { freePort, waitFor };



export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Our side of a session with a fake peer on 127.0.0.1: AS 65001 to the fake's AS 65002, hold time
 * 3 s, no families or optional capabilities, and an IdleHold long enough that a session that went
 * down stays down while the test looks at why.
 */
export function fakePeerConfig(port: number, over: Partial<PeerConfig> = {}): PeerConfig {
  return {
    name: 'fake',
    remoteAddress: '127.0.0.1',
    remotePort: port,
    remoteAs: 65002,
    localAs: 65001,
    routerId: '10.0.0.1',
    passive: false,
    holdTime: 3,
    connectRetry: 1,
    families: [],
    routeRefresh: false,
    enhancedRouteRefresh: false,
    extendedMessage: false,
    idleHold: { initial: 60, max: 60, stablePeriod: 300 },
    ...over,
  };
}

export interface LogCall {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg?: string;
}

/** A Logger that keeps every call (child bindings merged into obj), for assertions on log lines. */
export function recordingLogger(calls: LogCall[] = [], bindings: Record<string, unknown> = {}): Logger & { calls: LogCall[] } {
  const at =
    (level: LogCall['level']) =>
    (obj: object, msg?: string): void => {
      calls.push({ level, obj: { ...bindings, ...(obj as Record<string, unknown>) }, ...(msg !== undefined ? { msg } : {}) });
    };
  return {
    calls,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (b: object) => recordingLogger(calls, { ...bindings, ...(b as Record<string, unknown>) }),
  };
}

export interface FakeOpenOptions {
  as: number;
  bgpId: string;
  holdTime: number;
  extra?: Capability[];
}

/** An encoded OPEN for IPv4 unicast with a 4-octet AS capability. */
export function fakeOpen(o: FakeOpenOptions): Buffer {
  const open: OpenMessage = {
    type: 'open',
    version: 4,
    myAs: o.as > 0xffff ? 23456 : o.as,
    holdTime: o.holdTime,
    bgpId: o.bgpId,
    capabilities: [{ kind: 'multiprotocol', afi: Afi.IPV4, safi: Safi.UNICAST }, { kind: 'four-octet-as', asn: o.as }, ...(o.extra ?? [])],
  };
  return encodeMessage(open, defaultContext());
}

/**
 * A valid IPv4 UPDATE of just under 4096 bytes: `count` /24s from 10.0.0.0 on, one AS in the path.
 * Encoded for a 4-octet AS session without ADD-PATH.
 */
export function bigUpdate(asn: number, nextHop: string, count = 1000): Buffer {
  const nlri: string[] = [];
  for (let i = 0; i < count; i++) nlri.push(`10.${(i >> 8) & 0xff}.${i & 0xff}.0/24`);
  const msg = buildUpdate({
    attributes: { origin: Origin.IGP, asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn] }], nextHop },
    nlri,
  });
  return encodeMessage(msg, defaultContext());
}

/**
 * A TCP server on a loopback address that hands each accepted socket to the test; everything it
 * accepted is destroyed by close().
 */
export class FakeServer {
  readonly sockets: net.Socket[] = [];
  private readonly server: net.Server;
  private waiters: ((s: net.Socket) => void)[] = [];

  private constructor(
    readonly host: string,
    onSocket: (s: net.Socket) => void,
  ) {
    this.server = net.createServer((s) => {
      this.sockets.push(s);
      s.on('error', () => {}); // resets are expected when the other side gives up
      onSocket(s);
      for (const w of this.waiters.splice(0)) w(s);
    });
  }

  static async listen(host: string, onSocket: (s: net.Socket) => void): Promise<FakeServer> {
    const f = new FakeServer(host, onSocket);
    await new Promise<void>((resolve, reject) => {
      f.server.once('error', reject);
      f.server.listen(0, host, () => resolve());
    });
    return f;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The next accepted socket (or the first one, if already there), within `ms`. */
  accepted(ms: number): Promise<net.Socket> {
    if (this.sockets.length > 0) return Promise.resolve(this.sockets[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms);
      this.waiters.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
