// A worker thread whose code failed to load marks it in shared memory when its parent asked for that
// (workerData.loadFailure = { flags: SharedArrayBuffer, index, value }: Int32 `index` of `flags` is set to `value`
// and notified): a parent that blocks on shared memory while its workers run (the ingest workers' parent waits
// with Atomics.wait) sees no 'error' event. Used by worker.boot.mjs (the sources) and, as source text, by the
// bundle's worker entry shims (bin/workerShim.mjs), so it imports nothing and names nothing outside its body.

/** Marks the failure described by `data.loadFailure`, if any. */
export function markLoadFailure(data) {
  const f = data?.loadFailure;
  if (!f) return;
  const flags = new Int32Array(f.flags);
  Atomics.store(flags, f.index, f.value);
  Atomics.notify(flags, f.index);
}
