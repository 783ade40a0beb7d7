/**
 * diffConfig for filters, sets, health checks and the new neighbour and global keys: policy changes
 * never reset a session, and each shows in its own part of the diff.
 */

import t from 'tap';
import { diffConfig } from '../../src/config/diff';
import { formatConfigError } from '../../src/config/errors';
import { loadConfigText } from '../../src/config/load';
import type { DaemonConfig } from '../../src/config/types';

const BASE = `[global]
local-as = 65000
router-id = "192.0.2.1"

[[neighbor]]
address = "192.0.2.2"
remote-as = 65001

[[prefix-set]]
name = "anycast"
prefixes = ["198.51.100.0/24"]

[[as-set]]
name = "customers"
asns = [64496, 64497]

[[community-set]]
name = "tags"
communities = ["65000:1"]

[[health-check]]
name = "dns"
type = "exec"
command = "true"

[[network]]
set = "anycast"
health-check = "dns"

[[filter]]
action = "allow"
direction = "to"
peer = "ebgp"
prefix-set = "anycast"

[[filter]]
action = "deny"
direction = "from"
source-as = "customers"
`;

function load(text: string): DaemonConfig {
  const r = loadConfigText(text, 'diff.toml');
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

const noSets = { added: [], removed: [], changed: [] };
const base = load(BASE);

t.test('no change', (t) => {
  const d = diffConfig(base, load(BASE));
  t.ok(d.empty);
  t.equal(d.policy.changed, false);
  t.strictSame(d.healthChecks, noSets);
  t.end();
});

t.test('a rule changed: policy, no session touched', (t) => {
  const d = diffConfig(base, load(BASE.replace('action = "deny"', 'action = "allow"')));
  t.strictSame(d.policy, { changed: true, rules: true, ebgpRequiresPolicy: false, prefixSets: noSets, asSets: noSets, communitySets: noSets });
  t.strictSame(d.neighbors, [], 'no neighbour changes');
  t.strictSame(d.global, { session: [], policy: [], other: [] });
  t.notOk(d.empty);
  const reordered = load(BASE.replace(/\[\[filter\]\][^[]*\[\[filter\]\]\n(action = "deny"[^[]*)$/s, '[[filter]]\n$1\n[[filter]]\naction = "allow"\ndirection = "to"\npeer = "ebgp"\nprefix-set = "anycast"\n'));
  t.equal(reordered.policy.rules[0]!.action, 'deny', 'the rules swapped');
  t.ok(diffConfig(base, reordered).policy.rules, 'the order of rules matters');
  t.end();
});

t.test('sets: as-set and community-set changes, order does not matter', (t) => {
  const as = diffConfig(base, load(BASE.replace('asns = [64496, 64497]', 'asns = [64496, 64498]')));
  t.strictSame(as.policy.asSets, { added: [], removed: [], changed: ['customers'] });
  t.equal(as.policy.changed, true);
  t.equal(as.policy.rules, false, 'the rules themselves are the same');
  t.notOk(as.empty);
  t.ok(diffConfig(base, load(BASE.replace('asns = [64496, 64497]', 'asns = [64497, 64496]'))).empty, 'reordered: no change');
  const cs = diffConfig(base, load(BASE.replace('communities = ["65000:1"]', 'communities = ["65000:1"]\nlarge-communities = ["1:1:1"]')));
  t.strictSame(cs.policy.communitySets, { added: [], removed: [], changed: ['tags'] });
  const added = diffConfig(base, load(BASE + '\n[[as-set]]\nname = "more"\nasns = [1]\n'));
  t.strictSame(added.policy.asSets, { added: ['more'], removed: [], changed: [] });
  const ps = diffConfig(base, load(BASE + '\n[[prefix-set]]\nname = "extra"\nprefixes = ["10.0.0.0/8 or-longer"]\n'));
  t.strictSame(ps.policy.prefixSets, { added: ['extra'], removed: [], changed: [] });
  t.strictSame(ps.prefixSets, { added: ['extra'], removed: [], changed: [] });
  t.notOk(ps.empty, 'a new unused set is still a change (not a filter re-run)');
  const ranged = diffConfig(load(BASE + '\n[[prefix-set]]\nname = "x"\nprefixes = ["10.0.0.0/8"]\n'), load(BASE + '\n[[prefix-set]]\nname = "x"\nprefixes = ["10.0.0.0/8 or-longer"]\n'));
  t.strictSame(ranged.policy.prefixSets.changed, ['x'], 'an entry that gained or-longer changed');
  t.end();
});

t.test('ebgp-requires-policy: a global policy change', (t) => {
  const d = diffConfig(base, load(BASE.replace('[global]\n', '[global]\nebgp-requires-policy = false\n')));
  t.strictSame(d.global, { session: [], policy: ['ebgp-requires-policy'], other: [] });
  t.equal(d.policy.ebgpRequiresPolicy, true);
  t.equal(d.policy.changed, true);
  t.end();
});

t.test('shutdown-wait, drain-wait, log-updates: other', (t) => {
  const g = diffConfig(base, load(BASE.replace('[global]\n', '[global]\nshutdown-wait = 1\ndrain-wait = 2\n')));
  t.strictSame(g.global, { session: [], policy: [], other: ['shutdown-wait', 'drain-wait'] });
  t.notOk(g.empty);
  const n = diffConfig(base, load(BASE.replace('remote-as = 65001\n', 'remote-as = 65001\nlog-updates = true\n')));
  t.strictSame(
    n.neighbors.map((x) => [x.address, x.session, x.policy, x.other, x.needsReset]),
    [['192.0.2.2', [], [], ['log-updates'], false]],
  );
  t.end();
});

t.test('health checks: added, removed, changed; a network bound elsewhere is a network change', (t) => {
  const changed = diffConfig(base, load(BASE.replace('command = "true"', 'command = "true"\nrise = 5')));
  t.strictSame(changed.healthChecks, { added: [], removed: [], changed: ['dns'] });
  t.strictSame(changed.networks, { added: [], removed: [], changed: [] }, 'the networks themselves are the same');
  t.equal(changed.policy.changed, false);
  t.notOk(changed.empty);
  const more = BASE + '\n[[health-check]]\nname = "web"\ntype = "tcp"\nhost = "127.0.0.1"\nport = 80\n';
  t.strictSame(diffConfig(base, load(more)).healthChecks, { added: ['web'], removed: [], changed: [] });
  t.strictSame(diffConfig(load(more), base).healthChecks, { added: [], removed: ['web'], changed: [] });
  const rebound = diffConfig(load(more), load(more.replace('health-check = "dns"', 'health-check = "web"')));
  t.strictSame(
    rebound.networks.changed.map((c) => [c.new.prefix, c.old.healthCheck, c.new.healthCheck]),
    [['198.51.100.0/24', 'dns', 'web']],
  );
  const unbound = diffConfig(base, load(BASE.replace('health-check = "dns"\n', '')));
  t.equal(unbound.networks.changed.length, 1, 'unbinding is a change too');
  t.end();
});
