// Per-node clock offsets to a reference node, with an uncertainty and the method used. offsetNs > 0 means the
// node's clock is ahead of the reference: subtract it to get reference time.
//
// Traffic bounds: a packet sent by A (last seen on A at tA) and then seen on B (first at tB) arrived after
// it left, so  tB - oB >= tA - oA,  i.e.  d = oB - oA <= tB - tA.  The reverse direction bounds d from
// below. The estimate is the middle of [lo, hi] and the uncertainty its half width: the true offset is
// inside whenever the timestamps are causal. Pairs chain to the reference through the tightest links.
// SSH probes (from session.json) are intervals too and are intersected; a manual override wins.
//
// Drift: when the two directions' bounds cross (no constant offset fits), each pair's bounds (the lower convex
// hull of (arrival time, bound) points, all that a line's fit depends on) are fitted with a line instead, d(t) = c + r·(t − at) with |r| ≤ MAX_DRIFT_PPM, the
// one farthest inside every bound (fitBounds); a node's clock then reads t_node = t + o + r·(t − at) of reference
// time t (NodeClocks), its method 'traffic-drift'.

import { maximize } from './linearProgram.ts';
import { insertAt, removeAt } from '../common/arrays.ts';

export type ClockMethod =
  | 'reference'
  | 'traffic'
  | 'traffic-one-way'
  | 'traffic-inconsistent'
  | 'traffic-drift'
  | 'ssh-probe'
  | 'traffic+ssh-probe'
  | 'manual'
  | 'none';

export interface ClockEstimate {
  node: string;
  /** The node this offset is relative to. */
  reference: string;
  offsetNs: number;
  /** Half width of the interval known to contain the offset; Infinity when unbounded. */
  uncertaintyNs: number;
  method: ClockMethod;
  /** Packets that bounded this node's link to its parent (traffic methods). */
  samples: number;
  /**
   * A manual offset's node: what the traffic (and SSH probes) gave without it, when they bounded it (to show
   * beside the override, and to warn when it lies outside), and how that drifted.
   */
  traffic?: { offsetNs: number; uncertaintyNs: number; rate?: ClockRate };
  /**
   * A node left without an offset ('none'): packets of unambiguous journeys seen on it and on an estimated node
   * that nothing said the direction of (equal TTLs, no MAC or address on them owned by either node), if any.
   */
  undirected?: number;
  /**
   * Crossed traffic bounds ('traffic-inconsistent'): the offset to `against` was at most one value when one
   * direction's tightest packet went and at least a larger one when the other's did, so it moved by at least
   * `movedNs` over `overNs` of capture (signed: + the node's clock gained on `against`'s): a drift, or a packet
   * linked to the wrong journey; faster than clocks drift (driftPpm above MAX_DRIFT_PPM), likely the latter. Absent
   * when the bounds cross by less than a microsecond.
   */
  drift?: ClockDrift;
  /**
   * A drifting clock ('traffic-drift', and the nodes chained behind one): the offset grows by `ppm` millionths of
   * the time elapsed (negative: shrinks); offsetNs is its value at `atNs` (reference time, ns from the result's
   * baseSec). uncertaintyNs is then how far any line inside the bounds strays from this one over the capture.
   */
  rate?: ClockRate;
  /**
   * A node whose offset (or drifting line) misses the traffic's bounds to another node (`against`) by `byNs` (≥ 1
   * µs; the largest such pair; neither manual, inconsistent nor one-way): the estimates do not fit every pair (that
   * pair's own bounds cross, bounds around a cycle of nodes contradict each other: a timestamp not taken at the
   * wire, a packet linked to the wrong journey; or nodes chained by a tree of links through a drifting one), so
   * hops between the two may show latencies off by as much.
   */
  conflict?: ClockConflict;
}

export interface ClockConflict {
  against: string;
  byNs: number;
}

export interface ClockRate {
  ppm: number;
  /**
   * How far the rate may be off: half the range of slopes of the lines inside the bounds (summed along a chain; after
   * fitLinesJointly, how far from this one the slopes every bound allows reach).
   */
  ppmUncertainty: number;
  atNs: number;
  /** The reference times of the first and the last packet that bounded the line (uncertaintyNs holds between). */
  fromNs: number;
  toNs: number;
}

export interface ClockDrift {
  against: string;
  movedNs: number;
  overNs: number;
}

/** Free-running clocks drift by up to a few hundred ppm (Linux slews at most 500 ppm): faster is no drift. */
export const MAX_DRIFT_PPM = 500;

/** The drift rate (ppm, ≥ 0) a ClockDrift shows at least, Infinity when over no time at all. */
export function driftPpm(d: ClockDrift): number {
  return d.overNs > 0 ? (Math.abs(d.movedNs) / d.overNs) * 1e6 : Infinity;
}

/**
 * A manual offset outside the interval the traffic (and probes) give for its node (ClockEstimate.traffic): hops
 * across that node then show negative latencies or are not linked. False for other estimates.
 */
export function outsideTraffic(c: ClockEstimate): boolean {
  const t = c.traffic;
  if (c.method !== 'manual' || t === undefined) return false;
  // A drifting clock's offset moves: a steady override is outside when it is at either end of the traffic's line.
  const r = t.rate;
  const at = r ? [r.fromNs, r.toNs].map((x) => t.offsetNs + r.ppm * 1e-6 * (x - r.atNs)) : [t.offsetNs];
  return at.some((o) => Math.abs(c.offsetNs - o) > t.uncertaintyNs);
}

/** An SSH clock probe: node clock minus the capturing host's clock, bounded by the probe's round trip. */
export interface ClockProbe {
  node: string;
  offsetNs: number;
  uncertaintyNs: number;
}

/**
 * The lower convex hull of (time, delta) points, kept as points come in any order (usually time order: appended):
 * the minimum of delta + r·time over every point added is on it, for any r, so a line's fit to thousands of bounds
 * reads a few. Collinear and same-time points keep only what bounds lowest, so the hull is that of the set, whatever
 * the order.
 */
export class LowerHull {
  readonly t: number[] = [];
  readonly d: number[] = [];

  add(x: number, y: number): void {
    const t = this.t;
    const d = this.d;
    const n = t.length;
    let i = n;
    if (n > 0 && x <= t[n - 1]) {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    if (i < n && t[i] === x) {
      if (y >= d[i]) return;
      d[i] = y;
    } else {
      // On or above the hull between its neighbours: bounds nothing they do not.
      if (i > 0 && i < n && cross(t[i - 1], d[i - 1], t[i], d[i], x, y) >= 0) return;
      insertAt(t, i, x);
      insertAt(d, i, y);
    }
    // Neighbours the new point leaves on or above the hull go.
    while (i + 2 < t.length && cross(t[i], d[i], t[i + 2], d[i + 2], t[i + 1], d[i + 1]) >= 0) {
      removeAt(t, i + 1);
      removeAt(d, i + 1);
    }
    while (i >= 2 && cross(t[i - 2], d[i - 2], t[i], d[i], t[i - 1], d[i - 1]) >= 0) {
      removeAt(t, i - 1);
      removeAt(d, i - 1);
      i--;
    }
  }
}

/** > 0 when (px, py) lies above the line through (ax, ay) and (bx, by) (ax < px < bx). */
function cross(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

/** Collects one-way bounds between node pairs. */
export class ClockBounds {
  /** minDelta[a * n + b]: min over packets a→b of (first time on b - last time on a), raw clocks. */
  readonly minDelta: Float64Array;
  /** minAt[a * n + b]: the first time on b of the packet that gave minDelta (the earliest among equal ones). */
  readonly minAt: Float64Array;
  readonly samples: Int32Array;
  /** undirected[a * n + b] (a < b): packets seen on both that nothing said the direction of. */
  readonly undirected: Int32Array;
  /** hulls[a * n + b]: the lower hull of the pair's (arrival time, delta) points (the drift fit's). */
  private readonly hulls: (LowerHull | undefined)[];
  /** Per node: the earliest arrival there of any bound, on its clock (Infinity: none); the drift lines' anchor. */
  readonly firstAt: Float64Array;
  constructor(readonly nodeCount: number) {
    this.minDelta = new Float64Array(nodeCount * nodeCount).fill(Infinity);
    this.minAt = new Float64Array(nodeCount * nodeCount);
    this.samples = new Int32Array(nodeCount * nodeCount);
    this.undirected = new Int32Array(nodeCount * nodeCount);
    this.hulls = new Array<LowerHull | undefined>(nodeCount * nodeCount).fill(undefined);
    this.firstAt = new Float64Array(nodeCount).fill(Infinity);
  }
  /** A packet seen on both nodes with no evidence of its direction (no bound). */
  addUndirected(a: number, b: number): void {
    this.undirected[Math.min(a, b) * this.nodeCount + Math.max(a, b)]++;
  }
  add(from: number, to: number, lastOnFrom: number, firstOnTo: number): void {
    const k = from * this.nodeCount + to;
    const d = firstOnTo - lastOnFrom;
    // Ties keep the earliest time: the same whatever order the packets come in (live windows, threads).
    if (d < this.minDelta[k] || (d === this.minDelta[k] && firstOnTo < this.minAt[k])) {
      this.minDelta[k] = d;
      this.minAt[k] = firstOnTo;
    }
    this.samples[k]++;
    this.addToHull(k, d, firstOnTo);
  }

  private addToHull(k: number, d: number, at: number): void {
    const to = k % this.nodeCount;
    if (at < this.firstAt[to]) this.firstAt[to] = at;
    (this.hulls[k] ??= new LowerHull()).add(at, d);
  }

  /** The pair's bounds a→b that a line can touch, in time order: d ≤ delta[i] for the packet that arrived at at[i]. */
  series(a: number, b: number): { delta: Float64Array; at: Float64Array } {
    const h = this.hulls[a * this.nodeCount + b];
    return { delta: Float64Array.from(h?.d ?? []), at: Float64Array.from(h?.t ?? []) };
  }
  /** Adds another collection's bounds (nodes numbered alike; it may know fewer nodes). */
  merge(other: ClockBounds): void {
    const m = other.nodeCount;
    for (let a = 0; a < Math.min(m, this.nodeCount); a++) {
      for (let b = 0; b < Math.min(m, this.nodeCount); b++) {
        const k = a * this.nodeCount + b;
        const d = other.minDelta[a * m + b];
        const at = other.minAt[a * m + b];
        if (d < this.minDelta[k] || (d === this.minDelta[k] && at < this.minAt[k])) {
          this.minDelta[k] = d;
          this.minAt[k] = at;
        }
        this.samples[k] += other.samples[a * m + b];
        this.undirected[k] += other.undirected[a * m + b];
        const h = other.hulls[a * m + b];
        for (let i = 0; h && i < h.t.length; i++) this.addToHull(k, h.d[i], h.t[i]);
      }
    }
  }
  /** Interval for d = o_b - o_a: [lo, hi] (±Infinity when one direction had no packets). */
  interval(a: number, b: number): { lo: number; hi: number; samples: number; hiAt: number; loAt: number } {
    const n = this.nodeCount;
    return {
      hi: this.minDelta[a * n + b],
      lo: -this.minDelta[b * n + a],
      samples: this.samples[a * n + b] + this.samples[b * n + a],
      hiAt: this.minAt[a * n + b],
      loAt: this.minAt[b * n + a],
    };
  }
}

export interface ClockOptions {
  mode: 'auto' | 'none';
  /** Node name → offset (ns) to the reference, from `--clock NODE=OFFSET`. */
  manual?: Record<string, number>;
  reference?: string;
  probes?: ClockProbe[];
}

interface Edge {
  est: number;
  unc: number;
  method: ClockMethod;
  samples: number;
  /** 'traffic-drift': how fast the offset d grows (per ns of reference time); est is its value at the anchor. */
  rate?: number;
  /** 'traffic-drift': how far the rate may be off (BoundsLine.rMin/rMax). */
  rateUnc?: number;
  /** 'traffic-drift': the first and the last bound's reference times (the line is known between them). */
  span?: [number, number];
  /** Crossed bounds (by a microsecond or more): how far apart, over how long (ClockEstimate.drift, without the node). */
  moved?: { movedNs: number; overNs: number };
}

/**
 * A line d(t) = c + r·(t − at), how far it stays inside the bounds it was fitted to (negative: outside), and how far
 * any other line inside them (as far as this one, when it is outside) strays from it over the bounds' times.
 */
export interface BoundsLine {
  c: number;
  r: number;
  margin: number;
  /** The most another fitting line differs from this one between the first and the last bound. */
  spread: number;
  /** The first and the last bound's times (as given, not less `at`). */
  first: number;
  last: number;
  /** The slopes of the lines inside the bounds (as far inside as this one, when it is outside): [rMin, rMax]. */
  rMin: number;
  rMax: number;
}

type Points = { delta: ArrayLike<number>; at: ArrayLike<number> };

/**
 * The line d(t) = c + r·(t − at), |r| ≤ maxRate, farthest inside the bounds d(upper.at[i]) ≤ upper.delta[i] and
 * d(lower.at[j]) ≥ lower.delta[j]: for a slope r the room is U(r) − L(r) with U = min(upper − r·t) (concave) and
 * L = max(lower − r·t) (convex), so the room is concave in r and a ternary search finds its peak; c is the middle.
 * `spread`: every line inside the bounds has its slope in the interval where the room is ≥ 0 and its value at a
 * time t between U(r) + r·t and L(r) + r·t; a difference of lines is largest at the ends, so the first and the last
 * bound's times are searched (concave and convex in r again).
 */
export function fitBounds(
  upper: Points,
  lower: Points,
  at: number,
  maxRate = MAX_DRIFT_PPM * 1e-6,
): BoundsLine {
  // Only the hulls matter (U is the lower hull's, L the upper hull's): a few points of thousands of buckets.
  const up = hull(upper, at, 1);
  const down = hull(lower, at, -1);
  const U = (r: number): number => {
    let u = Infinity;
    for (let i = 0; i < up.t.length; i++) u = Math.min(u, up.v[i] - r * up.t[i]);
    return u;
  };
  const L = (r: number): number => {
    let l = -Infinity;
    for (let j = 0; j < down.t.length; j++) l = Math.max(l, down.v[j] - r * down.t[j]);
    return l;
  };
  const room = (r: number): number => U(r) - L(r);
  /** The r in [a, b] where f peaks (f concave; `sign` −1 for the lowest of a convex one). */
  const peak = (f: (r: number) => number, a: number, b: number, sign = 1): number => {
    for (let i = 0; i < 100 && b - a > 1e-13; i++) {
      const m1 = a + (b - a) / 3;
      const m2 = b - (b - a) / 3;
      if (sign * f(m1) < sign * f(m2)) a = m1;
      else b = m2;
    }
    return (a + b) / 2;
  };
  const r = peak(room, -maxRate, maxRate);
  const u = U(r);
  const l = L(r);
  const margin = (u - l) / 2;
  // The slopes of the lines inside (or, outside, as far inside as this one): where the room is at least this one's.
  const need = Math.min(0, u - l);
  const edge = (from: number, to: number): number => {
    // From a slope that fits (to) towards one that may not (from): the last that fits.
    for (let i = 0; i < 100 && Math.abs(to - from) > 1e-13; i++) {
      const m = (from + to) / 2;
      if (room(m) >= need) to = m;
      else from = m;
    }
    return to;
  };
  const r1 = room(-maxRate) >= need ? -maxRate : edge(-maxRate, r);
  const r2 = room(maxRate) >= need ? maxRate : edge(maxRate, r);
  const first = Math.min(up.t[0] ?? Infinity, down.t[0] ?? Infinity) + at;
  const last = Math.max(up.t.at(-1) ?? -Infinity, down.t.at(-1) ?? -Infinity) + at;
  let spread = 0;
  const c = (u + l) / 2;
  for (const t of first <= last ? [first, last] : []) {
    const mine = c + r * (t - at);
    const hiAt = peak((q) => U(q) + q * (t - at), r1, r2);
    const loAt = peak((q) => L(q) + q * (t - at), r1, r2, -1);
    spread = Math.max(spread, U(hiAt) + hiAt * (t - at) - mine, mine - (L(loAt) + loAt * (t - at)));
  }
  return { c, r, margin, spread, first, last, rMin: r1, rMax: r2 };
}

/**
 * The lower (side 1) or upper (side −1) convex hull of the points (at − anchor, delta), in time order: what the
 * minimum (maximum) of delta − r·t over all points depends on, for any r.
 */
function hull(pts: Points, anchor: number, side: 1 | -1): { t: number[]; v: number[] } {
  const idx = Array.from({ length: pts.at.length }, (_, i) => i).sort(
    (a, b) => pts.at[a] - pts.at[b] || side * (pts.delta[a] - pts.delta[b]),
  );
  const t: number[] = [];
  const v: number[] = [];
  for (const i of idx) {
    const x = pts.at[i] - anchor;
    const y = pts.delta[i];
    if (t.length && t[t.length - 1] === x) continue; // same time: the first is the tighter (sorted so)
    // Drop the last point while it is not strictly below (above) the segment from the one before it to this one.
    while (t.length >= 2) {
      const n = t.length;
      const cross = (t[n - 1] - t[n - 2]) * (y - v[n - 2]) - (v[n - 1] - v[n - 2]) * (x - t[n - 2]);
      if (side * cross > 0) break;
      t.pop();
      v.pop();
    }
    t.push(x);
    v.push(y);
  }
  return { t, v };
}

/**
 * The offset d = o_b − o_a from the traffic between a and b. `toRef` puts a time of a's clock on the reference
 * clock and `at` is the anchor of drift lines (both only used when the bounds cross and a line is fitted).
 */
function trafficEdge(
  bounds: ClockBounds,
  a: number,
  b: number,
  toRef: (tOnA: number) => number = (t) => t,
  at = 0,
): Edge | null {
  const { lo, hi, samples, hiAt, loAt } = bounds.interval(a, b);
  if (lo === -Infinity && hi === Infinity) return null;
  if (lo === -Infinity || hi === Infinity) {
    // One direction only: the bound is all we know; assume a short flight, say so with an unbounded width.
    return { est: lo === -Infinity ? hi : lo, unc: Infinity, method: 'traffic-one-way', samples };
  }
  if (lo <= hi) return { est: (lo + hi) / 2, unc: (hi - lo) / 2, method: 'traffic', samples };
  // b's offset was ≤ hi at hiAt and ≥ lo (> hi) at loAt: it grew by lo − hi if loAt is the later, else it fell.
  // hiAt is on b's clock (a packet's arrival there), loAt on a's: a's time on b's clock is loAt + the offset
  // (known to within the crossing, far closer than two unsynced clocks' seconds apart).
  const loAtOnB = loAt + (lo + hi) / 2;
  const est = (lo + hi) / 2;
  // A crossing under a microsecond may be timestamps cut to microseconds: no drift or mislink to tell of.
  const moved =
    lo - hi < 1_000
      ? undefined
      : { movedNs: loAtOnB >= hiAt ? lo - hi : hi - lo, overNs: Math.abs(loAtOnB - hiAt) };
  // A drift: the line through all the bounds, each bound's time on the reference clock (a→b bounds arrive on b:
  // minus the offset first, then as a's).
  const up = bounds.series(a, b);
  const down = bounds.series(b, a);
  const lower = { delta: down.delta.map((d) => -d), at: down.at.map(toRef) };
  let line = fitBounds({ delta: up.delta, at: up.at.map((t) => toRef(t - est)) }, lower, at);
  // Again with the a→b bounds' times moved back by the line rather than by the constant guess.
  line = fitBounds(
    { delta: up.delta, at: up.at.map((t) => toRef(t - (line.c + line.r * (toRef(t - est) - at)))) },
    lower,
    at,
  );
  // Inside every bound (or crossing by less than timestamps cut to microseconds do): the clocks drift, linearly.
  // Not when the roomiest slope is the steepest allowed: the bounds do not tell the slope (one bound each way
  // leaves a range of them, the room growing towards one end), or no clock drifts that fast. Nor, for a crossing
  // under a microsecond, when the line moves less than that over the capture (µs timestamps' rounding).
  // The uncertainty: how far any line inside the bounds strays from this one over them.
  const fits =
    line.margin > -500 &&
    Math.abs(line.r) < 0.99 * MAX_DRIFT_PPM * 1e-6 &&
    (moved !== undefined || Math.abs(line.r) * (line.last - line.first) >= 1_000);
  if (fits)
    return {
      est: line.c,
      unc: Math.max(line.spread, Math.abs(line.margin)),
      method: 'traffic-drift',
      samples,
      rate: line.r,
      rateUnc: (line.rMax - line.rMin) / 2,
      span: [line.first, line.last],
    };
  return { est, unc: (lo - hi) / 2, method: 'traffic-inconsistent', samples, moved };
}

/** Estimates every node's offset to the reference (default: the first node). */
export function estimateClocks(
  nodes: string[],
  bounds: ClockBounds | null,
  opts: ClockOptions,
): ClockEstimate[] {
  const n = nodes.length;
  const refName = opts.reference && nodes.includes(opts.reference) ? opts.reference : nodes[0];
  const ref = nodes.indexOf(refName);
  const out: ClockEstimate[] = nodes.map((node) => ({
    node,
    reference: refName,
    offsetNs: 0,
    uncertaintyNs: node === refName ? 0 : Infinity,
    method: node === refName ? 'reference' : 'none',
    samples: 0,
  }));
  if (n === 0) return out;
  const manual = Object.entries(opts.manual ?? {}).filter(([node]) => nodes.includes(node));
  if (opts.mode === 'auto' && bounds) {
    // Dijkstra on summed uncertainty from the reference over traffic edges. A node given its offset
    // (`--clock NODE=OFFSET`) is a source too: the nodes behind it chain through it.
    const best = new Float64Array(n).fill(Infinity);
    const done = new Uint8Array(n);
    // Drift lines are anchored at the reference's first packet from another node (any time of the reference's
    // clock would do; one for all, so that they add up), else at the first bound's arrival anywhere.
    const anyFirst = Math.min(...bounds.firstAt);
    const at = Math.round(
      Number.isFinite(bounds.firstAt[ref]) ? bounds.firstAt[ref] : Number.isFinite(anyFirst) ? anyFirst : 0,
    );
    best[ref] = 0;
    for (const [node, off] of manual) {
      const m = nodes.indexOf(node);
      if (m === ref) continue;
      best[m] = 0;
      out[m].offsetNs = off;
      out[m].uncertaintyNs = 0;
      out[m].method = 'manual';
    }
    for (;;) {
      let u = -1;
      for (let i = 0; i < n; i++) if (!done[i] && best[i] < Infinity && (u < 0 || best[i] < best[u])) u = i;
      if (u < 0) break;
      done[u] = 1;
      const toRef = (t: number): number => correctTime(t, out[u].offsetNs, rateOf(out[u]), at);
      for (let v = 0; v < n; v++) {
        if (done[v]) continue;
        const e = trafficEdge(bounds, u, v, toRef, at);
        if (!e || e.unc === Infinity) continue;
        if (best[u] + e.unc < best[v]) {
          best[v] = best[u] + e.unc;
          out[v].offsetNs = out[u].offsetNs + e.est;
          out[v].uncertaintyNs = out[u].uncertaintyNs + e.unc;
          const rate = rateOf(out[u]) + (e.rate ?? 0);
          out[v].method =
            out[u].method === 'traffic-inconsistent' || e.method === 'traffic-inconsistent'
              ? 'traffic-inconsistent'
              : rate !== 0
                ? 'traffic-drift'
                : e.method;
          out[v].samples = e.samples;
          if (rate !== 0) {
            // Known between the first and the last bound of the links it chains through.
            const [from, to] = e.span ?? [out[u].rate?.fromNs ?? Infinity, out[u].rate?.toNs ?? -Infinity];
            const fromNs = Math.min(from, out[u].rate?.fromNs ?? Infinity);
            const toNs = Math.max(to, out[u].rate?.toNs ?? -Infinity);
            const ppmUncertainty = (out[u].rate?.ppmUncertainty ?? 0) + (e.rateUnc ?? 0) * 1e6;
            out[v].rate = { ppm: rate * 1e6, ppmUncertainty, atNs: at, fromNs, toNs };
          } else delete out[v].rate;
          // Crossed bounds on this link say how far the offset moved; through an inconsistent node, its own.
          const drift = e.moved ? { against: nodes[u], ...e.moved } : out[u].drift;
          if (drift) out[v].drift = drift;
          else delete out[v].drift;
        }
      }
    }
    fitSteadyJointly(out, bounds);
    refitDriftingLines(out, bounds);
    fitLinesJointly(out, bounds);
    // Nodes reached only one way: take the bound from the reference (or any estimated node) as a guess.
    for (let v = 0; v < n; v++) {
      if (out[v].method !== 'none') continue;
      for (let u = 0; u < n; u++) {
        if (out[u].method === 'none' || out[u].uncertaintyNs === Infinity) continue;
        const e = trafficEdge(bounds, u, v);
        if (!e) continue;
        out[v].offsetNs = out[u].offsetNs + e.est;
        out[v].uncertaintyNs = Infinity;
        out[v].method = 'traffic-one-way';
        out[v].samples = e.samples;
        const rate = out[u].rate;
        if (rate) out[v].rate = { ...rate };
        break;
      }
    }
    // Nodes left unknown: how many of their packets nothing said the direction of (the clock line says why).
    for (let v = 0; v < n; v++) {
      if (out[v].method !== 'none') continue;
      let undirected = 0;
      for (let u = 0; u < n; u++) {
        if (u !== v && out[u].method !== 'none')
          undirected += bounds.undirected[Math.min(u, v) * n + Math.max(u, v)];
      }
      if (undirected > 0) out[v].undirected = undirected;
    }
  }
  if (opts.mode === 'auto' && opts.probes && opts.probes.length > 0) combineProbes(out, refName, opts.probes);
  if (opts.mode === 'auto' && bounds) markConflicts(out, bounds);
  // What the traffic and probes say of each manual node, without the overrides.
  const auto =
    manual.length > 0 && opts.mode === 'auto' ? estimateClocks(nodes, bounds, { ...opts, manual: {} }) : [];
  for (const [node, off] of manual) {
    const e = out.find((c) => c.node === node)!;
    const a = auto.find((c) => c.node === node);
    if (a && a.uncertaintyNs < Infinity && a.method !== 'reference')
      e.traffic = {
        offsetNs: a.offsetNs,
        uncertaintyNs: a.uncertaintyNs,
        ...(a.rate ? { rate: a.rate } : {}),
      };
    e.offsetNs = off;
    e.uncertaintyNs = 0;
    e.method = node === refName && off === 0 ? 'reference' : 'manual';
    e.samples = 0;
    delete e.rate;
  }
  return out;
}

/**
 * The steady nodes' offsets from every pair's bounds at once, not only the tree's links: the tree leaves a pair
 * outside it unchecked (three nodes each bounded ±10 µs from the reference by a long path's packets, two of them
 * bounded to within 1 µs of each other by their own: the tree puts both at the reference's middle, outside the
 * pair's bounds, and hops between them go negative).
 *
 * The bounds are difference constraints o_b − o_a ≤ minDelta(a→b) among the steady nodes ('traffic', with the
 * reference and manual offsets fixed); shortest paths give each node the interval every bound allows it (its
 * projection: the true offset is inside when the timestamps are causal). The node with the narrowest is set at its
 * middle and fixed, the intervals of the others shrink to what stays consistent with it, and so on: every pair's
 * bounds then hold, and a node's uncertainty is how far its projection reaches from the value (on a tree of links
 * this is the tree's middle and summed half widths). Pairs whose own bounds cross (µs rounding, a mislinked
 * packet) are left out, and so are a manual node's pairs when its offset contradicts them (the nodes reached only
 * through it keep the tree's); bounds that contradict each other around a longer cycle leave the tree's estimate.
 */
function fitSteadyJointly(out: ClockEstimate[], bounds: ClockBounds): void {
  const nodes = out.flatMap((c, i) => (['reference', 'manual', 'traffic'].includes(c.method) ? [i] : []));
  const free = nodes.filter((i) => out[i].method === 'traffic');
  if (free.length === 0 || nodes.length < 3) return; // two nodes: one pair, the tree's answer
  const n = bounds.nodeCount;
  const m = nodes.length + 1;
  const z = m - 1; // time 0: the fixed nodes' offsets are edges from and to it
  const isFree = new Set(free);
  const w = nodes.map((a) => nodes.map((b) => (a === b ? 0 : bounds.minDelta[a * n + b])));
  const paths = (manualPairs: boolean): Float64Array[] | null => {
    const dist = Array.from({ length: m }, (_, i) => new Float64Array(m).fill(Infinity).fill(0, i, i + 1));
    const paired = (a: number): boolean => manualPairs || out[nodes[a]].method !== 'manual';
    for (let i = 0; i < nodes.length; i++) {
      if (!isFree.has(nodes[i])) {
        dist[z][i] = out[nodes[i]].offsetNs;
        dist[i][z] = -out[nodes[i]].offsetNs;
      }
      for (let j = 0; j < nodes.length; j++)
        if (i !== j && paired(i) && paired(j) && w[i][j] < Infinity && !(w[i][j] + w[j][i] < 0))
          dist[i][j] = w[i][j];
    }
    for (let k = 0; k < m; k++)
      for (let i = 0; i < m; i++) {
        const dik = dist[i][k];
        if (dik === Infinity) continue;
        for (let j = 0; j < m; j++) if (dik + dist[k][j] < dist[i][j]) dist[i][j] = dik + dist[k][j];
      }
    return dist.some((row, i) => row[i] < 0) ? null : dist;
  };
  const dist = paths(true) ?? (nodes.some((i) => out[i].method === 'manual') ? paths(false) : null);
  if (!dist) return;
  const local = new Map(nodes.map((node, i) => [node, i]));
  const width = (v: number): number => dist[z][local.get(v)!] + dist[local.get(v)!][z];
  // Each node's interval before any was fixed: the true offset is in it (causal timestamps).
  const projection = new Map(free.map((v) => [v, [-dist[local.get(v)!][z], dist[z][local.get(v)!]]]));
  const left = new Set(free.filter((v) => width(v) < Infinity));
  while (left.size > 0) {
    let pick = -1;
    for (const v of left) if (pick < 0 || width(v) < width(pick)) pick = v;
    left.delete(pick);
    const v = local.get(pick)!;
    const est = (dist[z][v] - dist[v][z]) / 2;
    // Fixing o_v = est adds the edges z→v (est) and v→z (−est).
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        const via = Math.min(dist[i][z] + est + dist[v][j], dist[i][v] - est + dist[z][j]);
        if (via < dist[i][j]) dist[i][j] = via;
      }
    const [lo, hi] = projection.get(pick)!;
    out[pick].offsetNs = est;
    out[pick].uncertaintyNs = Math.max(est - lo, hi - est);
  }
}

/**
 * With a drifting node among three or more, every drifting line and steady offset refitted to all its pairs' bounds
 * at once: a drifting node's line fitted to one link of the tree could leave a pair outside it missed by µs (a
 * 4-node chain, three nodes drifting: 26 hops down to −15 µs), and the steady fit leaves the drifting nodes' pairs
 * out. Each neighbour's bounds, moved onto the node's own line by the neighbour's (a packet u → v bounds o_v(T) ≤
 * o_u(T) + delta, one v → u bounds it from below), go to one fitBounds, rate and offset together (a constant for a
 * steady node), node after node for a few rounds. A fit outside its bounds by more than timestamps cut to µs allow,
 * or at the steepest slope, keeps what the node had. Its uncertainty: the fit's plus the largest of its neighbours'
 * (their lines are estimates too), or, if less, the tree's plus how far the new line strays from the tree's over
 * the span.
 */
function refitDriftingLines(out: ClockEstimate[], bounds: ClockBounds): void {
  const nodes = out.flatMap((c, i) =>
    ['reference', 'manual', 'traffic', 'traffic-drift'].includes(c.method) ? [i] : [],
  );
  const drifting = nodes.filter((i) => out[i].method === 'traffic-drift' && out[i].rate);
  if (drifting.length === 0 || nodes.length < 3) return; // two nodes: one pair, the tree's answer
  const at = out[drifting[0]].rate!.atNs;
  const treeUnc = out.map((c) => c.uncertaintyNs);
  const tree = out.map((c) => ({
    c: c.offsetNs,
    r: rateOf(c),
    from: c.rate?.fromNs ?? 0,
    to: c.rate?.toNs ?? 0,
  }));
  // The steady nodes too, as constants: one the steady fit set without the drifting nodes' pairs may miss them.
  const refit = nodes.filter((i) => out[i].method === 'traffic-drift' || out[i].method === 'traffic');
  // Each pair's hull, read once for every round (series copies it).
  const series = new Map<number, ReturnType<ClockBounds['series']>>();
  const hullOf = (a: number, b: number) => {
    const k = a * bounds.nodeCount + b;
    if (!series.has(k)) series.set(k, bounds.series(a, b));
    return series.get(k)!;
  };
  for (let round = 0; round < 8; round++) {
    let moved = 0;
    for (const v of refit) {
      const clocks = NodeClocks.of(
        out,
        Float64Array.from(out, (c) => c.offsetNs),
      );
      const offsetAt = (n: number, t: number): number => clocks.onNode(n, t) - t;
      const upper = { delta: [] as number[], at: [] as number[] };
      const lower = { delta: [] as number[], at: [] as number[] };
      let neighbourUnc = 0;
      for (const u of nodes) {
        if (u === v) continue;
        const into = hullOf(u, v); // arrivals on v
        const back = hullOf(v, u); // arrivals on u
        if (into.at.length + back.at.length === 0) continue;
        neighbourUnc = Math.max(neighbourUnc, treeUnc[u]);
        for (let k = 0; k < into.at.length; k++) {
          const t = clocks.correct(v, into.at[k]);
          upper.at.push(t);
          upper.delta.push(offsetAt(u, t) + into.delta[k]);
        }
        for (let k = 0; k < back.at.length; k++) {
          const t = clocks.correct(u, back.at[k]);
          lower.at.push(t);
          lower.delta.push(offsetAt(u, t) - back.delta[k]);
        }
      }
      if (upper.at.length === 0 || lower.at.length === 0) continue;
      const steady = !out[v].rate;
      const line = fitBounds(upper, lower, at, steady ? 0 : undefined);
      if (!(line.margin > -500 && Math.abs(line.r) < 0.99 * MAX_DRIFT_PPM * 1e-6)) continue;
      moved = Math.max(moved, Math.abs(line.c - out[v].offsetNs), Math.abs(line.r - rateOf(out[v])) * 1e9);
      out[v].offsetNs = line.c;
      // The fit's band widened by the neighbours' (their lines are estimates too), or, if less, the tree's band
      // widened by how far the line moved from the tree's over the span (the tree's link held the truth in it).
      const t0 = tree[v];
      const apart = Math.max(
        ...[Math.min(line.first, t0.from), Math.max(line.last, t0.to)].map((t) =>
          Math.abs(line.c + line.r * (t - at) - (t0.c + t0.r * (t - at))),
        ),
      );
      out[v].uncertaintyNs = Math.min(
        Math.max(line.spread, Math.abs(line.margin)) + neighbourUnc,
        treeUnc[v] + apart,
      );
      if (steady) continue;
      out[v].rate = {
        ppm: line.r * 1e6,
        ppmUncertainty: ((line.rMax - line.rMin) / 2) * 1e6,
        atNs: at,
        fromNs: line.first,
        toNs: line.last,
      };
    }
    if (moved < 1) break;
  }
}

/**
 * Where refitDriftingLines, one node at a time, leaves a pair missed by a microsecond or more (with a drifting node
 * among three or more): every line at once. One node's move can help no pair when a steady node sits beside a
 * drifting one and each fits only if the other moves first (the drift hunt's 4-node chain with only node-1 drifting:
 * 16 hops down to −15 µs).
 *
 * A linear program (linearProgram.ts) over corrections to every free node's line ('traffic' and 'traffic-drift'
 * nodes joined to the reference or a manual node by bounds; the others fixed): its offset c_v and, drifting, its rate
 * r_v (|r_v| ≤ MAX_DRIFT_PPM). Each hull point of each pair, a packet u → v arriving at reference time T, is
 * o_v(T) − o_u(T) + m ≤ delta (o(T) = c + r·(T − at), T from the current lines: the move shifts it by far less than a
 * ns); two steady nodes' pair, one constant difference, only its tightest bound. The common margin m is maximized
 * (negative: the least violation); then, holding the bounds that limit it (a dual multiplier > 0: tight at every
 * optimum), the next margin, and so on until every line is pinned (lexicographic max-min: each pair as far inside
 * its bounds as the tighter pairs allow). The variables are offsets in µs at the bounds' centre time and rates as µs
 * over half their span, of one scale.
 *
 * The lines are taken only if every bound then holds (the first margin ≥ −500 ns, as timestamps cut to µs allow, and
 * markConflicts' own test, misses, finds no pair missed) and no rate is at the steepest allowed (the bounds do not
 * tell it); otherwise (bounds no lines fit: a cycle that contradicts itself, a mislinked packet, a manual offset the
 * traffic contradicts; or the solver gave no answer) every node keeps refitDriftingLines' line and markConflicts
 * says so.
 * Each free node's uncertainty is then what the bounds themselves allow (feasibleReach): how far from the fitted line
 * any lines of every free node that keep every bound (each relaxed by what the first margin fell short of, the rates
 * within the cap) put its offset, at either end of its span (a steady node's: at all), and its rate, by a pair of
 * programs each (min and max). Measured from the fitted value, not the range's middle: the band is the larger side.
 * Where that is no answer (the solver's, or a set past REACH_WORK), the band is its previous one plus how far the line
 * moved over the span (its previous band held the truth: the new line is at most that much farther from it), and
 * its rate's likewise.
 */
function fitLinesJointly(out: ClockEstimate[], bounds: ClockBounds): void {
  const nodes = out.flatMap((c, i) =>
    ['reference', 'manual', 'traffic', 'traffic-drift'].includes(c.method) ? [i] : [],
  );
  const drifts = (v: number): boolean => out[v].method === 'traffic-drift' && out[v].rate !== undefined;
  const drifting = nodes.filter(drifts);
  if (drifting.length === 0 || nodes.length < 3) return; // two nodes: one pair, the tree's answer
  if (misses(out, bounds).length === 0) return;
  const at = out[drifting[0]].rate!.atNs;
  const isFree = (v: number): boolean => out[v].method === 'traffic' || out[v].method === 'traffic-drift';
  const clocks = NodeClocks.of(
    out,
    Float64Array.from(out, (c) => c.offsetNs),
  );
  const offsetAt = (v: number, t: number): number => clocks.onNode(v, t) - t;
  // Every pair's hull points: o_v(T) − o_u(T) ≤ delta, as the slack the current lines leave (ns).
  interface Bound {
    u: number;
    v: number;
    t: number;
    slack: number;
  }
  const pts: Bound[] = [];
  const linked = new Map<number, Set<number>>(nodes.map((v) => [v, new Set<number>()]));
  for (const u of nodes)
    for (const v of nodes) {
      if (u === v || (!isFree(u) && !isFree(v))) continue;
      const { delta, at: arrivals } = bounds.series(u, v);
      let tightest: Bound | undefined;
      for (let k = 0; k < arrivals.length; k++) {
        const t = clocks.correct(v, arrivals[k]);
        const b = { u, v, t, slack: delta[k] - (offsetAt(v, t) - offsetAt(u, t)) };
        if (drifts(u) || drifts(v)) pts.push(b);
        else if (!tightest || b.slack < tightest.slack) tightest = b;
      }
      if (tightest) pts.push(tightest);
      if (arrivals.length > 0) {
        linked.get(u)!.add(v);
        linked.get(v)!.add(u);
      }
    }
  // Only nodes joined to a fixed one by bounds are pinned by them.
  const reached = new Set(nodes.filter((v) => !isFree(v)));
  for (const queue = [...reached]; queue.length > 0;)
    for (const w of linked.get(queue.pop()!)!)
      if (!reached.has(w)) {
        reached.add(w);
        queue.push(w);
      }
  const free = nodes.filter((v) => isFree(v) && reached.has(v));
  const used = pts.filter((b) => reached.has(b.u) && reached.has(b.v));
  if (free.length === 0 || used.length === 0) return;
  // Variables: each free node's offset correction (µs) at the bounds' centre time, then each drifting one's rate
  // correction (µs over half the span), then the margin (µs).
  const cVar = new Map(free.map((v, i) => [v, i]));
  const rVar = new Map(free.filter(drifts).map((v, i) => [v, free.length + i]));
  const nVar = free.length + rVar.size;
  const tMin = Math.min(...used.map((b) => b.t));
  const tMax = Math.max(...used.map((b) => b.t));
  const centre = (tMin + tMax) / 2;
  const half = Math.max((tMax - tMin) / 2, 1);
  const rows = used.map((b) => {
    const row = new Float64Array(nVar);
    const tau = (b.t - centre) / half;
    for (const [node, sign] of [
      [b.v, 1],
      [b.u, -1],
    ]) {
      const c = cVar.get(node);
      if (c !== undefined) row[c] += sign;
      const r = rVar.get(node);
      if (r !== undefined) row[r] += sign * tau;
    }
    return row;
  });
  const slack = used.map((b) => b.slack / 1e3);
  // The rate cap, as bounds on the rate corrections.
  const capRows: Float64Array[] = [];
  const capB: number[] = [];
  const cap = MAX_DRIFT_PPM * 1e-6;
  for (const [v, j] of rVar)
    for (const sign of [1, -1]) {
      const row = new Float64Array(nVar + 1);
      row[j] = sign;
      capRows.push(row);
      capB.push(((cap - sign * rateOf(out[v])) * half) / 1e3);
    }
  // Lexicographic max-min: maximize the margin of the bounds not yet held, hold those that limit it, again.
  const held: { row: Float64Array; b: number }[] = [];
  const basis: Float64Array[] = []; // orthonormal rows spanning the held ones: a bound in their span is pinned
  /** How much of the row the held rows do not span (0 when they do); with `hold`, it joins them. */
  const residual = (row: Float64Array, hold: boolean): number => {
    const r = Float64Array.from(row);
    for (const e of basis) {
      let d = 0;
      for (let i = 0; i < nVar; i++) d += r[i] * e[i];
      for (let i = 0; i < nVar; i++) r[i] -= d * e[i];
    }
    let norm = 0;
    for (let i = 0; i < nVar; i++) norm += r[i] * r[i];
    norm = Math.sqrt(norm);
    if (hold && norm > 1e-9) basis.push(r.map((x) => x / norm));
    return norm > 1e-9 ? norm : 0;
  };
  let open = rows.map((_, k) => k);
  let x: Float64Array | null = null;
  let firstMargin = 0;
  // Each round holds a bound the held ones do not span: at most nVar rounds.
  for (let round = 0; open.length > 0 && basis.length < nVar; round++) {
    const lpRows: Float64Array[] = [];
    const lpB: number[] = [];
    for (const h of held) {
      const row = new Float64Array(nVar + 1);
      row.set(h.row);
      lpRows.push(row);
      lpB.push(h.b + 1e-9);
    }
    for (const k of open) {
      const row = new Float64Array(nVar + 1);
      row.set(rows[k]);
      row[nVar] = 1;
      lpRows.push(row);
      lpB.push(slack[k]);
    }
    lpRows.push(...capRows);
    lpB.push(...capB);
    const objective = new Float64Array(nVar + 1);
    objective[nVar] = 1;
    const lp = maximize(objective, lpRows, lpB);
    if (lp.status !== 'optimal') break;
    const margin = lp.x[nVar];
    // Bounds no lines fit (by more than µs timestamps' rounding): refitDriftingLines' lines stay.
    if (round === 0 && margin < -0.5) return;
    if (round === 0) firstMargin = margin;
    x = lp.x;
    const binding = open.filter((_, i) => lp.y[held.length + i] > 1e-9);
    if (binding.length === 0) break;
    for (const k of binding) {
      held.push({ row: rows[k], b: slack[k] - margin });
      residual(rows[k], true);
    }
    const holding = new Set(binding);
    open = open.filter((k) => !holding.has(k) && residual(rows[k], false) > 0);
  }
  if (!x) return;
  const next = free.map((v) => {
    const dr = rVar.has(v) ? (x[rVar.get(v)!] * 1e3) / half : 0;
    return { v, c: out[v].offsetNs + x[cVar.get(v)!] * 1e3 - dr * (centre - at), r: rateOf(out[v]) + dr };
  });
  if (next.some((l) => Math.abs(l.r) >= 0.99 * cap)) return; // the bounds do not tell this rate
  const fitted = out.map((e) => ({ ...e }));
  for (const { v, c, r } of next) {
    const e = fitted[v];
    const from = Math.min(e.rate?.fromNs ?? tMin, tMin);
    const to = Math.max(e.rate?.toNs ?? tMax, tMax);
    const moved = Math.max(
      ...[from, to].map((t) => Math.abs(c + r * (t - at) - (e.offsetNs + rateOf(e) * (t - at)))),
    );
    e.uncertaintyNs += moved;
    e.offsetNs = c;
    if (e.rate)
      e.rate = {
        ...e.rate,
        ppm: r * 1e6,
        ppmUncertainty: e.rate.ppmUncertainty + Math.abs(r * 1e6 - e.rate.ppm),
      };
  }
  // The lines checked against the bounds themselves, as markConflicts will (the program's rows were taken at the
  // previous lines' times, and it solves in floating point).
  if (misses(fitted, bounds).length > 0) return;
  // Each node's band from the bounds themselves: how far its offset (at either end of its span and at the anchor it is
  // reported at; a steady one's, at any time) and its rate can be from the fitted ones under every bound, each relaxed
  // by what the first margin fell short of (the lines taken miss by that much), and the rate cap.
  const relax = Math.max(0, -firstMargin) + 1e-6;
  const objectives = free.map((v) => {
    const r = rVar.get(v);
    const along = (t: number): Float64Array => {
      const g = new Float64Array(nVar);
      g[cVar.get(v)!] = 1;
      if (r !== undefined) g[r] = (t - centre) / half;
      return g;
    };
    if (r === undefined) return [along(centre)];
    const e = out[v];
    const rate = new Float64Array(nVar);
    rate[r] = 1;
    return [
      along(Math.min(e.rate?.fromNs ?? tMin, tMin, at)),
      along(Math.max(e.rate?.toNs ?? tMax, tMax, at)),
      rate,
    ];
  });
  const reach = feasibleReach(
    objectives,
    [...rows, ...capRows.map((row) => row.subarray(0, nVar))],
    [...slack.map((s) => s + relax), ...capB],
    x.subarray(0, nVar),
  );
  for (const [i, { v }] of next.entries()) {
    const far = reach[i];
    if (!far) continue; // no answer: the band above (the previous one plus how far the line moved)
    const e = fitted[v];
    e.uncertaintyNs = Math.max(far[0], far[1] ?? 0) * 1e3;
    if (e.rate && far.length === 3) e.rate = { ...e.rate, ppmUncertainty: ((far[2] * 1e3) / half) * 1e6 };
  }
  for (const { v } of next) Object.assign(out[v], fitted[v]);
}

/**
 * The most work feasibleReach takes on (programs × constraints × variables², about what their pivots cost): past it
 * every node keeps the band the joint fit gave before (its previous one plus how far its line moved). 16 nodes, 8 of
 * them drifting (23 variables, ~370 constraints, 124 programs) are 1.2e7, ~110 ms (up to ~300); 24 nodes 5.5e7, ~250 ms.
 */
const REACH_WORK = 2e7;

/**
 * For each node's objectives g: the larger of max(g·x) − g·x0 and g·x0 − min(g·x) over rows·x ≤ b, how far from x0
 * (the fitted lines) anything the rows allow reaches along g. null for a node the solver gave no answer for (none of
 * 5,952 programs on 100 synthetic 16-node sets; before the solver refused tiny pivots, 8 % of them had none, and were
 * solved again with the rows reversed), and for every node past REACH_WORK.
 */
function feasibleReach(
  objectives: Float64Array[][],
  rows: Float64Array[],
  b: number[],
  x0: Float64Array,
): (number[] | null)[] {
  const n = x0.length;
  const programs = 2 * objectives.reduce((sum, o) => sum + o.length, 0);
  if (programs * rows.length * n * n > REACH_WORK) return objectives.map(() => null);
  const max = (g: Float64Array): number | null => {
    const lp = maximize(g, rows, b);
    return lp.status === 'optimal' ? lp.value : null;
  };
  return objectives.map((group) => {
    const far: number[] = [];
    for (const g of group) {
      let at = 0;
      for (let i = 0; i < n; i++) at += g[i] * x0[i];
      const hi = max(g);
      const lo = hi === null ? null : max(g.map((v) => -v));
      if (hi === null || lo === null) return null;
      far.push(Math.max(hi - at, at + lo, 0));
    }
    return far;
  });
}

/** The estimates markConflicts checks pairs of (a manual offset is checked against its node's own estimate). */
const CHECKED: ReadonlySet<ClockMethod> = new Set([
  'reference',
  'traffic',
  'traffic-drift',
  'ssh-probe',
  'traffic+ssh-probe',
]);

/**
 * Sets ClockEstimate.conflict on nodes whose clocks (offsets, or lines for drifting ones) miss a pair's bounds by a
 * microsecond or more (misses).
 */
function markConflicts(out: ClockEstimate[], bounds: ClockBounds): void {
  for (const { a, b, over } of misses(out, bounds))
    // Not on the reference: its offset is no estimate to doubt (nor one to set).
    for (const [x, y] of [
      [a, b],
      [b, a],
    ])
      if (out[x].method !== 'reference' && !(out[x].conflict && out[x].conflict.byNs >= over))
        out[x].conflict = { against: out[y].node, byNs: over };
}

/**
 * The pairs (a, b) of checked estimates (CHECKED) whose clocks miss the bounds of packets a → b by a microsecond or
 * more: by how much at most (`over`, ns). A line is checked at every bound a line can touch (the hull's points), each
 * at its time on the reference clock.
 */
function misses(out: ClockEstimate[], bounds: ClockBounds): { a: number; b: number; over: number }[] {
  const found: { a: number; b: number; over: number }[] = [];
  const clocks = NodeClocks.of(
    out,
    Float64Array.from(out, (c) => c.offsetNs),
  );
  for (let a = 0; a < out.length; a++) {
    for (let b = 0; b < out.length; b++) {
      if (a === b || !CHECKED.has(out[a].method) || !CHECKED.has(out[b].method)) continue;
      // o_b − o_a ≤ the bound of each packet a→b: by how much it is over (the reverse pair checks the other side).
      let over = -Infinity;
      if (!out[a].rate && !out[b].rate)
        over = out[b].offsetNs - out[a].offsetNs - bounds.minDelta[a * bounds.nodeCount + b];
      else {
        const { delta, at } = bounds.series(a, b);
        for (let k = 0; k < at.length; k++) {
          // The packet's arrival on the reference clock, and each node's offset then.
          const t = clocks.correct(b, at[k]);
          over = Math.max(over, clocks.onNode(b, t) - clocks.onNode(a, t) - delta[k]);
        }
      }
      if (over >= 1_000) found.push({ a, b, over });
    }
  }
  return found;
}

function rateOf(c: ClockEstimate): number {
  return c.rate ? c.rate.ppm * 1e-6 : 0;
}

/**
 * A node's time t on the reference clock: t − offset for a steady clock; a drifting one read t = t_ref + o +
 * r·(t_ref − at), so t_ref = at + (t − o − at) / (1 + r).
 */
function correctTime(t: number, offsetNs: number, rate: number, at: number): number {
  return rate === 0 ? t - offsetNs : at + (t - offsetNs - at) / (1 + rate);
}

/**
 * Every node's clock as phase B and the views apply it: offsetNs[n] (ns subtracted from node n's times) and, for a
 * drifting clock, rate[n] (the offset's growth per ns of reference time from `atNs`; 0: steady).
 */
export class NodeClocks {
  readonly rate: Float64Array;
  constructor(
    readonly offsetNs: Float64Array,
    rate?: Float64Array,
    readonly atNs = 0,
  ) {
    this.rate = rate ?? new Float64Array(offsetNs.length);
  }

  /** The clocks of estimates (a node without a rate is steady; anchors are all alike). */
  static of(clocks: readonly ClockEstimate[], offsetNs: Float64Array): NodeClocks {
    const rate = Float64Array.from(clocks, rateOf);
    return new NodeClocks(offsetNs, rate, clocks.find((c) => c.rate)?.rate?.atNs ?? 0);
  }

  get nodeCount(): number {
    return this.offsetNs.length;
  }

  /** Whether any clock drifts. */
  get drifting(): boolean {
    return this.rate.some((r) => r !== 0);
  }

  /** Node n's time t on the reference clock. */
  correct(n: number, t: number): number {
    return correctTime(t, this.offsetNs[n], this.rate[n], this.atNs);
  }

  /** Node n's own time at reference time t (correct's inverse). */
  onNode(n: number, t: number): number {
    const r = this.rate[n];
    return r === 0 ? t + this.offsetNs[n] : t + this.offsetNs[n] + r * (t - this.atNs);
  }

  /** What is subtracted from node n's time t: its offset then. */
  offsetAt(n: number, t: number): number {
    return this.rate[n] === 0 ? this.offsetNs[n] : t - this.correct(n, t);
  }

  /** The same clocks with whole-ns offsets at every time (rounded: every view of a corrected time agrees). */
  rounded(): NodeClocks {
    return new RoundedClocks(this.offsetNs.map(Math.round), this.rate, this.atNs);
  }
}

class RoundedClocks extends NodeClocks {
  override correct(n: number, t: number): number {
    return t - this.offsetAt(n, t);
  }
  override offsetAt(n: number, t: number): number {
    return this.rate[n] === 0 ? this.offsetNs[n] : Math.round(t - super.correct(n, t));
  }
  override rounded(): NodeClocks {
    return this;
  }
}

function combineProbes(out: ClockEstimate[], refName: string, probes: ClockProbe[]): void {
  const refProbe = probes.find((p) => p.node === refName);
  if (!refProbe) return;
  for (const e of out) {
    // A drifting clock's line is not a constant a probe (one moment's offset) can narrow.
    if (e.node === refName || (e.rate && e.uncertaintyNs < Infinity)) continue;
    const p = probes.find((q) => q.node === e.node);
    if (!p) continue;
    const est = p.offsetNs - refProbe.offsetNs;
    const unc = p.uncertaintyNs + refProbe.uncertaintyNs;
    if (e.method === 'none' || e.uncertaintyNs === Infinity) {
      e.offsetNs = est;
      e.uncertaintyNs = unc;
      e.method = 'ssh-probe';
      delete e.rate;
      continue;
    }
    const lo = Math.max(e.offsetNs - e.uncertaintyNs, est - unc);
    const hi = Math.min(e.offsetNs + e.uncertaintyNs, est + unc);
    if (lo <= hi) {
      e.offsetNs = (lo + hi) / 2;
      e.uncertaintyNs = (hi - lo) / 2;
      e.method = 'traffic+ssh-probe';
    } else if (unc < e.uncertaintyNs) {
      e.offsetNs = est;
      e.uncertaintyNs = unc;
      e.method = 'ssh-probe';
    }
  }
}

/**
 * The largest manual clock offset (`--clock NODE=OFFSET`, the app's override): times are ns in doubles, exact
 * below 2^53 ns (~104 days) of span.
 */
export const MAX_MANUAL_OFFSET_NS = 50 * 86_400e9;

/** An offset's units in ns, as `--clock` and the app's override read them. */
export const OFFSET_UNIT_NS: Readonly<Record<string, number>> = { s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };

/** Parses `OFFSET` of `--clock NODE=OFFSET`: a number with an optional unit s|ms|us|µs|ns (default ns). */
export function parseOffset(text: string): number | null {
  // µs written \u00b5s: the CommonJS bundle stays ASCII (bin/build-cli.mjs), a one-byte string for V8.
  const m = /^([+-]?\d+(?:\.\d+)?)(s|ms|us|\u00b5s|ns)?$/.exec(text.trim());
  if (!m) return null;
  const scale = OFFSET_UNIT_NS[m[2] ?? 'ns'] ?? 1;
  return Math.round(Number(m[1]) * scale);
}
