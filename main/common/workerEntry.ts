// Where a worker thread's code is: the bundle's own entry next to the running module (out/main/ for Electron,
// out/cli/ for the CLI bundle), else the TypeScript sources through tsx (web mode and tests run the sources; a
// stale or missing bundle entry is found by walking up to the repository). Used by the session worker, the live
// correlation worker and the ingest workers.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { HopscopeError } from './errors.ts';

export interface WorkerSpec {
  file: URL | string;
  workerData?: { entry: string };
}

/** The tsx boot file next to this module: registers tsx in the worker thread, then imports the entry. */
const BOOT = 'worker.boot.mjs';

/**
 * `entry`: the worker's name (`<entry>.js` in a bundle, `<sourceDir>/<entry>.ts` in the sources);
 * `callerUrl`: import.meta.url of the module starting it, which lives in `sourceDir` when run from sources.
 */
export function workerEntry(entry: string, sourceDir: string, callerUrl: string): WorkerSpec {
  const boot = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), BOOT));
  const fromSources = (dir: string): WorkerSpec => ({
    file: boot,
    workerData: { entry: pathToFileURL(path.join(dir, `${entry}.ts`)).href },
  });
  // tsx may add a query to the URL (its namespace): look at the path alone.
  const here = fileURLToPath(new URL(new URL(callerUrl).pathname, 'file://'));
  if (here.endsWith('.ts')) return fromSources(path.dirname(here));
  let dir = path.dirname(here);
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, `${entry}.js`))) return { file: path.join(dir, `${entry}.js`) };
    if (existsSync(path.join(dir, sourceDir, `${entry}.ts`))) {
      const src = path.join(dir, sourceDir);
      // The boot file sits in main/common of the same checkout.
      return {
        file: pathToFileURL(path.join(dir, 'main/common', BOOT)),
        workerData: { entry: pathToFileURL(path.join(src, `${entry}.ts`)).href },
      };
    }
    dir = path.dirname(dir);
  }
  throw new HopscopeError('INTERNAL', `the worker ${entry}.js (or ${sourceDir}/${entry}.ts) was not found`);
}
