import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

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
