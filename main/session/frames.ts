// Lazy access to a row's frame bytes in its capture file, for detail views and exports: the correlator keeps
// only each record's file offset. Per file, a read-ahead window makes time-ordered access sequential I/O.

import { closeSync, openSync, readSync } from 'node:fs';

import type { CorrelationResult } from '../correlate/result.ts';

const WINDOW = 4 * 1024 * 1024;
const PCAP_RECORD_HEADER = 16;
const PCAPNG_EPB_DATA = 28;
const PCAPNG_SPB_DATA = 12;

interface FileWindow {
  fd: number;
  /** Header size before the frame data, by record kind: classic pcap, or pcapng decided per block. */
  pcapng: boolean;
  buf: Uint8Array;
  start: number;
  end: number;
}

export class FrameSource {
  private readonly files = new Map<string, FileWindow>();
  constructor(private readonly res: CorrelationResult) {}

  private open(path: string): FileWindow {
    let w = this.files.get(path);
    if (w) return w;
    const fd = openSync(path, 'r');
    const head = new Uint8Array(4);
    readSync(fd, head, 0, 4, 0);
    const pcapng = head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a;
    w = { fd, pcapng, buf: new Uint8Array(WINDOW), start: 0, end: 0 };
    this.files.set(path, w);
    return w;
  }

  private bytes(w: FileWindow, at: number, len: number): Uint8Array {
    if (at < w.start || at + len > w.end) {
      if (len > w.buf.length) w.buf = new Uint8Array(len * 2);
      const n = readSync(w.fd, w.buf, 0, w.buf.length, at);
      w.start = at;
      w.end = at + n;
    }
    return w.buf.subarray(at - w.start, at - w.start + len);
  }

  /** The captured bytes of a row (a view valid until the next call). Empty when the file is unavailable. */
  frame(row: number): Uint8Array {
    const rows = this.res.rows;
    const path = this.res.captures[rows.capture[row]].path;
    if (!path) return new Uint8Array(0);
    const w = this.open(path);
    const at = rows.fileOffset[row];
    let hdr = PCAP_RECORD_HEADER;
    if (w.pcapng) {
      const t = this.bytes(w, at, 4);
      const type = t[0] | t[3]; // 6, 2 or 3 in either byte order
      hdr = type === 3 ? PCAPNG_SPB_DATA : PCAPNG_EPB_DATA;
    }
    return this.bytes(w, at + hdr, rows.caplen[row]);
  }

  close(): void {
    for (const w of this.files.values()) closeSync(w.fd);
    this.files.clear();
  }
}
