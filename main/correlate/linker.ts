// Phase B: join node-local segments of the same packet across nodes into journeys, in clock-corrected time
// order, and put each journey's segments in path order (TTL and address ownership first, time second).
// Pure function of the segment set and the offsets, so batch and streaming (and any file order) agree.

import { E_DST, E_SRC, F_DUP, F_ETH, type ObservationTable } from './observations.ts';
import type { SegmentTable } from './segments.ts';
import { KeyColumns, WindowedKeyTable } from './keyTable.ts';
import { isGroupMac, type Ownership } from './ownership.ts';
import type { NodeClocks } from './clockSkew.ts';
import { joinWireGuard, type Crossings } from './wireguardJoin.ts';
import { chainInto, insertAt, removeAt } from '../common/arrays.ts';

export interface LinkOptions {
  /** Per node: its clock (what puts its timestamps on the reference clock), and that offset's uncertainty. */
  clock: NodeClocks;
  uncertaintyNs: Float64Array;
  /** Slack added to the clock uncertainty when matching across nodes. */
  crossWindowNs: number;
  /** Never match across nodes further apart than this (also the window for unknown clocks). */
  maxSkewNs: number;
  /**
   * Put each journey's segments in path order (default). The clock pre-pass does not need it: it only looks
   * at which segments a journey has, and orients every pair itself.
   */
  pathOrder?: boolean;
  /**
   * Link only these segments (increasing ids; default all). The others are taken as absent: a live window
   * (window.ts) relinks the segments of journeys that can still change and keeps the rest.
   */
  list?: Int32Array;
  /**
   * Per-segment columns to write into (at least segs.length long; only the entries of `list` are touched),
   * instead of new arrays: Links.segJourney and segNext are then these arrays.
   */
  out?: { segJourney: Int32Array; segNext: Int32Array };
  /**
   * A segment that has a rival outside the list (a live window's frozen segment with its key within reach):
   * the journey it ends up in is marked ambiguous, as a rival in the list would have done or more.
   */
  rival?: (s: number) => boolean;
}

export interface Links {
  count: number;
  /** Per segment: its journey, and the next segment of that journey in path order (-1 end). */
  segJourney: Int32Array;
  segNext: Int32Array;
  /** Per journey: first segment in path order, number of segments, whether another match was possible. */
  first: Int32Array;
  segCount: Int32Array;
  ambiguous: Uint8Array;
  /**
   * The clock pre-pass (no path order) only: the encrypted journeys a path-ordered pass would join to the clear ones
   * (joinWireGuard), left apart, in this pass's journey numbers. collectBounds takes the clocks' bounds they give.
   */
  crossings?: Crossings;
}

/**
 * Segments of all nodes (or of `list`) merged by corrected first time. Each node's segments are created in its
 * time order, so this is a k-way merge over nodes (a node list is sorted only if a late row made it out of order).
 * Positions below are indices into the list; ties go to the lower one, i.e. the lower segment id.
 */
function mergedOrder(segs: SegmentTable, clock: NodeClocks, list: Int32Array | null): Int32Array {
  // Each loop is its own function: V8 compiles a long loop while it runs (on-stack replacement), and a function
  // compiled in its first loop before the later ones ran is thrown away when it reaches them (8 compilations of
  // this function in one run when it was one body).
  const n = list ? list.length : segs.length;
  const nodes = clock.nodeCount;
  const t = new Float64Array(n);
  const node = new Uint16Array(n);
  const start = new Int32Array(nodes + 1);
  correctedFirstTimes(segs, clock, list, t, node, start);
  for (let k = 0; k < nodes; k++) start[k + 1] += start[k];
  const byNode = bucketByNode(node, start, n, nodes);
  for (let k = 0; k < nodes; k++) sortBucket(byNode, t, start[k], start[k + 1]);
  return mergeBuckets(byNode, t, start, nodes, list, n);
}

/** Per position: the corrected first time and node of its segment; start[node + 1] counts each node's. */
function correctedFirstTimes(
  segs: SegmentTable,
  clock: NodeClocks,
  list: Int32Array | null,
  t: Float64Array,
  node: Uint16Array,
  start: Int32Array,
): void {
  for (let i = 0; i < t.length; i++) {
    const s = list ? list[i] : i;
    node[i] = segs.node[s];
    t[i] = clock.correct(node[i], segs.firstT[s]);
    start[node[i] + 1]++;
  }
}

/** Positions grouped by node, each node's in position order (start: each node's first slot). */
function bucketByNode(node: Uint16Array, start: Int32Array, n: number, nodes: number): Int32Array {
  const byNode = new Int32Array(n);
  const fill = start.slice(0, nodes);
  for (let i = 0; i < n; i++) byNode[fill[node[i]]++] = i;
  return byNode;
}

/** Sorts byNode[from, to) by time (then position) when it is out of time order (a late row's segment). */
function sortBucket(byNode: Int32Array, t: Float64Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    if (t[byNode[i]] < t[byNode[i - 1]]) {
      const part = Array.from(byNode.subarray(from, to)).sort((a, b) => t[a] - t[b] || a - b);
      byNode.set(part, from);
      return;
    }
  }
}

/** The k-way merge of the nodes' buckets by time, ties to the lower position: segment ids in linking order. */
function mergeBuckets(
  byNode: Int32Array,
  t: Float64Array,
  start: Int32Array,
  nodes: number,
  list: Int32Array | null,
  n: number,
): Int32Array {
  const pos = start.slice(0, nodes);
  const order = new Int32Array(n);
  for (let o = 0; o < n; o++) {
    let best = -1;
    let bs = -1;
    for (let k = 0; k < nodes; k++) {
      if (pos[k] >= start[k + 1]) continue;
      const i = byNode[pos[k]];
      // Ties compared on every step, not only at a tie: the clock pre-pass's raw times seldom tie across nodes, and
      // the final pass's optimised code left at its first tie of corrected times.
      const lower = i < bs;
      if (best < 0 || t[i] < t[bs] || (t[i] === t[bs] && lower)) {
        best = k;
        bs = i;
      }
    }
    order[o] = list ? list[bs] : bs;
    pos[best]++;
  }
  return order;
}

/**
 * The linker's journey columns, sized for the worst case (one journey per segment). A caller that links twice
 * (the clock pre-pass, then the final pass) passes one scratch to both, so the second pass writes the pages
 * the first one touched instead of new ones while the first pass's columns wait for the garbage collector.
 * Every column but `ambiguous` is written when its journey is created, so only that one is cleared between uses.
 */
export class LinkScratch {
  cap = 0;
  used = 0;
  jKeyHi = new Int32Array(0);
  jKeyLo = new Int32Array(0);
  jLastT = new Float64Array(0);
  jPrev = new Int32Array(0);
  jFirst = new Int32Array(0);
  jLast = new Int32Array(0);
  jCount = new Int32Array(0);
  jTail = new Int32Array(0);
  jTailKnown = new Uint8Array(0);
  jMaxUnc = new Float64Array(0);
  ambiguous = new Uint8Array(0);

  prepare(n: number): this {
    if (n > this.cap) {
      this.cap = n;
      this.jKeyHi = new Int32Array(n);
      this.jKeyLo = new Int32Array(n);
      this.jLastT = new Float64Array(n);
      this.jPrev = new Int32Array(n);
      this.jFirst = new Int32Array(n);
      this.jLast = new Int32Array(n);
      this.jCount = new Int32Array(n);
      this.jTail = new Int32Array(n);
      this.jTailKnown = new Uint8Array(n);
      this.jMaxUnc = new Float64Array(n);
      this.ambiguous = new Uint8Array(n);
    } else this.ambiguous.fill(0, 0, this.used);
    this.used = 0;
    return this;
  }
}

export function linkSegments(
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
  opts: LinkOptions,
  scratch: LinkScratch = new LinkScratch(),
): Links {
  const list = opts.list ?? null;
  const n = list ? list.length : segs.length;
  let segJourney: Int32Array;
  let segNext: Int32Array;
  if (opts.out) {
    ({ segJourney, segNext } = opts.out);
    for (let i = 0; i < n; i++) {
      const s = list ? list[i] : i;
      segJourney[s] = -1;
      segNext[s] = -1;
    }
  } else {
    segJourney = new Int32Array(segs.length).fill(-1);
    segNext = new Int32Array(segs.length).fill(-1);
  }
  const { jFirst } = scratch.prepare(n);
  const { clock } = opts;
  const count = linkInOrder(mergedOrder(segs, clock, list), segs, opts, scratch, segJourney, segNext);

  const cut = joinCutSegments(obs, segs, clock, opts, count, scratch, segNext);
  const crossings = joinWireGuard(
    obs,
    segs,
    own,
    clock,
    { count, jFirst, segNext, gone: cut },
    opts.crossWindowNs,
    (a, b) => segmentDirection(a, b, obs, segs, own),
  );
  // The clock pre-pass joins none: its journeys keep their own nodes' bounds, and the crossings give theirs
  // beside them (collectBounds), so an encrypted journey's tight bound is never mixed with a clear one's TTLs.
  if (opts.pathOrder === false && crossings.length > 0)
    return {
      ...linksOf(cut, count, scratch, segJourney, segNext),
      crossings: cut ? crossings.renumbered(cut) : crossings,
    };
  const merged = crossings.length > 0 ? withoutJoined(cut, crossings, count) : cut;
  // Each clear journey's crossings, in their order: crossings[joinedFirst[j]], then on by joinedNext (-1 ends).
  const joinedFirst = new Int32Array(crossings.length > 0 ? count : 0).fill(-1);
  const joinedNext = new Int32Array(crossings.length);
  for (let i = crossings.length - 1; i >= 0; i--) {
    joinedNext[i] = joinedFirst[crossings.inner[i]];
    joinedFirst[crossings.inner[i]] = i;
  }

  if (opts.pathOrder !== false)
    orderJourneys(count, merged, crossings, joinedFirst, joinedNext, obs, segs, own, clock, scratch, segNext);
  return linksOf(merged, count, scratch, segJourney, segNext);
}

/**
 * Path order of each multi-node journey (its segments, and the crossings joined to it, in segNext from jFirst). A
 * function of its own: its loop is optimised whole (linkSegments' optimised code left at the code after the loop).
 */
function orderJourneys(
  count: number,
  merged: Int32Array | null,
  crossings: Crossings,
  joinedFirst: Int32Array,
  joinedNext: Int32Array,
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
  clock: NodeClocks,
  scratch: LinkScratch,
  segNext: Int32Array,
): void {
  const { jFirst, jCount, ambiguous } = scratch;
  const buf: number[] = [];
  for (let j = 0; j < count; j++) {
    if (merged && merged[j] < 0) continue;
    const joined = crossings.length > 0 ? joinedFirst[j] : -1;
    if (jCount[j] < 2 && joined < 0) continue;
    chainInto(buf, jFirst[j], segNext);
    orderSegments(buf, obs, segs, own, clock);
    for (let i = joined; i >= 0; i = joinedNext[i]) {
      insertCrossing(buf, crossings, i);
      jCount[j] += (crossings.encX[i] >= 0 ? 1 : 0) + (crossings.encY[i] >= 0 ? 1 : 0);
      if (ambiguous[crossings.enc[i]]) ambiguous[j] = 1;
    }
    jFirst[j] = buf[0];
    for (let i = 0; i < buf.length; i++) segNext[buf[i]] = i + 1 < buf.length ? buf[i + 1] : -1;
  }
}

/**
 * linkSegments' main loop: each segment of `order` joins the journey of its key within reach, or starts one (in
 * scratch's journey columns, whose count it returns). A function of its own, so that the loop's optimised code,
 * compiled while the clock pre-pass runs it, is whole (no code after the loop without feedback to leave it at) and
 * ready when the final pass calls it again.
 */
function linkInOrder(
  order: Int32Array,
  segs: SegmentTable,
  opts: LinkOptions,
  scratch: LinkScratch,
  segJourney: Int32Array,
  segNext: Int32Array,
): number {
  const { jKeyHi, jKeyLo, jLastT, jPrev, jFirst, jLast, jCount, jTail, jTailKnown, jMaxUnc, ambiguous } =
    scratch;
  const { clock, uncertaintyNs, crossWindowNs, maxSkewNs } = opts;
  const rival = opts.rival ?? null;
  const table = new WindowedKeyTable(new KeyColumns(jKeyHi, jKeyLo, jLastT), maxSkewNs);
  // Staleness as of the segment being linked (its first time), not the new journey's last time: see table.now.
  const now = new Float64Array(1);
  table.now = now;
  let count = 0;

  // An indexed loop: for…of over the typed array allocates an iterator result per segment.
  for (let o = 0; o < order.length; o++) {
    const s = order[o];
    const node = segs.node[s];
    const tFirst = clock.correct(node, segs.firstT[s]);
    const hi = segs.keyHi[s];
    const lo = segs.keyLo[s];
    const head = table.get(hi, lo);
    let best = -1;
    let bestGap = Infinity;
    let candidates = 0;
    for (let j = head; j >= 0 && jLastT[j] >= tFirst - maxSkewNs; j = jPrev[j]) {
      if (jTailKnown[j] && segs.tailKnown[s] && jTail[j] !== segs.tail[s]) continue;
      const gap = Math.abs(tFirst - jLastT[j]);
      const tol = Math.min(maxSkewNs, crossWindowNs + uncertaintyNs[node] + jMaxUnc[j]);
      if (gap > tol) continue;
      if (hasNode(j, node, s, jFirst, segNext, segs)) {
        // Another copy of this key on the same node within reach: a retransmission or a key collision.
        ambiguous[j] = 1;
        continue;
      }
      candidates++;
      if (gap < bestGap) {
        if (best >= 0) ambiguous[best] = 1;
        best = j;
        bestGap = gap;
      } else ambiguous[j] = 1;
    }
    const tLast = clock.correct(node, segs.lastT[s]);
    if (rival !== null && rival(s)) {
      if (best >= 0) ambiguous[best] = 1;
      else ambiguous[count] = 1; // the journey created below
    }
    if (best >= 0) {
      if (candidates > 1) ambiguous[best] = 1;
      segNext[jLast[best]] = s;
      jLast[best] = s;
      jCount[best]++;
      segJourney[s] = best;
      if (tLast > jLastT[best]) jLastT[best] = tLast;
      // Stored on every join (not only when larger): the clock pre-pass, whose uncertainties are all infinite,
      // never took a conditional store, and the final pass's optimised code then left at its first one.
      jMaxUnc[best] = Math.max(jMaxUnc[best], uncertaintyNs[node]);
      if (!jTailKnown[best] && segs.tailKnown[s]) {
        jTailKnown[best] = 1;
        jTail[best] = segs.tail[s];
      }
      continue;
    }
    const j = count++;
    jKeyHi[j] = hi;
    jKeyLo[j] = lo;
    jLastT[j] = tLast;
    jPrev[j] = head;
    jFirst[j] = s;
    jLast[j] = s;
    jCount[j] = 1;
    jTail[j] = segs.tail[s];
    jTailKnown[j] = segs.tailKnown[s];
    jMaxUnc[j] = uncertaintyNs[node];
    segJourney[s] = j;
    now[0] = tFirst;
    table.set(j);
  }
  return count;
}

/**
 * Whether journey j has a segment on `node` other than those segment `t`'s packet left from and came back to
 * (SegmentTable.returnOf): one journey may pass a node twice, node-1 → node-2 → node-1.
 */
function hasNode(
  j: number,
  node: number,
  t: number,
  jFirst: Int32Array,
  segNext: Int32Array,
  segs: SegmentTable,
): boolean {
  for (let s = jFirst[j]; s >= 0; s = segNext[s]) {
    if (segs.node[s] !== node) continue;
    let r = segs.returnOf[t];
    while (r >= 0 && r !== s) r = segs.returnOf[r];
    if (r < 0) return true;
  }
  return false;
}

/** The links of the scratch's journeys, those that joined another (`merged` < 0) removed. */
function linksOf(
  merged: Int32Array | null,
  count: number,
  scratch: LinkScratch,
  segJourney: Int32Array,
  segNext: Int32Array,
): Links {
  scratch.used = count;
  if (merged) return renumbered(merged, count, scratch, segJourney, segNext);
  return {
    count,
    segJourney,
    segNext,
    first: scratch.jFirst.slice(0, count),
    segCount: scratch.jCount.slice(0, count),
    ambiguous: scratch.ambiguous.slice(0, count),
  };
}

/**
 * The journeys' new numbers (-1: joined another) once the encrypted journeys of `crossings` join the clear ones,
 * on top of `cut` (joinCutSegments' numbers, or null when none joined there).
 */
function withoutJoined(cut: Int32Array | null, crossings: Crossings, count: number): Int32Array {
  const gone = new Uint8Array(count);
  if (cut) for (let j = 0; j < count; j++) if (cut[j] < 0) gone[j] = 1;
  for (let i = 0; i < crossings.length; i++) gone[crossings.enc[i]] = 1;
  const merged = new Int32Array(count);
  let n = 0;
  for (let j = 0; j < count; j++) merged[j] = gone[j] ? -1 : n++;
  return merged;
}

/**
 * Puts an encrypted journey's segments (sender's NIC, then receiver's) into a clear journey's path, `list` in path
 * order: after the segment the packet was encrypted after, else before the one it was decrypted into. Where the
 * clear journey's own evidence put the receiver's segment first (no TTL or address said otherwise), the crossing
 * says which came first: that segment moves after the encrypted ones.
 */
function insertCrossing(list: number[], c: Crossings, i: number): void {
  const innerX = c.innerX[i];
  const innerY = c.innerY[i];
  if (innerX >= 0 && innerY >= 0) {
    const ix = list.indexOf(innerX);
    const iy = list.indexOf(innerY);
    if (iy >= 0 && ix >= 0 && iy < ix) {
      removeAt(list, iy);
      insertAt(list, list.indexOf(innerX) + 1, innerY);
    }
  }
  const at = innerX >= 0 ? list.indexOf(innerX) + 1 : list.indexOf(innerY);
  let k = at < 0 ? list.length : at;
  if (c.encX[i] >= 0) insertAt(list, k++, c.encX[i]);
  if (c.encY[i] >= 0) insertAt(list, k, c.encY[i]);
}

/** A TCP journey's first segment as a whole or a piece: its first row's tuple, sequence number and payload. */
interface TcpPiece {
  j: number;
  row: number;
  seq: number;
  len: number;
  /** Corrected first and last times of the journey. */
  t0: number;
  t1: number;
}

/**
 * TCP segmentation offload (TSO/GSO) and receive offload (GRO): tcpdump on the sending node sees the stack's large
 * segment (up to 64 KiB), the wire carries MSS-sized pieces, and a receiver's GRO may merge them again. The pieces
 * have their own IP lengths (so identity keys): each was a journey of its own, and the large segment's journey had a
 * gap where they were (`tests/fixtures/gso-vxlan`). A journey of one segment whose TCP payload lies inside a larger
 * segment of the same connection (same addresses, ports, and sequence range) of another journey, on a capture that
 * journey has no row on, within the cross-node reach of its times, is such a piece; when the pieces on one capture
 * cover the large segment exactly (contiguous, from its first byte to its last), they join its journey as hops
 * (path order then puts them where they were seen). Returns, per journey, its new number (-1: joined another), or
 * null when nothing joined. Cost when there is nothing to join: one pass over the journeys' first rows.
 */
function joinCutSegments(
  obs: ObservationTable,
  segs: SegmentTable,
  clock: NodeClocks,
  opts: LinkOptions,
  count: number,
  scratch: LinkScratch,
  segNext: Int32Array,
): Int32Array | null {
  const { jFirst, jLast, jCount, ambiguous } = scratch;
  const piece = (j: number): TcpPiece | null => {
    const row = segs.firstObs[jFirst[j]];
    const len = obs.tcpPayloadLen(row);
    if (len <= 0 || (obs.flags[row] & F_DUP) !== 0) return null;
    let t0 = Infinity;
    let t1 = -Infinity;
    for (let s = jFirst[j]; s >= 0; s = segNext[s]) {
      const n = segs.node[s];
      t0 = Math.min(t0, clock.correct(n, segs.firstT[s]));
      t1 = Math.max(t1, clock.correct(n, segs.lastT[s]));
    }
    return { j, row, seq: obs.tcpSeq(row), len, t0, t1 };
  };
  // Pieces first (one-segment TCP journeys with data): most sessions have none, and then nothing else is done.
  const pieces: TcpPiece[] = [];
  for (let j = 0; j < count; j++) {
    if (jCount[j] !== 1 || obs.tcpSeq(segs.firstObs[jFirst[j]]) < 0) continue;
    const p = piece(j);
    if (p) pieces.push(p);
  }
  if (pieces.length === 0) return null;
  // The pieces by sequence number, so that each large segment finds those in its range by a search rather than a
  // walk over all of them (a bulk transfer has thousands of segments and tens of thousands of pieces: the walk took
  // a second for 30 MB); the connection is compared per piece found (other connections' ranges rarely overlap).
  pieces.sort((a, b) => a.seq - b.seq);
  const seqs = Float64Array.from(pieces, (p) => p.seq);
  /** Appends the pieces with a sequence number in [from, to). */
  const inRange = (from: number, to: number, out: TcpPiece[]) => {
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < seqs.length && seqs[i] < to; i++) out.push(pieces[i]);
  };
  const sameConnection = (a: number, b: number) =>
    obs.src[a] === obs.src[b] &&
    obs.dst[a] === obs.dst[b] &&
    obs.srcPort(a) === obs.srcPort(b) &&
    obs.dstPort(a) === obs.dstPort(b);
  const inside: TcpPiece[] = [];
  const fits: { p: TcpPiece; off: number }[] = [];
  // Each large segment: the pieces inside it, by the capture they were first seen on.
  const taken = new Uint8Array(count);
  let joined = 0;
  const reach = opts.crossWindowNs;
  for (let j = 0; j < count; j++) {
    const row = segs.firstObs[jFirst[j]];
    // A journey that joined a larger one is no longer one to join.
    if (taken[j] || obs.tcpSeq(row) < 0) continue;
    const seq = obs.tcpSeq(row);
    const len = obs.tcpPayloadLen(row);
    if (len <= 1) continue;
    // The pieces starting within its bytes; a range past 2^32 goes on from 0 (sequence numbers wrap).
    const end = seq + len;
    inside.length = 0;
    inRange(seq, Math.min(end, 2 ** 32), inside);
    if (end > 2 ** 32) inRange(0, end - 2 ** 32, inside);
    // Of the same connection, smaller, still one segment (one that took pieces of its own stays a journey): most
    // segments (the pieces themselves among them) have none, and their times are never read.
    let any = false;
    for (const p of inside)
      if (p.j !== j && !taken[p.j] && jCount[p.j] === 1 && p.len < len && sameConnection(p.row, row))
        any = true;
    if (!any) continue;
    const whole = piece(j);
    if (!whole) continue;
    // Those within the cross-node reach of its times and inside its bytes, each with its offset into it.
    fits.length = 0;
    for (const p of inside) {
      if (p.j === j || taken[p.j] || jCount[p.j] !== 1 || p.len >= len || !sameConnection(p.row, row))
        continue;
      const unc = opts.uncertaintyNs[segs.node[jFirst[p.j]]];
      if (p.t0 < whole.t0 - reach - unc || p.t0 > whole.t1 + reach + unc) continue;
      const off = (p.seq - seq) >>> 0;
      if (off + p.len <= len) fits.push({ p, off });
    }
    if (fits.length === 0) continue;
    // Per capture the large segment's journey has no row on: the pieces there.
    const captures = new Set<number>();
    for (let s = jFirst[j]; s >= 0; s = segNext[s])
      for (let r = segs.firstObs[s]; r >= 0; r = obs.nextInSegment[r]) captures.add(obs.capture[r]);
    const byCapture = new Map<number, { p: TcpPiece; off: number }[]>();
    for (const f of fits) {
      const cap = obs.capture[f.p.row];
      if (captures.has(cap)) continue;
      const l = byCapture.get(cap);
      if (l) l.push(f);
      else byCapture.set(cap, [f]);
    }
    for (const cut of byCapture.values()) {
      cut.sort((a, b) => a.off - b.off);
      let at = 0;
      for (const { p, off } of cut) {
        if (off !== at) break;
        at += p.len;
      }
      if (at !== whole.len) continue;
      for (const { p } of cut) {
        const s = jFirst[p.j];
        segNext[jLast[j]] = s;
        jLast[j] = s;
        jCount[j]++;
        if (ambiguous[p.j]) ambiguous[j] = 1;
        taken[p.j] = 1;
        joined++;
      }
    }
  }
  if (joined === 0) return null;
  const merged = new Int32Array(count);
  let n = 0;
  for (let j = 0; j < count; j++) merged[j] = taken[j] ? -1 : n++;
  return merged;
}

/**
 * The links with the journeys that joined another removed and the rest numbered on (joinCutSegments): each kept
 * journey's segments, the pieces it took among them, get its new number.
 */
function renumbered(
  merged: Int32Array,
  count: number,
  scratch: LinkScratch,
  segJourney: Int32Array,
  segNext: Int32Array,
): Links {
  const n = count - merged.filter((k) => k < 0).length;
  const first = new Int32Array(n);
  const segCount = new Int32Array(n);
  const amb = new Uint8Array(n);
  for (let j = 0; j < count; j++) {
    const k = merged[j];
    if (k < 0) continue;
    first[k] = scratch.jFirst[j];
    segCount[k] = scratch.jCount[j];
    amb[k] = scratch.ambiguous[j];
    for (let s = first[k]; s >= 0; s = segNext[s]) segJourney[s] = k;
  }
  return { count: n, segJourney, segNext, first, segCount, ambiguous: amb };
}

/**
 * Which of two segments (different nodes) the packet passed first: -1 a first, 1 b first, 0 no evidence.
 * TTL: a router decrements it, so the earlier node saw a higher (max, then min) TTL. Ownership: a frame whose
 * source MAC (or outer source IP) belongs to node X and destination to node Y was sent by X to Y.
 */
export function segmentDirection(
  a: number,
  b: number,
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
): number {
  if (segs.maxTtl[a] !== segs.maxTtl[b]) return segs.maxTtl[a] > segs.maxTtl[b] ? -1 : 1;
  if (segs.minTtl[a] !== segs.minTtl[b]) return segs.minTtl[a] > segs.minTtl[b] ? -1 : 1;
  const na = segs.node[a];
  const nb = segs.node[b];
  const v = sentBy(a, na, nb, obs, segs, own) || -sentBy(b, nb, na, obs, segs, own);
  return v;
}

/** -1 if a row of segment `s` (on node `from`) was sent by `from` towards `to`, 1 if the reverse, else 0. */
function sentBy(
  s: number,
  from: number,
  to: number,
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
): number {
  for (let r = segs.firstObs[s]; r >= 0; r = obs.nextInSegment[r]) {
    if (obs.ethSrc(r) >= 0) {
      const ns = own.nodeOfMac(obs.ethSrc(r));
      // A broadcast or multicast frame is addressed to both: its source's owner sent it.
      const group = (obs.flags[r] & F_ETH) !== 0 && isGroupMac(obs.ethDst(r));
      const nd = group ? -2 : own.nodeOfMac(obs.ethDst(r));
      if (ns === from && (nd === to || group)) return -1;
      if (ns === to && (nd === from || group)) return 1;
    }
    if (obs.encapCount[r] > 0) {
      const ns = own.nodeOfIp(obs.encap(r, E_SRC));
      const nd = own.nodeOfIp(obs.encap(r, E_DST));
      if (ns === from && nd === to) return -1;
      if (ns === to && nd === from) return 1;
    }
  }
  return 0;
}

function orderSegments(
  list: number[],
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
  clock: NodeClocks,
): void {
  // Insertion sort: journeys cross a handful of nodes.
  for (let i = 1; i < list.length; i++) {
    const s = list[i];
    let k = i - 1;
    while (k >= 0 && before(s, list[k], obs, segs, own, clock)) {
      list[k + 1] = list[k];
      k--;
    }
    list[k + 1] = s;
  }
}

function before(
  a: number,
  b: number,
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
  clock: NodeClocks,
): boolean {
  const d = segmentDirection(a, b, obs, segs, own);
  if (d !== 0) return d < 0;
  return clock.correct(segs.node[a], segs.firstT[a]) < clock.correct(segs.node[b], segs.firstT[b]);
}
