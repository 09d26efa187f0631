// Property tests: correlation is a function of the set of frames, not of the order the files are given in,
// nor of how live delivery chunks and interleaves them across interfaces (with incremental advance()).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Correlator } from '../../main/correlate/correlator.ts';
import { decodeFields } from '../../main/decode/index.ts';
import type { InterfaceInfo } from '../../main/correlate/ownership.ts';
import { canonical, fixtureFiles, loadLanes, type Lane } from './correlate-helpers.ts';

function run(
  lanes: Lane[],
  interfaces: InterfaceInfo[],
  reference: string,
  order: number[],
  chunks: number[],
  advanceEvery: number,
): { journeys: string[]; offsets: string } {
  const c = new Correlator({ clock: { mode: 'auto', reference } }, decodeFields);
  c.setInterfaces(interfaces);
  const caps = order.map((i) =>
    c.addCapture({ node: lanes[i].node, iface: lanes[i].iface, linkType: lanes[i].linkType }),
  );
  const pos = order.map(() => 0);
  let step = 0;
  let pushed = 0;
  // Round-robin over lanes, each time a chunk of the next size: interleaved delivery, out of order across lanes.
  for (let alive = true; alive;) {
    alive = false;
    for (let j = 0; j < order.length; j++) {
      const lane = lanes[order[j]];
      const n = chunks[step++ % chunks.length];
      for (let q = 0; q < n && pos[j] < lane.records.length; q++, pos[j]++) {
        const r = lane.records[pos[j]];
        c.pushFrame(caps[j], r.offset, r.sec, r.nsec, r.origLen, r.data);
        // Live views call snapshot() (grouping to the watermark, provisional journeys) or advance().
        if (++pushed % advanceEvery === 0) {
          if (pushed % 3 === 0) c.snapshot();
          else c.advance();
        }
      }
      if (pos[j] < lane.records.length) alive = true;
    }
  }
  const res = c.result();
  const offsets = res.clocks
    .map((x) => `${x.node}:${x.offsetNs}±${x.uncertaintyNs}:${x.method}`)
    .sort()
    .join(' ');
  return { journeys: canonical(res), offsets };
}

for (const [scenario, reference] of [
  ['flannel-vxlan', 'node-1'],
  ['kube-proxy', 'client'],
  ['calico-ipip', 'node-1'],
] as const) {
  describe(scenario, () => {
    const { lanes, interfaces } = loadLanes(fixtureFiles(scenario));
    const batch = run(
      lanes,
      interfaces,
      reference,
      lanes.map((_, i) => i),
      [1e9],
      1e9,
    );

    it('batch finds journeys', () => {
      expect(batch.journeys.length).toBeGreaterThan(5);
      expect(batch.journeys.some((j) => j.split(' > ').length >= 4)).toBe(true);
    });

    it('file order, chunking and incremental advance() do not change the journeys or clocks', () => {
      fc.assert(
        fc.property(
          fc.shuffledSubarray(
            lanes.map((_, i) => i),
            { minLength: lanes.length, maxLength: lanes.length },
          ),
          fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 1, max: 40 }),
          (order, chunks, advanceEvery) => {
            const got = run(lanes, interfaces, reference, order, chunks, advanceEvery);
            expect(got.journeys).toEqual(batch.journeys);
            expect(got.offsets).toEqual(batch.offsets);
          },
        ),
        { numRuns: 40 },
      );
    });
  });
}
