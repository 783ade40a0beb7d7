/**
 * Two tsbgpd daemons in this process on loopback (127.0.0.1 and 127.0.0.2, ephemeral ports), driven
 * through reloads: a change that touches no session keeps it up (same uptime); a new TCP-MD5 key on
 * both sides resets that session and it comes back signed with the new key; a new network is
 * announced and a removed one withdrawn without a reset; an added neighbour starts and a removed
 * one gets Cease / Peer De-configured; a configuration with errors is refused whole.
 */

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../src/config/load';
import type { DaemonConfig } from '../src/config/types';
import { Daemon } from '../src/daemon';
import { silentLogger } from '../src/log';
import { freePort, waitUntil } from './helpers/net';
import { ALLOW_ALL_FILTERS } from './helpers/config';



interface Side {
  me: string;
  other: string;
  as: number;
  otherAs: number;
  port: number;
  otherPort: number;
  dir: string;
}

function toml(s: Side, opts: { key?: string; networks: string[]; description?: string; extraNeighbor?: string }): string {
  const lines = [
    '[global]',
    `local-as = ${s.as}`,
    `router-id = "${s.me}"`,
    `listen = [{ address = "${s.me}", port = ${s.port} }]`,
    'hold-time = 30',
    'connect-retry = 1',
    '[control]',
    `socket = "${join(s.dir, 'ctl.sock')}"`,
    '[[neighbor]]',
    `address = "${s.other}"`,
    `remote-as = ${s.otherAs}`,
    `port = ${s.otherPort}`,
    `local-address = "${s.me}"`,
    'families = ["ipv4-unicast"]',
    'connect-retry = 1',
  ];
  if (opts.description) lines.push(`description = "${opts.description}"`);
  if (opts.key) lines.push(`password = "${opts.key}"`);
  if (opts.extraNeighbor) lines.push('[[neighbor]]', `address = "${opts.extraNeighbor}"`, 'remote-as = 65333', 'passive = true');
  for (const n of opts.networks) lines.push('[[network]]', `prefix = "${n}"`);
  lines.push(...ALLOW_ALL_FILTERS);
  return lines.join('\n') + '\n';
}

function load(text: string, file: string): DaemonConfig {
  writeFileSync(file, text);
  const r = loadConfigText(text, file);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

t.test('reloads apply only what changed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-reload-'));
  const pa = await freePort('127.0.0.1');
  const pb = await freePort('127.0.0.2');
  const A: Side = { me: '127.0.0.1', other: '127.0.0.2', as: 4200000001, otherAs: 4200000002, port: pa, otherPort: pb, dir: join(dir, 'a') };
  const B: Side = { me: '127.0.0.2', other: '127.0.0.1', as: 4200000002, otherAs: 4200000001, port: pb, otherPort: pa, dir: join(dir, 'b') };
  const fileA = join(dir, 'a.toml');
  const fileB = join(dir, 'b.toml');
  const a = new Daemon(load(toml(A, { key: 'first-key', networks: ['198.51.100.0/24'] }), fileA), silentLogger, fileA);
  const b = new Daemon(load(toml(B, { key: 'first-key', networks: [] }), fileB), silentLogger, fileB);
  t.teardown(async () => {
    await a.stop();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await a.start();
  await b.start();
  const pA = () => a.peers.get('127.0.0.2')!;
  const pB = () => b.peers.get('127.0.0.1')!;
  const received = () => b.engine.received(pB()).map((r) => r.prefix).sort();
  t.ok(await waitUntil(() => pA().state === 'Established' && pB().state === 'Established', 15000), 'signed session up');
  t.ok(await waitUntil(() => received().length === 1, 5000), 'network received');
  const upSince = pA().establishedAt;

  // A description change and a new network: no reset, the network is announced.
  writeFileSync(fileA, toml(A, { key: 'first-key', networks: ['198.51.100.0/24', '203.0.113.0/24'], description: 'pop-b' }));
  const r1 = await a.reloadFromFile();
  t.ok(r1.ok, 'reload accepted');
  t.ok(await waitUntil(() => received().length === 2, 5000), 'the added network reached the peer');
  t.same(received(), ['198.51.100.0/24', '203.0.113.0/24']);
  t.equal(pA().establishedAt, upSince, 'session not reset by a description or network change');
  t.equal(pA().config.name, 'pop-b', 'description applied');

  // Removing a network withdraws it, still without a reset.
  writeFileSync(fileA, toml(A, { key: 'first-key', networks: ['203.0.113.0/24'], description: 'pop-b' }));
  t.ok((await a.reloadFromFile()).ok);
  t.ok(await waitUntil(() => received().length === 1, 5000), 'the removed network was withdrawn');
  t.same(received(), ['203.0.113.0/24']);
  t.equal(pA().establishedAt, upSince, 'still the same session');

  // A broken file is refused whole and the running configuration stays.
  writeFileSync(fileA, '[global]\nlocal-as = "not a number"\n');
  const bad = await a.reloadFromFile();
  t.notOk(bad.ok, 'a configuration with errors is refused');
  if (!bad.ok) t.match(bad.errors.join('\n'), /a\.toml:\d+:\d+: global\.local-as/, 'the error names file, line, column and field');
  t.equal(pA().state, 'Established', 'the session did not notice');
  t.equal(a.config.networks.length, 1, 'running configuration kept');

  // A new key on both sides resets that session, and it comes back signed with the new key.
  writeFileSync(fileB, toml(B, { key: 'second-key', networks: [] }));
  writeFileSync(fileA, toml(A, { key: 'second-key', networks: ['203.0.113.0/24'], description: 'pop-b' }));
  const [ra, rb] = await Promise.all([a.reloadFromFile(), b.reloadFromFile()]);
  t.ok(ra.ok && rb.ok, 'both reloads accepted');
  if (ra.ok) t.match(ra.changes.join('\n'), /127\.0\.0\.2 reset \(password\)/, 'the key change resets the session');
  t.ok(await waitUntil(() => pA().state === 'Established' && pB().state === 'Established' && pA().establishedAt !== upSince, 20000), 'back up with the new key');
  t.notMatch(JSON.stringify(a.neighborView(pA())), /second-key|first-key/, 'the key is not in show output');

  // Adding a neighbour starts it; removing it sends nothing to the others.
  writeFileSync(fileA, toml(A, { key: 'second-key', networks: ['203.0.113.0/24'], description: 'pop-b', extraNeighbor: '127.0.0.9' }));
  t.ok((await a.reloadFromFile()).ok);
  t.equal(a.peers.get('127.0.0.9')?.state, 'Active', 'added passive neighbour waits in Active');
  const up2 = pA().establishedAt;
  writeFileSync(fileA, toml(A, { key: 'second-key', networks: ['203.0.113.0/24'], description: 'pop-b' }));
  t.ok((await a.reloadFromFile()).ok);
  t.equal(a.peers.has('127.0.0.9'), false, 'removed neighbour is gone');
  t.equal(pA().establishedAt, up2, 'the other session was not touched');
});
