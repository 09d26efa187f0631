// The correlator's pending rows per capture (RowRuns: runs of row indices with a cursor) against a plain list
// model, and a lane delivered out of time order (sorted before grouping) giving the batch journeys.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { RowRuns } from '../../main/correlate/columns.ts';
import { Correlator } from '../../main/correlate/correlator.ts';
import { decodeFields } from '../../main/decode/index.ts';
import { canonical, correlate, fixtureFiles, loadLanes } from './correlate-helpers.ts';

/** Takes up to n pending rows the way Correlator.groupNode walks them (run by run, then stores the cursor). */
function consume(p: RowRuns, n: number): number[] {
  const out: number[] = [];
  let run = p.head;
  let at = p.at;
  while (out.length < n && run < p.count) {
    out.push(at);
    at++;
    if (at === p.end[run]) {
      run++;
      if (run < p.count) at = p.start[run];
    }
  }
  p.head = run;
  if (run < p.count) p.at = at;
  p.compact();
  return out;
}

describe('RowRuns', () => {
  it('hands out exactly the pushed rows in order, across pushes, partial takes, compaction and re-sorting', () => {
    type Op = { push: number } | { take: number } | { resort: true };
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ take: fc.integer({ min: 0, max: 60 }) }),
      fc.constant({ resort: true as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 0, max: 3 }), (ops: Op[], gap) => {
        const p = new RowRuns();
        let model: number[] = [];
        let next = 0;
        for (const o of ops) {
          if ('push' in o) {
            // Rows of one capture: increasing, consecutive within a chunk, other captures' rows between chunks.
            for (let i = 0; i < o.push; i++) {
              p.push(next);
              model.push(next++);
            }
            next += gap;
          } else if ('take' in o) {
            const got = consume(p, o.take);
            expect(got).toEqual(model.slice(0, got.length));
            expect(got.length).toBe(Math.min(o.take, model.length));
            model = model.slice(got.length);
          } else {
            // What sortPending does when a lane is out of order: the pending rows replaced by a new order.
            const rows = Array.from(p.pendingRows()).reverse();
            p.setPending(rows);
            model = rows;
          }
          expect(Array.from(p.pendingRows())).toEqual(model);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a batch lane as one run', () => {
    const p = new RowRuns();
    for (let i = 1000; i < 200_000; i++) p.push(i);
    expect(p.count).toBe(1);
    expect(consume(p, 5)).toEqual([1000, 1001, 1002, 1003, 1004]);
    p.push(200_000);
    expect(p.count).toBe(1);
  });
});

describe('a lane delivered out of time order', () => {
  it('is sorted before grouping: the same journeys as the batch (flannel-vxlan)', () => {
    const files = fixtureFiles('flannel-vxlan');
    const batch = canonical(correlate(files));
    const { lanes, interfaces } = loadLanes(files);
    const c = new Correlator({}, decodeFields);
    c.setInterfaces(interfaces);
    let reversed = 0;
    // Each row's record number, as pushed (its row order is not the file's).
    const record: number[] = [];
    for (const lane of lanes) {
      const recs = lane.records;
      const cap = c.addCapture({ node: lane.node, iface: lane.iface, linkType: lane.linkType });
      // Blocks of 3 records, each block reversed: the lane's rows are not in time order.
      for (let b = 0; b < recs.length; b += 3) {
        const block = recs.slice(b, b + 3).reverse();
        if (block.length > 1) reversed++;
        for (const r of block) record[c.pushFrame(cap, r.offset, r.sec, r.nsec, r.origLen, r.data)] = r.index;
      }
    }
    expect(reversed).toBeGreaterThan(10);
    expect(canonical(c.result(), record)).toEqual(batch);
  });
});
