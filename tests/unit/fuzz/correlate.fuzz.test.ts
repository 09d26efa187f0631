// CI fuzz run for the correlator (fast-check): each lab fixture scenario's real capture set with random files
// damaged (bit flips, truncations, splices, huge lengths, unknown blocks, duplicated records, shuffled
// timestamps), correlated through correlateInputs as `hopscope correlate` does. FUZZ_SCALE=N for more runs.

import fs from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { fuzzCorrelate, fuzzWorkDir, loadScenario } from '../../fuzz/targets/correlate.ts';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../fixtures');
const scenarios = fs
  .readdirSync(FIXTURES)
  .map((d) => path.join(FIXTURES, d))
  .filter((d) => fs.statSync(d).isDirectory() && fs.readdirSync(d).some((f) => f.endsWith('.pcap')))
  .map(loadScenario);
const work = fuzzWorkDir();
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('correlator under fuzzing', () => {
  it('has the lab scenarios to damage', () => {
    expect(scenarios.map((s) => s.name)).toEqual(
      expect.arrayContaining(['flannel-vxlan', 'calico-ipip', 'kube-proxy']),
    );
  });

  it('damaged capture sets: no throw, problems with offsets, well-formed journeys, bounded time', () => {
    fc.assert(
      fc.property(fc.nat(scenarios.length - 1), fc.integer(), (i, seed) =>
        fuzzCorrelate(scenarios[i], seed, work),
      ),
      { numRuns: 150 * SCALE, interruptAfterTimeLimit: 12_000 * SCALE, markInterruptAsFailure: false },
    );
  });
});
