// countRecords (main/session/ingestFiles.ts), which an ingest worker runs over the files before its own to find its
// first row, counts a classic pcap's records from their headers alone: it must count what the reader reads, record
// for record: on every fixture file (pcap and pcapng), on files larger than a read chunk, cut inside a record or
// a record header, big-endian, and with a record the reader refuses (a caplen past MAX_CAPLEN).

import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { createCaptureReader } from '../../main/pcap/reader.ts';
import { MAX_CAPLEN } from '../../main/pcap/types.ts';
import { countRecords, READ_CHUNK } from '../../main/session/ingestFiles.ts';
import { tempDir } from '../tempDir.ts';
import { FIXTURES, readPcap } from './correlate-helpers.ts';

let tmp: string;
const buf = new Uint8Array(READ_CHUNK);

beforeAll(() => {
  tmp = tempDir('hs-count-');
});

/** The reader's own count: every record it hands out, the file pushed in `chunk`-byte pieces. */
function readerCount(file: string, chunk = READ_CHUNK): number {
  const bytes = fs.readFileSync(file);
  let n = 0;
  const reader = createCaptureReader(() => n++);
  for (let p = 0; p < bytes.length; p += chunk) if (reader.push(bytes.subarray(p, p + chunk))) break;
  reader.end();
  expect(reader.records).toBe(n);
  return n;
}

function captureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...captureFiles(p));
    else if (/\.pcap(ng)?$/.test(e.name)) out.push(p);
  }
  return out;
}

/** `file` rewritten big-endian (magic, header and record headers swapped). */
function bigEndian(file: string, out: string): void {
  const b = Buffer.from(fs.readFileSync(file));
  const swap = (at: number, len: 2 | 4) => b.subarray(at, at + len).reverse();
  swap(0, 4);
  swap(4, 2);
  swap(6, 2);
  for (const at of [8, 12, 16, 20]) swap(at, 4);
  for (let p = 24; p + 16 <= b.length;) {
    const caplen = b.readUInt32LE(p + 8);
    for (let k = 0; k < 16; k += 4) swap(p + k, 4);
    p += 16 + caplen;
  }
  fs.writeFileSync(out, b);
}

describe('countRecords', () => {
  it('counts what the reader reads on every fixture capture', () => {
    const files = captureFiles(FIXTURES);
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.endsWith('.pcapng'))).toBe(true);
    for (const f of files) expect(countRecords(f, buf), f).toBe(readerCount(f));
  });

  it('counts records across read chunks, and a file cut anywhere in its last record', () => {
    const dir = path.join(tmp, 'gen');
    generate({ outDir: dir, journeys: 10_000, seed: 9, extras: false });
    const file = path.join(dir, 'path', fs.readdirSync(path.join(dir, 'path'))[0]);
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(READ_CHUNK);
    const whole = countRecords(file, buf);
    expect(whole).toBe(readerCount(file));
    expect(whole).toBe(readPcap(file).records.length);
    // Cut 1..200 bytes short (inside the last record or its header), and at a chunk's edge.
    const cut = path.join(tmp, 'cut.pcap');
    for (const end of [
      ...Array.from({ length: 200 }, (_, k) => bytes.length - 1 - k),
      READ_CHUNK,
      READ_CHUNK + 7,
    ]) {
      fs.writeFileSync(cut, bytes.subarray(0, end));
      expect(countRecords(cut, buf), `cut at ${end}`).toBe(readerCount(cut));
    }
  });

  it('counts a big-endian file, and stops where the reader refuses a record', () => {
    const file = captureFiles(path.join(FIXTURES, 'flannel-vxlan')).find((f) => f.endsWith('.pcap'))!;
    const be = path.join(tmp, 'be.pcap');
    bigEndian(file, be);
    expect(countRecords(be, buf)).toBe(readPcap(file).records.length);
    expect(countRecords(be, buf)).toBe(readerCount(be));
    // A third record with a caplen past the limit, its bytes all there (inside one read chunk): the reader stops at
    // it (PCAP_MALFORMED), after two records.
    const b = Buffer.from(fs.readFileSync(file));
    let p = 24;
    for (let k = 0; k < 2; k++) p += 16 + b.readUInt32LE(p + 8);
    const header = Buffer.from(b.subarray(p, p + 16));
    header.writeUInt32LE(MAX_CAPLEN + 1, 8);
    const bad = path.join(tmp, 'bad.pcap');
    fs.writeFileSync(
      bad,
      Buffer.concat([b.subarray(0, p), header, Buffer.alloc(MAX_CAPLEN + 1), b.subarray(p)]),
    );
    expect(fs.statSync(bad).size).toBeLessThan(READ_CHUNK);
    expect(readerCount(bad)).toBe(2);
    expect(countRecords(bad, buf)).toBe(2);
  });
});
