// Live correlation of a capture in progress: follows the capture files (reading only the bytes appended since
// the last poll), pushes every record into ONE Correlator kept for the whole capture, and takes snapshots of
// its journeys. Synchronous; the app runs it in a worker thread (liveCorrelatorWorker.ts), tests drive it here.
//
// Lanes are numbered in the capture's order (session.json's captures), as a finished session of the same folder
// numbers them, and rows in the order they were pushed: the main thread's packet index is the row index.

import { closeSync, openSync, readSync } from 'node:fs';

import type { JourneyMatches, JourneyView } from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { liveRowLimit } from '../common/limits.ts';
import { estimateClocks, NodeClocks } from '../correlate/clockSkew.ts';
import { Correlator, type CorrelateOptions } from '../correlate/correlator.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { LinkWindow } from '../correlate/window.ts';
import { ObservationTable, PUBLISHED_COLUMNS } from '../correlate/observations.ts';
import { createPacketFields, DEFAULT_DECODE_OPTIONS } from '../decode/fields.ts';
import { decodeFields } from '../decode/index.ts';
import { createCaptureReader } from '../pcap/reader.ts';
import { problemText, type CaptureReader, type CaptureRecord } from '../pcap/types.ts';
import { pushRecord } from '../session/ingestFiles.ts';
import { loadInputs, sessionDrops } from '../session/inputs.ts';
import { Grow } from './liveCorrelatorColumns.ts';
import {
  EXACT_SEC,
  type LiveColumns,
  type LiveJourneys,
  type LiveLane,
  type LiveRows,
} from './liveCorrelatorProtocol.ts';
import { LoadedSession } from './loadedSession.ts';

const READ_CHUNK = 1 << 20;
/** A lane that delivered nothing for this long no longer holds the watermark back (see watermark()). */
export const QUIET_MS = 1000;

interface Tail {
  lane: number;
  file: string;
  fd: number | null;
  reader: CaptureReader;
  typed: boolean;
  /** Latest row time (ns, the correlator's base), -Infinity before the first record. */
  lastT: number;
  /** Wall time (ms) of the last poll that found new bytes in the file, or of the start. */
  grewAt: number;
  problems: string[];
  dead: boolean;
}

export interface LiveCorrelatorOptions {
  id: string;
  title: string;
  /** The session folder (session.json: discovered interfaces and clock probes, re-read at each snapshot). */
  dir: string;
  lanes: LiveLane[];
  /** The main side's time base (whole seconds since the epoch): journey times are shifted onto it. */
  baseSec: number;
  quietMs?: number;
  /** Wall clock in ms (tests inject one). */
  now?: () => number;
  /** Correlation windows (tests shorten them; the clock mode is always 'auto'). */
  correlate?: Omit<CorrelateOptions, 'clock'>;
  /**
   * Reading stops once this many rows are held (the poll that crosses it reads at most one more chunk of each
   * file): the capture files keep growing, journeys settle on what was read. Default: liveRowLimit().
   */
  maxRows?: number;
}

export class LiveCorrelator {
  readonly correlator: Correlator;
  private readonly tails: Tail[];
  private readonly buf = new Uint8Array(READ_CHUNK);
  private readonly fields = createPacketFields();
  // The correlator keys rows with its own identity hash (correlate/identity.ts): skip the decoder's key.
  private readonly decodeOpts = { ...DEFAULT_DECODE_OPTIONS, key: false };
  private readonly now: () => number;
  private readonly quietMs: number;
  private readonly maxRows: number;
  /** Reading stopped at maxRows; `limitSent`: a rows message said so. */
  private limited = false;
  private limitSent = false;
  private session: LoadedSession | null = null;
  /** The kernel's drops per lane (`node/iface`) as session.json last said them (refreshInputs). */
  private drops: Map<string, number> = new Map();
  /** Wall time (ms) the last poll ended: lanes are judged quiet as of then (see watermark()). */
  private polledAt: number;
  /** Every node's clock as of the last snapshot (null before the first). */
  private clock: NodeClocks | null = null;
  /** Phase B over a bounded window: old journeys are frozen, each snapshot relinks only the recent ones. */
  readonly window = new LinkWindow();
  /** Per row as of the last snapshot: its journey and hop (-1: none), as the main thread has them. */
  private readonly journeyCol = new Grow((n) => new Int32Array(n));
  private readonly hopCol = new Grow((n) => new Int16Array(n));
  private snappedRows = -1;
  /** The last snapshot's watermarks (joined; '' before any). */
  private snappedWatermark = '';
  private sent = 0;
  /** The row columns as last sent to the main thread (null before the first message). */
  private sentColumns: LiveColumns | null = null;
  /** Rows read since the last take() whose time is EXACT_SEC or more from the correlator's base. */
  private readonly far = {
    row: new Grow((n) => new Uint32Array(n), 16),
    sec: new Grow((n) => new Float64Array(n), 16),
    nsec: new Grow((n) => new Uint32Array(n), 16),
  };

  constructor(private readonly opts: LiveCorrelatorOptions) {
    this.now = opts.now ?? Date.now;
    this.quietMs = opts.quietMs ?? QUIET_MS;
    this.maxRows = opts.maxRows ?? liveRowLimit();
    // Rows are appended into shared columns the main thread reads (LiveRows.columns).
    this.correlator = new Correlator(
      { ...opts.correlate, clock: { mode: 'auto' } },
      decodeFields,
      ObservationTable.published(),
    );
    this.polledAt = this.now();
    this.tails = [];
    this.addLanes(opts.lanes);
  }

  /** Follows more files (captures started after the others: a node joining late), numbered after them. */
  addLanes(lanes: LiveLane[]): void {
    const t0 = this.now();
    for (const l of lanes) {
      // The link type is known from the file header only: set when the first record arrives (before any row
      // of the lane is pushed; the result copies captures when it is made).
      const lane = this.correlator.addCapture({
        node: l.node,
        iface: l.iface,
        linkType: 1,
        path: l.file,
        interfaceId: 0,
      });
      const t: Tail = {
        lane,
        file: l.file,
        fd: null,
        typed: false,
        lastT: -Infinity,
        grewAt: t0,
        problems: [],
        dead: false,
        reader: null as unknown as CaptureReader,
      };
      t.reader = createCaptureReader((rec) => this.add(t, rec));
      this.tails.push(t);
    }
  }

  /** The last snapshot's correlation (null before the first): valid until the next snapshot. */
  get result(): CorrelationResult | null {
    return this.session?.result ?? null;
  }

  /** Rows pushed so far. */
  get rows(): number {
    return this.correlator.obs.length;
  }

  private add(tail: Tail, rec: CaptureRecord): void {
    const c = this.correlator;
    if (!tail.typed) {
      const cap = c.captures[tail.lane];
      cap.linkType = rec.linkType;
      cap.snaplen = tail.reader.interfaces[0]?.snaplen ?? 0;
      tail.typed = true;
    }
    const f = this.fields;
    const o = pushRecord(c, tail.lane, rec, f, this.decodeOpts);
    const t = c.obs.t[o];
    if (t > tail.lastT) tail.lastT = t;
    if (!(Math.abs(rec.tsSec - c.baseSec!) < EXACT_SEC)) {
      this.far.row.push(o);
      this.far.sec.push(rec.tsSec);
      this.far.nsec.push(rec.tsNsec);
    }
  }

  /** True once reading stopped at the packet limit (maxRows). */
  get limitReached(): boolean {
    return this.limited;
  }

  /**
   * Reads what every file gained since the last poll (nothing once the packet limit is reached); returns the
   * new rows (null when there are none and nothing new to say).
   */
  poll(): LiveRows | null {
    const grew: Tail[] = [];
    for (const tail of this.tails) {
      if (this.limited) break;
      if (tail.dead) continue;
      if (tail.fd === null) {
        try {
          tail.fd = openSync(tail.file, 'r');
        } catch {
          continue; // not created yet
        }
      }
      for (;;) {
        if (this.rows >= this.maxRows) {
          this.limited = true;
          break;
        }
        const n = readSync(tail.fd, this.buf, 0, this.buf.length, null);
        if (n <= 0) break;
        if (grew[grew.length - 1] !== tail) grew.push(tail);
        // The reader keeps the unfinished tail of a chunk itself, so the buffer can be reused.
        const p = tail.reader.push(n === this.buf.length ? this.buf : this.buf.subarray(0, n));
        if (p) {
          tail.problems.push(problemText(p));
          tail.dead = true;
          break;
        }
        if (n < this.buf.length) break;
      }
    }
    // Stamped when the poll ends, not when a lane was read: a long poll must not make its first lanes look quiet.
    this.polledAt = this.now();
    for (const tail of grew) tail.grewAt = this.polledAt;
    return this.take();
  }

  private take(): LiveRows | null {
    const c = this.correlator;
    const to = c.obs.length;
    const announce = this.limited && !this.limitSent;
    if (to === this.sent && !announce) return null;
    const now = c.obs.publishedColumns();
    const last = this.sentColumns;
    const replaced = !last || PUBLISHED_COLUMNS.some((k) => now[k] !== last[k]);
    if (replaced) {
      // Posted, a typed array over a plain buffer would be copied whole (its capacity) every time it is sent.
      for (const k of PUBLISHED_COLUMNS)
        if (!(now[k].buffer instanceof SharedArrayBuffer))
          throw new HopscopeError('INTERNAL', `live row column ${k} is not shared`);
      this.sentColumns = now;
    }
    const far = this.far;
    const rows: LiveRows = {
      from: this.sent,
      to,
      baseSec: c.baseSec!,
      columns: replaced ? now : null,
      far: far.row.length > 0 ? { row: far.row.copy(), sec: far.sec.copy(), nsec: far.nsec.copy() } : null,
      lanes: this.lanes(),
      limit: announce ? this.maxRows : null,
    };
    this.sent = to;
    if (announce) this.limitSent = true;
    far.row.clear();
    far.sec.clear();
    far.nsec.clear();
    return rows;
  }

  lanes(): LiveRows['lanes'] {
    return this.tails.map((t) => ({
      linkType: this.correlator.captures[t.lane].linkType,
      packets: this.correlator.packetCount(t.lane),
      problems: [...t.problems],
    }));
  }

  /**
   * Rows up to this time (ns, the correlator's base) can be grouped: every lane still delivering has delivered
   * past it. A lane quiet for quietMs does not hold it back (an idle interface would otherwise stop every
   * journey): what it sends later was captured later than what its node's busy lanes show now, as long as its
   * stream lags them by less than quietMs. A lane counts as delivering while bytes (even part of a record) came
   * within quietMs of the last poll. Strictly below the slowest lane's latest time, so rows sharing that
   * timestamp still to come on it are not overtaken.
   */
  watermark(): number[] {
    // As of the last poll: time spent since (a long snapshot) says nothing about what the lanes delivered.
    const now = this.polledAt;
    const nodes = this.correlator.nodes.length;
    const m = new Array<number>(nodes).fill(Infinity);
    for (const t of this.tails) {
      const n = this.correlator.nodeOf(t.lane);
      if (now - t.grewAt < this.quietMs && t.lastT < m[n]) m[n] = t.lastT;
    }
    // One instant for every node, in reference time, then in each node's own clock (grouping reads one node's
    // clock only): a node whose clock is minutes ahead is neither held back by the others' raw times nor let run
    // ahead of them, so a journey's segments are grouped together. Offsets: the last snapshot's estimate, before
    // the first one what the session's SSH probes say (0 where nothing is known).
    const clock = this.clock && this.clock.nodeCount >= nodes ? this.clock : this.priorClocks();
    let w = Infinity;
    for (let n = 0; n < nodes; n++) w = Math.min(w, n < clock.nodeCount ? clock.correct(n, m[n]) : m[n]);
    return m.map((_, n) => (w === Infinity ? Infinity : (n < clock.nodeCount ? clock.onNode(n, w) : w) - 1));
  }

  /** Per node: the offset the probes / manual clocks give (no traffic yet), 0 where they give none. */
  private priorClocks(): NodeClocks {
    const c = this.correlator;
    const known = estimateClocks([...c.nodes], null, c.opts.clock ?? { mode: 'auto' });
    return new NodeClocks(Float64Array.from(known, (k) => (k.uncertaintyNs < Infinity ? k.offsetNs : 0)));
  }

  /** True when a snapshot now would differ from the last one (new rows, or the watermark moved). */
  changed(): boolean {
    return this.rows !== this.snappedRows || this.watermark().join() !== this.snappedWatermark;
  }

  /**
   * Groups rows up to the watermark (all of them when `final`), relinks the segments of the journeys that can
   * still change (correlate/window.ts), and returns the journey columns that changed since the last snapshot.
   */
  snapshot(final = false): LiveJourneys {
    const t0 = performance.now();
    this.refreshInputs(); // first: the watermark needs the probes before the first snapshot
    const w = final ? this.correlator.nodes.map(() => Infinity) : this.watermark();
    const wKey = w.join();
    const c = this.correlator;
    const grouped = c.firstPendingRow();
    c.advance(w);
    const frozen = this.window.frozen;
    const res = this.window.link(c, w, !final);
    // A capture whose kernel dropped packets is no witness that a packet never came (correlate/stops.ts).
    res.kernelDrops = this.drops;
    const s = new LoadedSession(this.opts.id, this.opts.title, this.opts.dir, c, res, [], undefined, false);
    // The searchable text of journeys frozen before this snapshot stays (unless their flows were renumbered).
    if (this.session && this.window.stats.frozenFlowsStable) s.keepSummaries(this.session, frozen);
    this.session?.frames.close();
    this.session = s;
    this.clock = res.clock;
    const { from, to } = this.updateColumns(res, frozen, grouped);
    this.snappedRows = c.obs.length;
    this.snappedWatermark = wKey;
    return {
      rows: c.obs.length,
      from,
      journey: this.journeyCol.data.slice(from, to),
      hop: this.hopCol.data.slice(from, to),
      journeys: res.journeyCount,
      flows: res.flowCount,
      clocks: res.nodes.length > 1 ? s.clocks() : [],
      referenceNode: res.clocks[0]?.reference ?? null,
      settled: w.every((x) => x === Infinity),
      startedAt: performance.timeOrigin + t0,
      costMs: performance.now() - t0,
      nextInMs: 0,
      window: {
        frozen: this.window.frozen,
        linkedSegments: this.window.stats.linkedSegments,
        forcedCuts: this.window.stats.forcedCuts,
      },
    };
  }

  /**
   * Brings the per-row journey and hop columns up to `res` and returns the range that changed. Only rows that
   * can have changed are visited: from the first row grouped by this snapshot's advance() (`grouped`) or in a
   * journey not frozen before it (`frozen` on) to the last row; duplicated frames, which no journey lists but
   * which take their segment's journey, lie among them.
   */
  private updateColumns(
    res: CorrelationResult,
    frozen: number,
    grouped: number,
  ): { from: number; to: number } {
    const n = res.rowCount;
    const jc = this.journeyCol;
    const hc = this.hopCol;
    const had = jc.length;
    jc.extend(n - had);
    hc.extend(n - had);
    jc.data.fill(-1, had, n);
    hc.data.fill(-1, had, n);
    const journey = jc.data;
    const hop = hc.data;
    let lo = Math.min(had, grouped);
    for (let k = frozen; k < res.journeyCount; k++)
      for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) if (r < lo) lo = r;
    // New values for rows [lo, n): the journey from the row's segment, the hop from walking the journeys.
    const nj = new Int32Array(n - lo);
    const nh = new Int16Array(n - lo).fill(-1);
    for (let r = lo; r < n; r++) nj[r - lo] = res.journeyOfRow(r);
    for (let k = frozen; k < res.journeyCount; k++) {
      let i = 0;
      for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) nh[r - lo] = Math.min(i++, 32767);
    }
    let from = n;
    let to = 0;
    const set = (r: number, k: number, h: number) => {
      if (journey[r] === k && hop[r] === h) return;
      journey[r] = k;
      hop[r] = h;
      if (r < from) from = r;
      if (r + 1 > to) to = r + 1;
    };
    // A frozen journey that gained a row (grouped after the journey froze): its hops are numbered again.
    const late = new Set<number>();
    for (let r = lo; r < n; r++) {
      const k = nj[r - lo];
      if (k >= 0 && k < frozen && journey[r] < 0 && !res.isDuplicate(r)) late.add(k);
    }
    for (const k of late) {
      let i = 0;
      for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) set(r, k, Math.min(i++, 32767));
    }
    for (let r = lo; r < n; r++) {
      const k = nj[r - lo];
      if (k < 0 || k >= frozen) set(r, k, nh[r - lo]);
      else if (res.isDuplicate(r)) set(r, k, -1);
      // Other rows of frozen journeys keep their hop (or got it above).
    }
    return from < to ? { from, to } : { from: n, to: n };
  }

  /** Discovered interfaces and clock probes from session.json, as a finished session of the folder uses them. */
  private refreshInputs(): void {
    const r = loadInputs([this.opts.dir]);
    if (!r.ok) return; // nothing written yet: keep what we had
    // session.json's counters, kept up to date every few seconds by the capture: the kernel's drops so far.
    this.drops = sessionDrops(r.value);
    const c = this.correlator;
    c.setInterfaces(r.value.interfaces);
    const clock = c.opts.clock ?? { mode: 'auto' as const };
    c.opts.clock = { ...clock, probes: r.value.probes };
  }

  /** ns to add to the snapshot's relative times to get the main side's (its base is the first packet's second). */
  private shift(): number {
    return ((this.session?.result.baseSec ?? this.opts.baseSec) - this.opts.baseSec) * 1e9;
  }

  findJourneys(filter: string, from: number, count: number): JourneyMatches {
    if (!this.session) return { total: 0, items: [] };
    const r = this.session.findJourneys(filter, from, count);
    const d = this.shift();
    return { ...r, items: r.items.map((j) => ({ ...j, startRelNs: j.startRelNs + d })) };
  }

  journey(k: number): JourneyView {
    if (!this.session || k >= this.session.result.journeyCount)
      throw new HopscopeError('USAGE', `no journey ${k} yet`);
    const v = this.session.journey(k);
    const d = this.shift();
    return {
      ...v,
      startRelNs: v.startRelNs + d,
      hopList: v.hopList.map((h) => ({ ...h, tRelNs: h.tRelNs + d })),
    };
  }

  close(): void {
    for (const t of this.tails) if (t.fd !== null) closeSync(t.fd);
    this.session?.frames.close();
  }
}
