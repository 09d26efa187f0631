// Starts a worker thread from the TypeScript sources (web mode, tests, the CLI without its bundle): registers tsx
// in this thread, whose module loader does not inherit the parent's tsx registration, then loads the entry
// (workerEntry.ts says which). A failure to load either is marked in shared memory when the parent asked for it
// (workerData.loadFailure, as in bin/workerShim.mjs): a parent blocked on shared memory sees no 'error' event.
import { workerData } from 'node:worker_threads';

try {
  const { register } = await import('tsx/esm/api');
  register();
  await import(workerData.entry);
} catch (e) {
  const f = workerData?.loadFailure;
  if (f) {
    const flags = new Int32Array(f.flags);
    Atomics.store(flags, f.index, f.value);
    Atomics.notify(flags, f.index);
  }
  throw e;
}
