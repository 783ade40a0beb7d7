/**
 * Networks added at run time (`tsbgpctl network add`), beside the configured ones. They live as long
 * as the daemon: a reload keeps them (the daemon originates merge(configured networks)), a restart
 * forgets them, as with bgpctl. A prefix that is configured cannot be added or deleted here: the
 * configuration owns it, and if a reload brings a prefix into the configuration that was added at
 * run time, the configured one is announced (merge puts configuration first).
 */

import type { NetworkConfig } from '../config/types';
import { formatKey, parseKey } from '../rib/prefix-key';

export class RuntimeNetworks {
  private readonly byPrefix = new Map<string, NetworkConfig>();

  /** In the order they were added. */
  list(): NetworkConfig[] {
    return [...this.byPrefix.values()];
  }

  get size(): number {
    return this.byPrefix.size;
  }

  has(prefix: string): boolean {
    return this.byPrefix.has(canonical(prefix));
  }

  /** Add or replace; returns the canonical prefix. */
  add(n: NetworkConfig): string {
    const p = canonical(n.prefix);
    this.byPrefix.set(p, { ...n, prefix: p });
    return p;
  }

  delete(prefix: string): boolean {
    return this.byPrefix.delete(canonical(prefix));
  }

  /** Remove all; returns how many there were. */
  flush(): number {
    const n = this.byPrefix.size;
    this.byPrefix.clear();
    return n;
  }

  /** What to originate: the configured networks, then the runtime ones they do not cover. */
  merge(configured: readonly NetworkConfig[]): NetworkConfig[] {
    const taken = new Set(configured.map((n) => canonical(n.prefix)));
    return [...configured, ...this.list().filter((n) => !taken.has(n.prefix))];
  }
}

/** The prefix in the RIB's spelling (`2001:db8::/48`, never `2001:0db8::/48`). */
export function canonical(prefix: string): string {
  const k = parseKey(prefix);
  return k === null ? prefix : formatKey(k);
}
