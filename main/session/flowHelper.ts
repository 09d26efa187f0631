// The flows' unions of segments on an ingest worker. Once every row is read and grouped, the ingest worker
// (ingestWorker.ts) has nothing left to do while the main thread links journeys (the clock pre-pass, then the
// final pass): it takes the rows' flow tuples then, through the same shared columns, and unions the segments
// that share one (flows.ts segmentFlowParents). computeFlows then only joins each journey's segments, instead of
// visiting every row after the final pass. Nothing is lost when the worker cannot answer: computeFlows does
// the whole work itself, the same way as on one thread.

import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';

import type { FlowHelper, HelpedFlows } from '../correlate/flows.ts';
import type { ObservationTable, SharedColumns } from '../correlate/observations.ts';
import { trace } from '../common/trace.ts';

/** What the main thread posts to the worker once its rows are grouped. */
export interface FlowTask {
  kind: 'flows';
  columns: SharedColumns;
  /** Rows in the table, and segments they are grouped into. */
  rows: number;
  segments: number;
  /** Int32 [state, rows visited]: FLOWS_STARTED once taken, FLOWS_DONE once the answer is posted. */
  state: SharedArrayBuffer;
  reply: MessagePort;
}

export type FlowReply = { ok: true; parents: Int32Array } | { ok: false; message: string };

export const FLOWS_STARTED = 1;
export const FLOWS_DONE = 2;
/**
 * How long the main thread waits for a worker whose progress does not move (it counts rows as it goes) before it
 * computes the flows itself.
 */
const STALL_MS = 2000;

/** An ingest worker lent to the correlator for its flows (close() ends it: call it once the result is built). */
export class WorkerFlowHelper implements FlowHelper {
  constructor(private readonly worker: Worker) {}

  start(rows: ObservationTable, segCount: number): HelpedFlows | null {
    let columns: SharedColumns;
    try {
      columns = rows.sharedColumns();
    } catch {
      return null; // a column grew or widened into a plain array since the workers read: not visible to them
    }
    const state = new SharedArrayBuffer(8);
    const view = new Int32Array(state);
    const { port1, port2 } = new MessageChannel();
    try {
      const task: FlowTask = {
        kind: 'flows',
        columns,
        rows: rows.length,
        segments: segCount,
        state,
        reply: port2,
      };
      this.worker.postMessage(task, [port2]);
    } catch {
      port1.close();
      return null;
    }
    return { take: () => waitFlows(port1, view) };
  }

  close(): void {
    void this.worker.terminate();
  }
}

/** Blocks until the worker answers (null: it failed, or its progress stalled for STALL_MS). */
function waitFlows(port: MessagePort, state: Int32Array): Int32Array | null {
  try {
    let seenState = -1;
    let seenRows = -1;
    let since = 0;
    for (;;) {
      const s = Atomics.load(state, 0);
      if (s === FLOWS_DONE) break;
      const p = Atomics.load(state, 1);
      if (s !== seenState || p !== seenRows) {
        seenState = s;
        seenRows = p;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        trace('link: the flow helper stalled; flows on this thread');
        return null;
      }
      Atomics.wait(state, 0, s, 50);
    }
    const m = receiveMessageOnPort(port);
    const r = m?.message as FlowReply | undefined;
    return r?.ok ? r.parents : null;
  } finally {
    port.close();
  }
}
