/**
 * The daemon's logger: JSON lines with level names; password / key / secret fields redacted wherever
 * they sit (top level, nested, child bindings), and a configuration Secret never shows; the
 * terminal formatter writes exactly one line per event, whatever the message or fields contain.
 */

import t from 'tap';
import { Secret } from '../src/config/types';
import { createLogger, formatLogLine, REDACTED } from '../src/logging';

function capture(pretty: boolean) {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', pretty, destination: { write: (l: string) => lines.push(l) } });
  return { log, lines };
}

t.test('JSON lines with secrets redacted', async (t) => {
  const { log, lines } = capture(false);
  log.info({ peer: '192.0.2.1', password: 'hunter2', md5: { key: 'k-secret-1' }, neighbor: { auth: { password: 'deep-secret' } } }, 'neighbor configured');
  log.child({ peer: '192.0.2.2', password: 'child-secret' }).warn({ secret: 's3' }, 'child line');
  log.info({ config: { password: new Secret('from-config') } }, 'a Secret object');
  log.debug({}, 'debug shows at level debug');
  t.equal(lines.length, 4, 'one write per event');
  const all = lines.join('');
  for (const s of ['hunter2', 'k-secret-1', 'deep-secret', 'child-secret', 's3', 'from-config']) t.notMatch(all, s, `${s} never written`);
  const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, any>);
  t.equal(first!.password, REDACTED);
  t.equal(first!.md5.key, REDACTED);
  t.equal(first!.neighbor.auth.password, REDACTED);
  t.equal(first!.peer, '192.0.2.1', 'other fields untouched');
  t.equal(first!.level, 'info', 'level by name');
  t.match(first!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO time');
  t.equal(second!.password, REDACTED, 'child bindings redacted too');
  t.equal(second!.secret, REDACTED);
  for (const l of lines) t.ok(l.endsWith('\n') && l.indexOf('\n') === l.length - 1, 'a JSON line is one line');
});

t.test('terminal format: one line per event', async (t) => {
  const { log, lines } = capture(true);
  const session = log.child({ part: 'session' }).child({ peer: '192.0.2.1', description: 'transit-a' });
  session.info({ from: 'Established', to: 'Idle', reason: 'notification-received: cease/administrative-shutdown "maintenance"' }, 'state Established -> Idle');
  session.warn({ password: 'hunter2' }, 'multi\nline\r\nmessage');
  log.error({ err: new Error('boom\n  at somewhere'), changes: ['a b', 'c'] }, 'reload failed');
  log.info({ empty: '', n: 3, ok: true, nothing: null }, '');
  t.equal(lines.length, 4, 'one write per event');
  for (const l of lines) t.equal(l.split('\n').length, 2, `one line: ${JSON.stringify(l)}`);
  t.match(
    lines[0],
    /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}session 192\.0\.2\.1 \(transit-a\) state Established -> Idle from=Established to=Idle reason="notification-received: cease\/administrative-shutdown \\"maintenance\\""\n$/,
  );
  t.match(lines[1], / WARN {2}session 192\.0\.2\.1 \(transit-a\) multi\\nline\\r\\nmessage password=<redacted>\n$/, 'control characters escaped, secret redacted');
  t.notMatch(lines[1], 'hunter2');
  t.match(lines[2], / ERROR reload failed err=\{"type":"Error","message":"boom\\n  at somewhere",.*\} changes=\["a b","c"\]\n$/, 'an error object stays on the line');
  t.match(lines[3], / INFO {2}empty="" n=3 ok=true nothing=null\n$/, 'empty message: only fields');
});

t.test('formatLogLine on odd input', async (t) => {
  t.equal(formatLogLine('{"level":30,"time":"T","msg":"numeric level"}\n'), 'T INFO  numeric level\n');
  t.equal(formatLogLine('not json\nat all\n'), 'not json\\nat all\n', 'not JSON: escaped, one line');
  t.equal(formatLogLine('[1,2]'), '[1,2]\n');
});
