/**
 * One entry point for the three peer daemons, plus the waits every interop test makes on them.
 */

import type { PeerKind } from '../availability';
import { waitFor } from '../wait';
import { startBird } from './bird';
import { startGobgp } from './gobgp';
import { startOpenbgpd } from './openbgpd';
import type { AddressFamily, PeerDaemon, ReceivedRoute, StartPeerOptions } from './types';

export function startPeer(kind: PeerKind, opts: StartPeerOptions): Promise<PeerDaemon> {
  switch (kind) {
    case 'bird':
      return startBird(opts);
    case 'gobgp':
      return startGobgp(opts);
    case 'openbgpd':
      return startOpenbgpd(opts);
  }
}

/** Wait until `peer` reports the session with `neighbor` Established. */
export async function waitForEstablished(peer: PeerDaemon, neighbor: string, timeoutMs: number): Promise<void> {
  await waitFor(() => peer.isEstablished(neighbor), {
    timeoutMs,
    intervalMs: 250,
    what: `${peer.kind} in ${peer.netns}: session with ${neighbor} Established`,
  });
}

/** Wait until `peer` has received at least `expected` from `neighbor`; returns all it has. */
export async function waitForPrefixes(
  peer: PeerDaemon,
  neighbor: string,
  expected: readonly string[],
  timeoutMs: number,
  family?: AddressFamily,
): Promise<string[]> {
  const want = expected.map((p) => p.toLowerCase());
  return waitFor(
    async () => {
      const got = await peer.receivedPrefixes(neighbor, family);
      return want.every((p) => got.includes(p)) ? got : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `${peer.kind} in ${peer.netns}: ${want.join(', ')} from ${neighbor}` },
  );
}

/** Like waitForPrefixes, for paths with their attributes (PeerDaemon.receivedRoutes). */
export async function waitForRoutes(
  peer: PeerDaemon,
  neighbor: string,
  expected: readonly string[],
  timeoutMs: number,
  family?: AddressFamily,
): Promise<ReceivedRoute[]> {
  const want = expected.map((p) => p.toLowerCase());
  return waitFor(
    async () => {
      const got = await peer.receivedRoutes(neighbor, family);
      return want.every((p) => got.some((r) => r.prefix === p)) ? got : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `${peer.kind} in ${peer.netns}: paths for ${want.join(', ')} from ${neighbor}` },
  );
}

/** Wait until `peer` no longer reports the session with `neighbor` Established. */
export async function waitForNotEstablished(peer: PeerDaemon, neighbor: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => !(await peer.isEstablished(neighbor)), {
    timeoutMs,
    intervalMs: 250,
    what: `${peer.kind} in ${peer.netns}: session with ${neighbor} down`,
  });
}

export * from './types';
export { startBird, writeBirdConfig, birdProtocolName, parseBirdRouteDetails } from './bird';
export { startGobgp, writeGobgpConfig, gobgpRouteArgs, parseGobgpRibDetails } from './gobgp';
export { startOpenbgpd, writeOpenbgpdConfig, parseBgpctlRibDetails } from './openbgpd';
