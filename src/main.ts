#!/usr/bin/env node
/**
 * tsbgpd command line (bgpd's habits):
 *   tsbgpd [-f FILE]          run in the foreground with FILE (default /etc/tsbgpd/bgpd.toml)
 *   tsbgpd -n [-v] [-f FILE]  check FILE and exit 0, or print every error as FILE:LINE:COL; with -v
 *                             print the effective configuration in canonical form (secrets redacted)
 *   tsbgpd -V                 print the version
 * Signals: SIGTERM/SIGINT shut down cleanly (a second one exits at once); SIGHUP reloads.
 */

import { loadConfigFile } from './config/load';
import { formatConfigError } from './config/errors';
import { printConfig } from './config/print';
import { Daemon } from './daemon';
import { createLogger } from './logging';

export const DEFAULT_CONFIG = '/etc/tsbgpd/bgpd.toml';
const VERSION = '0.1.0';

interface Args {
  file: string;
  check: boolean;
  verbose: boolean;
  version: boolean;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): Args | string {
  const a: Args = { file: DEFAULT_CONFIG, check: false, verbose: false, version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-f' || arg === '--config') {
      const v = argv[++i];
      if (v === undefined) return `${arg} needs a file name`;
      a.file = v;
    } else if (/^-[nvVh]+$/.test(arg)) {
      for (const ch of arg.slice(1)) {
        if (ch === 'n') a.check = true;
        else if (ch === 'v') a.verbose = true;
        else if (ch === 'V') a.version = true;
        else if (ch === 'h') a.help = true;
      }
    } else if (arg === '--check') a.check = true;
    else if (arg === '--version') a.version = true;
    else if (arg === '--help') a.help = true;
    else return `unknown argument: ${arg}`;
  }
  return a;
}

const USAGE = 'usage: tsbgpd [-nvV] [-f file]';

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    console.error(`tsbgpd: ${args}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.version) {
    console.log(`tsbgpd ${VERSION}`);
    return 0;
  }
  const loaded = loadConfigFile(args.file);
  if (!loaded.ok) {
    for (const e of loaded.errors) console.error(formatConfigError(e));
    console.error(`tsbgpd: ${args.file}: ${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'}`);
    return 1;
  }
  if (args.check) {
    if (args.verbose) process.stdout.write(printConfig(loaded.config));
    else console.error('configuration OK');
    return 0;
  }
  // JSON lines, or one readable line per event when stdout is a terminal.
  const log = createLogger({ level: loaded.config.logLevel });
  const daemon = new Daemon(loaded.config, log, args.file);
  try {
    await daemon.start();
  } catch (e) {
    log.error({ err: (e as Error).message }, 'startup failed');
    await daemon.stop().catch(() => undefined);
    return 1;
  }
  log.info({ config: args.file, as: loaded.config.localAs, routerId: loaded.config.routerId }, 'tsbgpd started');
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const onStop = (sig: string) => {
      if (stopping) {
        // The operator asked twice: no more waiting (the peers see the TCP connection close).
        log.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(0);
      }
      stopping = true;
      log.info({ signal: sig }, 'shutting down');
      daemon.shutdown('tsbgpd shutting down').then(
        () => resolve(0),
        (e: Error) => {
          log.error({ err: e.message }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => onStop('SIGTERM'));
    process.on('SIGINT', () => onStop('SIGINT'));
    process.on('SIGHUP', () => {
      log.info({ config: args.file }, 'SIGHUP: reloading configuration');
      void daemon.reloadFromFile();
    });
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Timers of stopped peers are cleared; anything left (a socket half-closed) must not hold us.
      if (code === 0) setTimeout(() => process.exit(code), 500).unref();
    },
    (e: Error) => {
      console.error(`tsbgpd: ${e.stack ?? e.message}`);
      process.exitCode = 1;
    },
  );
}
