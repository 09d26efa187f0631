// All rows in time order (as captured, or clock-corrected), by a merge of the captures: each capture is already
// (almost always) in time order, so this is linear rather than a full sort. Ties go to the lower row, except
// that hops of one journey with the same time keep their path order when the journeys' hops are given (a pod's
// veth and its bridge see a packet in the same nanosecond: written bridge first, a reader saw it go backwards).

import type { CorrelationResult } from '../correlate/result.ts';

/** Up to this many captures the merge scans every lane's head (a tight loop beats a heap's bookkeeping). */
const SCAN_LANES = 24;

/** Each row's journey and hop number on its path (-1: none), as hopIndex() gives them. */
export interface PathIndex {
  journey: Int32Array;
  hop: Int32Array;
}

export function timeOrder(res: CorrelationResult, corrected: boolean, paths?: PathIndex): Int32Array {
  const key = corrected ? correctedKeys(res) : res.rows.t;
  const order = mergedOrder(res, key);
  if (paths) pathOrderInTies(order, key, paths);
  return order;
}

function correctedKeys(res: CorrelationResult): Float64Array {
  const key = new Float64Array(res.rows.length);
  for (let r = 0; r < key.length; r++) key[r] = res.correctedT(r);
  return key;
}

/** Within each run of rows with the same time, the rows of one journey in hop order (others stay in place). */
function pathOrderInTies(order: Int32Array, key: ArrayLike<number>, { journey, hop }: PathIndex): void {
  for (let i = 1; i < order.length; i++) {
    if (key[order[i]] !== key[order[i - 1]]) continue;
    let e = i + 1;
    while (e < order.length && key[order[e]] === key[order[i]]) e++;
    fixRun(order, i - 1, e, journey, hop);
    i = e;
  }
}

function fixRun(order: Int32Array, s: number, e: number, journey: Int32Array, hop: Int32Array): void {
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
}

function mergedOrder(res: CorrelationResult, key: Float64Array): Int32Array {
  const rows = res.rows;
  const n = rows.length;
  const ncap = res.captures.length;
  const capture = rows.capture;
  // Bucket rows by capture (counting sort keeps file order within a capture). Inputs are read file by file,
  // so a capture's rows are usually one contiguous run already: then the buckets are the rows themselves.
  const start = new Int32Array(ncap + 1);
  for (let r = 0; r < n; r++) start[capture[r] + 1]++;
  for (let c = 0; c < ncap; c++) start[c + 1] += start[c];
  let byCap: Int32Array;
  let contiguous = true;
  for (let r = 0; r < n && contiguous; r++) {
    const c = capture[r];
    if (r < start[c] || r >= start[c + 1]) contiguous = false;
  }
  if (contiguous) {
    byCap = new Int32Array(n);
    for (let r = 0; r < n; r++) byCap[r] = r;
  } else {
    byCap = new Int32Array(n);
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
  return ncap <= SCAN_LANES ? scanMerge(byCap, start, key, ncap) : heapMerge(byCap, start, key, ncap);
}

/** Merge by scanning the lanes' heads: the head keys and rows live in small arrays, one pass per output row. */
function scanMerge(byCap: Int32Array, start: Int32Array, key: Float64Array, ncap: number): Int32Array {
  const n = byCap.length;
  const out = new Int32Array(n);
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
  return out;
}

/** Merge through a binary heap of capture cursors ordered by (time, row): many captures. */
function heapMerge(byCap: Int32Array, start: Int32Array, key: Float64Array, ncap: number): Int32Array {
  const n = byCap.length;
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
  const out = new Int32Array(n);
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
  return out;
}
