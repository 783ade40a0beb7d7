/**
 * Loading of wire fixtures (fixtures/wire/README.md): annotated hex plus the expected decoded JSON.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CodecContext, makeContext } from '../../src/wire/context';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/iana';

/** The repository root, found from this file whether it runs from src or dist. */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      if (statSync(join(dir, 'package.json')).isFile() && statSync(join(dir, 'fixtures')).isDirectory()) return dir;
    } catch {
      /* keep climbing */
    }
    dir = resolve(dir, '..');
  }
  throw new Error(`repository root not found above ${__dirname}`);
})();

export const WIRE_FIXTURES = join(REPO_ROOT, 'fixtures', 'wire');

/** Parse annotated hex: `#` starts a comment, whitespace is ignored, anything else must be hex. */
export function parseAnnotatedHex(text: string, where = 'hex'): Buffer {
  let hex = '';
  text.split('\n').forEach((line, i) => {
    const code = line.replace(/#.*/, '').replace(/\s+/g, '');
    if (!/^[0-9a-fA-F]*$/.test(code)) throw new Error(`${where}:${i + 1}: not hex: ${JSON.stringify(code)}`);
    hex += code;
  });
  if (hex.length % 2 !== 0) throw new Error(`${where}: odd number of hex digits`);
  return Buffer.from(hex, 'hex');
}

export interface ContextJson {
  as4?: boolean;
  extendedMessage?: boolean;
  addPath?: string[];
}

export interface WireFixture {
  name: string;
  bytes: Buffer;
  description: string;
  source?: string;
  context: CodecContext;
  messages?: unknown[];
  error?: { code: number; subcode: number; data: string };
  roundtrip?: boolean;
  /** Set while a captured fixture still waits for its expected decoded form. */
  todoMessages?: boolean;
}

const FAMILY_BY_NAME: Record<string, number> = { 'ipv4-unicast': IPV4_UNICAST, 'ipv6-unicast': IPV6_UNICAST };

export function contextFromJson(c: ContextJson | undefined): CodecContext {
  const addPath = new Set<number>();
  for (const name of c?.addPath ?? []) {
    const k = FAMILY_BY_NAME[name];
    if (k === undefined) throw new Error(`unknown family in fixture context: ${name}`);
    addPath.add(k);
  }
  return makeContext({ as4: c?.as4 ?? true, extendedMessage: c?.extendedMessage ?? false, addPath });
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.hex')) out.push(p);
  }
  return out.sort();
}

export function loadWireFixtures(dir = WIRE_FIXTURES): WireFixture[] {
  return walk(dir).map((hexPath) => {
    const name = relative(dir, hexPath).replace(/\.hex$/, '');
    const jsonPath = hexPath.replace(/\.hex$/, '.json');
    const spec = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
      description?: string;
      source?: string;
      context?: ContextJson;
      messages?: unknown[];
      error?: { code: number; subcode: number; data: string };
      roundtrip?: boolean;
      'todo-messages'?: boolean;
    };
    return {
      name,
      bytes: parseAnnotatedHex(readFileSync(hexPath, 'utf8'), hexPath),
      description: spec.description ?? '',
      ...(spec.source !== undefined ? { source: spec.source } : {}),
      context: contextFromJson(spec.context),
      ...(spec.messages !== undefined ? { messages: spec.messages } : {}),
      ...(spec.error !== undefined ? { error: spec.error } : {}),
      ...(spec.roundtrip !== undefined ? { roundtrip: spec.roundtrip } : {}),
      ...(spec['todo-messages'] ? { todoMessages: true } : {}),
    };
  });
}
