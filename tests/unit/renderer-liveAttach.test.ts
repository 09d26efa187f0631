// A page that opens while a capture runs (reloaded, or a second tab in web mode) shows the capture: the
// renderer's controller, on the first capture counters naming a live session it does not know, fetches that
// session and loads its rows, and rows the capture added meanwhile (their batches refused: the page did not
// hold the rows before them) are fetched once the load is done, so it ends holding every row, in order.
// The back end here is a live session at the API boundary (the lab's end-to-end test runs the real one).
import { describe, expect, it } from 'vitest';

import type { CaptureStats, HopscopeApi, PacketBatch, Result, SessionInfo } from '../../preload/api.ts';
import { API_EVENTS, API_METHODS } from '../../preload/api.ts';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';

const ID = 'live-1';

/** A live session of `rows` rows over 2 interfaces (row r: capture r % 2, time r µs, length 60 + r % 500). */
class LiveBackEnd {
  rows = 0;
  journeyOf = new Map<number, number>();
  getSessionCalls = 0;
  openPathsCalls: string[][] = [];
  readonly listeners = new Map<string, ((p: unknown) => void)[]>();

  info(): SessionInfo {
    return {
      id: ID,
      title: 'Capture',
      path: '/tmp/capture',
      live: true,
      baseNs: '0',
      captures: [0, 1].map((index) => ({
        index,
        node: `node-${index + 1}`,
        iface: 'ens33',
        linkType: 1,
        packets: 0,
        drops: null,
        problems: [],
      })),
      packets: this.rows,
      journeys: 0,
      flows: 0,
      clocks: [],
      referenceNode: null,
      revision: 1,
    };
  }

  batch(from: number, to: number): PacketBatch {
    const n = Math.max(0, Math.min(to, this.rows) - from);
    const idx = Array.from({ length: n }, (_, k) => from + k);
    return {
      sessionId: ID,
      from,
      capture: Uint16Array.from(idx, (r) => r % 2),
      tsNs: Float64Array.from(idx, (r) => r * 1000),
      length: Uint32Array.from(idx, (r) => 60 + (r % 500)),
      journey: Int32Array.from(idx, (r) => this.journeyOf.get(r) ?? -1),
      hop: Int16Array.from(idx, () => -1),
      proto: Uint8Array.from(idx, () => 1),
      status: Uint8Array.from(idx, () => 0),
    };
  }

  emit(event: string, payload: unknown): void {
    for (const cb of this.listeners.get(event) ?? []) cb(payload);
  }

  /** Appends rows and sends them as the capture does: one batch. */
  grow(n: number): void {
    const from = this.rows;
    this.rows += n;
    this.emit('packetBatch', this.batch(from, this.rows));
  }

  api(onGetPackets: (from: number) => void): HopscopeApi {
    const api: Record<string, unknown> = {};
    const ok = <T>(value: T): Promise<Result<T>> => Promise.resolve({ ok: true, value });
    for (const m of API_METHODS) api[m] = () => ok(null);
    api.appInfo = () => ok({ mode: 'web', version: '0' });
    api.listNodes = () => ok([]);
    api.listLoginPrompts = () => ok([]);
    api.listHostKeyPrompts = () => ok([]);
    api.labStatus = () => ok({ supported: false });
    api.getSummaries = () => ok([]);
    api.getSession = () => {
      this.getSessionCalls++;
      return ok(this.info());
    };
    // The folder opened as a finished session (as the back end does when a capture stops).
    const finished = (): SessionInfo => ({ ...this.info(), id: 'finished', live: false });
    api.openPaths = (req: { paths: string[]; title?: string }) => {
      this.openPathsCalls.push([...req.paths, req.title ?? '']);
      return ok(finished());
    };
    api.stopCapture = () => {
      this.emit('captureStats', stats(false));
      return ok(finished());
    };
    api.getPackets = async (req: { from: number; count: number }) => {
      onGetPackets(req.from);
      await new Promise((r) => setTimeout(r, 1));
      return ok(this.batch(req.from, req.from + req.count));
    };
    for (const [m, ev] of Object.entries(API_EVENTS))
      api[m] = (cb: (p: unknown) => void) => {
        this.listeners.set(ev, [...(this.listeners.get(ev) ?? []), cb]);
        return () => undefined;
      };
    return api as unknown as HopscopeApi;
  }
}

const stats = (running: boolean): CaptureStats => ({
  sessionId: ID,
  elapsedMs: 1,
  running,
  nodes: [],
  counters: [],
});

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('a page opened while a capture runs', () => {
  it('shows the live session and ends holding every row, those added while it loaded included', async () => {
    const back = new LiveBackEnd();
    back.rows = 5000;
    let grownDuringLoad = false;
    const api = back.api((from) => {
      // The capture goes on while the page loads its rows: new rows arrive as batches the page cannot take yet.
      if (from === 1000 && !grownDuringLoad) {
        grownDuringLoad = true;
        back.grow(300);
        back.grow(200);
      }
    });
    const ctl = new Controller(api, new AppStore(), { chunk: 500, inFlight: 2, applySlice: 250 });
    ctl.start();
    back.emit('captureStats', stats(true));
    await until('the live session', () => ctl.store.get().session?.id === ID);
    await until('every row', () => ctl.packets.count === 5500);
    expect(grownDuringLoad).toBe(true);
    // Rows the capture adds from now on arrive as batches and are taken at once.
    back.journeyOf.set(5600, 7);
    back.grow(150);
    expect(ctl.packets.count).toBe(5650);
    const all = back.batch(0, back.rows);
    expect(Array.from(ctl.packets.tsNs.data.subarray(0, 5650))).toEqual(Array.from(all.tsNs));
    expect(Array.from(ctl.packets.length.data.subarray(0, 5650))).toEqual(Array.from(all.length));
    expect(ctl.packets.journey.data[5600]).toBe(7);
    expect(ctl.packets.captureCount(0) + ctl.packets.captureCount(1)).toBe(5650);
    expect(ctl.packets.captureCount(0)).toBe(2825);
    // More counters of the same capture: it is not fetched again.
    back.emit('captureStats', stats(true));
    await new Promise((r) => setTimeout(r, 10));
    expect(back.getSessionCalls).toBe(1);
    ctl.stop();
  });

  it('a page showing another session is left alone; a capture it already showed is not shown again', async () => {
    const back = new LiveBackEnd();
    back.rows = 10;
    const ctl = new Controller(
      back.api(() => undefined),
      new AppStore(),
    );
    ctl.start();
    const other: SessionInfo = { ...back.info(), id: 'file-session', live: false };
    ctl.store.set({ session: other });
    back.emit('captureStats', stats(true));
    await new Promise((r) => setTimeout(r, 10));
    expect(back.getSessionCalls).toBe(0);
    expect(ctl.store.get().session?.id).toBe('file-session');
    // Closed, then counters of the running capture: shown once; closed again: not brought back.
    ctl.store.set({ session: null });
    back.emit('captureStats', stats(true));
    await until('the live session', () => ctl.store.get().session?.id === ID);
    ctl.store.set({ session: null });
    back.emit('captureStats', stats(true));
    await new Promise((r) => setTimeout(r, 10));
    expect(ctl.store.get().session).toBeNull();
    expect(back.getSessionCalls).toBe(1);
    ctl.stop();
  });

  it('the capture stopped in another page: this page opens its folder; the page that stops it does not twice', async () => {
    const back = new LiveBackEnd();
    back.rows = 20;
    const watcher = new Controller(
      back.api(() => undefined),
      new AppStore(),
    );
    const stopper = new Controller(
      back.api(() => undefined),
      new AppStore(),
    );
    watcher.start();
    stopper.start();
    back.emit('captureStats', stats(true));
    await until('both pages on the live session', () =>
      [watcher, stopper].every((c) => c.store.get().session?.id === ID && c.packets.count === 20),
    );
    await stopper.stopCapture();
    await until('the watcher on the finished session', () => watcher.store.get().session?.id === 'finished');
    expect(stopper.store.get().session?.id).toBe('finished');
    // One folder opened, by the watcher (the stopper got its session from stopCapture).
    expect(back.openPathsCalls).toEqual([['/tmp/capture', 'Capture']]);
    watcher.stop();
    stopper.stop();
  });
});
