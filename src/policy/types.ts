/**
 * The policy engine's interface: what the route engine asks of it per neighbour and direction.
 * The compiled configuration it works from (PolicyConfig and the rule types) is defined with the
 * rest of the configuration in config/types.ts and re-exported here.
 */

import type { PrefixKey } from '../rib/prefix-key';
import type { PathAttributes } from '../wire/attributes/types';
import type { FamilyKey } from '../wire/iana';

export type {
  AsOperand,
  AsSetConfig,
  CommunitySetConfig,
  FilterRuleConfig,
  FilterSetConfig,
  LengthQualifier,
  PeerSelector,
  PolicyConfig,
  PrefixItem,
  PrefixSetConfig,
  ValueChange,
} from '../config/types';

/** in = the `from` rules (import), out = the `to` rules (export). */
export type Direction = 'in' | 'out';

export interface PolicyPeer {
  address: string;
  remoteAs: number;
  group?: string;
  ebgp: boolean;
  localAs: number;
}

export interface Policy {
  forPeer(dir: Direction, peer: PolicyPeer): PeerPolicy;
  /** The same as the function nextHopAction (a method too, for callers that hold only the policy). */
  nextHopAction(result: PathAttributes): string | undefined;
}

export interface PeerPolicy {
  /** No rule applies and the default is allow: callers may skip evaluate entirely. */
  readonly passAll: boolean;
  /**
   * Some applicable rule looks at the prefix (prefix, prefix-set, prefixlen, family). If false the
   * verdict depends on the attributes only and callers cache it per attribute set.
   */
  readonly prefixDependent: boolean;
  /**
   * null = deny; the same `attrs` object when allowed unchanged; else a new object with the set
   * actions applied. The same input object and the same applied actions give the same result
   * object. The input is never mutated.
   */
  evaluate(family: FamilyKey, key: PrefixKey, attrs: PathAttributes): PathAttributes | null;
}

export { compilePolicy, nextHopAction } from './engine';
