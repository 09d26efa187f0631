// How the renderer loads a session's packets: requests pipelined and applied in slices, in global order, and the
// first rows' summaries asked for with their batch. Against the real AppService in-process on the sample session
// (recorded in the lab: a VXLAN ping across two nodes, 8 interfaces), with small chunks to exercise many of them.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AppService } from '../../main/app/service.ts';
import type { HopscopeApi, PacketBatch, SessionInfo } from '../../preload/api.ts';
import { API_EVENTS, API_METHODS } from '../../preload/api.ts';
import {
  Controller,
  firstRowsPerCapture,
  guessedFirstRows,
  sliceBatch,
} from '../../renderer/src/controller.ts';
import { AppStore } from '../../renderer/src/store/appStore.ts';
import { PacketStore } from '../../renderer/src/store/packetStore.ts';
import { tempDir } from '../tempDir.ts';

interface Call {
  method: string;
  req: unknown;
  /** Requests of the same method not yet answered when this one was made. */
  pendingBefore: number;
}

/** HopscopeApi straight onto the back end, noting every request and how many were in flight. */
function recordingApi(b: AppService, calls: Call[]): HopscopeApi {
  const api: Record<string, unknown> = {};
  const pending = new Map<string, number>();
  for (const m of API_METHODS)
    api[m] = async (req?: unknown) => {
      calls.push({ method: m, req, pendingBefore: pending.get(m) ?? 0 });
      pending.set(m, (pending.get(m) ?? 0) + 1);
      try {
        return await b.call(m, req);
      } finally {
        pending.set(m, pending.get(m)! - 1);
      }
    };
  for (const [m, ev] of Object.entries(API_EVENTS)) api[m] = (cb: (p: unknown) => void) => b.on(ev, cb);
  return api as unknown as HopscopeApi;
}

let backend: AppService;
let session: SessionInfo;
let all: PacketBatch;

beforeAll(async () => {
  backend = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
  const r = await backend.call('openSample', undefined);
  if (!r.ok) throw new Error(r.error.message);
  session = r.value as SessionInfo;
  const p = await backend.call('getPackets', { sessionId: session.id, from: 0, count: session.packets });
  if (!p.ok) throw new Error(p.error.message);
  all = p.value as PacketBatch;
}, 60_000);
afterAll(() => backend.close());

describe('Controller loading', () => {
  it('pipelines small chunks, applies them in slices in order, and ends with every row as the server has it', async () => {
    expect(session.packets).toBeGreaterThan(20);
    const calls: Call[] = [];
    const ctl = new Controller(recordingApi(backend, calls), new AppStore(), {
      chunk: 7,
      refreshChunk: 5,
      inFlight: 2,
      applySlice: 3,
      prefetchSummaries: 2,
    });
    let versions = 0;
    ctl.packets.subscribe(() => versions++);
    await ctl.showSession(session);

    const p = ctl.packets;
    expect(p.count).toBe(session.packets);
    expect(Array.from(p.capture.view())).toEqual(Array.from(all.capture));
    expect(Array.from(p.tsNs.view())).toEqual(Array.from(all.tsNs));
    expect(Array.from(p.length.view())).toEqual(Array.from(all.length));
    expect(Array.from(p.journey.view())).toEqual(Array.from(all.journey));
    expect(Array.from(p.hop.view())).toEqual(Array.from(all.hop));
    for (const c of session.captures) {
      const expected = [...all.capture.keys()].filter((i) => all.capture[i] === c.index);
      expect(Array.from(p.byCapture[c.index].view())).toEqual(expected);
    }
    // Every chunk requested once, in order; never more than two in flight; one store change per slice.
    const gets = calls
      .filter((c) => c.method === 'getPackets')
      .map((c) => c.req as { from: number; count: number });
    expect(gets.map((g) => g.from)).toEqual(
      Array.from({ length: Math.ceil(session.packets / 7) }, (_, i) => i * 7),
    );
    expect(gets.reduce((s, g) => s + g.count, 0)).toBe(session.packets);
    expect(
      Math.max(...calls.filter((c) => c.method === 'getPackets').map((c) => c.pendingBefore)),
    ).toBeLessThan(2);
    const slices = gets.reduce((s, g) => s + Math.ceil(g.count / 3), 0);
    expect(versions).toBeGreaterThanOrEqual(slices);
  });

  it('choosing another journey drops a selected packet of another journey, and keeps one of its own', async () => {
    const ctl = new Controller(recordingApi(backend, []), new AppStore());
    await ctl.showSession(session);
    const j = ctl.packets.journey.data;
    const a = [...j.keys()].find((i) => j[i] >= 0)!;
    const b = [...j.keys()].find((i) => j[i] >= 0 && j[i] !== j[a])!;
    ctl.selectPacket(a);
    ctl.selectJourney(j[b]);
    expect(ctl.store.get()).toMatchObject({ selectedJourney: j[b], selectedPacket: -1 });
    ctl.selectPacket(b);
    const sibling = [...j.keys()].find((i) => i !== b && j[i] === j[b]);
    ctl.selectJourney(j[b]);
    expect(ctl.store.get()).toMatchObject({ selectedJourney: j[b], selectedPacket: b });
    if (sibling !== undefined) {
      ctl.selectJourney(j[b], sibling);
      expect(ctl.store.get().selectedPacket).toBe(sibling);
    }
  });

  it('keys in a newly focused pane move from its row of the selected journey; Home/End go to its ends', async () => {
    const ctl = new Controller(recordingApi(backend, []), new AppStore());
    await ctl.showSession(session);
    const pk = ctl.packets;
    const j = pk.journey.data;
    // A journey seen on two captures, at a row past the first of the second one.
    let pick: { a: number; c: number; pos: number } | null = null;
    for (let g = 0; g < pk.count && !pick; g++) {
      if (j[g] < 0) continue;
      for (let c = 0; c < session.captures.length; c++) {
        const pos = pk.findJourneyInCapture(c, j[g]);
        if (c !== pk.capture.data[g] && pos > 0 && pos < pk.captureCount(c) - 1) {
          pick = { a: g, c, pos };
          break;
        }
      }
    }
    expect(pick).not.toBeNull();
    const { a, c, pos } = pick!;
    ctl.selectPacket(a);
    ctl.store.set({ focusedCapture: c });
    ctl.moveSelection(1);
    // From the highlighted row, not from the pane's first (which lost the place).
    expect(ctl.store.get().selectedPacket).toBe(pk.packetOf(c, pos + 1));
    ctl.moveSelection(Infinity);
    expect(ctl.store.get().selectedPacket).toBe(pk.packetOf(c, pk.captureCount(c) - 1));
    ctl.moveSelection(-Infinity);
    expect(ctl.store.get().selectedPacket).toBe(pk.packetOf(c, 0));
    // A packet of no journey selected elsewhere: the row nearest its time.
    const lone = [...j.keys()].find((g) => j[g] < 0 && pk.capture.data[g] !== c);
    if (lone !== undefined) {
      ctl.selectPacket(lone);
      ctl.store.set({ focusedCapture: c });
      ctl.moveSelection(1);
      const at = pk.positionAtTime(c, pk.timeOf(lone));
      expect(ctl.store.get().selectedPacket).toBe(pk.packetOf(c, Math.min(at, pk.captureCount(c) - 1)));
    }
  });

  it("another session starts with no journey filter (the last one's hid its journeys)", async () => {
    const store = new AppStore();
    const ctl = new Controller(recordingApi(backend, []), store);
    await ctl.showSession(session);
    store.set({ journeyFilter: 'igmp' });
    // The same session again (a new revision): the filter stays.
    await ctl.showSession({ ...session });
    expect(store.get().journeyFilter).toBe('igmp');
    const r = await backend.call('openSample', undefined, {});
    if (!r.ok) throw new Error(r.error.message);
    await ctl.showSession(r.value as SessionInfo);
    expect(store.get().journeyFilter).toBe('');
    await ctl.closeSession();
  });

  it('refreshes journey columns in place after a clock override, telling the panes once rather than per slice', async () => {
    const calls: Call[] = [];
    const ctl = new Controller(recordingApi(backend, calls), new AppStore(), {
      chunk: 7,
      refreshChunk: 5,
      applySlice: 2,
    });
    ctl.start();
    try {
      await ctl.showSession(session);
      const loads = calls.filter((c) => c.method === 'getPackets').length;
      let versions = 0;
      ctl.packets.subscribe(() => versions++);
      const node = session.clocks.find((c) => c.node !== session.referenceNode)?.node ?? 'node-2';
      await ctl.setClock(node, 123_456);
      // The back end announces the new revision; the controller refreshes the rows it holds in 5-row requests.
      const refreshes = Math.ceil(session.packets / 5);
      for (
        let i = 0;
        i < 200 && calls.filter((c) => c.method === 'getPackets').length < loads + refreshes;
        i++
      )
        await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      const gets = calls.filter((c) => c.method === 'getPackets').slice(loads);
      expect(gets.map((c) => (c.req as { count: number }).count).reduce((a, b) => a + b, 0)).toBe(
        session.packets,
      );
      expect(Math.max(...gets.map((c) => (c.req as { count: number }).count))).toBe(5);
      // Clock offsets applied (a change or two) and one change for all the refreshed slices.
      expect(versions).toBeGreaterThan(0);
      expect(versions).toBeLessThanOrEqual(4);
      const now = await backend.call('getPackets', {
        sessionId: session.id,
        from: 0,
        count: session.packets,
      });
      if (!now.ok) throw new Error(now.error.message);
      expect(Array.from(ctl.packets.journey.view())).toEqual(Array.from((now.value as PacketBatch).journey));
      expect(ctl.packets.count).toBe(session.packets);
    } finally {
      ctl.stop();
      await backend.call('setClockOverride', { sessionId: session.id, node: 'node-2', offsetNs: null });
    }
  });

  it('a clock override that renumbers the journeys: the selection follows its packet, not its number', async () => {
    const ctl = new Controller(recordingApi(backend, []), new AppStore());
    ctl.start();
    const node = session.clocks.find((c) => c.node !== session.referenceNode)!.node;
    try {
      await ctl.showSession(session);
      const before = Array.from(ctl.packets.journey.view());
      // node-1's last journey, selected by number only (no packet): the anchor is its first packet.
      const onNode1 = (i: number) => session.captures[ctl.packets.capture.data[i]].node !== node;
      const last = Math.max(...before.filter((_, i) => onNode1(i)));
      const first = before.findIndex((j) => j === last);
      ctl.selectJourney(before[first]);
      expect(ctl.store.get()).toMatchObject({ selectedJourney: before[first], selectedPacket: -1 });
      // node-2 1.5 s later: its journeys move past node-1's, which are numbered first.
      await ctl.setClock(node, 1_500_000_000);
      for (let i = 0; i < 300 && ctl.packets.journey.data[first] === before[first]; i++)
        await new Promise((r) => setTimeout(r, 10));
      const now = ctl.packets.journey.data[first];
      expect(now).not.toBe(before[first]); // else this session cannot show it
      for (let i = 0; i < 300 && ctl.store.get().journeyView?.id !== now; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(ctl.store.get().selectedJourney).toBe(now);
      expect(ctl.store.get().journeyView?.id).toBe(now);
      // And a selected packet keeps its own journey through the reset.
      ctl.selectPacket(first);
      await ctl.setClock(node, null);
      for (let i = 0; i < 300 && ctl.packets.journey.data[first] !== before[first]; i++)
        await new Promise((r) => setTimeout(r, 10));
      for (let i = 0; i < 300 && ctl.store.get().selectedJourney !== before[first]; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(ctl.store.get()).toMatchObject({ selectedJourney: before[first], selectedPacket: first });
    } finally {
      ctl.stop();
      await backend.call('setClockOverride', { sessionId: session.id, node, offsetNs: null });
    }
  });

  it("asks for each capture's first rows' summaries with their batch, before any pane renders", async () => {
    const calls: Call[] = [];
    const ctl = new Controller(recordingApi(backend, calls), new AppStore(), { prefetchSummaries: 3 });
    await ctl.showSession(session);
    // Nothing rendered here (no React): any summary request came from the load itself.
    const asked = calls
      .filter((c) => c.method === 'getSummaries')
      .flatMap((c) => (c.req as { indices: number[] }).indices);
    const firstThree = session.captures.flatMap((c) =>
      [...all.capture.keys()].filter((i) => all.capture[i] === c.index).slice(0, 3),
    );
    expect(asked.sort((a, b) => a - b)).toEqual(firstThree.sort((a, b) => a - b));
    // The answers are cached: the tcpdump line the server gives for that packet.
    await new Promise((r) => setTimeout(r, 50));
    const r = await backend.call('getSummaries', { sessionId: session.id, indices: [firstThree[0]] });
    expect(r.ok && (r.value as string[])[0]).toBeTruthy();
    expect(ctl.summaries.get(firstThree[0])).toBe(r.ok ? (r.value as string[])[0] : null);
  });
});

/** A classic pcap with its last record moved to the front (24-byte header, records of 16 bytes + caplen). */
function lastRecordFirst(pcap: Buffer): Buffer {
  const records: Buffer[] = [];
  for (let at = 24; at < pcap.length;) {
    const end = at + 16 + pcap.readUInt32LE(at + 8);
    records.push(pcap.subarray(at, end));
    at = end;
  }
  return Buffer.concat([pcap.subarray(0, 24), records.at(-1)!, ...records.slice(0, -1)]);
}

describe('a capture whose file order is not time order', () => {
  it("every packet of it is found at its time (the timeline's hover and click), the extent spans them all", async () => {
    const dir = tempDir('hs-reordered-');
    const sample = path.join('resources', 'sample-session');
    writeFileSync(
      path.join(dir, 'node-1__ens33.pcap'),
      lastRecordFirst(readFileSync(path.join(sample, 'node-1__ens33.pcap'))),
    );
    writeFileSync(
      path.join(dir, 'node-2__ens33.pcap'),
      readFileSync(path.join(sample, 'node-2__ens33.pcap')),
    );
    // Another client than the one showing the sample (a client's new session releases its last one).
    const r = await backend.call('openPaths', { paths: [dir] }, {});
    if (!r.ok) throw new Error(r.error.message);
    const info = r.value as SessionInfo;
    try {
      const ctl = new Controller(recordingApi(backend, []), new AppStore());
      await ctl.showSession(info);
      const p = ctl.packets;
      const c = info.captures.find((x) => x.iface === 'ens33' && x.node === 'node-1')!.index;
      const n = p.captureCount(c);
      expect(n).toBe(8);
      // File order: the last packet first. Every one is hit at its own time (binary searches of the file order
      // missed two, and at 5 px around the cursor, three).
      const missed = [];
      for (let k = 0; k < n; k++) {
        const g = p.packetOf(c, k);
        if (p.timeOf(p.nearestInCapture(c, p.timeOf(g), 0)) !== p.timeOf(g)) missed.push(k);
      }
      expect(missed).toEqual([]);
      const times = Array.from({ length: n }, (_, k) => p.timeOf(p.packetOf(c, k)));
      expect(p.timeExtent()![1]).toBeGreaterThanOrEqual(Math.max(...times));
      expect(p.timeExtent()![0]).toBeLessThanOrEqual(Math.min(...times));
    } finally {
      await backend.call('closeSession', { sessionId: info.id });
    }
  });
});

describe('load helpers', () => {
  const batch = (from: number, captures: number[]): PacketBatch => ({
    sessionId: 's',
    from,
    capture: Uint16Array.from(captures),
    tsNs: Float64Array.from(captures.map((_, i) => (from + i) * 10)),
    length: new Uint32Array(captures.length).fill(60),
    journey: Int32Array.from(captures.map((_, i) => from + i)),
    hop: new Int16Array(captures.length).fill(-1),
    proto: new Uint8Array(captures.length).fill(1),
    status: new Uint8Array(captures.length),
  });

  it('sliceBatch views rows [at, at + n) with the right global start', () => {
    const b = batch(100, [0, 1, 0, 2, 1]);
    const s = sliceBatch(b, 2, 2);
    expect(s.from).toBe(102);
    expect(Array.from(s.capture)).toEqual([0, 2]);
    expect(Array.from(s.journey)).toEqual([102, 103]);
    expect(Array.from(sliceBatch(b, 4, 10).tsNs)).toEqual([1040]);
    expect(sliceBatch(b, 0, 5)).toBe(b);
  });

  it('guessedFirstRows: the first rows of each capture if captures are runs of indices in capture order', () => {
    const info = {
      captures: [
        { index: 1, packets: 5 },
        { index: 0, packets: 2 },
        { index: 2, packets: 0 },
        { index: 3, packets: 4 },
      ],
    } as unknown as SessionInfo;
    expect(guessedFirstRows(info, 3)).toEqual([0, 1, 2, 3, 4, 7, 8, 9]);
  });

  it('firstRowsPerCapture counts what the store already holds, and skips rows it holds', () => {
    const store = new PacketStore();
    store.reset(3);
    expect(firstRowsPerCapture(batch(0, [0, 0, 1, 0, 2, 1, 1]), store, 2)).toEqual([0, 1, 2, 4, 5]);
    store.apply(batch(0, [0, 1, 1]));
    // Capture 0 has one row, capture 1 two: one more of capture 0, none of 1, two of 2. Rows 0–2 are held.
    expect(firstRowsPerCapture(batch(1, [1, 1, 0, 1, 2, 0, 2, 2]), store, 2)).toEqual([3, 5, 7]);
  });
});

describe('Controller close', () => {
  it("Close drops the view and tells the back end, which ends the session's worker", async () => {
    const calls: Call[] = [];
    const store = new AppStore();
    const ctl = new Controller(recordingApi(backend, calls), store);
    const r = await backend.call('openSample', undefined, {});
    if (!r.ok) throw new Error(r.error.message);
    const s = r.value as SessionInfo;
    await ctl.showSession(s);
    const h = backend.sessions.get(s.id)!;
    await ctl.closeSession();
    expect(store.get().session).toBeNull();
    expect(calls.filter((c) => c.method === 'closeSession').map((c) => c.req)).toEqual([{ sessionId: s.id }]);
    expect(backend.sessions.has(s.id)).toBe(false);
    await h.closed;
    // The session shown before (by another client) is untouched.
    expect(backend.sessions.has(session.id)).toBe(true);
  });
});
