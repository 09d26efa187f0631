// CI fuzz run for the capture readers (fast-check): random bytes behind valid and invalid headers, mutated
// real captures (bit flips, truncations, splices, huge lengths, unknown blocks/options), every prefix of
// every seed, and a replay of the committed corpus. FUZZ_SCALE=N multiplies the runs (scripts/fuzz.sh).

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HUGE_LENGTHS,
  installAllocationWatch,
  loadCorpus,
  mutate,
  mutatedInput,
  pcapngBlockOffsets,
  pcapRecordOffsets,
  uninstallAllocationWatch,
} from '../../fuzz/harness.ts';
import { fuzzReader, readChunks } from '../../fuzz/targets/reader.ts';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const BUDGET_MS = 8000 * SCALE;
const seeds = loadCorpus('seeds');
const seedBytes = seeds.map((s) => s.bytes);

const HEADERS: Record<string, number[]> = {
  none: [],
  pcapLeMicro: [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0],
  pcapBeNano: [0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 101],
  pcapLeNoSnap: [0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 113, 0, 0, 0],
  pcapngShb: [
    10, 13, 13, 10, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255,
    28, 0, 0, 0,
  ],
  pcapngShbIdb: [
    10, 13, 13, 10, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255,
    28, 0, 0, 0, 1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0, 20, 0, 0, 0,
  ],
};

beforeAll(() => installAllocationWatch());
afterAll(() => uninstallAllocationWatch());

describe('capture reader under fuzzing', () => {
  it('has real seeds to mutate', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(5);
    for (const s of seeds) {
      const out = readChunks([s.bytes], s.bytes.length);
      expect(out.problem, s.name).toBeNull();
      if (!s.name.includes('fixture-')) expect(out.records.length, s.name).toBeGreaterThan(5);
    }
  });

  it('random bytes behind every kind of header: no throw, bounded, chunking-invariant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(HEADERS)),
        fc.uint8Array({ maxLength: 2048 }),
        fc.integer(),
        (h, tail, chunkSeed) => {
          const head = HEADERS[h];
          const b = new Uint8Array(head.length + tail.length);
          b.set(head);
          b.set(tail, head.length);
          fuzzReader(b, chunkSeed);
        },
      ),
      { numRuns: 3000 * SCALE, interruptAfterTimeLimit: BUDGET_MS / 4, markInterruptAsFailure: false },
    );
  });

  it('mutated real captures: no throw, bounded, chunking-invariant', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (mutSeed, chunkSeed) => {
        fuzzReader(mutatedInput(seedBytes, mutSeed), chunkSeed);
      }),
      { numRuns: 4000 * SCALE, interruptAfterTimeLimit: BUDGET_MS / 2, markInterruptAsFailure: false },
    );
  });

  it('every prefix of every seed reads, and a cut record is PCAP_TRUNCATED at its offset', () => {
    for (const s of seeds) {
      const units = s.bytes[0] === 0x0a ? pcapngBlockOffsets(s.bytes) : pcapRecordOffsets(s.bytes);
      for (let n = 0; n <= s.bytes.length; n += n < 64 ? 1 : 7) {
        const cut = s.bytes.subarray(0, n);
        const out = readChunks([cut], n);
        if (n === s.bytes.length) continue;
        if (units.includes(n) && n > 0) {
          expect(out.problem, `${s.name} cut at unit boundary ${n}`).toBeNull();
        } else {
          expect(out.problem?.code, `${s.name} cut at ${n}`).toBe('PCAP_TRUNCATED');
          const unitStart = Math.max(0, ...units.filter((u) => u <= n));
          if (n >= (s.bytes[0] === 0x0a ? 28 : 24))
            expect(out.problem?.offset, `${s.name} cut at ${n}`).toBe(unitStart);
        }
      }
    }
  });

  it('a huge caplen or block length at every record is refused with its offset, never allocated', () => {
    for (const s of seeds) {
      const ng = s.bytes[0] === 0x0a;
      const units = ng ? pcapngBlockOffsets(s.bytes) : pcapRecordOffsets(s.bytes);
      for (const at of units.slice(0, 12)) {
        for (const huge of HUGE_LENGTHS) {
          const b = new Uint8Array(s.bytes);
          const dv = new DataView(b.buffer);
          const le = ng ? b[8] === 0x4d : b[0] === 0xd4 || b[0] === 0x4d;
          dv.setUint32(at + (ng ? 4 : 8), huge, le);
          fuzzReader(b, at ^ huge);
          const out = readChunks([b], b.length);
          expect(out.problem, `${s.name} length ${huge} at ${at}`).not.toBeNull();
          expect(out.problem!.offset, `${s.name} length ${huge} at ${at}`).toBe(at);
          expect(['PCAP_MALFORMED', 'PCAP_TRUNCATED', 'PCAP_BAD_MAGIC']).toContain(out.problem!.code);
        }
      }
    }
  });

  it('unknown blocks and unknown options in pcapng are skipped, not fatal', () => {
    const ng = seeds.filter((s) => s.bytes[0] === 0x0a);
    expect(ng.length).toBeGreaterThan(0);
    for (const s of ng) {
      const clean = readChunks([s.bytes], s.bytes.length).records.length;
      for (let i = 0; i < 50; i++) {
        const b = mutate(s.bytes, s.bytes, 'unknownBlock', i);
        const out = readChunks([b], b.length);
        expect(out.problem, `${s.name} + unknown block #${i}`).toBeNull();
        expect(out.records.length).toBe(clean);
      }
    }
  });

  it('replays the committed corpus (minimised fuzzer findings)', () => {
    const corpus = [...loadCorpus('reader'), ...seeds];
    for (const c of corpus) fuzzReader(c.bytes, c.bytes.length);
  });
});
