// Growing typed-array columns: the correlator keeps every per-packet number in typed arrays, never in
// per-packet objects (a million objects cost ~700 MiB and 8x the time; a column costs its bytes). How they grow
// (grownCapacity), a capture's pending rows as runs (RowRuns), and withCapacity for the live window's columns.

/**
 * When a growing column reserves instead of doubling: once it needs RESERVE_FROM entries, it jumps to
 * RESERVE_ENTRIES (2^25: 32 MiB of one-byte entries), then doubles from there. Only under Node on Linux, where
 * typed arrays come from glibc's malloc (below); Electron allocates them with its own allocator (PartitionAlloc),
 * which was not measured here.
 *
 * glibc serves a block below its mmap threshold from its heap, and the threshold rises to 32 MiB once a large
 * block has been freed (a column's previous copy, after the first doubling). A column allocated there is zeroed
 * in place, so all of its new capacity is resident at once, and the copy it replaced stays in the heap. A
 * block of 32 MiB or more is a mapping of its own: its pages become resident only when written, and it goes
 * back to the system when freed. Reserved capacity is address space, not memory. The app's live path on a 60 s
 * capture of 16 interfaces (3 M rows; bench/RESULTS.md, ninth session) peaked at 683–727 MiB doubling and at
 * 566–567 MiB reserving (alternating paced replays).
 */
export const RESERVE_FROM = 1 << 16;
export const RESERVE_ENTRIES = 1 << 25;
const RESERVE = process.platform === 'linux' && !process.versions.electron;

/**
 * The capacity a column of `cap` entries grows to when it needs `need`: doubled (at least `need`), or the
 * reservation above. `reserve` is for tests (default: under Node on Linux).
 */
export function grownCapacity(cap: number, need: number, reserve = RESERVE): number {
  let n = Math.max(cap * 2, 1);
  while (n < need) n *= 2;
  if (reserve && n >= RESERVE_FROM && n < RESERVE_ENTRIES) n = RESERVE_ENTRIES;
  return n;
}

/**
 * `alloc(n)` at grownCapacity(cap, need), or at the plain doubled size when the reservation cannot be had (a
 * RangeError: no address space or commit for it, e.g. with strict overcommit). `alloc` must change nothing
 * when it throws.
 */
export function allocGrown<R>(cap: number, need: number, alloc: (n: number) => R, reserve = RESERVE): R {
  const n = grownCapacity(cap, need, reserve);
  const plain = grownCapacity(cap, need, false);
  if (n === plain) return alloc(n);
  try {
    return alloc(n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return alloc(plain);
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
    this.pushRun(row, row + 1);
  }

  /** push() of rows [from, to), to > from. */
  pushRun(from: number, to: number): void {
    const n = this.count;
    // Extend the last run only while it is unprocessed: a finished run must not grow behind the cursor.
    if (n > this.head && this.end[n - 1] === from) {
      this.end[n - 1] = to;
      return;
    }
    if (n === this.start.length) this.setCapacity(n * 2);
    this.start[n] = from;
    this.end[n] = to;
    this.count = n + 1;
    if (n === this.head) this.at = from;
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

/**
 * `a` when it holds `n` entries, else a new array of the same kind (grownCapacity: twice as large, at least n,
 * or a reservation) with a's first `keep`.
 */
export function withCapacity<T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(
  a: T,
  n: number,
  keep: number,
): T {
  if (a.length >= n) return a;
  const b = allocGrown(a.length, n, (size) => new (a.constructor as new (size: number) => T)(size));
  b.set(a.subarray(0, keep) as never);
  return b;
}
