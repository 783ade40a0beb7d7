#!/usr/bin/env node
/**
 * tsbgpctl: bgpctl for tsbgpd.
 *
 *   tsbgpctl [-jn] [-s SOCKET] COMMAND [ARGUMENT ...]
 *
 * -s the control socket (default /run/tsbgpd/tsbgpd.sock; the read-only socket refuses commands
 * that change state), -j JSON instead of text (keys: src/control/json-schema.md), -n neighbour
 * addresses instead of descriptions. The commands are bgpctl's (grammar.ts), abbreviations
 * included. Exit status 0 on success; 1 with one line on stderr for a command that is not one,
 * a socket that cannot be reached (missing, permission denied) or a request the daemon refuses
 * (no such neighbor, read-only socket).
 */

import { ControlClient } from '../client';
import type { RibEntryJson } from '../json-types';
import { parseCommand, USAGE, UsageError } from './grammar';
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
  return a;
}

export interface CliIo {
  /** Write to stdout; resolves when the bytes are taken (so a full pipe slows us down). */
  write(text: string): Promise<void>;
  /** One line to stderr. */
  error(line: string): void;
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
    if (cmd.streamed) {
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
