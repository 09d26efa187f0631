// The web-mode wire format: JSON plus typed arrays as raw, aligned bytes, round-tripped exactly.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';

import { decodeMessage, encodeMessage } from '../../preload/wire.ts';

describe('wire format', () => {
  it('round-trips nested typed arrays of every kind', () => {
    const msg = {
      t: 'res',
      id: 7,
      res: {
        ok: true,
        value: {
          a: Uint8Array.of(1, 2, 3),
          b: Int16Array.of(-1, 2),
          c: Float64Array.of(1.5, -0, 1e300),
          d: [Uint32Array.of(4294967295), { e: Int32Array.of(-2147483648) }],
          s: 'ünïcode',
        },
      },
    };
    const back = decodeMessage(encodeMessage(msg)) as typeof msg;
    expect(back).toEqual(msg);
    expect(back.res.value.c).toBeInstanceOf(Float64Array);
  });

  it('round-trips arbitrary JSON with arbitrary Float64Array columns', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.double({ noNaN: true })), (json, col) => {
        const msg = { json, col: Float64Array.from(col) };
        const back = decodeMessage(encodeMessage(msg)) as { json: unknown; col: Float64Array };
        expect(Array.from(back.col)).toEqual(Array.from(msg.col));
        expect(back.json).toEqual(JSON.parse(JSON.stringify(json)));
      }),
    );
  });

  it('rejects truncated or inconsistent frames instead of reading past them', () => {
    const f = encodeMessage({ x: Float64Array.of(1, 2, 3) });
    for (let n = 0; n < f.length; n++) {
      try {
        decodeMessage(f.subarray(0, n));
      } catch (e) {
        expect((e as Error).message).toMatch(/wire|JSON/);
      }
    }
    expect(() => decodeMessage(new Uint8Array([255, 255, 255, 255]))).toThrow(/wire/);
  });
});
