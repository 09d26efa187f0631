// The main thread's side of an open session: its session worker (sessionWorker.ts) reads and correlates, while
// this keeps the packet columns the panes page through (the scan's rows first, journey columns once correlation
// lands) and reads frames for summaries and detail itself, so those answer even while the worker is busy.
// Journeys, clocks and exports are forwarded to the worker.

import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type {
  ErrorData,
  OpenRange,
  PacketBatch,
  Result,
  SessionInfo,
  SessionProgress,
} from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { workerEntry } from '../common/workerEntry.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { FrameSource } from '../session/frames.ts';
import { sessionInputs } from './exporter.ts';
import { defaultTitle } from './sessionBuild.ts';
import type { FromWorker, JourneyColumns, PaneCapture, ToWorker } from './sessionProtocol.ts';
import type { ScanColumns } from './sessionScan.ts';

/** Below this many packets the open waits for correlation (well under a second) and shows everything at once. */
export const PREVIEW_MIN_PACKETS = 100_000;

function spawn(): Worker {
  const spec = workerEntry('sessionWorker', 'main/app', import.meta.url);
  const w = new Worker(spec.file, { workerData: spec.workerData, name: 'hopscope-session' });
  // An idle spare or a session nobody uses must never keep the process alive.
  w.unref();
  return w;
}

/** One started worker kept ready (its modules loaded) so opening a session does not wait for a thread to boot. */
let spare: Worker | null = null;

export function prewarmSessionWorker(): void {
  if (spare) return;
  spare = spawn();
  spare.on('error', () => (spare = null));
}

function takeWorker(): Worker {
  const w = spare ?? spawn();
  spare = null;
  w.removeAllListeners('error');
  return w;
}

export interface HandleEvents {
  progress(p: SessionProgress): void;
  changed(info: SessionInfo): void;
  exportProgress(payload: unknown): void;
}

export class SessionHandle {
  private infoNow: SessionInfo | null = null;
  private title: string;
  private rows: ScanColumns | null = null;
  private cols: JourneyColumns | null = null;
  private captures: PaneCapture[] = [];
  private frames: FrameSource | null = null;
  private nextSeq = 1;
  private pending = new Map<number, (r: Result<unknown>) => void>();
  private worker: Worker;
  private failure: ErrorData | null = null;
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private isReady = false;
  /** Threads that read the files once correlation landed (0 before): more than 1 with ingest workers. */
  ingestThreads = 0;
  readonly opened: Promise<SessionInfo>;
  /** Resolves when the worker thread has exited (after close(), or on its own). */
  readonly closed: Promise<void>;
  readonly started = Date.now();
  /** close() was asked for: the worker ends when the requests posted to it are answered. */
  private closing = false;

  constructor(
    readonly id: string,
    /** Given, or the first path's name until the worker names the session (after the file that opened). */
    private readonly givenTitle: string | undefined,
    paths: string[],
    private readonly on: HandleEvents,
    /**
     * A scratch folder the files were copied into (dropped in the browser): the user knows them by their names,
     * so what the session says about them (the notice, a failure) leaves the folder out.
     */
    private readonly scratchDir: string | null = null,
    /** Only the packets of this time range of the captures. */
    range?: OpenRange,
  ) {
    this.worker = takeWorker();
    this.closed = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.opened = new Promise<SessionInfo>((resolve, reject) => {
      this.worker.on('message', (m: FromWorker) => this.onMessage(m, resolve, reject));
      this.worker.on('error', (e) =>
        this.fail({ code: 'INTERNAL', message: `session worker: ${e.message}` }, reject),
      );
      this.worker.on('exit', (code) => {
        if (!this.failure)
          this.fail({ code: 'INTERNAL', message: `session worker exited (${code})` }, reject);
      });
    });
    this.title = givenTitle ?? defaultTitle(paths);
    const msg: ToWorker = {
      t: 'open',
      id,
      paths,
      title: givenTitle,
      previewMin: PREVIEW_MIN_PACKETS,
      ...(range ? { range } : {}),
    };
    this.worker.postMessage(msg);
  }

  /** `text` with the scratch folder's paths as the bare names the user gave. */
  private named(text: string): string {
    return this.scratchDir ? text.split(this.scratchDir + path.sep).join('') : text;
  }

  private shown(info: SessionInfo): SessionInfo {
    this.title = info.title;
    return info.notice ? { ...info, notice: this.named(info.notice) } : info;
  }

  private fail(given: ErrorData, reject: (e: Error) => void): void {
    const error = { ...given, message: this.named(given.message) };
    this.failure = error;
    const err = new HopscopeError(error.code, error.message, error.detail);
    reject(err);
    this.readyWaiters.splice(0).forEach((w) => w.reject(err));
    for (const [seq, resolve] of this.pending) {
      resolve({ ok: false, error });
      this.pending.delete(seq);
    }
  }

  private progress(
    phase: SessionProgress['phase'],
    done: number,
    total: number,
    message?: string,
    stage?: SessionProgress['stage'],
  ): void {
    this.on.progress({
      sessionId: this.id,
      title: this.title,
      phase,
      done,
      total,
      elapsedMs: Date.now() - this.started,
      ...(message ? { message } : {}),
      ...(stage ? { stage } : {}),
    });
  }

  private onMessage(m: FromWorker, resolve: (s: SessionInfo) => void, reject: (e: Error) => void): void {
    switch (m.t) {
      case 'progress':
        this.progress(m.phase, m.done, m.total, undefined, m.stage);
        break;
      case 'preview': {
        this.setRows(m.rows, m.captures);
        const n = m.info.packets;
        this.cols = {
          journey: new Int32Array(n).fill(-1),
          hop: new Int16Array(n).fill(-1),
          proto: new Uint8Array(n),
          status: new Uint8Array(n),
        };
        this.infoNow = this.shown(m.info);
        resolve(this.infoNow);
        break;
      }
      case 'ready': {
        this.ingestThreads = m.threads;
        const prev = this.infoNow;
        if (m.rows || !this.rows) this.setRows(m.rows!, m.captures);
        this.cols = m.cols;
        const rowsRevision = (prev?.rowsRevision ?? 0) + (m.rows && prev ? 1 : 0) || 1;
        this.infoNow = this.shown({
          ...m.info,
          revision: (prev?.revision ?? 0) + 1,
          correlating: false,
          rowsRevision,
        });
        this.isReady = true;
        this.readyWaiters.splice(0).forEach((w) => w.resolve());
        this.progress('ready', 1, 1);
        if (prev) this.on.changed(this.infoNow);
        else resolve(this.infoNow);
        break;
      }
      case 'failed':
        this.progress('failed', 0, 0, `${m.error.code}: ${this.named(m.error.message)}`);
        this.fail(m.error, reject);
        void this.worker.terminate();
        break;
      case 'reply':
        this.pending.get(m.seq)?.(m.res);
        this.pending.delete(m.seq);
        if (this.closing && this.pending.size === 0) this.finish();
        break;
      case 'event':
        this.on.exportProgress(m.payload);
        break;
    }
  }

  /** The session's own files (captures, session.json), which an export must not overwrite. */
  inputPaths(): string[] {
    return sessionInputs(this.captures.map((c) => c.path));
  }

  private setRows(rows: ScanColumns, captures: PaneCapture[]): void {
    this.rows = rows;
    this.captures = captures;
    this.frames?.close();
    // FrameSource reads only these fields of a result: the rows' capture, file offset and captured length.
    this.frames = new FrameSource({ rows, captures } as unknown as CorrelationResult);
  }

  get correlating(): boolean {
    return !this.isReady;
  }

  /** Resolves when journeys are computed (rejects if opening failed). */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    if (this.failure) return Promise.reject(new HopscopeError(this.failure.code, this.failure.message));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** A request answered by the worker's correlated session (waits for correlation to complete). */
  async call<T>(method: string, req: unknown): Promise<T> {
    await this.ready();
    if (this.closing) throw this.closedError();
    const seq = this.nextSeq++;
    const res = await new Promise<Result<unknown>>((resolve) => {
      this.pending.set(seq, resolve);
      const msg: ToWorker = { t: 'call', seq, method, req };
      this.worker.postMessage(msg);
    });
    if (!res.ok) throw new HopscopeError(res.error.code, res.error.message, res.error.detail);
    return res.value as T;
  }

  private closedError(): HopscopeError {
    return new HopscopeError('USAGE', `session ${this.id} is closed`);
  }

  /** The clock override, recomputed in the worker: new journey columns and info come back with it. */
  async setClockOverride(node: string, offsetNs: number | null): Promise<SessionInfo> {
    const r = await this.call<{ info: SessionInfo; cols: JourneyColumns }>('setClockOverride', {
      node,
      offsetNs,
    });
    this.cols = r.cols;
    this.infoNow = this.shown({
      ...r.info,
      revision: this.infoNow!.revision + 1,
      correlating: false,
      rowsRevision: this.infoNow!.rowsRevision,
    });
    return this.infoNow;
  }

  /** The session's title (SessionInfo.title once opened). */
  get sessionTitle(): string {
    return this.title;
  }

  info(): SessionInfo {
    if (!this.infoNow) throw new HopscopeError('USAGE', `session ${this.id} is still opening`);
    return this.infoNow;
  }

  get count(): number {
    return this.infoNow?.packets ?? 0;
  }

  batch(from: number, count: number): PacketBatch {
    const r = this.rows!;
    const c = this.cols!;
    const end = Math.min(this.count, from + count);
    const f = Math.min(from, end);
    return {
      sessionId: this.id,
      from: f,
      capture: r.capture.slice(f, end),
      tsNs: r.t.slice(f, end),
      length: r.origLen.slice(f, end),
      journey: c.journey.slice(f, end),
      hop: c.hop.slice(f, end),
      proto: c.proto.slice(f, end),
      status: c.status.slice(f, end),
    };
  }

  /** The frame's bytes (a view valid until the next call: copy to keep). */
  frame(row: number): Uint8Array {
    return this.frames!.frame(row);
  }
  captureOf(row: number): number {
    return this.rows!.capture[row];
  }
  origLenOf(row: number): number {
    return this.rows!.origLen[row];
  }
  caplenOf(row: number): number {
    return this.rows!.caplen[row];
  }
  statusOf(row: number): number {
    return this.cols!.status[row];
  }
  linkType(row: number): number {
    return this.captures[this.rows!.capture[row]].linkType;
  }
  /** The row's node's interface names by ifindex, for a `-i any` lane when known. */
  ifNamesOf(row: number): Record<number, string> | undefined {
    return this.captures[this.rows!.capture[row]].ifNames;
  }
  tsNsString(row: number): string {
    return (BigInt(this.infoNow!.baseNs) + BigInt(this.rows!.t[row])).toString();
  }

  /**
   * Ends the session: its worker thread and open files. Requests in progress (an export, say) are answered first;
   * then the worker ends. `closed` resolves when the thread has exited.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    // Requests still waiting for correlation are refused: the worker need not finish correlating for them.
    if (!this.isReady) this.readyWaiters.splice(0).forEach((w) => w.reject(this.closedError()));
    if (this.pending.size === 0) this.finish();
  }

  private finish(): void {
    this.frames?.close();
    this.frames = null;
    void this.worker.terminate();
  }
}
