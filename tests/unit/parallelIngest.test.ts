// Parallel ingest (main/session/parallelIngest.ts) must give exactly what one thread gives: the same rows in the
// same order (every column), the same lanes, problems, journeys and clocks. Checked on the lab fixtures, on a
// generated 8-file VXLAN path, and on inputs with a truncated file, a missing file and a multi-interface pcapng;
// and its fallbacks: a shared row store that is full or would have to widen a column.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';

import { beforeAll, describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { ObservationTable, ROW_COLUMNS, RowStoreFull } from '../../main/correlate/observations.ts';
import { createPacketFields } from '../../main/decode/fields.ts';
import { createIdentity } from '../../main/correlate/identity.ts';
import { Sink } from '../../main/export/sink.ts';
import { writeJourneysJson } from '../../main/export/journeysJson.ts';
import { correlateInputs, type Correlated } from '../../main/session/ingest.ts';
import { loadInputs, type Inputs } from '../../main/session/inputs.ts';
import {
  alignToNodes,
  knownNode,
  splitRuns,
  STATE_DONE,
  STATE_LOAD_FAILED,
  type IngestProgress,
} from '../../main/session/parallelIngest.ts';
import { workerShim } from '../../bin/workerShim.mjs';
import { FIXTURES, fixtureCopy, fixtureFiles, rowTimeSpan } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const MB = 1 << 20;
let tmp: string;

beforeAll(() => {
  tmp = tempDir('hs-par-');
});

function load(args: string[]): Inputs {
  const inputs = loadInputs(args);
  if (!inputs.ok) throw new Error(inputs.error.message);
  return inputs.value;
}

function run(inputs: Inputs, threads: number): Correlated {
  return correlateInputs(inputs, { threads, parallelMinBytes: 0 });
}

let jsonSeq = 0;
function journeysJson(c: Correlated): string {
  const file = path.join(tmp, `j${jsonSeq++}.json`);
  const sink = Sink.file(file);
  writeJourneysJson(c.result, sink);
  sink.close();
  return fs.readFileSync(file, 'utf8');
}

/** Every row column of the table, cut to its rows (the accessors' values and the raw narrow columns). */
function rowColumns(c: Correlated): Record<string, number[]> {
  const obs = c.correlator.obs;
  const out: Record<string, number[]> = {};
  const cols = obs as unknown as Record<string, Uint8Array>;
  for (const k of ROW_COLUMNS) out[k] = Array.from(cols[k].subarray(0, obs.length));
  const n = obs.length;
  const acc = (f: (r: number) => number) => Array.from({ length: n }, (_, r) => f(r));
  out.ethSrc = acc((r) => obs.ethSrc(r));
  out.ethDst = acc((r) => obs.ethDst(r));
  for (let e = 0; e < 9; e++) out[`encap${e}`] = acc((r) => obs.encap(r, e));
  out.ipLen = acc((r) => obs.ipLen(r));
  return out;
}

/** Every column of the correlation's segment table, cut to its segments. */
function segmentColumns(c: Correlated): Record<string, number[]> {
  const segs = c.correlator.segs as unknown as Record<string, unknown>;
  const out: Record<string, number[]> = {};
  for (const [k, col] of Object.entries(segs))
    if (ArrayBuffer.isView(col))
      out[k] = Array.from((col as Int32Array).subarray(0, c.correlator.segs.length));
  expect(Object.keys(out).length).toBeGreaterThanOrEqual(14);
  return out;
}

function expectSame(par: Correlated, one: Correlated, threads: number): void {
  expect(one.threads).toBe(1);
  expect(par.threads).toBe(threads);
  expect(par.correlator.obs.length).toBe(one.correlator.obs.length);
  expect(par.correlator.captures).toEqual(one.correlator.captures);
  expect(par.correlator.nodes).toEqual(one.correlator.nodes);
  expect(par.correlator.baseSec).toBe(one.correlator.baseSec);
  expect(par.problems).toEqual(one.problems);
  expect(rowColumns(par)).toEqual(rowColumns(one));
  // The segments, grouped early on the main thread or after the workers: the same ones, numbered alike.
  expect(segmentColumns(par)).toEqual(segmentColumns(one));
  expect(par.result.journeyCount).toBe(one.result.journeyCount);
  // The rows' earliest and latest times, the worker's lanes' shifted to the main thread's base second.
  expect(par.result.timeSpan).toEqual(rowTimeSpan(par.correlator.obs));
  expect(one.result.timeSpan).toEqual(rowTimeSpan(one.correlator.obs));
  expect(journeysJson(par)).toBe(journeysJson(one));
}

describe('splitRuns', () => {
  it('balances contiguous runs by bytes, the first one ahead by the head start', () => {
    const eight = Array<number>(8).fill(36 * MB);
    expect(splitRuns(eight, 2, 0)).toEqual([
      [0, 4],
      [4, 8],
    ]);
    expect(splitRuns(eight, 2, 40 * MB)).toEqual([
      [0, 5],
      [5, 8],
    ]);
    expect(splitRuns(eight, 4, 0)).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
    ]);
  });

  it('never makes an empty run, and keeps one run when a split would not help', () => {
    expect(splitRuns([10, 10], 4, 0)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    // The big file last: a worker would get it all and start late.
    expect(splitRuns([MB, MB, 100 * MB], 2, 40 * MB)).toEqual([[0, 3]]);
    expect(splitRuns([100 * MB, MB, MB], 2, 40 * MB)).toEqual([
      [0, 1],
      [1, 3],
    ]);
    expect(splitRuns([5], 2, 0)).toEqual([[0, 1]]);
    expect(splitRuns([], 2, 0)).toEqual([]);
  });
});

describe('alignToNodes and knownNode', () => {
  it('moves a cut inside one node to the nearest node boundary one file away, earlier first', () => {
    const nodes = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
    /** Two runs of the 8 files, cut before file `at`. */
    const cut = (at: number): [number, number][] => [
      [0, at],
      [at, 8],
    ];
    // [cut the bytes asked for, where it ends up]
    for (const [asked, aligned] of [
      [5, 4],
      [3, 4],
      [4, 4],
      [2, 2], // two files away: left where the bytes put it
    ])
      expect(alignToNodes(cut(asked), nodes)).toEqual(cut(aligned));
    // An unknown node beside the cut: left too.
    expect(alignToNodes(cut(5), ['a', 'a', 'a', null, 'b', 'b', 'b', 'b'])).toEqual(cut(5));
    // Never an empty run.
    const three: [number, number][] = [
      [0, 1],
      [1, 2],
      [2, 3],
    ];
    expect(alignToNodes(three, ['a', 'b', 'b'])).toEqual(three);
  });

  it('knows the node of a classic pcap from its label or name, not of a pcapng', () => {
    const f = fixtureFiles('flannel-vxlan')[0];
    expect(knownNode({ path: f, node: null, iface: null })).toBe(path.basename(f).replace(/\.pcap$/, ''));
    expect(knownNode({ path: f, node: 'node-7', iface: 'x' })).toBe('node-7');
    const ng = path.join(tmp, 'k.pcapng');
    execFileSync('editcap', ['-F', 'pcapng', f, ng]);
    expect(knownNode({ path: ng, node: 'node-7', iface: 'x' })).toBeNull();
    expect(knownNode({ path: path.join(tmp, 'nope.pcap'), node: 'n', iface: 'x' })).toBeNull();
  });
});

describe('parallel ingest gives what one thread gives', () => {
  const scenarios = fs
    .readdirSync(FIXTURES)
    .filter((s) => fs.statSync(path.join(FIXTURES, s)).isDirectory() && fixtureFiles(s).length >= 2);

  it('has lab scenarios to check', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(6);
  });

  it.each(scenarios)('on the %s lab capture', (scenario) => {
    const inputs = load([path.join(FIXTURES, scenario)]);
    const one = run(inputs, 1);
    expect(one.correlator.obs.length).toBeGreaterThan(0);
    expectSame(run(inputs, 2), one, 2);
  });

  it.each([7.5e9, -3.25e9])('when the later files start in another second (node-2 %d ns off)', (ns) => {
    const dir = fixtureCopy('flannel-vxlan', { shift: { 'node-2': ns } });
    try {
      const inputs = load([dir]);
      const one = run(inputs, 1);
      const par = run(inputs, 2);
      // The worker read node-2's files: its own base second differed from the main thread's.
      expect(par.correlator.captures.at(-1)?.node).toBe('node-2');
      expect(par.correlator.captures[0].node).toBe('node-1');
      expectSame(par, one, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with ICMP errors in the worker's run (their quoted packets' flows come back with its rows)", () => {
    const [errors] = fixtureFiles('router-errors');
    const inputs = load([...fixtureFiles('flannel-vxlan'), `node-3:eth0=${errors}`]);
    const par = run(inputs, 2);
    expect(par.correlator.captures.at(-1)?.node).toBe('node-3');
    const frag = JSON.parse(journeysJson(par)).journeys.find((j: { summary: string }) =>
      j.summary.startsWith('10.98.1.1 > 10.98.1.2: ICMP type 3, length 556'),
    );
    expect(frag).toMatchObject({ role: 'reply' });
    expectSame(par, run(inputs, 1), 2);
  });

  it('with the nodes interleaved in the file order (no node is whole in the main run)', () => {
    const files = fixtureFiles('calico-ipip');
    const n1 = files.filter((f) => path.basename(f).startsWith('node-1'));
    const n2 = files.filter((f) => path.basename(f).startsWith('node-2'));
    const mixed = n1.flatMap((f, i) => [f, ...(n2[i] ? [n2[i]] : [])]).concat(n2.slice(n1.length));
    const inputs = load(mixed);
    expectSame(run(inputs, 2), run(inputs, 1), 2);
  });

  it('falls back to one thread when a worker meets a frame its shared columns cannot hold (over 64 KiB)', () => {
    // A 70,000-byte frame (BIG TCP sizes) at the end of the last file: the worker's run, whose caplen column is
    // 16-bit and shared, so it cannot widen it; the whole read is done again on one thread.
    const dir = fixtureCopy('flannel-vxlan', {
      transform: (file, records) => {
        if (!file.startsWith('node-2__veth')) return records;
        const last = records[records.length - 1];
        const data = new Uint8Array(70_000);
        data.set(last.data);
        return [...records, { ...last, nsec: last.nsec + 1000, origLen: data.length, data }];
      },
    });
    try {
      const inputs = load([dir]);
      expect(inputs.files.at(-1)?.path).toMatch(/node-2__veth/);
      const one = run(inputs, 1);
      expect(Math.max(...Array.from(one.correlator.obs.caplen.subarray(0, one.correlator.obs.length)))).toBe(
        70_000,
      );
      expectSame(run(inputs, 2), one, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on a generated two-node VXLAN path, with three threads', () => {
    const dir = path.join(tmp, 'gen');
    const m = generate({ outDir: dir, journeys: 3000, seed: 3, extras: false });
    const inputs = load(m.path.map((p) => path.join(dir, p.path)));
    const one = run(inputs, 1);
    expect(one.result.journeyCount).toBe(3000);
    expectSame(run(inputs, 3), one, 3);
  });

  it('with a truncated file, a vanished file, a non-capture and a multi-interface pcapng among the inputs', () => {
    const files = fixtureFiles('flannel-vxlan');
    const cut = path.join(tmp, 'node-1__cut.pcap');
    const whole = fs.readFileSync(files[0]);
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const merged = path.join(tmp, 'node-2__merged.pcapng');
    execFileSync('mergecap', ['-F', 'pcapng', '-I', 'none', '-w', merged, ...files.slice(-2)]);
    const gone = path.join(tmp, 'node-2__gone.pcap');
    fs.copyFileSync(files[1], gone);
    const text = path.join(tmp, 'node-2__notes.pcap');
    fs.writeFileSync(text, 'not a capture\n');
    const inputs = load([...files.slice(0, -2), cut, gone, text, merged]);
    fs.rmSync(gone); // read by neither: it disappears between listing and reading
    const one = run(inputs, 1);
    expect(one.problems.map((p) => p.problem.code).sort()).toEqual([
      'FILE_NOT_FOUND',
      'PCAP_BAD_MAGIC',
      'PCAP_TRUNCATED',
    ]);
    expect(new Set(one.correlator.captures.map((c) => c.path)).has(merged)).toBe(true);
    expect(one.correlator.captures.filter((c) => c.path === merged)).toHaveLength(2);
    expectSame(run(inputs, 2), one, 2);
  });
});

describe('an ingest worker whose code fails to load', () => {
  const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

  /** Starts `file` as a worker asking for load failures to be marked; resolves to the flag and the error. */
  async function loadOutcome(file: string | URL, data: Record<string, unknown> = {}) {
    const flags = new SharedArrayBuffer(8);
    const view = new Int32Array(flags);
    const worker = new Worker(file, {
      workerData: { ...data, loadFailure: { flags, index: 1, value: STATE_LOAD_FAILED } },
    });
    const error = await new Promise<Error | null>((resolve) => {
      worker.on('error', (e) => resolve(e));
      worker.on('exit', () => resolve(null));
    });
    return { flag: Atomics.load(view, 1), error };
  }

  it('marks the failure from the sources boot file (tsx) and from the bundle entry shim', async () => {
    const boot = pathToFileURL(path.join(ROOT, 'main/common/worker.boot.mjs'));
    const missing = await loadOutcome(boot, { entry: pathToFileURL(path.join(tmp, 'nowhere.ts')).href });
    expect(missing.flag).toBe(STATE_LOAD_FAILED);
    expect(missing.error?.message).toMatch(/nowhere\.ts/);
    // The shim build-cli.mjs writes as out/cli/ingestWorker.js, beside a module that is missing, then beside
    // one that loads (and exits: nothing marked).
    const dir = fs.mkdtempSync(path.join(tmp, 'shim-'));
    fs.writeFileSync(path.join(dir, 'w.js'), workerShim('w.mjs'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    const absent = await loadOutcome(path.join(dir, 'w.js'));
    expect(absent.flag).toBe(STATE_LOAD_FAILED);
    expect(absent.error?.message).toMatch(/w\.mjs/);
    fs.writeFileSync(path.join(dir, 'w.mjs'), 'export {};\n');
    expect(await loadOutcome(path.join(dir, 'w.js'))).toEqual({ flag: 0, error: null });
  });

  it("the Electron build's ingest worker: a shim that runs the module's task, or marks its failure to load", async () => {
    // out/main from `npm run build` (electron-vite): <name>.js is the shim, <name>.impl.js the module.
    const built = path.join(ROOT, 'out/main');
    // (The config is bundled before it runs, so the copied function's layout may differ from workerShim's.)
    expect(fs.readFileSync(path.join(built, 'ingestWorker.js'), 'utf8')).toMatch(
      /^\/\/ Generated by the build \(bin\/workerShim\.mjs\): loads ingestWorker\.impl\.js,/,
    );
    // A task with nothing to read: the worker takes it, answers and marks it done.
    const obs = ObservationTable.shared(16);
    const state = new SharedArrayBuffer(8);
    const counts = new SharedArrayBuffer(8);
    new Int32Array(counts).fill(-1);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(path.join(built, 'ingestWorker.js'), {
      workerData: { loadFailure: { flags: state, index: 1, value: STATE_LOAD_FAILED } },
    });
    try {
      worker.postMessage(
        {
          run: 1,
          runs: [[], []],
          columns: obs.sharedColumns(),
          capacity: 16,
          counts,
          state,
          read: new SharedArrayBuffer(8),
          decode: {},
          reply: port2,
        },
        [port2],
      );
      const reply = await new Promise((resolve) => port1.once('message', resolve));
      expect(reply).toMatchObject({ ok: true, bytes: 0 });
      // The worker marks the task done (and notifies) just after posting its answer: the answer can come first.
      const view = new Int32Array(state);
      const s = Atomics.load(view, 1);
      if (s !== STATE_DONE) Atomics.wait(view, 1, s, 5000);
      expect(Atomics.load(view, 1)).toBe(STATE_DONE);
    } finally {
      port1.close();
      await worker.terminate();
    }
    // The same build with the module's code gone.
    const copy = path.join(ROOT, 'out', `main-broken-${process.pid}`);
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(built, copy, { recursive: true });
    try {
      fs.rmSync(path.join(copy, 'ingestWorker.impl.js'));
      const broken = await loadOutcome(path.join(copy, 'ingestWorker.js'));
      expect(broken.flag).toBe(STATE_LOAD_FAILED);
      expect(broken.error?.message).toMatch(/ingestWorker\.impl\.js/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('makes the CLI bundle read on one thread at once, with the same output', () => {
    // Copies of the CLI bundle inside the checkout (their packages resolve from node_modules), one with its
    // ingest module broken: before the mark, the main thread waited START_TIMEOUT_MS (30 s) for that worker.
    const built = path.join(ROOT, 'out/cli');
    const copies = ['good', 'broken'].map((k) => path.join(ROOT, 'out', `cli-${k}-${process.pid}`));
    try {
      for (const dir of copies) {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.cpSync(built, dir, { recursive: true });
        fs.writeFileSync(
          path.join(dir, 'run.mjs'),
          "import { main } from './hopscope.mjs';\nprocess.exitCode = await main(process.argv.slice(2));\n",
        );
      }
      const files = fixtureFiles('flannel-vxlan');
      const cli = (dir: string, env: Record<string, string> = {}) => {
        const started = Date.now();
        const r = spawnSync('node', [path.join(dir, 'run.mjs'), 'correlate', '--json', ...files], {
          encoding: 'utf8',
          env: {
            ...process.env,
            HOPSCOPE_TRACE: '1',
            HOPSCOPE_INGEST_THREADS: '2',
            HOPSCOPE_INGEST_MIN_BYTES: '0',
            ...env,
          },
          maxBuffer: 64 << 20,
        });
        return { ...r, ms: Date.now() - started };
      };
      const good = cli(copies[0]);
      expect(good.status).toBe(0);
      expect(good.stderr).toMatch(/ingest worker: own run read/);
      // Each form of the worker broken in turn, the other one intact: the shim runs the CommonJS one (through the
      // code cache), the module with HOPSCOPE_CODE_CACHE=0.
      const breaks: [string, string, Record<string, string>][] = [
        [
          'ingestWorker.cjs',
          "// hopscope bundle 0000000000000000\nrequire('./chunk-that-is-not-there.cjs');\n",
          {},
        ],
        ['ingestWorker.mjs', "import './chunk-that-is-not-there.mjs';\n", { HOPSCOPE_CODE_CACHE: '0' }],
      ];
      for (const [file, text, env] of breaks) {
        const intact = fs.readFileSync(path.join(copies[1], file));
        fs.writeFileSync(path.join(copies[1], file), text);
        const broken = cli(copies[1], env);
        fs.writeFileSync(path.join(copies[1], file), intact);
        expect(broken.status).toBe(0);
        expect(broken.stderr).toMatch(/read: ingest worker 1 failed to load; one thread reads everything/);
        expect(broken.ms).toBeLessThan(15_000);
        expect(broken.stdout).toBe(good.stdout);
      }
    } finally {
      for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('progress', () => {
  it('reports reading (every thread counted, up to every byte), then grouping, then linking', () => {
    const inputs = load([path.join(FIXTURES, 'calico-ipip')]);
    const bytes = inputs.files.reduce((n, f) => n + fs.statSync(f.path).size, 0);
    for (const threads of [1, 2]) {
      const seen: IngestProgress[] = [];
      const c = correlateInputs(inputs, { threads, parallelMinBytes: 0, onProgress: (p) => seen.push(p) });
      expect(c.threads).toBe(threads);
      const reads = seen.filter((p) => p.stage === 'reading');
      expect(reads.length).toBeGreaterThanOrEqual(1);
      expect(reads.at(-1)).toEqual({ stage: 'reading', done: bytes, total: bytes });
      for (let i = 1; i < reads.length; i++) expect(reads[i].done).toBeGreaterThanOrEqual(reads[i - 1].done);
      expect(seen.slice(-2).map((p) => p.stage)).toEqual(['grouping', 'linking']);
      expect(seen.findIndex((p) => p.stage !== 'reading')).toBe(reads.length);
    }
  });
});

describe('the shared row store', () => {
  const fields = createPacketFields();
  const id = createIdentity();
  const append = (t: ObservationTable, caplen = 60) => t.append(0, 0, caplen, caplen, 0, 0, fields, id);

  it('takes rows up to its capacity, then asks for one thread', () => {
    const t = ObservationTable.shared(3);
    for (let i = 0; i < 3; i++) append(t);
    expect(() => append(t)).toThrow(RowStoreFull);
    t.release();
    append(t);
    expect(t.length).toBe(4);
  });

  it('cannot widen a column while shared', () => {
    const t = ObservationTable.shared(8);
    append(t);
    expect(() => append(t, 70_000)).toThrow(RowStoreFull);
    t.release();
    append(t, 70_000);
    expect(t.caplen[t.length - 1]).toBe(70_000);
  });

  it("lets a worker's view append from its base, into the same memory", () => {
    const t = ObservationTable.shared(10);
    const v = ObservationTable.view(t.sharedColumns(), 4, 10);
    fields.ttl = 33;
    const r = v.append(1, 7, 60, 60, 0, 5, fields, id);
    fields.ttl = -1;
    expect(r).toBe(4);
    expect(t.ttlCol[4]).toBe(33);
    expect(t.fileOffset[4]).toBe(7);
    expect(t.t[4]).toBe(5);
  });
});
