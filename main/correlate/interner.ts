// Interns small fixed-width tuples of numbers (MAC pairs, outer encapsulation headers) into dense ids, so a
// row stores 4 bytes instead of 16–40: a capture has few distinct links and tunnels but millions of frames.

export class TupleInterner {
  private values: Float64Array;
  count = 0;
  private slots: Int32Array; // id + 1; 0 = empty
  private mask: number;
  /** The ids the last two intern() calls returned, newest first (-1 none). */
  private recent0 = -1;
  private recent1 = -1;

  constructor(readonly width: number) {
    this.values = new Float64Array(width * 64);
    this.slots = new Int32Array(256);
    this.mask = 255;
  }

  private hash(t: Float64Array | number[], at: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.width; i++) {
      const v = t[at + i];
      h = Math.imul(h ^ (v | 0), 0x01000193);
      h = Math.imul(h ^ ((v / 4294967296) | 0), 0x01000193);
    }
    return (h ^ (h >>> 15)) >>> 0;
  }

  private equals(id: number, t: Float64Array | number[]): boolean {
    const base = id * this.width;
    for (let i = 0; i < this.width; i++) if (this.values[base + i] !== t[i]) return false;
    return true;
  }

  /** The id of the tuple in t[0..width). */
  intern(t: Float64Array | number[]): number {
    // The last two ids first: a lane's rows mostly repeat them (a flow's two directions), and comparing costs
    // less than hashing (whose truncations of MACs and addresses past 2^31 take V8's slow path).
    const r0 = this.recent0;
    if (r0 >= 0 && this.equals(r0, t)) return r0;
    const r1 = this.recent1;
    if (r1 >= 0 && this.equals(r1, t)) {
      this.recent1 = r0;
      this.recent0 = r1;
      return r1;
    }
    const id = this.lookup(t);
    this.recent1 = r0;
    this.recent0 = id;
    return id;
  }

  private lookup(t: Float64Array | number[]): number {
    for (let p = this.hash(t, 0) & this.mask; ; p = (p + 1) & this.mask) {
      const v = this.slots[p];
      if (v === 0) break;
      if (this.equals(v - 1, t)) return v - 1;
    }
    const id = this.count++;
    if ((id + 1) * this.width > this.values.length) {
      const next = new Float64Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    for (let i = 0; i < this.width; i++) this.values[id * this.width + i] = t[i];
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(id);
    return id;
  }

  private place(id: number): void {
    let p = this.hash(this.values, id * this.width) & this.mask;
    while (this.slots[p] !== 0) p = (p + 1) & this.mask;
    this.slots[p] = id + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let id = 0; id < this.count; id++) this.place(id);
  }

  get(id: number, field: number): number {
    return this.values[id * this.width + field];
  }

  /** The interned tuples in id order (count × width numbers), to send to another thread. */
  valuesCopy(): Float64Array {
    return this.values.slice(0, this.count * this.width);
  }

  /**
   * Interns another interner's tuples (valuesCopy order) here: their ids here, or null when every id is
   * unchanged (nothing to rewrite).
   */
  internAll(values: Float64Array): Int32Array | null {
    const n = values.length / this.width;
    const map = new Int32Array(n);
    let same = true;
    for (let k = 0; k < n; k++) {
      map[k] = this.intern(values.subarray(k * this.width, (k + 1) * this.width));
      if (map[k] !== k) same = false;
    }
    return same ? null : map;
  }
}
