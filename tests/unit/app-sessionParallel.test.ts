// The app's session worker reading with ingest workers of its own (nested worker threads; on a machine with 3 or
// more CPUs this is the default for large sessions): the journeys are those of a one-thread read. Forced here on
// a small generated set with HOPSCOPE_INGEST_THREADS / HOPSCOPE_INGEST_MIN_BYTES, which the workers inherit.

import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { AppService } from '../../main/app/service.ts';
import { correlateInputs } from '../../main/session/ingest.ts';
import { loadInputs } from '../../main/session/inputs.ts';
import type { JourneyView, SessionInfo } from '../../preload/api.ts';
import { ok } from './app-helpers.ts';
import { tempDir } from '../tempDir.ts';

const JOURNEYS = 2_000;
let dir: string;
let svc: AppService;
const saved = { threads: process.env.HOPSCOPE_INGEST_THREADS, min: process.env.HOPSCOPE_INGEST_MIN_BYTES };

beforeAll(() => {
  dir = tempDir('hs-sessionpar-');
  generate({ outDir: dir, journeys: JOURNEYS, extras: false, seed: 11 });
  // Set before the service starts its (spare) session worker: a worker copies the environment when it starts.
  process.env.HOPSCOPE_INGEST_THREADS = '2';
  process.env.HOPSCOPE_INGEST_MIN_BYTES = '0';
  svc = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
}, 60_000);

afterAll(async () => {
  await svc.close();
  for (const [k, v] of [
    ['HOPSCOPE_INGEST_THREADS', saved.threads],
    ['HOPSCOPE_INGEST_MIN_BYTES', saved.min],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  rmSync(dir, { recursive: true, force: true });
});

describe('session worker with ingest workers', () => {
  it('reads on two threads and finds the journeys one thread finds', async () => {
    const s = await ok<SessionInfo>(svc.call('openPaths', { paths: [path.join(dir, 'path')] }));
    expect(s.journeys).toBe(JOURNEYS);
    expect(svc.sessions.get(s.id)!.ingestThreads).toBe(2);

    const inputs = loadInputs([path.join(dir, 'path')]);
    if (!inputs.ok) throw new Error(inputs.error.message);
    const one = correlateInputs(inputs.value, { threads: 1 });
    expect(one.threads).toBe(1);
    expect(one.result.journeyCount).toBe(JOURNEYS);
    for (const k of [0, 777, JOURNEYS - 1]) {
      const j = await ok<JourneyView>(svc.call('getJourney', { sessionId: s.id, journeyId: k }));
      expect(j.hopList.map((h) => h.packet)).toEqual([...one.result.journeyRows(k)]);
    }
  }, 60_000);
});
