// Sessions are closed when replaced: a client (web page, Electron window) that opens another session ends the
// previous one's worker thread and files, requests already posted to that worker are answered first, requests
// still waiting for its correlation are refused, and a web page that goes away takes its sessions with it.
// Real AppService, real session workers; data: the lab-recorded sample session and the bench generator's path set.

import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generate } from '../../bench/generate.ts';
import { AppService } from '../../main/app/service.ts';
import type { SessionInfo } from '../../preload/api.ts';
import { ok } from './app-helpers.ts';
import { tempDir } from '../tempDir.ts';

let dir: string;
let svc: AppService;

/** Resolves true when the promise settles within `ms`, false otherwise. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

beforeAll(() => {
  dir = tempDir('hs-close-');
  // 100,000 packets: opens with a preview, then correlates in its worker for a while.
  generate({ outDir: dir, journeys: 12_500, extras: false });
  svc = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
}, 60_000);

afterAll(async () => {
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('closing replaced sessions', () => {
  it("a client's new session closes its previous one: worker exited, requests refused", async () => {
    const first = await ok<SessionInfo>(svc.call('openSample', undefined));
    const h = svc.sessions.get(first.id)!;
    await ok(svc.call('getPackets', { sessionId: first.id, from: 0, count: 10 }));
    const second = await ok<SessionInfo>(svc.call('openSample', undefined));
    expect(second.id).not.toBe(first.id);
    expect(await within(h.closed, 10_000)).toBe(true);
    expect(svc.sessions.has(first.id)).toBe(false);
    const r = await svc.call('getPackets', { sessionId: first.id, from: 0, count: 10 });
    expect(r.ok ? null : r.error.message).toMatch(/no open session/);
    await ok(svc.call('getPackets', { sessionId: second.id, from: 0, count: 10 }));
  });

  it("closeSession (the UI's Close) ends the worker at once; closing again or an unknown id is harmless", async () => {
    const page = {};
    const s = await ok<SessionInfo>(svc.call('openSample', undefined, page));
    const h = svc.sessions.get(s.id)!;
    await ok(svc.call('getPackets', { sessionId: s.id, from: 0, count: 10 }));
    expect(await ok(svc.call('closeSession', { sessionId: s.id }, page))).toBeNull();
    expect(await within(h.closed, 10_000)).toBe(true);
    expect(svc.sessions.has(s.id)).toBe(false);
    const r = await svc.call('getSession', { sessionId: s.id }, page);
    expect(r.ok ? null : r.error.message).toMatch(/no open session/);
    expect(await ok(svc.call('closeSession', { sessionId: s.id }, page))).toBeNull();
    expect(await ok(svc.call('closeSession', { sessionId: 'no-such-session' }, page))).toBeNull();
    // The page's next session is its only one: nothing stale is left to close when it goes away.
    const next = await ok<SessionInfo>(svc.call('openSample', undefined, page));
    svc.release(page);
    expect(svc.sessions.has(next.id)).toBe(false);
  });

  it("other clients' sessions stay open; a client that goes away takes its sessions along", async () => {
    const pageA = {};
    const pageB = {};
    const a = await ok<SessionInfo>(svc.call('openSample', undefined, pageA));
    const b = await ok<SessionInfo>(svc.call('openSample', undefined, pageB));
    await ok(svc.call('getJourney', { sessionId: a.id, journeyId: 0 }));
    await ok(svc.call('getJourney', { sessionId: b.id, journeyId: 0 }));
    const ha = svc.sessions.get(a.id)!;
    svc.release(pageA);
    expect(await within(ha.closed, 10_000)).toBe(true);
    expect(svc.sessions.has(a.id)).toBe(false);
    expect(svc.sessions.has(b.id)).toBe(true);
    svc.release(pageB);
    expect(svc.sessions.has(b.id)).toBe(false);
  });

  it('a request already posted to the worker (an export) is answered before the worker ends', async () => {
    const s = await ok<SessionInfo>(svc.call('openSample', undefined));
    const h = svc.sessions.get(s.id)!;
    await h.ready();
    const out = path.join(dir, 'while-closing.pcapng');
    const exported = h.call<{ packets: number }>('exportSession', {
      sessionId: s.id,
      format: 'pcapng',
      clockCorrected: true,
      path: out,
    });
    // Let the request reach the worker, then close.
    await new Promise((r) => setImmediate(r));
    h.close();
    const res = await exported;
    expect(res.packets).toBe(s.packets);
    expect(existsSync(out) && statSync(out).size).toBeGreaterThan(0);
    expect(await within(h.closed, 10_000)).toBe(true);
    await expect(h.call('getJourney', { sessionId: s.id, journeyId: 0 })).rejects.toThrow(/closed/);
  });

  it('a request waiting for correlation is refused at once, and the worker stops correlating', async () => {
    const page = {};
    const big = await ok<SessionInfo>(svc.call('openPaths', { paths: [path.join(dir, 'path')] }, page));
    expect(big.correlating).toBe(true);
    const h = svc.sessions.get(big.id)!;
    const waiting = svc.call('listJourneys', { sessionId: big.id, filter: '', from: 0, count: 5 }, page);
    // Correlating 100,000 packets takes far longer than this turn of the event loop.
    svc.release(page);
    expect(h.correlating).toBe(true);
    const r = await waiting;
    expect(r.ok ? null : r.error.message).toMatch(/is closed/);
    expect(await within(h.closed, 10_000)).toBe(true);
  });
});
