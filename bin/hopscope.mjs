#!/usr/bin/env node
// The `hopscope` command. Runs the esbuild bundle out/cli/hopscope.mjs (built by `npm run build` and at
// `npm install`) when it is at least as new as every source file it was built from; otherwise the TypeScript
// CLI through tsx, so a developer never runs stale code and `npx hopscope` works with or without a build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'out/cli/hopscope.mjs');

/** Newest mtime (ms) of the files under `dir`, or Infinity when it cannot be read. */
function newest(dir) {
  let max = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return Infinity;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) max = Math.max(max, newest(p));
    else if (e.isFile()) max = Math.max(max, fs.statSync(p).mtimeMs);
  }
  return max;
}

function bundleIsFresh() {
  if (process.env.HOPSCOPE_TSX === '1') return false;
  try {
    const built = fs.statSync(bundle).mtimeMs;
    const dirs = JSON.parse(fs.readFileSync(path.join(root, 'out/cli/sources.json'), 'utf8'));
    if (!Array.isArray(dirs) || !dirs.includes('main')) return false;
    return dirs.every((d) => newest(path.join(root, d)) <= built);
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../main/cli/index.ts'));
}
process.exitCode = await main(process.argv.slice(2));
