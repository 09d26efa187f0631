// Opening a large session through the session worker: the panes' packets (and their summaries) are served
// before correlation completes, the back end answers other requests meanwhile, and the journeys that follow
// refresh the same rows in place. Data: the bench generator's flannel-vxlan path set, 8 × 12,500 packets.

import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { AppService } from '../../main/app/service.ts';
import { PREVIEW_MIN_PACKETS } from '../../main/app/sessionHandle.ts';
import type { PacketBatch, SessionInfo, SessionProgress } from '../../preload/api.ts';
import { ok } from './app-helpers.ts';
import { tempDir } from '../tempDir.ts';

const JOURNEYS = 12_500; // 8 hops each: 100,000 packets, the preview threshold
let dir: string;
let svc: AppService;

beforeAll(() => {
  dir = tempDir('hs-worker-');
  generate({ outDir: dir, journeys: JOURNEYS, extras: false });
  svc = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
}, 60_000);

afterAll(async () => {
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('session worker', () => {
  it('shows packets first, answers while correlating, then fills journeys into the same rows', async () => {
    expect(JOURNEYS * 8).toBeGreaterThanOrEqual(PREVIEW_MIN_PACKETS);
    const progress: SessionProgress[] = [];
    svc.on('sessionProgress', (p) => progress.push(p as SessionProgress));
    const changed = new Promise<SessionInfo>((resolve) =>
      svc.on('sessionChanged', (s) => resolve(s as SessionInfo)),
    );

    const s = await ok<SessionInfo>(svc.call('openPaths', { paths: [path.join(dir, 'path')] }));
    expect(s).toMatchObject({ packets: JOURNEYS * 8, journeys: 0, correlating: true, rowsRevision: 1 });
    expect(s.captures).toHaveLength(8);
    expect(s.captures.every((c) => c.packets === JOURNEYS)).toBe(true);
    expect(progress.some((p) => p.phase === 'reading' && p.sessionId === s.id)).toBe(true);

    // Before journeys exist: packets and their summaries, and other requests, are answered.
    const b = await ok<PacketBatch>(svc.call('getPackets', { sessionId: s.id, from: 0, count: 1000 }));
    expect(b.capture.length).toBe(1000);
    expect([...b.journey.slice(0, 10)]).toEqual(new Array(10).fill(-1));
    const sums = await ok<string[]>(svc.call('getSummaries', { sessionId: s.id, indices: [0, 50_000] }));
    expect(sums.every((x) => /ICMP|Flags|VXLAN|>/.test(x))).toBe(true);
    const info = await ok<{ version: string }>(svc.call('appInfo', undefined));
    expect(info.version).toMatch(/\d/);
    const stillCorrelating = svc.sessions.get(s.id)!.correlating;

    const done = await changed;
    expect(done).toMatchObject({
      id: s.id,
      packets: s.packets,
      journeys: JOURNEYS,
      correlating: false,
      rowsRevision: 1,
    });
    expect(done.revision).toBeGreaterThan(s.revision);
    expect(progress.at(-1)).toMatchObject({ phase: 'ready', sessionId: s.id });
    // Correlation reports its steps: reading (bytes of every file), grouping, linking.
    const steps = progress.filter((p) => p.sessionId === s.id && p.phase === 'correlating' && p.stage);
    expect(steps[0].stage).toBe('reading');
    expect(steps.slice(-2).map((p) => p.stage)).toEqual(['grouping', 'linking']);
    const reads = steps.filter((p) => p.stage === 'reading');
    const bytes = readdirSync(path.join(dir, 'path')).reduce(
      (n, f) => n + statSync(path.join(dir, 'path', f)).size,
      0,
    );
    expect(reads.at(-1)).toMatchObject({ done: bytes, total: bytes });
    for (let i = 1; i < reads.length; i++) expect(reads[i].done).toBeGreaterThanOrEqual(reads[i - 1].done);
    // The same rows, now with their journeys: every packet belongs to one 8-hop journey.
    const after = await ok<PacketBatch>(
      svc.call('getPackets', { sessionId: s.id, from: 0, count: s.packets }),
    );
    expect([...after.capture.slice(0, 1000)]).toEqual([...b.capture]);
    expect([...after.tsNs.slice(0, 1000)]).toEqual([...b.tsNs]);
    expect(after.journey.every((j) => j >= 0 && j < JOURNEYS)).toBe(true);
    const page = await ok<{ total: number; items: { hops: number }[] }>(
      svc.call('listJourneys', { sessionId: s.id, filter: '', from: 0, count: 5 }),
    );
    expect(page.total).toBe(JOURNEYS);
    expect(page.items.every((j) => j.hops === 8)).toBe(true);
    // The worker's hop list points at rows that carry that journey in the columns this thread serves.
    const j0 = await ok<{ hopList: { packet: number }[] }>(
      svc.call('getJourney', { sessionId: s.id, journeyId: 0 }),
    );
    expect(after.journey[j0.hopList[3].packet]).toBe(0);
    // Typically still correlating at that point on any machine (100k packets take ~0.3 s); logged, not asserted.
    if (!stillCorrelating) console.warn('correlation finished before the first requests were answered');
  }, 60_000);

  it('reports an unreadable input as error data, not a crash', async () => {
    const r = await svc.call('openPaths', { paths: [path.join(dir, 'nope.pcap')] });
    expect(!r.ok && r.error.code).toBe('FILE_NOT_FOUND');
  });
});
