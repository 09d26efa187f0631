// HOPSCOPE_TRACE=1: a timestamped line on stderr as a batch correlation or export passes each phase, from every
// thread that takes part (the main thread, ingest workers), so a slow run shows where its wall time went:
//
//   [hopscope trace 481.2 ms main] read: own run done
//
// Times are ms since the process started: performance.now() counts from the process's time origin in worker
// threads too (Node 20), so lines of different threads compare. Written synchronously: an ingest worker's
// asynchronous stderr would reach the main thread only after it stopped blocking on the workers.

import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';

/** Whether tracing is on (read once: the environment of a thread does not change under it). */
export const tracing = process.env.HOPSCOPE_TRACE === '1';

/** Writes one trace line (nothing unless HOPSCOPE_TRACE=1). */
export function trace(phase: string): void {
  if (!tracing) return;
  const ms = performance.now();
  const who = isMainThread ? 'main' : `thread ${threadId}`;
  try {
    writeSync(2, `[hopscope trace ${ms.toFixed(1)} ms ${who}] ${phase}\n`);
  } catch {
    // stderr closed: tracing is best effort
  }
}
