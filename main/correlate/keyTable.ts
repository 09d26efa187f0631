// A windowed open-addressing hash table from a 64-bit packet key to the newest item (segment or journey)
// with that key. Entries whose item is older than the window are treated as free and dropped on rehash, so
// memory follows the window, not the capture length.

/**
 * The items' keys and newest times, as the table reads them (afresh at each use: the arrays may be replaced, as a
 * growing SegmentTable replaces its own). One class for every table, so that the table's code sees one shape.
 */
export class KeyColumns {
  constructor(
    public keyHi: Int32Array,
    public keyLo: Int32Array,
    /** Each item's newest time, to judge staleness. */
    public lastT: Float64Array,
  ) {}
}

export class WindowedKeyTable {
  private slots: Int32Array; // item index + 1; 0 = empty
  private mask: number;
  private used = 0;
  private readonly items: KeyColumns;
  private readonly windowNs: number;
  /**
   * When set, a rehash judges staleness against now[0], the caller's current time, instead of the newest item's
   * lastT. The linker needs it: it takes segments in order of their first time, and a journey's lastT is its
   * newest segment's last, which can be later than the first time of segments still to come (a rehash then
   * forgot journeys still within their reach, depending on how many unrelated journeys came before).
   */
  now: Float64Array | null = null;

  constructor(items: KeyColumns, windowNs: number, initial = 1024) {
    this.items = items;
    this.windowNs = windowNs;
    this.slots = new Int32Array(initial);
    this.mask = initial - 1;
  }

  private static slotOf(hi: number, lo: number, mask: number): number {
    return (Math.imul(hi ^ (lo >>> 7), 0x9e3779b1) >>> 8) & mask;
  }

  /** The newest item with this key (possibly stale: callers check times), or -1. */
  get(hi: number, lo: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const items = this.items;
    for (let p = WindowedKeyTable.slotOf(hi, lo, mask); ; p = (p + 1) & mask) {
      const v = slots[p];
      if (v === 0) return -1;
      const it = v - 1;
      if (items.keyHi[it] === hi && items.keyLo[it] === lo) return it;
    }
  }

  /**
   * Makes `item` the newest for its key. Its lastT is the current processing time for staleness unless `now` is
   * set: callers set it first. (A time passed as an argument was a double boxed on the heap at every call V8
   * did not inline.)
   */
  set(item: number): void {
    const hi = this.items.keyHi[item];
    const lo = this.items.keyLo[item];
    const slots = this.slots;
    const mask = this.mask;
    const items = this.items;
    for (let p = WindowedKeyTable.slotOf(hi, lo, mask); ; p = (p + 1) & mask) {
      const v = slots[p];
      if (v === 0) {
        slots[p] = item + 1;
        if (++this.used * 2 > slots.length) this.rehash(item);
        return;
      }
      const it = v - 1;
      if (items.keyHi[it] === hi && items.keyLo[it] === lo) {
        slots[p] = item + 1;
        return;
      }
    }
  }

  /**
   * Rebuilds with only the entries inside the window as of `newest`'s time (or now[0]); grows when those fill a
   * sixteenth of the table. Each rebuild scans the whole table and re-inserts the live entries, and the next comes
   * after about half a table of new ones, so a roomier table rebuilds less per entry: the groupers' and links' tables
   * hold a few hundred keys a window (still a few KB at a sixteenth), and rebuilding them at a quarter was ~4 % of
   * the main thread's profile of `correlate --summary` on the bench's 8 files (~5 ms less at a sixteenth).
   */
  private rehash(newest: number): void {
    const old = this.slots;
    const lastT = this.items.lastT;
    const cutoff = (this.now ? this.now[0] : lastT[newest]) - this.windowNs;
    let live = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0 && lastT[old[i] - 1] >= cutoff) live++;
    let size = old.length;
    while (live * 16 > size) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.used = 0;
    const items = this.items;
    for (let i = 0; i < old.length; i++) {
      const v = old[i];
      if (v === 0 || lastT[v - 1] < cutoff) continue;
      const it = v - 1;
      let p = WindowedKeyTable.slotOf(items.keyHi[it], items.keyLo[it], this.mask);
      while (this.slots[p] !== 0) p = (p + 1) & this.mask;
      this.slots[p] = v;
      this.used++;
    }
  }

  get size(): number {
    return this.used;
  }
}
