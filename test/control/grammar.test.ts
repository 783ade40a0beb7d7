/**
 * tsbgpctl's command language (grammar.ts) and options (main.ts): bgpctl's words, every keyword
 * abbreviable to an unambiguous prefix, exact keywords winning over longer ones, one clear line for
 * an ambiguous or unknown word, and the control request each command line becomes.
 */

import t, { type Test } from 'tap';
import { parseArgv } from '../../src/control/cli/main';
import { matchKeyword, parseCommand, UsageError } from '../../src/control/cli/grammar';

const p = (line: string) => parseCommand(line.split(' ').filter((w) => w !== ''));

function refused(t: Test, line: string, message: RegExp): void {
  let err: unknown;
  try {
    p(line);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof UsageError, `"${line}" is refused`);
  const m = (err as Error | undefined)?.message ?? '';
  t.match(m, message, `"${line}": ${m}`);
  t.notMatch(m, /\n/, 'one line');
}

t.test('matchKeyword', async (t) => {
  t.same(matchKeyword('sh', ['show', 'neighbor']), { match: 'show', candidates: ['show'] });
  t.same(matchKeyword('in', ['in', 'inet', 'inet6']), { match: 'in', candidates: ['in'] }, 'exact wins');
  t.same(matchKeyword('inet', ['in', 'inet', 'inet6']).match, 'inet', 'exact wins over a longer one');
  t.same(matchKeyword('ine', ['in', 'inet', 'inet6']), { candidates: ['inet', 'inet6'] }, 'ambiguous');
  t.same(matchKeyword('x', ['show']), { candidates: [] }, 'none');
  t.same(matchKeyword('', ['show']), { candidates: [] }, 'the empty word is no abbreviation');
});

t.test('show and its abbreviations', async (t) => {
  for (const line of ['show', 's', 'sh', 'show summary', 's su', 'sho summ']) {
    t.same(p(line), { cmd: 'show.neighbors', args: {}, output: 'summary', streamed: false }, line);
  }
  t.equal(p('s su t').output, 'summary-terse');
  t.same(p('sh rib'), { cmd: 'show.rib', args: {}, output: 'rib', streamed: true });
  t.same(p('sh nei'), { cmd: 'show.neighbors', args: {}, output: 'neighbor', streamed: false });
  t.same(p('show neighbor 192.0.2.1'), { cmd: 'show.neighbors', args: { peer: '192.0.2.1' }, output: 'neighbor', streamed: false });
  t.same(p('show neighbor pop-b ti').args, { peer: 'pop-b' });
  t.equal(p('show neighbor pop-b ti').output, 'neighbor-timers');
  t.equal(p('show neighbor pop-b te').output, 'neighbor-terse');
  t.equal(p('show neighbor pop-b messages').output, 'neighbor');
  t.same(p('show neighbor group transit terse'), { cmd: 'show.neighbors', args: { group: 'transit' }, output: 'neighbor-terse', streamed: false });
  t.same(p('show neighbor 2001:db8::1 timers').args, { peer: '2001:db8::1' }, 'an address is never a keyword');
  t.same(p('sh sets'), { cmd: 'show.sets', args: {}, output: 'sets', streamed: false });
  t.same(p('sh netw inet6'), { cmd: 'show.network', args: { family: 'inet6' }, output: 'networks', streamed: false });
  t.same(p('sh int'), { cmd: 'show.interfaces', args: {}, output: 'interfaces', streamed: false });
});

t.test('show rib', async (t) => {
  t.same(p('show rib in').args, { table: 'in' }, '"in" is exact, not inet');
  t.same(p('show rib inet').args, { family: 'inet' });
  t.same(p('show rib inet6').args, { family: 'inet6' });
  t.same(p('sh rib out nei pop-b det'), { cmd: 'show.rib', args: { table: 'out', peer: 'pop-b', detail: true }, output: 'rib-detail', streamed: true });
  t.same(p('show rib 10.0.0.0/8 all').args, { prefix: '10.0.0.0/8', match: 'or-longer' }, 'all is or-longer');
  t.same(p('show rib 10.0.0.0/8 or-s').args, { prefix: '10.0.0.0/8', match: 'or-shorter' });
  t.same(p('show rib 192.0.2.1').args, { prefix: '192.0.2.1' });
  t.same(p('show rib b').args, { select: 'best' });
  t.same(p('show rib f').args, { select: 'filtered' });
  t.same(p('show rib e').args, { select: 'error' });
  t.same(p('show rib as 65001').args, { as: { type: 'as', asn: 65001 } });
  t.same(p('show rib sou 1.10').args, { as: { type: 'source-as', asn: 65546 } }, 'asdot');
  t.same(p('show rib transit-as 4200000001').args, { as: { type: 'transit-as', asn: 4200000001 } });
  t.same(p('show rib peer-as 65002 best').args, { as: { type: 'peer-as', asn: 65002 }, select: 'best' });
  t.same(p('show rib community NO_EXPORT').args, { community: 'NO_EXPORT' });
  t.same(p('show rib com 65000:*').args, { community: '65000:*' });
  t.same(p('show rib large 65000:1:*').args, { large_community: '65000:1:*' });
  t.same(p('show rib summary'), { cmd: 'show.rib.summary', args: {}, output: 'rib-summary', streamed: false });
  t.same(p('sh rib mem'), { cmd: 'show.rib.memory', args: {}, output: 'rib-memory', streamed: false });
});

t.test('neighbor, network, reload, log', async (t) => {
  t.same(p('nei 192.0.2.1 down'), { cmd: 'neighbor.down', args: { peer: '192.0.2.1' }, output: 'result', streamed: false });
  t.same(p('neighbor pop-b down maintenance window 42').args, { peer: 'pop-b', reason: 'maintenance window 42' }, 'the reason is the rest of the line');
  t.same(p('neighbor pop-b cl').args, { peer: 'pop-b' });
  t.equal(p('neighbor pop-b cl').cmd, 'neighbor.clear');
  t.equal(p('neighbor pop-b u').cmd, 'neighbor.up');
  t.equal(p('neighbor pop-b ref').cmd, 'neighbor.refresh');
  t.same(p('neighbor group transit down planned').args, { group: 'transit', reason: 'planned' });
  t.same(p('neighbor g down').args, { peer: 'g' }, 'a neighbour named like a keyword, followed by an action');
  t.same(p('rel'), { cmd: 'reload', args: {}, output: 'result', streamed: false });
  t.same(p('log v'), { cmd: 'log.level', args: { level: 'verbose' }, output: 'result', streamed: false });
  t.same(p('log b').args, { level: 'brief' });
  t.same(p('net add 192.0.2.0/24'), { cmd: 'network.add', args: { prefix: '192.0.2.0/24' }, output: 'result', streamed: false });
  t.same(p('network add 192.0.2.0/24 community 65000:1 com NO_EXPORT lo 200 med 5 nexthop 192.0.2.1 origin inc large 1:2:3').args, {
    prefix: '192.0.2.0/24',
    communities: ['65000:1', 'NO_EXPORT'],
    large_communities: ['1:2:3'],
    localpref: 200,
    med: 5,
    nexthop: '192.0.2.1',
    origin: 'incomplete',
  });
  t.same(p('network del 10.0.0.0/8'), { cmd: 'network.delete', args: { prefix: '10.0.0.0/8' }, output: 'result', streamed: false });
  t.same(p('network f'), { cmd: 'network.flush', args: {}, output: 'result', streamed: false });
  t.same(p('net sh inet'), { cmd: 'network.show', args: { family: 'inet' }, output: 'networks', streamed: false });
  t.equal(p('help').output, 'help');
});

t.test('ambiguous, unknown and incomplete command lines', async (t) => {
  refused(t, '', /missing command/);
  refused(t, 'n', /^ambiguous command "n": could be neighbor, network$/);
  refused(t, 'frobnicate', /^unknown command "frobnicate"/);
  refused(t, 's s', /ambiguous show argument "s": could be summary, sets/);
  refused(t, 'show nei pop-b t', /ambiguous show neighbor argument "t": could be timers, terse/);
  refused(t, 'show rib i', /ambiguous show rib argument "i": could be in, inet, inet6/);
  refused(t, 'show rib ine', /could be inet, inet6/);
  refused(t, 'show rib o', /could be out, or-longer, or-shorter/);
  refused(t, 'show rib bogus', /unknown show rib argument "bogus"/);
  refused(t, 'show rib all', /follows an address or prefix/);
  refused(t, 'show rib in out', /conflicts/);
  refused(t, 'show rib out filtered', /do not go together/);
  refused(t, 'show rib as', /missing AS number/);
  refused(t, 'show rib as x', /not an AS number: x/);
  refused(t, 'show rib community 65536:1', /not a community/);
  refused(t, 'show rib large-community 1:2', /not a large community/);
  refused(t, 'show rib summary detail', /unexpected argument "detail"/);
  refused(t, 'show rib detail summary', /takes no other argument/);
  refused(t, 'show neighbor a b', /takes one neighbor or one group/);
  refused(t, 'neighbor', /missing neighbor/);
  refused(t, 'neighbor pop-b', /missing neighbor action/);
  refused(t, 'neighbor pop-b bounce', /unknown neighbor action "bounce"/);
  refused(t, 'neighbor pop-b up now', /unexpected argument "now"/);
  refused(t, 'network add 192.0.2.0/24 l 5', /ambiguous network add argument "l": could be large-community, localpref/);
  refused(t, 'network add 192.0.2.0/24 med x', /not a number/);
  refused(t, 'network add everything', /not a prefix/);
  refused(t, 'reload now', /unexpected argument "now" after reload/);
  refused(t, 'log', /missing log level/);
});

t.test('options', async (t) => {
  t.same(parseArgv(['show']), { socket: '/run/tsbgpd/tsbgpd.sock', json: false, numeric: false, words: ['show'] });
  t.same(parseArgv(['-s', '/tmp/x.sock', '-j', 'show', 'rib']), { socket: '/tmp/x.sock', json: true, numeric: false, words: ['show', 'rib'] });
  t.same(parseArgv(['-jns', '/tmp/x.sock', 's']), { socket: '/tmp/x.sock', json: true, numeric: true, words: ['s'] });
  t.same(parseArgv(['-s/tmp/y.sock', 's']).socket, '/tmp/y.sock');
  t.same(parseArgv(['--', '-j']).words, ['-j']);
  t.same(parseArgv(['-h']).words, ['help']);
  t.same(parseArgv(['neighbor', 'x', 'down', '-j']).words, ['neighbor', 'x', 'down', '-j'], 'options only before the command');
  t.throws(() => parseArgv(['-x']), /unknown option -x/);
  t.throws(() => parseArgv(['-s']), /-s needs a socket path/);
});

t.test('anycast operations: drain, undrain, show health, health NAME recheck', async (t) => {
  t.same(p('drain'), { cmd: 'drain', args: {}, output: 'result', streamed: false }, 'drain alone: every neighbour');
  t.same(p('dr all'), { cmd: 'drain', args: {}, output: 'result', streamed: false });
  t.same(p('drain nei 192.0.2.1'), { cmd: 'drain', args: { peer: '192.0.2.1' }, output: 'result', streamed: false });
  t.same(p('und n transit-a'), { cmd: 'undrain', args: { peer: 'transit-a' }, output: 'result', streamed: false });
  t.same(p('undrain'), { cmd: 'undrain', args: {}, output: 'result', streamed: false });
  t.same(p('sh hea'), { cmd: 'show.health', args: {}, output: 'health', streamed: false });
  t.same(p('heal anycast-dns rech'), { cmd: 'health.recheck', args: { name: 'anycast-dns' }, output: 'health', streamed: false });
  t.same(p('help').output, 'help', 'help still exact');
  refused(t, 'drain neighbor', /neighbor/);
  refused(t, 'drain everything', /drain argument/);
  refused(t, 'health anycast-dns', /health action|recheck/);
  refused(t, 'he', /ambiguous|help|health/);
});
