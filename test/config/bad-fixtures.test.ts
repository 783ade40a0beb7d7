/**
 * Failing configurations: each fixtures/config/bad-NAME.toml must be rejected with exactly the
 * error lines of bad-NAME.err (FILE:LINE:COL: FIELD: message, in file order, all of them).
 * Password files are served by an in-memory readFile: /etc/tsbgpd/{ok,empty,long,two-lines}.key
 * exist, locked.key is unreadable, /etc/tsbgpd is a directory, anything else is missing.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { formatConfigError } from '../../src/config/errors';
import { loadConfigText } from '../../src/config/load';
import { REPO_ROOT } from '../helpers/fixtures';

const DIR = join(REPO_ROOT, 'fixtures', 'config');

function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake`), { code });
}

export function fakePasswordFiles(path: string): string {
  const files: Record<string, string> = {
    '/etc/tsbgpd/ok.key': 'fine-key\n',
    '/etc/tsbgpd/empty.key': '\n',
    '/etc/tsbgpd/long.key': 'x'.repeat(81),
    '/etc/tsbgpd/two-lines.key': 'first-line\nsecond-line\n',
  };
  if (path === '/etc/tsbgpd/locked.key') throw errnoError('EACCES');
  if (path === '/etc/tsbgpd') throw errnoError('EISDIR');
  const content = files[path];
  if (content === undefined) throw errnoError('ENOENT');
  return content;
}

const badFixtures = readdirSync(DIR)
  .filter((f) => /^bad-.*\.toml$/.test(f))
  .sort();

t.ok(badFixtures.length >= 15, 'the failing fixtures are there');

for (const file of badFixtures) {
  t.test(file, (t) => {
    const errFile = join(DIR, file.replace(/\.toml$/, '.err'));
    t.ok(existsSync(errFile), `${file} has its .err file`);
    if (!existsSync(errFile)) return t.end();
    const expected = readFileSync(errFile, 'utf8').trimEnd().split('\n');
    const result = loadConfigText(readFileSync(join(DIR, file), 'utf8'), file, { readFile: fakePasswordFiles });
    t.equal(result.ok, false, 'rejected');
    if (!result.ok) t.strictSame(result.errors.map(formatConfigError), expected, 'exactly these errors');
    t.end();
  });
}

t.test('every .err file has its fixture', (t) => {
  for (const f of readdirSync(DIR).filter((f) => f.endsWith('.err'))) {
    t.ok(existsSync(join(DIR, f.replace(/\.err$/, '.toml'))), f);
  }
  t.end();
});
