// Starts a session worker from the TypeScript sources (web mode, tests, the CLI): registers tsx in this worker
// thread, whose module loader does not inherit the parent's tsx registration, then loads the entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
