// CommentBytes writes the export's packet comments as bytes; its duration() must be duration() of ladder.ts
// byte for byte, including the decimal ties where Math.round and toFixed disagree (1.15 µs is 1.1, not 1.2).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CommentBytes } from '../../main/export/commentBytes.ts';
import { DURATION_ROOM, durationInto } from '../../main/export/durationText.ts';
import { duration, latency } from '../../main/export/ladder.ts';
import { Sink } from '../../main/export/sink.ts';
import { TextBytes } from '../../main/export/textBytes.ts';
import { tempDir } from '../tempDir.ts';

const dec = new TextDecoder();
const text = (f: (c: CommentBytes) => void): string => {
  const c = new CommentBytes();
  f(c);
  return dec.decode(c.view());
};

describe('CommentBytes', () => {
  it('duration() matches ladder.duration on ties, unit edges and specials', () => {
    const values: number[] = [
      0, -0, 1, 999, 999.4, 999.5, 999.6, 1000, 1049, 1050, 1150, 1250, 1350, 2.5, 0.5,
    ];
    for (const unit of [1, 1e3, 1e6, 1e9]) {
      for (let m = 0; m < 2000; m++) values.push(m * unit * 0.05, m * unit * 0.005 + 0.25, m * unit * 0.0005);
    }
    values.push(999_999.9, 999_999_999.5, 1e12, 3.7e13, Infinity, -Infinity, NaN, 1e6 - 0.01, 1e9 - 1);
    for (const v of values) {
      for (const s of [v, -v])
        expect(
          text((c) => c.duration(s)),
          String(s),
        ).toBe(duration(s));
    }
  });

  it('duration() matches on random latencies (integers and clock-corrected fractions)', () => {
    fc.assert(
      fc.property(fc.double({ min: -2e10, max: 2e10, noNaN: true }), (v) => {
        expect(text((c) => c.duration(v))).toBe(duration(v));
      }),
      { numRuns: 20000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -2e9, max: 2e9 }), (v) => {
        expect(text((c) => c.duration(v))).toBe(duration(v));
      }),
      { numRuns: 20000 },
    );
  });

  it('int() and str() write decimal and UTF-8 like String() and TextEncoder', () => {
    for (const v of [0, 7, 10, 99, 100, 125000, 4294967296, 2 ** 53 - 1]) {
      expect(text((c) => c.int(v))).toBe(String(v));
    }
    // The 32-bit path and its edges, every digit count.
    for (let p = 1; p <= 1e15; p *= 10)
      for (const v of [p - 1, p, p + 1]) expect(text((c) => c.int(v))).toBe(String(v));
    for (const v of [2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1])
      expect(text((c) => c.int(v))).toBe(String(v));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 + 1000 }), (v) => {
        expect(text((c) => c.int(v))).toBe(String(v));
      }),
      { numRuns: 5000 },
    );
    expect(text((c) => c.bytes(Uint8Array.of(106, 32)).int(12))).toBe('j 12');
    const s = 'journey 12 hop 3/8: 10.244.0.5 > 10.244.1.7 ICMP µs ∞ 😀 end';
    expect(text((c) => c.str('a ').str(s).int(5))).toBe(`a ${s}5`);
    expect(text((c) => c.str('x'.repeat(5000)))).toHaveLength(5000);
  });
});

describe("the hop ladder's latency cell as bytes", () => {
  it('is latency(ns).padStart(10): signs, ties, unit edges, beyond 1000 s and specials', () => {
    const values = [
      0,
      -0,
      1,
      -1,
      999.5,
      1050,
      -1050,
      1150,
      999_999.9,
      1e6,
      12_345_678,
      1e9 - 1,
      1e12,
      -3.7e13,
    ];
    values.push(Infinity, -Infinity, NaN, 123_456_789_012_345, 0.25, -0.75);
    for (let m = 0; m < 3000; m++) values.push(m * 37.5, -m * 412.25, m * 1e5 + 0.5, m * 3.3e6);
    const file = join(tempDir('hs-latency-'), 'cells.txt');
    const sink = Sink.file(file);
    const out = new TextBytes(sink);
    const b = new Uint8Array(1 + DURATION_ROOM);
    for (const v of values) {
      let n = 0;
      if (!(v < 0)) b[n++] = 0x2b;
      n = durationInto(v, b, n);
      out.rightAligned(b, n, 10);
      out.text('|\n');
    }
    out.done();
    sink.close();
    const lines = readFileSync(file, 'utf8').split('|\n');
    values.forEach((v, i) => expect(lines[i], String(v)).toBe(latency(v).padStart(10)));
    expect(lines.length).toBe(values.length + 1);
  });
});
