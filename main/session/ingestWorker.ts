// An ingest worker (parallelIngest.ts): counts the records of the run before its own (those in the time range,
// when one is given) and publishes the count, waits for every earlier run's count to know its first row, then
// reads its run's files into the shared row store and posts what the main thread needs to adopt them. After a
// good answer it may get one more task: the flows' unions of segments while the main thread links (flowHelper.ts).

import { parentPort } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

import { Correlator } from '../correlate/correlator.ts';
import { ObservationTable } from '../correlate/observations.ts';
import { countRecords, ingestFiles, READ_CHUNK } from './ingestFiles.ts';
import { STATE_DONE, STATE_STARTED, type IngestReply, type IngestTask } from './parallelIngest.ts';
import { trace } from '../common/trace.ts';
import { segmentFlowParents } from '../correlate/flows.ts';
import { FLOWS_DONE, FLOWS_STARTED, type FlowReply, type FlowTask } from './flowHelper.ts';

// One listener for both tasks (a listener added while a message is dispatched would get that message too).
let ingested = false;
parentPort?.on('message', (task: IngestTask | FlowTask) => {
  if (!('kind' in task)) ingest(task);
  else if (ingested) flows(task);
  // Nothing more to do: the thread may end (unless the main thread ends it first).
  if (!ingested || 'kind' in task) parentPort?.removeAllListeners('message');
});

function ingest(task: IngestTask): void {
  trace('ingest worker: started');
  const state = new Int32Array(task.state);
  Atomics.store(state, task.run, STATE_STARTED);
  let reply: IngestReply;
  try {
    reply = run(task);
  } catch (e) {
    reply = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  // From the CommonJS bundle, the worker's code cache when it had none (bin/workerShim.mjs sets the hook): written
  // now, with every function the task compiled, and before the answer, after which the process may end at once.
  (globalThis as { [key: symbol]: (() => void) | undefined })[Symbol.for('hopscope.saveCodeCache')]?.();
  ingested = reply.ok;
  task.reply.postMessage(reply);
  task.reply.close();
  Atomics.store(state, task.run, STATE_DONE);
  Atomics.notify(state, task.run);
}

function flows(task: FlowTask): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, 19);
  } catch {
    /* not Linux */
  }
  trace('ingest worker: flows started');
  const state = new Int32Array(task.state);
  Atomics.store(state, 0, FLOWS_STARTED);
  let reply: FlowReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const capacity = task.columns.segment.byteLength / Int32Array.BYTES_PER_ELEMENT;
    const rows = ObservationTable.view(task.columns, task.rows, capacity);
    const parents = segmentFlowParents(rows, task.segments, state.subarray(1));
    reply = { ok: true, parents };
    transfer.push(parents.buffer as ArrayBuffer);
  } catch (e) {
    reply = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  task.reply.postMessage(reply, transfer);
  task.reply.close();
  trace('ingest worker: flows done');
  Atomics.store(state, 0, FLOWS_DONE);
  Atomics.notify(state, 0);
}

function run(task: IngestTask): IngestReply {
  const counts = new Int32Array(task.counts);
  const buf = new Uint8Array(READ_CHUNK);
  let n = 0;
  for (const f of task.runs[task.run - 1]) n += countRecords(f.path, buf, task.range);
  trace('ingest worker: run before counted');
  Atomics.store(counts, task.run - 1, n);
  Atomics.notify(counts, task.run - 1);
  let base = 0;
  for (let r = 0; r < task.run; r++) {
    while (Atomics.load(counts, r) < 0) Atomics.wait(counts, r, -1, 1000);
    base += Atomics.load(counts, r);
  }
  const c = new Correlator({}, null, ObservationTable.view(task.columns, base, task.capacity));
  const read = new Int32Array(task.read);
  let bytes = 0;
  const ingest = ingestFiles(
    c,
    task.runs[task.run],
    task.decode,
    (k) => {
      bytes += k;
      Atomics.store(read, task.run, Math.floor(bytes / 1024));
    },
    task.range,
  );
  trace('ingest worker: own run read');
  return { ok: true, part: c.ingestPart(base), ingest, bytes };
}
