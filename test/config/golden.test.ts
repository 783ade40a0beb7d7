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
