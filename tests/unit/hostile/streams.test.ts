// Hostile tcpdump streams at the level of the capture engine's stream consumer (InterfaceCapture feeds each
// SSH chunk, after writing it to disk, to a PcapStreamReader for its live counters) and the reader that
// reopens the stored file: garbage instead of pcap, a header then silence, an endless
// stream. The consumer must never throw, must say what is wrong, and must not grow with the stream.

import { describe, expect, it } from 'vitest';

import { PcapStreamReader } from '../../../main/pcap/index.ts';
import { createCaptureReader } from '../../../main/pcap/reader.ts';
import {
  installAllocationWatch,
  largestAllocationDuring,
  rng,
  uninstallAllocationWatch,
} from '../../fuzz/harness.ts';

const HEADER = new Uint8Array([
  0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0,
]);
function record(i: number, len: number): Uint8Array {
  const b = new Uint8Array(16 + len);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 1_700_000_000 + i, true);
  dv.setUint32(4, i % 1e9, true);
  dv.setUint32(8, len, true);
  dv.setUint32(12, len, true);
  b.fill(i & 255, 16);
  return b;
}

describe('hostile streams into the capture consumer', () => {
  it('garbage instead of pcap (an error page, a shell banner, random bytes): counting stops with a reason, no throw', () => {
    const r = rng(7);
    for (const g of [
      new TextEncoder().encode('sudo: a terminal is required to read the password\n'.repeat(3)),
      new TextEncoder().encode('<html><body>Welcome to node-1</body></html>'.repeat(5)),
      Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256)),
    ]) {
      const c = new PcapStreamReader(() => {});
      let first = null;
      for (let p = 0; p < g.length; p += 7) first ??= c.push(g.subarray(p, p + 7));
      expect(first).toMatchObject({ code: 'PCAP_BAD_MAGIC', offset: 0 });
      expect(c.records).toBe(0);
      const reader = createCaptureReader(() => {});
      reader.push(g);
      expect(reader.end()?.code).toBe('PCAP_BAD_MAGIC');
    }
  });

  it('a header then silence: zero packets, nothing pending, the stored file reopens cleanly', () => {
    const c = new PcapStreamReader(() => {});
    expect(c.push(HEADER)).toBeNull();
    expect(c.records).toBe(0);
    expect(c.interfaces[0]).toMatchObject({ linkType: 1, tsUnitsPerSec: 1e9 });
    const reader = createCaptureReader(() => {});
    reader.push(HEADER);
    expect(reader.end()).toBeNull();
  });

  it('a record cut by the connection: not counted as complete, reported PCAP_TRUNCATED at its offset on reopen', () => {
    const c = new PcapStreamReader(() => {});
    const rec = record(1, 100);
    c.push(HEADER);
    c.push(record(0, 60));
    c.push(rec.subarray(0, 50));
    expect(c.records).toBe(1);
    const lens: number[] = [];
    const reader = createCaptureReader((x) => lens.push(x.data.length));
    reader.push(HEADER);
    reader.push(record(0, 60));
    reader.push(rec.subarray(0, 50));
    expect(reader.end()).toMatchObject({ code: 'PCAP_TRUNCATED', offset: 24 + 76 });
    expect(lens).toEqual([60]);
  });

  it('an endless stream (64 MiB in random chunks): counts every record, allocation stays bounded', () => {
    installAllocationWatch();
    try {
      const c = new PcapStreamReader(() => {});
      let sent = 0;
      let total = 0;
      const r = rng(3);
      // One 1 MiB block of records, replayed: what matters is that nothing accumulates across pushes.
      const parts: Uint8Array[] = [];
      let blockLen = 0;
      for (let i = 0; blockLen < 1 << 20; i++) {
        const x = record(i, 60 + (i % 1400));
        parts.push(x);
        blockLen += x.length;
      }
      const block = new Uint8Array(blockLen);
      let o = 0;
      for (const p of parts) {
        block.set(p, o);
        o += p.length;
      }
      c.push(HEADER);
      const biggest = largestAllocationDuring(() => {
        for (let rep = 0; rep < 64; rep++) {
          for (let p = 0; p < block.length;) {
            const n = 1 + Math.floor(r() * 70_000);
            expect(c.push(block.subarray(p, p + n))).toBeNull();
            p += n;
            total += Math.min(n, block.length - p + n);
          }
          sent += parts.length;
        }
      });
      expect(c.records).toBe(sent);
      expect(c.end()).toBeNull();
      // Only a record that spans two chunks is copied: the largest allocation is one record, whatever streamed past.
      expect(biggest).toBeLessThanOrEqual(16 + 1460);
      expect(total).toBe(64 * block.length);
    } finally {
      uninstallAllocationWatch();
    }
  });

  it('an absurd caplen mid-stream is PCAP_MALFORMED at its offset instead of waiting for 4 GiB', () => {
    const c = new PcapStreamReader(() => {});
    c.push(HEADER);
    c.push(record(0, 60));
    const bad = record(1, 10);
    new DataView(bad.buffer).setUint32(8, 0xfffffff0, true);
    expect(c.push(bad)).toMatchObject({ code: 'PCAP_MALFORMED', offset: 24 + 76 });
    expect(c.records).toBe(1);
  });
});
