// Batch ingest on several threads. Reading, decoding and appending rows is most of a correlation's time and is
// independent per file, so the files are cut into contiguous runs (balanced by bytes), one per thread: the main
// thread reads the first run while ingest workers (ingestWorker.ts) read the others, all appending into one
// row store whose columns are SharedArrayBuffers. Each run's rows land where a single thread would have put
// them, so row numbers, lanes and the result are the same as ingestFiles over all files on one thread
// (tests/unit/parallelIngest.test.ts); the rows are never copied, so the peak memory stays one table's.
//
// Where a run starts: worker j counts the records of run j-1 (a read of the record headers; with a time range,
// those in it) and publishes the count; its first row is the sum of the counts before it. A run's record count must then match what its
// reader appended: a file growing or shrinking meanwhile, a row store too small or a column needing a wider
// type makes the whole ingest fall back to one thread (the caller reads everything again).
//
// A run boundary inside one node's files moves to a node boundary nearby (alignToNodes), so that while the
// workers finish, the main thread groups the leading nodes whose files it read whole (Correlator.groupNodes).
//
// The main thread waits with Atomics.wait and reads the workers' answers with receiveMessageOnPort, so
// correlateInputs stays synchronous (it already runs in the session worker when a UI waits on it).

import { closeSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

import { workerEntry } from '../common/workerEntry.ts';
import { Correlator, type CorrelateOptions, type IngestPart } from '../correlate/correlator.ts';
import { ObservationTable, RowStoreFull, type SharedColumns } from '../correlate/observations.ts';
import { decodeFields } from '../decode/index.ts';
import type { DecodeOptions } from '../decode/fields.ts';
import { decodeOptions, ingestFiles, type Ingested } from './ingestFiles.ts';
import { fallbackNode, type LabelledPath } from './labels.ts';
import type { TimeRange } from './timeRange.ts';
import type { InterfaceInfo } from '../correlate/ownership.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { sniffPcapMagic } from '../pcap/classic.ts';
import { trace } from '../common/trace.ts';

export interface IngestOptions {
  /**
   * Threads reading the files (default: the CPUs available, at most MAX_THREADS; 1 = no workers). Also
   * HOPSCOPE_INGEST_THREADS in the environment.
   */
  threads?: number;
  /**
   * Below this many bytes of input one thread reads everything (default PARALLEL_MIN_BYTES, or
   * HOPSCOPE_INGEST_MIN_BYTES in the environment).
   */
  parallelMinBytes?: number;
  /** Progress of a long correlation, a few times a second at most (see IngestProgress). */
  onProgress?: (p: IngestProgress) => void;
  /**
   * Packets read at most: one more and the correlation stops with TOO_MANY_PACKETS (default openPacketLimit():
   * HOPSCOPE_MAX_PACKETS, or half of the machine's memory).
   */
  maxPackets?: number;
  /**
   * Only records with a timestamp in this range become rows (`--after`/`--before`); those outside do not count
   * toward maxPackets.
   */
  range?: TimeRange | null;
  /**
   * Called once every row is in the table, before the nodes not grouped yet are (the pcapng export has its writer
   * thread merge the rows' time order then, while this one groups and links).
   */
  onRows?: (rows: ObservationTable, captures: number) => void;
  /**
   * Called once the journeys are linked, before the flows are computed (the pcapng export has its writer thread walk
   * the journeys' paths then: export/hopIndex.ts).
   */
  onLinked?: (res: CorrelationResult) => void;
}

/**
 * Where a correlation is: reading (done/total bytes of the input files, every thread's reading counted),
 * then grouping rows per node, then linking journeys across nodes (done 0 of 1 as each starts).
 */
export interface IngestProgress {
  stage: 'reading' | 'grouping' | 'linking';
  done: number;
  total: number;
}

/** Calls onProgress for reading at most every `everyMs` (and always when `force`). */
export function readingProgress(
  total: number,
  onProgress: ((p: IngestProgress) => void) | undefined,
  everyMs = 200,
): (done: number, force?: boolean) => void {
  let last = 0;
  return (done, force = false) => {
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - last < everyMs) return;
    last = now;
    onProgress({ stage: 'reading', done: Math.min(done, total), total });
  };
}

export const MAX_THREADS = 4;
/**
 * Below this much input one thread is faster: a worker costs ~0.1 s of start-up and its own JIT warm-up (~0.3 CPU
 * s). On the 2-CPU bench machine a 100 MB, 8-file set took 5 % longer on two threads (median of 10), the 288 MB
 * set 15 % less: bench/RESULTS.md.
 */
export const PARALLEL_MIN_BYTES = 160 << 20;
/**
 * What the main thread reads while a worker starts (~0.1 s for its thread and modules, ~0.05 s counting the run
 * before its own): measured on the 8-file bench set, a 5/3 split beat 4/4 by ~6 % of the wall time.
 */
export const WORKER_HEAD_START_BYTES = 40 << 20;
/** A record takes at least 16 bytes (a pcap record header; a pcapng packet block takes 16 or more). */
const MIN_RECORD_BYTES = 16;
/** Offsets past 4 GiB need the wide fileOffset column, which a shared table cannot switch to. */
const MAX_FILE_BYTES = 0xffffffff;
/** How long a worker may take to start before the ingest gives up on it (tsx start-up on a busy machine). */
const START_TIMEOUT_MS = 30_000;

/** What the main thread posts to an ingest worker. */
export interface IngestTask {
  /** This worker's run (≥ 1) and every run's files (it reads run - 1 to count it, and its own). */
  run: number;
  runs: LabelledPath[][];
  columns: SharedColumns;
  capacity: number;
  /** Int32 per run: its record count once known (-1 before); published by the worker after it. */
  counts: SharedArrayBuffer;
  /** Int32 per run: 1 once the worker took the task, 2 once its answer is posted. */
  state: SharedArrayBuffer;
  /** Int32 per run: KiB of its own files read so far (progress). */
  read: SharedArrayBuffer;
  decode: DecodeOptions;
  /** Only records in this range are rows (and counted). */
  range: TimeRange | null;
  reply: MessagePort;
}

/** A worker's answer. */
export type IngestReply =
  { ok: true; part: IngestPart; ingest: Ingested; bytes: number } | { ok: false; message: string };

export const STATE_STARTED = 1;
export const STATE_DONE = 2;
/**
 * Set by the worker's entry shim (bin/workerShim.mjs in both bundles, worker.boot.mjs for the sources) when its
 * code failed to load. Below STATE_STARTED, so that a reader not knowing it still gives up after START_TIMEOUT_MS.
 */
export const STATE_LOAD_FAILED = -1;

/**
 * Contiguous runs of file indices, at most `n`, none empty, balanced by bytes with a head start for the first
 * run (the main thread's): a worker starts `headStart` bytes' worth of reading later (its thread and modules
 * load, and it counts the run before its own). Each boundary falls at the file end nearest its target.
 */
export function splitRuns(sizes: readonly number[], n: number, headStart = 0): [number, number][] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const k = Math.min(n, sizes.length);
  if (k <= 1) return sizes.length ? [[0, sizes.length]] : [];
  // run 0 takes `share`, each worker run `share - headStart` (never below an even split's half).
  const share = Math.min((total + (k - 1) * headStart) / k, (total * 2) / (k + 1));
  const rest = (total - share) / (k - 1);
  const runs: [number, number][] = [];
  let from = 0;
  let acc = 0;
  for (let i = 0; i < sizes.length; i++) {
    acc += sizes[i];
    const target = share + runs.length * rest;
    const left = sizes.length - i - 1;
    const next = i + 1 < sizes.length ? sizes[i + 1] : 0;
    // Close here when this file end is nearer the target than the next one (and later runs get a file each).
    if (
      runs.length < k - 1 &&
      left >= k - 1 - runs.length &&
      (acc >= target || target - acc < acc + next - target)
    ) {
      runs.push([from, i + 1]);
      from = i + 1;
    }
  }
  if (from < sizes.length) runs.push([from, sizes.length]);
  return runs;
}

/** A non-negative integer from the environment, else null. */
function envInt(name: string): number | null {
  const v = process.env[name];
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/**
 * Threads for reading: HOPSCOPE_INGEST_THREADS when set, else the CPUs available less `reserve` (the app keeps
 * one for its UI and server), at most MAX_THREADS, at least 1.
 */
export function defaultThreads(reserve = 0): number {
  const env = envInt('HOPSCOPE_INGEST_THREADS');
  if (env !== null && env >= 1) return env;
  return Math.max(1, Math.min(MAX_THREADS, availableParallelism() - reserve));
}

/**
 * Reads `files` on several threads into a correlator (its leading nodes already grouped when the main thread read
 * their files whole; the rest not yet), or null when one thread should do it: little input, one file, one CPU,
 * or a run whose rows did not fit or a worker that failed (then nothing of this attempt is kept).
 */
export function ingestInParallel(
  files: readonly LabelledPath[],
  sizes: readonly number[],
  opts: CorrelateOptions & IngestOptions,
  interfaces: readonly InterfaceInfo[] = [],
): { correlator: Correlator; ingest: Ingested; threads: number } | null {
  const threads = Math.min(opts.threads ?? defaultThreads(), MAX_THREADS);
  const total = sizes.reduce((a, b) => a + b, 0);
  const minBytes = opts.parallelMinBytes ?? envInt('HOPSCOPE_INGEST_MIN_BYTES') ?? PARALLEL_MIN_BYTES;
  if (threads < 2 || files.length < 2 || total < minBytes) return null;
  if (sizes.some((s) => s > MAX_FILE_BYTES)) return null;
  const nodes = files.map(knownNode);
  const split = alignToNodes(splitRuns(sizes, threads, WORKER_HEAD_START_BYTES), nodes);
  const runs = split.map(([a, b]) => files.slice(a, b));
  if (runs.length < 2) return null;
  // The nodes whose every file the main thread reads: it groups them while the workers finish (null: a
  // worker's file may name its node inside, so none).
  const workerNodes = nodes.slice(split[1][0]);
  const laterNodes = workerNodes.includes(null) ? null : new Set(workerNodes);
  // Untouched capacity is address space, not memory: only the rows written are ever paged in. Past the packet
  // limit a worker finds its store full and one thread reads again, up to the limit (TOO_MANY_PACKETS).
  const limit = opts.maxPackets ?? Infinity;
  const capacity = Math.min(Math.ceil(total / MIN_RECORD_BYTES) + 1, limit);
  let obs: ObservationTable;
  try {
    obs = ObservationTable.shared(capacity);
  } catch {
    return null; // no address space for the bound: one thread, growing as it goes
  }
  if (limit < Infinity) obs.setRowLimit(limit);
  const counts = new SharedArrayBuffer(4 * runs.length);
  new Int32Array(counts).fill(-1);
  const state = new SharedArrayBuffer(4 * runs.length);
  const stateView = new Int32Array(state);
  const read = new SharedArrayBuffer(4 * runs.length);
  const readView = new Int32Array(read);
  let ownBytes = 0;
  const progress = readingProgress(total, opts.onProgress);
  const reportRead = () => {
    let kib = 0;
    for (let r = 1; r < runs.length; r++) kib += Atomics.load(readView, r);
    progress(ownBytes + kib * 1024);
  };
  const decode = decodeOptions(opts);
  const range = opts.range ?? null;
  const workers: { worker: Worker; port: MessagePort }[] = [];
  try {
    const columns = obs.sharedColumns();
    for (let run = 1; run < runs.length; run++) {
      const task = { run, runs, columns, capacity, counts, state, read, decode, range };
      const w = startWorker(task);
      if (!w) return null;
      workers.push(w);
    }
    const c = new Correlator(opts, decodeFields, obs);
    let own: Ingested;
    try {
      own = ingestFiles(
        c,
        runs[0],
        decode,
        (n) => {
          ownBytes += n;
          reportRead();
        },
        range,
      );
    } catch (e) {
      if (e instanceof RowStoreFull) return null;
      throw e;
    }
    trace('read: own run done');
    let grouped = 0;
    if (laterNodes) {
      let k = 0;
      while (k < c.nodes.length && !laterNodes.has(c.nodes[k])) k++;
      grouped = k;
      if (k > 0) {
        // Interfaces as finish() will set them, for these nodes' captures (bridge ports before their bridge).
        c.setInterfaces([...interfaces, ...own.extraIfaces]);
        c.groupNodes(k);
      }
    }
    trace('read: own nodes grouped');
    const ownCaptures = c.captures.length;
    // In run order, giving up at the first worker that failed (a row store too small, or anything else): the
    // workers after it may be waiting for its count, and one thread reads everything again (meeting the same
    // problem itself if it is one of the files'). `finally` ends them all.
    const replies: Extract<IngestReply, { ok: true }>[] = [];
    for (let i = 0; i < workers.length; i++) {
      const r = waitReply(workers[i].port, stateView, i + 1, reportRead);
      if (!r || !r.ok) return null;
      replies.push(r);
    }
    trace('read: workers done');
    progress(ownBytes + replies.reduce((n, r) => n + r.bytes, 0), true);
    const countView = new Int32Array(counts);
    // Each run must have appended exactly the rows its successor counted (no overlap, no gap).
    if (Atomics.load(countView, 0) !== c.obs.length) return null;
    obs.release();
    const ingest: Ingested = {
      problems: [...own.problems],
      extraIfaces: [...own.extraIfaces],
      outside: own.outside,
    };
    for (let i = 0; i < replies.length; i++) {
      const r = replies[i];
      const run = i + 1;
      if (run + 1 < runs.length && r.part.rows.to - r.part.rows.from !== Atomics.load(countView, run))
        return null;
      c.adoptPart(r.part);
      ingest.problems.push(...r.ingest.problems);
      ingest.extraIfaces.push(...r.ingest.extraIfaces);
      ingest.outside += r.ingest.outside;
    }
    // A worker's lane on a node grouped early would have its rows grouped late: never by the split, but cheap to
    // make sure of.
    for (let cap = ownCaptures; cap < c.captures.length; cap++) if (c.nodeOf(cap) < grouped) return null;
    trace("read: workers' rows adopted");
    return { correlator: c, ingest, threads: runs.length };
  } finally {
    for (const w of workers) {
      w.port.close();
      void w.worker.terminate();
    }
  }
}

/**
 * The node of a file's lanes when known without reading its records: a classic pcap (which names no
 * interfaces) takes its label's node or its file name's; a pcapng's interfaces may name theirs (null).
 */
export function knownNode(f: LabelledPath): string | null {
  const head = new Uint8Array(4);
  try {
    const fd = openSync(f.path, 'r');
    try {
      if (readSync(fd, head, 0, 4, 0) < 4) return null;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  return sniffPcapMagic(head) ? (f.node ?? fallbackNode(f.path)) : null;
}

/**
 * Moves each run boundary that falls inside one node's files to the nearest node boundary one file away, so
 * that the main thread can group its nodes while the workers still read (an earlier boundary when both are).
 */
export function alignToNodes(
  runs: [number, number][],
  nodes: readonly (string | null)[],
): [number, number][] {
  const cuts = runs.slice(1).map(([a]) => a);
  const isCut = (x: number) =>
    x > 0 && x < nodes.length && nodes[x - 1] !== null && nodes[x] !== null && nodes[x - 1] !== nodes[x];
  for (let i = 0; i < cuts.length; i++) {
    if (isCut(cuts[i])) continue;
    const lo = i > 0 ? cuts[i - 1] + 1 : 1;
    const hi = i + 1 < cuts.length ? cuts[i + 1] - 1 : nodes.length - 1;
    for (const x of [cuts[i] - 1, cuts[i] + 1])
      if (x >= lo && x <= hi && isCut(x)) {
        cuts[i] = x;
        break;
      }
  }
  const bounds = [0, ...cuts, nodes.length];
  return bounds.slice(1).map((b, i) => [bounds[i], b] as [number, number]);
}

/** Starts an ingest worker on its task (null when it cannot be started: one thread will do). */
function startWorker(task: Omit<IngestTask, 'reply'>): { worker: Worker; port: MessagePort } | null {
  try {
    const spec = workerEntry('ingestWorker', 'main/session', import.meta.url);
    const worker = new Worker(spec.file, {
      // A worker whose code fails to load marks its state at once (the main thread blocks, so it would see no
      // 'error' event and wait START_TIMEOUT_MS).
      workerData: {
        ...spec.workerData,
        loadFailure: { flags: task.state, index: task.run, value: STATE_LOAD_FAILED },
      },
      name: `hopscope-ingest-${task.run}`,
    });
    worker.unref();
    // Failures are seen through the shared state (the main thread is blocked while the workers run).
    worker.on('error', () => {});
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ ...task, reply: port2 } satisfies IngestTask, [port2]);
    return { worker, port: port1 };
  } catch {
    return null;
  }
}

/**
 * Blocks until worker `run` has answered (null: its code failed to load, it never started, or it answered
 * nothing usable).
 */
function waitReply(port: MessagePort, state: Int32Array, run: number, tick: () => void): IngestReply | null {
  const since = Date.now();
  for (;;) {
    const s = Atomics.load(state, run);
    if (s === STATE_DONE) break;
    if (s === STATE_LOAD_FAILED) {
      trace(`read: ingest worker ${run} failed to load; one thread reads everything`);
      return null;
    }
    if (s < STATE_STARTED && Date.now() - since > START_TIMEOUT_MS) return null;
    Atomics.wait(state, run, s, 200);
    tick();
  }
  const m = receiveMessageOnPort(port);
  return m ? (m.message as IngestReply) : null;
}
