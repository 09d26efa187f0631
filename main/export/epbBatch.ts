// The pcapng export's write half: batches of packets (where each frame is in its capture file, timestamp,
// lengths, packet id, comment bytes) become Enhanced Packet Blocks in the output file. The exporter builds the
// batches (journeys, comments); this writer reads the frames and writes, either in the exporter's thread or in
// a worker thread beside it (the machine's second core), so reading and copying the frames and the kernel's
// write overlap the comment building.
//
// createBatchWriter is self-contained on purpose (no imports, no names from outside its body): the worker runs
// its source text (Function.prototype.toString) through `new Worker(code, { eval: true })`, so the same code
// serves both threads without a second bundle entry.

import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

import { mergeByKey, pathOrderInTies } from './order.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import {
  hopWalkInput,
  hopWalkOutput,
  timeIrregular,
  walkHops,
  type HopIndex,
  type HopWalkInput,
  type HopWalkOutput,
} from './hopIndex.ts';

/** Uint32 words per packet in a batch's `meta`. */
export const META_WORDS = 9;
/** Word offsets of one packet in `meta`. */
export const M_IFACE = 0;
export const M_TS_HI = 1;
export const M_TS_LO = 2;
export const M_CAPLEN = 3;
export const M_ORIGLEN = 4;
export const M_OFFSET_LO = 5;
export const M_OFFSET_HI = 6;
export const M_PACKET_ID = 7;
export const M_COMMENT_LEN = 8;

/** Packets per batch, and bytes of comment text a batch holds (a batch ends early when its text is full). */
export const BATCH_PACKETS = 16384;
export const BATCH_TEXT = 2 << 20;
/** Text room a batch keeps per comment beyond 3 bytes per UTF-16 unit of its free text (the summary). */
export const COMMENT_ROOM = 512;

export interface Batch {
  /** META_WORDS per packet: interface, timestamp words, lengths, file offset, packet id, comment length. */
  meta: Uint32Array;
  /**
   * The packets' comments, one after the other (UTF-8), each starting at a multiple of 4 bytes with zeros after
   * it up to the next (the block's own padding): the writer copies them a 32-bit word at a time. Its byteOffset
   * and length are multiples of 4.
   */
  text: Uint8Array;
  count: number;
  /** Its place among the BatchSink's batches (shared with the worker). */
  slot: number;
}

export interface WriterSetup {
  /** Per interface id: its capture file (null: frames unavailable, written empty). */
  paths: (string | null)[];
  fd: number;
  /**
   * A regular file: where the writer's first byte goes (positioned writes, several buffers in flight on the
   * thread pool). null: write in order at the descriptor's own offset (a pipe), one buffer at a time.
   */
  position: number | null;
}

export interface BatchWriter {
  write(b: Batch): void;
  /** Writes what is buffered, waits for the writes in flight, closes the input files; the bytes written. */
  finish(): Promise<number>;
}

/**
 * The EPB writer. `fsm` is node:fs (passed in: see the module comment). Frames are read through one
 * read-ahead window per input file, so a time-ordered walk reads each file sequentially in large chunks. A full
 * output buffer goes to the thread pool (fs.write) while the next fills, so the kernel's copy into the page
 * cache runs beside the block building; when every buffer is still in flight the write is synchronous.
 */
export function createBatchWriter(fsm: typeof fs, setup: WriterSetup): BatchWriter {
  // Small on purpose: a buffer handed to write() just after it was filled is still in the core's cache (512 KiB of
  // L2 on the EPYC the benchmarks ran on) when the kernel copies it into the page cache. Flushing at 4 MiB, each
  // pwrite took ~4.7 ms (~0.85 GB/s), at 512 KiB ~80 µs (~6 GB/s): the 8-file export 1.53-1.88 -> 1.23-1.40 s,
  // system time 0.55-0.75 -> 0.25-0.35 s, peak RSS -20 MiB (strace -c, alternating runs; bench/RESULTS.md).
  const WINDOW = 256 << 10;
  const FLUSH_AT = 512 << 10;
  const OUT_BYTES = 1 << 20;
  const REGIONS = setup.position === null ? 1 : 3;
  const PCAP_RECORD_HEADER = 16;
  const PCAPNG_EPB_DATA = 28;
  const PCAPNG_SPB_DATA = 12;
  const BT_EPB = 6;
  const OPT_COMMENT = 1;
  const EPB_PACKETID = 5;
  const EPB_HEADER = 28;
  const WORDS = 9; // META_WORDS
  /** A read-ahead window on a file: buf[off, off + cap) holds the file's bytes [start, end). */
  interface Win {
    fd: number;
    pcapng: boolean;
    buf: Uint8Array;
    off: number;
    cap: number;
    start: number;
    end: number;
  }
  const paths = [...new Set(setup.paths.filter((p): p is string => p !== null))];
  // One arena holds the output buffers and every file's window, so a frame moves with copyWithin (no view
  // object per packet). A window that must grow past WINDOW moves to a buffer of its own.
  const arena = new Uint8Array(REGIONS * OUT_BYTES + paths.length * WINDOW);
  const dv = new DataView(arena.buffer);
  // Blocks start at multiples of 4 in the arena, so their options do too: comments are copied a word at a time.
  const arenaWords = new Uint32Array(arena.buffer);
  const byPath = new Map<string, Win>();
  paths.forEach((p, i) => {
    const fd = fsm.openSync(p, 'r');
    const head = new Uint8Array(4);
    fsm.readSync(fd, head, 0, 4, 0);
    const pcapng = head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a;
    const off = REGIONS * OUT_BYTES + i * WINDOW;
    byPath.set(p, { fd, pcapng, buf: arena, off, cap: WINDOW, start: 0, end: 0 });
  });
  const lanes = setup.paths.map((p) => (p === null ? null : byPath.get(p)!));
  // The output region being filled (arena[base, base + len)), the others' writes in flight.
  let region = 0;
  let base = 0;
  let len = 0;
  let position = setup.position;
  let total = 0;
  const busy = new Array<boolean>(REGIONS).fill(false);
  let inFlight = 0;
  let failed: Error | null = null;
  let idle: (() => void) | null = null;

  /** b[off, off + n) now, at `position` when positional. */
  const writeNow = (b: Uint8Array, off: number, n: number): void => {
    const end = off + n;
    while (off < end) {
      try {
        const k = fsm.writeSync(setup.fd, b, off, end - off, position);
        off += k;
        if (position !== null) position += k;
      } catch (e) {
        // A non-blocking stdout pipe: wait for the reader.
        if ((e as { code?: string }).code !== 'EAGAIN') throw e;
      }
    }
    total += n;
  };
  /** A positioned write on the thread pool; frees region r when all of it is written. */
  const submit = (r: number, off: number, n: number, at: number): void => {
    fsm.write(setup.fd, arena, off, n, at, (err, k) => {
      if (err) failed ??= err;
      else if (k < n) return submit(r, off + k, n - k, at + k);
      busy[r] = false;
      if (--inFlight === 0 && idle) idle();
    });
  };
  const flush = (): void => {
    if (failed) throw failed;
    if (len === 0) return;
    let next = -1;
    for (let r = 0; r < REGIONS; r++) if (r !== region && !busy[r]) next = r;
    if (position === null || next < 0) writeNow(arena, base, len);
    else {
      busy[region] = true;
      inFlight++;
      submit(region, base, len, position);
      position += len;
      total += len;
      region = next;
      base = region * OUT_BYTES;
    }
    len = 0;
  };

  /** Makes the window hold [at, at + n) where the file has it; returns the index of `at` in w.buf. */
  const window = (w: Win, at: number, n: number): number => {
    if (at < w.start || at + n > w.end) {
      if (n > w.cap) {
        w.buf = new Uint8Array(n * 2);
        w.off = 0;
        w.cap = n * 2;
      }
      w.start = at;
      w.end = at + fsm.readSync(w.fd, w.buf, w.off, w.cap, at);
    }
    return w.off + at - w.start;
  };

  const write = (b: Batch): void => {
    const meta = b.meta;
    const text = b.text;
    const textWords = new Uint32Array(text.buffer, text.byteOffset, text.byteLength >> 2);
    let tp = 0;
    for (let i = 0, m = 0; i < b.count; i++, m += WORDS) {
      const iface = meta[m];
      let caplen = meta[m + 3];
      const at = meta[m + 5] + meta[m + 6] * 4294967296;
      const packetId = meta[m + 7];
      const clen = meta[m + 8];
      const w = lanes[iface];
      let s = 0;
      if (w === null) caplen = 0;
      else {
        // One window covering the largest record header and the frame: a record is one read at most.
        s = window(w, at, PCAPNG_EPB_DATA + caplen);
        let hdr = PCAP_RECORD_HEADER;
        if (w.pcapng) hdr = (w.buf[s] | w.buf[s + 3]) === 3 ? PCAPNG_SPB_DATA : PCAPNG_EPB_DATA; // 6, 2 or 3
        s += hdr;
        const have = w.off + w.end - w.start - s;
        if (caplen > have) caplen = Math.max(0, have);
      }
      const pad = (4 - (caplen & 3)) & 3;
      const cpad = (4 - (clen & 3)) & 3;
      const opts = (clen > 0 ? 4 + clen + cpad : 0) + (packetId > 0 ? 12 : 0);
      const size = EPB_HEADER + caplen + pad + (opts > 0 ? opts + 4 : 0) + 4;
      if (len + size > OUT_BYTES) flush();
      // A block larger than the output buffer (a jumbo frame in a huge snaplen) is built on its own.
      const big = size > OUT_BYTES ? new Uint8Array(size) : null;
      const t = big ?? arena;
      const tdv = big ? new DataView(big.buffer) : dv;
      let o = big ? 0 : base + len;
      tdv.setUint32(o, BT_EPB, true);
      tdv.setUint32(o + 4, size, true);
      tdv.setUint32(o + 8, iface, true);
      tdv.setUint32(o + 12, meta[m + 1], true);
      tdv.setUint32(o + 16, meta[m + 2], true);
      tdv.setUint32(o + 20, caplen, true);
      tdv.setUint32(o + 24, meta[m + 4], true);
      o += EPB_HEADER;
      if (caplen > 0) {
        if (t === w!.buf) t.copyWithin(o, s, s + caplen);
        else t.set(w!.buf.subarray(s, s + caplen), o);
      }
      o += caplen;
      for (let z = 0; z < pad; z++) t[o++] = 0;
      if (clen > 0) {
        tdv.setUint32(o, OPT_COMMENT | (clen << 16), true); // code, then length (16 bits each)
        o += 4;
        // The comment and its zero padding, as the batch holds them (a byte at a time took ~60 ns a packet).
        const words = (clen + cpad) >> 2;
        if (big) for (let z = 0; z < words * 4; z++) t[o + z] = text[tp + z];
        else
          for (let z = 0, to = o >> 2, from = tp >> 2; z < words; z++)
            arenaWords[to + z] = textWords[from + z];
        o += words * 4;
        tp += words * 4;
      }
      if (packetId > 0) {
        tdv.setUint32(o, EPB_PACKETID | (8 << 16), true);
        tdv.setUint32(o + 4, packetId, true);
        tdv.setUint32(o + 8, 0, true);
        o += 12;
      }
      if (opts > 0) {
        tdv.setUint32(o, 0, true);
        o += 4;
      }
      tdv.setUint32(o, size, true);
      if (big) writeNow(big, 0, size);
      else {
        len = o + 4 - base;
        if (len >= FLUSH_AT) flush();
      }
    }
  };

  const finish = async (): Promise<number> => {
    try {
      flush();
    } finally {
      while (inFlight > 0) await new Promise<void>((r) => (idle = r));
      for (const w of byPath.values()) fsm.closeSync(w.fd);
      byPath.clear();
    }
    if (failed) throw failed;
    return total;
  };

  return { write, finish };
}

/** What the worker is started with: the batches' shared memory (the writer's setup comes by message). */
interface WorkerData {
  metas: SharedArrayBuffer[];
  texts: SharedArrayBuffer[];
}

/** A time order for the writer's thread to merge (BatchSink.orderInThread): the columns' shared buffers. */
interface OrderJob {
  /** Answered as {ordered: id}: an answer settles only the order it was asked for. */
  id: number;
  key: SharedArrayBuffer;
  keyOffset: number;
  capture: SharedArrayBuffer;
  captureOffset: number;
  ncap: number;
  out: SharedArrayBuffer;
}

/**
 * A hop walk for the writer's thread (BatchSink.hopsInThread): walkHops' arrays, every one a view of shared memory
 * (a message carries such a view as the same memory).
 */
interface HopJob {
  /** Answered as {walked: id}. */
  id: number;
  input: HopWalkInput;
  output: HopWalkOutput;
  /** A time order the thread merged before (and its key): its ties then put in path order (pathOrderInTies). */
  ties?: { order: Int32Array; key: Float64Array };
}

/**
 * The worker's message loop (self-contained too): {setup} → create the writer; {order} → merge the rows' time
 * order into its `out`, answer {ordered: its id}; {hops} → walk the journeys' paths into its output (and order
 * the ties of an order merged before), answer {walked: its id}; {slot, count} → write that batch, answer
 * {done: slot}; {end} → finish, answer {finished: bytes}.
 */
function workerLoop(
  make: typeof createBatchWriter,
  merge: typeof mergeByKey,
  walk: typeof walkHops,
  ties: typeof pathOrderInTies,
): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('node:worker_threads') as typeof import('node:worker_threads');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fsm = require('node:fs') as typeof fs;
  const port = wt.parentPort!;
  const data = wt.workerData as WorkerData;
  const metas = data.metas.map((b) => new Uint32Array(b));
  const texts = data.texts.map((b) => new Uint8Array(b));
  let writer: BatchWriter | null = null;
  // The error's message, and its errno code and system call (a failed write is told apart from a failed read).
  const failure = (e: unknown) => {
    const err = e as { message?: string; code?: unknown; syscall?: unknown };
    return {
      error: err instanceof Error ? String(err.message) : String(e),
      code: typeof err?.code === 'string' ? err.code : undefined,
      syscall: typeof err?.syscall === 'string' ? err.syscall : undefined,
    };
  };
  port.on(
    'message',
    (msg: {
      setup?: WriterSetup;
      order?: OrderJob;
      hops?: HopJob;
      slot?: number;
      count?: number;
      end?: boolean;
    }) => {
      try {
        if (msg.setup) writer = make(fsm, msg.setup);
        else if (msg.order) {
          const o = msg.order;
          const out = new Int32Array(o.out);
          const n = out.length;
          merge(
            new Float64Array(o.key, o.keyOffset, n),
            new Uint16Array(o.capture, o.captureOffset, n),
            o.ncap,
            out,
          );
          port.postMessage({ ordered: o.id });
        } else if (msg.hops) {
          const h = msg.hops;
          walk(h.input, h.output);
          if (h.ties) ties(h.ties.order, h.ties.key, h.output);
          port.postMessage({ walked: h.id });
        } else if (msg.slot !== undefined) {
          const slot = msg.slot;
          writer!.write({ meta: metas[slot], text: texts[slot], count: msg.count!, slot });
          port.postMessage({ done: slot });
        } else if (msg.end)
          writer!.finish().then(
            (bytes) => port.postMessage({ finished: bytes }),
            (e: unknown) => port.postMessage(failure(e)),
          );
      } catch (e) {
        port.postMessage(failure(e));
      }
    },
  );
}

/**
 * Where batches go: straight into a BatchWriter in this thread, or to a worker running one. With a worker the
 * batches live in shared memory, allocated once: a message names the filled one and the worker answers when it
 * may be refilled (transferring buffers instead churns external memory, and with it the garbage collector).
 * The worker starts in the constructor, so a caller can create the sink early (before correlating) and have
 * the thread ready by the time begin() gives it the files.
 */
export class BatchSink {
  private local: BatchWriter | null = null;
  private readonly worker: Worker | null;
  private readonly batches: Batch[] = [];
  private readonly free: number[] = [];
  private failed: Error | null = null;
  private wake: (() => void) | null = null;
  private finished: number | null = null;
  /** The last time order asked of the thread (orderInThread), answered again when asked again. */
  private ordering: {
    key: Float64Array;
    n: number;
    out: SharedArrayBuffer;
    done: Promise<Int32Array>;
  } | null = null;
  /** The hop walk asked of the thread (hopsInThread), for which result, and the order whose ties it put right. */
  private walking: {
    res: CorrelationResult;
    done: Promise<HopIndex>;
    ties: SharedArrayBuffer | null;
  } | null = null;
  /** Jobs asked of the thread (orders, hop walks): the last id given. */
  private jobs = 0;
  /** Every job asked and not yet answered, by id: settled when the thread answers it, or fails. */
  private readonly pending = new Map<number, { answered: () => void; failed: (e: Error) => void }>();

  constructor(
    readonly threaded: boolean,
    slots = 4,
  ) {
    if (!threaded) {
      this.worker = null;
      this.batches.push({
        meta: new Uint32Array(BATCH_PACKETS * META_WORDS),
        text: new Uint8Array(BATCH_TEXT),
        count: 0,
        slot: 0,
      });
      this.free.push(0);
      return;
    }
    const data: WorkerData = { metas: [], texts: [] };
    for (let slot = 0; slot < slots; slot++) {
      const m = new SharedArrayBuffer(BATCH_PACKETS * META_WORDS * 4);
      const t = new SharedArrayBuffer(BATCH_TEXT);
      data.metas.push(m);
      data.texts.push(t);
      this.batches.push({ meta: new Uint32Array(m), text: new Uint8Array(t), count: 0, slot });
      this.free.push(slot);
    }
    // The bundlers' helpers for kept function names and require() are not in the worker's scope: stand-ins.
    const code =
      'const __name = (f) => f; const __require = require;\n' +
      `(${workerLoop.toString()})(${[createBatchWriter, mergeByKey, walkHops, pathOrderInTies].join(', ')});\n`;
    this.worker = new Worker(code, { eval: true, workerData: data, name: 'hopscope-pcapng-writer' });
    // Idle until begin(): it must not keep the process alive if the export never comes.
    this.worker.unref();
    this.worker.on(
      'message',
      (msg: {
        done?: number;
        ordered?: number;
        walked?: number;
        finished?: number;
        error?: string;
        code?: string;
        syscall?: string;
      }) => {
        if (msg.done !== undefined) this.free.push(msg.done);
        else if (msg.ordered !== undefined || msg.walked !== undefined) {
          const id = (msg.ordered ?? msg.walked)!;
          this.pending.get(id)?.answered();
          this.pending.delete(id);
        } else if (msg.finished !== undefined) this.finished = msg.finished;
        else if (msg.error !== undefined)
          this.failed ??= Object.assign(new Error(msg.error), { code: msg.code, syscall: msg.syscall });
        this.poke();
      },
    );
    this.worker.on('error', (e) => {
      this.failed ??= e;
      this.poke();
    });
    this.worker.on('exit', (code) => {
      if (this.finished === null) this.failed ??= new Error(`pcapng writer thread exited (${code})`);
      this.poke();
    });
  }

  /** Opens the input files and points the writer at the output (throws, or fails later, when it cannot). */
  begin(setup: WriterSetup): void {
    if (this.failed) throw this.failed;
    if (!this.worker) this.local = createBatchWriter(fs, setup);
    else {
      this.worker.ref();
      this.worker.postMessage({ setup });
    }
  }

  /**
   * mergeByKey(key, capture, ncap) for rows 0…n on the writer's thread, idle until the first batch, while this one
   * does other work (the CLI's export asks as soon as the rows are read, and again in exportPcapng: the same order is
   * merged once). When the sink has a thread and both columns are in shared memory (a table several threads read
   * into); else null, and the caller merges.
   */
  orderInThread(
    key: Float64Array,
    capture: Uint16Array,
    ncap: number,
    n: number,
  ): Promise<Int32Array> | null {
    const asked = this.ordering;
    if (asked && asked.key === key && asked.n === n) return asked.done;
    if (!this.worker || this.failed) return null;
    if (!(key.buffer instanceof SharedArrayBuffer) || !(capture.buffer instanceof SharedArrayBuffer))
      return null;
    const out = new SharedArrayBuffer(4 * n);
    const id = ++this.jobs;
    const order: OrderJob = {
      id,
      key: key.buffer,
      keyOffset: key.byteOffset,
      capture: capture.buffer,
      captureOffset: capture.byteOffset,
      ncap,
      out,
    };
    const done = this.ask(id).then(() => new Int32Array(out));
    // Asked early and never awaited (an export that failed before its fill): no unhandled rejection.
    done.catch(() => {});
    this.ordering = { key, n, out, done };
    this.worker.postMessage({ order });
    return done;
  }

  /**
   * hopIndex(res) with the journeys' paths walked on the writer's thread (walkHops), while this one does other work
   * (the CLI's export asks as soon as the journeys are linked, and computes the flows meanwhile); the few journeys
   * HopSources must time are walked here once the thread is done. When the thread merged the rows' captured time
   * order before (orderInThread), it then puts that order's ties in path order too (tiesOrdered). Null when the sink
   * has no thread or a row column the walk reads is not in shared memory; the caller then indexes the hops itself.
   */
  hopsInThread(res: CorrelationResult): Promise<HopIndex> | null {
    if (!this.worker || this.failed) return null;
    const input = hopWalkInput(res, true);
    if (!input) return null;
    const output = hopWalkOutput(res, true);
    const o = this.ordering;
    const merged = o !== null && o.key === res.rows.t && o.n === res.rowCount ? o : null;
    const hops: HopJob = {
      id: ++this.jobs,
      input,
      output,
      ties: merged ? { order: new Int32Array(merged.out), key: merged.key } : undefined,
    };
    const done = this.ask(hops.id).then(() => timeIrregular(res, output));
    done.catch(() => {});
    this.walking = { res, done, ties: merged && merged.out };
    this.worker.postMessage({ hops });
    return done;
  }

  /** The hop walk asked of the thread for `res` (hopsInThread), null when none was. */
  hopsAsked(res: CorrelationResult): Promise<HopIndex> | null {
    return this.walking?.res === res ? this.walking.done : null;
  }

  /**
   * Whether the thread put the ties of `order` (an order it merged, orderInThread's) in path order when it walked the
   * paths of `res` (hopsInThread): then settled once that walk is (hopsAsked).
   */
  tiesOrdered(res: CorrelationResult, order: Int32Array): boolean {
    const w = this.walking;
    return w !== null && w.res === res && w.ties !== null && order.buffer === w.ties;
  }

  /** A promise settled when the thread answers job `id`, or rejected when it fails first. */
  private ask(id: number): Promise<void> {
    return new Promise<void>((answered, failed) => this.pending.set(id, { answered, failed }));
  }

  private poke(): void {
    if (this.failed) {
      for (const o of this.pending.values()) o.failed(this.failed);
      this.pending.clear();
    }
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async until(cond: () => boolean): Promise<void> {
    while (!cond() && !this.failed) await new Promise<void>((r) => (this.wake = r));
    if (this.failed) throw this.failed;
  }

  /** An empty batch to fill; waits while every batch is with the worker. */
  async next(): Promise<Batch> {
    if (this.free.length === 0) await this.until(() => this.free.length > 0);
    const b = this.batches[this.free.pop()!];
    b.count = 0;
    return b;
  }

  /** Hands a filled batch (from next()) over to be written. */
  put(b: Batch): void {
    if (this.failed) throw this.failed;
    if (this.local) {
      this.local.write(b);
      this.free.push(b.slot);
    } else this.worker!.postMessage({ slot: b.slot, count: b.count });
  }

  /** Waits for every batch to be written; returns the bytes written. */
  async finish(): Promise<number> {
    if (this.local) return await this.local.finish();
    this.worker!.postMessage({ end: true });
    await this.until(() => this.finished !== null);
    await this.worker!.terminate();
    return this.finished!;
  }

  /** Stops the worker (after a failure elsewhere, or when the export never began); harmless after finish(). */
  async abort(): Promise<void> {
    if (this.finished === null) this.failed ??= new Error('pcapng export aborted');
    // What is still asked of the thread (an order, a hop walk) fails now, not by the thread's exit: its answer could
    // still come first (a merge that finished as the thread was told to stop) and settle it.
    this.poke();
    await this.worker?.terminate();
  }
}
