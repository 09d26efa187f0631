// Runs a CommonJS bundle of the CLI (out/cli/*.cjs, written by bin/build-cli.mjs) through V8's code cache, so a
// command does not parse ~1 MB of JavaScript and compile the functions it runs each time it starts (~15–25 ms of
// every command; Node 20 caches no ES module code, hence a CommonJS bundle beside the ES module one).
//
// The cache is V8's own (vm.Script's cachedData), one file per bundle build and command: out/cli/cache/
// <bundle>.<build hash>.<key>.v8, written after the command has run (it then holds the functions the command
// compiled) when there was none or V8 rejected it (another Node, other V8 flags). The build hash is the bundle's
// content hash from its first line: V8 checks a cache against the source's length only, so a cache of another build
// of the same length must never be offered. Nothing here may fail a command: an unreadable or unwritable cache
// folder only means no cache.
//
// `runBundle` must stay self-contained (its imports passed in, no other module-level names): the worker shims
// (bin/workerShim.mjs) copy its source text.
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Loads the CommonJS bundle `file` with the cache for `key` (a command name) and returns its exports and a `save`
 * that writes the cache when it should (call it once the work is done; never throws).
 * @param {{ fs: typeof fs, Module: typeof Module, path: typeof path, vm: typeof vm }} deps
 * @param {string} file
 * @param {string} key
 * @returns {{ exports: any, cache: 'used' | 'rejected' | 'none', save: () => void }}
 */
export function runBundle(deps, file, key) {
  const src = deps.fs.readFileSync(file, 'utf8');
  // The build's first line: `// hopscope bundle <hash>`. Without it (a hand-made file) no cache at all.
  const hash = /^\/\/ hopscope bundle ([0-9a-f]{8,64})\n/.exec(src)?.[1];
  const safeKey =
    String(key)
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 40) || 'default';
  const cacheFile = hash
    ? deps.path.join(
        deps.path.dirname(file),
        'cache',
        `${deps.path.basename(file, '.cjs')}.${hash}.${safeKey}.v8`,
      )
    : null;
  let cached;
  if (cacheFile) {
    try {
      cached = deps.fs.readFileSync(cacheFile);
    } catch {
      cached = undefined;
    }
  }
  const script = new deps.vm.Script(deps.Module.wrap(src), { filename: file, cachedData: cached });
  const cache = cached === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(
      module.exports,
      module.exports,
      deps.Module.createRequire(file),
      module,
      file,
      deps.path.dirname(file),
    );
  let saved = cache === 'used';
  const save = () => {
    if (saved || !cacheFile) return;
    saved = true;
    // Whole or not at all: a command starting meanwhile reads the old file or the new one.
    const tmp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const data = script.createCachedData();
      deps.fs.mkdirSync(deps.path.dirname(cacheFile), { recursive: true });
      deps.fs.writeFileSync(tmp, data);
      deps.fs.renameSync(tmp, cacheFile);
    } catch {
      // No cache this time (a read-only install, a full disk): the command itself is unaffected.
      try {
        deps.fs.rmSync(tmp, { force: true });
      } catch {
        // nothing written
      }
    }
  };
  return { exports: module.exports, cache, save };
}

/** runBundle with this module's imports. */
export function runCachedBundle(file, key) {
  return runBundle({ fs, Module, path, vm }, file, key);
}
