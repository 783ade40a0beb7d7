/**
 * BIRD 2 as an interop peer: configuration writer, start (`bird -f -c CONF -s SOCK`), and queries
 * through `birdc -s SOCK`.
 *
 * The configuration has no kernel protocol, so BIRD never reads or writes a kernel routing table;
 * its device protocol only scans the interfaces of the namespace it runs in. Originated routes are
 * static blackhole routes carrying their communities as static route attributes; each BGP protocol
 * (one per neighbor) imports and exports everything of its families.
 */

import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runCommand } from '../run';
import { startDaemon } from '../process';
import { waitFor } from '../wait';
import {
  AddressFamily,
  DEFAULT_HOLD_TIME,
  NeighborConfig,
  PeerConfig,
  PeerDaemon,
  SessionState,
  checkShutdownMessage,
  familyOf,
  neighborFamilies,
  routesOfFamily,
  StartPeerOptions,
  sortPrefixes,
  validatePeerConfig,
} from './types';

/** BIRD symbol for the BGP protocol of a neighbor: `n_192_0_2_2`, `n_2001_db8__2`. */
export function birdProtocolName(neighborAddress: string): string {
  return `n_${neighborAddress.replace(/[.:]/g, '_')}`;
}

function community(c: string): string {
  return `(${c.split(':').join(',')})`;
}

function staticProtocol(cfg: PeerConfig, family: AddressFamily): string[] {
  const routes = routesOfFamily(cfg, family);
  if (routes.length === 0) return [];
  const lines = [`protocol static originate_${family} {`, `  ${family};`];
  for (const r of routes) {
    const sets = [
      ...(r.communities ?? []).map((c) => `bgp_community.add(${community(c)});`),
      ...(r.largeCommunities ?? []).map((c) => `bgp_large_community.add(${community(c)});`),
    ];
    lines.push(sets.length ? `  route ${r.prefix} blackhole { ${sets.join(' ')} };` : `  route ${r.prefix} blackhole;`);
  }
  lines.push('}', '');
  return lines;
}

function bgpProtocol(cfg: PeerConfig, n: NeighborConfig): string[] {
  const ibgp = n.remoteAs === cfg.localAs;
  const lines = [`protocol bgp ${birdProtocolName(n.address)} {`];
  if (n.description) lines.push(`  description "${n.description}";`);
  lines.push(n.localAddress ? `  local ${n.localAddress} as ${cfg.localAs};` : `  local as ${cfg.localAs};`);
  lines.push(`  neighbor ${n.address} as ${n.remoteAs};`);
  // Listen on the session's own address only, not on every address of the namespace.
  if (n.localAddress) lines.push('  strict bind yes;');
  if (n.multihop !== undefined) lines.push(`  multihop ${n.multihop};`);
  else if (ibgp) lines.push('  direct;'); // resolve iBGP next hops on the link, no IGP table here
  if (n.passive) lines.push('  passive yes;');
  if (n.password !== undefined) lines.push(`  password "${n.password}";`);
  if (cfg.gracefulRestart) lines.push('  graceful restart yes;');
  lines.push(`  hold time ${n.holdTime ?? cfg.holdTime ?? DEFAULT_HOLD_TIME};`);
  // Defaults (5 s delay, 120 s retry) would make every test wait; these keep retries quick.
  lines.push('  connect delay time 1;', '  connect retry time 2;', '  error wait time 1, 4;');
  for (const f of neighborFamilies(n)) {
    lines.push(`  ${f} {`, '    import all;', '    export all;');
    if (ibgp) lines.push('    next hop self;');
    lines.push('  };');
  }
  lines.push('}', '');
  return lines;
}

/** BIRD 2 configuration text for `cfg`. */
export function writeBirdConfig(cfg: PeerConfig): string {
  validatePeerConfig(cfg);
  // BIRD has no global listen list: each protocol binds its own local address (strict bind).
  return [
    '# Written by the tsbgpd interop harness; no kernel protocol: never touches a kernel table.',
    'log stderr all;',
    `router id ${cfg.routerId};`,
    'debug protocols { states, events };',
    '',
    'protocol device { scan time 10; }',
    '',
    ...staticProtocol(cfg, 'ipv4'),
    ...staticProtocol(cfg, 'ipv6'),
    ...cfg.neighbors.flatMap((n) => bgpProtocol(cfg, n)),
  ].join('\n');
}

const BIRD_STATES: Readonly<Record<string, SessionState>> = {
  idle: 'Idle',
  connect: 'Connect',
  active: 'Active',
  opensent: 'OpenSent',
  openconfirm: 'OpenConfirm',
  established: 'Established',
  close: 'Idle',
  down: 'Down',
};

/** Parse `birdc show protocols all NAME`. */
export function parseBirdProtocolState(output: string): SessionState {
  const bgpState = /^\s*BGP state:\s+(\S+)/m.exec(output)?.[1];
  if (bgpState !== undefined) return BIRD_STATES[bgpState.toLowerCase()] ?? 'Unknown';
  // A disabled protocol prints no BGP state line, only "down" in the summary row.
  if (/^\S+\s+BGP\s+\S+\s+down\b/m.test(output)) return 'Down';
  return 'Unknown';
}

/** Parse `birdc show route protocol NAME`: every line that starts with a prefix. */
export function parseBirdRoutes(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^([0-9a-fA-F.:]+\/\d+)\s/.exec(line);
    if (m) out.push(m[1]!.toLowerCase());
  }
  return sortPrefixes(out);
}

export async function startBird(opts: StartPeerOptions): Promise<PeerDaemon> {
  const cfg = opts.config;
  const name = opts.name ?? 'bird';
  const configFile = join(opts.workDir, `${name}.conf`);
  const controlSocket = join(opts.workDir, `${name}.ctl`);
  writeFileSync(configFile, writeBirdConfig(cfg), { mode: 0o600 });
  // Parse-only run first, so a config error is reported as such and not as a timeout.
  await runCommand(['bird', '-p', '-c', configFile], { timeoutMs: 10_000 });

  const proc = startDaemon({
    name,
    netns: opts.netns,
    logDir: opts.workDir,
    hostname: opts.hostname ?? 'tsbgp-bird',
    argv: ['bird', '-f', '-c', configFile, '-s', controlSocket, '-P', join(opts.workDir, `${name}.pid`)],
  });

  const birdc = async (...args: string[]): Promise<string> => {
    const r = await runCommand(['birdc', '-s', controlSocket, ...args], { timeoutMs: 10_000 });
    return r.stdout;
  };
  const known = (neighbor: string): string => {
    if (!cfg.neighbors.some((n) => n.address === neighbor)) throw new Error(`bird ${name}: no neighbor ${neighbor}`);
    return birdProtocolName(neighbor);
  };

  try {
    await waitFor(
      async () => {
        if (!proc.running()) throw new Error(`bird exited:\n${proc.logTail(20)}`);
        return /BIRD .* ready/.test(await birdc('show', 'status'));
      },
      { timeoutMs: opts.startTimeoutMs ?? 10_000, intervalMs: 100, what: 'BIRD control socket' },
    );
  } catch (e) {
    await proc.stop();
    throw e;
  }

  const daemon: PeerDaemon = {
    kind: 'bird',
    netns: opts.netns,
    workDir: opts.workDir,
    configFile,
    config: cfg,
    process: proc,
    async sessionState(neighbor) {
      return parseBirdProtocolState(await birdc('show', 'protocols', 'all', known(neighbor)));
    },
    async isEstablished(neighbor) {
      return (await daemon.sessionState(neighbor)) === 'Established';
    },
    async receivedPrefixes(neighbor, family) {
      const all = parseBirdRoutes(await birdc('show', 'route', 'protocol', known(neighbor)));
      return family ? all.filter((p) => familyOf(p) === family) : all;
    },
    async disableNeighbor(neighbor, message) {
      const args = ['disable', known(neighbor)];
      if (message !== undefined) {
        checkShutdownMessage(message);
        args.push(`"${message}"`);
      }
      await birdc(...args);
    },
    async enableNeighbor(neighbor) {
      await birdc('enable', known(neighbor));
    },
    async stop() {
      await proc.stop();
    },
    logTail: (n) => proc.logTail(n),
  };
  return daemon;
}
