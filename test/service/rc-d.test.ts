/**
 * rc.d/tsbgpd, the OpenBSD rc.d(8) script: valid shell (sh -n, and ksh/mksh -n or bash --posix -n,
 * whichever are here: OpenBSD's ksh is not), the variables rc.subr(8) reads, and rc_pre run for
 * real against a stub rc.subr: it makes the control socket directory and checks the configuration
 * with the daemon's own command, so a broken file stops the start.
 */

import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/main';
import { cleanEnv, diag, GRACEFUL_STOP_SECONDS, REPO_ROOT, run, shellAssignments, which } from './helpers';

const SCRIPT = join(REPO_ROOT, 'rc.d', 'tsbgpd');
const text = readFileSync(SCRIPT, 'utf8');
const vars = shellAssignments(text);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** Lines that are not comments or blank. */
const code = text
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

t.test('shell syntax', async (t) => {
  t.match(text.split('\n')[0]!, /^#!\/bin\/ksh$/, 'runs under /bin/ksh, as rc.d scripts do');
  t.ok((statSync(SCRIPT).mode & 0o111) !== 0, 'is executable');
  const shells: Array<[string, string[]]> = [['sh', ['-n']]];
  for (const k of ['ksh', 'oksh', 'mksh', 'ksh93']) if (which(k)) shells.push([k, ['-n']]);
  if (which('bash')) shells.push(['bash', ['--posix', '-n']]);
  for (const [sh, args] of shells) {
    const r = run(sh, [...args, SCRIPT], { timeoutMs: 10_000 });
    t.equal(r.status, 0, `${sh} ${args.join(' ')} accepts it`, diag(r));
  }
});

t.test('rc.subr variables and structure', async (t) => {
  const daemon = vars.get('daemon') ?? '';
  const [node, ...nodeArgs] = daemon.split(/\s+/);
  t.equal(node, '/usr/local/bin/node', 'daemon runs the packaged node');
  const mainJs = nodeArgs[nodeArgs.length - 1]!;
  t.equal(mainJs, `/usr/local/lib/node_modules/tsbgpd/${pkg.bin.tsbgpd}`, 'the tsbgpd bin of the npm -g install');
  t.ok(nodeArgs.slice(0, -1).every((a) => a.startsWith('--')), 'only node options before the script');
  t.ok(nodeArgs.some((a) => /^--max-old-space-size=\d+$/.test(a)), 'a heap for full tables');
  t.equal(vars.get('daemon_flags'), `-f ${DEFAULT_CONFIG}`, 'daemon_flags: the default configuration file');
  t.match(vars.get('daemon_user') ?? '', /^_[a-z]+$/, 'daemon_user: an _underscore system account');
  t.equal(vars.get('daemon_user'), '_tsbgpd', 'daemon_user=_tsbgpd');
  t.ok(Number(vars.get('daemon_timeout')) > GRACEFUL_STOP_SECONDS, 'daemon_timeout outlasts shutdown-wait and drain-wait');
  t.equal(vars.get('rc_bg'), 'YES', 'rc_bg=YES: tsbgpd stays in the foreground');
  t.not(vars.get('rc_reload'), 'NO', 'reload is supported (rc.subr default: pkill -HUP)');
  t.notOk(vars.has('pexp'), "rc.subr's default pexp is kept: it matches node's argv exactly");

  const subr = code.indexOf('. /etc/rc.d/rc.subr');
  t.ok(subr > 0, 'sources /etc/rc.d/rc.subr');
  for (const v of ['daemon', 'daemon_flags', 'daemon_user']) {
    const at = code.findIndex((l) => l.startsWith(`${v}=`));
    t.ok(at >= 0 && at < subr, `${v} is set before rc.subr reads it`);
  }
  t.ok(code.findIndex((l) => l.startsWith('rc_bg=')) > subr, 'rc_bg after rc.subr');
  t.equal(code[code.length - 1], 'rc_cmd $1', 'ends with rc_cmd $1');
  t.ok(/^rc_pre\(\)\s*\{/m.test(text), 'defines rc_pre');
});

/**
 * A stand-in for /etc/rc.d/rc.subr, enough to run rc_pre: rc_exec runs the command (as rc.subr's
 * does, minus su and logger), `install` and `id` are recorded instead of touching /var/run or the
 * password database, and <name>_flags overrides daemon_flags as rc.conf.local would.
 */
function stubSubr(log: string): string {
  return [
    `install() { echo "install $*" >> '${log}'; }`,
    'id() { echo _tsbgpd; }',
    `rc_exec() { echo "rc_exec $*" >> '${log}'; sh -c "$*"; }`,
    '[ -n "${tsbgpd_flags}" ] && daemon_flags=${tsbgpd_flags}',
    'pexp="${daemon}${daemon_flags:+ ${daemon_flags}}"',
    'rc_cmd() {',
    '  case "$1" in',
    '  pre) rc_pre ;;',
    `  vars) echo "pexp=$pexp" >> '${log}'; echo "rc_bg=$rc_bg" >> '${log}' ;;`,
    '  *) echo "stub rc.subr: $1" >&2; return 2 ;;',
    '  esac',
    '}',
    '',
  ].join('\n');
}

t.test('rc_pre makes the socket directory and checks the configuration as the daemon', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-rcd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'log');
  const readLog = (): string => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  writeFileSync(join(dir, 'rc.subr'), stubSubr(log));
  // The script as installed, with node and the package pointing at this machine's.
  const script = text
    .replace('. /etc/rc.d/rc.subr', `. '${join(dir, 'rc.subr')}'`)
    .split('/usr/local/bin/node')
    .join(process.execPath)
    .split('/usr/local/lib/node_modules/tsbgpd')
    .join(REPO_ROOT);
  t.not(script, text, 'paths rewritten');
  const copy = join(dir, 'tsbgpd');
  writeFileSync(copy, script, { mode: 0o755 });

  const good = join(dir, 'good.toml');
  writeFileSync(
    good,
    ['[global]', 'local-as = 64496', 'router-id = "192.0.2.1"', 'listen = []', '[control]', `socket = "${join(dir, 'ctl.sock')}"`, ''].join('\n'),
  );
  const bad = join(dir, 'bad.toml');
  writeFileSync(bad, '[global]\nlocal-as = "not a number"\n');
  const shell = which('mksh') ?? which('ksh') ?? 'bash';
  const env = (flags: string) => ({ ...cleanEnv(), tsbgpd_flags: flags });

  const v = run(shell, [copy, 'vars'], { env: env(''), timeoutMs: 10_000 });
  t.equal(v.status, 0, `vars`, diag(v));
  const daemon = vars.get('daemon')!.split('/usr/local/bin/node').join(process.execPath).split('/usr/local/lib/node_modules/tsbgpd').join(REPO_ROOT);
  t.match(readLog(), `pexp=${daemon} -f ${DEFAULT_CONFIG}\n`, 'pexp is the full node command line');
  rmSync(log, { force: true });

  const ok = run(shell, [copy, 'pre'], { env: env(`-f ${good}`), timeoutMs: 60_000 });
  t.equal(ok.status, 0, `rc_pre passes on a good file`, diag(ok));
  const lines = readLog().trim().split('\n');
  t.match(lines[0], /^install -d -o _tsbgpd -g _tsbgpd -m 0755 \/var\/run\/tsbgpd$/, 'makes /var/run/tsbgpd for the daemon');
  t.equal(lines[1], `rc_exec ${daemon} -n -f ${good}`, 'then runs tsbgpd -n as the daemon user');
  rmSync(log, { force: true });

  const no = run(shell, [copy, 'pre'], { env: env(`-f ${bad}`), timeoutMs: 60_000 });
  t.not(no.status, 0, 'rc_pre fails on a broken file, so rc.subr does not start the daemon');
  t.match(no.stderr, /local-as/, 'with the error');
});
