// Runs `hopscope ARGS…` (bin/hopscope.mjs) in this process under V8's sampling heap profiler, counting the
// objects garbage collection has already freed too (the profiler drops them by default, and --heap-prof only
// shows what is alive at exit): where the garbage comes from. Writes the profile (HeapProfiler's
// SamplingHeapProfile) to HS_ALLOC_OUT. Used by bench/profile.ts --alloc.
//
//   HS_ALLOC_OUT=FILE node bench/lib/allocRun.mjs ARGS…
import fs from 'node:fs';
import inspector from 'node:inspector/promises';

const out = process.env.HS_ALLOC_OUT;
if (!out) throw new Error('HS_ALLOC_OUT names the profile file to write');
const session = new inspector.Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
// bin/hopscope.mjs runs the command on process.argv.slice(2) (ours: the command's) and awaits it at top level.
await import('../../bin/hopscope.mjs');
const { profile } = await session.post('HeapProfiler.stopSampling');
fs.writeFileSync(out, JSON.stringify(profile));
session.disconnect();
