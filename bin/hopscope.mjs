#!/usr/bin/env node
// The `hopscope` command. Runs the esbuild bundle out/cli/hopscope.mjs (built by `npm run build` and at
// `npm install`) when it is at least as new as every source file it was built from; otherwise the TypeScript
// CLI through tsx, so a developer never runs stale code and `npx hopscope` works with or without a build.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIsFresh } from './bundleFresh.mjs';
import { holdSignals } from './earlySignals.mjs';

// First: a Ctrl-C while the command loads is held for it (see earlySignals.mjs).
const early = holdSignals();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'out/cli/hopscope.mjs');

let main;
if (process.env.HOPSCOPE_TSX !== '1' && bundleIsFresh(root)) {
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../main/cli/index.ts'));
}
process.exitCode = await main(process.argv.slice(2), early);
