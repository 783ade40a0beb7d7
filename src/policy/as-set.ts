/**
 * AS sets for filters: inclusive ranges merged and sorted once, looked up by binary search (the
 * built-in bogon-asns is a handful of ranges; a user set of single ASes is as many one-AS ranges).
 */

export class AsSetMatcher {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;

  constructor(ranges: readonly (readonly [number, number])[]) {
    const sorted = ranges.filter(([a, b]) => a <= b).map(([a, b]) => [a, b] as [number, number]);
    sorted.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const r of sorted) {
      const last = merged[merged.length - 1];
      if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
      else merged.push(r);
    }
    this.lo = Float64Array.from(merged.map((r) => r[0]));
    this.hi = Float64Array.from(merged.map((r) => r[1]));
  }

  has(asn: number): boolean {
    const lo = this.lo;
    let a = 0;
    let b = lo.length - 1;
    // The last range starting at or below asn is the only one that can hold it.
    while (a <= b) {
      const m = (a + b) >> 1;
      if (lo[m]! <= asn) a = m + 1;
      else b = m - 1;
    }
    return b >= 0 && asn <= this.hi[b]!;
  }
}
