// All rows in time order (as captured, or clock-corrected), by a merge of the captures: each capture is already
// (almost always) in time order, so this is linear rather than a full sort. Ties go to the lower row, except
// that hops of one journey with the same time keep their path order when the journeys' hops are given (a pod's
// veth and its bridge see a packet in the same nanosecond: written bridge first, a reader saw it go backwards).

import type { CorrelationResult } from '../correlate/result.ts';

/** Each row's journey and hop number on its path (-1: none), as hopIndex() gives them. */
export interface PathIndex {
  journey: Int32Array;
  hop: Int32Array;
}

export function timeOrder(res: CorrelationResult, corrected: boolean, paths?: PathIndex): Int32Array {
  const key = orderKeys(res, corrected);
  const order = mergeByKey(key, res.rows.capture, res.captures.length, new Int32Array(res.rows.length));
  if (paths) pathOrderInTies(order, key, paths);
  return order;
}

/**
 * What rows are ordered by: their time as captured (the column itself), or clock-corrected (a new array; in shared
 * memory when `shared`, for mergeByKey on another thread).
 */
export function orderKeys(res: CorrelationResult, corrected: boolean, shared = false): Float64Array {
  if (!corrected) return res.rows.t;
  const n = res.rows.length;
  const key = shared ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n);
  for (let r = 0; r < n; r++) key[r] = res.correctedT(r);
  return key;
}

/**
 * Within each run of rows with the same time, the rows of one journey in hop order (others stay in place).
 * Self-contained (no names from outside its body), as mergeByKey: the pcapng writer's thread runs it after it has
 * walked the journeys' paths (epbBatch.ts), on the order it merged.
 */
export function pathOrderInTies(
  order: Int32Array,
  key: ArrayLike<number>,
  { journey, hop }: PathIndex,
): void {
  const fixRun = (s: number, e: number): void => {
    const byJourney = new Map<number, number[]>();
    for (let i = s; i < e; i++) {
      const k = journey[order[i]];
      if (k < 0 || hop[order[i]] < 0) continue;
      const at = byJourney.get(k);
      if (at) at.push(i);
      else byJourney.set(k, [i]);
    }
    for (const at of byJourney.values()) {
      if (at.length < 2) continue;
      const rows = at.map((i) => order[i]).sort((a, b) => hop[a] - hop[b]);
      at.forEach((i, x) => (order[i] = rows[x]));
    }
  };
  for (let i = 1; i < order.length; i++) {
    if (key[order[i]] !== key[order[i - 1]]) continue;
    let e = i + 1;
    while (e < order.length && key[order[e]] === key[order[i]]) e++;
    fixRun(i - 1, e);
    i = e;
  }
}

/**
 * Rows 0…out.length in order of `key` (ties: the lower row) into `out`, by a merge of the captures' runs (capture[r]
 * of each row, below ncap). Self-contained (no names from outside its body): the pcapng writer's thread runs its
 * source (epbBatch.ts), on the table's shared columns, while the exporter's thread groups, links or indexes the hops.
 */
export function mergeByKey(
  key: Float64Array,
  capture: ArrayLike<number>,
  ncap: number,
  out: Int32Array,
): Int32Array {
  /** Up to this many captures the merge scans every lane's head (a tight loop beats a heap's bookkeeping). */
  const SCAN_LANES = 24;
  const n = out.length;
  // Bucket rows by capture (counting sort keeps file order within a capture). Inputs are read file by file,
  // so a capture's rows are usually one contiguous run already: then the buckets are the rows themselves.
  const start = new Int32Array(ncap + 1);
  for (let r = 0; r < n; r++) start[capture[r] + 1]++;
  for (let c = 0; c < ncap; c++) start[c + 1] += start[c];
  const byCap = new Int32Array(n);
  let contiguous = true;
  for (let r = 0; r < n && contiguous; r++) {
    const c = capture[r];
    if (r < start[c] || r >= start[c + 1]) contiguous = false;
  }
  if (contiguous) for (let r = 0; r < n; r++) byCap[r] = r;
  else {
    const fill = start.slice(0, ncap);
    for (let r = 0; r < n; r++) byCap[fill[capture[r]]++] = r;
  }
  for (let c = 0; c < ncap; c++) {
    const s = start[c];
    const e = start[c + 1];
    for (let i = s + 1; i < e; i++) {
      if (key[byCap[i]] < key[byCap[i - 1]]) {
        const part = Array.from(byCap.subarray(s, e)).sort((a, b) => key[a] - key[b] || a - b);
        byCap.set(part, s);
        break;
      }
    }
  }

  /** Merge by scanning the lanes' heads: the head keys and rows live in small arrays, one pass per output row. */
  // Its arrays as parameters, not the closure's: a loop reading them from a context reloads them every row.
  const scanMerge = (byCap: Int32Array, start: Int32Array, key: Float64Array, out: Int32Array): void => {
    const n = out.length;
    // Active lanes only, compacted as they run out.
    const pos = new Int32Array(ncap);
    const end = new Int32Array(ncap);
    const headKey = new Float64Array(ncap);
    const headRow = new Int32Array(ncap);
    let live = 0;
    for (let c = 0; c < ncap; c++) {
      if (start[c] === start[c + 1]) continue;
      pos[live] = start[c];
      end[live] = start[c + 1];
      headRow[live] = byCap[start[c]];
      headKey[live] = key[headRow[live]];
      live++;
    }
    for (let k = 0; k < n; k++) {
      let m = 0;
      let mk = headKey[0];
      let mr = headRow[0];
      for (let j = 1; j < live; j++) {
        const hk = headKey[j];
        if (hk < mk || (hk === mk && headRow[j] < mr)) {
          m = j;
          mk = hk;
          mr = headRow[j];
        }
      }
      out[k] = mr;
      const p = ++pos[m];
      if (p < end[m]) {
        const r = byCap[p];
        headRow[m] = r;
        headKey[m] = key[r];
      } else {
        live--;
        pos[m] = pos[live];
        end[m] = end[live];
        headRow[m] = headRow[live];
        headKey[m] = headKey[live];
      }
    }
  };

  /** Merge through a binary heap of capture cursors ordered by (time, row): many captures. */
  const heapMerge = (byCap: Int32Array, start: Int32Array, key: Float64Array, out: Int32Array): void => {
    const heap: number[] = [];
    const pos = start.slice(0, ncap);
    const less = (a: number, b: number): boolean => {
      const ra = byCap[pos[a]];
      const rb = byCap[pos[b]];
      return key[ra] < key[rb] || (key[ra] === key[rb] && ra < rb);
    };
    const down = (i: number): void => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    };
    for (let c = 0; c < ncap; c++) if (start[c] < start[c + 1]) heap.push(c);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    let k = 0;
    while (heap.length) {
      const c = heap[0];
      out[k++] = byCap[pos[c]++];
      if (pos[c] >= start[c + 1]) {
        const last = heap.pop()!;
        if (heap.length) {
          heap[0] = last;
          down(0);
        }
      } else down(0);
    }
  };

  if (ncap <= SCAN_LANES) scanMerge(byCap, start, key, out);
  else heapMerge(byCap, start, key, out);
  return out;
}
