/**
 * Re-creates fixtures/wire/captured/: real BGP messages sent by BIRD 2, GoBGP and OpenBGPD.
 *
 * For each sender it builds a namespace pair, starts tshark on the sender's veth, brings up an IPv4
 * and an IPv6 eBGP session (4-octet ASNs) to another implementation, lets the sender originate an
 * IPv4 and an IPv6 prefix with communities and large communities, then shuts both sessions down
 * administratively with a shutdown communication. The sender's TCP streams are reassembled and
 * split into messages, written as annotated hex with a JSON stub beside each. The peer is passive,
 * so each session is one TCP connection (no collision to resolve). The pcap is deleted with the lab.
 *
 * Usage (root): node dist/test/interop/tools/capture-fixtures.js [--out DIR] [--only bird,gobgp,openbgpd]
 */

import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  LabTest,
  NetnsEnd,
  PeerConfig,
  PeerKind,
  PEER_KINDS,
  availability,
  canUseNetns,
  debianPackageVersion,
  openLab,
  programNameAndVersion,
  readTcpFlows,
  requirementSpec,
  sleep,
  splitBgpMessages,
  startCapture,
  waitForEstablished,
  waitForNotEstablished,
  waitForPrefixes,
} from '../harness/index';
import { annotateMessage, formatFields, messageTypeName, summarizeUpdate } from './bgp-annotate';

/** File-name stem per implementation. */
const STEM: Readonly<Record<PeerKind, string>> = { bird: 'bird2', gobgp: 'gobgp', openbgpd: 'openbgpd' };
/** Who each sender talks to: every implementation is a sender once and a peer once. */
const PEER_OF: Readonly<Record<PeerKind, PeerKind>> = { bird: 'gobgp', gobgp: 'openbgpd', openbgpd: 'bird' };

const SENDER_AS = 4200000001;
const PEER_AS = 4200000002;
const SHUTDOWN_MESSAGE = 'tsbgpd fixture capture: planned maintenance';

interface Versions {
  label: string;
  program: string;
  debian: string;
}

function versions(kind: PeerKind): Versions {
  const spec = requirementSpec(kind);
  return {
    label: spec.label,
    program: programNameAndVersion(kind),
    debian: `Debian ${spec.debianPackage} ${debianPackageVersion(spec.debianPackage) ?? '?'}`,
  };
}

/**
 * Each sender keeps its defaults, except that GoBGP gets graceful restart: without it GoBGP sends
 * no End-of-RIB, and its End-of-RIB is worth having as a fixture.
 */
function senderConfig(sender: PeerKind, self: NetnsEnd, other: NetnsEnd): PeerConfig {
  return {
    gracefulRestart: sender === 'gobgp' ? true : undefined,
    localAs: SENDER_AS,
    routerId: self.ipv4,
    holdTime: 90,
    neighbors: [
      { address: other.ipv4, remoteAs: PEER_AS, localAddress: self.ipv4 },
      { address: other.ipv6, remoteAs: PEER_AS, localAddress: self.ipv6 },
    ],
    routes: [
      { prefix: '198.51.100.0/24', communities: ['65000:100', '65000:200'], largeCommunities: [`${SENDER_AS}:1:2`] },
      { prefix: '2001:db8:1000::/48', communities: ['65000:300'], largeCommunities: [`${SENDER_AS}:3:4`] },
    ],
  };
}

function peerConfig(self: NetnsEnd, other: NetnsEnd): PeerConfig {
  return {
    localAs: PEER_AS,
    routerId: self.ipv4,
    holdTime: 90,
    neighbors: [
      { address: other.ipv4, remoteAs: SENDER_AS, localAddress: self.ipv4, passive: true },
      { address: other.ipv6, remoteAs: SENDER_AS, localAddress: self.ipv6, passive: true },
    ],
    routes: [{ prefix: '203.0.113.0/24' }, { prefix: '2001:db8:2000::/48' }],
  };
}

/** Capability codes in an OPEN (non-extended optional parameters are all these daemons send). */
function openCapabilities(open: Buffer): Set<number> {
  const caps = new Set<number>();
  let off = 29;
  const end = Math.min(open.length, 29 + (open[28] ?? 0));
  while (off + 2 <= end) {
    const type = open[off]!;
    const len = open[off + 1]!;
    if (type === 2) {
      let c = off + 2;
      while (c + 2 <= off + 2 + len) {
        caps.add(open[c]!);
        c += 2 + open[c + 1]!;
      }
    }
    off += 2 + len;
  }
  return caps;
}

interface SessionCapture {
  family: 'ipv4' | 'ipv6';
  sent: Buffer[];
  received: Buffer[];
}

interface Fixture {
  name: string;
  what: string;
  messages: Buffer[];
  session: SessionCapture;
}

/**
 * One fixture per distinct message (identical bytes on both sessions, like a KEEPALIVE, give one
 * file), plus the whole stream of each session. `out` is shared across sessions for that reason.
 */
function classify(stem: string, s: SessionCapture, out: Fixture[]): void {
  const add = (base: string, what: string, m: Buffer): void => {
    if (out.some((f) => f.messages.length === 1 && f.messages[0]!.equals(m))) return;
    let name = `${stem}-${base}`;
    for (let i = 2; out.some((f) => f.name === name) && i < 100; i++) name = `${stem}-${base}-${i}`;
    out.push({ name, what, messages: [m], session: s });
  };
  for (const m of s.sent) {
    const type = m[18];
    if (type === 1) add(`open-${s.family}-session`, `OPEN on the ${s.family === 'ipv4' ? 'IPv4' : 'IPv6'} session`, m);
    else if (type === 4) add('keepalive', 'KEEPALIVE', m);
    else if (type === 3) {
      const sub = m[20];
      add(m[19] === 6 && sub === 2 ? 'notification-cease-shutdown' : `notification-${m[19]}-${sub}`,
        m[19] === 6 && sub === 2 ? 'NOTIFICATION Cease / Administrative Shutdown with an RFC 9003 shutdown communication' : 'NOTIFICATION', m);
    } else if (type === 2) {
      const u = summarizeUpdate(m);
      const names = (fs: string[]): string => fs.map((f) => (f === 'ipv4' ? 'IPv4' : 'IPv6')).join(' and ');
      if (u?.endOfRib) add(`eor-${u.endOfRib}`, `End-of-RIB marker for ${names([u.endOfRib])} unicast`, m);
      else if (u && u.announces.length && !u.withdraws.length) add(`update-${u.announces.join('-')}`, `UPDATE announcing ${names(u.announces)} prefixes`, m);
      else if (u && u.withdraws.length && !u.announces.length) add(`withdraw-${u.withdraws.join('-')}`, `UPDATE withdrawing ${names(u.withdraws)} prefixes`, m);
      else add('update', 'UPDATE', m);
    } else add(`${messageTypeName(type ?? 0).toLowerCase()}`, messageTypeName(type ?? 0), m);
  }
  out.push({
    name: `${stem}-session-${s.family}`,
    what: `every message sent on the ${s.family === 'ipv4' ? 'IPv4' : 'IPv6'} session, in order, from OPEN to the shutdown NOTIFICATION`,
    messages: s.sent,
    session: s,
  });
}

interface CaptureRun {
  sender: PeerKind;
  peer: PeerKind;
  sessions: SessionCapture[];
  date: string;
}

function writeFixtures(outDir: string, run: CaptureRun): string[] {
  const stem = STEM[run.sender];
  const sv = versions(run.sender);
  const pv = versions(run.peer);
  const tshark = `${programNameAndVersion('tshark')} (Debian tshark ${debianPackageVersion('tshark') ?? '?'})`;
  const written: string[] = [];
  const fixtures: Fixture[] = [];
  for (const s of run.sessions) classify(stem, s, fixtures);
  for (const f of fixtures) {
    const senderOpen = f.session.sent.find((m) => m[18] === 1);
    const peerOpen = f.session.received.find((m) => m[18] === 1);
    const senderCaps = senderOpen ? openCapabilities(senderOpen) : new Set<number>();
    const peerCaps = peerOpen ? openCapabilities(peerOpen) : new Set<number>();
    const both = (code: number): boolean => senderCaps.has(code) && peerCaps.has(code);
    const context = { as4: both(65), extendedMessage: both(6), addPath: [] as string[] };
    const transport = f.session.family === 'ipv4' ? '192.0.2.1 -> 192.0.2.2' : '2001:db8::1 -> 2001:db8::2';
    const header = [
      `# ${f.what}.`,
      `# Sent by ${sv.program} (${sv.debian}) to ${pv.program} (${pv.debian}),`,
      `# eBGP over ${transport}, AS ${SENDER_AS} -> AS ${PEER_AS}.`,
      `# Captured ${run.date} with ${tshark} on a veth between two throwaway network namespaces;`,
      '# TCP payload reassembled per direction and split on the BGP header length.',
      '# Re-create with fixtures/wire/captured/capture.sh (test/interop/tools/capture-fixtures.ts).',
      `# Sender configuration: the harness's (test/interop/harness/peers/${run.sender}.ts), otherwise defaults${run.sender === 'gobgp' ? ',\n# plus graceful restart (GoBGP sends End-of-RIB only with it)' : ''}.`,
      `# Negotiated: 4-octet AS ${context.as4 ? 'yes' : 'no'}, extended message ${context.extendedMessage ? 'yes' : 'no'}, ADD-PATH none.`,
      '',
    ];
    const body: string[] = [];
    f.messages.forEach((m, i) => {
      if (f.messages.length > 1) body.push(`${i ? '\n' : ''}# --- message ${i + 1}: ${messageTypeName(m[18] ?? 0)} ---`);
      body.push(...formatFields(annotateMessage(m, { as4: context.as4 })));
    });
    const text = `${[...header, ...body].join('\n')}\n`;
    // The annotation must be lossless: the hex, comments stripped, gives back exactly what was sent.
    if (!hexWithoutComments(text).equals(Buffer.concat(f.messages))) throw new Error(`${f.name}: annotated hex does not round-trip`);
    writeFileSync(join(outDir, `${f.name}.hex`), text);
    const json = {
      description: `${sv.label}: ${f.what} (${f.messages.length} message${f.messages.length === 1 ? '' : 's'})`,
      source: `captured: ${sv.program} (${sv.debian}) talking to ${pv.program} (${pv.debian}), ${tshark} on a veth in a network namespace, ${run.date}`,
      context,
      'todo-messages': true,
    };
    writeFileSync(join(outDir, `${f.name}.json`), `${JSON.stringify(json, null, 2)}\n`);
    written.push(f.name);
  }
  return written;
}

function hexWithoutComments(text: string): Buffer {
  return Buffer.from(text.split('\n').map((l) => l.replace(/#.*/, '').replace(/\s+/g, '')).join(''), 'hex');
}

/** A LabTest for use outside tap: teardowns run by runTeardowns(), comments to stderr. */
function standaloneTest(): LabTest & { runTeardowns(): Promise<void>; failed: boolean } {
  const teardowns: Array<() => unknown> = [];
  const self = {
    failed: false,
    teardown: (fn: () => unknown) => teardowns.push(fn),
    passing: () => !self.failed,
    comment: (...m: unknown[]) => console.error(...m),
    fail: (m: string) => {
      self.failed = true;
      console.error(`FAIL ${m}`);
    },
    pass: (m: string) => console.error(m),
    async runTeardowns() {
      for (const fn of teardowns.reverse()) await fn();
    },
  };
  return self;
}

async function captureOne(sender: PeerKind): Promise<CaptureRun> {
  const peer = PEER_OF[sender];
  const t = standaloneTest();
  try {
    const lab = await openLab(t, { label: `capture-${sender}` });
    const a = lab.end('a');
    const b = lab.end('b');
    const pcap = join(lab.workDir('pcap'), `${sender}.pcapng`);
    const capture = await startCapture({ netns: a.ns, ifname: a.ifname, file: pcap, logDir: lab.workDir('tshark'), maxSeconds: 90 });
    const peerDaemon = await lab.startPeer(peer, 'b', peerConfig(b, a));
    const senderDaemon = await lab.startPeer(sender, 'a', senderConfig(sender, a, b));
    for (const [d, n] of [[senderDaemon, b.ipv4], [senderDaemon, b.ipv6], [peerDaemon, a.ipv4], [peerDaemon, a.ipv6]] as const) {
      await waitForEstablished(d, n, 30_000);
    }
    await waitForPrefixes(peerDaemon, a.ipv4, ['198.51.100.0/24'], 15_000, 'ipv4');
    await waitForPrefixes(peerDaemon, a.ipv6, ['2001:db8:1000::/48'], 15_000, 'ipv6');
    await waitForPrefixes(senderDaemon, b.ipv4, ['203.0.113.0/24'], 15_000, 'ipv4');
    await waitForPrefixes(senderDaemon, b.ipv6, ['2001:db8:2000::/48'], 15_000, 'ipv6');
    // End-of-RIB follows the initial updates; give the sender a moment to send it.
    await sleep(2000);
    await senderDaemon.disableNeighbor(b.ipv4, SHUTDOWN_MESSAGE);
    await senderDaemon.disableNeighbor(b.ipv6, SHUTDOWN_MESSAGE);
    await waitForNotEstablished(peerDaemon, a.ipv4, 15_000);
    await waitForNotEstablished(peerDaemon, a.ipv6, 15_000);
    await sleep(1000); // let the FIN exchange finish so the capture holds whole streams
    await capture.stop();

    const flows = await readTcpFlows(pcap);
    const sessions: SessionCapture[] = [];
    for (const family of ['ipv4', 'ipv6'] as const) {
      const [mine, theirs] = family === 'ipv4' ? [a.ipv4, b.ipv4] : [a.ipv6, b.ipv6];
      // Connections that carried no payload (refused or reset before OPEN) do not count.
      const out = flows.filter((f) => f.src === mine && f.dst === theirs && f.bytes.length > 0);
      const back = flows.filter((f) => f.src === theirs && f.dst === mine && f.stream === out[0]?.stream);
      if (out.length !== 1 || back.length !== 1) {
        throw new Error(`${sender} ${family}: expected one BGP connection, found ${out.length} out / ${back.length} back`);
      }
      const sent = splitBgpMessages(out[0]!.bytes);
      const received = splitBgpMessages(back[0]!.bytes);
      if (out[0]!.gap || sent.error || sent.rest.length) {
        throw new Error(`${sender} ${family}: incomplete stream (gap ${out[0]!.gap}, ${sent.error ?? `${sent.rest.length} trailing bytes`})`);
      }
      sessions.push({ family, sent: sent.messages, received: received.messages });
    }
    return { sender, peer, sessions, date: new Date().toISOString().slice(0, 10) };
  } catch (e) {
    t.failed = true;
    throw e;
  } finally {
    await t.runTeardowns();
  }
}

function parseArgs(argv: string[]): { outDir: string; only: PeerKind[] } {
  let outDir = resolve(__dirname, '../../../../fixtures/wire/captured');
  let only: PeerKind[] = [...PEER_KINDS];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' && argv[i + 1]) outDir = resolve(argv[++i]!);
    else if (arg === '--only' && argv[i + 1]) {
      only = argv[++i]!.split(',').map((k) => {
        if (!(PEER_KINDS as readonly string[]).includes(k)) throw new Error(`unknown implementation ${k}`);
        return k as PeerKind;
      });
    } else throw new Error(`usage: capture-fixtures [--out DIR] [--only ${PEER_KINDS.join(',')}]`);
  }
  return { outDir, only };
}

async function main(): Promise<void> {
  const { outDir, only } = parseArgs(process.argv.slice(2));
  const netns = await canUseNetns();
  if (!netns.ok) throw new Error(netns.reason);
  for (const what of ['tshark', ...new Set(only.flatMap((k) => [k, PEER_OF[k]]))] as const) {
    const a = availability(what as PeerKind | 'tshark');
    if (!a.installed) throw new Error(`${what} is missing: ${a.missing.join(', ')}`);
  }
  for (const sender of only) {
    console.error(`capturing ${sender} -> ${PEER_OF[sender]} ...`);
    const run = await captureOne(sender);
    // Replace this sender's previous fixtures, so renamed or vanished messages leave no orphans.
    for (const f of readdirSync(outDir)) {
      if (f.startsWith(`${STEM[sender]}-`) && /\.(hex|json)$/.test(f)) rmSync(join(outDir, f));
    }
    const names = writeFixtures(outDir, run);
    console.error(`  wrote ${names.length} fixtures: ${names.join(', ')}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exitCode = 1;
});
