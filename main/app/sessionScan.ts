// The quick first pass of opening a session: reads every capture file's record headers (no decoding, no
// correlation: ~10 M records/s) into the columns the panes need — lane, time, lengths, file offset — numbering
// lanes and rows exactly as the correlator's ingest does, so the panes can show packets while the session
// worker correlates. The worker checks the match when correlation completes.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import { openPacketLimit } from '../common/limits.ts';
import { createCaptureReader } from '../pcap/reader.ts';
import { problemText, type CaptureInterface, type CaptureRecord } from '../pcap/types.ts';
import { laneCapture, laneKeyOf, quietLanes } from '../session/ingestFiles.ts';
import { tooManyPackets } from '../session/ingest.ts';
import type { Inputs } from '../session/inputs.ts';
import { epochNs, inRange, type TimeRange } from '../session/timeRange.ts';
import type { TooManyPacketsDetail } from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';

export interface ScanCapture {
  node: string;
  iface: string;
  linkType: number;
  path: string;
  packets: number;
}

export interface ScanColumns {
  capture: Uint16Array;
  t: Float64Array;
  origLen: Uint32Array;
  caplen: Uint32Array;
  fileOffset: Float64Array;
}

export interface Scan {
  rows: ScanColumns;
  count: number;
  baseSec: number;
  captures: ScanCapture[];
  problems: { path: string; message: string }[];
  /** Records a time range left out (no rows, as in the correlation). */
  outside: number;
}

const CHUNK = 1 << 20;
/** A record and its header take at least this many bytes: an upper bound on rows from the file sizes. */
const MIN_RECORD = 32;

class Columns {
  n = 0;
  cap: number;
  c: ScanColumns;
  constructor(cap: number) {
    this.cap = Math.max(1024, cap);
    this.c = alloc(this.cap);
  }
  grow(): void {
    this.cap *= 2;
    const next = alloc(this.cap);
    for (const k of Object.keys(next) as (keyof ScanColumns)[]) next[k].set(this.c[k] as never);
    this.c = next;
  }
  trimmed(): ScanColumns {
    const out = alloc(this.n);
    for (const k of Object.keys(out) as (keyof ScanColumns)[])
      out[k].set(this.c[k].subarray(0, this.n) as never);
    return out;
  }
}

function alloc(n: number): ScanColumns {
  return {
    capture: new Uint16Array(n),
    t: new Float64Array(n),
    origLen: new Uint32Array(n),
    caplen: new Uint32Array(n),
    fileOffset: new Float64Array(n),
  };
}

function sizeOf(path: string): number {
  try {
    const fd = openSync(path, 'r');
    const n = fstatSync(fd).size;
    closeSync(fd);
    return n;
  } catch {
    return 0;
  }
}

/**
 * Scans the inputs' files; `progress(bytesDone, bytesTotal)` after every chunk. More than `maxRows` records
 * (the correlator's limit, openPacketLimit()) fail it with TOO_MANY_PACKETS, as the correlation would: past the
 * limit it takes no more rows but reads on through the record headers, each file once, to say in the error's
 * detail where in time the limit is reached (LimitTimes).
 * With a `range`, only the records in it are rows (and count), as in the correlation (ingestFiles.ts).
 */
export function scanInputs(
  inputs: Inputs,
  progress: (done: number, total: number) => void,
  maxRows = openPacketLimit(),
  range: TimeRange | null = null,
): Scan {
  const sizes = inputs.files.map((f) => sizeOf(f.path));
  const total = sizes.reduce((a, b) => a + b, 0);
  // Capacity for the smallest-possible records would be wasteful for big frames; start at a typical size.
  const cols = new Columns(Math.min(Math.ceil(total / MIN_RECORD), Math.ceil(total / 128) + 1024));
  const captures: ScanCapture[] = [];
  const problems: Scan['problems'] = [];
  let baseSec: number | null = null;
  let done = 0;
  let outside = 0;
  let past = null as LimitTimes | null; // set in the record callback
  const buf = new Uint8Array(CHUNK);
  for (const f of inputs.files) {
    let fd: number;
    try {
      fd = openSync(f.path, 'r');
    } catch {
      continue; // the correlator reports it (FILE_NOT_FOUND)
    }
    const lanes = new Map<number, number>();
    const used = new Set<number>();
    let ifaces: CaptureInterface[] = [];
    const row = (rec: CaptureRecord) => {
      if (past !== null) return past.add((rec.tsSec - baseSec!) * 1e9 + rec.tsNsec);
      // Lanes keyed as the correlation keys them (a `-i any` capture's per interface: laneKeyOf).
      const key = laneKeyOf(f, rec);
      let lane = lanes.get(key);
      if (lane === undefined) {
        const info = laneCapture(f.path, f, ifaces, rec, key);
        used.add(rec.interfaceId);
        lane = captures.length;
        captures.push({
          node: info.node,
          iface: info.iface,
          linkType: info.linkType,
          path: f.path,
          packets: 0,
        });
        lanes.set(key, lane);
      }
      if (baseSec === null) baseSec = rec.tsSec;
      if (cols.n >= maxRows) {
        // Past the limit the open fails, but first says where, in time, the limit is reached (the app offers to
        // open the range up to it): the rows' times and the rest of the record headers, read on from here.
        past = new LimitTimes(cols.c.t, cols.n);
        past.add((rec.tsSec - baseSec) * 1e9 + rec.tsNsec);
        return;
      }
      if (cols.n === cols.cap) cols.grow();
      const i = cols.n++;
      const c = cols.c;
      c.capture[i] = lane;
      c.t[i] = (rec.tsSec - baseSec) * 1e9 + rec.tsNsec;
      c.origLen[i] = rec.origLen;
      c.caplen[i] = rec.caplen;
      c.fileOffset[i] = rec.offset;
      captures[lane].packets++;
    };
    const reader = createCaptureReader(
      range === null
        ? row
        : (rec) => {
            if (inRange(range, rec.tsSec, rec.tsNsec)) row(rec);
            else outside++;
          },
      {
        onInterface: (iface) => {
          ifaces = [...ifaces, iface];
        },
      },
    );
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        done += n;
        progress(done, total);
        if (reader.push(n === buf.length ? buf : buf.subarray(0, n))) break;
      }
    } finally {
      closeSync(fd);
    }
    const problem = reader.problem ?? reader.end();
    if (problem)
      problems.push({
        path: f.path,
        message: problemText(problem),
      });
    for (const info of quietLanes(f.path, f, reader.interfaces, used)) {
      captures.push({
        node: info.node,
        iface: info.iface,
        linkType: info.linkType,
        path: f.path,
        packets: 0,
      });
    }
  }
  if (past !== null) {
    const e = tooManyPackets(inputs, maxRows, range);
    throw new HopscopeError(e.code, e.message, { ...e.detail, ...past.limitReachedAt(baseSec!) });
  }
  return { rows: cols.trimmed(), count: cols.n, baseSec: baseSec ?? 0, captures, problems, outside };
}

/**
 * For an open past the packet limit: where in time the limit is reached, from the times of the records it counts
 * (its rows' and those read after, in the range), ns from the scan's base second. Exact: it keeps the `limit`
 * smallest times in a max-heap made in place of the rows' time column (the scan needs it no more), so its memory
 * does not grow with the packets read after, and the smallest time not among them, the (limit+1)th in time
 * order across every file (not in the order the files are read: captures of one session run side by side).
 */
class LimitTimes {
  private rest = Infinity;

  /** `heap`: the rows' times, `limit` of them: the smallest so far, all of them. */
  constructor(
    private readonly heap: Float64Array,
    private readonly limit: number,
  ) {
    for (let i = (limit >> 1) - 1; i >= 0; i--) this.down(i);
  }

  add(t: number): void {
    const h = this.heap;
    if (t < h[0]) {
      if (h[0] < this.rest) this.rest = h[0];
      h[0] = t;
      this.down(0);
    } else if (t < this.rest) this.rest = t;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = this.limit;
    const v = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && h[c + 1] > h[c]) c++;
      if (h[c] <= v) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = v;
  }

  /**
   * The time of the first record and the time of the first record past the limit in time order: the records
   * before it, at most `limit`, are a range that opens, never empty (a time shared by records at the limit's
   * edge leaves them all out). No `limitNs` when more than `limit` records share the first time: no range from
   * it opens.
   */
  limitReachedAt(baseSec: number): Pick<TooManyPacketsDetail, 'firstNs' | 'limitNs'> {
    const at = (t: number) => {
      const sec = Math.floor(t / 1e9);
      return epochNs(baseSec + sec, t - sec * 1e9);
    };
    let min = Infinity;
    for (let i = 0; i < this.limit; i++) if (this.heap[i] < min) min = this.heap[i];
    return this.rest > min ? { firstNs: at(min), limitNs: at(this.rest) } : { firstNs: at(min) };
  }
}
