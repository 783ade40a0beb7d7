/**
 * One health probe of an anycast service: run a command, open a TCP connection or GET a URL, and
 * say whether the service answered as it should. A probe never throws and never outlives its
 * timeout; the caller (check.ts) decides what a run of results means.
 *
 * - exec: `/bin/sh -c command` in a process group of its own; exit status 0 is healthy. On timeout
 *   or abort the whole group is SIGKILLed, and so is anything the command left running after it
 *   exited: a check must not accumulate processes on a PoP over weeks of probing. (The group is
 *   signalled by the shell's pid just after the shell was reaped; pid reuse inside that window
 *   would need the kernel to wrap its pid space in between, which we accept.)
 * - tcp: healthy when the connection is established; it is closed at once.
 * - http(s): healthy when the status is the expected one and, if a body pattern is configured,
 *   the first 64 KB of the body match it. A fresh connection per probe (no keep-alive agent), so a
 *   probe tests what a new client would see.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { HealthCheckConfig, ProbeResult } from './types';

/** How much of a command's output is kept: its end, where the reason for a failure usually is. */
export const MAX_OUTPUT_BYTES = 1024;
/** How much of an HTTP body a pattern is tested against. */
export const MAX_BODY_BYTES = 64 * 1024;
/** After the shell exits, how long to wait for the last of its output before closing the pipes. */
const PIPE_GRACE_MS = 100;

type Outcome = Pick<ProbeResult, 'ok' | 'output'>;

/**
 * Run the probe `cfg` describes, bounded by `cfg.timeout` seconds. Aborting `signal` ends it early
 * (with output "aborted"), killing what it started; the promise still resolves.
 */
export async function runProbe(cfg: HealthCheckConfig, signal?: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  if (signal?.aborted) return { ok: false, output: 'aborted', durationMs: 0 };
  // One signal for the probe itself, aborted with the text to report: the timeout or the caller.
  const ctl = new AbortController();
  const onCallerAbort = (): void => ctl.abort('aborted');
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  const timer = setTimeout(() => ctl.abort(`timeout after ${cfg.timeout}s`), cfg.timeout * 1000);
  try {
    const outcome = await probeByType(cfg, ctl.signal);
    return { ...outcome, durationMs: Math.round((performance.now() - started) * 10) / 10 };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
  }
}

function probeByType(cfg: HealthCheckConfig, signal: AbortSignal): Promise<Outcome> {
  switch (cfg.type) {
    case 'exec':
      if (!cfg.command) return Promise.resolve({ ok: false, output: 'exec check without a command' });
      return execProbe(cfg.command, signal);
    case 'tcp':
      if (!cfg.host || cfg.port === undefined) return Promise.resolve({ ok: false, output: 'tcp check without host and port' });
      return tcpProbe(cfg.host, cfg.port, signal);
    case 'http':
      return httpProbe(cfg, signal);
  }
}

function abortText(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'aborted';
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The last `max` bytes written to it. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.max) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  text(): string {
    let buf = Buffer.concat(this.chunks);
    if (buf.length > this.max) {
      buf = buf.subarray(buf.length - this.max);
      // Do not start in the middle of a UTF-8 sequence.
      let i = 0;
      while (i < buf.length && i < 3 && (buf[i] & 0xc0) === 0x80) i++;
      buf = buf.subarray(i);
    }
    return buf.toString('utf8').trim();
  }
}

function execProbe(command: string, signal: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      // detached: setsid(), so the shell leads a process group that holds everything it starts.
      child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ ok: false, output: `cannot run /bin/sh: ${errorText(e)}` });
      return;
    }
    const tail = new OutputTail(MAX_OUTPUT_BYTES);
    child.stdout!.on('data', (b: Buffer) => tail.push(b));
    child.stderr!.on('data', (b: Buffer) => tail.push(b));

    let done = false;
    let abortedWith: string | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let grace: NodeJS.Timeout | undefined;

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already empty.
      }
    };
    const finish = (outcome: Outcome): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (grace !== undefined) clearTimeout(grace);
      // A descendant that left the group (setsid) may still hold the pipes: stop reading them.
      child.stdout!.destroy();
      child.stderr!.destroy();
      resolve(outcome);
    };
    const finishAfterExit = (): void => {
      if (exit === undefined) return;
      const text = tail.text();
      if (abortedWith !== undefined) finish({ ok: false, output: abortedWith });
      else if (exit.code === 0) finish({ ok: true, output: text });
      else {
        const how = exit.code !== null ? `exit status ${exit.code}` : `killed by ${exit.signal}`;
        finish({ ok: false, output: text ? `${how}: ${text}` : how });
      }
    };
    const onAbort = (): void => {
      abortedWith = abortText(signal);
      killGroup();
      // The result waits for the shell's exit, so that nothing is left running when it arrives.
    };

    child.on('error', (err) => finish({ ok: false, output: `cannot run command: ${err.message}` }));
    child.on('exit', (code, sig) => {
      exit = { code, signal: sig };
      // Whatever is still in the group was started by the command and outlived it.
      killGroup();
      grace = setTimeout(finishAfterExit, PIPE_GRACE_MS);
    });
    child.on('close', finishAfterExit);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function tcpProbe(host: string, port: number, signal: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const where = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
    let done = false;
    const sock = net.connect({ host, port });
    const finish = (outcome: Outcome): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish({ ok: false, output: abortText(signal) });
    sock.once('connect', () => finish({ ok: true, output: `connected to ${where}` }));
    sock.on('error', (err) => finish({ ok: false, output: err.message }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function httpProbe(cfg: HealthCheckConfig, signal: AbortSignal): Promise<Outcome> {
  let url: URL;
  let pattern: RegExp | undefined;
  try {
    url = new URL(cfg.url ?? '');
  } catch {
    return Promise.resolve({ ok: false, output: `bad url ${JSON.stringify(cfg.url ?? '')}` });
  }
  try {
    pattern = cfg.bodyMatch !== undefined ? new RegExp(cfg.bodyMatch) : undefined;
  } catch (e) {
    return Promise.resolve({ ok: false, output: `bad body pattern: ${errorText(e)}` });
  }
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (client === undefined) return Promise.resolve({ ok: false, output: `unsupported url scheme ${url.protocol}` });

  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Outcome): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish({ ok: false, output: abortText(signal) });
    const req = client.get(url, { agent: false, headers: { 'user-agent': 'tsbgpd-health', connection: 'close' } }, (res) => {
      // Destroying the request mid-body makes the response emit an error: expected, not reported.
      res.on('error', (err) => finish({ ok: false, output: err.message }));
      const status = res.statusCode ?? 0;
      if (status !== cfg.expectStatus) {
        finish({ ok: false, output: `HTTP ${status}, expected ${cfg.expectStatus}` });
        return;
      }
      if (pattern === undefined) {
        finish({ ok: true, output: `HTTP ${status}` });
        return;
      }
      const re = pattern;
      const chunks: Buffer[] = [];
      let size = 0;
      const judge = (): void => {
        const body = Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
        if (re.test(body)) finish({ ok: true, output: `HTTP ${status}, body matches /${re.source}/` });
        else finish({ ok: false, output: `HTTP ${status}, body does not match /${re.source}/` });
      };
      res.on('data', (b: Buffer) => {
        chunks.push(b);
        size += b.length;
        if (size >= MAX_BODY_BYTES) judge();
      });
      res.on('end', judge);
    });
    req.on('error', (err) => finish({ ok: false, output: err.message }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
