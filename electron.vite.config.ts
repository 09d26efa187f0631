import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Rollup } from 'vite';

import { workerShim } from './bin/workerShim.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The main-process entries that run as worker threads (main/common/workerEntry.ts finds `<name>.js`). */
const WORKERS = ['sessionWorker', 'liveCorrelatorWorker', 'ingestWorker'];

/**
 * Each worker's module is written as `<name>.impl.js` and `<name>.js` is a shim importing it, which marks a
 * failure to load it in shared memory (bin/workerShim.mjs, as the CLI bundle's): the ingest workers' parent blocks
 * while they run and sees no 'error' event.
 */
const workerShims: Rollup.Plugin = {
  name: 'hopscope-worker-shims',
  generateBundle() {
    for (const w of WORKERS)
      this.emitFile({ type: 'asset', fileName: `${w}.js`, source: workerShim(`${w}.impl.js`) });
  },
};

// Electron build: main (Node side, ESM), preload (the bridge: CommonJS, because sandboxed preloads cannot load ES
// modules), renderer (React; Monaco and its worker bundled locally). Web mode serves out/renderer.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The session worker is its own entry (out/main/sessionWorker.js): main/app/sessionHandle.ts starts it
      // with worker_threads; so are the live-correlation worker (main/app/liveCorrelatorHandle.ts) and the
      // ingest workers (main/session/parallelIngest.ts).
      rollupOptions: {
        input: {
          index: resolve(here, 'main/index.ts'),
          sessionWorker: resolve(here, 'main/app/sessionWorker.ts'),
          liveCorrelatorWorker: resolve(here, 'main/app/liveCorrelatorWorker.ts'),
          ingestWorker: resolve(here, 'main/session/ingestWorker.ts'),
        },
        output: {
          entryFileNames: (chunk) => (WORKERS.includes(chunk.name) ? '[name].impl.js' : '[name].js'),
        },
        plugins: [workerShims],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(here, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    base: './',
    plugins: [react()],
    worker: { format: 'es' },
    build: {
      outDir: resolve(here, 'out/renderer'),
      emptyOutDir: true,
      chunkSizeWarningLimit: 4096,
      rollupOptions: { input: { index: resolve(here, 'renderer/index.html') } },
    },
  },
});
