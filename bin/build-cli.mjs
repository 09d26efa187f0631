#!/usr/bin/env node
// Bundles the CLI (main/cli/index.ts and what it imports) with esbuild into out/cli/hopscope.mjs (plus one
// chunk per subcommand, loaded only when that command runs), so
// `hopscope` starts without tsx transpiling every module on each run (~0.3 CPU s and ~25 MiB of RSS).
// Runs from `npm run build` and from `prepare` (npm install). Never fails an install: on any error the CLI
// simply keeps running through tsx (bin/hopscope.mjs falls back when the bundle is missing or stale).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerShim } from './workerShim.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out/cli');
const strict = process.argv.includes('--strict');

try {
  const esbuild = await import('esbuild');
  // Build into a temporary folder, then move the files in one rename each: chunks first (their names are content
  // hashes, so an existing one has the same bytes), entry files last. A `hopscope` starting meanwhile sees the
  // old or the new entry, never half a file, and one already running still finds the chunks it loads lazily.
  const tmp = `${outDir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    // The app's session worker too: main/app/sessionHandle.ts looks for sessionWorker.js next to the running
    // bundle, so `hopscope serve` from the bundle correlates in a worker without tsx as well (and the live
    // capture's worker, found the same way by main/app/liveCorrelatorHandle.ts, and the ingest workers of
    // main/session/parallelIngest.ts).
    entryPoints: {
      hopscope: 'main/cli/index.ts',
      sessionWorker: 'main/app/sessionWorker.ts',
      liveCorrelatorWorker: 'main/app/liveCorrelatorWorker.ts',
      ingestWorker: 'main/session/ingestWorker.ts',
    },
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
  // The same entries (those a batch command runs) as CommonJS, one file each with no chunks, for V8's code cache
  // (bin/codeCache.mjs: Node 20 caches no ES module code). import.meta.url is the file's own URL, as in the
  // chunks next to it; ssh2 and ws stay outside (CommonJS packages), ssh-config is bundled (its ES module default
  // export is not its CommonJS one). The first line names the build: the cache is keyed by it.
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { hopscope: 'main/cli/index.ts', ingestWorker: 'main/session/ingestWorker.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['ssh2', 'ws', 'electron'],
    outdir: tmp,
    outExtension: { '.js': '.cjs' },
    define: { 'import.meta.url': '__hopscopeModuleUrl' },
    // Without the comments and indentation (names kept): a third smaller, and ASCII only (the comments' µ and →
    // made the whole source a two-byte string), so each command reads and loads it faster (~2 ms of start-up).
    minifyWhitespace: true,
    // Strict as the ES modules are: the directive must come first (esbuild's own one follows the banner).
    banner: {
      js: '"use strict";\nvar __hopscopeModuleUrl = require("node:url").pathToFileURL(__filename).href;',
    },
    logLevel: 'warning',
  });
  const hashes = [];
  for (const name of ['hopscope.cjs', 'ingestWorker.cjs']) {
    const file = path.join(tmp, name);
    const text = fs.readFileSync(file, 'utf8');
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
    hashes.push(hash);
    fs.writeFileSync(file, `// hopscope bundle ${hash}\n${text}`);
  }
  // The top-level source folders the bundle came from: bin/hopscope.mjs checks their files' mtimes.
  const dirs = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    if (!input.startsWith('node_modules/') && input.includes('/')) dirs.add(input.split('/')[0]);
  }
  fs.writeFileSync(path.join(tmp, 'sources.json'), `${JSON.stringify([...dirs].sort())}\n`);
  // Each worker's entry file: a shim importing its module, which marks a failure to load it (bin/workerShim.mjs).
  for (const w of ['sessionWorker', 'liveCorrelatorWorker', 'ingestWorker'])
    fs.writeFileSync(
      path.join(tmp, `${w}.js`),
      workerShim(`${w}.mjs`, w === 'ingestWorker' ? `${w}.cjs` : null),
    );
  fs.mkdirSync(outDir, { recursive: true });
  const entries = [
    'sources.json',
    'ingestWorker.cjs',
    'hopscope.cjs',
    'sessionWorker.mjs',
    'sessionWorker.js',
    'liveCorrelatorWorker.mjs',
    'liveCorrelatorWorker.js',
    'ingestWorker.mjs',
    'ingestWorker.js',
    'hopscope.mjs',
  ];
  const fresh = new Set(fs.readdirSync(tmp));
  for (const f of fresh) if (!entries.includes(f)) fs.renameSync(path.join(tmp, f), path.join(outDir, f));
  for (const f of entries) fs.renameSync(path.join(tmp, f), path.join(outDir, f));
  fs.rmSync(tmp, { recursive: true, force: true });
  // Chunks of older builds: kept 10 minutes for processes started before this build, then removed.
  for (const f of fs.readdirSync(outDir)) {
    const p = path.join(outDir, f);
    if (f.startsWith('chunk-') && !fresh.has(f) && Date.now() - fs.statSync(p).mtimeMs > 10 * 60e3)
      fs.rmSync(p);
  }
  // Code caches of other builds (their names hold their build's hash): no process can use them any more.
  const cacheDir = path.join(outDir, 'cache');
  for (const f of fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [])
    if (!hashes.some((h) => f.includes(`.${h}.`))) fs.rmSync(path.join(cacheDir, f), { force: true });
} catch (e) {
  console.warn(`hopscope: CLI bundle not built (${e instanceof Error ? e.message : String(e)}); using tsx`);
  if (strict) process.exitCode = 1;
}
