// The streaming pcap/pcapng readers on real lab captures: every prefix, random chunkings, both magics and
// byte orders, pcapng with several interfaces, damaged inputs, and pcap-parser as an independent oracle.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pcapParser from 'pcap-parser';
import { describe, expect, it } from 'vitest';
import {
  createCaptureReader,
  openCapture,
  PcapngStreamReader,
  PcapStreamReader,
  readCaptureFile,
  readCaptureFileSync,
  type CaptureReader,
  type CaptureRecord,
  type ReadProblem,
} from '../../main/pcap/index.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures');
const SYN = path.join(FIX, 'synthetic');

/** Every capture under tests/fixtures (lab scenarios and synthetic). */
function fixtureFiles(): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) {
        if (depth < 2) visit(p, depth + 1);
      } else if (/\.pcap(ng)?$/.test(f)) out.push(p);
    }
  };
  visit(FIX, 0);
  return out.sort();
}

interface Rec {
  index: number;
  offset: number;
  tsSec: number;
  tsNsec: number;
  origLen: number;
  linkType: number;
  interfaceId: number;
  hex: string;
}

function snap(r: CaptureRecord): Rec {
  // The view-free form names the same bytes as the data view.
  if (
    r.caplen !== r.data.length ||
    r.data.byteOffset !== r.buf.byteOffset + r.dataOffset ||
    r.data.buffer !== r.buf.buffer
  ) {
    throw new Error(`record ${r.index}: buf/dataOffset/caplen disagree with data`);
  }
  return {
    index: r.index,
    offset: r.offset,
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    origLen: r.origLen,
    linkType: r.linkType,
    interfaceId: r.interfaceId,
    hex: Buffer.from(r.data).toString('hex'),
  };
}

function readChunks(chunks: Uint8Array[]): {
  recs: Rec[];
  problem: ReadProblem | null;
  reader: CaptureReader;
} {
  const recs: Rec[] = [];
  const reader = createCaptureReader((r) => recs.push(snap(r)));
  for (const c of chunks) if (reader.push(c)) break;
  return { recs, problem: reader.end(), reader };
}

/** A small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function split(bytes: Uint8Array, sizes: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0; p < bytes.length;) {
    const n = Math.max(1, Math.min(bytes.length - p, sizes()));
    out.push(bytes.subarray(p, p + n));
    p += n;
  }
  return out;
}

const files = fixtureFiles();

describe('fixtures are present', () => {
  it('has lab captures and synthetic variants to read', () => {
    expect(files.filter((f) => f.includes('flannel-vxlan')).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.includes('calico-ipip')).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.includes('synthetic')).length).toBe(8);
  });
});

describe.each(files.map((f) => [path.relative(FIX, f), f]))('%s', (_name, file) => {
  const bytes = new Uint8Array(readFileSync(file));
  const whole = readChunks([bytes]);

  it('reads cleanly, with the count tcpdump/capinfos agree on and increasing offsets', () => {
    expect(whole.problem).toBeNull();
    expect(whole.reader.bytes).toBe(bytes.length);
    for (let i = 1; i < whole.recs.length; i++)
      expect(whole.recs[i].offset).toBeGreaterThan(whole.recs[i - 1].offset);
    for (const r of whole.recs) {
      expect(r.tsNsec).toBeGreaterThanOrEqual(0);
      expect(r.tsNsec).toBeLessThan(1e9);
      expect(r.hex.length / 2).toBeLessThanOrEqual(r.origLen);
    }
  });

  it('gives the same records for random chunkings, byte-at-a-time included', () => {
    const r = rng(bytes.length);
    for (const sizes of [
      () => 1,
      () => 1 + Math.floor(r() * 7),
      () => 1 + Math.floor(r() * 200),
      () => 4096,
    ]) {
      const got = readChunks(split(bytes, sizes));
      expect(got.problem).toBeNull();
      expect(got.recs).toEqual(whole.recs);
    }
  });

  it('every prefix yields the records that fit and reports the cut one as truncated with its offset', () => {
    // Record boundaries: [start, end) of each record (pcap: header + data; pcapng: whole block).
    const starts = whole.recs.map((r) => r.offset);
    const ends = whole.recs.map((_r, i) => (i + 1 < whole.recs.length ? starts[i + 1] : bytes.length));
    const endSet = new Set(ends);
    const classic = file.endsWith('.pcap');
    // Checked by hand and collected: ~10^4 prefixes per file would make per-prefix expect() calls slow.
    const failures: string[] = [];
    for (let n = 0; n <= bytes.length; n++) {
      const got: number[] = [];
      const reader = createCaptureReader((rec) => got.push(rec.offset));
      reader.push(bytes.subarray(0, n));
      const problem = reader.end();
      let complete = 0;
      while (complete < ends.length && ends[complete] <= n) complete++;
      const bad = (why: string) => failures.push(`prefix ${n}: ${why} (problem ${JSON.stringify(problem)})`);
      if (got.some((o, i) => o !== starts[i])) bad('records differ from the whole read');
      // pcapng may hold non-packet blocks after a packet: a cut there still delivers every packet before it.
      if (got.length < complete) bad(`${got.length} records, ${complete} fit`);
      if (classic) {
        // Clean exactly after the file header or a whole record; else truncated at the record being cut
        // (at 0 inside the file header).
        const clean = n === 24 || endSet.has(n);
        if ((problem === null) !== clean) bad(clean ? 'problem at a boundary' : 'no problem inside a record');
        if (!clean && got.length !== complete) bad('delivered a record that does not fit');
        const cut = n < 24 ? 0 : starts[complete];
        if (!clean && (problem?.code !== 'PCAP_TRUNCATED' || problem.offset !== cut))
          bad(`not truncated at ${cut}`);
      } else if (n === bytes.length) {
        if (problem) bad('problem at the end');
      } else if (problem) {
        if (problem.code !== 'PCAP_TRUNCATED' || problem.offset > n) bad('not truncated before the cut');
        const next = whole.recs[got.length];
        if (next && n > next.offset && problem.offset !== next.offset) bad('not truncated at the cut packet');
      } else if (n === 0) bad('empty stream is fine?');
      if (failures.length > 5) break;
    }
    expect(failures).toEqual([]);
  });

  it('reads the same through the file helpers (sync, async, small chunks)', async () => {
    const a: Rec[] = [];
    const sync = readCaptureFileSync(file, (r) => a.push(snap(r)), { chunkSize: 97 });
    expect(sync.ok && sync.value.problem).toBe(null);
    expect(a).toEqual(whole.recs);
    const b: Rec[] = [];
    const asy = await readCaptureFile(file, (r) => b.push(snap(r)));
    expect(asy.ok && asy.value.records).toBe(whole.recs.length);
    expect(b).toEqual(whole.recs);
  });
});

describe('classic pcap: magics and byte orders', () => {
  const variants = ['ens33-nano-le', 'ens33-nano-be', 'ens33-micro-le', 'ens33-micro-be'].map((n) => {
    const recs: Rec[] = [];
    const r = readCaptureFileSync(path.join(SYN, `${n}.pcap`), (x) => recs.push(snap(x)));
    if (!r.ok) throw new Error(r.error.message);
    return { n, recs, iface: r.value.interfaces[0] };
  });

  it('all four read the same frames, lengths and link type', () => {
    const [base, ...rest] = variants;
    expect(base.recs.length).toBeGreaterThan(0);
    for (const v of rest) {
      expect(v.recs.map((r) => [r.hex, r.origLen, r.linkType, r.offset])).toEqual(
        base.recs.map((r) => [r.hex, r.origLen, r.linkType, r.offset]),
      );
    }
  });

  it('nanosecond files keep nanoseconds; microsecond files are the same instants to the microsecond', () => {
    const nano = variants[0].recs;
    expect(variants[0].iface.tsUnitsPerSec).toBe(1e9);
    expect(variants[2].iface.tsUnitsPerSec).toBe(1e6);
    expect(nano.some((r) => r.tsNsec % 1000 !== 0)).toBe(true); // the lab really records nanoseconds
    for (const v of variants) {
      const micro = v.n.includes('micro');
      v.recs.forEach((r, i) => {
        expect(r.tsSec).toBe(nano[i].tsSec);
        expect(r.tsNsec).toBe(micro ? Math.floor(nano[i].tsNsec / 1000) * 1000 : nano[i].tsNsec);
      });
    }
  });

  it('agrees with pcap-parser (independent oracle) on the microsecond files', async () => {
    for (const v of variants.filter((x) => x.n.includes('micro'))) {
      const theirs = await new Promise<{ sec: number; usec: number; orig: number; hex: string }[]>(
        (resolve, reject) => {
          const got: { sec: number; usec: number; orig: number; hex: string }[] = [];
          const p = pcapParser.parse(path.join(SYN, `${v.n}.pcap`));
          p.on('packet', (pk) =>
            got.push({
              sec: pk.header.timestampSeconds,
              usec: pk.header.timestampMicroseconds,
              orig: pk.header.originalLength,
              hex: pk.data.toString('hex'),
            }),
          );
          p.on('end', () => resolve(got));
          p.on('error', reject);
        },
      );
      expect(theirs.length).toBe(v.recs.length);
      expect(
        v.recs.map((r) => ({ sec: r.tsSec, usec: r.tsNsec / 1000, orig: r.origLen, hex: r.hex })),
      ).toEqual(theirs);
    }
  });

  it('pcap-parser rejects the nanosecond magic that ours reads (why production uses ours)', async () => {
    const err = await new Promise<Error | null>((resolve) => {
      const p = pcapParser.parse(path.join(SYN, 'ens33-nano-le.pcap'));
      p.on('error', (e) => resolve(e));
      p.on('end', () => resolve(null));
    });
    expect(err?.message).toMatch(/magic/);
  });
});

describe('damaged input is reported, never thrown or allocated', () => {
  const good = new Uint8Array(readFileSync(path.join(SYN, 'ens33-nano-le.pcap')));
  const recs = readChunks([good]).recs;

  it('bad magic → PCAP_BAD_MAGIC at offset 0, no records', () => {
    const bad = good.slice();
    bad.set([0xde, 0xad, 0xbe, 0xef], 0);
    const got = readChunks([bad]);
    expect(got.recs).toEqual([]);
    expect(got.problem).toMatchObject({ code: 'PCAP_BAD_MAGIC', offset: 0 });
    // The same from the format-specific readers.
    const c = new PcapStreamReader(() => {});
    c.push(bad);
    expect(c.end()?.code).toBe('PCAP_BAD_MAGIC');
    const g = new PcapngStreamReader(() => {});
    g.push(bad);
    expect(g.end()?.code).toBe('PCAP_BAD_MAGIC');
  });

  it("Hopscope's own journeys JSON export is said to be one (not a capture), and the pcapng export to re-open", () => {
    const json = new TextEncoder().encode('{"schema":"hopscope.journeys/1","generator":"hopscope 0.1.0"}\n');
    for (const chunks of [[json], split(json, () => 1)]) {
      const got = readChunks(chunks);
      expect(got.recs).toEqual([]);
      expect(got.problem).toMatchObject({ code: 'PCAP_BAD_MAGIC', offset: 0 });
      expect(got.problem!.message).toContain("Hopscope's journeys export");
      expect(got.problem!.message).toContain('open the pcapng export');
    }
  });

  it('a huge caplen is PCAP_MALFORMED at its record, after the records before it', () => {
    const third = recs[2];
    for (const caplen of [0xfffffff0, 256 * 1024 + 1, 262144 + 4]) {
      const bad = good.slice();
      new DataView(bad.buffer).setUint32(third.offset + 8, caplen, true);
      for (const chunks of [[bad], split(bad, () => 5)]) {
        const got = readChunks(chunks);
        expect(got.recs.map((r) => r.offset)).toEqual([recs[0].offset, recs[1].offset]);
        expect(got.problem).toMatchObject({ code: 'PCAP_MALFORMED', offset: third.offset });
      }
    }
  });

  it('a caplen above the file snaplen (but within 256 KiB) is read, as libpcap, tcpdump and Wireshark do', () => {
    const odd = good.slice();
    new DataView(odd.buffer).setUint32(16, 64, true); // snaplen 64, but frames are longer
    expect(recs.some((r) => r.hex.length / 2 > 64)).toBe(true);
    const got = readChunks([odd]);
    expect(got.problem).toBeNull();
    expect(got.recs.map((r) => r.hex)).toEqual(recs.map((r) => r.hex));
  });

  it('empty and header-only streams', () => {
    expect(readChunks([]).problem).toMatchObject({ code: 'PCAP_TRUNCATED', offset: 0 });
    expect(readChunks([good.subarray(0, 10)]).problem).toMatchObject({ code: 'PCAP_TRUNCATED', offset: 0 });
    expect(readChunks([good.subarray(0, 24)]).problem).toBeNull();
  });

  it('openCapture sniffs the format and refuses what is neither', async () => {
    const a = await openCapture(path.join(SYN, 'ens33-micro-be.pcap'));
    expect(a.ok && a.value.format).toBe('pcap');
    const b = await openCapture(path.join(SYN, 'multi.pcapng'));
    expect(b.ok && b.value.format).toBe('pcapng');
    expect(b.ok && b.value.interfaces.length).toBe(3);
    const c = await openCapture(path.join(SYN, 'README.md'));
    expect(!c.ok && c.error.code).toBe('PCAP_BAD_MAGIC');
    const d = await openCapture(path.join(SYN, 'does-not-exist.pcap'));
    expect(!d.ok && d.error.code).toBe('FILE_NOT_FOUND');
  });
});

// --- pcapng ---------------------------------------------------------------------------------------------

describe('pcapng', () => {
  it('mergecap multi-interface file: per-interface records equal the source captures', () => {
    const recs: Rec[] = [];
    const r = readCaptureFileSync(path.join(SYN, 'multi.pcapng'), (x) => recs.push(snap(x)));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.problem).toBeNull();
    expect(r.value.interfaces.map((i) => i.linkType)).toEqual([1, 101, 1]);
    const sources = [
      path.join(FIX, 'synthetic', 'ens33-nano-le.pcap'),
      null, // calico-ipip tunl0: compared by count and link type only (the lab may re-record it)
      null,
    ];
    const ens33: Rec[] = [];
    readCaptureFileSync(sources[0]!, (x) => ens33.push(snap(x)));
    const mine = recs.filter((x) => x.interfaceId === 0);
    expect(mine.map((x) => [x.hex, x.tsSec, x.tsNsec])).toEqual(ens33.map((x) => [x.hex, x.tsSec, x.tsNsec]));
    expect(recs.filter((x) => x.interfaceId === 1).every((x) => x.linkType === 101)).toBe(true);
    expect(recs.filter((x) => x.interfaceId === 2).length).toBeGreaterThan(0);
  });

  // A writer for hand-built sections (both byte orders, options, SPB, unknown blocks) around real frames.
  const frames = readChunks([new Uint8Array(readFileSync(path.join(SYN, 'ens33-nano-le.pcap')))]).recs.map(
    (r) => Buffer.from(r.hex, 'hex'),
  );
  function block(le: boolean, type: number, body: Buffer): Buffer {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const b = Buffer.alloc(12 + padded.length);
    const w = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
    w(type, 0);
    w(b.length, 4);
    padded.copy(b, 8);
    w(b.length, b.length - 4);
    return b;
  }
  function opt(le: boolean, code: number, value: Buffer): Buffer {
    const h = Buffer.alloc(4);
    if (le) {
      h.writeUInt16LE(code, 0);
      h.writeUInt16LE(value.length, 2);
    } else {
      h.writeUInt16BE(code, 0);
      h.writeUInt16BE(value.length, 2);
    }
    return Buffer.concat([h, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
  }
  function u32s(le: boolean, ...vals: number[]): Buffer {
    const b = Buffer.alloc(4 * vals.length);
    vals.forEach((v, i) => (le ? b.writeUInt32LE(v >>> 0, 4 * i) : b.writeUInt32BE(v >>> 0, 4 * i)));
    return b;
  }
  function shb(le: boolean): Buffer {
    const body = Buffer.alloc(16);
    if (le) {
      body.writeUInt32LE(0x1a2b3c4d, 0);
      body.writeUInt16LE(1, 4);
    } else {
      body.writeUInt32BE(0x1a2b3c4d, 0);
      body.writeUInt16BE(1, 4);
    }
    body.fill(0xff, 8, 16); // section length unknown
    return block(le, 0x0a0d0d0a, body);
  }
  function idb(le: boolean, linkType: number, snaplen: number, opts: Buffer[]): Buffer {
    const head = Buffer.alloc(8);
    if (le) {
      head.writeUInt16LE(linkType, 0);
      head.writeUInt32LE(snaplen, 4);
    } else {
      head.writeUInt16BE(linkType, 0);
      head.writeUInt32BE(snaplen, 4);
    }
    return block(le, 1, Buffer.concat([head, ...opts, Buffer.alloc(4)]));
  }
  function epb(le: boolean, iface: number, hi: number, lo: number, frame: Buffer): Buffer {
    return block(le, 6, Buffer.concat([u32s(le, iface, hi, lo, frame.length, frame.length + 4), frame]));
  }

  // 2026-11-26T03:00:00.123456789Z in units of 1 ns and 1 µs.
  const SEC = 1795662000;
  const NS = BigInt(SEC) * 1_000_000_000n + 123_456_789n;
  const US = BigInt(SEC) * 1_000_000n + 123_456n;
  const hi = (v: bigint) => Number(v >> 32n);
  const lo = (v: bigint) => Number(v & 0xffffffffn);

  function twoSections(): Buffer {
    const parts: Buffer[] = [];
    for (const le of [true, false]) {
      parts.push(shb(le));
      parts.push(
        idb(le, 1, 262144, [
          opt(le, 2, Buffer.from(le ? 'node-1/ens33' : 'node-2/ens33')),
          opt(le, 3, Buffer.from('the node NIC')),
          opt(le, 6, Buffer.from([0, 0x0c, 0x29, 0x10, 0xa9, 0x6c])),
          opt(le, 9, Buffer.from([9])),
        ]),
      );
      parts.push(idb(le, 101, 0, [opt(le, 2, Buffer.from('tunl0'))])); // default resolution: microseconds
      parts.push(block(le, 0x0bad, Buffer.alloc(40, 7))); // unknown block: skipped
      parts.push(epb(le, 0, hi(NS), lo(NS), frames[2]));
      parts.push(epb(le, 1, hi(US), lo(US), frames[3].subarray(14))); // raw IP: the frame without Ethernet
      parts.push(block(le, 3, Buffer.concat([u32s(le, frames[0].length), frames[0]]))); // SPB on interface 0
      parts.push(block(le, 5, Buffer.alloc(20))); // interface statistics: skipped
    }
    return Buffer.concat(parts);
  }

  it('two sections in both byte orders: interfaces, options, resolutions, EPB/SPB, unknown blocks', () => {
    const bytes = new Uint8Array(twoSections());
    const whole = readChunks([bytes]);
    expect(whole.problem).toBeNull();
    const ifs = whole.reader.interfaces;
    expect(ifs.map((i) => [i.name, i.linkType, i.section, i.id, i.tsUnitsPerSec])).toEqual([
      ['node-1/ens33', 1, 0, 0, 1e9],
      ['tunl0', 101, 0, 1, 1e6],
      ['node-2/ens33', 1, 1, 0, 1e9],
      ['tunl0', 101, 1, 1, 1e6],
    ]);
    expect(ifs[0].description).toBe('the node NIC');
    expect(ifs[0].mac).toBe(0x000c2910a96c);
    expect(whole.recs.map((r) => [r.interfaceId, r.linkType, r.tsSec, r.tsNsec])).toEqual([
      [0, 1, SEC, 123_456_789],
      [1, 101, SEC, 123_456_000],
      [0, 1, 0, 0], // SPBs carry no timestamp
      [2, 1, SEC, 123_456_789],
      [3, 101, SEC, 123_456_000],
      [2, 1, 0, 0],
    ]);
    expect(whole.recs[0].hex).toBe(frames[2].toString('hex'));
    expect(whole.recs[1].hex).toBe(frames[3].subarray(14).toString('hex'));
    expect(whole.recs[2].hex).toBe(frames[0].toString('hex'));
    expect(whole.recs[3].hex).toBe(frames[2].toString('hex'));
    // Every chunking, and every prefix, agree.
    for (const size of [1, 3, 13, 64]) expect(readChunks(split(bytes, () => size)).recs).toEqual(whole.recs);
    for (let n = 0; n < bytes.length; n++) {
      const got = readChunks([bytes.subarray(0, n)]);
      expect(got.recs).toEqual(whole.recs.slice(0, got.recs.length));
      if (got.problem) expect(got.problem.code).toBe('PCAP_TRUNCATED');
    }
  });

  it('huge block lengths and packets naming unknown interfaces are malformed, with the offset', () => {
    const good = twoSections();
    const sh = shb(true).length;
    const idb0 = idb(true, 1, 262144, [
      opt(true, 2, Buffer.from('node-1/ens33')),
      opt(true, 3, Buffer.from('the node NIC')),
      opt(true, 6, Buffer.from([0, 0x0c, 0x29, 0x10, 0xa9, 0x6c])),
      opt(true, 9, Buffer.from([9])),
    ]).length;
    for (const len of [0xfffffff0, 0x7ffffffc, 13, 8]) {
      const bad = Buffer.from(good);
      bad.writeUInt32LE(len, sh + 4); // the first IDB's length
      for (const chunks of [[new Uint8Array(bad)], split(new Uint8Array(bad), () => 7)]) {
        const got = readChunks(chunks);
        expect(got.recs).toEqual([]);
        expect(got.problem).toMatchObject({ code: 'PCAP_MALFORMED', offset: sh });
      }
    }
    const bad = Buffer.from(good);
    const epbAt = sh + idb0 + idb(true, 101, 0, [opt(true, 2, Buffer.from('tunl0'))]).length + 52;
    expect(bad.readUInt32LE(epbAt)).toBe(6);
    bad.writeUInt32LE(9, epbAt + 8); // interface 9 was never described
    expect(readChunks([new Uint8Array(bad)]).problem).toMatchObject({
      code: 'PCAP_MALFORMED',
      offset: epbAt,
    });
  });
});
