#!/usr/bin/env node
// Bundles the CLI (main/cli/index.ts and what it imports) with esbuild into out/cli/hopscope.mjs (plus one
// chunk per subcommand, loaded only when that command runs), so
// `hopscope` starts without tsx transpiling every module on each run (~0.3 CPU s and ~25 MiB of RSS).
// Runs from `npm run build` and from `prepare` (npm install). Never fails an install: on any error the CLI
// simply keeps running through tsx (bin/hopscope.mjs falls back when the bundle is missing or stale).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out/cli');
const strict = process.argv.includes('--strict');

try {
  const esbuild = await import('esbuild');
  // Build into a temporary folder and swap it in, so a concurrent `hopscope` never loads a half-written bundle
  // and chunks of older builds do not pile up.
  const tmp = `${outDir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    // The app's session worker too: main/app/sessionHandle.ts looks for sessionWorker.js next to the running
    // bundle, so `hopscope serve` from the bundle correlates in a worker without tsx as well.
    entryPoints: { hopscope: 'main/cli/index.ts', sessionWorker: 'main/app/sessionWorker.ts' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  // The top-level source folders the bundle came from: bin/hopscope.mjs checks their files' mtimes.
  const dirs = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    if (!input.startsWith('node_modules/') && input.includes('/')) dirs.add(input.split('/')[0]);
  }
  fs.writeFileSync(path.join(tmp, 'sources.json'), `${JSON.stringify([...dirs].sort())}\n`);
  fs.writeFileSync(path.join(tmp, 'sessionWorker.js'), "import './sessionWorker.mjs';\n");
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(tmp, outDir);
} catch (e) {
  console.warn(`hopscope: CLI bundle not built (${e instanceof Error ? e.message : String(e)}); using tsx`);
  if (strict) process.exitCode = 1;
}
