/**
 * Two throwaway network namespaces joined by a veth pair, for running BGP speakers against each
 * other without touching the host's network.
 *
 * Each side gets documentation-range addresses (RFC 5737 192.0.2.0/24, RFC 3849 2001:db8::/32),
 * which exist only inside these namespaces, plus its own loopback (up, so 127.0.0.1 can carry a
 * daemon's control API). The veth is created inside namespace A with its peer placed directly in
 * namespace B, so no interface ever appears in the host namespace. IPv6 duplicate address detection
 * is switched off and addresses are added `nodad`, then we still wait until no address is tentative:
 * a daemon that binds while its address is tentative gets EADDRNOTAVAIL.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { runCommand } from './run';
import { waitFor } from './wait';

export interface NetnsEnd {
  /** Namespace name, e.g. `tsbgp-1a2b3c-a`. */
  ns: string;
  /** The veth interface inside the namespace. */
  ifname: string;
  ipv4: string;
  ipv4PrefixLength: number;
  ipv6: string;
  ipv6PrefixLength: number;
}

export interface NetnsPair {
  a: NetnsEnd;
  b: NetnsEnd;
  /** Delete both namespaces (the veth goes with them). Safe to call twice. */
  remove(): Promise<void>;
}

export interface NetnsPairOptions {
  /** Namespace name prefix; a random tag and `-a` / `-b` are appended (default `tsbgp`). */
  prefix?: string;
  aIpv4?: string;
  bIpv4?: string;
  ipv4PrefixLength?: number;
  aIpv6?: string;
  bIpv6?: string;
  ipv6PrefixLength?: number;
  /** Interface name used on both sides (default `veth0`). */
  ifname?: string;
  /** Bound on setup (default 10 s). */
  timeoutMs?: number;
}

/** Namespace names must stay short: `ip` allows long names, but logs and prompts get unreadable. */
function namespaceNames(prefix: string): [string, string] {
  const tag = randomBytes(3).toString('hex');
  return [`${prefix}-${tag}-a`, `${prefix}-${tag}-b`];
}

async function ip(args: string[]): Promise<void> {
  await runCommand(['ip', ...args], { timeoutMs: 10_000 });
}

async function deleteNamespace(ns: string): Promise<void> {
  // A namespace that is already gone is not an error here: remove() must be idempotent.
  await runCommand(['ip', 'netns', 'del', ns], { timeoutMs: 10_000, allowFailure: true });
}

async function linkIsUp(ns: string, ifname: string): Promise<boolean> {
  const r = await runCommand(['ip', '-n', ns, '-j', 'link', 'show', 'dev', ifname], { timeoutMs: 5000 });
  const links = JSON.parse(r.stdout) as Array<{ operstate?: string; flags?: string[] }>;
  return links.some((l) => l.operstate === 'UP' && (l.flags ?? []).includes('LOWER_UP'));
}

async function hasTentativeAddress(ns: string, ifname: string): Promise<boolean> {
  const r = await runCommand(['ip', '-n', ns, '-6', '-j', 'addr', 'show', 'dev', ifname, 'tentative'], {
    timeoutMs: 5000,
  });
  const entries = JSON.parse(r.stdout || '[]') as Array<{ addr_info?: unknown[] }>;
  return entries.some((e) => (e.addr_info ?? []).length > 0);
}

/**
 * Create the namespace pair. On any failure, whatever was created is removed before the error is
 * rethrown. A process-exit hook also removes the namespaces if the test process ends without
 * calling remove() (e.g. an uncaught exception), so a crashed run leaves nothing behind.
 */
export async function createNetnsPair(opts: NetnsPairOptions = {}): Promise<NetnsPair> {
  const [nsA, nsB] = namespaceNames(opts.prefix ?? 'tsbgp');
  const ifname = opts.ifname ?? 'veth0';
  const a: NetnsEnd = {
    ns: nsA,
    ifname,
    ipv4: opts.aIpv4 ?? '192.0.2.1',
    ipv4PrefixLength: opts.ipv4PrefixLength ?? 24,
    ipv6: opts.aIpv6 ?? '2001:db8::1',
    ipv6PrefixLength: opts.ipv6PrefixLength ?? 64,
  };
  const b: NetnsEnd = {
    ...a,
    ns: nsB,
    ipv4: opts.bIpv4 ?? '192.0.2.2',
    ipv6: opts.bIpv6 ?? '2001:db8::2',
  };

  const created: string[] = [];
  const onExit = (): void => {
    for (const ns of created) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 });
      } catch {
        // Best effort at exit: nothing else can be done here.
      }
    }
  };
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    process.removeListener('exit', onExit);
    for (const ns of created) await deleteNamespace(ns);
  };
  process.once('exit', onExit);

  try {
    for (const end of [a, b]) {
      await ip(['netns', 'add', end.ns]);
      created.push(end.ns);
      // Per-namespace sysctls: interfaces created afterwards inherit `default`.
      await runCommand(
        [
          'ip', 'netns', 'exec', end.ns, 'sysctl', '-q', '-w',
          'net.ipv6.conf.all.accept_dad=0',
          'net.ipv6.conf.default.accept_dad=0',
        ],
        { timeoutMs: 5000 },
      );
      await ip(['-n', end.ns, 'link', 'set', 'lo', 'up']);
    }
    await ip(['-n', a.ns, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', ifname, 'netns', b.ns]);
    for (const end of [a, b]) {
      await ip(['-n', end.ns, 'addr', 'add', `${end.ipv4}/${end.ipv4PrefixLength}`, 'dev', ifname]);
      await ip(['-n', end.ns, 'addr', 'add', `${end.ipv6}/${end.ipv6PrefixLength}`, 'dev', ifname, 'nodad']);
    }
    for (const end of [a, b]) await ip(['-n', end.ns, 'link', 'set', ifname, 'up']);

    const timeoutMs = opts.timeoutMs ?? 10_000;
    for (const end of [a, b]) {
      await waitFor(() => linkIsUp(end.ns, ifname), {
        timeoutMs,
        intervalMs: 50,
        what: `${end.ns}/${ifname} up`,
      });
      await waitFor(async () => !(await hasTentativeAddress(end.ns, ifname)), {
        timeoutMs,
        intervalMs: 50,
        what: `no tentative IPv6 address on ${end.ns}/${ifname}`,
      });
    }
  } catch (e) {
    await remove();
    throw e;
  }
  return { a, b, remove };
}

export interface NetnsSupport {
  ok: boolean;
  reason?: string;
}

/**
 * Whether this process can create network namespaces: needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)
 * and the `ip` tool. Probes by creating and deleting one namespace.
 */
export async function canUseNetns(): Promise<NetnsSupport> {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: 'network namespaces need root' };
  }
  const [probe] = namespaceNames('tsbgp-probe');
  try {
    await runCommand(['ip', 'netns', 'add', probe], { timeoutMs: 5000 });
  } catch (e) {
    return { ok: false, reason: `cannot create a network namespace: ${(e as Error).message}` };
  }
  await deleteNamespace(probe);
  return { ok: true };
}
