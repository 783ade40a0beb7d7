/**
 * The daemon's logger (pino): JSON lines by default, for journald / syslog / a log shipper; when
 * stdout is a terminal, one readable line per event instead:
 *
 *   2025-05-01T10:00:00.000Z WARN  session 192.0.2.1 (pop-b) state Established -> Idle from=Established to=Idle reason="notification-received: ..."
 *
 * i.e. time, level, part, peer (and its description), message, then the other fields as key=value;
 * values with spaces, quotes or control characters are JSON-quoted, objects are compact JSON, so an
 * event never spans two lines. The formatter is ours (pino-pretty is a dependency tree of its own
 * for twenty lines of work) and runs in-process: pino writes its JSON line to a stream that
 * re-renders it.
 *
 * Secrets: passwords are never passed to the logger (log.ts), and as a second line of defence any
 * field named `password`, `key` or `secret`, at the top or up to three objects deep, is replaced by
 * "<redacted>" before the line is written (pino's redact).
 */

import pino from 'pino';
import type { Logger } from './log';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Where lines go: anything with write(string) (a stream, or a test's collector). */
export interface LogDestination {
  write(line: string): unknown;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Readable single-line text instead of JSON; default: whether stdout is a terminal. */
  pretty?: boolean;
  /** Default: stdout. */
  destination?: LogDestination;
  /** Fields on every line (default: pid). */
  base?: Record<string, unknown>;
}

/** A pino logger as the daemon's parts see it, plus its level. */
export type AppLogger = Logger & { level: string };

const SECRET_FIELDS = ['password', 'key', 'secret'];
/** pino redact paths: a secret field at the top level or nested up to three objects deep. */
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]);
export const REDACTED = '<redacted>';

export function createLogger(opts: LoggerOptions): AppLogger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: opts.base ?? { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names rather than numbers: what journald and log queries show and match on.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  };
  const out = opts.destination ?? (pretty ? process.stdout : undefined);
  const stream = pretty ? { write: (line: string) => out!.write(formatLogLine(line)) } : out;
  const logger = stream ? pino(options, stream as pino.DestinationStream) : pino(options);
  return logger as unknown as AppLogger;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields the line shows in fixed places, or not at all. */
const PLACED = new Set(['time', 'level', 'pid', 'hostname', 'msg', 'part', 'peer', 'description']);

/** One pino JSON line (with or without its newline) as one readable line ending in a newline. */
export function formatLogLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${oneLine(json.trimEnd())}\n`;
    rec = v as Record<string, unknown>;
  } catch {
    return `${oneLine(json.trimEnd())}\n`;
  }
  const parts: string[] = [];
  if (rec.time !== undefined) parts.push(String(rec.time));
  const level = typeof rec.level === 'number' ? LEVEL_NAMES[rec.level] ?? String(rec.level) : String(rec.level ?? '');
  parts.push(level.toUpperCase().padEnd(5));
  if (rec.part !== undefined) parts.push(oneLine(String(rec.part)));
  if (rec.peer !== undefined) parts.push(oneLine(String(rec.peer)) + (rec.description !== undefined ? ` (${oneLine(String(rec.description))})` : ''));
  if (rec.msg !== undefined && rec.msg !== '') parts.push(oneLine(String(rec.msg)));
  for (const [k, v] of Object.entries(rec)) {
    if (PLACED.has(k) || v === undefined) continue;
    parts.push(`${k}=${formatValue(v)}`);
  }
  return parts.join(' ') + '\n';
}

/** A value as it reads in key=value: bare when unambiguous, else JSON. */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return v !== '' && /^[^\s"=\\\x00-\x1f\x7f]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  // JSON.stringify escapes control characters, so an error's stack stays on this line.
  return JSON.stringify(v) ?? String(v);
}

/** Control characters (a newline in a message) escaped as JSON would. */
function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
