/**
 * [[health-check]] sections: probes of the local service behind the anycast prefixes. A [[network]]
 * bound to a check (`health-check = "NAME"`) is announced while the check is up; when it goes down
 * the network is withdrawn, or with on-failure = "degrade" still announced but made less attractive
 * (prepends, communities), so that the other PoPs take the traffic. The runtime is src/health/.
 *
 *   [[health-check]]
 *   name = "dns"
 *   type = "exec"                    # exec (command, run with /bin/sh -c) | tcp (host, port) | http (url)
 *   command = "dig @127.0.0.1 example.net +time=1 +tries=1"
 *   interval = 5                     # seconds between probes; fast-interval while changing state
 *   rise = 3                         # consecutive passes to come up, fall = consecutive failures to go down
 *   disable-file = "/etc/tsbgpd/dns.disabled"   # present: down, whatever the probe says
 */

import { resolveConfigPath, type LoadContext } from './neighbors';
import { readList } from './networks';
import { DEFAULTS, HEALTH_CHECK_KEYS, isTable, RANGES, TableReader, tomlTypeName } from './schema';
import type { HealthCheckConfig } from './types';
import { parseAddress, parseCommunity, parseLargeCommunity } from './values';

const TYPES = { exec: 'exec', tcp: 'tcp', http: 'http' } as const;
const ON_FAILURE = { withdraw: 'withdraw', degrade: 'degrade' } as const;
/** Keys that belong to one type only. */
const TYPE_KEYS: Readonly<Record<string, 'exec' | 'tcp' | 'http'>> = {
  command: 'exec',
  host: 'tcp',
  port: 'tcp',
  url: 'http',
  'expect-status': 'http',
  'body-match': 'http',
};
const REQUIRED: Readonly<Record<'exec' | 'tcp' | 'http', readonly string[]>> = { exec: ['command'], tcp: ['host', 'port'], http: ['url'] };
const DEGRADE_KEYS = ['degrade-prepend', 'degrade-communities', 'degrade-large-communities'] as const;

export interface CompiledHealthChecks {
  checks: HealthCheckConfig[];
  /** Every name given, including those of checks with errors (already reported). */
  names: Set<string>;
}

export function compileHealthChecks(list: unknown[], ctx: LoadContext): CompiledHealthChecks {
  const out: HealthCheckConfig[] = [];
  const seen = new Map<string, string>();
  const errors = ctx.errors;
  list.forEach((raw, i) => {
    const path = `health-check[${i}]`;
    if (!isTable(raw)) {
      errors.atValue(path, `expected a table ([[health-check]]), got ${tomlTypeName(raw)}`);
      return;
    }
    const r = new TableReader(errors, path, raw, HEALTH_CHECK_KEYS);
    const before = errors.count;
    const name = r.string('name', { nonEmpty: true });
    if (!r.has('name')) errors.atKey(r.field('name'), 'required key is missing');
    if (name !== undefined) {
      const first = seen.get(name);
      if (first !== undefined) errors.atValue(r.field('name'), `duplicate health-check name "${name}" (first at line ${errors.lineOf(first)})`);
      else seen.set(name, r.field('name'));
    }
    const type = r.choice('type', TYPES, 'health-check type');
    if (!r.has('type')) errors.atKey(r.field('type'), 'required key is missing (exec, tcp or http)');
    if (type !== undefined) {
      for (const [key, owner] of Object.entries(TYPE_KEYS)) {
        if (r.has(key) && owner !== type) errors.atKey(r.field(key), `applies to type = "${owner}" checks; this one is "${type}"`);
      }
      for (const key of REQUIRED[type]) if (!r.has(key)) errors.atKey(r.field(key), `required key is missing (type = "${type}" needs ${REQUIRED[type].join(' and ')})`);
    }

    const hc: HealthCheckConfig = {
      name: name ?? '',
      type: type ?? 'exec',
      expectStatus: r.integer('expect-status', RANGES.httpStatus) ?? DEFAULTS.health.expectStatus,
      interval: r.integer('interval', RANGES.checkSeconds) ?? DEFAULTS.health.interval,
      fastInterval: r.integer('fast-interval', RANGES.checkSeconds) ?? DEFAULTS.health.fastInterval,
      timeout: r.integer('timeout', RANGES.checkSeconds) ?? DEFAULTS.health.timeout,
      rise: r.integer('rise', RANGES.riseFall) ?? DEFAULTS.health.rise,
      fall: r.integer('fall', RANGES.riseFall) ?? DEFAULTS.health.fall,
      onFailure: r.choice('on-failure', ON_FAILURE, 'on-failure value') ?? DEFAULTS.health.onFailure,
      degradePrepend: r.integer('degrade-prepend', RANGES.degradePrepend) ?? DEFAULTS.health.degradePrepend,
      degradeCommunities: readList(r, 'degrade-communities', parseCommunity, String),
      degradeLargeCommunities: readList(r, 'degrade-large-communities', parseLargeCommunity, (c) => c.join(':')),
    };
    const command = r.string('command', { nonEmpty: true });
    if (command !== undefined) hc.command = command;
    const host = r.string('host', { nonEmpty: true });
    if (host !== undefined) {
      const a = host.includes(':') ? parseAddress(host) : undefined;
      if (a && !a.ok) errors.atValue(r.field('host'), a.message);
      else if (!a && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) errors.atValue(r.field('host'), `"${host}" is not an address or a host name`);
      else hc.host = a?.ok ? a.value.text : host;
    }
    const port = r.integer('port', RANGES.port);
    if (port !== undefined) hc.port = port;
    const url = r.string('url', { nonEmpty: true });
    if (url !== undefined) {
      if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) errors.atValue(r.field('url'), `"${url}" is not an http:// or https:// URL`);
      else hc.url = url;
    }
    const bodyMatch = r.string('body-match', { nonEmpty: true });
    if (bodyMatch !== undefined) {
      try {
        new RegExp(bodyMatch);
        hc.bodyMatch = bodyMatch;
      } catch (e) {
        errors.atValue(r.field('body-match'), `not a regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
      }
    }
    const disableFile = r.string('disable-file', { nonEmpty: true });
    if (disableFile !== undefined) hc.disableFile = resolveConfigPath(ctx, disableFile);

    if (hc.onFailure === 'withdraw') {
      for (const key of DEGRADE_KEYS) if (r.has(key)) errors.atKey(r.field(key), 'applies with on-failure = "degrade" only');
    } else if (hc.degradePrepend === 0 && hc.degradeCommunities.length === 0 && hc.degradeLargeCommunities.length === 0) {
      errors.atValue(r.field('on-failure'), 'on-failure = "degrade" needs something to degrade with: degrade-prepend, degrade-communities or degrade-large-communities');
    }
    if (errors.count === before && name !== undefined && type !== undefined) out.push(hc);
  });
  return { checks: out, names: new Set(seen.keys()) };
}
