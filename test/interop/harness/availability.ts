/**
 * Which interop peers this machine can run, and the rule for when it cannot:
 * under CI (process.env.CI set) a missing daemon or missing root is a FAILED test, so a CI image
 * that lost a package cannot turn the interop suite silently green; elsewhere the test is skipped.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { canUseNetns } from './netns';

export type PeerKind = 'bird' | 'gobgp' | 'openbgpd';
export const PEER_KINDS: readonly PeerKind[] = ['bird', 'gobgp', 'openbgpd'];

/** Things interop tests need besides the peers. */
export type ToolKind = 'tshark';
export type Requirement = PeerKind | ToolKind;

interface RequirementSpec {
  /** Human name with the version family we test against. */
  label: string;
  /** The program's own name, to put before its version number. */
  name: string;
  debianPackage: string;
  binaries: readonly string[];
  /** System users the daemon switches to. */
  users: readonly string[];
}

const REQUIREMENTS: Readonly<Record<Requirement, RequirementSpec>> = {
  bird: { label: 'BIRD 2', name: 'BIRD', debianPackage: 'bird2', binaries: ['bird', 'birdc'], users: [] },
  gobgp: { label: 'GoBGP', name: 'GoBGP', debianPackage: 'gobgpd', binaries: ['gobgpd', 'gobgp'], users: [] },
  // Debian's package creates _openbgpd (sysusers.d); bgpd refuses to start without it.
  openbgpd: { label: 'OpenBGPD', name: 'OpenBGPD', debianPackage: 'openbgpd', binaries: ['bgpd', 'bgpctl'], users: ['_openbgpd'] },
  tshark: { label: 'tshark', name: 'tshark', debianPackage: 'tshark', binaries: ['tshark'], users: [] },
};

export function requirementSpec(what: Requirement): RequirementSpec {
  return REQUIREMENTS[what];
}

/** Daemons live in sbin, which is not always on a test runner's PATH. */
function searchPath(): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin']) {
    if (!dirs.includes(d)) dirs.push(d);
  }
  return dirs;
}

/** Absolute path of an executable, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of searchPath()) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function userExists(user: string): boolean {
  try {
    execFileSync('getent', ['passwd', user], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export interface Availability {
  installed: boolean;
  /** What is missing: binaries by name, users as `user <name>`. */
  missing: string[];
}

export function availability(what: Requirement): Availability {
  const spec = REQUIREMENTS[what];
  const missing = [
    ...spec.binaries.filter((b) => findExecutable(b) === undefined),
    ...spec.users.filter((u) => !userExists(u)).map((u) => `user ${u}`),
  ];
  return { installed: missing.length === 0, missing };
}

export function isInstalled(what: Requirement): boolean {
  return availability(what).installed;
}

/** The installed Debian version of a package (e.g. `2.0.12-7`), or undefined. */
export function debianPackageVersion(pkg: string): string | undefined {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The version number the program itself reports (e.g. `2.0.12`), or undefined. */
export function programVersion(what: Requirement): string | undefined {
  const argv: Record<Requirement, string[]> = {
    bird: ['bird', '--version'],
    gobgp: ['gobgpd', '--version'],
    openbgpd: ['bgpd', '-V'],
    tshark: ['tshark', '--version'],
  };
  const [cmd, ...args] = argv[what];
  const exe = findExecutable(cmd!);
  if (exe === undefined) return undefined;
  // BIRD prints its version on stderr, the others on stdout; some exit non-zero after printing it.
  const r = spawnSync(exe, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  const firstLine = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').find((l) => /\d+\.\d+/.test(l));
  return firstLine ? /\d+\.\d+(?:\.\d+)?/.exec(firstLine)?.[0] : undefined;
}

/** `BIRD 2.0.12`, `GoBGP 3.10.0`, ...: the program name and the version it reports. */
export function programNameAndVersion(what: Requirement): string {
  return `${REQUIREMENTS[what].name} ${programVersion(what) ?? '(unknown version)'}`;
}

/** CI is on when the CI variable is set to anything but an explicit "false"/"0". */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** The part of a tap Test the requirement checks use. */
export interface TapLike {
  fail(message: string): unknown;
  /** Used with `{ skip: reason }`, which TAP reports as a skipped assertion. */
  pass(message: string, extra: { skip: string }): unknown;
  comment(...message: unknown[]): unknown;
}

/**
 * Decide what a test does when it cannot run: fail under CI, skip elsewhere. Returns whether the
 * test may go on; when false the caller returns at once.
 */
export function requireOrSkip(t: TapLike, ok: boolean, reason: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (ok) return true;
  if (inCI(env)) t.fail(`${reason} (CI is set, so this is a failure, not a skip)`);
  else t.pass(reason, { skip: reason });
  return false;
}

/** Require one interop peer (or tool); see requireOrSkip. */
export function requirePeer(t: TapLike, what: Requirement, env: NodeJS.ProcessEnv = process.env): boolean {
  const a = availability(what);
  const spec = REQUIREMENTS[what];
  return requireOrSkip(
    t,
    a.installed,
    `${spec.label} is not installed (Debian package ${spec.debianPackage}; missing: ${a.missing.join(', ')})`,
    env,
  );
}

/** Require root and working network namespaces; see requireOrSkip. */
export async function requireNetns(t: TapLike, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const support = await canUseNetns();
  return requireOrSkip(t, support.ok, support.reason ?? 'network namespaces unavailable', env);
}
