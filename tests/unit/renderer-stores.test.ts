// The renderer's columnar packet store, the app store helpers, and the controller's selection logic.
import { describe, expect, it } from 'vitest';

import { API_METHODS, type HopscopeApi, type NodeInfo, type PacketBatch } from '../../preload/api.ts';
import { Controller } from '../../renderer/src/controller.ts';
import { AppStore, globToRegExp, pushRates } from '../../renderer/src/store/appStore.ts';
import { Growable } from '../../renderer/src/store/growable.ts';
import { PacketStore } from '../../renderer/src/store/packetStore.ts';

function batch(from: number, rows: [capture: number, ts: number, journey: number][]): PacketBatch {
  return {
    sessionId: 's',
    from,
    capture: Uint16Array.from(rows.map((r) => r[0])),
    tsNs: Float64Array.from(rows.map((r) => r[1])),
    length: new Uint32Array(rows.length).fill(98),
    journey: Int32Array.from(rows.map((r) => r[2])),
    hop: new Int16Array(rows.length).fill(-1),
    proto: new Uint8Array(rows.length).fill(1),
    status: new Uint8Array(rows.length),
  };
}

describe('PacketStore', () => {
  it('appends batches into columns and per-capture index lists', () => {
    const s = new PacketStore();
    s.reset(2);
    expect(
      s.apply(
        batch(0, [
          [0, 10, 0],
          [1, 12, 0],
          [0, 20, 1],
        ]),
      ),
    ).toBe(true);
    expect(s.apply(batch(3, [[1, 25, 1]]))).toBe(true);
    expect(s.count).toBe(4);
    expect(Array.from(s.byCapture[0].view())).toEqual([0, 2]);
    expect(Array.from(s.byCapture[1].view())).toEqual([1, 3]);
    expect(s.packetOf(1, 1)).toBe(3);
    expect(s.positionInCapture(1, 3)).toBe(1);
    expect(s.positionInCapture(1, 2)).toBe(-1);
  });

  it('refuses a batch that would leave a gap, and refreshes rows it already holds', () => {
    const s = new PacketStore();
    s.reset(1);
    s.apply(
      batch(0, [
        [0, 1, -1],
        [0, 2, -1],
      ]),
    );
    expect(s.apply(batch(5, [[0, 9, -1]]))).toBe(false);
    s.apply(batch(1, [[0, 2, 7]]));
    expect(s.count).toBe(2);
    expect(s.journey.data[1]).toBe(7);
    expect(s.captureCount(0)).toBe(2);
  });

  it('finds the same journey in another capture (the cross-pane highlight)', () => {
    const s = new PacketStore();
    s.reset(3);
    s.apply(
      batch(0, [
        [0, 1, 5],
        [1, 2, 4],
        [1, 3, 5],
        [2, 4, 6],
      ]),
    );
    expect(s.findJourneyInCapture(1, 5)).toBe(1);
    expect(s.findJourneyInCapture(2, 5)).toBe(-1);
    expect(s.findJourneyInCapture(0, -1)).toBe(-1);
  });

  it('applies per-capture clock offsets to times and the extent', () => {
    const s = new PacketStore();
    s.reset(2);
    s.apply(
      batch(0, [
        [0, 100, -1],
        [1, 1100, -1],
        [0, 200, -1],
        [1, 1300, -1],
      ]),
    );
    expect(s.timeExtent()).toEqual([100, 1300]);
    s.setCaptureClocks([0, 1000]);
    expect(s.timeOf(1)).toBe(100);
    expect(s.timeExtent()).toEqual([100, 300]);
  });

  it('a drifting clock is corrected along its line, and offsetAt is its inverse', () => {
    const s = new PacketStore();
    s.reset(2);
    // Capture 1's clock is 1 ms ahead at t = 0 and gains 1e-3 (1000 ppm: large, to show in small numbers).
    s.apply(
      batch(0, [
        [0, 0, -1],
        [1, 1_000_000, -1],
        [1, 1_000_000 + 1_001_000_000, -1],
      ]),
    );
    s.setCaptureClocks([0, 1_000_000], [0, 1e-3], 0);
    expect(s.timeOf(1)).toBe(0);
    // 1 s of reference time later the clock reads 1 s + 1 ms + 1 ms: corrected, exactly 1 s.
    expect(s.timeOf(2)).toBeCloseTo(1e9, 3);
    expect(s.offsetAt(1, 1e9)).toBe(2_000_000);
    expect(s.offsetAt(0, 1e9)).toBe(0);
    // Steady clocks again: the rate is gone.
    s.setCaptureClocks([0, 1_000_000]);
    expect(s.timeOf(2)).toBe(1_001_000_000);
  });

  it('a capture whose file order is not time order: searched by time through a sorted copy', () => {
    const s = new PacketStore();
    s.reset(2);
    // Capture 0 in order (no copy made for it); capture 1's clock stepped back after its second packet.
    s.apply(
      batch(0, [
        [0, 100, -1],
        [1, 500, -1],
        [1, 600, -1],
        [0, 200, -1],
        [1, 50, -1],
        [1, 700, -1],
      ]),
    );
    expect(s.byTime(0)).toBe(s.byCapture[0].data);
    expect(Array.from(s.byTime(1).subarray(0, 4))).toEqual([4, 1, 2, 5]);
    expect(s.timeExtent()).toEqual([50, 700]);
    // Every packet is found at its own time (the hit test); the earliest at or after a time, by pane position.
    for (const g of [1, 2, 4, 5]) expect(s.nearestInCapture(1, s.timeOf(g), 0)).toBe(g);
    expect(s.nearestInCapture(1, 300, 50)).toBe(-1);
    expect(s.positionAtTime(1, 60)).toBe(0); // packet 1 (500), the first row
    expect(s.positionAtTime(1, 40)).toBe(2); // packet 4 (50), the third row
    expect(s.positionAtTime(1, 800)).toBe(4);
    // A later batch is sorted in too.
    s.apply(batch(6, [[1, 10, -1]]));
    expect(s.byTime(1)[0]).toBe(6);
    expect(s.timeExtent()).toEqual([10, 700]);
  });

  it('notifies subscribers and bumps its version on every change', () => {
    const s = new PacketStore();
    let calls = 0;
    const off = s.subscribe(() => calls++);
    s.reset(1);
    s.apply(batch(0, [[0, 1, -1]]));
    off();
    s.apply(batch(1, [[0, 2, -1]]));
    expect(calls).toBe(2);
    expect(s.getVersion()).toBe(3);
  });

  it('holds a million packets in typed arrays', () => {
    const s = new PacketStore();
    s.reset(8);
    const n = 1_000_000;
    const b: PacketBatch = {
      sessionId: 's',
      from: 0,
      capture: Uint16Array.from({ length: n }, (_, i) => i % 8),
      tsNs: Float64Array.from({ length: n }, (_, i) => i * 1000),
      length: new Uint32Array(n),
      journey: Int32Array.from({ length: n }, (_, i) => i >> 3),
      hop: new Int16Array(n),
      proto: new Uint8Array(n),
      status: new Uint8Array(n),
    };
    const t0 = performance.now();
    s.apply(b);
    const ms = performance.now() - t0;
    expect(s.captureCount(7)).toBe(n / 8);
    expect(s.findJourneyInCapture(5, 124_999)).toBe(124_999);
    expect(ms).toBeLessThan(2000);
  });
});

describe('Growable', () => {
  it('grows by doubling and keeps content', () => {
    const g = new Growable(Int32Array, 2);
    for (let i = 0; i < 100; i++) g.push(i - 50);
    expect(g.length).toBe(100);
    expect(g.data.length).toBe(128);
    expect(g.view()[99]).toBe(49);
  });
});

describe('app store helpers', () => {
  it('globs match whole names, with * and ?, and nothing else is special', () => {
    expect(globToRegExp('cali*').test('cali1234567890a')).toBe(true);
    expect(globToRegExp('cali*').test('xcali1')).toBe(false);
    expect(globToRegExp('flannel.?').test('flannel.1')).toBe(true);
    expect(globToRegExp('flannel.?').test('flannelx1')).toBe(false);
    expect(globToRegExp('a(b)').test('a(b)')).toBe(true);
  });

  it('turns counter samples into packets/s series for the sparklines', () => {
    const c = (packets: number) => ({
      node: 'n',
      iface: 'e',
      packets,
      bytes: 0,
      drops: 0,
      state: 'running' as const,
      error: null,
    });
    const a = { sessionId: 's', elapsedMs: 1000, running: true, nodes: ['n'], counters: [c(10)] };
    const b = { sessionId: 's', elapsedMs: 1500, running: true, nodes: ['n'], counters: [c(60)] };
    const r1 = pushRates(new Map(), null, a);
    const r2 = pushRates(r1, a, b);
    expect(r2.get('n/e')).toEqual([10, 100]);
  });
});

describe('controller: nodes', () => {
  it('a removed node’s interfaces leave the capture selection (Start named a node that was gone)', async () => {
    const nodes: NodeInfo[] = ['node-1', 'node-2'].map((name) => ({
      name,
      target: name,
      state: 'connected',
      error: null,
      interfaces: [],
    }));
    const api: Record<string, unknown> = {};
    for (const m of API_METHODS) api[m] = () => Promise.resolve({ ok: true, value: null });
    api.listNodes = () => Promise.resolve({ ok: true, value: nodes });
    const store = new AppStore();
    const ctl = new Controller(api as unknown as HopscopeApi, store);
    const key = (n: string, i: string) => `${n}\u0000${i}`;
    store.set({ chosen: new Set([key('node-1', 'ens33'), key('node-2', 'ens33'), key('node-2', 'cni0')]) });
    await ctl.refreshNodes();
    expect(store.get().chosen.size).toBe(3);
    nodes.pop(); // node-2 removed
    await ctl.refreshNodes();
    expect([...store.get().chosen]).toEqual([key('node-1', 'ens33')]);
    expect(store.get().nodes.map((n) => n.name)).toEqual(['node-1']);
  });
});
