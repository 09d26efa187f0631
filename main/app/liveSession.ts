// A session while it is being captured, on the main thread: the packet columns and frames the live
// correlation worker (liveCorrelatorWorker.ts) read from the growing capture files, its latest journey columns,
// and its answers to journey queries. The main thread reads, decodes and correlates nothing itself; the UI gets
// a few columnar batches per second (new rows, then the journey columns a snapshot changed), never one message
// per packet. When the capture stops, the folder is opened like any other session.

import type {
  CaptureInfo,
  JourneySummary,
  JourneyView,
  PacketBatch,
  SessionInfo,
} from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { CaptureFiles } from '../session/frames.ts';
import { Grow } from './liveCorrelatorColumns.ts';
import type { LiveJourneys, LiveRows } from './liveCorrelatorProtocol.ts';

const U32 = (n: number) => new Uint32Array(n);
const F64 = (n: number) => new Float64Array(n);

/** Seconds from the base within which ns since it are exact in a double (2^53 ns is 104 days). */
const EXACT_SEC = 9_000_000;

/** Where journey queries go (the worker's handle, or an in-process LiveCorrelator in tests). */
export interface LiveJourneySource {
  findJourneys(
    filter: string,
    from: number,
    count: number,
  ): Promise<{ total: number; items: JourneySummary[] }>;
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
  private capture = new Grow((n) => new Uint16Array(n));
  /**
   * ns since baseSec: (sec − baseSec)·1e9 + nsec, exact in a double within 104 days of the base, so the epoch
   * (sec, nsec) is not kept beside it (tsNsString recovers it), until a row beyond that arrives (a node whose
   * clock is far off): from then on `exact` keeps every row's.
   */
  private tsRel = new Grow((n) => new Float64Array(n));
  private exact: { sec: Grow<Float64Array>; nsec: Grow<Uint32Array> } | null = null;
  /** Captured and original lengths: 16-bit until a frame over 65,535 bytes (GRO/TSO) arrives (appendWidening). */
  private origLen = new Grow<Uint16Array | Uint32Array>((n) => new Uint16Array(n));
  private caplen = new Grow<Uint16Array | Uint32Array>((n) => new Uint16Array(n));
  private proto = new Grow((n) => new Uint8Array(n));
  private status = new Grow((n) => new Uint8Array(n));
  private journeyCol = new Grow((n) => new Int32Array(n));
  private hopCol = new Grow((n) => new Int16Array(n));
  /**
   * Per row: its record's offset in its lane's file (frames are read from there, for the rows shown); 32-bit
   * until an offset past 4 GiB arrives.
   */
  private fileOffset = new Grow<Uint32Array | Float64Array>((n) => new Uint32Array(n));
  private readonly files = new CaptureFiles();
  private readonly paths: string[];
  private journeys = 0;
  private flows = 0;
  private clocks: SessionInfo['clocks'] = [];
  private referenceNode: string | null = null;
  /** Why journeys stopped updating (the worker failed), shown with every lane's problems. */
  private failure: string | null = null;
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
    return this.capture.length;
  }

  /** New rows from the worker (in its row order, which is our packet index). Returns them as one batch. */
  addRows(r: LiveRows): PacketBatch {
    const from = this.count;
    if (r.from !== from)
      throw new HopscopeError('INTERNAL', `live rows out of order: got ${r.from}, have ${from}`);
    const n = r.capture.length;
    this.capture.append(r.capture);
    this.origLen.appendWidening(r.origLen, 0xffff, U32);
    this.caplen.appendWidening(r.caplen, 0xffff, U32);
    this.proto.append(r.proto);
    this.status.append(r.status);
    // Bulk writes into the columns (a message can hold a hundred thousand rows after a long snapshot).
    const base = this.baseSec;
    const at = this.tsRel.extend(n);
    const ts = this.tsRel.data;
    let far = false;
    for (let k = 0; k < n; k++) {
      const d = r.tsSec[k] - base;
      ts[at + k] = d * 1e9 + r.tsNsec[k];
      if (!(Math.abs(d) < EXACT_SEC)) far = true;
    }
    if (far && !this.exact) this.keepExact(at);
    this.exact?.sec.append(r.tsSec);
    this.exact?.nsec.append(r.tsNsec);
    this.fileOffset.appendWidening(r.fileOffset, 0xffffffff, F64);
    this.journeyCol.extend(n);
    this.journeyCol.data.fill(-1, at, at + n);
    this.hopCol.extend(n);
    this.hopCol.data.fill(-1, at, at + n);
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
    return {
      sessionId: this.id,
      from: f,
      capture: this.capture.copy(f, end),
      tsNs: this.tsRel.copy(f, end),
      length: new Uint32Array(this.origLen.data.subarray(f, end)),
      journey: this.journeyCol.copy(f, end),
      hop: this.hopCol.copy(f, end),
      proto: this.proto.copy(f, end),
      status: this.status.copy(f, end),
    };
  }

  frame(i: number): Uint8Array {
    const n = this.files.locate(
      this.paths[this.capture.data[i]],
      this.fileOffset.data[i],
      this.caplen.data[i],
    );
    return n < 0 ? new Uint8Array(0) : this.files.buf.subarray(this.files.start, this.files.start + n);
  }

  linkType(i: number): number {
    return this.lanes[this.capture.data[i]].linkType;
  }
  captureOf(i: number): number {
    return this.capture.data[i];
  }
  origLenOf(i: number): number {
    return this.origLen.data[i];
  }
  caplenOf(i: number): number {
    return this.caplen.data[i];
  }
  statusOf(i: number): number {
    return this.status.data[i];
  }
  tsNsString(i: number): string {
    const x = this.exact;
    if (x) return (BigInt(x.sec.data[i]) * 1_000_000_000n + BigInt(x.nsec.data[i])).toString();
    return (BigInt(this.baseSec) * 1_000_000_000n + BigInt(this.tsRel.data[i])).toString();
  }

  /** Starts keeping every row's epoch (sec, nsec), those of rows [0, upTo) from their exact relative times. */
  private keepExact(upTo: number): void {
    const x = { sec: new Grow((n) => new Float64Array(n)), nsec: new Grow((n) => new Uint32Array(n)) };
    x.sec.extend(upTo);
    x.nsec.extend(upTo);
    const ts = this.tsRel.data;
    for (let i = 0; i < upTo; i++) {
      const s = Math.floor(ts[i] / 1e9);
      x.sec.data[i] = this.baseSec + s;
      x.nsec.data[i] = ts[i] - s * 1e9;
    }
    this.exact = x;
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

  info(): SessionInfo {
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
    };
  }

  /** Journeys of the latest snapshot (the worker answers; times relative to our base). */
  async findJourneys(
    filter: string,
    from: number,
    count: number,
  ): Promise<{ total: number; items: JourneySummary[] }> {
    if (!this.source || this.journeys === 0) return { total: 0, items: [] };
    return this.source.findJourneys(filter, from, count);
  }

  /** One journey of the latest snapshot; its hops' packet indices are ours. */
  async journey(k: number): Promise<JourneyView> {
    if (!this.source) throw new HopscopeError('USAGE', 'live correlation is not running');
    return this.source.journey(k);
  }
}
