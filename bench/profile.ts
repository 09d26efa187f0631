// Where the time goes: runs one of our commands under `node --cpu-prof` and prints the functions with the
// most self time (and their share), so a missed target comes with the function to fix. With --alloc, where the
// garbage comes from instead: bytes allocated per function, freed or not (bench/lib/allocRun.mjs; the main
// thread's only, so HOPSCOPE_INGEST_THREADS=1 shows all of it; a function V8 optimized counts what it inlined,
// and a loop still running in the interpreter boxes every double).
//
//   node bin/run-ts.mjs bench/profile.ts [--top N] [--tsx] [--alloc] -- read FILE | decode FILE | correlate|json|ladder|csv|export FILES…

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

/** Self time per function (summed over every call path), largest first. */
export function hotFunctions(profile: CpuProfile): HotFunction[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!n) continue;
    total += dt;
    const f = n.callFrame;
    const url = f.url.startsWith('file://') ? path.relative(ROOT, fileURLToPath(f.url)) : f.url;
    const where = url ? `${url}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const e = self.get(key) ?? { name: f.functionName || '(anonymous)', where, us: 0 };
    e.us += dt;
    self.set(key, e);
  }
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: total ? e.us / total : 0 }));
}

/** A SamplingHeapProfile (HeapProfiler.stopSampling): a call tree with the bytes sampled in each node. */
export interface AllocProfile {
  head: AllocNode;
}

interface AllocNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: AllocNode[];
}

export interface HotAllocation {
  name: string;
  where: string;
  bytes: number;
  share: number;
}

/** Bytes allocated per function (summed over every call path), largest first. */
export function hotAllocations(profile: AllocProfile): HotAllocation[] {
  const self = new Map<string, { name: string; where: string; bytes: number }>();
  let total = 0;
  const walk = (n: AllocNode) => {
    const f = n.callFrame;
    const url = f.url.startsWith('file://') ? path.relative(ROOT, fileURLToPath(f.url)) : f.url;
    const where = url ? `${url}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const e = self.get(key) ?? { name: f.functionName || '(anonymous)', where, bytes: 0 };
    e.bytes += n.selfSize;
    total += n.selfSize;
    self.set(key, e);
    for (const c of n.children ?? []) walk(c);
  };
  walk(profile.head);
  return [...self.values()]
    .filter((e) => e.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .map((e) => ({ ...e, share: total ? e.bytes / total : 0 }));
}

/** The command profiled; an export writes into `dir` (exportOutputs), removed once the run is over. */
function commandFor(kind: string, files: string[], dir: string): string[] {
  switch (kind) {
    case 'decode':
      return ['bin/run-ts.mjs', 'bench/decodeOnly.ts', files[0], '--passes', '4'];
    case 'read':
      return ['bin/run-ts.mjs', 'bench/decodeOnly.ts', files[0], '--passes', '4', '--mode', 'read'];
    case 'correlate':
      return ['bin/hopscope.mjs', 'correlate', '--summary', ...files];
    case 'json':
      return ['bin/hopscope.mjs', 'correlate', '--json', ...files];
    case 'ladder':
      return ['bin/hopscope.mjs', 'correlate', ...files];
    case 'csv':
      return ['bin/hopscope.mjs', 'export', '--csv', path.join(dir, 'export.csv'), ...files];
    case 'export':
      return ['bin/hopscope.mjs', 'export', '--pcapng', path.join(dir, 'export.pcapng'), ...files];
    default:
      throw new Error(`unknown kind ${kind}: read | decode | correlate | json | ladder | csv | export`);
  }
}

function main(argv: string[]): void {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : [];
  const [kind, ...files] = dash >= 0 ? argv.slice(dash + 1) : argv;
  const top = own.includes('--top') ? Number(own[own.indexOf('--top') + 1]) : 25;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-prof-'));
  const cmd = commandFor(kind, files, dir);
  if (own.includes('--alloc')) {
    allocations(kind, cmd, dir, top, own.includes('--tsx'));
    removeExports(dir);
    return;
  }
  const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...cmd], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    // --tsx: run the TypeScript sources (bin/hopscope.mjs otherwise prefers the bundle), so the table by area
    // can name main/<area>/ files; start-up then includes tsx's transpiling, which the bundle does not pay.
    env: own.includes('--tsx') ? { ...process.env, HOPSCOPE_TSX: '1' } : process.env,
  });
  if (r.status !== 0) console.error(`profile: command exited ${r.status}`);
  removeExports(dir);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  const hot = hotFunctions(prof);
  const totalMs = hot.reduce((s, h) => s + h.selfMs, 0);
  console.log(`${kind}: ${totalMs.toFixed(0)} ms sampled; profile kept in ${path.join(dir, file)}`);
  console.log('| self ms | share | function | where |\n|---|---|---|---|');
  for (const h of hot.slice(0, top))
    console.log(`| ${h.selfMs.toFixed(0)} | ${(h.share * 100).toFixed(1)}% | ${h.name} | ${h.where} |`);
  // The same self time by area: which owner's code it is.
  const areas = new Map<string, number>();
  for (const h of hot) {
    const file = h.where.replace(/:\d+$/, '');
    const area = file.startsWith('main/')
      ? file.split('/').slice(0, 2).join('/')
      : file.startsWith('node:') || file.startsWith('node_modules/')
        ? 'start-up and module loading (node:, node_modules)'
        : h.name.startsWith('(')
          ? h.name
          : 'other';
    areas.set(area, (areas.get(area) ?? 0) + h.selfMs);
  }
  console.log('\n| self ms | share | area |\n|---|---|---|');
  for (const [a, ms] of [...areas].sort((x, y) => y[1] - x[1]))
    console.log(`| ${ms.toFixed(0)} | ${((100 * ms) / totalMs).toFixed(1)}% | ${a} |`);
}

/** Removes what an export wrote (the whole export: ~370 MB for the bench's files); the profiles stay. */
function removeExports(dir: string): void {
  for (const f of ['export.csv', 'export.pcapng']) fs.rmSync(path.join(dir, f), { force: true });
}

/** --alloc: the command in-process under the sampling heap profiler (our CLI commands only). */
function allocations(kind: string, cmd: string[], dir: string, top: number, tsx: boolean): void {
  if (cmd[0] !== 'bin/hopscope.mjs') throw new Error(`--alloc profiles the CLI's commands, not ${kind}`);
  const file = path.join(dir, `${kind}.heapprofile`);
  const r = spawnSync(process.execPath, ['bench/lib/allocRun.mjs', ...cmd.slice(1)], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, HS_ALLOC_OUT: file, ...(tsx ? { HOPSCOPE_TSX: '1' } : {}) },
  });
  if (r.status !== 0) console.error(`profile: command exited ${r.status}`);
  if (!fs.existsSync(file)) throw new Error('no allocation profile written');
  const hot = hotAllocations(JSON.parse(fs.readFileSync(file, 'utf8')) as AllocProfile);
  const total = hot.reduce((s, h) => s + h.bytes, 0);
  console.log(
    `${kind}: ${(total / 2 ** 20).toFixed(1)} MiB allocated (sampled, freed or not); profile kept in ${file}`,
  );
  console.log('| MiB | share | function | where |\n|---|---|---|---|');
  for (const h of hot.slice(0, top))
    console.log(
      `| ${(h.bytes / 2 ** 20).toFixed(1)} | ${(h.share * 100).toFixed(1)}% | ${h.name} | ${h.where} |`,
    );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main(process.argv.slice(2));
