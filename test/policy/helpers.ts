/**
 * Shared by the policy tests: a PolicyConfig from bgpd.toml text (through the real loader, so the
 * tests also pin what each TOML form compiles to), prefix keys from text, and small attribute sets.
 */

import { formatConfigError } from '../../src/config/errors';
import { loadConfigText } from '../../src/config/load';
import type { PolicyConfig } from '../../src/config/types';
import { compilePolicy } from '../../src/policy/engine';
import type { PeerPolicy, Policy, PolicyPeer } from '../../src/policy/types';
import { parseKey, type PrefixKey } from '../../src/rib/prefix-key';
import type { PathAttributes } from '../../src/wire/attributes/types';
import { AsPathSegmentType, IPV4_UNICAST, IPV6_UNICAST, type FamilyKey } from '../../src/wire/iana';

export const LOCAL_AS = 64496;

/** Neighbours every test config has: two eBGP transits in a group, one eBGP peer, one iBGP. */
export const HEAD = `[global]
local-as = ${LOCAL_AS}
router-id = "192.0.2.11"

[[group]]
name = "transit"
remote-as = 64500

[[neighbor]]
address = "203.0.113.1"
group = "transit"

[[neighbor]]
address = "2001:db8:ffff::1"
group = "transit"

[[neighbor]]
address = "198.51.100.7"
remote-as = 64510

[[neighbor]]
address = "192.0.2.12"
remote-as = ${LOCAL_AS}
`;

export const TRANSIT: PolicyPeer = { address: '203.0.113.1', remoteAs: 64500, group: 'transit', ebgp: true, localAs: LOCAL_AS };
export const TRANSIT6: PolicyPeer = { address: '2001:DB8:FFFF::1', remoteAs: 64500, group: 'transit', ebgp: true, localAs: LOCAL_AS };
export const PEER: PolicyPeer = { address: '198.51.100.7', remoteAs: 64510, ebgp: true, localAs: LOCAL_AS };
export const IBGP: PolicyPeer = { address: '192.0.2.12', remoteAs: LOCAL_AS, ebgp: false, localAs: LOCAL_AS };

export function policyConfig(toml: string): PolicyConfig {
  const r = loadConfigText(HEAD + toml, 'test.toml');
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config.policy;
}

export function policy(toml: string): Policy {
  return compilePolicy(policyConfig(toml));
}

/** `[[filter]]` tables from short specs: each a block of TOML lines. */
export function filters(...rules: string[]): string {
  return rules.map((r) => `\n[[filter]]\n${r.trim()}\n`).join('');
}

export function key(text: string): PrefixKey {
  const k = parseKey(text);
  if (k === null) throw new Error(`not a prefix: ${text}`);
  return k;
}

export function familyOf(text: string): FamilyKey {
  return text.includes(':') ? IPV6_UNICAST : IPV4_UNICAST;
}

/** A route's attributes: path left to right, next hop of the prefix's family. */
export function attrs(path: number[] = [64500, 64501], extra: Partial<PathAttributes> = {}): PathAttributes {
  return { origin: 0, asPath: path.length ? [{ type: AsPathSegmentType.AS_SEQUENCE, asns: path }] : [], nextHop: '203.0.113.1', ...extra };
}

/** evaluate() with the family taken from the prefix text. */
export function run(p: PeerPolicy, prefix: string, a: PathAttributes = attrs()): PathAttributes | null {
  return p.evaluate(familyOf(prefix), key(prefix), a);
}

export const allowed = (p: PeerPolicy, prefix: string, a?: PathAttributes): boolean => run(p, prefix, a) !== null;
