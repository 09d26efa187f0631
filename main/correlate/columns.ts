// Growable typed-array columns: the correlator keeps every per-packet number in one of these, never in
// per-packet objects (a million objects cost ~700 MiB and 8x the time; a column costs its bytes).

type TypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float64Array;
type Ctor<T extends TypedArray> = new (n: number) => T;

export class Column<T extends TypedArray> {
  data: T;
  private readonly ctor: Ctor<T>;
  constructor(ctor: Ctor<T>, initial = 1024) {
    this.ctor = ctor;
    this.data = new ctor(initial);
  }
  /** Makes room for index `i` (amortised doubling). */
  ensure(i: number): T {
    if (i >= this.data.length) {
      let n = this.data.length * 2;
      while (n <= i) n *= 2;
      const next = new this.ctor(n);
      next.set(this.data as never);
      this.data = next;
    }
    return this.data;
  }
}

/** An append-only list of int32 values (indices), growable. */
export class IntList {
  data: Int32Array;
  length = 0;
  constructor(initial = 256) {
    this.data = new Int32Array(initial);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
