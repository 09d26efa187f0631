// timeOrder (the pcapng export's row order) is the full sort by (time, row) however the rows arrive: captures
// contiguous or interleaved, lanes in or out of time order, equal times, few captures (head scan) or many (heap).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { CorrelationResult } from '../../main/correlate/result.ts';
import { timeOrder } from '../../main/export/order.ts';

/** Just what timeOrder reads of a result: rows' capture and time, the capture count, corrected time. */
function fakeResult(capture: number[], t: number[], ncap: number, offsets: number[]): CorrelationResult {
  const rows = { length: t.length, capture: Uint16Array.from(capture), t: Float64Array.from(t) };
  return {
    rows,
    captures: Array.from({ length: ncap }, () => ({})),
    correctedT: (r: number) => rows.t[r] - offsets[rows.capture[r]],
  } as unknown as CorrelationResult;
}

function sorted(res: CorrelationResult, corrected: boolean): number[] {
  const key = (r: number): number => (corrected ? res.correctedT(r) : res.rows.t[r]);
  return Array.from({ length: res.rows.length }, (_, r) => r).sort((a, b) => key(a) - key(b) || a - b);
}

const lanes = (maxCap: number) =>
  fc
    .record({
      ncap: fc.integer({ min: 1, max: maxCap }),
      rows: fc.array(fc.record({ c: fc.nat(), t: fc.integer({ min: 0, max: 50 }) }), { maxLength: 300 }),
      grouped: fc.boolean(),
      inOrder: fc.boolean(),
      offsets: fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 40, maxLength: 40 }),
    })
    .map(({ ncap, rows, grouped, inOrder, offsets }) => {
      let list = rows.map((x) => ({ c: x.c % ncap, t: x.t }));
      // Read file by file (contiguous captures), each file in time order, as the ingest usually gives them.
      if (grouped) list = [...list].sort((a, b) => a.c - b.c || (inOrder ? a.t - b.t : 0));
      return fakeResult(
        list.map((x) => x.c),
        list.map((x) => x.t),
        ncap,
        offsets,
      );
    });

describe('timeOrder', () => {
  for (const [name, maxCap] of [
    ['few captures (head scan)', 8],
    ['many captures (heap)', 40],
  ] as const) {
    it(`equals the full (time, row) sort: ${name}`, () => {
      fc.assert(
        fc.property(lanes(maxCap), fc.boolean(), (res, corrected) => {
          expect(Array.from(timeOrder(res, corrected))).toEqual(sorted(res, corrected));
        }),
        { numRuns: 400 },
      );
    });
  }

  it('empty captures and no rows', () => {
    expect(Array.from(timeOrder(fakeResult([], [], 3, [0, 0, 0]), false))).toEqual([]);
    expect(Array.from(timeOrder(fakeResult([2, 2, 0], [5, 1, 3], 4, [0, 0, 0, 0]), false))).toEqual([
      1, 2, 0,
    ]);
  });
});
