/**
 * The JSON that tsbgpctl -j prints is what json-schema.ts documents, key for key: every golden
 * fixture's answer conforms (no undocumented key, no missing one, right types), the checker itself
 * catches each kind of mistake, and src/control/json-schema.md is the rendering of the schema
 * (TSBGPD_UPDATE_GOLDEN=1 rewrites it). Answers of a live daemon are checked in cli.test.ts.
 */

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { OutputKind } from '../../src/control/cli/grammar';
import { JSON_DOCUMENT_OF } from '../../src/control/cli/output';
import { checkJson, JSON_DOCUMENTS, schemaMarkdown } from '../../src/control/json-schema';
import { REPO_ROOT } from '../helpers/fixtures';

const DIR = join(REPO_ROOT, 'fixtures', 'control');

/** The document -j prints for an answer (a streamed rib is wrapped as {rib: [...]}). */
function documentOf(output: Exclude<OutputKind, 'help'>, result: unknown): { name: string; doc: unknown } {
  const name = JSON_DOCUMENT_OF[output];
  return { name, doc: name === 'rib' ? { rib: result } : result };
}

t.test('every fixture answer conforms to its documented schema', async (t) => {
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.json'))) {
    const fx = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { outputs: Exclude<OutputKind, 'help'>[]; result: unknown };
    const { name, doc } = documentOf(fx.outputs[0]!, fx.result);
    t.same(checkJson(doc, JSON_DOCUMENTS[name]!.schema), [], `${f} is a valid "${name}" document`);
  }
});

t.test('the checker finds what is wrong', async (t) => {
  const s = JSON_DOCUMENTS.result!.schema;
  t.same(checkJson({ status: 'OK', ok: true, message: 'x' }, s), []);
  t.same(checkJson({ status: 'OK', ok: true }, s), ['$.message: missing']);
  t.same(checkJson({ status: 'OK', ok: true, message: 'x', extra: 1 }, s), ['$.extra: not documented']);
  t.same(checkJson({ status: 'OK', ok: 'yes', message: 'x' }, s), ['$.ok: expected boolean, got string']);
  t.same(checkJson({ status: 'FAILED', ok: true, message: 'x' }, s), ['$.status: "FAILED" is not one of OK']);
  t.same(checkJson({ status: 'OK', ok: true, message: 'x', changes: [1] }, s), ['$.changes[0]: expected string, got number']);
  t.same(checkJson([], s), ['$: expected object, got array']);
});

t.test('every output kind has a documented JSON document', async (t) => {
  for (const [output, name] of Object.entries(JSON_DOCUMENT_OF)) t.ok(JSON_DOCUMENTS[name], `${output} -> ${name}`);
  for (const [name, d] of Object.entries(JSON_DOCUMENTS)) {
    t.equal(d.schema.type, 'object', `${name} is an object`);
    if (d.schema.type === 'object' && name !== 'result') t.ok(name in d.schema.fields, `${name} has its own name as top-level key`);
  }
});

t.test('json-schema.md is the rendering of the schema', async (t) => {
  const file = join(REPO_ROOT, 'src', 'control', 'json-schema.md');
  const md = schemaMarkdown();
  if (process.env.TSBGPD_UPDATE_GOLDEN === '1') writeFileSync(file, md);
  t.equal(readFileSync(file, 'utf8'), md, 'up to date (TSBGPD_UPDATE_GOLDEN=1 rewrites it)');
  for (const key of ['neighbors', 'remote_as', 'last_updown_sec', 'route_refresh', 'exit_nexthop', 'bgp_id', 'last_update_sec', 'large_communities', 'extended_communities']) {
    t.match(md, `\`${key}\``, `documents ${key}`);
  }
});
