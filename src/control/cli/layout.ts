/** Small helpers shared by tsbgpctl's text layouts. */

/** Lines to text: no trailing blanks, a final newline (nothing at all for no lines). */
export function finish(lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.map((l) => l.trimEnd()).join('\n') + '\n';
}
