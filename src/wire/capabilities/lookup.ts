/**
 * Typed look-ups in a capability list (RFC 5492 sec. 4).
 *
 * RFC 5492 lets a speaker send a capability more than once and leaves the meaning to each
 * capability. Multiprotocol and ADD-PATH instances add up (one family each, or lists of families);
 * for the single-valued ones (4-octet AS, Graceful Restart, Role, FQDN) this codebase lets the last
 * instance win, as BIRD does for Graceful Restart. Role is the exception that the session checks
 * explicitly: RFC 9234 sec. 4.2 makes differing Role instances an error (see open-check.ts).
 */

import type { Capability, CapabilityKind, CapabilityOfKind } from './types';

export function capabilitiesOfKind<K extends CapabilityKind>(caps: readonly Capability[], kind: K): CapabilityOfKind<K>[] {
  return caps.filter((c): c is CapabilityOfKind<K> => c.kind === kind);
}

/** The last instance of a capability, or undefined. */
export function lastCapability<K extends CapabilityKind>(caps: readonly Capability[], kind: K): CapabilityOfKind<K> | undefined {
  for (let i = caps.length - 1; i >= 0; i--) {
    const c = caps[i]!;
    if (c.kind === kind) return c as CapabilityOfKind<K>;
  }
  return undefined;
}

export function hasCapability(caps: readonly Capability[], kind: CapabilityKind): boolean {
  return caps.some((c) => c.kind === kind);
}
