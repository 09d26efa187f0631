// Hostile frames against the packet-detail decoder: minimal cases of fuzzer findings, kept as plain tests.

import { describe, expect, it } from 'vitest';

import { decodeLayers } from '../../../main/decode/index.ts';

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));

describe('decodeLayers on hostile frames', () => {
  // Finding R8 (docs/reliability.md), found by Jazzer: a DNS message cut by the capture (UDP says 37 bytes,
  // 26 are there). Every layer and field must stay inside the frame so the hex view can highlight it.
  it('R8: a DNS layer cut by the snaplen stays inside the frame', () => {
    const frame = hex(
      '5a75d807c088de7fb09f7394080045000039a589400040117e3e0af400000af40105b43800350025172345000000000000000000000000707865076c6503636f6d000001',
    );
    const layers = decodeLayers(frame, 1);
    expect(layers.map((l) => l.protocol)).toContain('dns');
    for (const l of layers) {
      expect(l.offset + l.length, `${l.protocol} [${l.offset}+${l.length}]`).toBeLessThanOrEqual(
        frame.length,
      );
      for (const f of l.fields)
        expect(f.offset + f.length, `${l.protocol}.${f.name}`).toBeLessThanOrEqual(frame.length);
    }
  });
});
