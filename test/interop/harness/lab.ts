/**
 * A lab: one namespace pair, one temporary directory, and every daemon started in it, all torn down
 * by the test's teardown whatever the outcome. On failure the tail of each daemon's log goes into
 * the TAP output, since the directory holding the logs is removed (set TSBGP_KEEP_LAB=1 to keep it).
 */

import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerKind, TapLike } from './availability';
import { createNetnsPair, NetnsEnd, NetnsPair, NetnsPairOptions } from './netns';
import { DaemonOptions, DaemonProcess, startDaemon } from './process';
import { startPeer } from './peers/index';
import type { PeerConfig, PeerDaemon } from './peers/types';

export type Side = 'a' | 'b';

/** The part of a tap Test a lab uses. */
export interface LabTest extends TapLike {
  teardown(fn: () => unknown): unknown;
  passing(): boolean;
}

export interface Lab {
  pair: NetnsPair;
  /** Temporary directory holding every daemon's work directory. */
  dir: string;
  end(side: Side): NetnsEnd;
  /** A fresh subdirectory of `dir`. */
  workDir(name: string): string;
  startPeer(kind: PeerKind, side: Side, config: PeerConfig, opts?: { name?: string }): Promise<PeerDaemon>;
  /** Any other daemon (e.g. tsbgpd itself) in a side's namespace, stopped at teardown. */
  startProcess(side: Side, opts: Omit<DaemonOptions, 'netns' | 'logDir'>): DaemonProcess;
  /** Stop everything and remove the namespaces (teardown does this too; idempotent). */
  close(): Promise<void>;
}

export interface LabOptions {
  netns?: NetnsPairOptions;
  /** Stem for the temporary directory name. */
  label?: string;
}

export async function openLab(t: LabTest, opts: LabOptions = {}): Promise<Lab> {
  const label = (opts.label ?? 'lab').replace(/[^A-Za-z0-9_-]/g, '_');
  const dir = mkdtempSync(join(tmpdir(), `tsbgp-${label}-`));
  const processes: DaemonProcess[] = [];
  const usedNames = new Set<string>();
  let pair: NetnsPair;
  try {
    pair = await createNetnsPair(opts.netns);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  // If the test process exits without teardown, the daemons and namespaces have their own exit
  // hooks (process.ts, netns.ts); this one removes the directory. Their order does not matter.
  const removeDirAtExit = (): void => {
    if (!process.env.TSBGP_KEEP_LAB) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeDirAtExit);

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    process.removeListener('exit', removeDirAtExit);
    const errors: string[] = [];
    for (const p of [...processes].reverse()) {
      try {
        await p.stop();
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (!t.passing()) {
      for (const p of processes) t.comment(`--- ${p.name} (pid ${p.pid}) log tail ---\n${p.logTail(60)}`);
    }
    await pair.remove();
    if (process.env.TSBGP_KEEP_LAB) t.comment(`lab directory kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    if (errors.length) throw new Error(`lab teardown: ${errors.join('; ')}`);
  };
  t.teardown(close);

  const uniqueName = (name: string): string => {
    let n = name;
    for (let i = 2; usedNames.has(n) && i < 1000; i++) n = `${name}-${i}`;
    usedNames.add(n);
    return n;
  };
  const workDir = (name: string): string => {
    const d = join(dir, uniqueName(name));
    mkdirSync(d, { mode: 0o700 });
    return d;
  };
  const end = (side: Side): NetnsEnd => (side === 'a' ? pair.a : pair.b);

  return {
    pair,
    dir,
    end,
    workDir,
    async startPeer(kind, side, config, peerOpts = {}) {
      const name = peerOpts.name ?? `${kind}-${side}`;
      const peer = await startPeer(kind, { netns: end(side).ns, workDir: workDir(name), config, name: kind });
      processes.push(peer.process);
      return peer;
    },
    startProcess(side, daemonOpts) {
      const p = startDaemon({ ...daemonOpts, netns: end(side).ns, logDir: workDir(daemonOpts.name) });
      processes.push(p);
      return p;
    },
    close,
  };
}
