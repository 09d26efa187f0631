// All rows in time order (as captured, or clock-corrected), by a heap merge of the captures: each capture
// is already (almost always) in time order, so this is linear-ish rather than a full sort.

import type { CorrelationResult } from '../correlate/result.ts';

export function timeOrder(res: CorrelationResult, corrected: boolean): Int32Array {
  const rows = res.rows;
  const n = rows.length;
  const ncap = res.captures.length;
  const key = new Float64Array(n);
  for (let r = 0; r < n; r++) key[r] = corrected ? res.correctedT(r) : rows.t[r];
  // Bucket rows by capture (counting sort keeps file order within a capture).
  const start = new Int32Array(ncap + 1);
  for (let r = 0; r < n; r++) start[rows.capture[r] + 1]++;
  for (let c = 0; c < ncap; c++) start[c + 1] += start[c];
  const byCap = new Int32Array(n);
  const fill = start.slice(0, ncap);
  for (let r = 0; r < n; r++) byCap[fill[rows.capture[r]]++] = r;
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
  // Binary heap of capture cursors ordered by (time, row).
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
