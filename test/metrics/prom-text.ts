/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests: it throws on anything
 * the format or the naming conventions forbid, with the line number, instead of guessing.
 *
 * Format rules checked: lines end in \n (the last one too); `# HELP name text` (escapes \\ and \n
 * only) and `# TYPE name counter|gauge|histogram|summary|untyped`, at most one of each per family
 * and TYPE before the family's first sample; other `#` lines are comments; a sample is
 * `name{label="value",...} value [timestamp]` with metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label
 * names [a-zA-Z_][a-zA-Z0-9_]* not starting with __, label values escaping only \\ \" \n, no label
 * twice, values as Go's ParseFloat reads them (NaN, +Inf, -Inf included); a family's lines are one
 * group; no series twice. Histograms: _bucket with `le`, _sum, _count, buckets cumulative with a
 * +Inf bucket equal to _count; summaries: `quantile` in [0,1], _sum, _count.
 * Conventions checked: counter families end in _total; counters are non-negative.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum` for histograms). */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[Ii]nf|NaN)$/;

function parseValue(s: string, line: number): number {
  if (!FLOAT.test(s)) throw new ExpositionError(line, `not a number: ${JSON.stringify(s)}`);
  if (/^[+]?inf$/i.test(s)) return Infinity;
  if (/^-inf$/i.test(s)) return -Infinity;
  return Number(s);
}

/** The family a sample name belongs to, given the families typed so far. */
function familyOf(name: string, families: Map<string, Family>): string {
  for (const [suffix, types] of [
    ['_bucket', ['histogram']],
    ['_sum', ['histogram', 'summary']],
    ['_count', ['histogram', 'summary']],
  ] as const) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const f = families.get(base);
    if (f && (types as readonly string[]).includes(f.type)) return base;
  }
  return name;
}

/** Parse `{a="1",b="x\"y"}` starting at s[i] === '{'; returns the labels and the index after '}'. */
function parseLabels(s: string, i: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    if (s[i] === '}') return [labels, i + 1];
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new ExpositionError(line, 'label without "="');
    const name = s.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new ExpositionError(line, `bad label name ${JSON.stringify(name)}`);
    if (name.startsWith('__')) throw new ExpositionError(line, `reserved label name ${name}`);
    if (name in labels) throw new ExpositionError(line, `label ${name} twice`);
    if (s[eq + 1] !== '"') throw new ExpositionError(line, `label ${name}: value not quoted`);
    let v = '';
    let j = eq + 2;
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new ExpositionError(line, `label ${name}: unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = s[j + 1];
        if (e === '\\') v += '\\';
        else if (e === '"') v += '"';
        else if (e === 'n') v += '\n';
        else throw new ExpositionError(line, `label ${name}: bad escape \\${e ?? ''}`);
        j += 2;
        continue;
      }
      v += c;
      j++;
    }
    labels[name] = v;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new ExpositionError(line, `expected "," or "}" after label ${name}`);
  }
}

function unescapeHelp(s: string, line: number): string {
  return s.replace(/\\(.)?/g, (_m, e: string | undefined) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    throw new ExpositionError(line, `HELP: bad escape \\${e ?? ''}`);
  });
}

export function parseExposition(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new ExpositionError(text.split('\n').length, 'last line does not end in \\n');
  const lines = text.split('\n');
  lines.pop();
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, line: number) => {
    if (current === name) return;
    if (closed.has(name)) throw new ExpositionError(line, `family ${name} is not one group`);
    if (current !== undefined) closed.add(current);
    current = name;
  };
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', samples: [] }));
    return f;
  };
  const typed = new Set<string>();

  lines.forEach((raw, idx) => {
    const n = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!m) return; // a comment
      const [, kw, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
      if (!METRIC_NAME.test(name)) throw new ExpositionError(n, `bad metric name ${JSON.stringify(name)}`);
      enter(name, n);
      const f = family(name);
      if (kw === 'HELP') {
        if (f.help !== undefined) throw new ExpositionError(n, `second HELP for ${name}`);
        f.help = unescapeHelp(rest ?? '', n);
      } else {
        const type = (rest ?? '').trim() as MetricType;
        if (!TYPES.includes(type)) throw new ExpositionError(n, `bad TYPE ${JSON.stringify(rest)} for ${name}`);
        if (typed.has(name)) throw new ExpositionError(n, `second TYPE for ${name}`);
        if (f.samples.length > 0) throw new ExpositionError(n, `TYPE for ${name} after its samples`);
        if (type === 'counter' && !name.endsWith('_total')) throw new ExpositionError(n, `counter ${name} does not end in _total`);
        typed.add(name);
        f.type = type;
      }
      return;
    }
    const nameEnd = raw.search(/[{\s]/);
    if (nameEnd <= 0) throw new ExpositionError(n, `not a sample: ${JSON.stringify(raw)}`);
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new ExpositionError(n, `bad metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (raw[i] === '{') [labels, i] = parseLabels(raw, i, n);
    const fields = raw.slice(i).trim().split(/\s+/);
    if (raw[i] !== ' ' && raw[i] !== '\t') throw new ExpositionError(n, 'no blank before the value');
    if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new ExpositionError(n, `expected "value [timestamp]", got ${JSON.stringify(raw.slice(i))}`);
    const value = parseValue(fields[0]!, n);
    let timestamp: number | undefined;
    if (fields.length === 2) {
      if (!/^-?\d+$/.test(fields[1]!)) throw new ExpositionError(n, `bad timestamp ${fields[1]}`);
      timestamp = Number(fields[1]);
    }
    const fname = familyOf(name, families);
    enter(fname, n);
    const f = family(fname);
    const key = name + JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (seen.has(key)) throw new ExpositionError(n, `series ${name}${JSON.stringify(labels)} twice`);
    seen.add(key);
    if (f.type === 'counter' && !(value >= 0)) throw new ExpositionError(n, `counter ${name} is ${value}`);
    if (f.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) throw new ExpositionError(n, `${name} without le`);
    if (f.type === 'summary' && name === fname) {
      const q = Number(labels.quantile);
      if (labels.quantile === undefined || !(q >= 0 && q <= 1)) throw new ExpositionError(n, `${name}: bad quantile ${labels.quantile}`);
    }
    f.samples.push({ name, labels, value, ...(timestamp !== undefined ? { timestamp } : {}) });
  });

  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Buckets cumulative per series, a +Inf bucket equal to _count, and a _sum. */
function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const id = JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { buckets: [] }));
    if (s.name === `${f.name}_bucket`) g.buckets.push([parseValue(le!, 0), s.value]);
    else if (s.name === `${f.name}_count`) g.count = s.value;
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else throw new ExpositionError(0, `histogram ${f.name}: stray sample ${s.name}`);
  }
  for (const g of groups.values()) {
    g.buckets.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < g.buckets.length; i++) {
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new ExpositionError(0, `histogram ${f.name}: buckets not cumulative`);
    }
    const inf = g.buckets.find(([le]) => le === Infinity);
    if (!inf) throw new ExpositionError(0, `histogram ${f.name}: no +Inf bucket`);
    if (g.count === undefined || g.sum === undefined) throw new ExpositionError(0, `histogram ${f.name}: _count or _sum missing`);
    if (inf[1] !== g.count) throw new ExpositionError(0, `histogram ${f.name}: +Inf bucket ${inf[1]} != _count ${g.count}`);
  }
}

/** Samples named `name` (`x_bucket` included) whose labels include `match`. */
export function find(families: Map<string, Family>, name: string, match: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  for (const f of families.values()) {
    for (const s of f.samples) if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) out.push(s);
  }
  return out;
}
