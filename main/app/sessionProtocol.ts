// Messages between the app's main thread (sessionHandle.ts) and a session worker (sessionWorker.ts). Columns
// travel as typed arrays whose buffers are transferred, never as per-packet objects.

import type { ErrorData, OpenRange, Result, SessionInfo, SessionProgress } from '../../preload/api.ts';
import type { ScanColumns } from './sessionScan.ts';

export type ToWorker =
  | { t: 'open'; id: string; paths: string[]; title?: string; previewMin: number; range?: OpenRange }
  | { t: 'call'; seq: number; method: string; req: unknown };

/**
 * What the main thread reads a lane's frames and summaries with: its file and link type, and for a `tcpdump -i any`
 * lane (Linux cooked v2) its node's interface names by ifindex when known, which its summaries say.
 */
export interface PaneCapture {
  path: string;
  linkType: number;
  ifNames?: Record<number, string>;
}

/** The scan's rows: enough for the panes (and, with the files, for summaries) before any correlation. */
export interface PreviewMsg {
  t: 'preview';
  /** journeys 0, correlating true. */
  info: SessionInfo;
  rows: ScanColumns;
  captures: PaneCapture[];
  elapsedMs: number;
}

export interface JourneyColumns {
  journey: Int32Array;
  hop: Int16Array;
  proto: Uint8Array;
  status: Uint8Array;
}

/** Correlation done. `rows` only when they differ from the preview's (or there was none). */
export interface ReadyMsg {
  t: 'ready';
  info: SessionInfo;
  cols: JourneyColumns;
  rows?: ScanColumns;
  captures: PaneCapture[];
  elapsedMs: number;
  /** Threads that read the files. */
  threads: number;
}

export type FromWorker =
  | { t: 'started' }
  | {
      t: 'progress';
      phase: 'reading' | 'correlating';
      done: number;
      total: number;
      elapsedMs: number;
      stage?: SessionProgress['stage'];
    }
  | PreviewMsg
  | ReadyMsg
  | { t: 'failed'; error: ErrorData; previewed: boolean }
  | { t: 'reply'; seq: number; res: Result<unknown> }
  | { t: 'event'; name: 'exportProgress'; payload: unknown };
