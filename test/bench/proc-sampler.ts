/**
 * Resident memory of a daemon and everything it forked (OpenBGPD's session and route engines), from
 * /proc: every `intervalMs` the VmRSS of each process in the tree is summed. The tree is found via
 * /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN), or by scanning every process's parent when
 * the kernel lacks that file. Threads share their process's memory and are not counted twice.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface RssSample {
  /** Date.now() of the sample. */
  t: number;
  /** Sum of VmRSS over the tree, in kB. */
  kb: number;
  processes: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or thread is gone
  }
}

const HAVE_CHILDREN_FILE = existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    const text = read(`/proc/${pid}/task/${tid}/children`);
    if (text) for (const c of text.trim().split(/\s+/)) if (c) out.push(Number(c));
  }
  return out;
}

function treeByScan(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (!stat) continue;
    // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = kids.get(ppid) ?? [];
    list.push(Number(name));
    kids.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0 && out.length < 1000) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** The pids of `root` and all its descendants. */
export function processTree(root: number): number[] {
  if (!HAVE_CHILDREN_FILE) return treeByScan(root);
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0 && out.length < 1000) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...childrenOf(p));
  }
  return out;
}

/** VmRSS of one process in kB (0 when gone or a zombie). */
export function rssKb(pid: number): number {
  const status = read(`/proc/${pid}/status`);
  const m = status ? /^VmRSS:\s+(\d+)\s+kB/m.exec(status) : null;
  return m ? Number(m[1]) : 0;
}

export class TreeSampler {
  readonly samples: RssSample[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    readonly root: number,
    readonly intervalMs = 100,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): RssSample {
    const pids = processTree(this.root);
    let kb = 0;
    let n = 0;
    for (const p of pids) {
      const r = rssKb(p);
      if (r > 0) n++;
      kb += r;
    }
    const s = { t: Date.now(), kb, processes: n };
    if (n > 0) this.samples.push(s);
    return s;
  }

  /** Highest sum in [from, to] (Date.now() times), in kB. */
  peakKb(from = 0, to = Infinity): number {
    let peak = 0;
    for (const s of this.samples) if (s.t >= from && s.t <= to && s.kb > peak) peak = s.kb;
    return peak;
  }

  /** Most processes seen in the tree at once. */
  get maxProcesses(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.processes), 0);
  }

  last(): RssSample | undefined {
    return this.samples[this.samples.length - 1];
  }
}
