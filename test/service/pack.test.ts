/**
 * The npm package: `npm pack` holds what an installation needs (the compiled daemon, the addon's
 * source and binding.gyp, the example configuration, the service files, the README) and none of
 * the tests or fixtures; installing the tarball compiles the TCP-MD5 addon and gives working
 * `tsbgpd` and `tsbgpctl` commands.
 *
 * The install is offline, from the npm cache that `npm ci` filled. `npm install <tarball>` cannot be
 * used for that: it resolves the dependencies' version ranges from scratch with full registry
 * metadata, while `npm ci` on this repository's lockfile (which has no `resolved` URLs) caches
 * only the abbreviated metadata, so a clean machine fails with ENOTCACHED. Instead the test writes
 * a lockfile for a tiny project that depends on the tarball, taking the exact versions and
 * integrity hashes of the production dependencies from package-lock.json, and runs
 * `npm ci --offline` there. The tarball is packed with --ignore-scripts: dist/ is already built
 * (this test runs from it), and a prepack build would rewrite dist/ under the other tests.
 */

import t from 'tap';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cleanEnv, diag, REPO_ROOT, run } from './helpers';
import { freePort } from '../helpers/net';

interface PackFile {
  path: string;
  mode: number;
}
interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: PackFile[];
}
interface LockEntry {
  version?: string;
  dev?: boolean;
  [k: string]: unknown;
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license?: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines?: Record<string, string>;
};

const work = mkdtempSync(join(tmpdir(), 'tsbgpd-pack-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

let tarball = '';

t.test('npm pack holds what an installation needs, and no tests or fixtures', async (t) => {
  t.ok(existsSync(join(REPO_ROOT, pkg.bin.tsbgpd)), 'dist/ is built');
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  const r = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], {
    cwd: REPO_ROOT,
        timeoutMs: 120_000,
  });
  t.equal(r.status, 0, `npm pack`, diag(r));
  if (r.status !== 0) return;
  const [res] = JSON.parse(r.stdout) as PackResult[];
  t.equal(res!.name, pkg.name);
  t.equal(res!.version, pkg.version);
  tarball = join(packDir, res!.filename);
  t.ok(existsSync(tarball), 'the tarball is written');
  const files = res!.files.map((f) => f.path);
  const has = new Set(files);

  for (const f of [
    'package.json',
    'README.md',
    'bgpd.toml.example',
    'binding.gyp',
    'src/native/tcp_md5.c',
    pkg.bin.tsbgpd!,
    pkg.bin.tsbgpctl!,
    'dist/src/daemon.js',
    'dist/src/session/md5.js',
    'systemd/tsbgpd.service',
    'systemd/tsbgpd.sysusers',
    'systemd/tsbgpd.tmpfiles',
    'rc.d/tsbgpd',
  ]) {
    t.ok(has.has(f), `packs ${f}`);
  }
  const unwanted = files.filter((f) =>
    /^(dist\/test\/|test\/|fixtures\/|build\/|node_modules\/|tmp\/|\.tap\/|\.ci\/)|\.tsbuildinfo$|\.node$/.test(f),
  );
  t.same(unwanted, [], 'no tests, fixtures, build output, or local files');
  t.ok(files.filter((f) => f.startsWith('dist/')).every((f) => f.startsWith('dist/src/')), 'only dist/src of dist/');
  const rcd = res!.files.find((f) => f.path === 'rc.d/tsbgpd');
  t.ok(rcd && (rcd.mode & 0o111) !== 0, 'rc.d/tsbgpd stays executable');
});

t.test('the tarball installs offline, builds the addon, and runs', async (t) => {
  if (!tarball) {
    t.fail('no tarball (npm pack failed)');
    return;
  }
  const prefix = join(work, 'install');
  mkdirSync(prefix);
  const spec = `file:${relative(prefix, tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const manifest = {
    name: 'tsbgpd-install-check',
    version: '0.0.0',
    private: true,
    dependencies: { [pkg.name]: spec },
    // npm 11 asks for install scripts to be allowed; a file: dependency is named by its spec.
    allowScripts: { [`file:${tarball}`]: true },
  };
  const packages: Record<string, unknown> = {
    '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity,
      hasInstallScript: true,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  // The production dependencies, exactly as this repository's `npm ci` installs (and caches) them.
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !entry.dev) packages[path] = entry;
  }
  for (const dep of Object.keys(pkg.dependencies)) t.ok(packages[`node_modules/${dep}`], `lockfile has ${dep}`);
  writeFileSync(join(prefix, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(prefix, 'package-lock.json'),
    JSON.stringify({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages }, null, 2),
  );

  const inst = run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], {
    cwd: prefix,
        timeoutMs: 180_000,
  });
  t.equal(inst.status, 0, `npm ci --offline`, diag(inst));
  if (inst.status !== 0) return;

  const installed = join(prefix, 'node_modules', pkg.name);
  t.ok(existsSync(join(installed, 'build', 'Release', 'tsbgpd_md5.node')), 'node-gyp compiled build/Release/tsbgpd_md5.node');
  const md5js = join(installed, 'dist', 'src', 'session', 'md5.js');
  const md5 = run(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(md5js)}).md5Supported()))`], {
    timeoutMs: 30_000,
  });
  t.equal(md5.status, 0, `md5Supported()`, diag(md5));
  t.notMatch(md5.stdout, /could not be loaded/, 'the installed package loads its addon');

  const bin = join(prefix, 'node_modules', '.bin');
  const tsbgpd = join(bin, 'tsbgpd');
  const tsbgpctl = join(bin, 'tsbgpctl');
  const v = run(tsbgpd, ['-V'], { timeoutMs: 30_000 });
  t.equal(v.status, 0, `tsbgpd -V`, diag(v));
  t.equal(v.stdout.trim(), `tsbgpd ${pkg.version}`, 'tsbgpd -V prints the version');

  // A minimal configuration: one passive neighbour on loopback, everything in the temp dir.
  const port = await freePort('127.0.0.1');
  const sock = join(work, 'ctl.sock');
  const conf = join(work, 'bgpd.toml');
  writeFileSync(
    conf,
    [
      '[global]',
      'local-as = 64496',
      'router-id = "192.0.2.1"',
      `listen = [{ address = "127.0.0.1", port = ${port} }]`,
      '[control]',
      `socket = "${sock}"`,
      '[[neighbor]]',
      'address = "127.0.0.1"',
      'remote-as = 64497',
      'passive = true',
      'description = "install-check"',
      '',
    ].join('\n'),
  );
  const check = run(tsbgpd, ['-n', '-f', conf], { timeoutMs: 30_000 });
  t.equal(check.status, 0, `tsbgpd -n -f ${conf}`, diag(check));
  const bad = join(work, 'bad.toml');
  writeFileSync(bad, '[global]\nlocal-as = 64496\n');
  const badCheck = run(tsbgpd, ['-n', '-f', bad], { timeoutMs: 30_000 });
  t.equal(badCheck.status, 1, 'tsbgpd -n exits 1 on a broken file');

  // Start it for real, ask it something through tsbgpctl, and stop it with SIGTERM.
  const child = spawn(tsbgpd, ['-f', conf], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes('tsbgpd started') && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  t.match(out, 'tsbgpd started', 'the installed daemon starts', { output: out.slice(-4000) });
  const show = run(tsbgpctl, ['-s', sock, 'show'], { timeoutMs: 30_000 });
  t.equal(show.status, 0, `tsbgpctl show`, diag(show));
  t.match(show.stdout, /install-check\s+64497/, 'lists the neighbour');
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 30_000)))]);
  clearTimeout(timer);
  t.equal(code, 0, 'exits 0 on SIGTERM', { output: out.slice(-4000) });
});
