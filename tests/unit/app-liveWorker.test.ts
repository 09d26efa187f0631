// The live-correlation worker thread, as LiveCapture runs it: eight per-interface captures of a two-node
// flannel-vxlan path (the bench generator's, 25,000 journeys = 200,000 packets) grow in three steps while the
// worker tails them, posts rows and takes snapshots. The main thread only merges columns: a timer on it keeps
// firing while the worker's large snapshots run, and once the lanes are quiet the journeys equal a batch
// correlation of the same files.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { LiveCorrelatorHandle } from '../../main/app/liveCorrelatorHandle.ts';
import type { LiveJourneys } from '../../main/app/liveCorrelatorProtocol.ts';
import { LiveSession } from '../../main/app/liveSession.ts';
import { buildSession } from '../../main/app/sessionBuild.ts';
import { JourneyMatch } from './app-helpers.ts';
import { laneOrdinals } from './correlate-helpers.ts';
import { tempDir } from '../tempDir.ts';

const JOURNEYS = 25_000;
const work = tempDir('hs-liveworker-');

describe('live correlation worker', () => {
  it('correlates growing captures off the main thread and settles on the batch journeys', async () => {
    const m = generate({ outDir: path.join(work, 'gen'), journeys: JOURNEYS, extras: false });
    const dir = path.join(work, 'live');
    const files = m.path.map((f) => ({ ...f, bytes: readFileSync(path.join(work, 'gen', f.path)) }));
    const lanes = files.map((f) => ({
      node: f.node,
      iface: f.iface,
      file: path.join(dir, path.basename(f.path)),
    }));
    const total = files.reduce((n, f) => n + f.packets, 0);
    expect(total).toBe(JOURNEYS * 8);
    mkdirSync(dir);

    const live = new LiveSession('w', 'w', dir, lanes, 1_767_225_600);
    const handle = new LiveCorrelatorHandle();
    const snaps: LiveJourneys[] = [];
    let failed: string | null = null;
    let gotRows!: () => void;
    const firstRows = new Promise<void>((r) => (gotRows = r));
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    handle.start(
      { id: 'w', title: 'w', dir, lanes, baseSec: live.baseSec, pollMs: 20, correlateMs: 50, quietMs: 400 },
      {
        rows: (r) => {
          live.addRows(r);
          gotRows();
        },
        journeys: (j) => {
          live.adoptJourneys(j);
          snaps.push(j);
          if (j.settled && j.rows === total) settle();
        },
        error: (e) => (failed = `${e.code}: ${e.message}`),
      },
    );
    live.source = handle;

    // The main thread's pulse: a 5 ms timer's firings (ms since the epoch, comparable with the worker's).
    const fired: number[] = [];
    const pulse = setInterval(() => fired.push(performance.timeOrigin + performance.now()), 5);

    // Three steps, each a third of every file (cut anywhere, mid-record included): the first once the worker
    // runs, the others 300 ms apart.
    const written = files.map(() => 0);
    for (let step = 1; step <= 3; step++) {
      files.forEach((f, i) => {
        const to = Math.floor((f.bytes.length * step) / 3);
        appendFileSync(lanes[i].file, f.bytes.subarray(written[i], to));
        written[i] = to;
      });
      if (step === 1) await firstRows;
      await new Promise((r) => setTimeout(r, 300));
    }
    await Promise.race([
      settled,
      new Promise((_, no) => setTimeout(() => no(new Error('never settled')), 20_000)),
    ]);
    clearInterval(pulse);
    expect(failed).toBeNull();

    // The largest snapshot: had it run on the main thread, the timer could not have fired while it ran.
    const big = snaps.reduce((a, b) => (b.costMs > a.costMs ? b : a));
    const during = fired.filter((t) => t > big.startedAt && t < big.startedAt + big.costMs).length;
    let maxGap = 0;
    for (let i = 1; i < fired.length; i++) maxGap = Math.max(maxGap, fired[i] - fired[i - 1]);
    console.log(
      `[live worker] ${total} packets, ${snaps.length} snapshots (${snaps.map((s) => `${s.rows}:${s.costMs.toFixed(0)}ms`).join(' ')}); ` +
        `the main thread's 5 ms timer fired ${during} times during the largest; its longest gap ${maxGap.toFixed(0)} ms`,
    );
    expect(big.costMs).toBeGreaterThan(40);
    expect(during).toBeGreaterThanOrEqual(2);
    // Snapshots came while the files were still growing, not only at the end.
    expect(snaps.some((s) => s.journeys > 0 && s.rows < total)).toBe(true);
    // The window's counts come along: frozen journeys only accumulate, and with both directions of traffic the
    // clocks are bounded, so no cut was forced.
    for (let i = 0; i < snaps.length; i++) {
      expect(snaps[i].window.frozen).toBeLessThanOrEqual(snaps[i].journeys);
      if (i > 0) expect(snaps[i].window.frozen).toBeGreaterThanOrEqual(snaps[i - 1].window.frozen);
      expect(snaps[i].window.forcedCuts).toBe(0);
    }
    console.log(`[live worker] frozen per snapshot: ${snaps.map((s) => s.window.frozen).join(' ')}`);

    // The settled live journeys are the batch's, row by row (rows keyed by interface and record number).
    const batch = buildSession([dir], undefined, 'batch');
    expect(live.info().journeys).toBe(batch.result.journeyCount);
    expect(live.info().journeys).toBe(JOURNEYS);
    const expected = new Map<string, number>();
    const br = batch.result.rows;
    const laneOf = new Map(lanes.map((l, i) => [`${l.node}/${l.iface}`, i]));
    const record = laneOrdinals(batch.result);
    for (let r = 0; r < batch.count; r++) {
      const cap = batch.result.captures[br.capture[r]];
      expected.set(`${laneOf.get(`${cap.node}/${cap.iface}`)}#${record[r]}`, r);
    }
    const all = live.batch(0, live.count);
    expect(all.capture.length).toBe(total);
    const perLane = lanes.map(() => 0);
    const match = new JourneyMatch();
    for (let i = 0; i < total; i++) {
      const c = all.capture[i];
      const r = expected.get(`${c}#${perLane[c]++}`)!;
      match.row(all.journey[i], all.hop[i], batch.journeyCol[r], batch.hopCol[r]);
    }
    expect(match.mismatches).toBe(0);
    // Journeys that froze while node-2's offset was still being narrowed may be numbered in a slightly different
    // order than the batch's (a request and a reply starting µs apart on different nodes): a few at most.
    expect(match.renumbered).toBeLessThan(JOURNEYS / 100);

    // Journey queries are answered by the worker, with our packet indices.
    const page = await live.findJourneys('', 0, 3);
    expect(page.total).toBe(JOURNEYS);
    const v = await live.journey(page.items[1].id);
    expect(v.hopList).toHaveLength(8);
    for (const h of v.hopList) expect(all.journey[h.packet]).toBe(v.id);

    await handle.drain();
    handle.close();
  }, 60_000);
});
