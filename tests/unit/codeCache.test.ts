// The CLI's CommonJS bundle through V8's code cache (bin/codeCache.mjs): a cache is written after the work, taken
// by the next process, rejected and written again when damaged, never offered to another build, and never in the
// way of the command (no hash line, an unwritable folder). Then the real bundle (out/cli, built at npm install):
// bin/hopscope.mjs and the ingest worker's shim take their caches and print what the ES module bundle prints.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { beforeAll, describe, expect, it } from 'vitest';

import { runCachedBundle } from '../../bin/codeCache.mjs';
import { workerShim } from '../../bin/workerShim.mjs';
import { tempDir } from '../tempDir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CODE_CACHE = pathToFileURL(path.join(ROOT, 'bin/codeCache.mjs')).href;
let tmp: string;

beforeAll(() => {
  tmp = tempDir('hs-cache-');
});

/** A bundle as the build writes one: the hash line, then CommonJS code (with a module beside it to require). */
function writeBundle(dir: string, hash: string | null, body: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'dep.cjs'), 'module.exports = { answer: 42 };\n');
  const file = path.join(dir, 'b.cjs');
  fs.writeFileSync(file, `${hash ? `// hopscope bundle ${hash}\n` : ''}${body}`);
  return file;
}

const BODY = `"use strict";
exports.strict = (function () { return this === undefined; })();
exports.dep = require('./dep.cjs').answer;
exports.here = __filename;
exports.sum = (n) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; };
`;

/** Runs the bundle in a new process (a cache is per process start): what it exported and what V8 did. */
function runInChild(
  file: string,
  key = 'k',
): { cache: string; strict: boolean; dep: number; here: string; sum: number } {
  const script = `import { runCachedBundle } from ${JSON.stringify(CODE_CACHE)};
const run = runCachedBundle(${JSON.stringify(file)}, ${JSON.stringify(key)});
const e = run.exports;
console.log(JSON.stringify({ cache: run.cache, strict: e.strict, dep: e.dep, here: e.here, sum: e.sum(1000) }));
run.save();
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

describe('runBundle', () => {
  it('writes the cache after the run and takes it in the next process; a damaged one is rejected and rewritten', () => {
    const dir = path.join(tmp, 'one');
    const file = writeBundle(dir, '0123456789abcdef', BODY);
    const cacheFile = path.join(dir, 'cache', 'b.0123456789abcdef.k.v8');
    const expected = { strict: true, dep: 42, here: file, sum: 499500 };
    expect(runInChild(file)).toEqual({ cache: 'none', ...expected });
    expect(fs.statSync(cacheFile).size).toBeGreaterThan(0);
    const written = fs.readFileSync(cacheFile);
    expect(runInChild(file)).toEqual({ cache: 'used', ...expected });
    // Taken, so not written again.
    expect(fs.readFileSync(cacheFile).equals(written)).toBe(true);
    // Another key (command) has a cache of its own.
    expect(runInChild(file, 'other')).toMatchObject({ cache: 'none' });
    expect(fs.existsSync(path.join(dir, 'cache', 'b.0123456789abcdef.other.v8'))).toBe(true);
    // Damaged: V8 refuses it, the run goes on, and the cache is written whole again.
    fs.writeFileSync(cacheFile, Buffer.alloc(written.length, 0x5a));
    expect(runInChild(file)).toEqual({ cache: 'rejected', ...expected });
    expect(fs.readFileSync(cacheFile).equals(Buffer.alloc(written.length, 0x5a))).toBe(false);
    expect(runInChild(file)).toEqual({ cache: 'used', ...expected });
    expect(fs.readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it("never offers one build's cache to another of the same length", () => {
    const dir = path.join(tmp, 'two');
    const file = writeBundle(dir, 'aaaaaaaaaaaaaaaa', BODY);
    expect(runInChild(file).cache).toBe('none');
    expect(runInChild(file).cache).toBe('used');
    // Same length, other code: V8 itself would check the length only.
    const other = BODY.replace('s += i', 's -= i');
    expect(other.length).toBe(BODY.length);
    writeBundle(dir, 'bbbbbbbbbbbbbbbb', other);
    expect(runInChild(file)).toMatchObject({ cache: 'none', sum: -499500 });
    expect(fs.readdirSync(path.join(dir, 'cache')).sort()).toEqual([
      'b.aaaaaaaaaaaaaaaa.k.v8',
      'b.bbbbbbbbbbbbbbbb.k.v8',
    ]);
  });

  it('runs without a cache when the bundle names no build or the cache folder cannot be written', () => {
    const plain = writeBundle(path.join(tmp, 'plain'), null, BODY);
    const run = runCachedBundle(plain, 'k');
    expect(run.cache).toBe('none');
    expect((run.exports as { sum: (n: number) => number }).sum(10)).toBe(45);
    run.save();
    expect(fs.existsSync(path.join(tmp, 'plain', 'cache'))).toBe(false);
    // `cache` is a file: no folder can be made there.
    const dir = path.join(tmp, 'blocked');
    const file = writeBundle(dir, 'cccccccccccccccc', BODY);
    fs.writeFileSync(path.join(dir, 'cache'), 'not a folder\n');
    const blocked = runCachedBundle(file, 'k');
    expect(() => blocked.save()).not.toThrow();
    expect(fs.readFileSync(path.join(dir, 'cache'), 'utf8')).toBe('not a folder\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['b.cjs', 'cache', 'dep.cjs']);
  });

  it("a worker shim runs the CommonJS worker, writes the worker's cache after its first task, and marks a failure to load", async () => {
    const dir = path.join(tmp, 'shim');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    fs.writeFileSync(path.join(dir, 'w.js'), workerShim('w.mjs', 'w.cjs'));
    // A worker that calls the hook before it answers (as the ingest worker does), and one that does not.
    const worker = (hash: string, hook: boolean) =>
      fs.writeFileSync(
        path.join(dir, 'w.cjs'),
        `// hopscope bundle ${hash}
"use strict";
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (n) => {
  ${hook ? "globalThis[Symbol.for('hopscope.saveCodeCache')]?.();" : ''}
  parentPort.postMessage(n * 2);
  // Busy after its answer until it is ended: a cache written only now would be lost, as at a process's exit.
  ${hook ? 'const until = Date.now() + 2000; while (Date.now() < until);' : ''}
});
`,
      );
    /** Runs a task; with `waitExit`, lets the thread end on its own before terminating it. */
    const task = async (waitExit: boolean): Promise<unknown> => {
      const w = new Worker(path.join(dir, 'w.js'), { workerData: {} });
      try {
        const answer = await new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
          w.postMessage(21);
        });
        if (waitExit) await new Promise((resolve) => w.once('exit', resolve));
        return answer;
      } finally {
        await w.terminate();
      }
    };
    // The hook: the cache is there when the answer is (the thread is then ended at once, as a process exit does).
    worker('dddddddddddddddd', true);
    const hooked = path.join(dir, 'cache', 'w.dddddddddddddddd.worker.v8');
    expect(fs.existsSync(hooked)).toBe(false);
    expect(await task(false)).toBe(42);
    expect(fs.statSync(hooked).size).toBeGreaterThan(0);
    const first = fs.statSync(hooked).mtimeMs;
    expect(await task(false)).toBe(42);
    expect(fs.statSync(hooked).mtimeMs).toBe(first);
    // No hook: written after the worker's own listener for its first message, just after the answer.
    worker('ffffffffffffffff', false);
    const after = path.join(dir, 'cache', 'w.ffffffffffffffff.worker.v8');
    expect(await task(true)).toBe(42);
    expect(fs.statSync(after).size).toBeGreaterThan(0);
    // The CommonJS worker throws as it loads: the failure is marked for the parent, as with the module.
    fs.writeFileSync(
      path.join(dir, 'w.cjs'),
      '// hopscope bundle eeeeeeeeeeeeeeee\nthrow new Error("broken w.cjs");\n',
    );
    const flags = new SharedArrayBuffer(8);
    const broken = new Worker(path.join(dir, 'w.js'), {
      workerData: { loadFailure: { flags, index: 1, value: 7 } },
    });
    const error = await new Promise<Error>((resolve) => broken.once('error', resolve));
    expect(error.message).toMatch(/broken w\.cjs/);
    expect(Atomics.load(new Int32Array(flags), 1)).toBe(7);
  });
});

describe('the CLI bundle', () => {
  const fixture = path.join(ROOT, 'tests/fixtures/flannel-vxlan');
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin/hopscope.mjs'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, HOPSCOPE_TRACE: '1', ...env },
      maxBuffer: 64 << 20,
    });

  it('runs a command through the code cache, with the output of the ES module bundle', () => {
    // out/cli is built by npm install (prepare) and by npm run build; without it the CLI runs from the sources.
    // Strict code, as the ES modules are: the directive first (after the build's line).
    for (const f of ['hopscope.cjs', 'ingestWorker.cjs'])
      expect(fs.readFileSync(path.join(ROOT, 'out/cli', f), 'utf8').split('\n', 2)).toEqual([
        expect.stringMatching(/^\/\/ hopscope bundle [0-9a-f]{16}$/),
        '"use strict";',
      ]);
    const esm = cli(['correlate', '--json', fixture], { HOPSCOPE_CODE_CACHE: '0' });
    expect(esm.status).toBe(0);
    expect(esm.stderr).not.toMatch(/code cache/);
    const first = cli(['correlate', '--json', fixture]);
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/\] cli: code cache (none|used|rejected)\n/);
    const second = cli(['correlate', '--json', fixture]);
    expect(second.stderr).toMatch(/\] cli: code cache used\n/);
    expect(second.stdout).toBe(esm.stdout);
    expect(first.stdout).toBe(esm.stdout);
    // --version stays on the ES module bundle's small entry chunk.
    const version = cli(['--version']);
    expect(version.stdout.trim()).toBe(
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
    );
    expect(version.stderr).not.toMatch(/code cache/);
  });

  it("runs the ingest worker's CommonJS bundle through its cache, with the same journeys", () => {
    const env = { HOPSCOPE_INGEST_THREADS: '2', HOPSCOPE_INGEST_MIN_BYTES: '0' };
    const esm = cli(['correlate', '--json', fixture], { ...env, HOPSCOPE_CODE_CACHE: '0' });
    expect(esm.stderr).toMatch(/ingest worker: own run read/);
    // The first run writes the worker's cache before the worker answers (the process ends soon after, on a small
    // capture: a cache written after the answer was lost under load), so the second run has it.
    cli(['correlate', '--json', fixture], env);
    const cached = cli(['correlate', '--json', fixture], env);
    expect(cached.status).toBe(0);
    expect(cached.stderr).toMatch(/\] worker: code cache used\n/);
    expect(cached.stderr).toMatch(/ingest worker: own run read/);
    expect(cached.stdout).toBe(esm.stdout);
  });
});
