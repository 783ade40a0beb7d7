/**
 * Configuration errors: each names the file, the line and column, the setting as a dotted path
 * (`neighbor[2].remote-as`, array indexes counted from 0 as in the TOML arrays) and what is wrong.
 * The loader collects every error it finds rather than stopping at the first, so an operator fixes
 * a file in one pass. Messages never quote a password: callers pass the setting, not its value.
 */

import { PositionIndex } from './positions';

export interface ConfigError {
  file: string;
  /** 1-based; 0 when the error concerns the whole file (e.g. it cannot be read). */
  line: number;
  column: number;
  /** Dotted path of the setting; '' for errors that are not about one setting (TOML syntax). */
  field: string;
  message: string;
}

/** `FILE:LINE:COL: FIELD: message`, leaving out what the error does not have. */
export function formatConfigError(e: ConfigError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  return e.field === '' ? `${where}: ${e.message}` : `${where}: ${e.field}: ${e.message}`;
}

/** Errors in file order (line, then column), keeping detection order among equals. */
export function sortConfigErrors(errors: ConfigError[]): ConfigError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.column - b.e.column || a.i - b.i)
    .map((x) => x.e);
}

/** Collects errors for one file, placing each at the key or the value of its field. */
export class ErrorCollector {
  readonly errors: ConfigError[] = [];

  constructor(
    readonly file: string,
    private readonly positions: PositionIndex,
  ) {}

  /** An error about the key itself (unknown, missing, conflicting). */
  atKey(field: string, message: string): void {
    this.push(field, message, 'key');
  }

  /** An error about the value (type, range, syntax). */
  atValue(field: string, message: string): void {
    this.push(field, message, 'value');
  }

  /** The line a field starts on, for messages like "first defined at line 12". */
  lineOf(field: string): number {
    return this.positions.find(field, 'value').line;
  }

  get count(): number {
    return this.errors.length;
  }

  private push(field: string, message: string, which: 'key' | 'value'): void {
    const { line, column } = this.positions.find(field, which);
    // A group's setting is checked once per neighbour that uses it: report it once.
    if (this.errors.some((e) => e.line === line && e.column === column && e.field === field && e.message === message)) return;
    this.errors.push({ file: this.file, line, column, field, message });
  }
}

/** A close match among `candidates` for a mistyped name, or undefined. */
export function closestMatch(name: string, candidates: readonly string[]): string | undefined {
  // Operators mostly slip by case, underscores for dashes, or a letter or two ("neighbour").
  const norm = (s: string) => s.toLowerCase().replace(/_/g, '-');
  const n = norm(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(n, norm(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = n.length <= 4 ? 1 : n.length <= 8 ? 2 : 3;
  return bestDistance <= allowed ? best : undefined;
}

/** " (did you mean \"x\"?)" or "". */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const m = closestMatch(name, candidates);
  return m === undefined ? '' : ` (did you mean "${m}"?)`;
}

/** Levenshtein distance, with a transposition counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[rows - 1]![cols - 1]!;
}
