// A typed array that grows by doubling, for columns that receive live batches.

type Ctor<T> = { new (n: number): T; BYTES_PER_ELEMENT: number };
type Typed = Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float64Array;

export class Growable<T extends Typed> {
  data: T;
  length = 0;
  private readonly ctor: Ctor<T>;

  constructor(ctor: Ctor<T>, capacity = 1024) {
    this.ctor = ctor;
    this.data = new ctor(capacity);
  }

  reserve(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length || 1;
    while (cap < n) cap *= 2;
    const next = new this.ctor(cap);
    (next as Typed).set(this.data as never);
    this.data = next;
  }

  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = v;
  }

  /** Copies `src` in at `at`, growing as needed. */
  setAt(at: number, src: ArrayLike<number>): void {
    this.reserve(at + src.length);
    (this.data as Typed).set(src as never, at);
    this.length = Math.max(this.length, at + src.length);
  }

  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}
