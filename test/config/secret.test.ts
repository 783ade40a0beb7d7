/**
 * Passwords never show: not in JSON, util.inspect, String(), printConfig, nor in any error message,
 * whether the config loads or not, inline or from a file.
 */

import { inspect } from 'node:util';
import t from 'tap';
import { formatConfigError } from '../../src/config/errors';
import { loadConfigText } from '../../src/config/load';
import { printConfig } from '../../src/config/print';
import { Secret, type DaemonConfig } from '../../src/config/types';

const INLINE = 'inline-Pa55word';
const FROM_FILE = 'file-Pa55word';

const TEXT = `[global]
local-as = 65000
router-id = "192.0.2.1"
[[neighbor]]
address = "192.0.2.2"
remote-as = 65001
password = "${INLINE}"
[[neighbor]]
address = "192.0.2.3"
remote-as = 65001
password-file = "/etc/tsbgpd/peer.key"
`;

const readFile = (p: string) => {
  if (p === '/etc/tsbgpd/peer.key') return `${FROM_FILE}\n`;
  throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
};

function loaded(): DaemonConfig {
  const r = loadConfigText(TEXT, 'secret.toml', { readFile });
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

t.test('Secret redacts itself', (t) => {
  const s = new Secret('hunter2');
  t.equal(String(s), '<redacted>');
  t.equal(`${s}`, '<redacted>');
  t.equal(JSON.stringify({ s }), '{"s":"<redacted>"}');
  t.notMatch(inspect(s), /hunter2/);
  t.notMatch(inspect({ deep: { s } }, { depth: 5, showHidden: true }), /hunter2/);
  t.equal(s.reveal(), 'hunter2');
  t.end();
});

t.test('a loaded config shows no password', (t) => {
  const c = loaded();
  t.equal(c.neighbors[0]!.password?.reveal(), INLINE, 'inline password loaded');
  t.equal(c.neighbors[1]!.password?.reveal(), FROM_FILE, 'file password loaded');
  const views = { json: JSON.stringify(c), inspect: inspect(c, { depth: 10 }), printed: printConfig(c) };
  for (const [name, text] of Object.entries(views)) {
    t.notOk(text.includes(INLINE), `${name}: no inline password`);
    t.notOk(text.includes(FROM_FILE), `${name}: no file password`);
  }
  t.match(views.printed, /^password = "<redacted>"$/m, 'the inline one prints redacted');
  t.match(views.printed, /^password-file = "\/etc\/tsbgpd\/peer\.key"$/m, 'the file one prints its path');
  t.end();
});

t.test('error messages never contain a password', (t) => {
  const broken = [
    // Each makes the config fail somewhere near a password; the file's password is too long in all.
    TEXT.replace('remote-as = 65001\npassword', 'remote-as = 0\npassword'),
    TEXT.replace(`password = "${INLINE}"`, `password = "${INLINE}"\npassword-file = "/etc/tsbgpd/peer.key"`),
    TEXT.replace(`"${INLINE}"`, `"${INLINE}`), // TOML syntax error inside the password string
    TEXT.replace(`"${INLINE}"`, `"${INLINE.repeat(10)}"`), // too long
  ];
  for (const [i, text] of broken.entries()) {
    const r = loadConfigText(text, 'secret.toml', {
      readFile: (p) => (p === '/etc/tsbgpd/peer.key' ? `${FROM_FILE}${'x'.repeat(100)}` : readFile(p)),
    });
    t.equal(r.ok, false, `case ${i} fails`);
    if (!r.ok) {
      const all = r.errors.map(formatConfigError).join('\n');
      t.notOk(all.includes(INLINE), `case ${i}: no inline password in:\n${all}`);
      t.notOk(all.includes(FROM_FILE), `case ${i}: no file password in:\n${all}`);
    }
  }
  t.end();
});
