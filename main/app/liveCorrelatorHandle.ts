// The main thread's side of the live-correlation worker (liveCorrelatorWorker.ts): starts it, hands its rows
// and journey snapshots to LiveSession through callbacks, and turns journey queries into async messages. The
// main thread never reads the capture files or correlates while a capture runs.

import { Worker } from 'node:worker_threads';

import type { ErrorData, JourneyMatches, JourneyView, Result } from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { workerEntry } from '../common/workerEntry.ts';
import type {
  FromLiveWorker,
  LiveJourneys,
  LiveLane,
  LiveQueryMethod,
  LiveRows,
  LiveStart,
  ToLiveWorker,
} from './liveCorrelatorProtocol.ts';
import type { LiveJourneySource } from './liveSession.ts';

const ENTRY = 'liveCorrelatorWorker';

export interface LiveHandleEvents {
  rows(r: LiveRows): void;
  journeys(j: LiveJourneys): void;
  /** A snapshot failed, or the worker died (then no more rows or journeys come). */
  error(e: ErrorData): void;
}

export class LiveCorrelatorHandle implements LiveJourneySource {
  private readonly worker: Worker;
  private nextSeq = 1;
  private readonly pending = new Map<number, (r: Result<unknown>) => void>();
  private ev: LiveHandleEvents | null = null;
  private dead: ErrorData | null = null;

  /** Starts the thread at once (it loads its modules while the capture connects); start() gives it the lanes. */
  constructor() {
    const spec = workerEntry(ENTRY, 'main/app', import.meta.url);
    this.worker = new Worker(spec.file, { workerData: spec.workerData, name: 'hopscope-live' });
    // A capture that is never stopped must not keep the process alive through its worker.
    this.worker.unref();
    this.worker.on('message', (m: FromLiveWorker) => this.onMessage(m));
    this.worker.on('error', (e) =>
      this.die({ code: 'INTERNAL', message: `live correlation worker: ${e.message}` }),
    );
    this.worker.on('exit', (code) =>
      this.die({ code: 'INTERNAL', message: `live correlation worker exited (${code})` }),
    );
  }

  start(msg: Omit<LiveStart, 't'>, ev: LiveHandleEvents): void {
    this.ev = ev;
    const m: ToLiveWorker = { t: 'start', ...msg };
    this.worker.postMessage(m);
  }

  /** Follows more files (captures started late), numbered after those it follows. */
  addLanes(lanes: LiveLane[]): void {
    if (this.dead) return;
    const m: ToLiveWorker = { t: 'lanes', lanes };
    this.worker.postMessage(m);
  }

  private die(e: ErrorData): void {
    if (this.dead) return;
    this.dead = e;
    for (const [seq, resolve] of this.pending) {
      resolve({ ok: false, error: e });
      this.pending.delete(seq);
    }
    this.ev?.error(e);
  }

  private onMessage(m: FromLiveWorker): void {
    switch (m.t) {
      case 'rows':
        this.ev?.rows(m.rows);
        break;
      case 'journeys':
        this.ev?.journeys(m.journeys);
        break;
      case 'error':
        this.ev?.error(m.error);
        break;
      case 'reply':
      case 'drained':
        this.pending.get(m.seq)?.(m.t === 'reply' ? m.res : { ok: true, value: null });
        this.pending.delete(m.seq);
        break;
    }
  }

  private send(make: (seq: number) => ToLiveWorker): Promise<Result<unknown>> {
    if (this.dead) return Promise.resolve({ ok: false, error: this.dead });
    const seq = this.nextSeq++;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.worker.postMessage(make(seq));
    });
  }

  private async ask<T>(method: LiveQueryMethod, req: unknown): Promise<T> {
    const res = await this.send((seq) => ({ t: 'query', seq, method, req }));
    if (!res.ok) throw new HopscopeError(res.error.code, res.error.message, res.error.detail);
    return res.value as T;
  }

  findJourneys(filter: string, from: number, count: number): Promise<JourneyMatches> {
    return this.ask('findJourneys', { filter, from, count });
  }

  journey(k: number): Promise<JourneyView> {
    return this.ask('journey', { k });
  }

  /** Reads the files once more (the capture stopped); resolves after their last rows were handed over. */
  async drain(): Promise<void> {
    await this.send((seq) => ({ t: 'drain', seq }));
  }

  close(): void {
    this.dead ??= { code: 'INTERNAL', message: 'live correlation closed' };
    this.ev = null;
    void this.worker.terminate();
  }
}
