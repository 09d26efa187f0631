// Linking in two halves by key (main/correlate/linkSplit.ts) must give exactly what one linkSegments gives: the
// same journeys, numbered alike, with the same segment order and ambiguity, for the clock pre-pass's options and
// the final link's. Checked on every lab scenario, on skewed clocks and on a generated two-node path.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { LinkScratch, linkSegments, type LinkOptions, type Links } from '../../main/correlate/linker.ts';
import { keyHalf, mergeHalves } from '../../main/correlate/linkSplit.ts';
import type { Correlator } from '../../main/correlate/correlator.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import { FIXTURES } from './correlate-helpers.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-linksplit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function correlator(args: string[]): Correlator {
  const inputs = loadInputs(args);
  if (!inputs.ok) throw new Error(inputs.error.message);
  return correlateInputs(inputs.value, { threads: 1 }).correlator;
}

const plain = (l: Links) => ({
  count: l.count,
  segJourney: Array.from(l.segJourney),
  segNext: Array.from(l.segNext),
  first: Array.from(l.first),
  segCount: Array.from(l.segCount),
  ambiguous: Array.from(l.ambiguous),
});

/** Links c's segments whole and in two halves, with the pre-pass's options and with the final ones. */
function expectHalvesMatch(c: Correlator): void {
  const own = c.ownership();
  const res = c.result();
  const finalOpts: LinkOptions = {
    offsetNs: res.offsetNs,
    uncertaintyNs: Float64Array.from(res.clocks, (k) => k.uncertaintyNs),
    crossWindowNs: c.opts.crossWindowNs,
    maxSkewNs: c.opts.maxSkewNs,
  };
  for (const opts of [c.prePassOptions(), finalOpts]) {
    const whole = linkSegments(c.obs, c.segs, own, opts, new LinkScratch());
    const halves = [0, 1].map((bit) => {
      const list = keyHalf(c.segs, bit);
      return { list, links: linkSegments(c.obs, c.segs, own, { ...opts, list }, new LinkScratch()) };
    });
    expect(halves[0].list.length + halves[1].list.length).toBe(c.segs.length);
    expect(plain(mergeHalves(c.segs, opts.offsetNs, halves[0], halves[1]))).toEqual(plain(whole));
  }
}

describe('linking in two halves by key', () => {
  const scenarios = fs
    .readdirSync(FIXTURES)
    .filter((d) => fs.existsSync(path.join(FIXTURES, d, 'manifest.json')));

  it('has lab scenarios with several nodes to check', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(5);
  });

  for (const s of scenarios)
    it(`gives one pass's journeys on ${s}`, () => {
      const c = correlator([path.join(FIXTURES, s)]);
      expect(c.segs.length).toBeGreaterThan(0);
      expectHalvesMatch(c);
    });

  it('on a generated two-node VXLAN path (3,000 journeys, node-2 400 µs ahead), both halves busy', () => {
    const dir = path.join(tmp, 'gen');
    const m = generate({ outDir: dir, journeys: 3000, seed: 5, extras: false });
    const c = correlator(m.path.map((p) => path.join(dir, p.path)));
    const halves = [keyHalf(c.segs, 0).length, keyHalf(c.segs, 1).length];
    expect(Math.min(...halves)).toBeGreaterThan(c.segs.length / 3);
    expectHalvesMatch(c);
  });
});
