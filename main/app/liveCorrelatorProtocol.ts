// Messages between the app's main thread (liveCorrelatorHandle.ts, for LiveSession) and the live-correlation
// worker (liveCorrelatorWorker.ts). Packet rows are shared (SharedArrayBuffer columns the worker appends to);
// journey columns travel as typed arrays whose buffers are transferred.

import type { ClockInfo, ErrorData, Result } from '../../preload/api.ts';
import type { PublishedColumns } from '../correlate/observations.ts';

/** One followed capture file: one interface of one node, in the capture's lane order. */
export interface LiveLane {
  node: string;
  iface: string;
  file: string;
}

/**
 * The worker's row columns the main thread reads (correlate/observations.ts PUBLISHED_COLUMNS): typed arrays over
 * SharedArrayBuffers, so a packet's row is stored once for both threads. Times are ns since LiveRows.baseSec;
 * the decode status comes from the flags (F_MALFORMED, F_TRUNCATED, F_IP), as a finished session's does.
 */
export type LiveColumns = PublishedColumns;

/**
 * Rows read from the files since the last message, in the order they were pushed into the correlator, so the
 * main thread's packet index is the correlator's row index. The rows themselves are in the shared `columns`
 * (written before this message was posted, never rewritten after); the message says how many there are now.
 * Frames stay in the capture files (local: the app writes them): `fileOffset` is each record's offset in its
 * lane's file, from which the main thread reads the bytes of the rows it shows.
 */
export interface LiveRows {
  /** Rows [from, to) are new. */
  from: number;
  to: number;
  /** The second the columns' times count from (the correlator's: its first packet's). */
  baseSec: number;
  /**
   * The columns, when one was replaced (it grew or widened) since the last message, or in the first one; null
   * when the ones last sent hold these rows too.
   */
  columns: LiveColumns | null;
  /**
   * The new rows whose time is 9,000,000 s or more from baseSec (a node whose clock is off by months): their
   * exact epoch time, which a double of ns since baseSec does not hold. Null when there are none.
   */
  far: { row: Uint32Array; sec: Float64Array; nsec: Uint32Array } | null;
  /** Per lane, as of this message. */
  lanes: { linkType: number; packets: number; problems: string[] }[];
  /**
   * Set in the message after which the worker reads no more (it holds its packet limit, LiveStart.maxRows):
   * that limit. Later packets are in the capture files only. Null otherwise.
   */
  limit: number | null;
}

/** Seconds from the base within which ns since it are exact in a double (2^53 ns is 104 days). */
export const EXACT_SEC = 9_000_000;

/** A snapshot's journey columns for rows [from, from + journey.length): only what changed since the last one. */
export interface LiveJourneys {
  /** Rows the snapshot covers (rows pushed so far; those after the watermark have journey -1). */
  rows: number;
  from: number;
  journey: Int32Array;
  hop: Int16Array;
  journeys: number;
  flows: number;
  clocks: ClockInfo[];
  referenceNode: string | null;
  /** Every row pushed so far is grouped (no lane is still delivering). */
  settled: boolean;
  /** When the snapshot started (ms since the epoch, sub-millisecond: performance.timeOrigin + now()). */
  startedAt: number;
  /** Wall time the snapshot took in the worker (ms), and the time until the next one (adaptive). */
  costMs: number;
  nextInMs: number;
  /** The live window after it (correlate/window.ts): journeys frozen, segments relinked, cuts forced so far. */
  window: { frozen: number; linkedSegments: number; forcedCuts: number };
}

export interface LiveStart {
  t: 'start';
  id: string;
  title: string;
  dir: string;
  lanes: LiveLane[];
  /** The main side's time base (whole seconds since the epoch): journey times are given relative to it. */
  baseSec: number;
  pollMs?: number;
  correlateMs?: number;
  quietMs?: number;
  /** Rows read at most (the live packet limit); default: liveRowLimit() (common/limits.ts). */
  maxRows?: number;
}

export type LiveQueryMethod = 'findJourneys' | 'journey';

export type ToLiveWorker =
  | LiveStart
  | { t: 'query'; seq: number; method: LiveQueryMethod; req: unknown }
  /** More files to follow (captures of a node that joined late), numbered after the others. */
  | { t: 'lanes'; lanes: LiveLane[] }
  /** Read what the files gained once more (the capture stopped), send it, then answer 'drained'. */
  | { t: 'drain'; seq: number };

export type FromLiveWorker =
  | { t: 'rows'; rows: LiveRows }
  | { t: 'journeys'; journeys: LiveJourneys }
  | { t: 'reply'; seq: number; res: Result<unknown> }
  | { t: 'drained'; seq: number }
  /** A snapshot failed: rows keep coming, journeys stay as they were. */
  | { t: 'error'; error: ErrorData };

/** The buffers of a rows message to transfer (the shared columns are not: they stay shared). */
export function rowBuffers(r: LiveRows): ArrayBuffer[] {
  return r.far ? [r.far.row, r.far.sec, r.far.nsec].map((a) => a.buffer as ArrayBuffer) : [];
}
