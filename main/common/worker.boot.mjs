// Starts a worker thread from the TypeScript sources (web mode, tests, the CLI without its bundle): registers tsx
// in this thread, whose module loader does not inherit the parent's tsx registration, then loads the entry
// (workerEntry.ts says which). A failure to load either is marked for the parent (loadFailure.mjs).
import { workerData } from 'node:worker_threads';

import { markLoadFailure } from './loadFailure.mjs';

try {
  const { register } = await import('tsx/esm/api');
  register();
  await import(workerData.entry);
} catch (e) {
  markLoadFailure(workerData);
  throw e;
}
