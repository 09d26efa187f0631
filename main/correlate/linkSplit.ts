// Linking on two threads. A journey only ever joins segments of one key (linker.ts looks candidates up by key),
// so the segments split by one bit of their key link independently: the clock pre-pass and the final link can
// each run as two halves, one per thread, and their journeys merge into exactly what one linkSegments over all
// segments gives. Within a half the journeys are numbered as they are created, in the linker's order of
// segments (corrected first time, then segment id); a journey is created by its first segment in that order, so
// merging the halves' journeys by that segment's (time, id) numbers them as one pass would.

import type { Links } from './linker.ts';
import type { SegmentTable } from './segments.ts';

/** The segment ids whose key has the given low bit (0 or 1), increasing. */
export function keyHalf(segs: SegmentTable, bit: number): Int32Array {
  let n = 0;
  for (let s = 0; s < segs.length; s++) if ((segs.keyLo[s] & 1) === bit) n++;
  const out = new Int32Array(n);
  let k = 0;
  for (let s = 0; s < segs.length; s++) if ((segs.keyLo[s] & 1) === bit) out[k++] = s;
  return out;
}

/** One half's link: its segment list and what linkSegments({ list }) returned for it. */
export interface LinkedHalf {
  list: Int32Array;
  links: Links;
}

/**
 * The two halves' journeys as one linkSegments over all of their segments would number them, with the same
 * `offsetNs` the halves were linked with (it orders the segments).
 */
export function mergeHalves(segs: SegmentTable, offsetNs: Float64Array, a: LinkedHalf, b: LinkedHalf): Links {
  const ka = creators(segs, offsetNs, a);
  const kb = creators(segs, offsetNs, b);
  const ca = a.links.count;
  const cb = b.links.count;
  const count = ca + cb;
  const idA = new Int32Array(ca);
  const idB = new Int32Array(cb);
  for (let i = 0, k = 0, g = 0; g < count; g++) {
    const takeA = k >= cb || (i < ca && before(ka.t[i], ka.s[i], kb.t[k], kb.s[k]));
    if (takeA) idA[i++] = g;
    else idB[k++] = g;
  }
  const first = new Int32Array(count);
  const segCount = new Int32Array(count);
  const ambiguous = new Uint8Array(count);
  const segJourney = new Int32Array(segs.length).fill(-1);
  const segNext = new Int32Array(segs.length).fill(-1);
  for (const [half, id] of [
    [a, idA],
    [b, idB],
  ] as const) {
    const l = half.links;
    for (let j = 0; j < l.count; j++) {
      const g = id[j];
      first[g] = l.first[j];
      segCount[g] = l.segCount[j];
      ambiguous[g] = l.ambiguous[j];
    }
    for (let i = 0; i < half.list.length; i++) {
      const s = half.list[i];
      const j = l.segJourney[s];
      segJourney[s] = j < 0 ? -1 : id[j];
      segNext[s] = l.segNext[s];
    }
  }
  return { count, segJourney, segNext, first, segCount, ambiguous };
}

/** Whether (t1, s1) comes before (t2, s2) in the linker's order. */
function before(t1: number, s1: number, t2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && s1 < s2);
}

/** Per journey of a half: the corrected first time and id of the segment that created it (its earliest). */
function creators(
  segs: SegmentTable,
  offsetNs: Float64Array,
  half: LinkedHalf,
): { t: Float64Array; s: Int32Array } {
  const n = half.links.count;
  const t = new Float64Array(n).fill(Infinity);
  const s = new Int32Array(n).fill(0x7fffffff);
  for (let i = 0; i < half.list.length; i++) {
    const seg = half.list[i];
    const j = half.links.segJourney[seg];
    if (j < 0) continue;
    const ts = segs.firstT[seg] - offsetNs[segs.node[seg]];
    if (before(ts, seg, t[j], s[j])) {
      t[j] = ts;
      s[j] = seg;
    }
  }
  return { t, s };
}
