/**
 * Packet capture inside a namespace with tshark, and recovery of what each side sent: the TCP
 * byte stream per direction (reassembled from the capture by sequence number) split into whole BGP
 * messages by the header length field (RFC 4271 sec. 4.1).
 *
 * Deliberately independent of src/wire: fixtures captured with it are what checks src/wire.
 */

import { DaemonProcess, startDaemon } from './process';
import { runCommand } from './run';

export interface CaptureOptions {
  netns: string;
  ifname: string;
  /** pcapng file to write. */
  file: string;
  /** Where tshark's own log goes. */
  logDir: string;
  /** Capture filter (default `tcp port 179`). */
  filter?: string;
  /** tshark stops by itself after this long (its `-a duration:`). */
  maxSeconds: number;
  /** ...or after this many packets (its `-c`, default 10000). */
  maxPackets?: number;
  /** Bound on waiting for tshark to start capturing (default 15 s). */
  startTimeoutMs?: number;
}

export interface PacketCapture {
  file: string;
  process: DaemonProcess;
  /** End the capture and wait until the file is complete. */
  stop(): Promise<void>;
}

export async function startCapture(opts: CaptureOptions): Promise<PacketCapture> {
  const proc = startDaemon({
    name: `tshark-${opts.ifname}`,
    netns: opts.netns,
    logDir: opts.logDir,
    argv: [
      'tshark', '-n', '-q', '-i', opts.ifname,
      '-f', opts.filter ?? 'tcp port 179',
      '-a', `duration:${Math.max(1, Math.ceil(opts.maxSeconds))}`,
      '-c', String(opts.maxPackets ?? 10_000),
      '-w', opts.file,
    ],
  });
  try {
    // Packets sent before this line would be lost; daemons start only after it.
    await proc.waitForLog(/Capturing on/, opts.startTimeoutMs ?? 15_000);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return {
    file: opts.file,
    process: proc,
    async stop() {
      // tshark finishes the file on SIGTERM as on SIGINT.
      await proc.stop(10_000);
    },
  };
}

export interface TcpFlow {
  /** tshark's stream index: one per TCP connection. */
  stream: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** Every payload byte sent in this direction, in sequence order. */
  bytes: Buffer;
  /** Whether a segment was missing (the bytes stop before the gap). */
  gap: boolean;
  /** Capture time of the first packet of the flow (seconds since the epoch). */
  firstSeen: number;
}

interface Segment {
  seq: number;
  payload: Buffer;
}

interface FlowAccumulator {
  flow: Omit<TcpFlow, 'bytes' | 'gap'>;
  isn: number | undefined;
  firstSeq: number | undefined;
  segments: Segment[];
}

const FIELDS = [
  'frame.time_epoch',
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.flags.syn',
  'tcp.payload',
];

/** Reassemble one direction: order by sequence number relative to the first, drop retransmissions. */
function reassemble(acc: FlowAccumulator): { bytes: Buffer; gap: boolean } {
  const base = acc.isn ?? acc.firstSeq ?? 0;
  const rel = (seq: number): number => (seq - base) >>> 0; // modulo 2^32, wraps with the sequence space
  const segs = acc.segments
    .filter((s) => s.payload.length > 0)
    .map((s) => ({ at: rel(s.seq), payload: s.payload }))
    .sort((x, y) => x.at - y.at);
  const parts: Buffer[] = [];
  let next = 0;
  for (const s of segs) {
    if (s.at > next) return { bytes: Buffer.concat(parts), gap: true };
    const end = s.at + s.payload.length;
    if (end <= next) continue;
    parts.push(s.payload.subarray(next - s.at));
    next = end;
  }
  return { bytes: Buffer.concat(parts), gap: false };
}

/** Every TCP direction in a capture file, ordered by when it was first seen. */
export async function readTcpFlows(pcapFile: string): Promise<TcpFlow[]> {
  const r = await runCommand(
    ['tshark', '-n', '-r', pcapFile, '-T', 'fields', '-E', 'separator=/t', ...FIELDS.flatMap((f) => ['-e', f])],
    { timeoutMs: 60_000 },
  );
  const flows = new Map<string, FlowAccumulator>();
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [time, stream, ip4src, ip6src, srcPort, ip4dst, ip6dst, dstPort, seqRaw, syn, payload] = line.split('\t');
    const src = ip4src || ip6src || '';
    const dst = ip4dst || ip6dst || '';
    const key = `${stream}|${src}|${srcPort}|${dst}|${dstPort}`;
    let acc = flows.get(key);
    if (acc === undefined) {
      acc = {
        flow: { stream: Number(stream), src, srcPort: Number(srcPort), dst, dstPort: Number(dstPort), firstSeen: Number(time) },
        isn: undefined,
        firstSeq: undefined,
        segments: [],
      };
      flows.set(key, acc);
    }
    const seq = Number(seqRaw);
    // The SYN takes one sequence number; payload starts after it.
    if (syn === '1' || syn === 'True') acc.isn = (seq + 1) >>> 0;
    if (acc.firstSeq === undefined) acc.firstSeq = seq;
    if (payload) acc.segments.push({ seq, payload: Buffer.from(payload.replace(/:/g, ''), 'hex') });
  }
  return [...flows.values()]
    .map((acc) => ({ ...acc.flow, ...reassemble(acc) }))
    .sort((x, y) => x.firstSeen - y.firstSeen || x.stream - y.stream);
}

export interface SplitResult {
  messages: Buffer[];
  /** Bytes after the last whole message (a message cut off by the end of the capture). */
  rest: Buffer;
  /** Set when the bytes do not look like BGP (bad marker or length). */
  error?: string;
}

/** Split a byte stream into BGP messages by the header's length field. */
export function splitBgpMessages(bytes: Buffer, maxLength = 65535): SplitResult {
  const messages: Buffer[] = [];
  let off = 0;
  // Every message is at least 19 bytes, so this bounds the loop by the input length.
  while (bytes.length - off >= 19) {
    for (let i = 0; i < 16; i++) {
      if (bytes[off + i] !== 0xff) return { messages, rest: bytes.subarray(off), error: `bad marker at offset ${off}` };
    }
    const len = bytes.readUInt16BE(off + 16);
    if (len < 19 || len > maxLength) return { messages, rest: bytes.subarray(off), error: `bad length ${len} at offset ${off}` };
    if (bytes.length - off < len) break;
    messages.push(bytes.subarray(off, off + len));
    off += len;
  }
  return { messages, rest: bytes.subarray(off) };
}
