// The linker's key table forgets journeys out of reach (WindowedKeyTable's rehash). Segments are linked in order
// of their first time, but a journey's last time is its newest segment's last: a journey must be forgotten only
// once it is out of reach of the segment being linked, or the result would depend on when the table happens to
// rehash (how many unrelated journeys came before).

import { describe, expect, it } from 'vitest';

import { NodeClocks } from '../../main/correlate/clockSkew.ts';
import { linkSegments } from '../../main/correlate/linker.ts';
import { ObservationTable } from '../../main/correlate/observations.ts';
import { Ownership } from '../../main/correlate/ownership.ts';
import { SegmentTable } from '../../main/correlate/segments.ts';

const MS = 1e6;
const W = 100 * MS; // maxSkewNs: the pre-pass reach

interface Seg {
  node: number;
  first: number;
  last: number;
  key: number;
}

function table(list: Seg[]): SegmentTable {
  const segs = new SegmentTable(Math.max(1024, list.length));
  list.forEach((s, i) => {
    segs.node[i] = s.node;
    segs.firstT[i] = s.first;
    segs.lastT[i] = s.last;
    segs.keyHi[i] = s.key;
    segs.keyLo[i] = s.key * 7 + 1;
    segs.firstObs[i] = -1;
  });
  segs.length = list.length;
  return segs;
}

/** The journey of segment `a` and of segment `b` in a pre-pass-like link (unknown clocks: W's reach). */
function linkedTogether(list: Seg[], a: number, b: number): boolean {
  const links = linkSegments(new ObservationTable(16), table(list), new Ownership([], () => -1), {
    clock: new NodeClocks(new Float64Array(2)),
    uncertaintyNs: new Float64Array(2).fill(Infinity),
    crossWindowNs: 5 * MS,
    maxSkewNs: W,
    pathOrder: false,
  });
  return links.segJourney[a] === links.segJourney[b];
}

describe('linkSegments', () => {
  it('links a same-key segment within reach whatever the number of unrelated journeys before it', () => {
    // X on node 1 at 0; S on node 0 at 97 ms, same key: 97 ms apart, within the 100 ms reach.
    const x: Seg = { node: 1, first: 0, last: 0, key: 42 };
    const s: Seg = { node: 0, first: 97 * MS, last: 97 * MS, key: 42 };
    expect(linkedTogether([x, s], 0, 1)).toBe(true);
    // The same with n unrelated journeys in between, the last of them a segment from 96 to 110 ms (a packet seen
    // on its node for 14 ms). Whenever the table rehashes as that one is added, its "now" must not be 110 ms: X
    // is still within reach of S. Every n up to 1,200 (rehashes at 513 journeys, and later ones as it grows).
    const missed: number[] = [];
    for (let n = 1; n <= 1200; n++) {
      const between: Seg[] = Array.from({ length: n }, (_, i) => ({
        node: 0,
        first: ((i + 1) * 95 * MS) / (n + 1),
        last: ((i + 1) * 95 * MS) / (n + 1),
        key: 1000 + i,
      }));
      between[n - 1] = { node: 0, first: 96 * MS, last: 110 * MS, key: 999 };
      const list = [x, ...between, s];
      if (!linkedTogether(list, 0, list.length - 1)) missed.push(n);
    }
    expect(missed).toEqual([]);
  });
});
