// The renderer's packets, held as typed-array columns addressed by global index (never one object per packet),
// plus one index list per capture (a pane, a timeline lane). Fed by whole-session loads and live batches.
// A capture's file order is usually its time order; where it is not (a clock stepped back, a multi-queue NIC
// handing packets over out of order), a time-sorted copy of its list serves what searches by time.

import type { PacketBatch } from '../../../preload/api.ts';
import { Growable } from './growable.ts';
import { lowerBound } from '../lib/timeScale.ts';

export class PacketStore {
  readonly capture = new Growable(Uint16Array);
  readonly tsNs = new Growable(Float64Array);
  readonly length = new Growable(Uint32Array);
  readonly journey = new Growable(Int32Array);
  readonly hop = new Growable(Int16Array);
  readonly proto = new Growable(Uint8Array);
  readonly status = new Growable(Uint8Array);
  /** Global indices of each capture's packets, in arrival (file) order: a pane's rows, as tcpdump lists them. */
  byCapture: Growable<Uint32Array>[] = [];
  /** Per capture: 1 once some packet arrived with an earlier time than the one before it. */
  private outOfOrder = new Uint8Array(0);
  /** Per capture: the raw time of its last packet (to notice the above as packets arrive). */
  private lastTs = new Float64Array(0);
  /** Per out-of-order capture: its global indices sorted by time, while it has as many packets. */
  private sorted = new Map<number, Uint32Array>();
  /** Per-capture clock correction (ns to subtract), from the clocks of the capture's node. */
  captureOffsetNs = new Float64Array(0);
  /** Bumped on every change; React reads it through useSyncExternalStore. */
  version = 0;
  private listeners = new Set<() => void>();

  get count(): number {
    return this.capture.length;
  }

  subscribe = (cb: () => void): (() => void) => {
    this.listeners.add(cb);
    return () => void this.listeners.delete(cb);
  };

  getVersion = (): number => this.version;

  /** Tells subscribers about changes made with `apply(…, false)`. */
  changed(): void {
    this.version++;
    this.listeners.forEach((l) => l());
  }

  /**
   * Empties the store. `expected` (packets per capture, when known) sizes the columns once: growing a million
   * rows by doubling would copy every column ~10 times while the first view is waited for.
   */
  reset(captures: number, expected?: readonly number[]): void {
    const total = expected ? expected.reduce((a, b) => a + b, 0) : 0;
    for (const g of [this.capture, this.tsNs, this.length, this.journey, this.hop, this.proto, this.status]) {
      g.length = 0;
      g.reserve(total);
    }
    this.byCapture = Array.from(
      { length: captures },
      (_, c) => new Growable(Uint32Array, Math.max(256, expected?.[c] ?? 0)),
    );
    this.captureOffsetNs = new Float64Array(captures);
    this.outOfOrder = new Uint8Array(captures);
    this.lastTs = new Float64Array(captures).fill(-Infinity);
    this.sorted.clear();
    this.changed();
  }

  /**
   * Adds (or, for indices already held, refreshes) a batch. A batch beyond the end is refused: it would leave a gap.
   * `notify` false: subscribers are not told (a refresh in many slices tells them once, with `changed()`).
   */
  apply(b: PacketBatch, notify = true): boolean {
    if (b.from > this.count) return false;
    const n = b.capture.length;
    const fresh = Math.max(0, b.from + n - this.count);
    const firstNew = n - fresh;
    this.capture.setAt(b.from, b.capture);
    this.tsNs.setAt(b.from, b.tsNs);
    this.length.setAt(b.from, b.length);
    this.journey.setAt(b.from, b.journey);
    this.hop.setAt(b.from, b.hop);
    this.proto.setAt(b.from, b.proto);
    this.status.setAt(b.from, b.status);
    for (let i = firstNew; i < n; i++) {
      const c = b.capture[i];
      if (c >= this.byCapture.length) this.addCaptures(c + 1);
      this.byCapture[c].push(b.from + i);
      const t = b.tsNs[i];
      if (t < this.lastTs[c]) this.outOfOrder[c] = 1;
      this.lastTs[c] = t;
    }
    if (this.captureOffsetNs.length < this.byCapture.length) this.addCaptures(this.byCapture.length);
    if (notify) this.changed();
    return true;
  }

  /** Room for `count` captures (a live batch naming a capture the session did not list yet). */
  private addCaptures(count: number): void {
    // (Also sizes the offsets to the captures again after setCaptureClocks() gave fewer.)
    while (this.byCapture.length < count) this.byCapture.push(new Growable(Uint32Array, 256));
    if (this.captureOffsetNs.length < count) {
      const o = new Float64Array(count);
      o.set(this.captureOffsetNs);
      this.captureOffsetNs = o;
    }
    if (this.lastTs.length < count) {
      const last = new Float64Array(count).fill(-Infinity);
      last.set(this.lastTs);
      this.lastTs = last;
      const out = new Uint8Array(count);
      out.set(this.outOfOrder);
      this.outOfOrder = out;
    }
  }

  /**
   * Per capture: its node's clock offset (ns), and for a drifting clock how fast it grows (per ns of reference time)
   * from `atNs` (ns from the session base) on, as the session's clocks say (ClockInfo.rate).
   */
  setCaptureClocks(offsets: ArrayLike<number>, rates?: ArrayLike<number>, atNs = 0): void {
    this.captureOffsetNs = Float64Array.from(offsets);
    this.captureRate = rates ? Float64Array.from(rates) : new Float64Array(offsets.length);
    this.clockAtNs = atNs;
    this.changed();
  }

  /** Per capture: how fast its clock's offset grows (0: steady; see setCaptureClocks). */
  captureRate = new Float64Array(0);
  clockAtNs = 0;

  /** Clock-corrected time of a packet (ns relative to the session base). */
  timeOf(i: number): number {
    const c = this.capture.data[i];
    const t = this.tsNs.data[i] - (this.captureOffsetNs[c] ?? 0);
    const r = this.captureRate[c] ?? 0;
    return r === 0 ? t : this.clockAtNs + (t - this.clockAtNs) / (1 + r);
  }

  /** What capture c's times are corrected by at corrected time t (its offset; a drifting clock's then). */
  offsetAt(c: number, t: number): number {
    const r = this.captureRate[c] ?? 0;
    return (this.captureOffsetNs[c] ?? 0) + (r === 0 ? 0 : r * (t - this.clockAtNs));
  }

  captureCount(c: number): number {
    return this.byCapture[c]?.length ?? 0;
  }

  /** Global index of the n-th packet of capture c. */
  packetOf(c: number, n: number): number {
    return this.byCapture[c].data[n];
  }

  /**
   * Capture c's global indices in time order, for searches by time (the timeline's lanes, hit tests, extents):
   * its arrival list itself when that is time order (no copy, the common case), else a sorted copy made once per
   * size of the capture (ties keep arrival order). Read the first captureCount(c) entries.
   */
  byTime(c: number): Uint32Array {
    const list = this.byCapture[c];
    if (!list) return new Uint32Array(0);
    if (!this.outOfOrder[c]) return list.data;
    let s = this.sorted.get(c);
    if (s?.length !== list.length) {
      const ts = this.tsNs.data;
      s = list
        .view()
        .slice()
        .sort((a, b) => ts[a] - ts[b]);
      this.sorted.set(c, s);
    }
    return s;
  }

  /** Position within capture c of the first packet belonging to `journey`, or -1. A scan: a few ms per million. */
  findJourneyInCapture(c: number, journey: number): number {
    const list = this.byCapture[c];
    if (!list || journey < 0) return -1;
    const idx = list.data;
    const j = this.journey.data;
    for (let n = 0; n < list.length; n++) if (j[idx[n]] === journey) return n;
    return -1;
  }

  /**
   * Position (in arrival order) within capture c of its earliest packet at or after corrected time `ns` (the
   * count when none).
   */
  positionAtTime(c: number, ns: number): number {
    const list = this.byCapture[c];
    if (!list) return 0;
    const idx = this.byTime(c);
    const k = lowerBound((k) => this.timeOf(idx[k]), 0, list.length, ns);
    if (k >= list.length) return list.length;
    return idx === list.data ? k : this.positionInCapture(c, idx[k]);
  }

  /** Capture c's packet nearest to corrected time `ns`, at most `maxNs` away, or -1 (the timeline's hit test). */
  nearestInCapture(c: number, ns: number, maxNs: number): number {
    const n = this.captureCount(c);
    const idx = this.byTime(c);
    const k = lowerBound((k) => this.timeOf(idx[k]), 0, n, ns);
    let best = -1;
    let bestD = maxNs;
    for (const cand of [k - 1, k]) {
      if (cand < 0 || cand >= n) continue;
      const d = Math.abs(this.timeOf(idx[cand]) - ns);
      if (d <= bestD) {
        bestD = d;
        best = idx[cand];
      }
    }
    return best;
  }

  /** Position within capture c of a global index, or -1 (binary search: lists are ascending). */
  positionInCapture(c: number, global: number): number {
    const list = this.byCapture[c];
    if (!list) return -1;
    const n = lowerBound((k) => list.data[k], 0, list.length, global);
    return n < list.length && list.data[n] === global ? n : -1;
  }

  /** [min, max] corrected time over all packets, or null when empty. */
  timeExtent(): [number, number] | null {
    let min = Infinity;
    let max = -Infinity;
    for (let c = 0; c < this.byCapture.length; c++) {
      const n = this.captureCount(c);
      if (!n) continue;
      // Per capture in time order, only the ends matter.
      const idx = this.byTime(c);
      min = Math.min(min, this.timeOf(idx[0]));
      max = Math.max(max, this.timeOf(idx[n - 1]));
    }
    return min === Infinity ? null : [min, max];
  }
}
