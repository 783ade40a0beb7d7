/**
 * Loading bgpd.toml into a DaemonConfig: parse the TOML (smol-toml), index where every key sits,
 * then read each section, collecting every error with its file:line:column rather than stopping at
 * the first. A config with any error is rejected whole: the daemon never runs half a configuration.
 *
 * Relative paths (control sockets, password files) are resolved against the directory of the
 * configuration file, so `tsbgpd -f fixtures/demo/bgpd.toml` works from any working directory; the
 * compiled config holds absolute paths only.
 *
 * The schema itself is in schema.ts, neighbours and groups in neighbors.ts, prefix sets and networks in
 * networks.ts, AS and community sets in sets.ts, filter rules in policy.ts, health checks in health-checks.ts,
 * value syntax in values.ts and prefix-items.ts.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };
import { IPV4_UNICAST } from '../wire/iana';
import { ErrorCollector, sortConfigErrors, type ConfigError } from './errors';
import { compileHealthChecks } from './health-checks';
import { compileNeighbors, resolveConfigPath, type LoadContext } from './neighbors';
import { compileNetworks, compilePrefixSets } from './networks';
import { compilePolicySections } from './policy';
import { indexPositions } from './positions';
import {
  CONTROL_KEYS,
  DEFAULTS,
  GLOBAL_KEYS,
  isTable,
  LISTEN_KEYS,
  LOG_LEVELS,
  METRICS_KEYS,
  RANGES,
  TableReader,
  TOP_LEVEL_KEYS,
  tomlTypeName,
  type LogLevel,
  type TomlTable,
} from './schema';
import type { ControlConfig, DaemonConfig, ListenConfig, MetricsConfig } from './types';
import { parseAddress, parseFileMode, parseHostPort } from './values';

// smol-toml ships ESM typings; at run time its CommonJS build is what `require` loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const toml = require('smol-toml') as typeof SmolToml;

export type { ConfigError } from './errors';
export { formatConfigError } from './errors';

export type LoadResult = { ok: true; config: DaemonConfig } | { ok: false; errors: ConfigError[] };

export interface LoadOptions {
  /** Reads a password file (default: fs.readFileSync); throws like it on failure. Injected by tests. */
  readFile?: (path: string) => string | Buffer;
}

export function loadConfigFile(path: string, options: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code ?? 'read failed';
    return { ok: false, errors: [{ file: path, line: 0, column: 0, field: '', message: `cannot read the configuration file: ${code}` }] };
  }
  return loadConfigText(text, path, options);
}

/** Load configuration text; `path` names it in errors and anchors relative paths. */
export function loadConfigText(text: string, path: string, options: LoadOptions = {}): LoadResult {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let root: TomlTable;
  try {
    root = toml.parse(source, { integersAsBigInt: true });
  } catch (e) {
    if (!(e instanceof toml.TomlError)) throw e;
    // Only the first line: the rest is a quote of the text around the error, which may be a password.
    const message = e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    return { ok: false, errors: [{ file: path, line: e.line, column: e.column, field: '', message }] };
  }
  const errors = new ErrorCollector(path, indexPositions(source));
  const ctx: LoadContext = {
    errors,
    baseDir: dirname(resolve(path)),
    readFile: options.readFile ?? ((p) => readFileSync(p)),
  };
  const config = compileConfig(root, ctx);
  if (errors.count > 0 || config === undefined) return { ok: false, errors: sortConfigErrors(errors.errors) };
  return { ok: true, config };
}

function compileConfig(root: TomlTable, ctx: LoadContext): DaemonConfig | undefined {
  const top = new TableReader(ctx.errors, '', root, TOP_LEVEL_KEYS, {}, 'section');
  const global = compileGlobal(sectionTable(top, 'global'), ctx);
  const control = compileControl(sectionTable(top, 'control') ?? {}, ctx);
  const metricsTable = top.has('metrics') ? sectionTable(top, 'metrics') : undefined;
  const metrics = metricsTable ? compileMetrics(metricsTable, ctx) : undefined;
  const { neighbors, groupNames } = compileNeighbors(sectionArray(top, 'group'), sectionArray(top, 'neighbor'), global, ctx);
  const prefixSets = compilePrefixSets(sectionArray(top, 'prefix-set'), ctx);
  const policy = compilePolicySections(
    sectionArray(top, 'as-set'),
    sectionArray(top, 'community-set'),
    sectionArray(top, 'filter'),
    { neighborAddresses: new Set(neighbors.map((n) => n.address)), groupNames, prefixSets },
    ctx,
  );
  const health = compileHealthChecks(sectionArray(top, 'health-check'), ctx);
  const networks = compileNetworks(sectionArray(top, 'network'), prefixSets, health.names, ctx);
  if (global.localAs === undefined || global.routerId === undefined) return undefined;
  const config: DaemonConfig = {
    localAs: global.localAs,
    routerId: global.routerId,
    listen: global.listen,
    control,
    logLevel: global.logLevel,
    holdTime: global.holdTime,
    connectRetry: global.connectRetry,
    neighbors,
    prefixSets: prefixSets.list,
    networks,
    alwaysCompareMed: global.alwaysCompareMed,
    ebgpRequiresPolicy: global.ebgpRequiresPolicy,
    asSets: policy.asSets,
    communitySets: policy.communitySets,
    policy: {
      ebgpRequiresPolicy: global.ebgpRequiresPolicy,
      prefixSets: prefixSets.list,
      asSets: policy.asSets,
      communitySets: policy.communitySets,
      rules: policy.rules,
    },
    healthChecks: health.checks,
    shutdownWait: global.shutdownWait,
    drainWait: global.drainWait,
  };
  if (metrics) config.metrics = metrics;
  if (global.hostname !== undefined) config.hostname = global.hostname;
  return config;
}

/** `[name]`: a table (absent: empty); undefined when it is (reported) something else. */
function sectionTable(top: TableReader, name: string): TomlTable | undefined {
  const v = top.raw(name);
  if (v === undefined) return {};
  if (isTable(v)) return v;
  top.errors.atValue(name, `expected a table ([${name}]), got ${tomlTypeName(v)}`);
  return undefined;
}

/** `[[name]]`: an array of tables (absent: empty). */
function sectionArray(top: TableReader, name: string): unknown[] {
  const v = top.raw(name);
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  const hint = isTable(v) ? `: write [[${name}]], not [${name}]` : '';
  top.errors.atValue(name, `expected an array of tables ([[${name}]]), got ${tomlTypeName(v)}${hint}`);
  return [];
}

interface GlobalSettings {
  localAs?: number;
  routerId?: string;
  listen: ListenConfig[];
  holdTime: number;
  connectRetry: number;
  logLevel: LogLevel;
  hostname?: string;
  alwaysCompareMed: boolean;
  ebgpRequiresPolicy: boolean;
  shutdownWait: number;
  drainWait: number;
}

/** `table` undefined: [global] was not a table (already reported), so missing keys are no news. */
function compileGlobal(table: TomlTable | undefined, ctx: LoadContext): GlobalSettings {
  const r = new TableReader(ctx.errors, 'global', table ?? {}, GLOBAL_KEYS);
  const required = (key: string) => {
    if (table !== undefined && !r.has(key)) ctx.errors.atKey(r.field(key), 'required key is missing');
  };
  const localAs = r.asNumber('local-as');
  required('local-as');
  const routerId = r.address('router-id');
  required('router-id');
  let routerIdText: string | undefined;
  if (routerId && routerId.family !== IPV4_UNICAST) {
    ctx.errors.atValue(r.field('router-id'), 'must be an IPv4 address (the BGP Identifier is 32 bits, RFC 4271 sec. 4.2)');
  } else if (routerId && routerId.text === '0.0.0.0') {
    ctx.errors.atValue(r.field('router-id'), 'must not be 0.0.0.0 (RFC 6286)');
  } else routerIdText = routerId?.text;
  const port = r.integer('port', RANGES.port) ?? DEFAULTS.port;
  const levels = Object.fromEntries(LOG_LEVELS.map((l) => [l, l])) as Record<string, LogLevel>;
  const out: GlobalSettings = {
    listen: compileListen(r, port),
    holdTime: r.integer('hold-time', RANGES.holdTime) ?? DEFAULTS.holdTime,
    connectRetry: r.integer('connect-retry', RANGES.connectRetry) ?? DEFAULTS.connectRetry,
    logLevel: r.choice('log-level', levels, 'log-level') ?? (DEFAULTS.logLevel as LogLevel),
    alwaysCompareMed: r.boolean('always-compare-med') ?? false,
    ebgpRequiresPolicy: r.boolean('ebgp-requires-policy') ?? DEFAULTS.ebgpRequiresPolicy,
    shutdownWait: r.integer('shutdown-wait', RANGES.waitSeconds) ?? DEFAULTS.shutdownWait,
    drainWait: r.integer('drain-wait', RANGES.waitSeconds) ?? DEFAULTS.drainWait,
  };
  // The FQDN capability carries the name behind a one-octet length.
  const hostname = r.string('hostname', { nonEmpty: true, maxBytes: 255 });
  if (hostname !== undefined) out.hostname = hostname;
  if (localAs !== undefined) out.localAs = localAs;
  if (routerIdText !== undefined) out.routerId = routerIdText;
  return out;
}

/** `listen = ["0.0.0.0", { address = "::", port = 1179 }]`; bare addresses take the global port. */
function compileListen(r: TableReader, port: number): ListenConfig[] {
  const list = r.array('listen');
  if (list === undefined) return DEFAULTS.listen.map((host) => ({ host, port }));
  const out: ListenConfig[] = [];
  list.forEach((v, i) => {
    const field = `${r.field('listen')}[${i}]`;
    let entry: ListenConfig | undefined;
    if (typeof v === 'string') {
      const a = parseAddress(v);
      if (a.ok) entry = { host: a.value.text, port };
      else r.errors.atValue(field, a.message);
    } else if (isTable(v)) {
      const t = new TableReader(r.errors, field, v, LISTEN_KEYS);
      const a = t.address('address');
      if (!t.has('address')) r.errors.atKey(t.field('address'), 'required key is missing');
      const p = t.integer('port', RANGES.port);
      if (a && (p !== undefined || !t.has('port'))) entry = { host: a.text, port: p ?? port };
    } else {
      r.errors.atValue(field, `expected an address or a table { address = "...", port = N }, got ${tomlTypeName(v)}`);
    }
    if (!entry) return;
    if (out.some((e) => e.host === entry.host && e.port === entry.port)) {
      r.errors.atValue(field, `${entry.host} port ${entry.port} is listed twice`);
      return;
    }
    out.push(entry);
  });
  return out;
}

function compileControl(table: TomlTable, ctx: LoadContext): ControlConfig {
  const r = new TableReader(ctx.errors, 'control', table, CONTROL_KEYS);
  const socket = r.string('socket', { nonEmpty: true });
  const control: ControlConfig = {
    socket: resolveConfigPath(ctx, socket ?? DEFAULTS.controlSocket),
    mode: DEFAULTS.controlMode,
  };
  const mode = r.raw('mode');
  if (typeof mode === 'string' || typeof mode === 'bigint') {
    const parsed = parseFileMode(typeof mode === 'bigint' ? Number(mode) : mode);
    if (parsed.ok) control.mode = parsed.value;
    else ctx.errors.atValue(r.field('mode'), parsed.message);
  } else if (mode !== undefined) {
    ctx.errors.atValue(r.field('mode'), `expected a file mode like "0660", got ${tomlTypeName(mode)}`);
  }
  const restricted = r.string('restricted-socket', { nonEmpty: true });
  if (restricted !== undefined) {
    control.restrictedSocket = resolveConfigPath(ctx, restricted);
    if (control.restrictedSocket === control.socket) ctx.errors.atValue(r.field('restricted-socket'), 'must differ from socket');
  }
  return control;
}

function compileMetrics(table: TomlTable, ctx: LoadContext): MetricsConfig | undefined {
  const r = new TableReader(ctx.errors, 'metrics', table, METRICS_KEYS);
  const listen = r.string('listen');
  if (!r.has('listen')) ctx.errors.atKey(r.field('listen'), 'required key is missing');
  if (listen === undefined) return undefined;
  const parsed = parseHostPort(listen);
  if (parsed.ok) return parsed.value;
  ctx.errors.atValue(r.field('listen'), parsed.message);
  return undefined;
}
