/**
 * systemd/tsbgpd.service, tsbgpd.sysusers and tsbgpd.tmpfiles: the settings the service needs
 * (account, capability for port 179, check before start, reload by SIGHUP, a stop timeout longer
 * than the graceful shutdown, sandbox, runtime directory for the control socket, heap size), and
 * systemd's own verdict: `systemd-analyze verify` must pass without a warning.
 *
 * The shipped unit runs /usr/local/bin/tsbgpd (npm's default global prefix). verify insists that
 * every Exec*= binary exists, so it is run on a copy in a temporary directory whose tsbgpd path
 * points at a stub script; nothing else in the copy changes.
 *
 * Without systemd-analyze the systemd checks are skipped on a developer machine and fail under CI.
 */

import t from 'tap';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULTS } from '../../src/config/schema';
import { DEFAULT_CONFIG } from '../../src/main';
import { diag, GRACEFUL_STOP_SECONDS, parseUnit, REPO_ROOT, run, timeSpanSeconds, which, type Unit } from './helpers';

const UNIT_FILE = join(REPO_ROOT, 'systemd', 'tsbgpd.service');
const SYSUSERS_FILE = join(REPO_ROOT, 'systemd', 'tsbgpd.sysusers');
const TMPFILES_FILE = join(REPO_ROOT, 'systemd', 'tsbgpd.tmpfiles');
/** Where the shipped unit expects the command: `npm install -g` with npm's default prefix. */
const SHIPPED_BIN = '/usr/local/bin/tsbgpd';
const CI = process.env.CI === 'true' || process.env.CI === '1';

const unitText = readFileSync(UNIT_FILE, 'utf8');
const unit: Unit = parseUnit(unitText);

function get(section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}
/** The effective (last) value of a single-valued key. */
function one(section: string, key: string): string | undefined {
  const v = get(section, key);
  return v[v.length - 1];
}
/** Space-separated list values, all assignments joined (as systemd does for list settings). */
function list(section: string, key: string): string[] {
  return get(section, key).flatMap((v) => v.split(/\s+/).filter(Boolean));
}

t.test('the unit has the settings the service needs', async (t) => {
  t.same([...unit.keys()], ['Unit', 'Service', 'Install'], 'sections');
  t.ok(one('Unit', 'Description'), 'Description');
  t.ok(list('Unit', 'After').includes('network-online.target'), 'starts after network-online.target');
  t.ok(list('Unit', 'Wants').includes('network-online.target'), 'wants network-online.target');
  t.ok(list('Install', 'WantedBy').includes('multi-user.target'), 'WantedBy=multi-user.target');

  t.ok(['simple', 'exec'].includes(one('Service', 'Type') ?? 'simple'), 'Type=simple or exec (no sd_notify)');

  // The account.
  const user = one('Service', 'User');
  t.ok(user && user !== 'root' && user !== '0', `runs as its own user (User=${user})`);
  t.equal(one('Service', 'Group'), user, 'Group= the same name');
  t.not(one('Service', 'DynamicUser'), 'yes', 'no DynamicUser (the key files need a stable owner)');

  // Commands.
  const start = get('Service', 'ExecStart');
  t.equal(start.length, 1, 'one ExecStart');
  const [bin, ...args] = start[0]!.split(/\s+/);
  t.equal(bin, SHIPPED_BIN, `ExecStart runs ${SHIPPED_BIN}`);
  t.same(args, ['-f', DEFAULT_CONFIG], 'in the foreground, on the default configuration file');
  const pre = get('Service', 'ExecStartPre');
  t.ok(
    pre.some((c) => c === `${SHIPPED_BIN} -n -f ${DEFAULT_CONFIG}`),
    'ExecStartPre checks the configuration (tsbgpd -n -f ...)',
  );
  const reload = get('Service', 'ExecReload');
  t.ok(reload.some((c) => /^\/(usr\/)?bin\/kill -(HUP|s HUP|SIGHUP) \$MAINPID$/.test(c)), 'ExecReload sends SIGHUP to $MAINPID');
  t.equal(reload[reload.length - 1], '/bin/kill -HUP $MAINPID', 'SIGHUP is the last reload step');
  for (const c of reload.slice(0, -1)) t.match(c, / -n /, `reload steps before the signal only check: ${c}`);

  // Restart and stop.
  t.equal(one('Service', 'Restart'), 'on-failure', 'Restart=on-failure');
  t.equal(one('Service', 'KillSignal') ?? 'SIGTERM', 'SIGTERM', 'KillSignal=SIGTERM');
  t.ok(['mixed', 'control-group'].includes(one('Service', 'KillMode') ?? 'control-group'), 'KillMode mixed or control-group');
  const stop = timeSpanSeconds(one('Service', 'TimeoutStopSec') ?? '90');
  t.ok(stop > GRACEFUL_STOP_SECONDS, `TimeoutStopSec (${stop} s) outlasts shutdown-wait and drain-wait (${GRACEFUL_STOP_SECONDS} s)`);

  // Privileges.
  t.same(list('Service', 'AmbientCapabilities'), ['CAP_NET_BIND_SERVICE'], 'ambient: CAP_NET_BIND_SERVICE only (port 179)');
  t.same(list('Service', 'CapabilityBoundingSet'), ['CAP_NET_BIND_SERVICE'], 'bounding set: CAP_NET_BIND_SERVICE only');
  t.equal(one('Service', 'NoNewPrivileges'), 'yes', 'NoNewPrivileges=yes');

  // Sandbox.
  t.equal(one('Service', 'ProtectSystem'), 'strict', 'ProtectSystem=strict');
  t.ok(['yes', 'read-only', 'tmpfs'].includes(one('Service', 'ProtectHome') ?? ''), 'ProtectHome');
  for (const key of ['PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups']) {
    t.equal(one('Service', key), 'yes', `${key}=yes`);
  }
  const families = list('Service', 'RestrictAddressFamilies');
  for (const f of ['AF_UNIX', 'AF_INET', 'AF_INET6']) t.ok(families.includes(f), `RestrictAddressFamilies allows ${f}`);
  t.notOk(families.some((f) => f.startsWith('~')), 'RestrictAddressFamilies is an allow list');
  t.notOk(families.includes('AF_PACKET'), 'no packet sockets');
  // V8 JIT needs W+X memory; capabilities in a user namespace would not bind port 179.
  t.not(one('Service', 'MemoryDenyWriteExecute'), 'yes', 'no MemoryDenyWriteExecute (Node would not start)');
  t.not(one('Service', 'PrivateUsers'), 'yes', 'no PrivateUsers (port 179 would not bind)');
  t.not(one('Service', 'PrivateNetwork'), 'yes', 'no PrivateNetwork');

  // Directories: the default control socket lives in the RuntimeDirectory.
  const runtime = one('Service', 'RuntimeDirectory');
  t.equal(runtime, 'tsbgpd', 'RuntimeDirectory=tsbgpd');
  t.equal(dirname(DEFAULTS.controlSocket), `/run/${runtime}`, 'the default control socket is in it');
  t.equal(one('Service', 'StateDirectory'), 'tsbgpd', 'StateDirectory=tsbgpd');
  const rw = list('Service', 'ReadWritePaths').map((p) => p.replace(/^[-+]/, ''));
  t.ok(rw.includes('/var/lib/tsbgpd'), 'ReadWritePaths has the state directory');
  t.notOk(rw.some((p) => p === '/etc' || p.startsWith('/etc/')), 'the configuration stays read-only');

  // Resources.
  const nofile = Number(one('Service', 'LimitNOFILE'));
  t.ok(nofile >= 4096, `LimitNOFILE=${nofile}`);
  const env = get('Service', 'Environment').join(' ');
  const heap = /NODE_OPTIONS=("?)[^"]*--max-old-space-size=(\d+)/.exec(env);
  t.ok(heap, 'NODE_OPTIONS sets --max-old-space-size');
  if (heap) t.ok(Number(heap[2]) >= 2048, `a heap for full tables (${heap[2]} MiB)`);
});

const analyze = which('systemd-analyze');
const noAnalyze = analyze || CI ? false : 'systemd-analyze is not installed';

t.test('systemd-analyze verify passes without a warning', { skip: noAnalyze }, async (t) => {
  if (!analyze) {
    t.fail('systemd-analyze is not installed (apt-get install systemd)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const stub = join(dir, 'tsbgpd');
  writeFileSync(stub, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  t.ok(unitText.includes(SHIPPED_BIN), `the shipped unit names ${SHIPPED_BIN}`);
  const copy = unitText.split(SHIPPED_BIN).join(stub);
  // The unit's name must stay tsbgpd.service; verify reads it from the file name.
  const unitDir = join(dir, 'unit');
  mkdirSync(unitDir);
  const copyFile = join(unitDir, 'tsbgpd.service');
  writeFileSync(copyFile, copy, { mode: 0o644 });

  const r = run(analyze, ['verify', copyFile], { timeoutMs: 30_000 });
  t.equal(r.status, 0, `verify exits 0`, diag(r));
  t.equal(r.stderr.trim(), '', 'verify prints no warning (unknown keys, bad values, missing binaries)');
  t.notMatch(r.stderr + r.stdout, /Unknown (key|section|lvalue)|ignoring|Failed to parse|Invalid|not executable/i, 'no rejected line');

  // The exposure score of the sandbox, where this systemd can compute it offline (v250+).
  const sec = run(analyze, ['security', '--offline=yes', '--no-pager', copyFile], { timeoutMs: 30_000 });
  const score = /Overall exposure level for \S+: ([\d.]+)/.exec(sec.stdout + sec.stderr);
  if (score) t.ok(Number(score[1]) <= 3, `exposure level ${score[1]} (of 10) stays low`);
  else t.comment(`systemd-analyze security --offline not available here (${sec.status})`);
});

t.test('sysusers snippet creates the unit user; tmpfiles gives it /etc/tsbgpd', async (t) => {
  const text = readFileSync(SYSUSERS_FILE, 'utf8');
  const user = one('Service', 'User')!;
  const line = text.split('\n').find((l) => /^u\s/.test(l));
  t.ok(line, 'a u line');
  const fields = line!.match(/"[^"]*"|\S+/g)!;
  t.equal(fields[1], user, 'for the unit user');
  t.match(fields[5] ?? '', /nologin$/, 'with no login shell');

  const sysusers = which('systemd-sysusers');
  if (!sysusers) {
    t.comment('systemd-sysusers is not installed: not run');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'tsbgpd-sysusers-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc'));
  const r = run(sysusers, [`--root=${root}`, SYSUSERS_FILE], { timeoutMs: 30_000 });
  t.equal(r.status, 0, `systemd-sysusers --root succeeds`, diag(r));
  const passwd = readFileSync(join(root, 'etc', 'passwd'), 'utf8');
  const entry = passwd.split('\n').find((l) => l.startsWith(`${user}:`));
  t.ok(entry, `passwd has ${user}`);
  const [, , uid, gid] = entry!.split(':');
  t.ok(Number(uid) > 0 && Number(uid) < 1000, `a system uid (${uid})`);
  const group = readFileSync(join(root, 'etc', 'group'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  t.equal(group?.split(':')[2], gid, 'and a group of the same name as its primary group');

  const tmpfiles = which('systemd-tmpfiles');
  if (!tmpfiles) return;
  // systemd-tmpfiles wants to be root for --root to chown; skip the run if not.
  if (process.getuid?.() !== 0) {
    t.comment('not root: systemd-tmpfiles --root not run');
    return;
  }
  const tr = run(tmpfiles, [`--root=${root}`, '--create', TMPFILES_FILE], { timeoutMs: 30_000 });
  t.equal(tr.status, 0, `systemd-tmpfiles --create succeeds`, diag(tr));
  const st = statSync(join(root, 'etc', 'tsbgpd'));
  t.equal(st.mode & 0o7777, 0o750, '/etc/tsbgpd is 0750');
  t.equal(st.uid, 0, 'owned by root');
  t.equal(String(st.gid), gid, `group ${user}`);
});
