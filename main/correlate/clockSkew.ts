// Per-node clock offsets to a reference node, with an uncertainty and the method used. offsetNs > 0 means the
// node's clock is ahead of the reference: subtract it to get reference time.
//
// Traffic bounds: a packet sent by A (last seen on A at tA) and then seen on B (first at tB) arrived after
// it left, so  tB - oB >= tA - oA,  i.e.  d = oB - oA <= tB - tA.  The reverse direction bounds d from
// below. The estimate is the middle of [lo, hi] and the uncertainty its half width: the true offset is
// inside whenever the timestamps are causal. Pairs chain to the reference through the tightest links.
// SSH probes (from session.json) are intervals too and are intersected; a manual override wins.

export type ClockMethod =
  | 'reference'
  | 'traffic'
  | 'traffic-one-way'
  | 'traffic-inconsistent'
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
   * beside the override, and to warn when it lies outside).
   */
  traffic?: { offsetNs: number; uncertaintyNs: number };
  /**
   * A node left without an offset ('none'): packets of unambiguous journeys seen on it and on an estimated node
   * that nothing said the direction of (equal TTLs, no interface lists to own MACs and addresses), if any.
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
  return c.method === 'manual' && t !== undefined && Math.abs(c.offsetNs - t.offsetNs) > t.uncertaintyNs;
}

/** An SSH clock probe: node clock minus the capturing host's clock, bounded by the probe's round trip. */
export interface ClockProbe {
  node: string;
  offsetNs: number;
  uncertaintyNs: number;
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
  constructor(readonly nodeCount: number) {
    this.minDelta = new Float64Array(nodeCount * nodeCount).fill(Infinity);
    this.minAt = new Float64Array(nodeCount * nodeCount);
    this.samples = new Int32Array(nodeCount * nodeCount);
    this.undirected = new Int32Array(nodeCount * nodeCount);
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
  /** Crossed bounds (by a microsecond or more): how far apart, over how long (ClockEstimate.drift, without the node). */
  moved?: { movedNs: number; overNs: number };
}

function trafficEdge(bounds: ClockBounds, a: number, b: number): Edge | null {
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
      for (let v = 0; v < n; v++) {
        if (done[v]) continue;
        const e = trafficEdge(bounds, u, v);
        if (!e || e.unc === Infinity) continue;
        if (best[u] + e.unc < best[v]) {
          best[v] = best[u] + e.unc;
          out[v].offsetNs = out[u].offsetNs + e.est;
          out[v].uncertaintyNs = out[u].uncertaintyNs + e.unc;
          out[v].method = out[u].method === 'traffic-inconsistent' ? out[u].method : e.method;
          out[v].samples = e.samples;
          // Crossed bounds on this link say how far the offset moved; through an inconsistent node, its own.
          const drift = e.moved ? { against: nodes[u], ...e.moved } : out[u].drift;
          if (drift) out[v].drift = drift;
          else delete out[v].drift;
        }
      }
    }
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
  // What the traffic and probes say of each manual node, without the overrides.
  const auto =
    manual.length > 0 && opts.mode === 'auto' ? estimateClocks(nodes, bounds, { ...opts, manual: {} }) : [];
  for (const [node, off] of manual) {
    const e = out.find((c) => c.node === node)!;
    const a = auto.find((c) => c.node === node);
    if (a && a.uncertaintyNs < Infinity && a.method !== 'reference')
      e.traffic = { offsetNs: a.offsetNs, uncertaintyNs: a.uncertaintyNs };
    e.offsetNs = off;
    e.uncertaintyNs = 0;
    e.method = node === refName && off === 0 ? 'reference' : 'manual';
    e.samples = 0;
  }
  return out;
}

function combineProbes(out: ClockEstimate[], refName: string, probes: ClockProbe[]): void {
  const refProbe = probes.find((p) => p.node === refName);
  if (!refProbe) return;
  for (const e of out) {
    if (e.node === refName) continue;
    const p = probes.find((q) => q.node === e.node);
    if (!p) continue;
    const est = p.offsetNs - refProbe.offsetNs;
    const unc = p.uncertaintyNs + refProbe.uncertaintyNs;
    if (e.method === 'none' || e.uncertaintyNs === Infinity) {
      e.offsetNs = est;
      e.uncertaintyNs = unc;
      e.method = 'ssh-probe';
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
  const m = /^([+-]?\d+(?:\.\d+)?)(s|ms|us|µs|ns)?$/.exec(text.trim());
  if (!m) return null;
  const scale = OFFSET_UNIT_NS[m[2] ?? 'ns'] ?? 1;
  return Math.round(Number(m[1]) * scale);
}
