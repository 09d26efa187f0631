// The renderer's packets, held as typed-array columns addressed by global index (never one object per packet),
// plus one index list per capture (a pane, a timeline lane). Fed by whole-session loads and live batches.

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
  /** Global indices of each capture's packets, in arrival order (= time order within one capture). */
  byCapture: Growable<Uint32Array>[] = [];
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
      while (this.byCapture.length <= c) this.byCapture.push(new Growable(Uint32Array, 256));
      this.byCapture[c].push(b.from + i);
    }
    if (this.captureOffsetNs.length < this.byCapture.length) {
      const o = new Float64Array(this.byCapture.length);
      o.set(this.captureOffsetNs);
      this.captureOffsetNs = o;
    }
    if (notify) this.changed();
    return true;
  }

  setCaptureOffsets(offsets: ArrayLike<number>): void {
    this.captureOffsetNs = Float64Array.from(offsets);
    this.changed();
  }

  /** Clock-corrected time of a packet (ns relative to the session base). */
  timeOf(i: number): number {
    return this.tsNs.data[i] - (this.captureOffsetNs[this.capture.data[i]] ?? 0);
  }

  captureCount(c: number): number {
    return this.byCapture[c]?.length ?? 0;
  }

  /** Global index of the n-th packet of capture c. */
  packetOf(c: number, n: number): number {
    return this.byCapture[c].data[n];
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
   * Position within capture c of its first packet at or after corrected time `ns` (the count when none): a
   * binary search, so where a capture's file order is not time order it finds a nearby packet, not always the
   * first.
   */
  positionAtTime(c: number, ns: number): number {
    const list = this.byCapture[c];
    if (!list) return 0;
    return lowerBound((k) => this.timeOf(list.data[k]), 0, list.length, ns);
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
      const list = this.byCapture[c];
      if (!list.length) continue;
      // Per capture, time order holds, so only the ends matter.
      min = Math.min(min, this.timeOf(list.data[0]));
      max = Math.max(max, this.timeOf(list.data[list.length - 1]));
    }
    return min === Infinity ? null : [min, max];
  }
}
