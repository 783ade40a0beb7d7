/**
 * A copy of `a` in a new array of the same kind, `size` long (the new tail zero): how the RIB's
 * typed columns grow.
 */
export function grown<T extends Int32Array | Uint32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (length: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * A growable list of 32-bit integers in a typed array: a million prefix ids cost 4 MB outside the
 * garbage-collected heap, not 8 MB of array slots that every major GC walks and that survive young
 * collections only to be copied. Grows by doubling.
 */
export class IntList {
  private buf: Int32Array;
  length = 0;

  constructor(capacity = 16) {
    this.buf = new Int32Array(Math.max(1, capacity));
  }

  push(v: number): void {
    if (this.length === this.buf.length) this.buf = grown(this.buf, this.buf.length * 2);
    this.buf[this.length++] = v;
  }

  /** The last element, removed (the list must not be empty). */
  pop(): number {
    return this.buf[--this.length]!;
  }

  at(i: number): number {
    return this.buf[i]!;
  }

  /** Elements from..to-1 in place: valid until the list next grows or changes. */
  view(from = 0, to = this.length): Int32Array {
    return this.buf.subarray(from, to);
  }

  /** Empty the list; a large buffer is given back. */
  clear(): void {
    this.length = 0;
    if (this.buf.length > 1024) this.buf = new Int32Array(16);
  }
}
