// Node-local segments: all observations of one packet on ONE node (one clock), in time order. The grouper
// builds them per node with a windowed hash table; the linker then joins segments of different nodes.

import { allocGrown } from './columns.ts';
import { KeyColumns } from './keyTable.ts';
import { F_DUP, F_TAIL, type ObservationTable } from './observations.ts';

export class SegmentTable {
  length = 0;
  private cap = 0;
  node!: Uint16Array;
  firstObs!: Int32Array;
  lastObs!: Int32Array;
  count!: Int32Array;
  firstT!: Float64Array;
  lastT!: Float64Array;
  maxTtl!: Int16Array;
  minTtl!: Int16Array;
  keyHi!: Int32Array;
  keyLo!: Int32Array;
  tail!: Int32Array;
  tailKnown!: Uint8Array;
  /** Older segment of the same node with the same key (hash-chain), -1 none. */
  prevSameKey!: Int32Array;
  /**
   * The segment of the same node this one's packet left from and came back to after another node (a pod's
   * packet to another node's NodePort DNAT'ed back to a pod here), -1 none: the linker lets both be in one
   * journey (grouper.ts).
   */
  returnOf!: Int32Array;
  /** The key columns and last times, for a WindowedKeyTable of segments (kept current as the table grows). */
  keys!: KeyColumns;

  constructor(initial = 1024) {
    this.assign(SegmentTable.columns(initial), initial);
  }

  private static columns(n: number) {
    return {
      node: new Uint16Array(n),
      firstObs: new Int32Array(n),
      lastObs: new Int32Array(n),
      count: new Int32Array(n),
      firstT: new Float64Array(n),
      lastT: new Float64Array(n),
      maxTtl: new Int16Array(n),
      minTtl: new Int16Array(n),
      keyHi: new Int32Array(n),
      keyLo: new Int32Array(n),
      tail: new Int32Array(n),
      tailKnown: new Uint8Array(n),
      prevSameKey: new Int32Array(n),
      returnOf: new Int32Array(n),
    };
  }

  private assign(c: ReturnType<typeof SegmentTable.columns>, n: number): void {
    Object.assign(this, c);
    this.cap = n;
    if (this.keys) {
      this.keys.keyHi = c.keyHi;
      this.keys.keyLo = c.keyLo;
      this.keys.lastT = c.lastT;
    } else this.keys = new KeyColumns(c.keyHi, c.keyLo, c.lastT);
  }

  /** Room for `need` segments (grownCapacity: doubling, or a reservation), the segments kept. */
  private grow(need: number): void {
    // Every column is allocated before any is replaced, so that a reservation that fails changes nothing.
    const { n, next } = allocGrown(this.cap, need, (n) => ({ n, next: SegmentTable.columns(n) }));
    for (const [name, col] of Object.entries(next)) col.set(this[name as keyof typeof next]);
    this.assign(next, n);
  }

  create(node: number, o: number, obs: ObservationTable, prev: number): number {
    const s = this.length;
    if (s === this.cap) this.grow(s + 1);
    this.length = s + 1;
    this.node[s] = node;
    this.firstObs[s] = o;
    this.lastObs[s] = o;
    this.count[s] = 1;
    this.firstT[s] = obs.t[o];
    this.lastT[s] = obs.t[o];
    this.maxTtl[s] = obs.ttl(o);
    this.minTtl[s] = obs.ttl(o);
    this.keyHi[s] = obs.keyHiOf(o);
    this.keyLo[s] = obs.keyLoOf(o);
    const tk = (obs.flags[o] & F_TAIL) !== 0;
    this.tailKnown[s] = tk ? 1 : 0;
    this.tail[s] = tk ? obs.tailOf(o) : 0;
    this.prevSameKey[s] = prev;
    this.returnOf[s] = -1;
    obs.segment[o] = s;
    obs.nextInSegment[o] = -1;
    return s;
  }

  attach(s: number, o: number, obs: ObservationTable): void {
    const t = obs.t[o];
    if (t >= obs.t[this.lastObs[s]]) {
      obs.nextInSegment[this.lastObs[s]] = o;
      obs.nextInSegment[o] = -1;
      this.lastObs[s] = o;
    } else {
      // A late row (live delivery behind the watermark): insert it in time order.
      let prev = -1;
      let r = this.firstObs[s];
      while (r >= 0 && obs.t[r] <= t) {
        prev = r;
        r = obs.nextInSegment[r];
      }
      obs.nextInSegment[o] = r;
      if (prev < 0) this.firstObs[s] = o;
      else obs.nextInSegment[prev] = o;
    }
    obs.segment[o] = s;
    this.count[s]++;
    if (t > this.lastT[s]) this.lastT[s] = t;
    if (t < this.firstT[s]) this.firstT[s] = t;
    const ttl = obs.ttl(o);
    if (ttl > this.maxTtl[s]) this.maxTtl[s] = ttl;
    if (ttl < this.minTtl[s]) this.minTtl[s] = ttl;
    if (!this.tailKnown[s] && (obs.flags[o] & F_TAIL) !== 0) {
      this.tailKnown[s] = 1;
      this.tail[s] = obs.tailOf(o);
    }
  }

  /** Marks `o` a duplicate of a row in `s`: it belongs to the segment but is not a hop. */
  duplicate(s: number, o: number, obs: ObservationTable): void {
    obs.flags[o] |= F_DUP;
    obs.segment[o] = s;
    obs.nextInSegment[o] = -1;
  }

  tailCompatible(s: number, o: number, obs: ObservationTable): boolean {
    if (!this.tailKnown[s] || (obs.flags[o] & F_TAIL) === 0) return true;
    return this.tail[s] === obs.tailOf(o);
  }

  /**
   * Whether segments a and b may carry one packet by their tails: unless both are known and differ (then the
   * linker never joins them, nor counts one the other's rival).
   */
  tailsMayMatch(a: number, b: number): boolean {
    return !this.tailKnown[a] || !this.tailKnown[b] || this.tail[a] === this.tail[b];
  }
}
