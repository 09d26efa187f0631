// The correlation engine: rows go in (batch or live, any chunking, out of order across interfaces), journeys
// come out. Pure computation: callers do the I/O (read files or SSH streams) and push decoded frames.
//
//   push*() → ObservationTable (columns) → per-capture pending lists
//   advance(watermark) → per node, rows merged in time order → NodeGrouper → segments     (phase A)
//   result() → clock bounds (unambiguous links) → offsets → linkSegments → journeys, flows (phase B)
// Phase A only looks at one node's clock; phase B is recomputed from all segments on every result(), so the
// answer depends on the set of rows, not on the order or chunking they arrived in.

import {
  createPacketFields,
  DEFAULT_DECODE_OPTIONS,
  type DecodeOptions,
  type PacketFields,
} from '../decode/fields.ts';
import { RowRuns } from './columns.ts';
import { computeIdentity, createIdentity, Fragments6, type Identity } from './identity.ts';
import { ObservationTable, type RowsPart, type StagedRows } from './observations.ts';
import { SegmentTable } from './segments.ts';
import { NodeGrouper } from './grouper.ts';
import { LinkScratch, linkSegments, segmentDirection, type LinkOptions, type Links } from './linker.ts';
import {
  ClockBounds,
  estimateClocks,
  NodeClocks,
  type ClockEstimate,
  type ClockOptions,
} from './clockSkew.ts';
import { Ownership, type InterfaceInfo } from './ownership.ts';
import { CorrelationResult } from './result.ts';
import { computeFlows } from './flows.ts';
import type { Crossings } from './wireguardJoin.ts';
import { trace } from '../common/trace.ts';
import { chainInto } from '../common/arrays.ts';

/** A worker's ingest (Correlator.ingestPart), as posted to the main thread. */
export interface IngestPart {
  rows: RowsPart;
  baseSec: number | null;
  captures: {
    info: CaptureInfo;
    /** Pending rows as runs [start, end) of row numbers (shared-table numbers). */
    start: Int32Array;
    end: Int32Array;
    lastT: number;
    firstT: number;
    unsorted: boolean;
    packets: number;
  }[];
}

/** One capture lane: one interface of one node. */
export interface CaptureInfo {
  node: string;
  iface: string;
  linkType: number;
  /** Where the bytes live (for lazy detail and export); '' for live streams held elsewhere. */
  path?: string;
  /** pcapng interface id within `path` (0 for classic pcap). */
  interfaceId?: number;
  snaplen?: number;
  /** The interface's MAC when the file or the session names it, else -1. */
  mac?: number;
  description?: string;
}

export interface CorrelateOptions {
  /** Same-node rows of one packet lie within this of each other (default 100 ms). */
  localWindowNs?: number;
  /** Identical rows on one capture within this are duplicated frames, later ones retransmissions (1 ms). */
  dupWindowNs?: number;
  /** Cross-node matching slack on top of the clock uncertainty (50 ms). */
  crossWindowNs?: number;
  /** Largest clock difference considered when offsets are unknown (10 s). */
  maxSkewNs?: number;
  clock?: ClockOptions;
  decode?: DecodeOptions;
  /** Initial row capacity (a good guess avoids copying the columns as they grow). */
  expectedRows?: number;
}

export const DEFAULTS = {
  localWindowNs: 100e6,
  dupWindowNs: 1e6,
  crossWindowNs: 50e6,
  maxSkewNs: 10e9,
};

/** Something decodeFields-shaped (injected so this module needs no decoder at import time). */
export type DecodeFn = (frame: Uint8Array, linkType: number, out: PacketFields, opts?: DecodeOptions) => void;

export class Correlator {
  readonly obs: ObservationTable;
  readonly segs: SegmentTable;
  readonly captures: CaptureInfo[] = [];
  readonly nodes: string[] = [];
  /** Seconds of the first timestamp pushed: row times are ns relative to it. */
  baseSec: number | null = null;
  interfaces: InterfaceInfo[] = [];
  private ownCache: Ownership | null = null;
  readonly opts: Required<Omit<CorrelateOptions, 'clock' | 'decode' | 'expectedRows'>> & CorrelateOptions;

  private readonly captureNode: number[] = [];
  private readonly pending: RowRuns[] = [];
  private readonly lastT: number[] = [];
  /** Per capture: its earliest row time (Infinity before its first row), for timeSpan(). */
  private readonly firstT: number[] = [];
  /** Per capture: a row arrived older than one before it (its pending rows may need sorting). */
  private readonly unsorted: boolean[] = [];
  private readonly groupers: NodeGrouper[] = [];
  private readonly fields = createPacketFields();
  private readonly identity: Identity = createIdentity();
  private readonly decode: DecodeFn | null;
  private readonly packets: number[] = [];
  /**
   * What every node's grouper asks for the ownership: one function for all of them, so that the grouper's optimised
   * code, which inlines the call, stays valid from one node's grouper to the next (a closure per grouper was a
   * "wrong call target" for the second node's, and its optimised code was thrown away and compiled again).
   */
  private readonly ownershipOfGroupers = (): Ownership | null => this.groupOwnership();
  /** Per capture: its IPv6 first fragments, whose identity is its later fragments' tail (Fragments6). */
  private readonly frags6: Fragments6[] = [];

  /** `obs`: a row store to append into (a shared table or a worker's view of one, parallelIngest.ts). */
  constructor(opts: CorrelateOptions = {}, decode: DecodeFn | null = null, obs?: ObservationTable) {
    this.opts = { ...DEFAULTS, ...opts };
    this.decode = decode;
    this.obs = obs ?? new ObservationTable(Math.max(1024, Math.min(opts.expectedRows ?? 4096, 1 << 27)));
    // Segments sized from the rows too (at most one per row, usually several rows each): growing by copying
    // touches twice the memory, and first-touched pages are what ingest mostly pays for.
    this.segs = new SegmentTable(Math.max(1024, Math.min((opts.expectedRows ?? 2048) >> 1, 1 << 26)));
  }

  addCapture(info: CaptureInfo): number {
    const idx = this.captures.length;
    this.captures.push({ ...info });
    let n = this.nodes.indexOf(info.node);
    if (n < 0) {
      n = this.nodes.length;
      this.nodes.push(info.node);
      this.groupers.push(new NodeGrouper(n, this.obs, this.segs, this.opts, this.ownershipOfGroupers));
      this.ownCache = null;
    }
    this.captureNode.push(n);
    this.pending.push(new RowRuns());
    this.lastT.push(-Infinity);
    this.firstT.push(Infinity);
    this.unsorted.push(false);
    this.packets.push(0);
    this.frags6.push(new Fragments6());
    return idx;
  }

  setInterfaces(list: InterfaceInfo[]): void {
    this.interfaces = list;
    this.ownCache = null;
  }

  /**
   * The ownership phase A asks for (a packet back from another node), built once per interface list and node
   * list. Nodes without captures yet count too, each as a node of its own (a parallel ingest groups its first
   * nodes before it adds the others): phase A only asks whether a MAC is another node's, never whose.
   */
  private groupOwnership(): Ownership | null {
    if (this.interfaces.length === 0) return null;
    if (!this.ownCache) {
      const others = [...new Set(this.interfaces.map((i) => i.node))].filter((n) => !this.nodes.includes(n));
      this.ownCache = new Ownership(this.interfaces, (name: string): number => {
        const n = this.nodes.indexOf(name);
        return n >= 0 ? n : this.nodes.length + others.indexOf(name);
      });
    }
    return this.ownCache;
  }

  nodeOf(capture: number): number {
    return this.captureNode[capture];
  }

  packetCount(capture: number): number {
    return this.packets[capture];
  }

  /** Pushes one frame, decoding it with the injected decoder. */
  pushFrame(
    capture: number,
    fileOffset: number,
    tsSec: number,
    tsNsec: number,
    origLen: number,
    frame: Uint8Array,
  ): number {
    if (!this.decode) throw new Error('Correlator built without a decoder: use pushFields');
    this.decode(
      frame,
      this.captures[capture].linkType,
      this.fields,
      this.opts.decode ?? DEFAULT_DECODE_OPTIONS,
    );
    return this.pushFields(capture, fileOffset, tsSec, tsNsec, origLen, frame, this.fields);
  }

  /** Pushes one already decoded frame (`f` may be reused by the caller afterwards). */
  pushFields(
    capture: number,
    fileOffset: number,
    tsSec: number,
    tsNsec: number,
    origLen: number,
    frame: Uint8Array,
    f: PacketFields,
  ): number {
    return this.pushFieldsAt(capture, fileOffset, tsSec, tsNsec, origLen, frame, 0, frame.length, f);
  }

  /**
   * pushFields for a frame lying at buf[start, start + caplen) (a record inside the reader's chunk, decoded
   * with decodeRecord/decodeFieldsAt: offsets in `f` relative to `start`), so batch ingest makes no view.
   */
  pushFieldsAt(
    capture: number,
    fileOffset: number,
    tsSec: number,
    tsNsec: number,
    origLen: number,
    buf: Uint8Array,
    start: number,
    caplen: number,
    f: PacketFields,
  ): number {
    if (this.baseSec === null) this.baseSec = tsSec;
    const sec = tsSec - this.baseSec;
    computeIdentity(f, buf, this.identity, start, caplen, this.frags6[capture]);
    const o = this.obs.append(capture, fileOffset, caplen, origLen, sec, tsNsec, f, this.identity);
    const t = this.obs.t[o];
    this.pending[capture].push(o);
    if (t > this.lastT[capture]) this.lastT[capture] = t;
    else if (t < this.lastT[capture]) this.unsorted[capture] = true;
    if (t < this.firstT[capture]) this.firstT[capture] = t;
    this.packets[capture]++;
    return o;
  }

  /** Lane `capture`'s latest row time so far (ns from baseSec; -Infinity before its first row). */
  laneLastT(capture: number): number {
    return this.lastT[capture];
  }

  /**
   * The earliest and latest row times of every lane (ns from baseSec; lo Infinity and hi -Infinity before the
   * first row): what a loop over every row's time would find, kept as the rows arrive.
   */
  timeSpan(): { lo: number; hi: number } {
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = 0; c < this.captures.length; c++) {
      if (this.firstT[c] < lo) lo = this.firstT[c];
      if (this.lastT[c] > hi) hi = this.lastT[c];
    }
    return { lo, hi };
  }

  /**
   * pushFieldsAt for `n` rows staged at once (session/wasmIngest.ts: the WebAssembly ingest, which computed what
   * pushFieldsAt and ObservationTable.append do, against baseSec and the lane's last time): appends them to lane
   * `capture`, whose latest time is now `lastT`; `unsorted` when one of them was older than a row before it.
   */
  pushStaged(
    capture: number,
    rows: StagedRows,
    n: number,
    lastT: number,
    unsorted: boolean,
    syn: Uint16Array | null = null,
    syns = 0,
  ): void {
    const o = this.obs.appendStaged(capture, rows, n, syn, syns);
    this.pending[capture].pushRun(o, o + n);
    this.lastT[capture] = lastT;
    if (unsorted) this.unsorted[capture] = true;
    // In time order (none older than the lane's latest before them), the first is the earliest.
    const t = this.obs.t;
    let first = this.firstT[capture];
    if (!unsorted) {
      if (n > 0 && t[o] < first) first = t[o];
    } else for (let r = o; r < o + n; r++) if (t[r] < first) first = t[r];
    this.firstT[capture] = first;
    this.packets[capture] += n;
  }

  /**
   * pushStaged for rows of several lanes (the packet blocks of a pcapng file with several interfaces, a split
   * `-i any` capture's records): row i on lane lanes[i]; each lane's latest time, order and pending rows as
   * pushFieldsAt would leave them.
   */
  pushStagedLanes(
    lanes: Uint16Array,
    rows: StagedRows,
    n: number,
    syn: Uint16Array | null = null,
    syns = 0,
  ): void {
    const o = this.obs.appendStaged(lanes, rows, n, syn, syns);
    const t = this.obs.t;
    for (let i = 0; i < n; i++) {
      const c = lanes[i];
      const r = o + i;
      this.pending[c].push(r);
      if (t[r] > this.lastT[c]) this.lastT[c] = t[r];
      else if (t[r] < this.lastT[c]) this.unsorted[c] = true;
      if (t[r] < this.firstT[c]) this.firstT[c] = t[r];
      this.packets[c]++;
    }
  }

  /**
   * What an ingest worker's correlator holds before grouping, for adoptPart on the main thread: its rows of
   * the shared table from `from` on, its capture lanes in order and their pending rows.
   */
  ingestPart(from: number): IngestPart {
    return {
      rows: this.obs.rowsPart(from),
      baseSec: this.baseSec,
      captures: this.captures.map((info, c) => {
        const p = this.pending[c];
        return {
          info,
          start: p.start.slice(p.head, p.count),
          end: p.end.slice(p.head, p.count),
          lastT: this.lastT[c],
          firstT: this.firstT[c],
          unsorted: this.unsorted[c],
          packets: this.packets[c],
        };
      }),
    };
  }

  /**
   * Takes in a worker's ingestPart (its rows already in this correlator's shared table): its lanes follow
   * the ones here, as if this correlator had read the worker's files after its own. The nodes of its lanes
   * must not be grouped yet (groupNodes may have grouped others).
   */
  adoptPart(part: IngestPart): void {
    let shiftNs = 0;
    if (part.baseSec !== null) {
      if (this.baseSec === null) this.baseSec = part.baseSec;
      shiftNs = (part.baseSec - this.baseSec) * 1e9;
    }
    this.obs.adoptRows(part.rows, this.captures.length, shiftNs);
    for (const lane of part.captures) {
      const c = this.addCapture(lane.info);
      this.pending[c].setRuns(lane.start, lane.end);
      this.lastT[c] = lane.lastT + shiftNs;
      this.firstT[c] = lane.firstT + shiftNs;
      this.unsorted[c] = lane.unsorted;
      this.packets[c] = lane.packets;
    }
  }

  /** The lowest row number not grouped yet (the row count when all are): rows below it are in segments. */
  firstPendingRow(): number {
    let min = this.obs.length;
    for (const p of this.pending) {
      for (let r = p.head; r < p.count; r++) {
        const first = r === p.head ? p.at : p.start[r];
        if (first < min) min = first;
      }
    }
    return min;
  }

  /**
   * Groups pending rows with time <= watermark (ns relative to baseSec, in each node's own clock: one number
   * for every node, or one per node index). Default: for each node, the smallest latest-time over its captures
   * (every capture has delivered up to there).
   */
  advance(watermark?: number | ArrayLike<number>): void {
    for (let n = 0; n < this.nodes.length; n++) {
      let w = typeof watermark === 'number' || watermark === undefined ? watermark : watermark[n];
      if (w === undefined) {
        w = Infinity;
        for (let c = 0; c < this.captures.length; c++)
          if (this.captureNode[c] === n) w = Math.min(w, this.lastT[c]);
      }
      this.groupNode(n, w);
    }
    // Grouped rows' keys are never read again: a live correlation keeps only the waiting rows' (cheap in batch,
    // where everything is grouped at once).
    this.obs.compactKeys(this.firstPendingRow());
  }

  /**
   * Groups every pending row of nodes [0, count) (batch: nodes whose captures are all in, while others are still
   * being read). Node by node in index order, as advance() does, so segments are numbered the same.
   */
  groupNodes(count: number): void {
    for (let n = 0; n < Math.min(count, this.nodes.length); n++) this.groupNode(n, Infinity);
  }

  private groupNode(node: number, watermark: number): void {
    const caps: number[] = [];
    for (let c = 0; c < this.captures.length; c++) if (this.captureNode[c] === node) caps.push(c);
    const k = caps.length;
    if (k === 0) return;
    const obs = this.obs;
    const t = obs.t;
    const rank = this.tieRanks();
    // Only a capture that delivered a row out of time order can have unsorted pending rows.
    for (const c of caps) {
      if (!this.unsorted[c]) continue;
      this.sortPending(c);
      this.unsorted[c] = false;
    }
    const g = this.groupers[node];
    // Per lane: its runs, current run and its end, head row, and the time of that row (Infinity when the
    // lane is done or its head lies past the watermark), in locals so the merge touches no objects per row.
    const starts: Int32Array[] = [];
    const ends: Int32Array[] = [];
    const runCount = new Int32Array(k);
    const run = new Int32Array(k);
    const runEnd = new Int32Array(k);
    const head = new Int32Array(k);
    const headT = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const p = this.pending[caps[j]];
      starts.push(p.start);
      ends.push(p.end);
      runCount[j] = p.count;
      run[j] = p.head;
      const done = p.head >= p.count;
      head[j] = done ? -1 : p.at;
      runEnd[j] = done ? 0 : p.end[p.head];
      headT[j] = !done && t[p.at] <= watermark ? t[p.at] : Infinity;
    }
    mergeLanes(g, obs, rank, caps, starts, ends, runCount, run, runEnd, head, headT, watermark);
    // Keep each lane's position; drop processed runs so pending lists stay window-sized.
    for (let j = 0; j < k; j++) {
      const p = this.pending[caps[j]];
      p.head = run[j];
      if (head[j] >= 0) p.at = head[j];
      p.compact();
    }
  }

  /** Per capture: 1 for a bridge device (sees ingress frames after its ports, with their timestamp), else 0. */
  private tieRanks(): Uint8Array {
    const r = new Uint8Array(this.captures.length);
    this.captures.forEach((c, i) => {
      const info = this.interfaces.find((x) => x.node === c.node && x.name === c.iface);
      r[i] = (info ? info.kind === 'bridge' : /^(cni|cbr|docker|br-|virbr)/.test(c.iface)) ? 1 : 0;
    });
    return r;
  }

  /** Captures are almost always in time order; sort the unprocessed tail when one is not. */
  private sortPending(c: number): void {
    const p = this.pending[c];
    const t = this.obs.t;
    let prev = -1;
    for (let r = p.head; r < p.count; r++) {
      for (let i = r === p.head ? p.at : p.start[r]; i < p.end[r]; i++) {
        if (prev >= 0 && t[i] < t[prev]) {
          const rows = Array.from(p.pendingRows());
          rows.sort((a, b) => t[a] - t[b] || a - b);
          p.setPending(rows);
          return;
        }
        prev = i;
      }
    }
  }

  /**
   * The final result: groups every pending row, then runs phase B over all segments. Calling it again after
   * more pushes is allowed (phase B is recomputed), but rows older than what was grouped then arrive late.
   * `onLinked` is given the result as soon as its journeys are linked, before its flows are computed.
   */
  result(onLinked?: (res: CorrelationResult) => void): CorrelationResult {
    this.advance(Infinity);
    return this.link(onLinked);
  }

  /**
   * A provisional result for live views: groups rows up to the watermark only (default: what every lane of
   * a node has delivered), so lanes that lag behind are not overtaken; rows after it are not in journeys yet.
   */
  snapshot(watermark?: number | ArrayLike<number>): CorrelationResult {
    this.advance(watermark);
    return this.link();
  }

  private link(onLinked?: (res: CorrelationResult) => void): CorrelationResult {
    const own = this.ownership();
    const clockOpts: ClockOptions = this.opts.clock ?? { mode: 'auto' };
    let bounds: ClockBounds | null = null;
    const scratch = new LinkScratch();
    if (clockOpts.mode === 'auto' && this.nodes.length > 1) {
      // Pass 1 with a wide window: bounds from journeys that had exactly one possible match. The window is
      // centred on what is known before any traffic (SSH probes, --clock; else raw clocks), so a node minutes off
      // still gets its offset refined by the traffic. The bounds themselves are taken in raw clocks.
      const pre = linkSegments(this.obs, this.segs, own, this.prePassOptions(), scratch);
      bounds = new ClockBounds(this.nodes.length);
      collectBounds(pre, this, own, bounds);
      trace('link: clock pre-pass done');
    }
    const { clocks, clock, uncertaintyNs } = this.clocksFrom(bounds);
    const links = linkSegments(
      this.obs,
      this.segs,
      own,
      // The pre-pass's options' shape (prePassOptions): linkSegments' optimised code then takes both.
      {
        clock,
        uncertaintyNs,
        crossWindowNs: this.opts.crossWindowNs,
        maxSkewNs: this.opts.maxSkewNs,
        pathOrder: true,
      },
      scratch,
    );
    trace('link: final pass done');
    const result = new CorrelationResult(this, own, links, clocks, clock);
    onLinked?.(result);
    computeFlows(result);
    trace('link: flows done');
    return result;
  }

  /** Which node owns which MAC and address (the discovered interfaces), for phase B. */
  ownership(): Ownership {
    return new Ownership(this.interfaces, (name: string): number => this.nodes.indexOf(name));
  }

  /**
   * The clock pre-pass's link options: the wide maxSkewNs window (unknown uncertainties) centred on the offsets
   * known before any traffic (SSH probes, --clock; 0 where none), no path order.
   */
  prePassOptions(): LinkOptions {
    const nodeCount = this.nodes.length;
    const clockOpts: ClockOptions = this.opts.clock ?? { mode: 'auto' };
    const prior = new Float64Array(nodeCount);
    if (clockOpts.probes?.length || Object.keys(clockOpts.manual ?? {}).length) {
      const known = estimateClocks(this.nodes, null, clockOpts);
      for (let n = 0; n < nodeCount; n++) if (known[n].uncertaintyNs < Infinity) prior[n] = known[n].offsetNs;
    }
    return {
      clock: new NodeClocks(prior),
      uncertaintyNs: new Float64Array(nodeCount).fill(Infinity),
      crossWindowNs: this.opts.crossWindowNs,
      maxSkewNs: this.opts.maxSkewNs,
      pathOrder: false,
    };
  }

  /** Clock estimates from the traffic's bounds (null: none) and the clock options, as phase B applies them. */
  clocksFrom(bounds: ClockBounds | null): {
    clocks: ClockEstimate[];
    /** What phase B applies (steady clocks at 0 with `--clock none`). */
    clock: NodeClocks;
    uncertaintyNs: Float64Array;
  } {
    const nodeCount = this.nodes.length;
    const clockOpts: ClockOptions = this.opts.clock ?? { mode: 'auto' };
    const clocks = estimateClocks(this.nodes, bounds, clockOpts);
    const offsetNs = new Float64Array(nodeCount);
    const uncertaintyNs = new Float64Array(nodeCount);
    for (let n = 0; n < nodeCount; n++) {
      offsetNs[n] = clockOpts.mode === 'none' ? 0 : clocks[n].offsetNs;
      uncertaintyNs[n] = clockOpts.mode === 'none' ? Infinity : clocks[n].uncertaintyNs;
    }
    if (clockOpts.mode === 'none') {
      for (const c of clocks) {
        c.offsetNs = 0;
        c.uncertaintyNs = c.method === 'reference' ? 0 : Infinity;
        c.method = c.method === 'reference' ? 'reference' : 'none';
        delete c.rate;
      }
    }
    return { clocks, clock: NodeClocks.of(clocks, offsetNs), uncertaintyNs };
  }

  captureNodeIndex(): readonly number[] {
    return this.captureNode;
  }
}

/**
 * The k-way merge of one node's lanes on time (groupNode's state arrays, advanced in place): the node's rows
 * in the order the packet met them, fed to the grouper. A function of its own so that its optimised code
 * does not depend on feedback from groupNode's set-up and write-back (a deopt there sent it back to the
 * interpreter mid-merge).
 */
function mergeLanes(
  g: NodeGrouper,
  obs: ObservationTable,
  rank: Uint8Array,
  caps: number[],
  starts: Int32Array[],
  ends: Int32Array[],
  runCount: Int32Array,
  run: Int32Array,
  runEnd: Int32Array,
  head: Int32Array,
  headT: Float64Array,
  watermark: number,
): void {
  const k = caps.length;
  const t = obs.t;
  for (;;) {
    let best = -1;
    let bt = Infinity;
    for (let j = 0; j < k; j++) {
      const ht = headT[j];
      if (ht < bt) {
        best = j;
        bt = ht;
      } else if (ht === bt && best >= 0 && tieBefore(obs, rank, head[j], caps[j], head[best], caps[best]))
        best = j;
    }
    if (best < 0) return;
    g.add(head[best]);
    let n = head[best] + 1;
    if (n === runEnd[best]) {
      const r = ++run[best];
      if (r < runCount[best]) {
        n = starts[best][r];
        runEnd[best] = ends[best][r];
      } else n = -1;
    }
    head[best] = n;
    headT[best] = n >= 0 && t[n] <= watermark ? t[n] : Infinity;
  }
}

/**
 * Equal timestamps are common: a decapsulated or bridged packet keeps the skb timestamp of the frame it
 * arrived in. Then: higher TTL first (not yet routed), more encapsulation first (not yet decapsulated), a
 * bridge port before its bridge (ingress), then capture order.
 */
function tieBefore(
  obs: ObservationTable,
  rank: Uint8Array,
  a: number,
  ca: number,
  b: number,
  cb: number,
): boolean {
  const ta = obs.ttl(a);
  const tb = obs.ttl(b);
  if (ta !== tb) return ta > tb;
  const ea = obs.encapCount[a];
  const eb = obs.encapCount[b];
  if (ea !== eb) return ea > eb;
  if (rank[ca] !== rank[cb]) return rank[ca] < rank[cb];
  return ca < cb;
}

/**
 * Adds the clock bounds of the pre-pass's unambiguous multi-node journeys (those `keep` accepts, default all):
 * for each pair of their segments with direction evidence, the sender's last time and the receiver's first.
 */
export function collectBounds(
  links: Links,
  c: Correlator,
  own: Ownership,
  bounds: ClockBounds,
  keep: ((journey: number) => boolean) | null = null,
): void {
  everyJourneyBounds(links, c, own, bounds, keep);
  // One closure for every crossing (a WireGuard-heavy capture has one per packet on the wire).
  const add = (a: number, b: number, last: number, first: number) => bounds.add(a, b, last, first);
  const w = links.crossings;
  for (let i = 0; w && i < w.length; i++) {
    if (!w.sure[i] || links.ambiguous[w.inner[i]] || links.ambiguous[w.enc[i]]) continue;
    if (keep && (!keep(w.inner[i]) || !keep(w.enc[i]))) continue;
    crossingBounds(w, i, c, own, add);
  }
}

/**
 * collectBounds' loop over the journeys: a function of its own, so that its optimised code is whole (compiled while
 * it runs, it no longer leaves at the code after the loop, which has not run yet).
 */
function everyJourneyBounds(
  links: Links,
  c: Correlator,
  own: Ownership,
  bounds: ClockBounds,
  keep: ((journey: number) => boolean) | null,
): void {
  const scratch: number[] = [];
  const { segCount, ambiguous, first, segNext } = links;
  const segs = c.segs;
  const obs = c.obs;
  for (let j = 0; j < links.count; j++) {
    const n = segCount[j];
    if (n < 2 || ambiguous[j]) continue;
    if (keep && !keep(j)) continue;
    // Two segments (most journeys): journeyBounds' one pair, without its list.
    if (n === 2) pairBounds(first[j], segNext[first[j]], obs, segs, own, bounds);
    else journeyBounds(first[j], segNext, c, own, bounds, scratch);
  }
}

/**
 * The bounds a packet WireGuard carried from x to y gives (wireguardJoin.ts), to `add` (from node, to node, last
 * time there, first time here): its clear hop on x came before the message reached y, and the message left x before
 * the clear hop on y. And the message itself, on both NICs, the way the pairing said it went, where nothing else
 * said (no interface lists own the tunnel's addresses or MACs; with them journeyBounds took this bound already).
 */
export function crossingBounds(
  w: Crossings,
  i: number,
  c: Correlator,
  own: Ownership,
  add: (from: number, to: number, lastT: number, firstT: number) => void,
): void {
  const segs = c.segs;
  const innerX = w.innerX[i];
  const innerY = w.innerY[i];
  const encX = w.encX[i];
  const encY = w.encY[i];
  if (innerX >= 0 && encY >= 0)
    add(segs.node[innerX], segs.node[encY], segs.lastT[innerX], segs.firstT[encY]);
  if (encX >= 0 && innerY >= 0)
    add(segs.node[encX], segs.node[innerY], segs.lastT[encX], segs.firstT[innerY]);
  if (encX >= 0 && encY >= 0 && segmentDirection(encX, encY, c.obs, segs, own) === 0)
    add(segs.node[encX], segs.node[encY], segs.lastT[encX], segs.firstT[encY]);
}

/** Adds one journey's bounds (its segments: `first`, then segNext): every pair with direction evidence. */
export function journeyBounds(
  first: number,
  segNext: Int32Array,
  c: Correlator,
  own: Ownership,
  bounds: ClockBounds,
  list: number[] = [],
): void {
  chainInto(list, first, segNext);
  for (let x = 0; x < list.length; x++)
    for (let y = x + 1; y < list.length; y++) pairBounds(list[x], list[y], c.obs, c.segs, own, bounds);
}

/** The bound segments a and b of one journey give, when they are on two nodes and say which way the packet went. */
function pairBounds(
  a: number,
  b: number,
  obs: ObservationTable,
  segs: SegmentTable,
  own: Ownership,
  bounds: ClockBounds,
): void {
  // A node passed twice (node-1 → node-2 → node-1) says nothing about its own clock.
  if (segs.node[a] === segs.node[b]) return;
  const d = segmentDirection(a, b, obs, segs, own);
  if (d === 0) {
    bounds.addUndirected(segs.node[a], segs.node[b]);
    return;
  }
  // No [from, to] array per pair: this runs for every pair of every unambiguous journey.
  const from = d < 0 ? a : b;
  const to = d < 0 ? b : a;
  // TTLs that interleave (a routing loop between the nodes, or two packets taken for one) order nothing:
  // the first node's last row may be later than the second node's first; no bound from them.
  if (segs.minTtl[from] < segs.maxTtl[to]) return;
  bounds.add(segs.node[from], segs.node[to], segs.lastT[from], segs.firstT[to]);
}
