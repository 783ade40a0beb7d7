#!/usr/bin/env node
/**
 * tsbgpctl: bgpctl for tsbgpd.
 *
 *   tsbgpctl [-jn] [-s SOCKET] COMMAND [ARGUMENT ...]
 *
 * -s the control socket (default /run/tsbgpd/tsbgpd.sock; the read-only socket refuses commands
 * that change state), -j JSON instead of text (keys: src/control/json-schema.md), -n neighbour
 * addresses instead of descriptions (after `monitor ...` too). The commands are bgpctl's
 * (grammar.ts), abbreviations included. `monitor` prints events as they happen (one line each;
 * with -j one JSON object per line) until interrupted: Ctrl-C ends it with status 0.
 * Exit status 0 on success; 1 with one line on stderr for a command that is not one,
 * a socket that cannot be reached (missing, permission denied) or a request the daemon refuses
 * (no such neighbor, read-only socket).
 */

import { ControlClient } from '../client';
import type { RibEntryJson } from '../json-types';
import { parseCommand, USAGE, UsageError } from './grammar';
import type { MonitorEventJson } from '../json-types';
import { formatMonitorEvents, formatMonitorJson } from '../monitor-text';
import { render, ribPrinter } from './output';

export const DEFAULT_SOCKET = '/run/tsbgpd/tsbgpd.sock';

export interface CliArgs {
  socket: string;
  json: boolean;
  numeric: boolean;
  words: string[];
}

export function parseArgv(argv: readonly string[]): CliArgs {
  const a: CliArgs = { socket: DEFAULT_SOCKET, json: false, numeric: false, words: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '--help') {
      a.words = ['help'];
      return a;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (let j = 1; j < arg.length; j++) {
      const f = arg[j]!;
      if (f === 'j') a.json = true;
      else if (f === 'n') a.numeric = true;
      else if (f === 'h') {
        a.words = ['help'];
        return a;
      } else if (f === 's') {
        const v = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
        if (v === undefined || v === '') throw new UsageError('-s needs a socket path');
        a.socket = v;
        break;
      } else throw new UsageError(`unknown option -${f}`);
    }
  }
  a.words = argv.slice(i);
  // -j and -n may also end a monitor line (`tsbgpctl monitor nei 192.0.2.1 -j`). Not other
  // commands: there they stay words (a reason may end in "-j").
  let end = a.words.length;
  while (end > 1 && /^-[jn]+$/.test(a.words[end - 1]!)) end--;
  if (end < a.words.length && isMonitor(a.words.slice(0, end))) {
    for (const flags of a.words.slice(end)) {
      if (flags.includes('j')) a.json = true;
      if (flags.includes('n')) a.numeric = true;
    }
    a.words = a.words.slice(0, end);
  }
  return a;
}

function isMonitor(words: readonly string[]): boolean {
  try {
    return parseCommand(words).output === 'monitor';
  } catch {
    return false;
  }
}

export interface CliIo {
  /** Write to stdout; resolves when the bytes are taken (so a full pipe slows us down). */
  write(text: string): Promise<void>;
  /** One line to stderr. */
  error(line: string): void;
  /** Call `stop` when the user interrupts (Ctrl-C, SIGTERM): `monitor` then ends with status 0. */
  onInterrupt?(stop: () => void): void;
}

/** Run one tsbgpctl command line; resolves with the exit status. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs;
  let cmd: ReturnType<typeof parseCommand>;
  try {
    args = parseArgv(argv);
    cmd = parseCommand(args.words);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.error(`tsbgpctl: ${e.message}`);
    return 1;
  }
  if (cmd.output === 'help') {
    await io.write(USAGE + '\n');
    return 0;
  }
  const client = new ControlClient(args.socket);
  try {
    await client.connect();
    if (cmd.output === 'monitor') {
      const print = (events: MonitorEventJson[]) => (args.json ? formatMonitorJson(events) : formatMonitorEvents(events, args));
      const streaming = client.stream(cmd.cmd, cmd.args, (chunk) => io.write(print(chunk as MonitorEventJson[])));
      // After an interrupt the connection is closed under it: that rejection is expected.
      streaming.catch(() => undefined);
      const interrupted = new Promise<void>((resolve) => io.onInterrupt?.(resolve));
      await Promise.race([streaming, interrupted]);
    } else if (cmd.streamed) {
      const printer = ribPrinter(cmd.output, args);
      // The legend waits for the first chunk, so that a refused request prints only its error.
      let begun = false;
      const begin = async () => {
        if (!begun) await io.write(printer.begin());
        begun = true;
      };
      const whole = await client.stream(cmd.cmd, cmd.args, async (chunk) => {
        await begin();
        await io.write(printer.chunk(chunk as RibEntryJson[]));
      });
      await begin();
      if (Array.isArray(whole)) await io.write(printer.chunk(whole as RibEntryJson[]));
      await io.write(printer.end());
    } else {
      await io.write(render(cmd.output, await client.request(cmd.cmd, cmd.args), args));
    }
    return 0;
  } catch (e) {
    io.error(`tsbgpctl: ${(e as Error).message}`);
    return 1;
  } finally {
    client.close();
  }
}

function stdio(): CliIo {
  // `tsbgpctl show rib | head`: the reader went away; that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  return {
    write: (text) =>
      new Promise((resolve) => {
        if (text === '' || process.stdout.write(text)) resolve();
        else process.stdout.once('drain', () => resolve());
      }),
    error: (line) => {
      process.stderr.write(line.endsWith('\n') ? line : line + '\n');
    },
    onInterrupt: (stop) => {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  };
}

if (require.main === module) {
  run(process.argv.slice(2), stdio()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`tsbgpctl: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
