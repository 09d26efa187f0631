#!/usr/bin/env node
// The `hopscope` command. Runs the esbuild bundle (built by `npm run build` and at `npm install`) when it is at
// least as new as every source file it was built from; otherwise the TypeScript CLI through tsx, so a developer
// never runs stale code and `npx hopscope` works with or without a build. A command runs the bundle's CommonJS
// copy out/cli/hopscope.cjs through V8's code cache (bin/codeCache.mjs), the rest out/cli/hopscope.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIsFresh } from './bundleFresh.mjs';
import { runCachedBundle } from './codeCache.mjs';
import { holdSignals } from './earlySignals.mjs';

// First: a Ctrl-C while the command loads is held for it (see earlySignals.mjs).
const early = holdSignals();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'out/cli/hopscope.mjs');

let main;
// Writes the code cache once the command is done (codeCache.mjs); nothing for the other paths.
let saveCache = () => {};
if (process.env.HOPSCOPE_TSX !== '1' && bundleIsFresh(root)) {
  // The same bundle as CommonJS, through V8's code cache (HOPSCOPE_CODE_CACHE=0: the ES module bundle, no cache).
  const cjs = path.join(root, 'out/cli/hopscope.cjs');
  // Not for --version or --help (the ES module bundle loads only its small entry chunk then).
  const key = process.argv[2] && /^[a-z][a-z-]*$/.test(process.argv[2]) ? process.argv[2] : null;
  if (key && key !== 'help' && process.env.HOPSCOPE_CODE_CACHE !== '0' && fs.existsSync(cjs)) {
    const run = runCachedBundle(cjs, key);
    if (process.env.HOPSCOPE_TRACE === '1') {
      try {
        fs.writeSync(
          2,
          `[hopscope trace ${performance.now().toFixed(1)} ms main] cli: code cache ${run.cache}\n`,
        );
      } catch {
        // stderr closed: tracing is best effort (main/common/trace.ts)
      }
    }
    ({ main } = run.exports);
    saveCache = run.save;
  } else ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../main/cli/index.ts'));
}
process.exitCode = await main(process.argv.slice(2), early);
// Only after a command that ran (a mistyped one would leave a cache under its name).
if (process.exitCode === 0) saveCache();
