/**
 * Prefix matching for filters: a set of entries (prefix, accepted lengths; see PrefixItem) compiled
 * into one binary trie per family over the address bits. A candidate prefix of length L walks at
 * most L bits from the root, testing the length ranges stored at each node it passes (an entry sits
 * at the depth of its own length); the walk ends where the trie has no branch, which for a bogon
 * list and a real route is after a handful of bits. No per-lookup allocation: IPv4 keys are read
 * as numbers, IPv6 keys as the characters of their latin1 string (rib/prefix-key.ts).
 */

import type { PrefixItem } from '../config/types';
import type { PrefixKey } from '../rib/prefix-key';
import { ipv4FromString, ipv6FromString } from '../wire/addr';
import { IPV4_UNICAST } from '../wire/iana';

interface Node {
  zero: Node | null;
  one: Node | null;
  /** Accepted lengths of the entries ending here, as flat [min, max, min, max, ...]; null: none. */
  ranges: number[] | null;
}

const newNode = (): Node => ({ zero: null, one: null, ranges: null });

export class PrefixMatcher {
  private v4: Node | null = null;
  private v6: Node | null = null;
  readonly size: number;

  constructor(items: readonly PrefixItem[]) {
    for (const item of items) this.add(item);
    this.size = items.length;
  }

  private add(item: PrefixItem): void {
    if (item.min > item.max) return; // accepts nothing
    const addrText = item.prefix.slice(0, item.prefix.indexOf('/'));
    let node: Node;
    if (item.family === IPV4_UNICAST) {
      const addr = ipv4FromString(addrText);
      if (addr === null) throw new Error(`bad IPv4 prefix ${item.prefix}`);
      node = this.v4 ??= newNode();
      for (let d = 0; d < item.length; d++) node = step(node, (addr >>> (31 - d)) & 1);
    } else {
      const bytes = ipv6FromString(addrText);
      if (bytes === null) throw new Error(`bad IPv6 prefix ${item.prefix}`);
      node = this.v6 ??= newNode();
      for (let d = 0; d < item.length; d++) node = step(node, (bytes[d >> 3]! >> (7 - (d & 7))) & 1);
    }
    (node.ranges ??= []).push(item.min, item.max);
  }

  /** Some entry accepts `key`. */
  match(key: PrefixKey): boolean {
    if (typeof key === 'number') {
      let node = this.v4;
      if (node === null) return false;
      const len = key % 64;
      const addr = (key - len) / 64;
      for (let d = 0; ; d++) {
        if (node.ranges !== null && inRanges(node.ranges, len)) return true;
        if (d === len) return false;
        node = ((addr >>> (31 - d)) & 1) === 1 ? node.one : node.zero;
        if (node === null) return false;
      }
    }
    let node = this.v6;
    if (node === null) return false;
    const len = key.charCodeAt(16);
    for (let d = 0; ; d++) {
      if (node.ranges !== null && inRanges(node.ranges, len)) return true;
      if (d === len) return false;
      node = ((key.charCodeAt(d >> 3) >> (7 - (d & 7))) & 1) === 1 ? node.one : node.zero;
      if (node === null) return false;
    }
  }
}

function step(node: Node, bit: number): Node {
  if (bit === 1) return (node.one ??= newNode());
  return (node.zero ??= newNode());
}

function inRanges(r: number[], len: number): boolean {
  for (let i = 0; i < r.length; i += 2) if (len >= r[i]! && len <= r[i + 1]!) return true;
  return false;
}

/** The bits of a family's addresses. */
export function familyBits(family: number): number {
  return family === IPV4_UNICAST ? 32 : 128;
}
