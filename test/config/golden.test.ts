/**
 * Golden configurations: each fixtures/config/NAME.in.toml loads, prints exactly as NAME.ok.toml,
 * and NAME.ok.toml loads back to an equal config that prints the same again. bgpd.toml.example is
 * one more golden (example.ok.toml).
 *
 * Inline passwords print as "<redacted>", which the loader refuses as a password; before loading
 * NAME.ok.toml back, restorePasswords() puts each neighbour's real password in its place (neighbours
 * print in order, and only those with an inline password have a `password =` line).
 * Password files are served by an in-memory readFile: /etc/tsbgpd/NAME.key holds "key-of-NAME".
 * TSBGPD_UPDATE_GOLDEN=1 rewrites the .ok.toml files (then review them with git diff).
 */

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import t from 'tap';
import { configsEqual } from '../../src/config/diff';
import { formatConfigError } from '../../src/config/errors';
import { loadConfigFile, loadConfigText } from '../../src/config/load';
import { printConfig, str } from '../../src/config/print';
import type { DaemonConfig } from '../../src/config/types';
import { REPO_ROOT } from '../helpers/fixtures';

const DIR = join(REPO_ROOT, 'fixtures', 'config');

function goldenKeys(path: string): string {
  const m = /^\/etc\/tsbgpd\/([a-z0-9-]+)\.key$/.exec(path);
  if (!m) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return `key-of-${m[1]}\n`;
}

function restorePasswords(text: string, config: DaemonConfig): string {
  const inline = config.neighbors.filter((n) => n.password !== undefined && n.passwordFile === undefined);
  let i = 0;
  const out = text.replace(/^password = "<redacted>"$/gm, () => `password = ${str(inline[i++]!.password!.reveal())}`);
  if (i !== inline.length) throw new Error(`${i} redacted passwords for ${inline.length} inline ones`);
  return out;
}

const goldens = readdirSync(DIR)
  .filter((f) => f.endsWith('.in.toml'))
  .sort()
  .map((f) => ({ name: f.slice(0, -'.in.toml'.length), input: join(DIR, f) }));
goldens.push({ name: 'example', input: join(REPO_ROOT, 'bgpd.toml.example') });

t.ok(goldens.length >= 4, 'the goldens are there');

for (const { name, input } of goldens) {
  t.test(`${name}: ${basename(input)}`, (t) => {
    const okPath = join(DIR, `${name}.ok.toml`);
    const loaded = loadConfigFile(input, { readFile: goldenKeys });
    if (!loaded.ok) {
      t.fail(`does not load:\n${loaded.errors.map(formatConfigError).join('\n')}`);
      return t.end();
    }
    const printed = printConfig(loaded.config);
    if (process.env.TSBGPD_UPDATE_GOLDEN) writeFileSync(okPath, printed);
    t.equal(printed, readFileSync(okPath, 'utf8'), 'prints as the golden file');

    for (const n of loaded.config.neighbors) {
      if (n.password) t.notOk(printed.includes(n.password.reveal()), `${n.address}'s password is not printed`);
    }

    const back = loadConfigText(restorePasswords(printed, loaded.config), okPath, { readFile: goldenKeys });
    if (!back.ok) {
      t.fail(`the printed form does not load:\n${back.errors.map(formatConfigError).join('\n')}`);
      return t.end();
    }
    t.ok(configsEqual(loaded.config, back.config), 'the printed form loads to an equal config');
    t.equal(printConfig(back.config), printed, 'and prints the same again');
    t.end();
  });
}

t.test('networks of a set that do not match it print one prefix each', (t) => {
  const loaded = loadConfigText(
    '[global]\nlocal-as = 65000\nrouter-id = "192.0.2.1"\n[[prefix-set]]\nname = "s"\nprefixes = ["10.0.0.0/8", "10.1.0.0/16"]\n[[network]]\nset = "s"\n',
    'hand.toml',
  );
  if (!loaded.ok) {
    t.fail(loaded.errors.map(formatConfigError).join('\n'));
    return t.end();
  }
  t.match(printConfig(loaded.config), /\[\[network\]\]\nset = "s"\n/, 'as loaded: one entry naming the set');
  const edited: DaemonConfig = { ...loaded.config, networks: loaded.config.networks.map((n, i) => (i === 1 ? { ...n, med: 7 } : n)) };
  const printed = printConfig(edited);
  t.notMatch(printed, /^set = /m, 'no set entry');
  const entries = printed.split('\n[[network]]\n').slice(1);
  t.strictSame(
    entries.map((e) => [/^prefix = "(.*)"$/m.exec(e)?.[1], /^med = (.*)$/m.exec(e)?.[1]]),
    [
      ['10.0.0.0/8', undefined],
      ['10.1.0.0/16', '7'],
    ],
    'each network printed, attributes kept',
  );
  t.end();
});
