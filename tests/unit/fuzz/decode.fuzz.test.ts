// CI fuzz run for the decoders (fast-check): random frames on every link type, real frames from the seeds
// and fixtures mutated (bit flips, byte sets, truncations, splices), and frames nested in VXLAN/IPIP deeper
// than MAX_ENCAP. FUZZ_SCALE=N multiplies the runs (scripts/fuzz.sh).

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createCaptureReader } from '../../../main/pcap/reader.ts';
import { installAllocationWatch, loadCorpus, mutate, uninstallAllocationWatch } from '../../fuzz/harness.ts';
import { fuzzDecode, LINK_TYPES } from '../../fuzz/targets/decode.ts';

const EMPTY = new Uint8Array(0);

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const BUDGET_MS = 6000 * SCALE;

/** Every distinct frame of every seed capture (by link type and bytes), with its link type. */
function seedFrames(): { frame: Uint8Array; linkType: number }[] {
  const out: { frame: Uint8Array; linkType: number }[] = [];
  const seen = new Set<string>();
  for (const s of loadCorpus('seeds')) {
    const r = createCaptureReader((rec) => {
      const key = `${rec.linkType}:${Buffer.from(rec.data).toString('base64')}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ frame: rec.data.slice(), linkType: rec.linkType });
    });
    r.push(s.bytes);
  }
  return out;
}

const frames = seedFrames();

/** Wraps an Ethernet frame in Ethernet/IPv4/UDP(8472)/VXLAN; or an IP packet in IPv4 proto 4 (IPIP). */
function vxlanWrap(inner: Uint8Array): Uint8Array {
  const outer = new Uint8Array(14 + 20 + 8 + 8 + inner.length);
  const dv = new DataView(outer.buffer);
  dv.setUint16(12, 0x0800);
  outer[14] = 0x45;
  dv.setUint16(16, 20 + 8 + 8 + inner.length);
  outer[22] = 64;
  outer[23] = 17;
  dv.setUint32(26, 0x0a010a09);
  dv.setUint32(30, 0x0a010a0a);
  dv.setUint16(34, 40000);
  dv.setUint16(36, 8472);
  dv.setUint16(38, 8 + 8 + inner.length);
  outer[42] = 0x08;
  outer[48] = 1;
  outer.set(inner, 50);
  return outer;
}
/** An Ethernet frame in Geneve (UDP 6081, 0x6558) with one 8-byte option, or (ip) its IP packet directly. */
function geneveWrap(inner: Uint8Array, ip: boolean): Uint8Array {
  const payload = ip ? inner.subarray(14) : inner;
  const opts = ip ? 0 : 8;
  const outer = new Uint8Array(14 + 20 + 8 + 8 + opts + payload.length);
  const dv = new DataView(outer.buffer);
  dv.setUint16(12, 0x0800);
  outer[14] = 0x45;
  dv.setUint16(16, 20 + 8 + 8 + opts + payload.length);
  outer[22] = 64;
  outer[23] = 17;
  dv.setUint32(26, 0x0a010a09);
  dv.setUint32(30, 0x0a010a0a);
  dv.setUint16(34, 40000);
  dv.setUint16(36, 6081);
  dv.setUint16(38, 8 + 8 + opts + payload.length);
  outer[42] = opts / 4;
  dv.setUint16(44, ip ? 0x0800 : 0x6558);
  outer[48] = 7;
  if (!ip) dv.setUint32(50, 0x01028001);
  outer.set(payload, 50 + opts);
  return outer;
}
function ipipWrap(innerIp: Uint8Array): Uint8Array {
  const outer = new Uint8Array(20 + innerIp.length);
  const dv = new DataView(outer.buffer);
  outer[0] = 0x45;
  dv.setUint16(2, 20 + innerIp.length);
  outer[8] = 64;
  outer[9] = 4;
  dv.setUint32(12, 0x0a010a09);
  dv.setUint32(16, 0x0a010a0a);
  outer.set(innerIp, 20);
  return outer;
}

beforeAll(() => installAllocationWatch());
afterAll(() => uninstallAllocationWatch());

describe('decoders under fuzzing', () => {
  it('has real frames of every seed link type', () => {
    const types = new Set(frames.map((f) => f.linkType));
    for (const t of [1, 101, 113, 276]) expect(types.has(t), `link type ${t}`).toBe(true);
    expect(frames.length).toBeGreaterThan(150);
  });

  it('every real frame, and the prefixes of one frame in 6, decode within the contract', () => {
    frames.forEach(({ frame, linkType }, i) => {
      fuzzDecode(frame, linkType, frames[(i + 1) % frames.length].frame);
      if (i % 6 !== 0) return;
      for (let n = 0; n < frame.length; n += n < 80 ? 1 : 37)
        fuzzDecode(frame.subarray(0, n), linkType, frame);
    });
  });

  it('random bytes on every link type', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600 }), fc.constantFrom(...LINK_TYPES), (b, lt) =>
        fuzzDecode(b, lt, frames[0].frame),
      ),
      { numRuns: 5000 * SCALE, interruptAfterTimeLimit: BUDGET_MS / 3, markInterruptAsFailure: false },
    );
  });

  it('mutated real frames (bit flips, byte sets, truncations, splices), on their own and on other link types', () => {
    fc.assert(
      fc.property(
        fc.nat(frames.length - 1),
        fc.nat(frames.length - 1),
        fc.constantFrom('bitflip', 'byte', 'truncate', 'splice', 'byte', 'bitflip'),
        fc.integer(),
        fc.boolean(),
        (i, j, kind, seed, sameType) => {
          const { frame, linkType } = frames[i];
          const m = mutate(frame, frames[j].frame, kind as 'bitflip', seed);
          fuzzDecode(
            m,
            sameType ? linkType : LINK_TYPES[Math.abs(seed) % LINK_TYPES.length],
            frames[j].frame,
          );
        },
      ),
      { numRuns: 20000 * SCALE, interruptAfterTimeLimit: BUDGET_MS / 2, markInterruptAsFailure: false },
    );
  });

  it('VXLAN and Geneve nested 12 deep and IPIP nested 200 deep: bounded, encapCount ≤ MAX_ENCAP', () => {
    const eth = frames.find(
      (f) => f.linkType === 1 && f.frame.length > 60 && f.frame[12] === 8 && f.frame[13] === 0,
    )!.frame;
    let v = eth;
    for (let d = 0; d < 12; d++) {
      v = vxlanWrap(v);
      fuzzDecode(v, 1, eth);
    }
    let g = eth;
    for (let d = 0; d < 12; d++) {
      // Geneve carrying Ethernet (with an option) or IP directly, VXLAN between them.
      g = d % 3 === 2 ? vxlanWrap(g) : geneveWrap(g, d % 3 === 1);
      fuzzDecode(g, 1, eth);
    }
    let ip = eth.subarray(14);
    for (let d = 0; d < 200; d++) {
      ip = ipipWrap(ip);
      if (d % 20 === 0 || d === 199) fuzzDecode(ip, 101, eth);
    }
  });

  it('replays the committed corpus (Jazzer findings: first byte = link type index)', () => {
    const corpus = loadCorpus('decode');
    expect(corpus.length).toBeGreaterThan(0);
    for (const c of corpus)
      fuzzDecode(c.bytes.subarray(1), LINK_TYPES[c.bytes[0] % LINK_TYPES.length], EMPTY);
  });
});
