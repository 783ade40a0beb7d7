/**
 * configsEqual and diffConfig: what a reload would have to do for each kind of change.
 */

import t from 'tap';
import { configsEqual, diffConfig, valuesEqual, type ChangedFields, type NeighborDiff } from '../../src/config/diff';
import { formatConfigError } from '../../src/config/errors';
import { loadConfigText } from '../../src/config/load';
import { Secret, type DaemonConfig } from '../../src/config/types';

const BASE = `[global]
local-as = 65000
router-id = "192.0.2.1"

[[neighbor]]
address = "192.0.2.2"
remote-as = 65001
description = "transit"
password = "one"

[[neighbor]]
address = "192.0.2.3"
remote-as = 65000

[[network]]
prefix = "198.51.100.0/24"
`;

function load(text: string): DaemonConfig {
  const r = loadConfigText(text, 'diff.toml', { readFile: () => 'one\n' });
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

/** What the reload cares about, for strict comparison (t.match is lenient about arrays). */
const summary = (n: NeighborDiff | undefined) => n && { kind: n.kind, session: n.session, policy: n.policy, other: n.other, needsReset: n.needsReset };
const changed = (fields: Partial<ChangedFields>) => ({ kind: 'changed', session: [], policy: [], other: [], ...fields, needsReset: (fields.session ?? []).length > 0 });

/** BASE with the first neighbour's extra lines. */
const withFirst = (extra: string) => BASE.replace('password = "one"\n', `password = "one"\n${extra}\n`);

t.test('equal configs', (t) => {
  t.ok(configsEqual(load(BASE), load(BASE)));
  t.ok(diffConfig(load(BASE), load(BASE)).empty);
  t.notOk(configsEqual(load(BASE), load(BASE.replace('"one"', '"two"'))), 'a different password is a different config');
  t.end();
});

t.test('valuesEqual: secrets by content, undefined as absent', (t) => {
  t.ok(valuesEqual(new Secret('a'), new Secret('a', '/file')));
  t.notOk(valuesEqual(new Secret('a'), new Secret('b')));
  t.notOk(valuesEqual(new Secret('a'), 'a'));
  t.ok(valuesEqual({ a: 1, b: undefined }, { a: 1 }));
  t.notOk(valuesEqual([1, 2], [2, 1]));
  t.end();
});

t.test('session parameters: reset needed', (t) => {
  const cases: [string, string][] = [
    ['hold-time = 30', 'hold-time'],
    ['multihop = 2', 'multihop'],
    ['ttl-security = 1', 'ttl-security'],
    ['passive = true', 'passive'],
    ['local-address = "192.0.2.1"', 'local-address'],
    ['families = ["ipv4-unicast"]', 'families'],
    ['role = "customer"', 'role'],
    ['graceful-restart = false', 'graceful-restart'],
    ['port = 1179', 'port'],
  ];
  for (const [line, field] of cases) {
    const d = diffConfig(load(BASE), load(withFirst(line)));
    t.equal(d.neighbors.length, 1, `${field}: one neighbour changed`);
    t.equal(d.neighbors[0]!.address, '192.0.2.2');
    t.strictSame(summary(d.neighbors[0]), changed({ session: [field] }), field);
  }
  const pw = diffConfig(load(BASE), load(BASE.replace('"one"', '"two"')));
  t.strictSame(summary(pw.neighbors[0]), changed({ session: ['password'] }), 'password');
  const as = diffConfig(load(BASE), load(BASE.replace('remote-as = 65001', 'remote-as = 65002')));
  t.strictSame(summary(as.neighbors[0]), changed({ session: ['remote-as'] }), 'remote-as');
  t.end();
});

t.test('policy-only changes: no reset', (t) => {
  const cases: [string, string][] = [
    ['next-hop-self = true', 'next-hop-self'],
    ['max-prefix-in = 1000', 'max-prefix-in'],
    ['send-med = true', 'send-med'],
    ['allow-own-as = 1', 'allow-own-as'],
    ['enforce-first-as = false', 'enforce-first-as'],
  ];
  for (const [line, field] of cases) {
    const d = diffConfig(load(BASE), load(withFirst(line)));
    t.strictSame(summary(d.neighbors[0]), changed({ policy: [field] }), field);
  }
  t.end();
});

t.test('other changes: description, down, connect-retry, same key from a file', (t) => {
  const desc = diffConfig(load(BASE), load(BASE.replace('"transit"', '"transit-a"')));
  t.strictSame(summary(desc.neighbors[0]), changed({ other: ['description'] }));
  const down = diffConfig(load(BASE), load(withFirst('down = "maintenance"')));
  t.strictSame(summary(down.neighbors[0]), changed({ other: ['down'] }));
  const retry = diffConfig(load(BASE), load(withFirst('connect-retry = 5')));
  t.strictSame(summary(retry.neighbors[0]), changed({ other: ['connect-retry'] }));
  const toFile = diffConfig(load(BASE), load(BASE.replace('password = "one"', 'password-file = "/k"')));
  t.strictSame(summary(toFile.neighbors[0]), changed({ other: ['password-file'] }), 'same key, now from a file');
  t.end();
});

t.test('added, removed, and a changed address is both', (t) => {
  const d = diffConfig(load(BASE), load(BASE.replace('192.0.2.3', '192.0.2.4')));
  t.strictSame(
    d.neighbors.map((n) => [n.kind, n.address]),
    [
      ['added', '192.0.2.4'],
      ['removed', '192.0.2.3'],
    ],
  );
  t.end();
});

t.test('global changes', (t) => {
  const rid = diffConfig(load(BASE), load(BASE.replace('router-id = "192.0.2.1"', 'router-id = "192.0.2.9"')));
  t.strictSame(rid.global, { session: ['router-id'], policy: [], other: [] });
  t.equal(rid.neighbors.length, 0);
  const med = diffConfig(load(BASE), load(BASE.replace('[global]\n', '[global]\nalways-compare-med = true\nlog-level = "debug"\n')));
  t.strictSame(med.global, { session: [], policy: ['always-compare-med'], other: ['log-level'] });
  // local-as flips which neighbours are iBGP, and with it their enforce-first-as and announce defaults.
  const las = diffConfig(load(BASE), load(BASE.replace('local-as = 65000', 'local-as = 65001')));
  t.strictSame(las.global.session, ['local-as']);
  t.strictSame(
    las.neighbors.map((n) => [n.address, n.policy]),
    [
      ['192.0.2.2', ['enforce-first-as', 'announce']],
      ['192.0.2.3', ['enforce-first-as', 'announce']],
    ],
  );
  t.end();
});

t.test('networks', (t) => {
  const d = diffConfig(load(BASE), load(BASE.replace('prefix = "198.51.100.0/24"\n', 'prefix = "198.51.100.0/24"\nmed = 5\n\n[[network]]\nprefix = "2001:db8::/32"\n')));
  t.equal(d.networks.added.length, 1);
  t.equal(d.networks.added[0]!.prefix, '2001:db8::/32');
  t.equal(d.networks.changed.length, 1);
  t.equal(d.networks.changed[0]!.new.med, 5);
  t.equal(d.networks.removed.length, 0);
  t.notOk(d.empty);
  t.end();
});

t.test('prefix sets: a change to a set is networks added and removed', (t) => {
  const sets = (prefixes: string, network = '[[network]]\nset = "anycast"\nlarge-communities = ["65000:1:11"]\n') =>
    load(`${BASE}\n[[prefix-set]]\nname = "anycast"\nprefixes = [${prefixes}]\n\n${network}`);
  const before = sets('"203.0.113.0/24", "2001:db8:100::/48"');
  const d = diffConfig(before, sets('"2001:db8:100::/48", "2001:db8:200::/48"'));
  t.strictSame(
    d.networks.added.map((n) => [n.prefix, n.fromSet, n.largeCommunities]),
    [['2001:db8:200::/48', 'anycast', [[65000, 1, 11]]]],
  );
  t.strictSame(
    d.networks.removed.map((n) => n.prefix),
    ['203.0.113.0/24'],
  );
  t.strictSame(d.networks.changed, [], 'the prefix that stayed is unchanged');
  t.strictSame(d.prefixSets, { added: [], removed: [], changed: ['anycast'] });
  t.notOk(d.empty);

  const attrs = diffConfig(before, sets('"203.0.113.0/24", "2001:db8:100::/48"', '[[network]]\nset = "anycast"\nlarge-communities = ["65000:1:12"]\n'));
  t.strictSame(
    attrs.networks.changed.map((c) => [c.new.prefix, c.new.largeCommunities]),
    [
      ['203.0.113.0/24', [[65000, 1, 12]]],
      ['2001:db8:100::/48', [[65000, 1, 12]]],
    ],
    "the entry's attributes changed: every prefix of the set changed",
  );
  t.strictSame(attrs.prefixSets, { added: [], removed: [], changed: [] });

  t.ok(diffConfig(before, sets('"2001:db8:100::/48", "203.0.113.0/24"')).empty, 'the order of a set is no change');
  const gone = diffConfig(before, load(BASE));
  t.strictSame(gone.prefixSets, { added: [], removed: ['anycast'], changed: [] });
  t.strictSame(
    gone.networks.removed.map((n) => n.prefix),
    ['203.0.113.0/24', '2001:db8:100::/48'],
  );
  t.end();
});

t.test('prefix sets: moving a prefix into a set with the same attributes announces nothing new', (t) => {
  const direct = load(BASE.replace('[[network]]\nprefix = "198.51.100.0/24"\n', '[[prefix-set]]\nname = "s"\nprefixes = []\n[[network]]\nprefix = "198.51.100.0/24"\n'));
  const viaSet = load(BASE.replace('[[network]]\nprefix = "198.51.100.0/24"\n', '[[prefix-set]]\nname = "s"\nprefixes = ["198.51.100.0/24"]\n[[network]]\nset = "s"\n'));
  t.notOk(configsEqual(direct, viaSet), 'the configs differ');
  const d = diffConfig(direct, viaSet);
  t.strictSame(d.networks, { added: [], removed: [], changed: [] }, 'but the network announced is the same');
  t.strictSame(d.prefixSets.changed, ['s']);
  t.end();
});
