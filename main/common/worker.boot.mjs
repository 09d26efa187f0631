// Starts a worker thread from the TypeScript sources (web mode, tests, the CLI without its bundle): registers tsx
// in this thread, whose module loader does not inherit the parent's tsx registration, then loads the entry
// (workerEntry.ts says which).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
