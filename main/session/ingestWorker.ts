// An ingest worker (parallelIngest.ts): counts the records of the run before its own (those in the time range,
// when one is given) and publishes the count, waits for every earlier run's count to know its first row, then
// reads its run's files into the shared row store and posts what the main thread needs to adopt them.

import { parentPort } from 'node:worker_threads';

import { Correlator } from '../correlate/correlator.ts';
import { ObservationTable } from '../correlate/observations.ts';
import { countRecords, ingestFiles, READ_CHUNK } from './ingestFiles.ts';
import { STATE_DONE, STATE_STARTED, type IngestReply, type IngestTask } from './parallelIngest.ts';
import { trace } from '../common/trace.ts';

parentPort?.once('message', (task: IngestTask) => {
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
  task.reply.postMessage(reply);
  task.reply.close();
  Atomics.store(state, task.run, STATE_DONE);
  Atomics.notify(state, task.run);
});

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
