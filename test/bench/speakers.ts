/**
 * The speakers under test, each configured the same way: AS 65000 at 192.0.2.100, passive towards
 * the three feeders and the monitor (topology.ts), IPv4 and IPv6 unicast on every (IPv4) session,
 * everything accepted, everything re-advertised to every neighbour, no RFC 8212 default deny, no
 * advertisement interval, no kernel routing table.
 *
 * - tsbgpd: `node --max-old-space-size=N -r eventloop-probe.js dist/src/main.js -f bgpd.toml`,
 *   announce = "all" on every neighbour, next-hop6 set for the IPv6-over-IPv4 sessions.
 * - BIRD 2, OpenBGPD, GoBGP: the interop harness's configuration writers and start functions
 *   (BIRD `import all; export all;`, OpenBGPD `allow from any; allow to any`, GoBGP's default
 *   accept policies).
 * - FRR: bgpd alone (`-Z`: no zebra, `-n`: no kernel routes, `-S`: no privilege switch) with its own
 *   configuration, pid file and vty socket in the speaker's directory, `no bgp ebgp-requires-policy`,
 *   `advertisement-interval 0`. It runs in a private mount namespace whose /var/tmp is an empty
 *   tmpfs, so its crash-log directory (/var/tmp/frr) never appears on the host.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availability, programNameAndVersion, type PeerKind } from '../interop/harness/availability';
import { startPeer } from '../interop/harness/peers/index';
import type { PeerConfig } from '../interop/harness/peers/types';
import { DaemonProcess, startDaemon } from '../interop/harness/process';
import { runCommand } from '../interop/harness/run';
import { StopWaiting, waitFor } from '../interop/harness/wait';
import { FEEDERS, MONITOR, SPEAKER } from './topology';

export type SpeakerKind = 'tsbgpd' | 'bird' | 'openbgpd' | 'frr' | 'gobgp';
export const SPEAKER_KINDS: readonly SpeakerKind[] = ['tsbgpd', 'bird', 'openbgpd', 'frr', 'gobgp'];

export interface SpeakerOptions {
  netns: string;
  workDir: string;
  holdTime: number;
  /** tsbgpd only. */
  heapMb?: number;
  /** tsbgpd only: write a V8 CPU profile (node --cpu-prof) into this directory at exit. */
  cpuProfileDir?: string;
  /** tsbgpd only: extra node flags (e.g. --trace-gc). */
  nodeFlags?: string[];
  /** tsbgpd only: `announce` towards the feeders (default all, like the other speakers). */
  feederAnnounce?: 'all' | 'self';
}

export interface RunningSpeaker {
  kind: SpeakerKind;
  /** Program and version, e.g. `BIRD 2.0.12`. */
  label: string;
  process: DaemonProcess;
  /** tsbgpd: its control socket and the event-loop probe's output file. */
  controlSocket?: string;
  loopFile?: string;
  stop(): Promise<void>;
}

const REPO = resolve(__dirname, '..', '..', '..');
const TSBGPD_MAIN = join(REPO, 'dist', 'src', 'main.js');
const PROBE = join(__dirname, 'eventloop-probe.js');
const FRR_BGPD = '/usr/lib/frr/bgpd';

const neighbours = [...FEEDERS, MONITOR];

export function speakerAvailable(kind: SpeakerKind): { ok: boolean; why?: string } {
  if (kind === 'tsbgpd') return existsSync(TSBGPD_MAIN) ? { ok: true } : { ok: false, why: `${TSBGPD_MAIN} missing (npm run build)` };
  if (kind === 'frr') return existsSync(FRR_BGPD) ? { ok: true } : { ok: false, why: `${FRR_BGPD} missing (apt-get install frr)` };
  const a = availability(kind as PeerKind);
  return a.installed ? { ok: true } : { ok: false, why: `missing ${a.missing.join(', ')}` };
}

export function speakerVersion(kind: SpeakerKind): string {
  if (kind === 'tsbgpd') {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    return `tsbgpd ${pkg.version}`;
  }
  if (kind === 'frr') {
    try {
      const out = execFileSync(FRR_BGPD, ['-v'], { encoding: 'utf8', timeout: 5000 });
      return `FRR ${/version\s+(\S+)/.exec(out)?.[1] ?? '(unknown version)'}`;
    } catch {
      return 'FRR (unknown version)';
    }
  }
  return programNameAndVersion(kind as PeerKind);
}

// ---- tsbgpd ------------------------------------------------------------------------------------

export function tsbgpdConfig(socket: string, holdTime: number, feederAnnounce: 'all' | 'self' = 'all'): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    '# Written by the full-table benchmark (test/bench/speakers.ts).',
    '[global]',
    `local-as = ${SPEAKER.as}`,
    `router-id = ${q(SPEAKER.routerId)}`,
    `listen = [{ address = ${q(SPEAKER.ipv4)}, port = 179 }]`,
    `hold-time = ${holdTime}`,
    'log-level = "info"',
    // Accept and re-advertise everything, as BIRD's `import all; export all` and the others: no
    // filter rules, and no RFC 8212 default deny (which would take an allow rule each way).
    'ebgp-requires-policy = false',
    '',
    '[control]',
    `socket = ${q(socket)}`,
    'mode = "0600"',
    '',
  ];
  for (const n of neighbours) {
    lines.push(
      '[[neighbor]]',
      `address = ${q(n.ipv4)}`,
      `remote-as = ${n.as}`,
      'passive = true',
      'families = ["ipv4-unicast", "ipv6-unicast"]',
      // Re-advertise everything, as the other speakers are configured to (a PoP would give its
      // transits only its own networks: --feeder-announce self).
      `announce = "${n === MONITOR ? 'all' : feederAnnounce}"`,
      // IPv6 routes go over this IPv4 session: the next hop to put in MP_REACH_NLRI.
      `next-hop6 = ${q(SPEAKER.ipv6)}`,
      '',
    );
  }
  return lines.join('\n');
}

async function startTsbgpd(opts: SpeakerOptions): Promise<RunningSpeaker> {
  const socket = join(opts.workDir, 'tsbgpd.sock');
  const file = join(opts.workDir, 'bgpd.toml');
  const loopFile = join(opts.workDir, 'eventloop.txt');
  writeFileSync(file, tsbgpdConfig(socket, opts.holdTime, opts.feederAnnounce), { mode: 0o600 });
  writeFileSync(loopFile, '');
  const flags = [`--max-old-space-size=${opts.heapMb ?? 4096}`, ...(opts.nodeFlags ?? [])];
  if (opts.cpuProfileDir) flags.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`);
  const proc = startDaemon({
    name: 'tsbgpd',
    netns: opts.netns,
    logDir: opts.workDir,
    argv: [process.execPath, ...flags, '-r', PROBE, TSBGPD_MAIN, '-f', file],
    env: { TSBGP_BENCH_LOOP_FILE: loopFile },
  });
  try {
    await proc.waitForLog(/tsbgpd started/, 15_000);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return {
    kind: 'tsbgpd',
    label: speakerVersion('tsbgpd'),
    process: proc,
    controlSocket: socket,
    loopFile,
    // The CPU profile is written at a clean exit: give it time.
    stop: async () => void (await proc.stop(opts.cpuProfileDir ? 60_000 : 10_000)),
  };
}

// ---- BIRD, OpenBGPD, GoBGP through the interop harness -----------------------------------------

export function harnessConfig(holdTime: number): PeerConfig {
  return {
    localAs: SPEAKER.as,
    routerId: SPEAKER.routerId,
    holdTime,
    listenAddresses: [SPEAKER.ipv4],
    neighbors: neighbours.map((n) => ({
      address: n.ipv4,
      remoteAs: n.as,
      localAddress: SPEAKER.ipv4,
      passive: true,
      families: ['ipv4', 'ipv6'],
      holdTime,
    })),
  };
}

async function startHarnessPeer(kind: PeerKind, opts: SpeakerOptions): Promise<RunningSpeaker> {
  const peer = await startPeer(kind, { netns: opts.netns, workDir: opts.workDir, config: harnessConfig(opts.holdTime), name: kind, startTimeoutMs: 20_000 });
  return { kind, label: speakerVersion(kind), process: peer.process, stop: () => peer.stop() };
}

// ---- FRR ---------------------------------------------------------------------------------------

export function frrConfig(holdTime: number): string {
  const lines = [
    '! Written by the full-table benchmark (test/bench/speakers.ts).',
    'frr defaults traditional',
    'hostname tsbgp-bench-frr',
    // Without zebra, bgpd still tries to register every path's next hop with it and logs one
    // error per path ("sendmsg_nexthop: zclient_send_message() failed"): 1.2M lines for a full
    // table, an artefact of running without zebra, not work FRR would do in service.
    'log stdout critical',
    '!',
    `router bgp ${SPEAKER.as}`,
    ` bgp router-id ${SPEAKER.routerId}`,
    // RFC 8212 default deny off, as `allow from any / allow to any` for OpenBGPD.
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ' no bgp default ipv4-unicast',
    // The next-hop route-map below is applied only when its delay timer fires (5 s after start by
    // default), which would hold back every IPv6 route: apply route-maps at once.
    ' bgp route-map delay-timer 0',
  ];
  for (const n of neighbours) {
    lines.push(
      ` neighbor ${n.ipv4} remote-as ${n.as}`,
      ` neighbor ${n.ipv4} passive`,
      ` neighbor ${n.ipv4} timers ${Math.max(1, Math.floor(holdTime / 3))} ${holdTime}`,
      ` neighbor ${n.ipv4} advertisement-interval 0`,
    );
  }
  for (const afi of ['ipv4', 'ipv6']) {
    lines.push(' !', ` address-family ${afi} unicast`);
    for (const n of neighbours) {
      lines.push(`  neighbor ${n.ipv4} activate`);
      // Without zebra bgpd knows no interface addresses, so it has no IPv6 next hop of its own to
      // put on routes sent over an IPv4 session: give it the one the others use.
      if (afi === 'ipv6') lines.push(`  neighbor ${n.ipv4} route-map BENCH-NH6 out`);
    }
    lines.push(' exit-address-family');
  }
  lines.push('!', 'route-map BENCH-NH6 permit 10', ` set ipv6 next-hop global ${SPEAKER.ipv6}`, '!', '');
  return lines.join('\n');
}

async function startFrr(opts: SpeakerOptions): Promise<RunningSpeaker> {
  const conf = join(opts.workDir, 'bgpd.conf');
  writeFileSync(conf, frrConfig(opts.holdTime), { mode: 0o600 });
  // bgpd creates /var/tmp/frr/bgpd.PID even for a dry run: always give it a private /var/tmp.
  const wrapper = 'set -e; mount -t tmpfs -o mode=1777,size=16m tsbgp-frr-tmp /var/tmp; exec "$@"';
  const privateTmp = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', wrapper, 'tsbgp-frr'];
  await runCommand([...privateTmp, FRR_BGPD, '-C', '-f', conf, '-S', '-Z'], { timeoutMs: 10_000 });
  const proc = startDaemon({
    name: 'frr-bgpd',
    netns: opts.netns,
    logDir: opts.workDir,
    argv: [
      ...privateTmp,
      FRR_BGPD, '-Z', '-n', '-S', '-l', SPEAKER.ipv4, '-P', '0',
      '-f', conf, '-i', join(opts.workDir, 'bgpd.pid'), '--vty_socket', opts.workDir,
    ],
  });
  try {
    // Its vty socket appears once the configuration is read (nothing is logged at this level).
    await waitFor(
      () => {
        if (!proc.running()) throw new StopWaiting(`FRR bgpd exited:\n${proc.logTail(20)}`);
        return existsSync(join(opts.workDir, 'bgpd.vty'));
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'FRR bgpd vty socket' },
    );
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { kind: 'frr', label: speakerVersion('frr'), process: proc, stop: async () => void (await proc.stop()) };
}

export async function startSpeaker(kind: SpeakerKind, opts: SpeakerOptions): Promise<RunningSpeaker> {
  switch (kind) {
    case 'tsbgpd':
      return startTsbgpd(opts);
    case 'frr':
      return startFrr(opts);
    default:
      return startHarnessPeer(kind, opts);
  }
}
