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

/**
 * A capture's rows waiting to be grouped, as runs [start, end) of row indices with a cursor (run `head`, row
 * `at`). A batch appends each file's rows consecutively, so its list is one run instead of 4 bytes per row
 * (and no doubling copies); interleaved live rows cost 8 bytes per run, and processed runs are dropped.
 */
export class RowRuns {
  start = new Int32Array(16);
  end = new Int32Array(16);
  /** Runs held. */
  count = 0;
  /** First run not fully processed (== count when all are). */
  head = 0;
  /** Its next unprocessed row (meaningful when head < count). */
  at = 0;

  push(row: number): void {
    const n = this.count;
    // Extend the last run only while it is unprocessed: a finished run must not grow behind the cursor.
    if (n > this.head && this.end[n - 1] === row) {
      this.end[n - 1] = row + 1;
      return;
    }
    if (n === this.start.length) this.setCapacity(n * 2);
    this.start[n] = row;
    this.end[n] = row + 1;
    this.count = n + 1;
    if (n === this.head) this.at = row;
  }

  /** Unprocessed rows, in list order. */
  *pendingRows(): Generator<number> {
    for (let r = this.head; r < this.count; r++)
      for (let i = r === this.head ? this.at : this.start[r]; i < this.end[r]; i++) yield i;
  }

  /** Replaces the whole list by the runs [start[i], end[i]) (none processed). */
  setRuns(start: Int32Array, end: Int32Array): void {
    this.count = 0;
    this.head = 0;
    if (start.length > this.start.length) this.setCapacity(start.length);
    this.start.set(start);
    this.end.set(end);
    this.count = start.length;
    this.at = start.length > 0 ? start[0] : 0;
  }

  /** Replaces the unprocessed rows by `rows` (e.g. sorted), as runs of consecutive indices. */
  setPending(rows: ArrayLike<number>): void {
    this.count = this.head;
    for (let i = 0; i < rows.length; i++) this.push(rows[i]);
  }

  /** Drops fully processed runs (once they are at least half the list, so the copying stays amortised). */
  compact(): void {
    const h = this.head;
    if (h === 0 || h * 2 < this.count) return;
    this.start.copyWithin(0, h, this.count);
    this.end.copyWithin(0, h, this.count);
    this.count -= h;
    this.head = 0;
  }

  private setCapacity(n: number): void {
    const s = new Int32Array(n);
    const e = new Int32Array(n);
    s.set(this.start.subarray(0, this.count));
    e.set(this.end.subarray(0, this.count));
    this.start = s;
    this.end = e;
  }
}

/** `a` when it holds `n` entries, else a new array of the same kind (twice as large, at least n) with a's first `keep`. */
export function withCapacity<T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(
  a: T,
  n: number,
  keep: number,
): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as new (size: number) => T)(Math.max(n, a.length * 2));
  b.set(a.subarray(0, keep) as never);
  return b;
}
