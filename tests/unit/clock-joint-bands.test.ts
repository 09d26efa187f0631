// The joint clock fit's uncertainties (fitLinesJointly): what every pair's bounds allow each node's offset and rate,
// on synthetic bounds from known clocks (each packet's times on its two nodes' clocks, its flight causal), so the
// truth is known and inside every band whenever the bands are honest.

import { describe, expect, it } from 'vitest';

import { ClockBounds, estimateClocks } from '../../main/correlate/clockSkew.ts';

import { errorNs, seeded, send, stuckSet, triangle } from './clock-helpers.ts';

describe('the joint fit’s uncertainties: what the bounds allow', () => {
  it('a drifting node and a steady one that fit only together: ± 2 µs and ± 0.2 ppm, not ± 21 µs and ± 2.2 ppm', () => {
    // b gains 100 ppm; every clock is on time at 0. Fitted link by link: b's line in the middle of a's [−21, 1] µs
    // (−10 ± 11: a line tilted from one side to the other stays inside), c at 10 ± 11 µs, b − c = −20 µs outside
    // its [−1, 1]; one at a time, neither moves (b fits only with c ≤ 2 µs, c only with b ≥ −2 µs).
    const truth = [
      { c: 0, r: 0 },
      { c: 0, r: 1e-4 },
      { c: 0, r: 0 },
    ];
    const bounds = new ClockBounds(3);
    for (let i = 0; i <= 20; i++) triangle(bounds, truth, [0, 1, 2], i * 0.5e9);
    const [, b, c] = estimateClocks(['a', 'b', 'c'], bounds, { mode: 'auto' });
    expect([b.method, c.method, b.conflict, c.conflict]).toEqual([
      'traffic-drift',
      'traffic',
      undefined,
      undefined,
    ]);
    // Fitted at once, the common margin is 1 µs at most (1 − b, c + 1 and b − c + 1 sum to 3), and only the truth
    // has it: b's line on 100 ppm through 0, c at 0.
    expect(errorNs(b, truth[1])).toBeLessThan(10);
    expect(Math.abs(c.offsetNs)).toBeLessThan(10);
    // The bounds allow b within [−2, 1] µs at any time (a's ≤ 1; ≥ c − 1 ≥ −2), c within [−1, 2] µs (≥ −1;
    // ≤ b + 1 ≤ 2): 2 µs from the fitted values at most (half the ranges, 1.5 µs, would leave b at −2 outside).
    // Before, each was the tree's 11 µs plus the 10 µs its line moved: 21 µs.
    expect(b.uncertaintyNs).toBeCloseTo(2_000, -1);
    expect(c.uncertaintyNs).toBeCloseTo(2_000, -1);
    // b's line may tilt by 2 µs over the 10 s of bounds (from b ≥ c − 1 to b ≤ min(1, c + 1)): 0.2 ppm. Before, a's
    // alone: 22 µs over 10 s.
    expect(b.rate!.ppmUncertainty).toBeCloseTo(0.2, 3);
    expect(Math.abs(b.rate!.ppm - 100)).toBeLessThanOrEqual(b.rate!.ppmUncertainty);
  });

  it('the truth is inside every band, whatever the flights (random triangles, each stuck one node at a time)', () => {
    let fitted = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = seeded(seed);
      const truth = [
        { c: 0, r: 0 },
        { c: (rnd() - 0.5) * 2e9, r: (rnd() < 0.5 ? -1 : 1) * (20 + rnd() * 200) * 1e-6 },
        { c: (rnd() - 0.5) * 2e9, r: 0 },
      ];
      // Flights: a → b, c → a and b ↔ c short (0.5 to 3 µs), b → a and a → c long (15 to 40 µs), plus queueing.
      const short = Array.from({ length: 4 }, () => 500 + rnd() * 2_500);
      const long = Array.from({ length: 2 }, () => 15_000 + rnd() * 25_000);
      const bounds = new ClockBounds(3);
      for (let i = 0; i <= 20; i++) {
        const s = i * 0.5e9 + rnd() * 1e8;
        const q = () => rnd() * rnd() * 5_000;
        send(bounds, truth, 0, 1, s, short[0] + q());
        send(bounds, truth, 1, 0, s, long[0] + q());
        send(bounds, truth, 0, 2, s, long[1] + q());
        send(bounds, truth, 2, 0, s, short[1] + q());
        send(bounds, truth, 1, 2, s, short[2] + q());
        send(bounds, truth, 2, 1, s, short[3] + q());
      }
      const est = estimateClocks(['a', 'b', 'c'], bounds, { mode: 'auto' });
      for (const i of [1, 2]) {
        expect(est[i].conflict).toBeUndefined();
        expect(errorNs(est[i], truth[i])).toBeLessThanOrEqual(est[i].uncertaintyNs);
      }
      const rate = est[1].rate!;
      expect(Math.abs(rate.ppm - truth[1].r * 1e6)).toBeLessThanOrEqual(rate.ppmUncertainty);
      // Narrower than the long flights leave b from a alone: the joint fit's bands.
      if (est[1].uncertaintyNs < long[0] / 2) fitted++;
    }
    expect(fitted).toBeGreaterThanOrEqual(30);
  });

  it('16 nodes: every band within what the bounds allow, around the truth', () => {
    for (const seed of [12, 13]) {
      const { nodes, bounds, truth } = stuckSet(7, seed);
      const est = estimateClocks(nodes, bounds, { mode: 'auto' });
      for (let i = 1; i < nodes.length; i++) {
        expect(est[i].conflict).toBeUndefined();
        expect(errorNs(est[i], truth[i])).toBeLessThanOrEqual(est[i].uncertaintyNs);
      }
      // Each triangle with up to 0.3 µs more on each flight: b within [−2.6, 1.3] µs, c within [−1.3, 2.6] µs, so
      // no band is wider than 3.9 µs (before: 21 µs and more).
      for (let i = 1; i < nodes.length - 1; i++) expect(est[i].uncertaintyNs).toBeLessThanOrEqual(3_900);
    }
  });

  it('past the work it may take (24 nodes), each node keeps the band it had plus how far its line moved', () => {
    const { nodes, bounds, truth } = stuckSet(11, 12);
    const est = estimateClocks(nodes, bounds, { mode: 'auto' });
    for (let i = 1; i < nodes.length; i++) {
      expect(est[i].conflict).toBeUndefined();
      expect(errorNs(est[i], truth[i])).toBeLessThanOrEqual(est[i].uncertaintyNs);
    }
    // Each triangle's nodes had a's 11 µs (and more: the flights' jitter) before the fit moved them.
    for (let i = 1; i < nodes.length - 1; i++) expect(est[i].uncertaintyNs).toBeGreaterThanOrEqual(11_000);
  });
});
