// Starts the live-correlation worker from the TypeScript sources (web mode, tests, the CLI without its bundle):
// registers tsx in this worker thread, whose module loader does not inherit the parent's tsx registration.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
