// Phase B for a capture in progress, bounded: journeys that can no longer change are frozen (numbered, linked,
// their clock bounds and flows counted once), and every snapshot relinks only the segments of the others plus
// the new ones. So a live snapshot costs what the last maxSkewNs of traffic costs, not what the capture holds.
//
// A journey can still change while a segment with its key may arrive within reach of the final pass: the
// cross-node window plus the clocks' uncertainties (crossWindowNs + 2 × the largest; maxSkewNs while a clock is
// unknown). Journeys whose last hop is older than the watermark by more than that reach (plus crossWindowNs, as
// the estimate moves between snapshots) are frozen, as a prefix in time order (so numbers stay in time order),
// and only if no segment with the same key (and a tail that may match: known, different tails never meet in the
// linker) is left behind within reach: the segments that stay then link exactly as they did with the frozen
// ones present.
//
// The clock pre-pass reaches further (maxSkewNs, 10 s), and traffic whose keys repeat within seconds (a load
// generator's identical datagrams with colliding IP IDs) would never let it freeze. So its frozen journeys are
// kept for maxSkewNs as rivals (FrozenRivals): a segment still linked that has a frozen same-key journey
// within reach makes its own journey ambiguous and takes the frozen one's bounds out, as a batch run would
// have made one of them ambiguous (or more: this errs on the side of fewer bounds, never a wrong one).
//
// With a clock whose uncertainty is unbounded (no SSH probes and one-way traffic, or --clock none) the final
// pass too reaches maxSkewNs, and the same chains would stop freezing for good (senders of equal-length datagrams
// whose IP ID counters keep passing the same values): every snapshot would relink the whole capture. So the cut
// is forced up to the journeys older than the stall limit, maxSkewNs behind the watermark (or the lag when it is
// longer, as it is with such a clock): they freeze anyway, and a same-key pair within the lag on both sides of
// the cut makes both journeys ambiguous, the frozen segment staying a rival of later links (FrozenRivals) while
// within reach. Journeys so marked are the ones that can differ from a batch run's. With known clocks only a key
// (with matching or unknown tails) repeating without a gap of the lag for 10 s does this.
//
// Without a forced cut, the journeys, flows and names equal a batch correlation of the same rows
// (tests/unit/correlate-window.test.ts); clocks come from the same bounds or fewer. They differ where the
// estimate moved after a journey froze (it was linked with the offsets of its time), and for rows delivered more
// than the lag behind the watermark (they join their segment, or start journeys of their own).

import { ClockBounds, type NodeClocks } from './clockSkew.ts';
import { withCapacity } from './columns.ts';
import { collectBounds, crossingBounds, journeyBounds, type Correlator } from './correlator.ts';
import { FlowWindow } from './flows.ts';
import { KeyColumns, WindowedKeyTable } from './keyTable.ts';
import { LinkScratch, linkSegments, type Links } from './linker.ts';
import { CorrelationResult } from './result.ts';

export interface WindowStats {
  /** Journeys frozen so far (they are journeys [0, frozen) of every later result). */
  frozen: number;
  /** Segments the last link() relinked, and the journeys they made. */
  linkedSegments: number;
  linkedJourneys: number;
  /** The journeys frozen before the last link() have the flow numbers they had in the link() before it. */
  frozenFlowsStable: boolean;
  /** Cuts forced so far past the stall limit (same-key chains held them back; see the top of this file). */
  forcedCuts: number;
}

export class LinkWindow {
  /** Journeys [0, frozen) are final. */
  frozen = 0;
  /** Segments not in a frozen journey, increasing ids: the ones every link() relinks. */
  private active = new Int32Array(1024);
  private activeCount = 0;
  /** Segments taken into `active` so far (the segment table's length at the last link()). */
  private seen = 0;
  // Per segment: the final pass's journey and next segment (frozen entries final), the pre-pass's.
  private segJourney = new Int32Array(1024);
  private segNext = new Int32Array(1024);
  private preJourney = new Int32Array(1024);
  private preNext = new Int32Array(1024);
  /** Per segment: the older segment of the window with its key (cutBefore's scratch). */
  private olderSeg = new Int32Array(1024);
  // Per journey (time order): first segment, segment count, whether another match was possible.
  private first = new Int32Array(1024);
  private segCount = new Int32Array(1024);
  private ambiguous = new Uint8Array(1024);
  /** The clock bounds of frozen pre-pass journeys past any rival (minima: they only accumulate). */
  private bounds: ClockBounds | null = null;
  /** Frozen pre-pass journeys still within the pre-pass's reach of what is linked. */
  private readonly prePass = new FrozenRivals();
  /**
   * The clock bounds of WireGuard pairings whose two pre-pass journeys froze whole (crossingBounds: from, to, last
   * and first time, four numbers each), by the first segment of the clear journey's FrozenRivals entry: handed over
   * with that entry's own bounds, as a batch run's collectBounds takes them.
   */
  private readonly frozenCrossings = new Map<number, number[]>();
  /** Frozen segments that a forced cut left with a same-key segment within reach: rivals of the final pass. */
  private readonly forced = new FrozenRivals();
  private forcedCuts = 0;
  private readonly flows = new FlowWindow();
  /** Pods' MACs learned from the frozen journeys (CorrelationResult.learnNames). */
  private readonly names = new Map<number, string>();
  private readonly scratch = new LinkScratch();
  stats: WindowStats = {
    frozen: 0,
    linkedSegments: 0,
    linkedJourneys: 0,
    frozenFlowsStable: false,
    forcedCuts: 0,
  };

  /**
   * Phase B over the correlator's grouped segments: the frozen journeys as they are, the others relinked.
   * `watermark`: what advance() grouped up to (ns, each node's clock; one number or one per node). With
   * `freeze`, journeys that can no longer change are frozen afterwards (live snapshots); without, nothing is
   * (the last snapshot). The result's journey arrays are this window's: it is valid until the next link().
   */
  link(c: Correlator, watermark: number | ArrayLike<number>, freeze: boolean): CorrelationResult {
    const segs = c.segs;
    const nodeCount = c.nodes.length;
    this.take(segs.length);
    const list = this.active.subarray(0, this.activeCount);
    const own = c.ownership();
    const clockOpts = c.opts.clock ?? { mode: 'auto' };
    let bounds: ClockBounds | null = null;
    let pre: Links | null = null;
    const preOpts = c.prePassOptions();
    const prior = preOpts.clock;
    if (clockOpts.mode === 'auto' && nodeCount > 1) {
      const ghosts = this.prePass;
      ghosts.index();
      const reach = c.opts.maxSkewNs;
      pre = linkSegments(
        c.obs,
        segs,
        own,
        {
          ...preOpts,
          list,
          out: { segJourney: this.preJourney, segNext: this.preNext },
          rival: (s) => ghosts.rival(segs, s, prior, reach),
        },
        this.scratch,
      );
      bounds = new ClockBounds(nodeCount);
      if (this.bounds) bounds.merge(this.bounds);
      const scratch: number[] = [];
      ghosts.forEachAlive((first) => {
        journeyBounds(first, this.preNext, c, own, bounds!, scratch);
        this.crossingsOf(first, bounds!);
      });
      collectBounds(pre, c, own, bounds);
    }
    const { clocks, clock, uncertaintyNs } = c.clocksFrom(bounds);
    // What the final pass reaches across nodes at most (see linkSegments' tolerance).
    let unc = 0;
    for (let n = 0; n < nodeCount; n++) unc = Math.max(unc, uncertaintyNs[n]);
    const reachNs = Math.min(c.opts.maxSkewNs, c.opts.crossWindowNs + 2 * unc);
    const lagNs = reachNs + c.opts.crossWindowNs;
    const forced = this.forced;
    if (forced.size > 0) forced.index();
    const links = linkSegments(
      c.obs,
      segs,
      own,
      {
        clock,
        uncertaintyNs,
        crossWindowNs: c.opts.crossWindowNs,
        maxSkewNs: c.opts.maxSkewNs,
        list,
        out: { segJourney: this.segJourney, segNext: this.segNext },
        rival: forced.size > 0 ? (s) => forced.rival(segs, s, clock, lagNs) : undefined,
      },
      this.scratch,
    );
    // The relinked journeys in time order (corrected first time, then link order, as CorrelationResult
    // orders a batch), numbered after the frozen ones.
    const F = this.frozen;
    const A = links.count;
    const start = new Float64Array(A);
    for (let j = 0; j < A; j++) {
      const s = links.first[j];
      start[j] = clock.correct(segs.node[s], segs.firstT[s]);
    }
    const order = timeOrder(start);
    const pos = new Int32Array(A);
    this.first = withCapacity(this.first, F + A, F);
    this.segCount = withCapacity(this.segCount, F + A, F);
    this.ambiguous = withCapacity(this.ambiguous, F + A, F);
    for (let i = 0; i < A; i++) {
      const j = order[i];
      pos[j] = i;
      this.first[F + i] = links.first[j];
      this.segCount[F + i] = links.segCount[j];
      this.ambiguous[F + i] = links.ambiguous[j];
    }
    for (let i = 0; i < list.length; i++) this.segJourney[list[i]] = F + pos[this.segJourney[list[i]]];
    const all: Links = {
      count: F + A,
      segJourney: this.segJourney,
      segNext: this.segNext,
      first: this.first.subarray(0, F + A),
      segCount: this.segCount.subarray(0, F + A),
      ambiguous: this.ambiguous.subarray(0, F + A),
    };
    const result = new CorrelationResult(c, own, all, clocks, clock, true);
    this.flows.compute(result);
    result.seedLearnedNames(new Map(this.names), F);
    this.stats = {
      frozen: F,
      linkedSegments: list.length,
      linkedJourneys: A,
      frozenFlowsStable: this.flows.frozenStable,
      forcedCuts: this.forcedCuts,
    };
    if (freeze) {
      this.freeze(c, result, pre, watermark, clock, lagNs, prior);
      this.stats.frozen = this.frozen;
      this.stats.forcedCuts = this.forcedCuts;
      // Frozen pre-pass journeys no segment can reach any more: their bounds are final.
      if (pre) {
        let before = Infinity;
        for (let n = 0; n < nodeCount; n++) {
          const wn = typeof watermark === 'number' ? watermark : watermark[n];
          before = Math.min(before, prior.correct(n, wn));
        }
        for (let i = 0; i < this.activeCount; i++) {
          const s = this.active[i];
          before = Math.min(before, prior.correct(segs.node[s], segs.firstT[s]));
        }
        const into = this.frozenBounds(nodeCount);
        const scratch: number[] = [];
        this.prePass.commit(
          before - c.opts.maxSkewNs - c.opts.crossWindowNs,
          (first) => {
            journeyBounds(first, this.preNext, c, own, into, scratch);
            this.crossingsOf(first, into);
          },
          (first) => this.frozenCrossings.delete(first),
        );
      }
    }
    return result;
  }

  /** Adds the bounds of the WireGuard pairings handed over with entry `first` (frozenCrossings). */
  private crossingsOf(first: number, into: ClockBounds): void {
    const b = this.frozenCrossings.get(first);
    if (b) for (let i = 0; i < b.length; i += 4) into.add(b[i], b[i + 1], b[i + 2], b[i + 3]);
  }

  /** The running bounds of committed pre-pass journeys, sized for `nodes`. */
  private frozenBounds(nodes: number): ClockBounds {
    if (!this.bounds || this.bounds.nodeCount !== nodes) {
      const b = new ClockBounds(nodes);
      if (this.bounds) b.merge(this.bounds);
      this.bounds = b;
    }
    return this.bounds;
  }

  /** Appends the segments created since the last link() to the active list; sizes the per-segment columns. */
  private take(length: number): void {
    const add = length - this.seen;
    this.active = withCapacity(this.active, this.activeCount + add, this.activeCount);
    for (let s = this.seen; s < length; s++) this.active[this.activeCount++] = s;
    this.seen = length;
    this.segJourney = withCapacity(this.segJourney, length, length);
    this.segNext = withCapacity(this.segNext, length, length);
    this.preJourney = withCapacity(this.preJourney, length, length);
    this.preNext = withCapacity(this.preNext, length, length);
    this.olderSeg = withCapacity(this.olderSeg, length, length);
  }

  /**
   * Freezes the longest prefix (time order) of the relinked journeys whose every hop lies more than `lagNs`
   * before the watermark, cut back until no unfrozen segment with the key of a frozen one is within the lag of it
   * (not further than the journeys past the stall limit: that cut is forced). The pre-pass journeys with frozen
   * segments become FrozenRivals entries (times in the pre-pass's clocks, `prior`).
   */
  private freeze(
    c: Correlator,
    res: CorrelationResult,
    pre: Links | null,
    watermark: number | ArrayLike<number>,
    clock: NodeClocks,
    lagNs: number,
    prior: NodeClocks,
  ): void {
    const segs = c.segs;
    const F = this.frozen;
    const A = res.journeyCount - F;
    const list = this.active.subarray(0, this.activeCount);
    // Per relinked journey (by position): its latest corrected time.
    const last = new Float64Array(A).fill(-Infinity);
    let newest = -Infinity;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const t = clock.correct(segs.node[s], segs.lastT[s]);
      const p = this.segJourney[s] - F;
      if (t > last[p]) last[p] = t;
      if (t > newest) newest = t;
    }
    // The watermark in reference time: the earliest node's (each is in its own clock).
    let w = Infinity;
    for (let n = 0; n < c.nodes.length; n++) {
      const wn = typeof watermark === 'number' ? watermark : watermark[n];
      w = Math.min(w, clock.correct(n, wn));
    }
    const horizon = Math.min(w, newest) - lagNs;
    let p = 0;
    while (p < A && last[p] < horizon) p++;
    if (p === 0) return;
    // Same-key segments within the lag of each other were (or could have been) candidates for one journey, or
    // rivals: keep them on one side, unless that has held the journeys past the stall limit back.
    const limit = Math.min(w, newest) - Math.max(lagNs, c.opts.maxSkewNs);
    let stalled = 0;
    while (stalled < p && last[stalled] < limit) stalled++;
    const byKey = this.indexByKey(segs, list);
    const cut = this.cutBefore(segs, list, F, p, clock, lagNs, byKey);
    p = Math.max(cut, stalled);
    if (p === 0) return;
    if (cut < stalled) {
      this.forcedCuts++;
      this.markAcross(segs, list, F, p, clock, lagNs, byKey.table);
    }
    if (pre) {
      // Whether all of pre-pass journey q's segments freeze now.
      const whole = (q: number): boolean => {
        for (let s = pre.first[q]; s >= 0; s = this.preNext[s]) if (this.segJourney[s] - F >= p) return false;
        return true;
      };
      // The WireGuard pairings whose journeys both freeze whole, by their clear journey (collectBounds' choice).
      const crossings = new Map<number, number[]>();
      const w = pre.crossings;
      for (let i = 0; w && i < w.length; i++) {
        const inner = w.inner[i];
        if (
          !w.sure[i] ||
          pre.ambiguous[inner] ||
          pre.ambiguous[w.enc[i]] ||
          !whole(inner) ||
          !whole(w.enc[i])
        )
          continue;
        const b = crossings.get(inner) ?? [];
        crossingBounds(w, i, c, c.ownership(), (a, z, last, firstT) => b.push(a, z, last, firstT));
        if (b.length) crossings.set(inner, b);
      }
      // Each pre-pass journey with a frozen segment, once: complete (all its segments frozen) or not.
      const done = new Uint8Array(pre.count);
      for (let i = 0; i < list.length; i++) {
        const s0 = list[i];
        if (this.segJourney[s0] - F >= p) continue;
        const q = this.preJourney[s0];
        if (done[q]) continue;
        done[q] = 1;
        let complete = true;
        let lo = Infinity;
        let hi = -Infinity;
        let tailOf = -1;
        for (let s = pre.first[q]; s >= 0; s = this.preNext[s]) {
          if (this.segJourney[s] - F >= p) complete = false;
          if (tailOf < 0 && segs.tailKnown[s]) tailOf = s;
          lo = Math.min(lo, prior.correct(segs.node[s], segs.firstT[s]));
          hi = Math.max(hi, prior.correct(segs.node[s], segs.lastT[s]));
        }
        const s = pre.first[q];
        const counts = complete && pre.segCount[q] >= 2 && !pre.ambiguous[q];
        this.prePass.add(s, segs, tailOf, lo, hi, counts);
        const b = counts ? crossings.get(q) : undefined;
        if (b) this.frozenCrossings.set(s, b);
      }
    }
    this.flows.freeze(res, F + p);
    res.learnNames(this.names, F, F + p);
    this.frozen = F + p;
    let k = 0;
    let earliest = w;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (this.segJourney[s] < F + p) continue;
      this.active[k++] = s;
      earliest = Math.min(earliest, clock.correct(segs.node[s], segs.firstT[s]));
    }
    this.activeCount = k;
    // Forced rivals nothing linked now or later can reach (with room for the estimate to move).
    this.forced.commit(earliest - lagNs - c.opts.maxSkewNs, () => {});
  }

  /**
   * After a forced cut at position p: each frozen segment with a same-key segment (and a tail that may match)
   * left unfrozen within the lag makes its journey ambiguous and stays a rival of the final pass (FrozenRivals,
   * corrected times), which marks the other journey ambiguous from the next link on. `table`: indexByKey's over
   * `list`.
   */
  private markAcross(
    segs: Correlator['segs'],
    list: Int32Array,
    F: number,
    p: number,
    clock: NodeClocks,
    lagNs: number,
    table: WindowedKeyTable,
  ): void {
    const lo = (s: number) => clock.correct(segs.node[s], segs.firstT[s]);
    const hi = (s: number) => clock.correct(segs.node[s], segs.lastT[s]);
    const older = this.olderSeg;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (this.segJourney[s] - F >= p) continue;
      let rivalled = false;
      for (let u = table.get(segs.keyHi[s], segs.keyLo[s]); u >= 0 && !rivalled; u = older[u])
        rivalled =
          this.segJourney[u] - F >= p &&
          lo(u) <= hi(s) + lagNs &&
          hi(u) >= lo(s) - lagNs &&
          segs.tailsMayMatch(s, u);
      if (!rivalled) continue;
      this.ambiguous[this.segJourney[s]] = 1;
      this.forced.add(s, segs, segs.tailKnown[s] ? s : -1, lo(s), hi(s), false);
    }
  }

  /**
   * The segments of `list` by key (the linker's key table, nothing ever stale): the newest per key, each one's
   * older one with its key (olderSeg), and one member of every key seen more than once (most keys occur once).
   */
  private indexByKey(
    segs: Correlator['segs'],
    list: Int32Array,
  ): { table: WindowedKeyTable; repeated: number[] } {
    const older = this.olderSeg;
    const table = new WindowedKeyTable(segs.keys, Infinity, tableSize(list.length));
    const repeated: number[] = [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const h = table.get(segs.keyHi[s], segs.keyLo[s]);
      older[s] = h;
      if (h >= 0 && older[h] < 0) repeated.push(s);
      table.set(s);
    }
    return { table, repeated };
  }

  /**
   * The largest p' <= p such that no two segments with one key (and tails that may match) whose times come within
   * lagNs of each other lie in journeys on both sides of position p' (positions: journey number - F). Per key
   * (and tail, when all are known), the segments are chained while they come within the lag, and each chain
   * forbids the cuts between its lowest and highest position.
   * `byKey`: indexByKey's, over `list`.
   */
  private cutBefore(
    segs: Correlator['segs'],
    list: Int32Array,
    F: number,
    p: number,
    clock: NodeClocks,
    lagNs: number,
    byKey: { table: WindowedKeyTable; repeated: readonly number[] },
  ): number {
    const { table, repeated } = byKey;
    const older = this.olderSeg;
    const lo = (s: number) => clock.correct(segs.node[s], segs.firstT[s]);
    const hi = (s: number) => clock.correct(segs.node[s], segs.lastT[s]);
    // cover[x]: chains whose positions span cut x (lowest < x <= highest), as differences.
    const cover = new Int32Array(p + 2);
    const forbid = (a: number, b: number) => {
      if (a >= b || a >= p) return;
      cover[a + 1]++;
      cover[Math.min(b, p) + 1]--;
    };
    const group: number[] = [];
    for (const member of repeated) {
      group.length = 0;
      // Usually the key's segments are one journey's (one per node): nothing to keep together then.
      const head = table.get(segs.keyHi[member], segs.keyLo[member]);
      let one = true;
      for (let x = head; x >= 0; x = older[x]) {
        group.push(x);
        if (this.segJourney[x] !== this.segJourney[head]) one = false;
      }
      if (one) continue;
      // Segments whose tails are known and differ never meet in the linker (neither is a candidate nor a rival
      // of the other's journey): when every tail of the key is known, each tail chains apart. An unknown tail
      // matches any. (Equal-size datagrams of two senders share keys whenever their IP ids meet.)
      let byTail = true;
      for (let x = 0; x < group.length; x++) if (!segs.tailKnown[group[x]]) byTail = false;
      if (byTail) group.sort((a, b) => segs.tail[a] - segs.tail[b] || lo(a) - lo(b));
      else group.sort((a, b) => lo(a) - lo(b));
      let min = this.segJourney[group[0]] - F;
      let max = min;
      let end = hi(group[0]) + lagNs;
      for (let x = 1; x < group.length; x++) {
        const s = group[x];
        const at = this.segJourney[s] - F;
        if (lo(s) <= end && (!byTail || segs.tailsMayMatch(s, group[x - 1]))) {
          if (at < min) min = at;
          if (at > max) max = at;
          if (hi(s) + lagNs > end) end = hi(s) + lagNs;
        } else {
          forbid(min, max);
          min = max = at;
          end = hi(s) + lagNs;
        }
      }
      forbid(min, max);
    }
    let best = 0;
    for (let x = 0, run = 0; x <= p; x++) {
      run += cover[x];
      if (run === 0) best = x;
    }
    return best;
  }
}

/** A key table's size for n keys: a power of two that stays under half full, so it never rehashes. */
function tableSize(n: number): number {
  let size = 1024;
  while (size < n * 2 + 2) size *= 2;
  return size;
}

/**
 * Indices of `start` in increasing order (ties: lower index first). The linker creates journeys in time order of
 * their earliest segment, so they are nearly in order of their path-first one: an insertion sort while few are
 * out of place, a general sort otherwise.
 */
function timeOrder(start: Float64Array): Int32Array {
  const n = start.length;
  const order = new Int32Array(n);
  for (let j = 0; j < n; j++) order[j] = j;
  let out = 0;
  for (let j = 1; j < n; j++) if (start[j] < start[j - 1]) out++;
  if (out === 0) return order;
  if (out > 64 + (n >> 6)) return order.sort((a, b) => start[a] - start[b] || a - b);
  for (let i = 1; i < n; i++) {
    const j = order[i];
    const t = start[j];
    let k = i - 1;
    while (k >= 0 && start[order[k]] > t) {
      order[k + 1] = order[k];
      k--;
    }
    order[k + 1] = j;
  }
  return order;
}

/**
 * Frozen journeys (or segments) kept, first in first out, until nothing still linked can reach them: by key,
 * rivals of the segments still linked. For the pre-pass, its journeys with frozen segments (times in the
 * pre-pass's clocks), the complete ones that no rival has met yet holding clock bounds; for the final pass, the
 * segments a forced cut left with a rival. A table from key to newest entry is rebuilt for each link (the
 * entries span the last maxSkewNs of traffic).
 */
class FrozenRivals {
  private first = new Int32Array(1024);
  private keyHi = new Int32Array(1024);
  private keyLo = new Int32Array(1024);
  private firstT = new Float64Array(1024);
  private lastT = new Float64Array(1024);
  /** Its tail hash, when known (tailKnown 0 otherwise): other known tails never rival it. */
  private tail = new Int32Array(1024);
  private tailKnown = new Uint8Array(1024);
  /** Its bounds count (complete, unambiguous, no rival met since). */
  private alive = new Uint8Array(1024);
  private head = 0;
  private count = 0;
  /** The newest entry per key, and each entry's older one with its key (rebuilt by index()). */
  private table: WindowedKeyTable | null = null;
  private older = new Int32Array(0);

  /** Entries held. */
  get size(): number {
    return this.count - this.head;
  }

  /** An entry for segment `first`'s key; `tailOf`: a segment whose tail is the entry's (-1: unknown). */
  add(
    first: number,
    segs: Correlator['segs'],
    tailOf: number,
    firstT: number,
    lastT: number,
    alive: boolean,
  ): void {
    if (this.count === this.first.length) this.resize(Math.max(1024, (this.count - this.head) * 2));
    const i = this.count++;
    this.first[i] = first;
    this.keyHi[i] = segs.keyHi[first];
    this.keyLo[i] = segs.keyLo[first];
    this.tailKnown[i] = tailOf >= 0 ? 1 : 0;
    this.tail[i] = tailOf >= 0 ? segs.tail[tailOf] : 0;
    this.firstT[i] = firstT;
    this.lastT[i] = lastT;
    this.alive[i] = alive ? 1 : 0;
  }

  /** Moves entries [head, count) to the front of arrays of `cap` entries. */
  private resize(cap: number): void {
    const n = this.count - this.head;
    const move = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(Math.max(cap, n));
      b.set(a.subarray(this.head, this.count) as never);
      return b;
    };
    this.first = move(this.first, (k) => new Int32Array(k));
    this.keyHi = move(this.keyHi, (k) => new Int32Array(k));
    this.keyLo = move(this.keyLo, (k) => new Int32Array(k));
    this.firstT = move(this.firstT, (k) => new Float64Array(k));
    this.lastT = move(this.lastT, (k) => new Float64Array(k));
    this.tail = move(this.tail, (k) => new Int32Array(k));
    this.tailKnown = move(this.tailKnown, (k) => new Uint8Array(k));
    this.alive = move(this.alive, (k) => new Uint8Array(k));
    this.count = n;
    this.head = 0;
  }

  /** Builds the key table over the entries held. */
  index(): void {
    const table = new WindowedKeyTable(
      new KeyColumns(this.keyHi, this.keyLo, this.lastT),
      Infinity,
      tableSize(this.count - this.head),
    );
    this.older = new Int32Array(this.count);
    for (let i = this.head; i < this.count; i++) {
      this.older[i] = table.get(this.keyHi[i], this.keyLo[i]);
      table.set(i);
    }
    this.table = table;
  }

  /**
   * Whether an entry with segment s's key and a tail that may match lies within `reach` of it (s in the entries'
   * clocks: `clock`); such entries lose their bounds.
   */
  rival(segs: Correlator['segs'], s: number, clock: NodeClocks, reach: number): boolean {
    if (this.count === this.head || !this.table) return false;
    const sf = clock.correct(segs.node[s], segs.firstT[s]);
    const sl = clock.correct(segs.node[s], segs.lastT[s]);
    let found = false;
    const tk = segs.tailKnown[s];
    const tail = segs.tail[s];
    for (let i = this.table.get(segs.keyHi[s], segs.keyLo[s]); i >= 0; i = this.older[i]) {
      if (tk && this.tailKnown[i] && this.tail[i] !== tail) continue; // never a candidate of s's journey
      if (this.firstT[i] <= sl + reach && this.lastT[i] >= sf - reach) {
        this.alive[i] = 0;
        found = true;
      }
    }
    return found;
  }

  /** Calls `f` with the first segment of every entry whose bounds count. */
  forEachAlive(f: (first: number) => void): void {
    for (let i = this.head; i < this.count; i++) if (this.alive[i]) f(this.first[i]);
  }

  /**
   * Drops the leading entries that end before `before`, handing over those whose bounds count (`dropped`: every one
   * dropped, whether its bounds count or not).
   */
  commit(before: number, f: (first: number) => void, dropped?: (first: number) => void): void {
    while (this.head < this.count && this.lastT[this.head] < before) {
      if (this.alive[this.head]) f(this.first[this.head]);
      dropped?.(this.first[this.head]);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.count) this.resize((this.count - this.head) * 2);
  }
}
