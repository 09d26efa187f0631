// The bounded live window (main/correlate/window.ts): frames streamed lane by lane in chunks, grouped up to a
// watermark and linked through a LinkWindow after every chunk, end with the journeys, flows, hop names and clocks
// of a batch correlation of the same frames, while each snapshot relinks only the recent segments (frozen
// journeys stay). Inputs: the lab fixtures (real captures) with short windows so that they freeze at all;
// the flannel-vxlan capture replayed at random shifts (keys repeat within and just outside the windows), where
// the window may keep fewer clock samples than the batch but never more, and both must contain the true offset;
// the same copies with distinct payloads (same keys, other tails: they must neither hold a cut back nor cost a
// clock bound); and a generated two-node VXLAN path (bench/generate.ts, 1.5 s of traffic) with the default
// windows scaled down.

import { rmSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { Correlator, type CorrelateOptions } from '../../main/correlate/correlator.ts';
import type { CorrelationResult } from '../../main/correlate/result.ts';
import { LinkWindow } from '../../main/correlate/window.ts';
import type { InterfaceInfo } from '../../main/correlate/ownership.ts';
import { decodeFields } from '../../main/decode/index.ts';
import {
  canonical,
  filesIn,
  fixtureFiles,
  laneOrdinals,
  loadLanes,
  nodeMovedCopy,
  type Lane,
} from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

interface Outcome {
  journeys: string[];
  flows: string[];
  clocks: string;
  clockList: CorrelationResult['clocks'];
  /** Per journey: its hops' Ethernet headers with the names of the MACs (pods learned from the traffic). */
  macs: string[];
  /** Journeys whose cross-node match had a rival: how many, and their hop lists. */
  ambiguous: number;
  ambiguousJourneys: Set<string>;
  /** Per snapshot: segments relinked, and journeys frozen by then (cuts forced past the stall limit). */
  linked: number[];
  frozen: number;
  forcedCuts: number;
  /** Windowed runs: the most rows whose keys were dropped while later rows still waited to be grouped. */
  keysDropped?: number;
}

/** Flows as sets of journeys (each journey by its canonical hop list), sorted: independent of numbering. */
function flowSets(res: CorrelationResult, record: ArrayLike<number>): string[] {
  const names = canonicalByK(res, record);
  const sets = new Map<number, string[]>();
  for (let k = 0; k < res.journeyCount; k++) {
    const f = res.flowOf[k];
    if (!sets.has(f)) sets.set(f, []);
    sets.get(f)!.push(names[k]);
  }
  expect(sets.size).toBe(res.flowCount);
  // Flows are numbered by their first journey.
  for (let f = 0; f < res.flowCount; f++) expect(res.flowOf[res.flowFirst[f]]).toBe(f);
  for (let k = 1; k < res.journeyCount; k++)
    expect(res.flowOf[k]).toBeLessThanOrEqual(maxFlowBefore(res, k) + 1);
  return [...sets.values()].map((s) => s.sort().join(' | ')).sort();
}

function maxFlowBefore(res: CorrelationResult, k: number): number {
  let m = -1;
  for (let i = 0; i < k; i++) if (res.flowOf[i] > m) m = res.flowOf[i];
  return m;
}

/** Journeys by number as hop lanes and record numbers (`record`: each row's, as the test pushed it). */
function canonicalByK(res: CorrelationResult, record: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let k = 0; k < res.journeyCount; k++) {
    out.push(
      res
        .journeyRows(k)
        .map(
          (r) =>
            `${res.captures[res.rows.capture[r]].node}/${res.captures[res.rows.capture[r]].iface}#${record[r]}`,
        )
        .join(' > '),
    );
  }
  return out;
}

function clocksOf(res: CorrelationResult): string {
  return res.clocks
    .map((x) => `${x.node}:${x.offsetNs}±${x.uncertaintyNs}:${x.method}:${x.samples}`)
    .sort()
    .join(' ');
}

function outcome(
  res: CorrelationResult,
  record: ArrayLike<number>,
  linked: number[],
  frozen: number,
  forcedCuts = 0,
): Outcome {
  const names = canonicalByK(res, record);
  const ambiguousJourneys = new Set<string>();
  for (let k = 0; k < res.journeyCount; k++) if (res.journeyAmbiguous(k)) ambiguousJourneys.add(names[k]);
  const macs: string[] = [];
  for (let k = 0; k < res.journeyCount; k++)
    macs.push(
      `${names[k]}: ${res
        .hops(k)
        .map((h) => JSON.stringify(h.eth))
        .join(' ')}`,
    );
  return {
    journeys: canonical(res, record),
    flows: flowSets(res, record),
    clocks: clocksOf(res),
    clockList: res.clocks,
    macs: macs.sort(),
    ambiguous: ambiguousJourneys.size,
    ambiguousJourneys,
    linked,
    frozen,
    forcedCuts,
  };
}

/**
 * The window's outcome is the batch's, or, once it forced a cut: a journey it did not mark ambiguous is the batch's,
 * a batch journey it does not have is made of rows of journeys it marked ambiguous, what the batch found ambiguous
 * it did too, and journeys in both have the same hop names.
 */
function expectBatchOrMarked(got: Outcome, want: Outcome): void {
  if (got.forcedCuts === 0) {
    expect(got.journeys).toEqual(want.journeys);
    expect(got.flows).toEqual(want.flows);
    expect(got.macs).toEqual(want.macs);
    return;
  }
  const live = new Set(got.journeys);
  const batchJourneys = new Set(want.journeys);
  const inAmbiguous = new Set([...got.ambiguousJourneys].flatMap((j) => j.split(' > ')));
  for (const j of got.journeys) if (!batchJourneys.has(j)) expect(got.ambiguousJourneys.has(j), j).toBe(true);
  for (const j of want.journeys) {
    if (live.has(j)) continue;
    for (const row of j.split(' > ')) expect(inAmbiguous.has(row), `${row} of ${j}`).toBe(true);
  }
  for (const j of want.ambiguousJourneys) if (live.has(j)) expect(got.ambiguousJourneys.has(j), j).toBe(true);
  const liveMacs = new Set(got.macs);
  for (const m of want.macs) if (live.has(m.slice(0, m.indexOf(': ')))) expect(liveMacs.has(m), m).toBe(true);
}

function correlator(lanes: Lane[], interfaces: InterfaceInfo[], opts: CorrelateOptions, order: number[]) {
  const c = new Correlator(opts, decodeFields);
  c.setInterfaces(interfaces);
  const caps = order.map((i) =>
    c.addCapture({ node: lanes[i].node, iface: lanes[i].iface, linkType: lanes[i].linkType }),
  );
  return { c, caps };
}

function batch(lanes: Lane[], interfaces: InterfaceInfo[], opts: CorrelateOptions): Outcome {
  const order = lanes.map((_, i) => i);
  const { c, caps } = correlator(lanes, interfaces, opts, order);
  const record: number[] = [];
  order.forEach((i, j) => {
    for (const r of lanes[i].records)
      record[c.pushFrame(caps[j], r.offset, r.sec, r.nsec, r.origLen, r.data)] = r.index;
  });
  const res = c.result();
  return outcome(res, record, [], 0);
}

/**
 * Live-like: lanes in `order`, round robin, `chunk` records of a lane at a time; after every `every` pushes
 * the rows every lane has delivered are grouped and linked through the window. `perNode`: each node grouped up
 * to what its own lanes delivered (advance()'s default), so one node runs ahead of another.
 */
function windowed(
  lanes: Lane[],
  interfaces: InterfaceInfo[],
  opts: CorrelateOptions,
  order: number[],
  chunk: number,
  every: number,
  perNode = false,
): Outcome {
  const { c, caps } = correlator(lanes, interfaces, opts, order);
  const win = new LinkWindow();
  const record: number[] = [];
  const linked: number[] = [];
  const pos = order.map(() => 0);
  let pushed = 0;
  let keysDropped = 0;
  for (let alive = true; alive;) {
    alive = false;
    for (let j = 0; j < order.length; j++) {
      const lane = lanes[order[j]];
      for (let q = 0; q < chunk && pos[j] < lane.records.length; q++, pos[j]++) {
        const r = lane.records[pos[j]];
        record[c.pushFrame(caps[j], r.offset, r.sec, r.nsec, r.origLen, r.data)] = r.index;
        if (++pushed % every === 0) {
          // The watermark: what every lane still delivering has delivered (nodes share one clock here).
          const w = c.nodes.map(() => Infinity);
          for (let x = 0; x < order.length; x++) {
            const delivered = x === j ? pos[x] + 1 : pos[x]; // (pos[j] moves on after this push)
            const recs = lanes[order[x]].records;
            if (delivered >= recs.length) continue;
            const n = c.nodeOf(caps[x]);
            // A lane that has delivered nothing yet holds its node back.
            const t =
              delivered === 0
                ? -Infinity
                : (recs[delivered - 1].sec - c.baseSec!) * 1e9 + recs[delivered - 1].nsec;
            w[n] = Math.min(w[n], t);
          }
          const all = Math.min(...w);
          if (!perNode) w.fill(all);
          if (all === -Infinity || Math.max(...w) === Infinity) continue;
          c.advance(w);
          // Grouped rows' keys dropped while others still wait (ObservationTable.compactKeys).
          if (c.firstPendingRow() < c.obs.length) keysDropped = Math.max(keysDropped, c.obs.keyBase);
          win.link(c, w, true);
          linked.push(win.stats.linkedSegments);
        }
      }
      if (pos[j] < lane.records.length) alive = true;
    }
  }
  c.advance(Infinity);
  const res = win.link(c, Infinity, false);
  return { ...outcome(res, record, linked, win.frozen, win.stats.forcedCuts), keysDropped };
}

/** A batch run of `rl` and a windowed one (lanes in file order; windowed()'s chunk, every and perNode). */
function batchAndWindowed(
  rl: Lane[],
  interfaces: InterfaceInfo[],
  opts: CorrelateOptions,
  chunk: number,
  every: number,
  perNode = false,
): { want: Outcome; got: Outcome } {
  const want = batch(rl, interfaces, opts);
  const got = windowed(
    rl,
    interfaces,
    opts,
    rl.map((_, i) => i),
    chunk,
    every,
    perNode,
  );
  return { want, got };
}

/**
 * Replayed flannel-vxlan lanes (record index = copy × 1000 + original) with each copy's ICMP payload changed in
 * its first byte, the start of what the tail hash covers: same keys, other tails. The pings' frames (98 bytes,
 * 148 in VXLAN) end with ping's default 56-byte payload. Left out: each lane's TCP segment without payload
 * (nothing of it could differ); ARP is never a journey.
 */
function distinctPayloads(lanes: Lane[]): Lane[] {
  const ICMP_ECHO_PAYLOAD = 56;
  const isArp = (d: Uint8Array) => d.length >= 14 && ((d[12] << 8) | d[13]) === 0x0806;
  return lanes.map((lane) => ({
    ...lane,
    records: lane.records
      .filter((r) => r.data.length >= 98 || isArp(r.data))
      .map((r) => {
        const data = Uint8Array.from(r.data);
        if (!isArp(data)) data[data.length - ICMP_ECHO_PAYLOAD] ^= 1 + Math.floor(r.index / 1000);
        return { ...r, data };
      }),
  }));
}

describe('LinkWindow on the lab fixtures', () => {
  // Short windows (the fixtures last under a second; one clock for every namespace).
  const opts: CorrelateOptions = { maxSkewNs: 20e6, crossWindowNs: 5e6 };
  for (const [scenario, reference] of [
    ['flannel-vxlan', 'node-1'],
    ['kube-proxy', 'client'],
    ['calico-ipip', 'node-1'],
    // Flows that only the window's order of journeys tells: ICMP errors in their quoted packets' flows, and a
    // client port reused by three connections.
    ['router-errors', 'router-errors'],
    ['port-reuse', 'port-reuse'],
    // A journey passing node-1 twice (node-1 → node-2 → node-1): its two node-1 segments link together.
    ['kube-proxy-revisit', 'client'],
    // Large TCP segments cut into pieces on the way (TSO/GSO) and merged again (GRO): the pieces join their journey.
    ['gso-vxlan', 'node-1'],
    // Packets WireGuard carried: the encrypted journeys join the clear ones (wireguardJoin.ts), in every snapshot.
    ['calico-wireguard', 'node-1'],
  ] as const) {
    it(`${scenario}: any chunking ends as the batch does, with journeys frozen on the way`, () => {
      const { lanes, interfaces } = loadLanes(fixtureFiles(scenario));
      const o = { ...opts, clock: { mode: 'auto' as const, reference } };
      const want = batch(lanes, interfaces, o);
      expect(want.journeys.length).toBeGreaterThan(5);
      let froze = 0;
      fc.assert(
        fc.property(
          fc.shuffledSubarray(
            lanes.map((_, i) => i),
            { minLength: lanes.length, maxLength: lanes.length },
          ),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 1, max: 25 }),
          fc.boolean(),
          (order, chunk, every, perNode) => {
            const got = windowed(lanes, interfaces, o, order, chunk, every, perNode);
            expect(got.journeys).toEqual(want.journeys);
            expect(got.flows).toEqual(want.flows);
            expect(got.clocks).toEqual(want.clocks);
            expect(got.macs).toEqual(want.macs);
            froze = Math.max(froze, got.frozen);
          },
        ),
        { numRuns: 25, seed: 20261126 },
      );
      expect(froze).toBeGreaterThan(0);
    });
  }
});

describe('LinkWindow with a drifting clock', () => {
  it('flannel-vxlan-20s with node-2 drifting 40 ppm: any chunking ends as the batch does, drift and all', () => {
    const dir = nodeMovedCopy('flannel-vxlan-20s', 'node-2', (since) => 1.5e6 + since * 40e-6);
    try {
      const { lanes, interfaces } = loadLanes(filesIn(dir));
      const o: CorrelateOptions = { maxSkewNs: 20e6, crossWindowNs: 5e6 };
      const want = batch(lanes, interfaces, o);
      const drifting = want.clockList.find((c) => c.node === 'node-2')!;
      expect(drifting.method).toBe('traffic-drift');
      expect(Math.abs(drifting.rate!.ppm - 40)).toBeLessThan(0.5);
      let froze = 0;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), (chunk, every) => {
          const got = windowed(
            lanes,
            interfaces,
            o,
            lanes.map((_, i) => i),
            chunk,
            every,
          );
          expect(got.journeys).toEqual(want.journeys);
          expect(got.clocks).toEqual(want.clocks);
          expect(got.clockList.find((c) => c.node === 'node-2')!.rate).toEqual(drifting.rate);
          froze = Math.max(froze, got.frozen);
        }),
        { numRuns: 8, seed: 20261127 },
      );
      expect(froze).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LinkWindow on replayed traffic (the same packets again and again)', () => {
  // The flannel-vxlan capture replayed: copies shifted by a few ms to a few tens of ms, node-2's clock off by a
  // few ms. Every key comes back, sometimes within the windows (rivals, ambiguous journeys, pre-pass journeys
  // that differ from the final ones), sometimes just outside: what the freezing rules are there for.
  const { lanes, interfaces } = loadLanes(fixtureFiles('flannel-vxlan'));
  const replay = (shiftsMs: number[], skewNs: number): Lane[] =>
    lanes.map((lane) => {
      const records = shiftsMs.flatMap((ms, copy) =>
        lane.records.map((r) => {
          let t = BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) + BigInt(Math.round(ms * 1e6));
          if (lane.node === 'node-2') t += BigInt(skewNs);
          return {
            ...r,
            sec: Number(t / 1_000_000_000n),
            nsec: Number(t % 1_000_000_000n),
            index: copy * 1000 + r.index,
          };
        }),
      );
      records.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec || a.index - b.index);
      return { ...lane, records };
    });
  const opts: CorrelateOptions = {
    maxSkewNs: 20e6,
    crossWindowNs: 5e6,
    clock: { mode: 'auto', reference: 'node-1' },
  };

  it('copies that differ in their payload keep every clock bound a batch run has (same keys, other tails)', () => {
    // Copies 4 ms apart, within the pre-pass's 20 ms reach: frozen pre-pass journeys of one copy are held as rivals
    // of the next copies' segments, but segments whose tails differ can never be one journey or rivals in the
    // pre-pass either, so no bound is lost (identical copies do lose some: the property test below).
    const shifts = Array.from({ length: 12 }, (_, i) => i * 4);
    const { want, got } = batchAndWindowed(
      distinctPayloads(replay(shifts, 1_500_000)),
      interfaces,
      opts,
      2,
      5,
    );
    expect(want.ambiguous).toBe(0);
    expect(got.forcedCuts).toBe(0);
    expect(got.frozen).toBeGreaterThan(0);
    const n2 = want.clockList.find((x) => x.node === 'node-2')!;
    expect(n2.method).toMatch(/^traffic/);
    expect(n2.samples).toBeGreaterThan(20);
    expect(got.clocks).toBe(want.clocks);
    expectBatchOrMarked(got, want);
  });

  it('ends as the batch does whatever the replays, skew and delivery', () => {
    let froze = 0;
    let ambiguous = 0;
    let sameClocks = 0;
    let forced = 0;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: -3e6, max: 3e6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        (steps, skewNs, chunk, every, perNode) => {
          // Copy i starts the sum of the first i steps (ms) after the original.
          const shifts = steps.map((_, i) => steps.slice(0, i).reduce((a, b) => a + b, 0));
          const { want, got } = batchAndWindowed(
            replay(shifts, skewNs),
            interfaces,
            opts,
            chunk,
            every,
            perNode,
          );
          if (got.forcedCuts > 0) forced++;
          expectBatchOrMarked(got, want);
          // Replays make frozen pre-pass journeys rivals of later copies: the window keeps fewer clock bounds than
          // a batch run (never a wrong one). Both contain node-2's true offset, the skew, when bounded.
          for (const o of [want, got]) {
            const n2 = o.clockList.find((x) => x.node === 'node-2')!;
            if (n2.uncertaintyNs < Infinity)
              expect(Math.abs(n2.offsetNs - skewNs), o.clocks).toBeLessThanOrEqual(n2.uncertaintyNs + 1);
          }
          // Fewer samples, never more: a frozen journey that a later copy rivals loses its bounds, as in a batch.
          for (const g of got.clockList) {
            const w = want.clockList.find((x) => x.node === g.node)!;
            if (g.method.startsWith('traffic')) expect(g.samples).toBeLessThanOrEqual(w.samples);
          }
          if (got.clocks === want.clocks) sameClocks++;
          froze = Math.max(froze, got.frozen);
          ambiguous = Math.max(ambiguous, want.ambiguous);
        },
      ),
      {
        numRuns: 80,
        seed: 20261126,
        // Cases found while writing the window: without the same-key cut, or with a lag of crossWindowNs only,
        // a replay freezes a journey whose copy is still to be linked.
        examples: [
          [[2, 25, 0], 1845150, 1, 1, false],
          [[2, 25, 0], -1987293, 1, 1, false],
          [[2, 27, 0, 0], 2063414, 1, 1, false],
          [[18, 0, 0], 0, 1, 1, false],
        ],
      },
    );
    expect(froze).toBeGreaterThan(0);
    expect(ambiguous).toBeGreaterThan(0);
    expect(sameClocks).toBeGreaterThan(0);
    // maxSkewNs is scaled down to 20 ms, less than the lag once node-2's uncertainty passes 7.5 ms: the stall
    // limit is then the horizon, and some runs force a cut. Most end exactly as the batch.
    expect(forced).toBeGreaterThan(0);
    expect(forced).toBeLessThan(40);
  });
});

describe('LinkWindow on a generated VXLAN path', () => {
  it('relinks a bounded number of segments per snapshot and ends as the batch does', () => {
    const dir = tempDir('hs-window-');
    // ~1.5 s of traffic (two journeys per exchange, an exchange every 0.2 ms on average), node-2 0.4 ms ahead.
    const m = generate({ outDir: dir, journeys: 15000, seed: 5, extras: false });
    const { lanes, interfaces } = loadLanes(m.path.map((f) => path.join(dir, f.path)));
    // The windows scaled down with the traffic (10 s and 50 ms by default): 100 ms of pre-pass reach.
    const opts: CorrelateOptions = { maxSkewNs: 100e6, crossWindowNs: 5e6 };
    const want = batch(lanes, interfaces, opts);
    expect(want.journeys.length).toBe(15000);
    expect(want.clocks).toMatch(/node-2:\S+:traffic:/);
    const got = windowed(
      lanes,
      interfaces,
      opts,
      lanes.map((_, i) => i),
      64,
      2000,
    );
    expect(got.journeys).toEqual(want.journeys);
    expect(got.flows).toEqual(want.flows);
    expect(got.clocks).toEqual(want.clocks);
    // Most journeys froze, and no snapshot relinked more than the segments of a few hundred ms of traffic
    // (the whole capture holds 15000 × 2 segments).
    expect(got.frozen).toBeGreaterThan(12000);
    expect(got.linked.length).toBeGreaterThan(30);
    expect(Math.max(...got.linked)).toBeLessThan(10000);
    expect(got.linked[got.linked.length - 1]).toBeLessThan(10000);
    // The waiting rows' keys were moved to the front of the key columns many times over (120,000 rows).
    expect(got.keysDropped).toBeGreaterThan(60_000);
  });
});

describe('LinkWindow with an unbounded clock (no probes, one-way traffic, or --clock none)', () => {
  // The final pass then reaches maxSkewNs across nodes, and copies of the same packets a few ms apart chain
  // every journey to the next within that reach: no cut is exact. The window must still freeze (a forced cut,
  // past the stall limit), marking what the cut could have changed ambiguous on both sides.
  const { lanes, interfaces } = loadLanes(fixtureFiles('flannel-vxlan'));
  const opts: CorrelateOptions = { maxSkewNs: 20e6, crossWindowNs: 5e6 };
  /** The lanes without the journeys a batch run starts on node-2 (the echo replies): one-way traffic. */
  const oneWay = (): Lane[] => {
    const c = new Correlator(opts, decodeFields);
    c.setInterfaces(interfaces);
    const caps = lanes.map((l) => c.addCapture({ node: l.node, iface: l.iface, linkType: l.linkType }));
    lanes.forEach((l, i) => {
      for (const r of l.records) c.pushFrame(caps[i], r.offset, r.sec, r.nsec, r.origLen, r.data);
    });
    const res = c.result();
    const drop = new Set<string>();
    const record = laneOrdinals(res);
    for (let k = 0; k < res.journeyCount; k++) {
      const rows = res.journeyRows(k);
      if (res.captures[res.rows.capture[rows[0]]].node !== 'node-2') continue;
      for (const r of rows) {
        const cap = res.captures[res.rows.capture[r]];
        drop.add(`${cap.node}/${cap.iface}#${record[r]}`);
      }
    }
    expect(drop.size).toBeGreaterThan(5);
    return lanes.map((l) => ({
      ...l,
      records: l.records.filter((_, i) => !drop.has(`${l.node}/${l.iface}#${i}`)),
    }));
  };
  /** `copies` copies of the lanes, each `stepMs` after the one before (records renumbered per copy). */
  const replayed = (base: Lane[], copies: number, stepMs: number): Lane[] =>
    base.map((lane) => {
      const records = Array.from({ length: copies }, (_, copy) =>
        lane.records.map((r) => {
          const t = BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) + BigInt(Math.round(copy * stepMs * 1e6));
          return {
            ...r,
            sec: Number(t / 1_000_000_000n),
            nsec: Number(t % 1_000_000_000n),
            index: copy * 1000 + r.index,
          };
        }),
      ).flat();
      records.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec || a.index - b.index);
      return { ...lane, records };
    });

  /** A batch run of `rl` and a windowed one (4 records of a lane at a time, a snapshot every 20). */
  const both = (rl: Lane[], o: CorrelateOptions) => batchAndWindowed(rl, interfaces, o, 4, 20);

  const run = (clock: CorrelateOptions['clock'], base: Lane[], stepMs: number) => {
    const { want, got } = both(replayed(base, 150, stepMs), { ...opts, clock });
    // Every copy's keys come back stepMs later, within the 25 ms lag: without the stall limit nothing froze
    // and the last snapshots relinked nearly every segment (2 per journey).
    expect(got.forcedCuts).toBeGreaterThan(10);
    expect(got.frozen).toBeGreaterThan(want.journeys.length * 0.8);
    expect(Math.max(...got.linked)).toBeLessThan(want.journeys.length / 4);
    expectBatchOrMarked(got, want);
    return { want, got };
  };
  /** A journey's packet (its rows' records in the original capture) and copy. */
  const copyOf = (j: string) => {
    const rows = j.split(' > ').map((r) => {
      const [lane, index] = r.split('#');
      return { lane, index: Number(index) };
    });
    return {
      packet: rows.map((r) => `${r.lane}#${r.index % 1000}`).join(' > '),
      copy: Math.floor(rows[0].index / 1000),
    };
  };

  /**
   * Lane `i` of 150 copies 30 ms apart (beyond the 25 ms lag) with the `chosen` journey's records once more `atMs`
   * into each copy (index copy × 1000 + base + original), their ICMP payload's first byte changed when `distinct`.
   */
  const withChosenAgain = (
    chosen: string[],
    again: { atMs: number; base: number; distinct: boolean }[],
  ): Lane[] =>
    replayed(lanes, 150, 30).map((lane, i) => {
      const mine = lanes[i].records.filter((r) => chosen.includes(`${lane.node}/${lane.iface}#${r.index}`));
      const extra = again.flatMap(({ atMs, base, distinct }) =>
        mine.flatMap((r) =>
          Array.from({ length: 150 }, (_, copy) => {
            const t = BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) + BigInt((copy * 30 + atMs) * 1e6);
            const data = Uint8Array.from(r.data);
            if (distinct) data[data.length - 56] ^= 0x80; // ping's 56-byte payload ends the frame
            return {
              ...r,
              data,
              sec: Number(t / 1_000_000_000n),
              nsec: Number(t % 1_000_000_000n),
              index: copy * 1000 + base + r.index,
            };
          }),
        ),
      );
      const records = [...lane.records, ...extra];
      records.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec || a.index - b.index);
      return { ...lane, records };
    });

  it('a forced cut marks only journeys with a same-key rival across it', () => {
    // Copies 30 ms apart (beyond the 25 ms lag: no rivals), and one packet's records once more 15 ms into each
    // copy: its key repeats within the lag for as long as the replay runs, so every cut is forced.
    const o = { ...opts, clock: { mode: 'none' as const } };
    const plain = batch(lanes, interfaces, o);
    const chosen = plain.journeys.find((j) => j.includes('node-2/'))!.split(' > ');
    const rl = withChosenAgain(chosen, [{ atMs: 15, base: 500, distinct: false }]);
    const want = batch(rl, interfaces, o);
    const got = windowed(
      rl,
      interfaces,
      o,
      rl.map((_, i) => i),
      4,
      20,
    );
    expect(got.forcedCuts).toBeGreaterThan(10);
    expectBatchOrMarked(got, want);
    // What the window marked beyond the batch is the chosen packet's copies, nothing else.
    const isChosen = (row: string) => {
      const [lane, index] = row.split('#');
      return chosen.includes(`${lane}#${(Number(index) % 1000) % 500}`);
    };
    const marked = [...got.ambiguousJourneys].filter((j) => !want.ambiguousJourneys.has(j));
    for (const j of marked) expect(j.split(' > ').every(isChosen), j).toBe(true);
    expect(got.ambiguous).toBeLessThan(got.journeys.length / 4);
  });

  it('a forced cut does not mark a same-key neighbour whose payload differs (another tail)', () => {
    // As above, plus the chosen packet once more 7 ms into each copy with another payload: same key, within the
    // lag of the forced cuts' chains, but another tail, so neither side is the other's rival.
    const o = { ...opts, clock: { mode: 'none' as const } };
    const plain = batch(lanes, interfaces, o);
    const chosen = plain.journeys.find((j) => j.includes('node-2/'))!.split(' > ');
    const rl = withChosenAgain(chosen, [
      { atMs: 15, base: 500, distinct: false },
      { atMs: 7, base: 700, distinct: true },
    ]);
    const { want, got } = both(rl, o);
    expect(got.forcedCuts).toBeGreaterThan(10);
    expectBatchOrMarked(got, want);
    const isOther = (row: string) => Number(row.split('#')[1]) % 1000 >= 700;
    const others = want.journeys.filter((j) => j.split(' > ').every(isOther));
    expect(others.length).toBeGreaterThan(100);
    // Neither run finds them ambiguous (with key-only rivals, the window marked those next to a forced cut).
    for (const j of others) expect(want.ambiguousJourneys.has(j), j).toBe(false);
    for (const j of got.ambiguousJourneys) expect(j.split(' > ').some(isOther), j).toBe(false);
  });

  it('copies that differ in their payload never hold a cut back (same keys, other tails)', () => {
    // The same copies 4 ms apart, but each copy's ICMP payload changed in its first byte (the start of what the
    // tail hash covers): every key still comes back within the lag, yet no two copies can ever be one journey
    // or rivals, as with two senders' equal-size datagrams whose IP ids meet. The window must not chain them.
    const o = { ...opts, clock: { mode: 'none' as const } };
    const { want, got } = both(distinctPayloads(replayed(lanes, 150, 4)), o);
    expect(want.ambiguous).toBe(0);
    expect(got.forcedCuts).toBe(0);
    expectBatchOrMarked(got, want); // with no forced cut: exactly the batch's journeys, flows and clocks
    expect(got.frozen).toBeGreaterThan(want.journeys.length * 0.8);
    expect(Math.max(...got.linked)).toBeLessThan(want.journeys.length / 4);
    // The same copies with their payloads as captured chain every journey to the next: cuts are forced.
    const same = replayed(lanes, 150, 4);
    expect(
      windowed(
        same,
        interfaces,
        o,
        same.map((_, i) => i),
        4,
        20,
      ).forcedCuts,
    ).toBeGreaterThan(10);
  });

  for (const [name, clock, base] of [
    ['--clock none', { mode: 'none' as const }, () => lanes],
    ['one-way traffic, no probes', { mode: 'auto' as const, reference: 'node-1' }, oneWay],
  ] as const) {
    it(`${name}: journeys still freeze; what may differ from the batch is marked ambiguous`, () => {
      // Copies 4 ms apart: the batch finds every copy ambiguous (the next is within the final pass's 20 ms).
      const { want } = run(clock, base(), 4);
      expect(want.ambiguous).toBeGreaterThan(want.journeys.length * 0.9);
      // 22 ms apart: beyond the final pass's reach, within the lag. The batch finds (almost) none ambiguous; each
      // forced cut marks a frozen journey and the next copy of its packet on the other side, and that mark stays
      // while later snapshots relink the copy.
      const far = run(clock, base(), 22);
      expect(far.want.ambiguous).toBeLessThan(far.want.journeys.length / 20);
      const marked = [...far.got.ambiguousJourneys].filter((j) => !far.want.ambiguousJourneys.has(j));
      expect(marked.length).toBeGreaterThanOrEqual(2 * far.got.forcedCuts);
      const byCopy = new Set(
        marked.map((j) => {
          const { packet, copy } = copyOf(j);
          return `${packet}@${copy}`;
        }),
      );
      for (const j of marked) {
        const { packet, copy } = copyOf(j);
        expect(byCopy.has(`${packet}@${copy - 1}`) || byCopy.has(`${packet}@${copy + 1}`), j).toBe(true);
      }
    });
  }
});
