/**
 * Golden tests of tsbgpctl's text layouts: each fixtures/control/NAME.json holds a control answer
 * (captured from daemons on loopback or edited from such a capture; its "comment" says which) and
 * the outputs to render it as; NAME.OUTPUT.txt is the expected text. The formatters are pure and
 * the answers carry times as relative seconds, so the text depends on the fixture alone.
 * A streamed `show rib` printed chunk by chunk must read the same as the whole answer, text and
 * JSON. TSBGPD_UPDATE_GOLDEN=1 rewrites the .txt files (then review them with git diff).
 */

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { RibEntryJson } from '../../src/control/json-types';
import type { OutputKind } from '../../src/control/cli/grammar';
import { render, ribPrinter } from '../../src/control/cli/output';
import { REPO_ROOT } from '../helpers/fixtures';

const DIR = join(REPO_ROOT, 'fixtures', 'control');
const UPDATE = process.env.TSBGPD_UPDATE_GOLDEN === '1';

interface Fixture {
  comment: string;
  outputs: OutputKind[];
  options?: { numeric?: boolean };
  result: unknown;
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

t.ok(fixtures.length >= 10, 'fixtures found');

for (const file of fixtures) {
  const name = file.slice(0, -'.json'.length);
  const fx = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Fixture;
  for (const output of fx.outputs) {
    t.test(`${name}: ${output}`, async (t) => {
      const opts = { json: false, numeric: fx.options?.numeric === true };
      const text = render(output, fx.result, opts);
      const golden = join(DIR, `${name}.${output}.txt`);
      if (UPDATE) writeFileSync(golden, text);
      t.equal(text, readFileSync(golden, 'utf8'), `${name}.${output}.txt`);
      t.notMatch(text, / +\n/, 'no trailing blanks');
      if (output === 'rib' || output === 'rib-detail') {
        const entries = fx.result as RibEntryJson[];
        const p = ribPrinter(output, opts);
        t.equal(p.begin() + entries.map((e) => p.chunk([e])).join('') + p.end(), text, 'printed one entry at a time: the same text');
        const j = ribPrinter(output, { json: true, numeric: false });
        const halves = [entries.slice(0, 2), entries.slice(2)];
        const streamed = j.begin() + halves.map((h) => j.chunk(h)).join('') + j.end();
        t.equal(streamed, JSON.stringify({ rib: entries }, null, '\t') + '\n', 'streamed JSON reads as JSON.stringify of the whole');
      } else {
        t.equal(render(output, fx.result, { json: true, numeric: false }), JSON.stringify(fx.result, null, '\t') + '\n', '-j prints the answer (tab-indented, as bgpctl)');
      }
    });
  }
}

t.test('every golden .txt belongs to a fixture output', async (t) => {
  const expected = new Set(fixtures.flatMap((f) => (JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture).outputs.map((o) => `${f.slice(0, -5)}.${o}.txt`)));
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.txt'))) t.ok(expected.has(f), `${f} is rendered by a fixture`);
});
