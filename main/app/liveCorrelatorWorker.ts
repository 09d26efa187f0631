// The live-correlation worker (worker_threads): runs a LiveCorrelator for one capture — polls the growing files
// every pollMs and posts the new rows, takes a journey snapshot every correlateMs (backing off to BACKOFF times
// the last snapshot's cost, so correlating never takes more than a fifth of this thread) — and answers journey
// queries in between. The main side is liveCorrelatorHandle.ts; the protocol is liveCorrelatorProtocol.ts.

import { parentPort } from 'node:worker_threads';

import { toErrorData } from '../common/errors.ts';
import { LiveCorrelator } from './liveCorrelator.ts';
import {
  rowBuffers,
  type FromLiveWorker,
  type LiveStart,
  type ToLiveWorker,
} from './liveCorrelatorProtocol.ts';

const POLL_MS = 250;
const CORRELATE_MS = 2000;
/** The wait after a snapshot is at least this many times what it cost. */
const BACKOFF = 4;

const port = parentPort;
if (!port) throw new Error('liveCorrelatorWorker.ts runs as a worker thread');

let lc: LiveCorrelator | null = null;
let timer: NodeJS.Timeout | null = null;
let nextSnapshotAt = 0;
let pollMs = POLL_MS;
let correlateMs = CORRELATE_MS;
const post = (m: FromLiveWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function sendRows(): void {
  const rows = lc!.poll();
  if (rows) post({ t: 'rows', rows }, rowBuffers(rows));
}

function step(): void {
  timer = null;
  if (!lc) return;
  try {
    sendRows();
    if (Date.now() >= nextSnapshotAt && lc.changed()) {
      const j = lc.snapshot();
      j.nextInMs = Math.max(correlateMs, Math.ceil(j.costMs * BACKOFF));
      nextSnapshotAt = Date.now() + j.nextInMs;
      post({ t: 'journeys', journeys: j }, [j.journey.buffer as ArrayBuffer, j.hop.buffer as ArrayBuffer]);
    }
  } catch (e) {
    nextSnapshotAt = Date.now() + correlateMs;
    post({ t: 'error', error: toErrorData(e) });
  }
  timer = setTimeout(step, pollMs);
}

function start(m: LiveStart): void {
  pollMs = m.pollMs ?? POLL_MS;
  correlateMs = m.correlateMs ?? CORRELATE_MS;
  lc = new LiveCorrelator({
    id: m.id,
    title: m.title,
    dir: m.dir,
    lanes: m.lanes,
    baseSec: m.baseSec,
    ...(m.quietMs !== undefined ? { quietMs: m.quietMs } : {}),
    ...(m.maxRows !== undefined ? { maxRows: m.maxRows } : {}),
  });
  step();
}

port.on('message', (m: ToLiveWorker) => {
  switch (m.t) {
    case 'start':
      start(m);
      break;
    case 'lanes':
      lc?.addLanes(m.lanes);
      break;
    case 'query': {
      let res: FromLiveWorker & { t: 'reply' };
      try {
        if (!lc) throw new Error('live correlation has not started');
        const q = m.req as { filter: string; from: number; count: number; k: number };
        const value =
          m.method === 'findJourneys' ? lc.findJourneys(q.filter, q.from, q.count) : lc.journey(q.k);
        res = { t: 'reply', seq: m.seq, res: { ok: true, value } };
      } catch (e) {
        res = { t: 'reply', seq: m.seq, res: { ok: false, error: toErrorData(e) } };
      }
      post(res);
      break;
    }
    case 'drain':
      // The capture stopped: whatever tcpdump wrote last goes to the panes; no more snapshots.
      if (timer) clearTimeout(timer);
      timer = null;
      try {
        if (lc) sendRows();
      } catch (e) {
        post({ t: 'error', error: toErrorData(e) });
      }
      lc?.close();
      lc = null;
      post({ t: 'drained', seq: m.seq });
      break;
  }
});
