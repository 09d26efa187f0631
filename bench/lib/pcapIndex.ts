// Finished classic pcap captures copied into a fresh folder as if they were being written, record by record up
// to a moment: for the benches that replay a capture to the app's live path (liveWindow.ts, liveReplay.ts).

import fs from 'node:fs';
import path from 'node:path';

import { createCaptureReader } from '../../main/pcap/reader.ts';

const PCAP_HEADER = 24;

/** Per record: the file offset where it ends, and its time (ns since the epoch, as a float: µs precision). */
export function pcapIndex(file: string): { end: Float64Array; t: Float64Array } {
  const ends: number[] = [];
  const times: number[] = [];
  const reader = createCaptureReader((rec) => {
    ends.push(rec.offset + 16 + rec.caplen);
    times.push(rec.tsSec * 1e9 + rec.tsNsec);
  });
  const fd = fs.openSync(file, 'r');
  const buf = new Uint8Array(1 << 22);
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) {
    const p = reader.push(buf.subarray(0, n));
    if (p) throw new Error(`${file}: ${p.message}`);
  }
  fs.closeSync(fd);
  return { end: Float64Array.from(ends), t: Float64Array.from(times) };
}

/** How many of the records (times `t`, ascending) are before `cut`. */
export function recordsBefore(t: Float64Array, cut: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] < cut) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Copies of `files` in `outDir` (same names), grown by advance() as tcpdump would have written them. */
export class CaptureCopier {
  readonly copies: string[];
  /** The first and last record times over all files (ns). */
  readonly t0: number;
  readonly t1: number;
  private readonly idx: { end: Float64Array; t: Float64Array }[];
  private readonly src: number[];
  private readonly written: number[];

  constructor(files: readonly string[], outDir: string) {
    this.idx = files.map(pcapIndex);
    this.t0 = Math.min(...this.idx.map((x) => (x.t.length ? x.t[0] : Infinity)));
    this.t1 = Math.max(...this.idx.map((x) => (x.t.length ? x.t[x.t.length - 1] : -Infinity)));
    this.copies = files.map((f) => path.join(outDir, path.basename(f)));
    this.src = files.map((f) => fs.openSync(f, 'r'));
    this.written = files.map(() => 0);
  }

  /** Appends to each copy its file header and every record before `cut` (ns; every record when `all`). */
  advance(cut: number, all = false): void {
    this.idx.forEach((x, i) => {
      const n = all ? x.t.length : recordsBefore(x.t, cut);
      const to = Math.max(n ? x.end[n - 1] : 0, PCAP_HEADER);
      if (to <= this.written[i]) return;
      const b = Buffer.allocUnsafe(to - this.written[i]);
      fs.readSync(this.src[i], b, 0, b.length, this.written[i]);
      fs.appendFileSync(this.copies[i], b);
      this.written[i] = to;
    });
  }

  close(): void {
    this.src.forEach((fd) => fs.closeSync(fd));
  }
}
