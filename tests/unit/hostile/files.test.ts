// Hostile capture files against the readers: zero-length, wrong magic, truncated anywhere, pcapng with
// unknown blocks and options, huge lengths. Each must give a clear error with the offset, never a throw.
// Pinned findings from fuzzing (docs/reliability.md, "Open findings") have their own minimal cases here.

import { describe, expect, it } from 'vitest';
import { createCaptureReader } from '../../../main/pcap/reader.ts';
import type { ReadProblem } from '../../../main/pcap/types.ts';

/** Reads chunks; returns records (data lengths) and the final problem. Fails the test if anything throws. */
function read(chunks: Uint8Array[]): { lens: number[]; problem: ReadProblem | null } {
  const lens: number[] = [];
  const r = createCaptureReader((rec) => lens.push(rec.data.length));
  for (const c of chunks) if (r.push(c)) break;
  return { lens, problem: r.end() };
}

// ---- a tiny little-endian pcapng builder ----------------------------------------------------------------
function block(type: number, body: number[]): Uint8Array {
  const padded = [...body];
  while (padded.length % 4) padded.push(0);
  const len = 12 + padded.length;
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, len, true);
  b.set(padded, 8);
  dv.setUint32(len - 4, len, true);
  return b;
}
const u32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
const u16 = (v: number) => [v & 255, v >>> 8];
const SHB = () =>
  block(0x0a0d0d0a, [...u32(0x1a2b3c4d), ...u16(1), ...u16(0), ...u32(0xffffffff), ...u32(0xffffffff)]);
const IDB = (opts: number[] = []) => block(1, [...u16(1), ...u16(0), ...u32(0), ...opts]);
const FRAME = Array.from({ length: 42 }, (_, i) => i);
const EPB = (iface = 0, data = FRAME) =>
  block(6, [...u32(iface), ...u32(0), ...u32(1), ...u32(data.length), ...u32(data.length), ...data]);
const ISB = () => block(5, [...u32(0), ...u32(0), ...u32(0), ...u32(2), ...u16(0), ...u16(0)]);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function pcapHeader(linkType = 1, snaplen = 65535): Uint8Array {
  return new Uint8Array([
    0xd4,
    0xc3,
    0xb2,
    0xa1,
    ...u16(2),
    ...u16(4),
    ...u32(0),
    ...u32(0),
    ...u32(snaplen),
    ...u32(linkType),
  ]);
}
function pcapRecord(data = FRAME, caplen = data.length): Uint8Array {
  return new Uint8Array([...u32(1), ...u32(2), ...u32(caplen), ...u32(data.length), ...data]);
}

describe('hostile capture files', () => {
  it('zero-length input: PCAP_TRUNCATED at byte 0', () => {
    const { problem } = read([]);
    expect(problem).toMatchObject({ code: 'PCAP_TRUNCATED', offset: 0 });
  });

  it('wrong magic (text, gzip, ELF, a pcap with one byte changed): PCAP_BAD_MAGIC at byte 0 naming the bytes', () => {
    for (const head of [
      new TextEncoder().encode('GET / HTTP/1.1\r\n'),
      new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]),
      new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
      cat(new Uint8Array([0xd4, 0xc3, 0xb2, 0xa0]), pcapHeader().subarray(4)),
    ]) {
      const { problem, lens } = read([head]);
      expect(lens).toEqual([]);
      expect(problem?.code).toBe('PCAP_BAD_MAGIC');
      expect(problem?.offset).toBe(0);
      expect(problem?.message).toMatch(/byte 0/);
    }
  });

  it('classic pcap truncated inside the header, a record header and a record: offsets of the cut unit', () => {
    const f = cat(pcapHeader(), pcapRecord(), pcapRecord());
    const second = 24 + 16 + FRAME.length;
    expect(read([f.subarray(0, 10)]).problem).toMatchObject({ code: 'PCAP_TRUNCATED', offset: 0 });
    expect(read([f.subarray(0, second + 5)]).problem).toMatchObject({
      code: 'PCAP_TRUNCATED',
      offset: second,
    });
    const cut = read([f.subarray(0, second + 20)]);
    expect(cut.problem).toMatchObject({ code: 'PCAP_TRUNCATED', offset: second });
    expect(cut.lens).toEqual([FRAME.length]); // everything before the cut is still delivered
  });

  it('classic pcap: caplen 2^31 / 2^32-1 is PCAP_MALFORMED at the record, not an allocation', () => {
    for (const caplen of [0x80000000, 0xffffffff, 0x7fffffff, 256 * 1024 + 1]) {
      const f = cat(pcapHeader(1, 65535), pcapRecord(), pcapRecord(FRAME, caplen));
      for (const chunks of [[f], [f.subarray(0, 90), f.subarray(90)]]) {
        const { problem, lens } = read(chunks);
        expect(problem).toMatchObject({ code: 'PCAP_MALFORMED', offset: 24 + 16 + FRAME.length });
        expect(problem?.message).toContain(String(caplen));
        expect(lens).toEqual([FRAME.length]);
      }
    }
    // Above the file's snaplen but within 256 KiB: read as libpcap reads it; here the file ends inside it.
    const f = cat(pcapHeader(1, 65535), pcapRecord(), pcapRecord(FRAME, 65536));
    for (const chunks of [[f], [f.subarray(0, 90), f.subarray(90)]]) {
      const { problem, lens } = read(chunks);
      expect(problem).toMatchObject({ code: 'PCAP_TRUNCATED', offset: 24 + 16 + FRAME.length });
      expect(lens).toEqual([FRAME.length]);
    }
  });

  it('pcapng: unknown block types and unknown options are skipped', () => {
    const unknown = block(0x0bad, [1, 2, 3, 4, 5, 6, 7, 8]);
    const custom = block(0x40000bad, u32(32473));
    const idbOpts = [
      ...u16(0x7fff),
      ...u16(3),
      1,
      2,
      3,
      0,
      ...u16(2),
      ...u16(4),
      ...u32(0x41414141),
      ...u16(0),
      ...u16(0),
    ];
    const f = cat(SHB(), unknown, IDB(idbOpts), custom, EPB(), ISB(), EPB());
    for (let split = 1; split < f.length; split++) {
      const { problem, lens } = read([f.subarray(0, split), f.subarray(split)]);
      expect(problem, `split at ${split}`).toBeNull();
      expect(lens, `split at ${split}`).toEqual([FRAME.length, FRAME.length]);
    }
  });

  it('pcapng: huge block length, length not a multiple of 4, trailing length mismatch: PCAP_MALFORMED at the block', () => {
    const base = cat(SHB(), IDB(), EPB());
    const at = SHB().length + IDB().length;
    for (const [field, value] of [
      [4, 0x80000000],
      [4, 0xfffffffc],
      [4, 13],
      [4, 8],
      [20, 0x7fffffff],
      [8, 7], // EPB names interface 7, which does not exist
    ] as const) {
      const f = new Uint8Array(base);
      new DataView(f.buffer).setUint32(at + field, value, true);
      const { problem } = read([f]);
      expect(problem, `field ${field} = ${value}`).toMatchObject({ code: 'PCAP_MALFORMED', offset: at });
    }
    const f = new Uint8Array(base);
    new DataView(f.buffer).setUint32(f.length - 4, 99, true);
    expect(read([f]).problem).toMatchObject({ code: 'PCAP_MALFORMED', offset: at });
  });

  it('pcapng: an IDB option overrunning its block is PCAP_MALFORMED at the IDB', () => {
    const f = cat(SHB(), IDB([...u16(2), ...u16(0xfff0), 65, 66, 67, 68]), EPB());
    expect(read([f]).problem).toMatchObject({ code: 'PCAP_MALFORMED', offset: SHB().length });
  });

  // Finding R1 (docs/reliability.md): a capture cut inside a block the reader skips (ISB, NRB, custom…).
  it('R1: pcapng cut inside a skipped block reports the offset where that block starts', () => {
    const head = cat(SHB(), IDB(), EPB());
    const f = cat(head, ISB());
    const { problem, lens } = read([f.subarray(0, f.length - 4)]);
    expect(lens).toEqual([FRAME.length]);
    expect(problem?.code).toBe('PCAP_TRUNCATED');
    expect(problem?.offset).toBe(head.length);
  });

  // Finding R2 (docs/reliability.md): a chunk boundary inside the first 12 bytes of a skipped block.
  it('R2: pcapng chunk boundary inside a skipped block header does not desynchronise the reader', () => {
    const head = cat(SHB(), IDB(), EPB());
    const f = cat(head, ISB(), EPB());
    for (let k = 1; k < 12; k++) {
      const split = head.length + k;
      const { problem, lens } = read([f.subarray(0, split), f.subarray(split)]);
      expect(problem, `split ${k} bytes into the ISB`).toBeNull();
      expect(lens).toEqual([FRAME.length, FRAME.length]);
    }
  });

  // Finding R9 (docs/reliability.md): a skipped block whose trailing length is wrong.
  it('R9: a skipped block with a wrong trailing length gives the same problem whatever the chunking', () => {
    const head = cat(SHB(), IDB(), EPB());
    const bad = block(0x0e, [1, 2, 3, 4, 5, 6, 7, 8]);
    new DataView(bad.buffer).setUint32(bad.length - 4, 65536, true);
    const f = cat(head, bad, EPB());
    const whole = read([f]);
    for (let k = 1; k < bad.length; k++) {
      const split = head.length + k;
      const r = read([f.subarray(0, split), f.subarray(split)]);
      expect(r.problem, `split ${k} bytes into the block`).toEqual(whole.problem);
      expect(r.lens).toEqual(whole.lens);
    }
  });
});
