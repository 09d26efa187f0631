// Lazy access to a row's frame bytes in its capture file, for detail views and exports: the correlator keeps
// only each record's file offset. Per file, a read-ahead window makes time-ordered access sequential I/O.

import { closeSync, openSync, readSync } from 'node:fs';

import type { CorrelationResult, RowDetail } from '../correlate/result.ts';
import {
  createPacketFields,
  DEFAULT_DECODE_OPTIONS,
  LINKTYPE_RAW,
  type PacketFields,
} from '../decode/fields.ts';
import { decodeFields } from '../decode/fast.ts';
import { ipv6ToString } from '../decode/format.ts';
import { summarize } from '../decode/summary.ts';
import { wireguardMessage } from '../decode/wireguard.ts';

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

/**
 * Frame bytes by record: a capture file's path and the record's offset in it (its header included), read
 * through a read-ahead window per file. Files may still be growing (a live capture): a record past the window
 * is read again.
 */
export class CaptureFiles {
  private readonly files = new Map<string, FileWindow | null>();
  /** Where locate() left the bytes: buf[start, start + the length it returned). */
  buf: Uint8Array = new Uint8Array(0);
  start = 0;

  private open(path: string): FileWindow | null {
    let w = this.files.get(path);
    if (w !== undefined) return w;
    try {
      const fd = openSync(path, 'r');
      const head = new Uint8Array(4);
      readSync(fd, head, 0, 4, 0);
      const pcapng = head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a;
      w = { fd, pcapng, buf: new Uint8Array(WINDOW), start: 0, end: 0 };
    } catch {
      w = null; // gone or unreadable: its frames are empty
    }
    this.files.set(path, w);
    return w;
  }

  /** Makes w.buf hold [at, at + len) if the file has it; returns the index of `at` in w.buf. */
  private window(w: FileWindow, at: number, len: number): number {
    if (at < w.start || at + len > w.end) {
      if (len > w.buf.length) w.buf = new Uint8Array(len * 2);
      const n = readSync(w.fd, w.buf, 0, w.buf.length, at);
      w.start = at;
      w.end = at + n;
    }
    return at - w.start;
  }

  /**
   * Points buf/start at the frame of the record at `at` in `path` (caplen bytes) and returns their length, or -1
   * when the file is unavailable.
   */
  locate(path: string, at: number, caplen: number): number {
    const w = this.open(path);
    if (!w) return -1;
    let hdr = PCAP_RECORD_HEADER;
    if (w.pcapng) {
      const i = this.window(w, at, 4);
      const type = w.buf[i] | w.buf[i + 3]; // 6, 2 or 3 in either byte order
      hdr = type === 3 ? PCAPNG_SPB_DATA : PCAPNG_EPB_DATA;
    }
    const i = this.window(w, at + hdr, caplen);
    this.buf = w.buf;
    this.start = i;
    return Math.max(0, Math.min(caplen, w.end - w.start - i));
  }

  close(): void {
    for (const w of this.files.values()) if (w) closeSync(w.fd);
    this.files.clear();
  }
}

export class FrameSource {
  private readonly files = new CaptureFiles();
  private detail: FrameDetail | null = null;
  /**
   * With `attachDetail` (default), a result without frame-backed row detail gets one (IPv6 addresses and
   * summaries), reading through its own FrameSource so it never moves this one's window under a caller.
   */
  constructor(
    private readonly res: CorrelationResult,
    attachDetail = true,
  ) {
    if (attachDetail && typeof res.setRowDetail === 'function' && !res.rowDetail) {
      this.detail = new FrameDetail(res);
      res.setRowDetail(this.detail);
    }
  }

  /** The captured bytes of a row (a view valid until the next call). Empty when the file is unavailable. */
  frame(row: number): Uint8Array {
    const n = this.locate(row);
    return n < 0 ? new Uint8Array(0) : this.buf.subarray(this.start, this.start + n);
  }

  /** Where locate() left a row's bytes: buf[start, start + the length it returned). */
  buf: Uint8Array = new Uint8Array(0);
  start = 0;

  /**
   * frame() without making a view (the export's per-packet path): points buf/start at the row's bytes and
   * returns their length (the same bytes frame() returns), or -1 when the file is unavailable.
   */
  locate(row: number): number {
    const rows = this.res.rows;
    const path = this.res.captures[rows.capture[row]].path;
    if (!path) return -1;
    const n = this.files.locate(path, rows.fileOffset[row], rows.caplen[row]);
    this.buf = this.files.buf;
    this.start = this.files.start;
    return n;
  }

  close(): void {
    this.files.close();
    if (this.detail) {
      if (this.res.rowDetail === this.detail) this.res.setRowDetail(null);
      this.detail.close();
      this.detail = null;
    }
  }
}

/** Row detail from the frame bytes: the row is re-decoded (the last one is cached: hops ask src, then dst). */
class FrameDetail implements RowDetail {
  private readonly frames: FrameSource;
  private readonly f: PacketFields = createPacketFields();
  private row = -1;
  private addr: { src: string; dst: string } | null = null;

  constructor(private readonly res: CorrelationResult) {
    this.frames = new FrameSource(res, false);
  }

  /** Decodes row `r` into this.f; returns its frame (empty when unreadable). */
  private decode(r: number): Uint8Array {
    const frame = this.frames.frame(r);
    const linkType = this.res.captures[this.res.rows.capture[r]].linkType;
    decodeFields(frame, linkType, this.f, {
      ...(this.res.decodeOptions ?? DEFAULT_DECODE_OPTIONS),
      key: false,
    });
    return frame;
  }

  ipv6(r: number): { src: string; dst: string } | null {
    if (r === this.row) return this.addr;
    this.row = r;
    this.addr = null;
    const frame = this.decode(r);
    const f = this.f;
    if (f.ipVersion !== 6 || f.src6Offset < 0 || f.dst6Offset < 0) return null;
    const src = ipv6ToString(frame, f.src6Offset);
    const dst = ipv6ToString(frame, f.dst6Offset);
    this.addr = src && dst ? { src, dst } : null;
    return this.addr;
  }

  wireguard(r: number): { receiver: number; counter: number } | null {
    const frame = this.decode(r);
    const f = this.f;
    if (f.l4Offset < 0 || f.payloadOffset < 0 || f.l4Offset + 8 > frame.length) return null;
    const udpLength = (frame[f.l4Offset + 4] << 8) | frame[f.l4Offset + 5];
    const m = wireguardMessage(frame, f.payloadOffset, frame.length, udpLength - 8);
    return m && m.receiver !== null && m.counter !== null
      ? { receiver: m.receiver, counter: m.counter }
      : null;
  }

  innerSummary(r: number): string | null {
    const frame = this.decode(r);
    const f = this.f;
    if (f.ipVersion === 0 || f.ipOffset < 0) return null;
    const opts = this.res.decodeOptions ?? DEFAULT_DECODE_OPTIONS;
    // The tunnels' ports as the row was decoded: with the default Geneve ports, a UDP 6081 packet that these options
    // do not take for Geneve would be summarized as the packet inside it.
    return summarize(frame.subarray(f.ipOffset), LINKTYPE_RAW, {
      vxlanPorts: opts.vxlanPorts,
      genevePorts: opts.genevePorts,
    });
  }

  close(): void {
    this.frames.close();
  }
}
