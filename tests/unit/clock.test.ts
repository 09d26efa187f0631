// Clock alignment on real captures: the lab's namespaces share one clock, so shifting one node's timestamps
// by a known amount is a known skew. The estimate must recover it within its stated uncertainty, and the
// journeys must not change.

import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkClockNodes, parseClockArgs } from '../../main/cli/clockArgs.ts';
import { HopscopeError } from '../../main/common/errors.ts';
import { ClockBounds, estimateClocks, parseOffset } from '../../main/correlate/clockSkew.ts';
import { clockLine, INCONSISTENT_HINT, manualClockWarnings } from '../../main/export/ladder.ts';
import {
  canonical,
  correlate,
  crossNodePings,
  filesIn,
  fixtureCopy,
  fixtureFiles,
  path,
  readPcap,
  shiftRecord,
} from './correlate-helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHIFTS = [37_000, -52_000, 3_000_000, -250_000_000, 2_500_000_000, -7_300_000_000];

for (const scenario of ['flannel-vxlan', 'calico-ipip', 'kube-proxy']) {
  describe(`${scenario}: shifted node clocks`, () => {
    const base = correlate(fixtureFiles(scenario));
    const baseJourneys = canonical(base);
    const [ref, other] = base.nodes;
    const baseClock = base.clocks.find((c) => c.node === other)!;

    it('the unshifted lab (one kernel clock) is estimated at 0 within the uncertainty, by traffic', () => {
      expect(base.clocks.find((c) => c.node === ref)!.method).toBe('reference');
      expect(baseClock.method).toBe('traffic');
      expect(Math.abs(baseClock.offsetNs)).toBeLessThanOrEqual(baseClock.uncertaintyNs);
      expect(baseClock.uncertaintyNs).toBeLessThan(100_000);
    });

    for (const shift of SHIFTS) {
      it(`${other} shifted by ${shift} ns: recovered within the uncertainty, journeys unchanged`, () => {
        const dir = fixtureCopy(scenario, { shift: { [other]: shift } });
        try {
          const res = correlate(filesIn(dir));
          const c = res.clocks.find((x) => x.node === other)!;
          expect(c.reference).toBe(ref);
          expect(c.method).toBe('traffic');
          expect(Math.abs(c.offsetNs - shift)).toBeLessThanOrEqual(c.uncertaintyNs);
          expect(canonical(res)).toEqual(baseJourneys);
          // Corrected times land where the unshifted ones were (within the uncertainty).
          for (let k = 0; k < Math.min(res.journeyCount, 20); k++) {
            const a = res.hops(k);
            const b = base.hops(k);
            expect(a.map((h) => `${h.node}/${h.iface}`)).toEqual(b.map((h) => `${h.node}/${h.iface}`));
            for (let i = 0; i < a.length; i++) {
              const d = Number(a[i].tNs - b[i].tNs);
              expect(Math.abs(d)).toBeLessThanOrEqual(c.uncertaintyNs + baseClock.uncertaintyNs + 1);
              if (a[i].node === other) expect(Number(a[i].tsNs - b[i].tsNs)).toBe(shift);
            }
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}

describe('clock options', () => {
  it('--reference and --clock NODE=… naming a node the captures lack are usage errors, listing the nodes', () => {
    const nodes = ['node-1', 'node-2'];
    expect(() => checkClockNodes(parseClockArgs(['node-1=1ms'], 'node-2'), nodes)).not.toThrow();
    expect(() => checkClockNodes(parseClockArgs([], 'node2'), nodes)).toThrow(
      new HopscopeError('USAGE', '--reference node2: no node node2 in these captures (node-1, node-2)'),
    );
    expect(() => checkClockNodes(parseClockArgs(['node-1=0', 'node-9=5ms']), nodes)).toThrow(
      '--clock node-9=…: no node node-9 in these captures (node-1, node-2)',
    );
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/hopscope.mjs'),
        'correlate',
        '--summary',
        '--clock',
        'node2=1ms',
        ...fixtureFiles('flannel-vxlan'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'hopscope correlate: USAGE: --clock node2=…: no node node2 in these captures (node-1, node-2)\n',
    );
    // Two outputs asked for at once is a usage error too (--summary used to win without a word).
    const both = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/hopscope.mjs'), 'correlate', '--json', '--summary', ...fixtureFiles('flannel-vxlan')],
      { encoding: 'utf8' },
    );
    expect([both.status, both.stderr]).toEqual([
      2,
      'hopscope correlate: USAGE: give one of --json and --summary\n',
    ]);
  });

  it('--clock none leaves timestamps alone and still links the journeys (within the skew window)', () => {
    const dir = fixtureCopy('flannel-vxlan', { shift: { 'node-2': 1_500_000_000 } });
    try {
      const res = correlate(filesIn(dir), { clock: { mode: 'none' } });
      expect(res.clocks.find((c) => c.node === 'node-2')!.method).toBe('none');
      const k = crossNodePings(res, 8)[0];
      const hops = res.hops(k);
      expect(hops.map((h) => h.tNs)).toEqual(hops.map((h) => h.tsNs));
      expect(path(res, k)).toHaveLength(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a manual NODE=OFFSET wins and is applied', () => {
    const res = correlate(fixtureFiles('flannel-vxlan'), {
      clock: { mode: 'auto', manual: { 'node-2': 1_000_000 } },
    });
    const c = res.clocks.find((x) => x.node === 'node-2')!;
    expect(c).toMatchObject({ method: 'manual', offsetNs: 1_000_000, uncertaintyNs: 0 });
    const k = crossNodePings(res, 8)[0];
    const h = res.hops(k).find((x) => x.node === 'node-2')!;
    expect(Number(h.tsNs - h.tNs)).toBe(1_000_000);
  });

  it('SSH probes are intersected with the traffic interval', () => {
    const res = correlate(fixtureFiles('flannel-vxlan'), {
      clock: {
        mode: 'auto',
        probes: [
          { node: 'node-1', offsetNs: 100_000, uncertaintyNs: 1_000 },
          { node: 'node-2', offsetNs: 101_000, uncertaintyNs: 1_000 },
        ],
      },
    });
    const c = res.clocks.find((x) => x.node === 'node-2')!;
    expect(c.method).toBe('traffic+ssh-probe');
    // Probe says 1000 ± 2000; traffic says ~0 ± a few µs: the intersection holds 0.
    expect(Math.abs(c.offsetNs)).toBeLessThanOrEqual(c.uncertaintyNs);
    expect(c.uncertaintyNs).toBeLessThanOrEqual(2_000);
  });

  it('bounds arithmetic: one direction is unbounded, both give the middle; chains sum uncertainties', () => {
    const b = new ClockBounds(3);
    b.add(0, 1, 0, 10_000); // 0→1: o1 - o0 <= 10 µs
    let est = estimateClocks(['a', 'b', 'c'], b, { mode: 'auto' });
    expect(est[1]).toMatchObject({ method: 'traffic-one-way', offsetNs: 10_000, uncertaintyNs: Infinity });
    b.add(1, 0, 0, 2_000); // 1→0: o0 - o1 <= 2 µs, so o1 - o0 >= -2 µs
    b.add(1, 2, 0, 5_000);
    b.add(2, 1, 0, 1_000);
    est = estimateClocks(['a', 'b', 'c'], b, { mode: 'auto' });
    expect(est[1]).toMatchObject({ method: 'traffic', offsetNs: 4_000, uncertaintyNs: 6_000 });
    expect(est[2]).toMatchObject({
      method: 'traffic',
      offsetNs: 4_000 + 2_000,
      uncertaintyNs: 6_000 + 3_000,
    });
    expect(est[0].method).toBe('reference');
  });

  it('every pair bounds the offsets, not only the links the nodes chain through', () => {
    // a–b and a–c each within ±10 µs; b and c close to each other: c − b in [4, 6] µs.
    const triangle = (): ClockBounds => {
      const b = new ClockBounds(3);
      for (const other of [1, 2]) {
        b.add(0, other, 0, 10_000);
        b.add(other, 0, 0, 10_000);
      }
      b.add(1, 2, 0, 6_000);
      b.add(2, 1, 0, -4_000);
      return b;
    };
    const b = triangle();
    const est = estimateClocks(['a', 'b', 'c'], b, { mode: 'auto' });
    // Each from a alone would be 0 ± 10 µs, c − b = 0 outside [4, 6]. b's interval is [-10, 6] (a's, and c's
    // ≤ 10 less 4), c's [-6, 10]; b goes first (as wide, listed first) to its middle, then c within [2, 4].
    expect(est[1]).toMatchObject({ method: 'traffic', offsetNs: -2_000, uncertaintyNs: 8_000 });
    expect(est[2]).toMatchObject({ method: 'traffic', offsetNs: 3_000, uncertaintyNs: 9_000 });
    // Every pair's bounds hold.
    for (const [x, y] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      const { lo, hi } = b.interval(x, y);
      const d = est[y].offsetNs - est[x].offsetNs;
      expect(d).toBeGreaterThanOrEqual(lo);
      expect(d).toBeLessThanOrEqual(hi);
    }
    // A pair whose own bounds cross (c − b ≥ 7 and ≤ 6 µs) is left out: the tree's estimate, as without it.
    b.add(2, 1, 0, -7_000);
    const crossed = estimateClocks(['a', 'b', 'c'], b, { mode: 'auto' });
    expect(crossed.slice(1).map((c) => [c.offsetNs, c.uncertaintyNs])).toEqual([
      [0, 10_000],
      [0, 10_000],
    ]);
    // No steady offsets fit that pair: both say so, and by how much their offsets miss its bounds (c − b = 0 < 7).
    expect(crossed.map((c) => c.conflict)).toEqual([
      undefined,
      { against: 'c', byNs: 7_000 },
      { against: 'b', byNs: 7_000 },
    ]);
    expect(est.map((c) => c.conflict)).toEqual([undefined, undefined, undefined]);
    // A manual offset that contradicts the traffic (b at +20 µs, outside a–b's ±10 µs) is b's alone: c keeps what
    // its own packets with a say (chained through b, the tree put it at 25 µs, outside them; it was not behind b).
    const manual = estimateClocks(['a', 'b', 'c'], triangle(), { mode: 'auto', manual: { b: 20_000 } });
    expect(manual[2]).toMatchObject({ method: 'traffic', offsetNs: 0, uncertaintyNs: 10_000 });
    expect(manual[2].conflict).toBeUndefined();
    // One inside it (b at +5 µs) is fixed, and c is set within both a's and b's bounds: [9, 10] µs (through b
    // alone, 10 ± 1 µs).
    const inside = estimateClocks(['a', 'b', 'c'], triangle(), { mode: 'auto', manual: { b: 5_000 } });
    expect(inside[2]).toMatchObject({ method: 'traffic', offsetNs: 9_500, uncertaintyNs: 500 });
  });

  describe('a drifting node with a pair outside the tree', () => {
    // b's clock gains 100 ppm on a's; a ↔ b packets take 30 µs a → b and 2 µs back (the line fitted between them
    // is 14 µs high, ± 16 µs), c is steady (a ↔ c 5 µs each way: c = 0 ± 5 µs from a). b ↔ c packets take 20 µs
    // b → c and `back` µs back: chained through c, b would be known to ± 17 µs, so the tree fits b to a alone.
    const triangle = (back: number): ClockBounds => {
      const b = new ClockBounds(3);
      const ob = (t: number): number => 1e-4 * t;
      for (let i = 0; i <= 20; i++) {
        const t = i * 0.5e9;
        b.add(0, 1, t, t + 30_000 + ob(t + 30_000)); // a → b
        b.add(1, 0, t + ob(t), t + 2_000); // b → a
        b.add(0, 2, t, t + 5_000);
        b.add(2, 0, t, t + 5_000);
        b.add(1, 2, t + ob(t), t + 20_000); // b → c
        b.add(2, 1, t, t + back + ob(t + back)); // c → b
      }
      return b;
    };

    it('its line is refitted to every pair at once', () => {
      // c − b ≥ −4 µs − 100 ppm · T: b's line at the anchor within [−2, 4] µs (a's bounds, and c's), not at the
      // 14 µs of a's alone; its rate still 100 ppm.
      const est = estimateClocks(['a', 'b', 'c'], triangle(4_000), { mode: 'auto' });
      expect(est[1].method).toBe('traffic-drift');
      expect(est[1].rate!.ppm).toBeCloseTo(100, 0);
      expect(est[1].offsetNs).toBeGreaterThanOrEqual(-2_000);
      expect(est[1].offsetNs).toBeLessThanOrEqual(4_000);
      // c, steady, within a's ± 5 µs (refitted with b's line too). The truth (0) is inside each uncertainty; no
      // pair is missed.
      expect(est[2].method).toBe('traffic');
      expect(Math.abs(est[2].offsetNs)).toBeLessThanOrEqual(5_000);
      for (const c of est.slice(1)) expect(c.uncertaintyNs).toBeGreaterThanOrEqual(Math.abs(c.offsetNs));
      expect(est.map((c) => c.conflict)).toEqual([undefined, undefined, undefined]);
    });

    it('when only moving b and c together fits them, both move', () => {
      // c → b packets "arrive" 3 µs before they left: b ↔ c give c − b in [3, 20] µs (less 100 ppm · T), b within
      // 8.5 µs of −11.5 µs with c at a's middle, tighter through c than a's ± 16 µs, so the tree fits b's line to c;
      // a's bounds want b in [−2, 30] µs. Refitted one at a time, neither moves (b fits only with c above 1 µs, and
      // c has no reason to move while b stays): a conflict of 9.5 µs. Fitted at once: b at about −0.7 µs and c at
      // 3.7 µs, every pair's bounds 1.3 µs inside (c − b ≥ 3, b ≥ −2, c ≤ 5 less the margin thrice).
      const est = estimateClocks(['a', 'b', 'c'], triangle(-3_000), { mode: 'auto' });
      expect(est.map((c) => c.method)).toEqual(['reference', 'traffic-drift', 'traffic']);
      expect(est[1].offsetNs).toBeCloseTo(-2_000 / 3, -1);
      expect(est[1].rate!.ppm).toBeCloseTo(100, 0);
      expect(est[2].offsetNs).toBeCloseTo(11_000 / 3, -1);
      expect(est.map((c) => c.conflict)).toEqual([undefined, undefined, undefined]);
      // The uncertainties are what the bounds allow, from the fitted values: b's line within [−2, 2] µs at any time
      // (a's −2; c − 3, c ≤ 5), c within [1, 5] µs (b + 3, b ≥ −2; a's 5): 8/3 µs each way at most; b's rate
      // within 4 µs over the 10 s of bounds of 100 ppm, 0.4 ppm (the previous bands plus how far the lines moved
      // measured 24.3 and 8.7 µs, 1.7 ppm). The truth (0) is outside c's: these c → b packets arrived before they left.
      expect(est[1].uncertaintyNs).toBeCloseTo(8_000 / 3, -1);
      expect(est[2].uncertaintyNs).toBeCloseTo(8_000 / 3, -1);
      expect(est[1].rate!.ppmUncertainty).toBeCloseTo(0.4, 2);
    });

    it('when no line fits them, the clocks say so', () => {
      // c → b packets "arrive" 12 µs before they left: b ↔ c give c − b in [12, 20] µs (less 100 ppm · T), b within
      // 9 µs of −16 µs, tighter through c than a's ± 16 µs, so the tree fits b's line to c; a's bounds want b in
      // [−2, 30] µs, and with c ≤ 5 µs, b ≤ −7 µs. No lines fit all three pairs: the tree's stay, and b says a's
      // packets contradict it.
      const est = estimateClocks(['a', 'b', 'c'], triangle(-12_000), { mode: 'auto' });
      expect(est[1]).toMatchObject({ method: 'traffic-drift', offsetNs: expect.closeTo(-16_000, -1) });
      expect(est[2]).toMatchObject({ method: 'traffic', offsetNs: expect.closeTo(0, -1) });
      expect(est.map((c) => c.conflict)).toEqual([
        undefined,
        { against: 'a', byNs: expect.closeTo(14_000, -1) },
        undefined,
      ]);
      expect(clockLine(est[1])).toContain(
        'ppm), corrected along the capture; the offset shown is the one at the first packets across nodes; the ' +
          'packets between b and a contradict these clocks by 14.0 µs, so hops between them may show latencies ' +
          'off by as much',
      );
    });
  });

  it('a manual offset anchors the nodes behind it, and is shown and checked against the traffic', () => {
    // a → b → c, with traffic each way on both links: b - a in [-2, 10] µs, c - b in [-1, 5] µs.
    const b = new ClockBounds(3);
    b.add(0, 1, 0, 10_000);
    b.add(1, 0, 0, 2_000);
    b.add(1, 2, 0, 5_000);
    b.add(2, 1, 0, 1_000);
    // b set by hand: c chains through it (b's 30 µs plus the b → c link), not through b's traffic estimate.
    const est = estimateClocks(['a', 'b', 'c'], b, { mode: 'auto', manual: { b: 30_000 } });
    expect(est[1]).toMatchObject({ method: 'manual', offsetNs: 30_000, uncertaintyNs: 0 });
    expect(est[1].traffic).toEqual({ offsetNs: 4_000, uncertaintyNs: 6_000 });
    expect(est[2]).toMatchObject({ method: 'traffic', offsetNs: 30_000 + 2_000, uncertaintyNs: 3_000 });
    expect(clockLine(est[1])).toBe(
      'clock b: +30.0 µs ± 0 ns vs a (manual; the traffic says +4.0 µs ± 6.0 µs)',
    );
    // 30 µs is outside [-2, 10] µs: a warning says so; 9 µs is inside: none.
    expect(manualClockWarnings(est)).toEqual([
      "b's offset +30.0 µs (--clock) is outside what the traffic says, +4.0 µs ± 6.0 µs: hops to and from b " +
        'may show negative latencies or not be linked',
    ]);
    expect(
      manualClockWarnings(estimateClocks(['a', 'b', 'c'], b, { mode: 'auto', manual: { b: 9_000 } })),
    ).toEqual([]);
    // No traffic at all: nothing to show or check.
    const alone = estimateClocks(['a', 'b'], new ClockBounds(2), { mode: 'auto', manual: { b: 30_000 } });
    expect(alone[1].traffic).toBeUndefined();
    expect(manualClockWarnings(alone)).toEqual([]);
  });

  it('ens33 captures alone, without interface lists: the clock line says the direction is unknown, not "no packet"', () => {
    // flannel-vxlan's two ens33 files only (inner TTLs equal on both, no ip-link/ip-addr files): the packets are
    // linked across the nodes (within ±10 s), but nothing orders them, so no bound.
    const dir = fixtureCopy('flannel-vxlan', { shift: { 'node-2': 2_000_000_000 } });
    try {
      for (const f of readdirSync(dir)) if (!f.endsWith('__ens33.pcap')) rmSync(join(dir, f));
      const res = correlate(filesIn(dir));
      const c = res.clocks.find((x) => x.node === 'node-2')!;
      expect(c.method).toBe('none');
      expect(crossNodePings(res, 8).length).toBeGreaterThan(0);
      expect(c.undirected).toBeGreaterThan(0);
      expect(clockLine(c)).toContain(
        `not corrected: ${c.undirected} packets seen on both, but nothing says which way they went`,
      );
      // With the interface lists beside them, the same packets bound the offset.
      const all = fixtureCopy('flannel-vxlan', { shift: { 'node-2': 2_000_000_000 } });
      try {
        expect(correlate(filesIn(all)).clocks.find((x) => x.node === 'node-2')!.method).toBe('traffic');
      } finally {
        rmSync(all, { recursive: true, force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('crossed bounds are traffic-inconsistent, and the clock line says what that means', () => {
    const b = new ClockBounds(2);
    b.add(0, 1, 0, 1_000); // o1 - o0 <= 1 µs (at 1 µs)
    b.add(1, 0, 0, -3_000); // o0 - o1 <= -3 µs, so o1 - o0 >= 3 µs (at -3 µs): the bounds cross
    const [ref, est] = estimateClocks(['node-1', 'node-2'], b, { mode: 'auto' });
    expect(est).toMatchObject({ method: 'traffic-inconsistent', offsetNs: 2_000, uncertaintyNs: 1_000 });
    // 2 µs within 2 µs (the second packet's time on node-2's clock: -3 µs + the 2 µs offset) is no clock drift.
    expect(est.drift).toEqual({ against: 'node-1', movedNs: -2_000, overNs: 2_000 });
    expect(clockLine(est)).toBe(
      'clock node-2: +2.0 µs ± 1.0 µs vs node-1 (traffic-inconsistent, 2 packets: the bounds from the two ' +
        'directions cross by 2.0 µs within 2.0 µs, faster than clocks drift: a packet was likely linked to the ' +
        'wrong journey; --clock node-2=OFFSET sets the offset)',
    );
    expect(clockLine({ ...est, drift: undefined })).toContain(INCONSISTENT_HINT);
    // Under a microsecond (timestamps cut to µs cross by that much): inconsistent, with no drift to tell of.
    const fine = new ClockBounds(2);
    fine.add(0, 1, 0, 1_000);
    fine.add(1, 0, 0, -1_600);
    const [, close] = estimateClocks(['node-1', 'node-2'], fine, { mode: 'auto' });
    expect(close.method).toBe('traffic-inconsistent');
    expect(close.drift).toBeUndefined();
    expect(INCONSISTENT_HINT).toMatch(/^the bounds from the two directions cross: the clocks drifted apart/);
    expect(clockLine(ref)).toBe('clock node-1: reference');
  });

  it.each([
    [300, 0],
    [-300, 0],
    [300, 3e9],
    [300, -3e9],
    [300, 410e6],
  ])(
    'a clock drifting %d ppm, %d ns off, over the 0.7 s capture: a drift, how fast, in the line and the JSON',
    (ppm, off) => {
      // node-2's timestamps drift from node-1's by `ppm` over the capture (0.7 s): the bounds cross, a line fits.
      // (The steadier 20 s recording in clock-drift.test.ts checks every corrected time.)
      const first = (f: string) => readPcap(f).records[0];
      const t0 = first(fixtureFiles('flannel-vxlan')[0]);
      const base = BigInt(t0.sec) * 1_000_000_000n + BigInt(t0.nsec);
      const dir = fixtureCopy('flannel-vxlan', {
        transform: (f, records) =>
          f.startsWith('node-2')
            ? records.map((r) => {
                const t = BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) - base;
                return shiftRecord(r, off + Math.round(Number(t) * ppm * 1e-6));
              })
            : records,
      });
      try {
        const c = correlate(filesIn(dir)).clocks.find((x) => x.node === 'node-2')!;
        expect(c.method).toBe('traffic-drift');
        expect(c.drift).toBeUndefined();
        // Within 10 %: three pings' µs-wide bounds over 0.4 s leave room for other slopes.
        expect(Math.abs(c.rate!.ppm - ppm)).toBeLessThan(30);
        expect(clockLine(c)).toMatch(
          new RegExp(
            `\\(traffic-drift, \\d+ packets: node-2's clock ${ppm > 0 ? 'gains' : 'loses'} [\\d.]+ µs a second on ` +
              "node-1's \\(\\d+\\.\\d+ ± \\d+\\.\\d+ ppm\\), corrected along the capture",
          ),
        );
        // The JSON export says it too, as numbers.
        const json = spawnSync('node', [join(ROOT, 'bin/hopscope.mjs'), 'correlate', '--json', dir], {
          encoding: 'utf8',
        });
        const clocks = JSON.parse(json.stdout).clocks as { node: string; drift: unknown; rate: unknown }[];
        expect(clocks.find((x) => x.node === 'node-1')).toMatchObject({ drift: null, rate: null });
        const rate = clocks.find((x) => x.node === 'node-2')!.rate as { ppm: number; atNs: string };
        expect(rate.ppm).toBeCloseTo(c.rate!.ppm, 3);
        expect(BigInt(rate.atNs) >= base).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('an offset is written to the digit its uncertainty leaves known', () => {
    const est = (offsetNs: number, uncertaintyNs: number) =>
      clockLine({ node: 'b', reference: 'a', offsetNs, uncertaintyNs, method: 'traffic', samples: 3 });
    // "+9.96 ms ± 907 ns" hid the µs the estimate knows.
    expect(est(9_960_128, 907)).toBe('clock b: +9.9601 ms ± 907 ns vs a (traffic, 3 packets)');
    expect(est(-3_000_057, 810)).toBe('clock b: -3.0001 ms ± 810 ns vs a (traffic, 3 packets)');
    expect(est(2_500_000_000, 4_000)).toBe('clock b: +2.500000 s ± 4.0 µs vs a (traffic, 3 packets)');
    // As before when the uncertainty is as coarse as the unit's usual digits.
    expect(est(9_960_128, 50_000)).toBe('clock b: +9.96 ms ± 50.0 µs vs a (traffic, 3 packets)');
    expect(est(4_189, 23_189)).toBe('clock b: +4.2 µs ± 23.2 µs vs a (traffic, 3 packets)');
  });

  it('parses offsets with units', () => {
    expect(parseOffset('-1.5ms')).toBe(-1_500_000);
    expect(parseOffset('2s')).toBe(2_000_000_000);
    expect(parseOffset('250us')).toBe(250_000);
    expect(parseOffset('42')).toBe(42);
    expect(parseOffset('x')).toBeNull();
  });
});
