// linkSegments' loop in WebAssembly (main/correlate/wasmLink.ts, main/correlate/wasm/link.c) must make the journeys
// the JavaScript loop makes (HOPSCOPE_WASM=0): both passes' links (each segment's journey and next segment, each
// journey's first segment, count and ambiguity), the clocks estimated from the first and the journeys JSON. On
// every lab fixture folder, with clocks off, set by hand (an uncertain and a wrong offset), a node minutes off, a
// drifting clock, and on a generated 8-file path (many journeys: the key table's rehashes).

import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { Correlator, type CorrelateOptions } from '../../main/correlate/correlator.ts';
import { NodeClocks } from '../../main/correlate/clockSkew.ts';
import { LinkScratch, linkLoop, linkSegments, type Links } from '../../main/correlate/linker.ts';
import { SegmentTable } from '../../main/correlate/segments.ts';
import { linkInWasm } from '../../main/correlate/wasmLink.ts';
import { Sink } from '../../main/export/sink.ts';
import { writeJourneysJson } from '../../main/export/journeysJson.ts';
import { decodeOptions, ingestFiles } from '../../main/session/ingestFiles.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { rng } from '../fuzz/harness.ts';
import { tempDir } from '../tempDir.ts';
import { FIXTURES, fixtureFiles, nodeMovedCopy } from './correlate-helpers.ts';

let tmp: string;

beforeAll(() => {
  tmp = tempDir('hs-wlink-');
});

function withWasm<T>(on: boolean, f: () => T): T {
  const before = process.env.HOPSCOPE_WASM;
  process.env.HOPSCOPE_WASM = on ? '1' : '0';
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.HOPSCOPE_WASM;
    else process.env.HOPSCOPE_WASM = before;
  }
}

/** A correlator that read `args` (its rows grouped: every node's segments made). */
function grouped(args: string[], opts: CorrelateOptions): Correlator {
  const inputs = loadInputs(args);
  if (!inputs.ok) throw new Error(inputs.error.message);
  const c = new Correlator(opts);
  ingestFiles(c, inputs.value.files, decodeOptions(opts));
  c.advance(Infinity);
  return c;
}

function linksOf(l: Links): Record<string, unknown> {
  const { crossings, ...rest } = l as Links & { crossings?: unknown };
  const out: Record<string, unknown> = { crossings: crossings ? JSON.stringify(crossings) : null };
  for (const [k, v] of Object.entries(rest)) out[k] = ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v;
  return out;
}

let jsonSeq = 0;
function journeysJson(c: Correlator): string {
  const file = path.join(tmp, `j${jsonSeq++}.json`);
  const sink = Sink.file(file);
  writeJourneysJson(c.result(), sink);
  sink.close();
  return fs.readFileSync(file, 'utf8');
}

/**
 * Both loops alike on `args`: the clock pre-pass's links, the final pass's, the clocks and the JSON. Returns how
 * many segments were linked.
 */
function expectSame(args: string[], opts: CorrelateOptions = {}): number {
  const c = grouped(args, opts);
  const own = c.ownership();
  const pre = c.prePassOptions();
  const wasmPre = withWasm(true, () => linksOf(linkSegments(c.obs, c.segs, own, pre)));
  const jsPre = withWasm(false, () => linksOf(linkSegments(c.obs, c.segs, own, pre)));
  expect(wasmPre).toEqual(jsPre);
  const wasmJson = withWasm(true, () => journeysJson(c));
  const jsJson = withWasm(false, () => journeysJson(c));
  expect(wasmJson).toBe(jsJson);
  return c.segs.length;
}

const scenarios = fs
  .readdirSync(FIXTURES)
  .filter((s) => fs.statSync(path.join(FIXTURES, s)).isDirectory() && fixtureFiles(s).length >= 1);

describe('the WebAssembly linking loop', () => {
  it('finds fixture folders to compare on', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
  });

  it.each(scenarios)('makes the JavaScript journeys of the %s fixtures', (scenario) => {
    expectSame([path.join(FIXTURES, scenario)]);
  });

  it('makes them with clocks off, set by hand, or uncertain', () => {
    const dir = [path.join(FIXTURES, 'flannel-vxlan-20s')];
    expectSame(dir, { clock: { mode: 'none' } });
    expectSame(dir, { clock: { mode: 'auto', manual: { 'node-2': 3_000_000 } } });
    // SSH probes: a wrong offset known to 2 ms, the traffic refining it.
    expectSame(dir, {
      clock: {
        mode: 'auto',
        probes: [
          { node: 'node-1', offsetNs: 0, uncertaintyNs: 0 },
          { node: 'node-2', offsetNs: -250_000, uncertaintyNs: 2_000_000 },
        ],
      },
    });
    expectSame([path.join(FIXTURES, 'three-hosts')], { clock: { mode: 'none' } });
  });

  it('makes them with a node minutes off and with a drifting clock', () => {
    expectSame([nodeMovedCopy('flannel-vxlan-20s', 'node-2', () => 183e9)]);
    // 40 ppm fast, then stepped back 2 ms halfway (an NTP correction): the drift fit's rate applies.
    expectSame([nodeMovedCopy('flannel-vxlan-20s', 'node-2', (t) => 40e-6 * t - (t > 10e9 ? 2e6 : 0))]);
  });

  it('runs the loop as JavaScript does on random segments, column for column', () => {
    // Keys from a small pool (chains of journeys per key, rivals within reach), tails known or not, segments that
    // return to earlier ones, 1–4 nodes with offsets, drifting rates and uncertainties (some unbounded), windows
    // from tight to wide; segments in corrected-time order as mergedOrder gives them. Every journey column is
    // compared, not only the links (jLastT, jMaxUnc: what later segments' reach depends on).
    const rand = rng(2026);
    const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
    let journeys = 0;
    let ambiguous = 0;
    for (let round = 0; round < 80; round++) {
      const n = 1 + Math.floor(rand() * 3000);
      const nodes = 1 + Math.floor(rand() * 4);
      const keys = 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : 400));
      const segs = new SegmentTable(n);
      segs.length = n;
      // Some rounds on a coarse grid of times: gaps exactly at a tolerance.
      const grain = rand() < 0.4 ? 1e5 : 1;
      const jitter = (ns: number) => Math.floor((rand() * ns) / grain) * grain;
      let t = grain * Math.floor((1e9 * rand()) / grain);
      for (let s = 0; s < n; s++) {
        t += rand() < 0.3 ? 0 : jitter(pick([1e3, 1e5, 1e7]));
        const k = Math.floor(rand() * keys);
        segs.node[s] = Math.floor(rand() * nodes);
        segs.firstT[s] = t + jitter(2e5);
        segs.lastT[s] = segs.firstT[s] + (rand() < 0.5 ? 0 : jitter(3e5));
        segs.keyHi[s] = k * 0x9e3779b1;
        segs.keyLo[s] = k ^ 0x5bd1e995;
        segs.tail[s] = Math.floor(rand() * 3);
        segs.tailKnown[s] = rand() < 0.8 ? 1 : 0;
        segs.returnOf[s] = s > 0 && rand() < 0.15 ? Math.floor(rand() * s) : -1;
      }
      const rate = Float64Array.from({ length: nodes }, (_, i) =>
        i > 0 && rand() < 0.3 ? pick([40e-6, -25e-6]) : 0,
      );
      const offset = Float64Array.from({ length: nodes }, (_, i) =>
        i === 0 ? 0 : grain * Math.round(((rand() - 0.5) * 2e6) / grain),
      );
      const clock = new NodeClocks(offset, rate, rand() < 0.5 ? 0 : 1e9);
      const unc = Float64Array.from({ length: nodes }, (_, i) =>
        i === 0 ? 0 : pick([0, 1e5, 3e6, Infinity]),
      );
      const maxSkewNs = pick([1e6, 50e6, 10e9]);
      const crossWindowNs = pick([0, 20e3, 2e5]);
      const corrected = Array.from({ length: n }, (_, s) => clock.correct(segs.node[s], segs.firstT[s]));
      const order = Int32Array.from(
        Array.from({ length: n }, (_, s) => s).sort((a, b) => corrected[a] - corrected[b] || a - b),
      );
      const run = (wasm: boolean) => {
        const scratch = new LinkScratch().prepare(n);
        const segJourney = new Int32Array(n).fill(-1);
        const segNext = new Int32Array(n).fill(-1);
        const opts = { clock, uncertaintyNs: unc, crossWindowNs, maxSkewNs };
        const count = wasm
          ? withWasm(true, () =>
              linkInWasm(segs, order, clock, unc, maxSkewNs, crossWindowNs, segJourney, segNext, scratch),
            )
          : linkLoop(segs, order, opts, segJourney, segNext, scratch);
        const cols: Record<string, number[]> = { segJourney: [...segJourney], segNext: [...segNext] };
        for (const k of [
          'jKeyHi',
          'jKeyLo',
          'jLastT',
          'jPrev',
          'jFirst',
          'jLast',
          'jCount',
          'jTail',
          'jTailKnown',
          'jMaxUnc',
          'ambiguous',
        ] as const)
          cols[k] = Array.from(scratch[k].subarray(0, count));
        return { count, cols };
      };
      const w = run(true);
      const j = run(false);
      expect(w.count, `round ${round}`).toBe(j.count);
      expect(w.cols, `round ${round}`).toEqual(j.cols);
      journeys += j.count;
      ambiguous += j.cols.ambiguous.reduce((a, b) => a + b, 0);
    }
    // Both the plain and the contested cases were there.
    expect(journeys).toBeGreaterThan(20_000);
    expect(ambiguous).toBeGreaterThan(1000);
  });

  it('makes them on a generated 8-file path with thousands of journeys', () => {
    const dir = path.join(tmp, 'gen');
    generate({ outDir: dir, journeys: 6000, seed: 11, extras: false });
    expect(expectSame([path.join(dir, 'path')])).toBeGreaterThan(10_000);
  });
});
