/**
 * Where each key and value of a TOML document sits (line and column), so that semantic errors found
 * after parsing can point at the text. smol-toml parses but keeps no positions; this scanner walks
 * the same text once more and records, per dotted path, the position of the key and of its value:
 *
 *   [global]                      -> "global"
 *   local-as = 65000              -> "global.local-as"
 *   [[neighbor]] (the third one)  -> "neighbor[2]"
 *   listen = [{ port = 1 }]       -> "global.listen", "global.listen[0]", "global.listen[0].port"
 *   max-prefix-in.limit = 5       -> "neighbor[0].max-prefix-in", "...max-prefix-in.limit"
 *
 * It runs only on text smol-toml has accepted, so it need not validate; on anything it does not
 * understand it stops early and simply knows fewer positions (lookups then fall back to a parent).
 * Lines and columns are 1-based and count UTF-16 code units, as smol-toml's own errors do.
 */

export interface TextPosition {
  line: number;
  column: number;
}

export interface KeyPositions {
  /** The key itself (for a table header: the opening bracket). */
  key: TextPosition;
  /** The value's first character (for a table header: the opening bracket). */
  value: TextPosition;
}

export class PositionIndex {
  constructor(private readonly byPath: ReadonlyMap<string, KeyPositions>) {}

  /** Positions of exactly this path, if known. */
  get(path: string): KeyPositions | undefined {
    return this.byPath.get(path);
  }

  /**
   * The position of `path`'s key or value; when the path is unknown (a missing key, or one the scanner
   * did not see), that of its nearest known parent; failing all, the start of the file.
   */
  find(path: string, which: 'key' | 'value'): TextPosition {
    for (let p: string | null = path; p !== null; p = parentPath(p)) {
      const hit = this.byPath.get(p);
      if (hit) return hit[which];
    }
    return { line: 1, column: 1 };
  }
}

/** "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> null. */
export function parentPath(path: string): string | null {
  if (path.endsWith(']')) {
    const open = path.lastIndexOf('[');
    return open > 0 ? path.slice(0, open) : null;
  }
  const dot = path.lastIndexOf('.');
  return dot > 0 ? path.slice(0, dot) : null;
}

class StopScan extends Error {}

/** Scan TOML text that has already parsed successfully. */
export function indexPositions(text: string): PositionIndex {
  const scanner = new Scanner(text);
  try {
    scanner.document();
  } catch (e) {
    if (!(e instanceof StopScan)) throw e;
  }
  return new PositionIndex(scanner.found);
}

class Scanner {
  readonly found = new Map<string, KeyPositions>();
  private i = 0;
  private line = 1;
  private lineStart = 0;
  /** Element counts of arrays of tables, by resolved path ("neighbor" -> 3). */
  private readonly arrayTables = new Map<string, number>();

  constructor(private readonly s: string) {}

  document(): void {
    let table = '';
    for (;;) {
      this.skipBlank(true);
      if (this.i >= this.s.length) return;
      const at = this.pos();
      if (this.s.startsWith('[[', this.i)) {
        this.i += 2;
        const name = this.resolve(this.keyPath(']'));
        this.expect(']]');
        const n = this.arrayTables.get(name) ?? 0;
        this.arrayTables.set(name, n + 1);
        table = `${name}[${n}]`;
        if (!this.found.has(name)) this.found.set(name, { key: at, value: at });
        this.found.set(table, { key: at, value: at });
      } else if (this.s[this.i] === '[') {
        this.i += 1;
        table = this.resolve(this.keyPath(']'));
        this.expect(']');
        this.found.set(table, { key: at, value: at });
      } else {
        this.keyValue(table);
      }
      this.skipToLineEnd();
    }
  }

  /** `key = value` inside `table` (also used inside inline tables). */
  private keyValue(table: string): void {
    const keyAt = this.pos();
    const parts = this.keyPath('=');
    this.expect('=');
    this.skipBlank(false);
    let path = table;
    for (let k = 0; k < parts.length; k++) {
      path = path === '' ? parts[k]! : `${path}.${parts[k]}`;
      // Intermediate dotted-key tables point at the key too; the first mention wins.
      if (k < parts.length - 1 && !this.found.has(path)) this.found.set(path, { key: keyAt, value: keyAt });
    }
    this.found.set(path, { key: keyAt, value: this.pos() });
    this.value(path);
  }

  /** A header's path, with array-of-tables segments resolved to their latest element. */
  private resolve(parts: string[]): string {
    let path = '';
    parts.forEach((part, k) => {
      path = path === '' ? part : `${path}.${part}`;
      const n = this.arrayTables.get(path);
      if (n !== undefined && k < parts.length - 1) path = `${path}[${n - 1}]`;
    });
    return path;
  }

  /** Dotted key segments up to (not including) the terminator character. */
  private keyPath(terminator: string): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipBlank(false);
      const c = this.s[this.i];
      if (c === '"' || c === "'") parts.push(this.quoted());
      else {
        const start = this.i;
        while (this.i < this.s.length && /[A-Za-z0-9_-]/.test(this.s[this.i]!)) this.i++;
        if (this.i === start) throw new StopScan();
        parts.push(this.s.slice(start, this.i));
      }
      this.skipBlank(false);
      if (this.s[this.i] === '.') {
        this.i++;
        continue;
      }
      if (this.s[this.i] !== terminator) throw new StopScan();
      return parts;
    }
  }

  private value(path: string): void {
    const c = this.s[this.i];
    if (c === '"' || c === "'") {
      this.quoted();
    } else if (c === '[') {
      this.i++;
      for (let n = 0; ; n++) {
        this.skipBlank(true);
        if (this.s[this.i] === ']') break;
        const at = this.pos();
        this.found.set(`${path}[${n}]`, { key: at, value: at });
        this.value(`${path}[${n}]`);
        this.skipBlank(true);
        if (this.s[this.i] === ',') this.i++;
      }
      this.i++;
    } else if (c === '{') {
      this.i++;
      for (;;) {
        this.skipBlank(true);
        if (this.s[this.i] === '}') break;
        this.keyValue(path);
        this.skipBlank(true);
        if (this.s[this.i] === ',') this.i++;
      }
      this.i++;
    } else {
      // Numbers, booleans, dates: nothing inside them to index; they end at a delimiter.
      while (this.i < this.s.length && !/[,\]}#\n]/.test(this.s[this.i]!)) this.i++;
    }
  }

  /** A basic, literal or multi-line string; returns its (unescaped enough for keys) content. */
  private quoted(): string {
    const q = this.s[this.i]!;
    const multi = this.s.startsWith(q + q + q, this.i);
    const fence = multi ? q + q + q : q;
    this.i += fence.length;
    const start = this.i;
    for (;;) {
      if (this.i >= this.s.length) throw new StopScan();
      const c = this.s[this.i]!;
      if (c === '\n') {
        this.i++;
        this.newline();
        continue;
      }
      if (c === '\\' && q === '"') {
        // Skip the escaped character, unless it is a line break (a line-ending backslash).
        this.i += this.s[this.i + 1] === '\n' ? 1 : 2;
        continue;
      }
      if (this.s.startsWith(fence, this.i)) {
        let end = this.i;
        this.i += fence.length;
        // A multi-line string may end with up to two quotes of its own before the fence.
        for (let extra = 0; multi && extra < 2 && this.s[this.i] === q; extra++) {
          this.i++;
          end++;
        }
        const raw = this.s.slice(start, end);
        return q === '"' ? raw.replace(/\\"/g, '"').replace(/\\\\/g, '\\') : raw;
      }
      this.i++;
    }
  }

  /** Spaces and tabs; with `newlines`, also line breaks and comments. */
  private skipBlank(newlines: boolean): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === ' ' || c === '\t' || c === '\r') this.i++;
      else if (newlines && c === '\n') {
        this.i++;
        this.newline();
      } else if (newlines && c === '#') this.skipComment();
      else return;
    }
  }

  private skipToLineEnd(): void {
    this.skipBlank(false);
    if (this.s[this.i] === '#') this.skipComment();
  }

  private skipComment(): void {
    while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
  }

  private expect(token: string): void {
    if (!this.s.startsWith(token, this.i)) throw new StopScan();
    this.i += token.length;
  }

  /** Called with `i` just past a '\n'. */
  private newline(): void {
    this.line++;
    this.lineStart = this.i;
  }

  private pos(): TextPosition {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }
}
