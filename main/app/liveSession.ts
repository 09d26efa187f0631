// A session while it is being captured, on the main thread: the packets the live correlation worker
// (liveCorrelatorWorker.ts) read from the growing capture files — read here in the worker's own row columns,
// which it shares (LiveRows.columns), and their frames from the files —, its latest journey columns, and its
// answers to journey queries. The main thread reads, decodes and correlates nothing itself; the UI gets a few
// columnar batches per second (new rows, then the journey columns a snapshot changed), never one message per
// packet. When the capture stops, the folder is opened like any other session.

import type {
  CaptureInfo,
  JourneyMatches,
  JourneyView,
  PacketBatch,
  SessionInfo,
} from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { statusOfFlags } from '../correlate/observations.ts';
import { CaptureFiles } from '../session/frames.ts';
import { journeyFilterError } from './journeyFilter.ts';
import { Grow } from './liveCorrelatorColumns.ts';
import type { LiveColumns, LiveJourneys, LiveRows } from './liveCorrelatorProtocol.ts';

/** Where journey queries go (the worker's handle, or an in-process LiveCorrelator in tests). */
export interface LiveJourneySource {
  findJourneys(filter: string, from: number, count: number): Promise<JourneyMatches>;
  journey(k: number): Promise<JourneyView>;
}

interface Lane {
  node: string;
  iface: string;
  linkType: number;
  packets: number;
  problems: string[];
}

export class LiveSession {
  readonly live = true;
  revision = 1;
  source: LiveJourneySource | null = null;
  private readonly lanes: Lane[];
  /** Rows held: [0, count) of the worker's shared columns. */
  private rows = 0;
  /** The worker's row columns (null before its first rows). */
  private cols: LiveColumns | null = null;
  /** ns to add to the columns' times for ns since our baseSec (their base is the capture's first packet's). */
  private shiftNs = 0;
  private colBaseSec = 0;
  /** Rows whose time a double of ns since the columns' base does not hold exactly, with their epoch time. */
  private readonly far = {
    row: new Grow((n) => new Uint32Array(n), 16),
    sec: new Grow((n) => new Float64Array(n), 16),
    nsec: new Grow((n) => new Uint32Array(n), 16),
  };
  private journeyCol = new Grow((n) => new Int32Array(n));
  private hopCol = new Grow((n) => new Int16Array(n));
  private readonly files = new CaptureFiles();
  private readonly paths: string[];
  private journeys = 0;
  private flows = 0;
  private clocks: SessionInfo['clocks'] = [];
  private referenceNode: string | null = null;
  /** Why journeys stopped updating (the worker failed), shown with every lane's problems and as the notice. */
  private failure: string | null = null;
  /** The live packet limit the worker stopped reading at (LiveRows.limit), null while it reads. */
  private limit: number | null = null;
  /** What the capture said of its nodes as it started (a chosen interface gone), shown first in the notice. */
  readonly warnings: string[] = [];
  readonly baseSec: number;

  constructor(
    readonly id: string,
    readonly title: string,
    readonly path: string,
    captures: { node: string; iface: string; file: string }[],
    baseSec?: number,
  ) {
    // Times are relative to the start of the capture (whole seconds), so batches can be sent before any packet.
    this.baseSec = baseSec ?? Math.floor(Date.now() / 1000);
    this.paths = captures.map((c) => c.file);
    this.lanes = captures.map((c) => ({
      node: c.node,
      iface: c.iface,
      linkType: 1,
      packets: 0,
      problems: [],
    }));
  }

  get count(): number {
    return this.rows;
  }

  /** Captures started after the live view did (a node joining late), at the end of the lane order. */
  addLanes(captures: { node: string; iface: string; file: string }[]): void {
    for (const c of captures) {
      this.paths.push(c.file);
      this.lanes.push({ node: c.node, iface: c.iface, linkType: 1, packets: 0, problems: [] });
    }
    this.revision++;
  }

  /** New rows from the worker (in its row order, which is our packet index). Returns them as one batch. */
  addRows(r: LiveRows): PacketBatch {
    const from = this.count;
    if (r.from !== from)
      throw new HopscopeError('INTERNAL', `live rows out of order: got ${r.from}, have ${from}`);
    if (r.columns) this.cols = r.columns;
    if (r.limit !== null) this.limit = r.limit;
    if (!this.cols || this.cols.capture.length < r.to)
      throw new HopscopeError('INTERNAL', `live rows up to ${r.to} without columns holding them`);
    this.colBaseSec = r.baseSec;
    this.shiftNs = (r.baseSec - this.baseSec) * 1e9;
    if (r.far) {
      this.far.row.append(r.far.row);
      this.far.sec.append(r.far.sec);
      this.far.nsec.append(r.far.nsec);
    }
    const n = r.to - from;
    this.rows = r.to;
    this.journeyCol.extend(n);
    this.journeyCol.data.fill(-1, from, r.to);
    this.hopCol.extend(n);
    this.hopCol.data.fill(-1, from, r.to);
    r.lanes.forEach((l, i) => {
      const lane = this.lanes[i];
      if (!lane) return;
      lane.linkType = l.linkType;
      lane.packets = l.packets;
      lane.problems = l.problems;
    });
    return this.batch(from, n);
  }

  /**
   * A snapshot's changed journey columns. Returns the changed range as one batch (the renderer updates it in
   * place), or null when no row changed; info() reflects the new counts and clocks either way.
   */
  adoptJourneys(j: LiveJourneys): PacketBatch | null {
    this.journeys = j.journeys;
    this.flows = j.flows;
    this.clocks = j.clocks;
    this.referenceNode = j.referenceNode;
    this.revision++;
    const n = j.journey.length;
    if (n === 0) return null;
    this.journeyCol.setAt(j.from, j.journey);
    this.hopCol.setAt(j.from, j.hop);
    return this.batch(j.from, n);
  }

  /** The worker stopped correlating (it failed): packets stay, journeys keep their last state. */
  fail(message: string): void {
    this.failure = message;
  }

  close(): void {
    this.source = null;
    this.files.close();
  }

  batch(from: number, count: number): PacketBatch {
    const end = Math.min(this.count, from + count);
    const f = Math.min(from, end);
    const c = this.cols;
    const n = end - f;
    const tsNs = new Float64Array(n);
    const status = new Uint8Array(n);
    if (c) {
      const shift = this.shiftNs;
      for (let k = 0; k < n; k++) {
        tsNs[k] = c.t[f + k] + shift;
        status[k] = statusOfFlags(c.flags[f + k]);
      }
    }
    return {
      sessionId: this.id,
      from: f,
      capture: c ? c.capture.slice(f, end) : new Uint16Array(0),
      tsNs,
      length: c ? new Uint32Array(c.origLen.subarray(f, end)) : new Uint32Array(0),
      journey: this.journeyCol.copy(f, end),
      hop: this.hopCol.copy(f, end),
      proto: c ? c.protoCol.slice(f, end) : new Uint8Array(0),
      status,
    };
  }

  /** The worker's columns (rows exist only once it sent them). */
  private get c(): LiveColumns {
    return this.cols!;
  }

  frame(i: number): Uint8Array {
    const c = this.c;
    const n = this.files.locate(this.paths[c.capture[i]], c.fileOffset[i], c.caplen[i]);
    return n < 0 ? new Uint8Array(0) : this.files.buf.subarray(this.files.start, this.files.start + n);
  }

  linkType(i: number): number {
    return this.lanes[this.c.capture[i]].linkType;
  }
  /** A live capture is of discovered interfaces, never `-i any`: no names to give a cooked capture's packets. */
  ifNamesOf(_i: number): Record<number, string> | undefined {
    return undefined;
  }
  captureOf(i: number): number {
    return this.c.capture[i];
  }
  origLenOf(i: number): number {
    return this.c.origLen[i];
  }
  caplenOf(i: number): number {
    return this.c.caplen[i];
  }
  statusOf(i: number): number {
    return statusOfFlags(this.c.flags[i]);
  }
  tsNsString(i: number): string {
    // A far row's exact time (rows are sent in order, so the list is sorted), else the column's.
    const rows = this.far.row;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows.data[mid] < i) lo = mid + 1;
      else hi = mid;
    }
    if (lo < rows.length && rows.data[lo] === i)
      return (BigInt(this.far.sec.data[lo]) * 1_000_000_000n + BigInt(this.far.nsec.data[lo])).toString();
    return (BigInt(this.colBaseSec) * 1_000_000_000n + BigInt(this.c.t[i])).toString();
  }

  captureInfos(): CaptureInfo[] {
    return this.lanes.map((l, index) => ({
      index,
      node: l.node,
      iface: l.iface,
      linkType: l.linkType,
      packets: l.packets,
      drops: null,
      problems: this.failure ? [...l.problems, this.failure] : l.problems,
    }));
  }

  /** Said above the session: what the capture left out as it started, and whether journeys stopped following it. */
  notice(): string | null {
    const parts = this.warnings.map((w) => `Warning: ${w}.`);
    if (this.limit !== null)
      parts.push(
        `Live view stopped at ${this.count.toLocaleString('en-US')} packets (the live packet limit, ` +
          `${this.limit.toLocaleString('en-US')}: HOPSCOPE_LIVE_MAX_PACKETS, default a quarter of this machine's ` +
          `memory); the capture goes on into ${this.path}. Stop it to open every packet.`,
      );
    if (this.failure) parts.push(`${this.failure}.`);
    return parts.length ? parts.join(' ') : null;
  }

  info(): SessionInfo {
    const notice = this.notice();
    return {
      id: this.id,
      title: this.title,
      path: this.path,
      live: true,
      baseNs: (BigInt(this.baseSec) * 1_000_000_000n).toString(),
      captures: this.captureInfos(),
      packets: this.count,
      journeys: this.journeys,
      flows: this.flows,
      clocks: this.clocks,
      referenceNode: this.referenceNode,
      revision: this.revision,
      ...(notice ? { notice } : {}),
    };
  }

  /** Journeys of the latest snapshot (the worker answers; times relative to our base). */
  async findJourneys(filter: string, from: number, count: number): Promise<JourneyMatches> {
    if (!this.source || this.journeys === 0) {
      // No journey yet, but a filter that cannot be read says so already.
      const error = journeyFilterError(filter);
      return { total: 0, items: [], ...(error ? { error } : {}), flows: 0 };
    }
    return this.source.findJourneys(filter, from, count);
  }

  /** One journey of the latest snapshot; its hops' packet indices are ours. */
  async journey(k: number): Promise<JourneyView> {
    if (!this.source) throw new HopscopeError('USAGE', 'live correlation is not running');
    return this.source.journey(k);
  }
}
