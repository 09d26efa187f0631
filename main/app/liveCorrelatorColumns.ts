// A growable typed-array column for live capture (rows arrive a few thousand at a time): doubles its capacity
// (or reserves: correlate/columns.ts grownCapacity), hands out exact-size copies or views, and never holds one
// object per packet.

import { allocGrown } from '../correlate/columns.ts';

type Typed = Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float64Array;

export class Grow<T extends Typed> {
  data: T;
  length = 0;
  constructor(
    private readonly make: (n: number) => T,
    initial = 4096,
  ) {
    this.data = make(initial);
  }

  private reserve(n: number): void {
    if (n <= this.data.length) return;
    const next = allocGrown(this.data.length, n, this.make);
    next.set(this.data as never);
    this.data = next;
  }

  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = v;
  }

  /** Makes room for n more values at the end and returns where they start (write them into `data`). */
  extend(n: number): number {
    const at = this.length;
    this.reserve(at + n);
    this.length = at + n;
    return at;
  }

  /** Appends `src` (same element type) at the end. */
  append(src: ArrayLike<number>): void {
    this.reserve(this.length + src.length);
    this.data.set(src as never, this.length);
    this.length += src.length;
  }

  /** Writes `src` at index `at` (inside or right at the end), growing as needed. */
  setAt(at: number, src: ArrayLike<number>): void {
    this.reserve(at + src.length);
    this.data.set(src as never, at);
    if (at + src.length > this.length) this.length = at + src.length;
  }

  /** An exact-size copy of [from, to) (its own buffer: transferable). */
  copy(from = 0, to = this.length): T {
    return this.data.slice(from, to) as T;
  }

  clear(): void {
    this.length = 0;
  }
}
