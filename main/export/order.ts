// All rows in time order (as captured, or clock-corrected), by a merge of the captures: each capture is already
// (almost always) in time order, so this is linear rather than a full sort. Ties go to the lower row.

import type { CorrelationResult } from '../correlate/result.ts';

/** Up to this many captures the merge scans every lane's head (a tight loop beats a heap's bookkeeping). */
const SCAN_LANES = 24;

export function timeOrder(res: CorrelationResult, corrected: boolean): Int32Array {
  const rows = res.rows;
  const n = rows.length;
  const ncap = res.captures.length;
  const capture = rows.capture;
  let key: Float64Array;
  if (!corrected) key = rows.t;
  else {
    key = new Float64Array(n);
    for (let r = 0; r < n; r++) key[r] = res.correctedT(r);
  }
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
