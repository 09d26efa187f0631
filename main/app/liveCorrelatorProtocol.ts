// Messages between the app's main thread (liveCorrelatorHandle.ts, for LiveSession) and the live-correlation
// worker (liveCorrelatorWorker.ts). Rows and columns travel as typed arrays whose buffers are transferred.

import type { ClockInfo, ErrorData, Result } from '../../preload/api.ts';

/** One followed capture file: one interface of one node, in the capture's lane order. */
export interface LiveLane {
  node: string;
  iface: string;
  file: string;
}

/**
 * Rows read from the files since the last message, in the order they were pushed into the correlator, so the
 * main thread's packet index is the correlator's row index. Frames stay in the capture files (local: the app
 * writes them): `fileOffset` is each record's offset in its lane's file, from which the main thread reads the
 * bytes of the rows it shows.
 */
export interface LiveRows {
  from: number;
  capture: Uint16Array;
  tsSec: Float64Array;
  tsNsec: Uint32Array;
  origLen: Uint32Array;
  caplen: Uint32Array;
  proto: Uint8Array;
  /** 0 ok, 1 truncated, 2 malformed, 3 unsupported (as PacketBatch.status). */
  status: Uint8Array;
  fileOffset: Float64Array;
  /** Per lane, as of this message. */
  lanes: { linkType: number; packets: number; problems: string[] }[];
}

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
}

export type LiveQueryMethod = 'findJourneys' | 'journey';

export type ToLiveWorker =
  | LiveStart
  | { t: 'query'; seq: number; method: LiveQueryMethod; req: unknown }
  /** Read what the files gained once more (the capture stopped), send it, then answer 'drained'. */
  | { t: 'drain'; seq: number };

export type FromLiveWorker =
  | { t: 'rows'; rows: LiveRows }
  | { t: 'journeys'; journeys: LiveJourneys }
  | { t: 'reply'; seq: number; res: Result<unknown> }
  | { t: 'drained'; seq: number }
  /** A snapshot failed: rows keep coming, journeys stay as they were. */
  | { t: 'error'; error: ErrorData };

/** The buffers of a rows message, to transfer. */
export function rowBuffers(r: LiveRows): ArrayBuffer[] {
  return [r.capture, r.tsSec, r.tsNsec, r.origLen, r.caplen, r.proto, r.status, r.fileOffset].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
