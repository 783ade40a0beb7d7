/**
 * tsbgpctl's words for the monitor and log-updates (grammar.ts): `monitor [neighbor PEER | group
 * NAME]` and `log updates | no-updates neighbor PEER | group NAME`, abbreviations included, the
 * usage text; and the text of every kind of event (monitor-text.ts) against a golden file:
 * fixtures/control/monitor/events.jsonl rendered is events.txt (TSBGPD_UPDATE_GOLDEN=1 rewrites
 * it), each event conforming to the documented schema.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseCommand, USAGE } from '../../src/control/cli/grammar';
import { parseArgv } from '../../src/control/cli/main';
import { checkJson, JSON_STREAMS } from '../../src/control/json-schema';
import type { MonitorEventJson } from '../../src/control/json-types';
import { formatMonitorEvents, formatMonitorJson } from '../../src/control/monitor-text';
import { MUTATING_COMMANDS } from '../../src/control/protocol';
import { REPO_ROOT } from '../helpers/fixtures';

const p = (line: string) => parseCommand(line.split(' ').filter((w) => w !== ''));

t.test('monitor', async (t) => {
  const all = { cmd: 'monitor', args: {}, output: 'monitor', streamed: true };
  t.same(p('monitor'), all);
  t.same(p('mon'), all, 'mon');
  t.same(p('m'), all, 'm: nothing else starts with m');
  t.same(p('monitor neighbor 192.0.2.1'), { ...all, args: { peer: '192.0.2.1' } });
  t.same(p('mon nei 192.0.2.1'), { ...all, args: { peer: '192.0.2.1' } });
  t.same(p('mon n pop-b'), { ...all, args: { peer: 'pop-b' } }, 'n: neighbor (group does not start with n)');
  t.same(p('monitor group transit'), { ...all, args: { group: 'transit' } });
  t.same(p('mon g transit'), { ...all, args: { group: 'transit' } });
  t.throws(() => p('monitor 192.0.2.1'), /unknown monitor argument "192\.0\.2\.1" \(expected neighbor, group\)/, 'a bare address: say neighbor');
  t.throws(() => p('monitor neighbor'), /missing neighbor/);
  t.throws(() => p('monitor neighbor a b'), /unexpected argument "b"/);
  t.notOk(MUTATING_COMMANDS.has('monitor'), 'allowed on the read-only socket');
});

t.test('log updates | no-updates', async (t) => {
  t.same(p('log updates neighbor 192.0.2.1'), { cmd: 'log.updates', args: { peer: '192.0.2.1', enable: true }, output: 'result', streamed: false });
  t.same(p('log up nei pop-b'), { cmd: 'log.updates', args: { peer: 'pop-b', enable: true }, output: 'result', streamed: false });
  t.same(p('log no-updates neighbor pop-b'), { cmd: 'log.updates', args: { peer: 'pop-b', enable: false }, output: 'result', streamed: false });
  t.same(p('log no nei pop-b').args, { peer: 'pop-b', enable: false });
  t.same(p('log updates group transit').args, { group: 'transit', enable: true });
  t.throws(() => p('log updates'), /log updates: missing neighbor PEER or group NAME/);
  t.same(p('log v').args, { level: 'verbose' }, 'log verbose still');
  t.same(p('log b').args, { level: 'brief' }, 'log brief still');
  t.throws(() => p('log'), /missing log level/);
  t.ok(MUTATING_COMMANDS.has('log.updates'), 'refused on the read-only socket');
});

t.test('-j and -n may end a monitor line', async (t) => {
  t.match(parseArgv(['monitor', 'nei', '192.0.2.1', '-j']), { json: true, numeric: false, words: ['monitor', 'nei', '192.0.2.1'] });
  t.match(parseArgv(['mon', '-n', '-j']), { json: true, numeric: true, words: ['mon'] });
  t.match(parseArgv(['-s', '/x.sock', 'mon', '-jn']), { socket: '/x.sock', json: true, numeric: true, words: ['mon'] });
  t.match(parseArgv(['neighbor', 'x', 'down', '-j']), { json: false, words: ['neighbor', 'x', 'down', '-j'] }, 'other commands: a word (of the reason)');
  t.match(parseArgv(['show', '-j']), { json: false, words: ['show', '-j'] });
  t.match(parseArgv(['-j']), { json: true, words: [] });
});

t.test('usage', async (t) => {
  t.match(USAGE, /\n {2}monitor \[neighbor peer \| group name\]/);
  t.match(USAGE, /\n {2}log updates \| no-updates {2}neighbor peer \| group name\n/);
  t.match(USAGE, /tsbgpctl mon nei 192\.0\.2\.1 -j/);
});

t.test('event text, golden', async (t) => {
  const dir = join(REPO_ROOT, 'fixtures', 'control', 'monitor');
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MonitorEventJson);
  t.ok(new Set(events.map((e) => e.type)).size === 4, 'every type of event');
  for (const e of events) t.same(checkJson(e, JSON_STREAMS.monitor!.schema), [], `${e.type} conforms`);
  const text = formatMonitorEvents(events, { numeric: false });
  const golden = join(dir, 'events.txt');
  if (process.env.TSBGPD_UPDATE_GOLDEN === '1') writeFileSync(golden, text);
  t.equal(text, readFileSync(golden, 'utf8'), 'events.txt');
  t.equal(text.split('\n').length, events.length + 1, 'one line per event');
  t.notMatch(text, / +\n/, 'no trailing blanks');
  t.equal(formatMonitorJson(events), events.map((e) => JSON.stringify(e) + '\n').join(''), '-j: one compact object per line');
});
