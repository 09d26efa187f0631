// The live view of a capture: files that grow while tcpdump writes them (cut mid-record too) are followed into
// columnar batches of only the new rows, and a correlation of the folder so far is mapped back onto the live
// packets by (file, record). Real lab bytes: the sample session's files, written out in two halves.
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { AppService } from '../../main/app/service.ts';
import { LiveSession } from '../../main/app/liveSession.ts';

const SAMPLE = 'resources/sample-session';
const svc = new AppService({ mode: 'web', resourcesDir: 'resources', configDir: null });
afterAll(() => svc.close());

describe('LiveSession', () => {
  it('follows growing files, then adopts a correlation of them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hs-live-'));
    const pcaps = readdirSync(SAMPLE).filter((f) => f.endsWith('.pcap')).sort();
    for (const f of readdirSync(SAMPLE).filter((f) => f.endsWith('.json'))) copyFileSync(path.join(SAMPLE, f), path.join(dir, f));
    const full = new Map(pcaps.map((f) => [f, readFileSync(path.join(SAMPLE, f))]));
    // First half of every file: most files end inside a record.
    for (const [f, b] of full) writeFileSync(path.join(dir, f), b.subarray(0, Math.floor(b.length / 2)));
    const caps = pcaps.map((f) => {
      const [node, rest] = f.replace(/\.pcap$/, '').split('__');
      return { node, iface: rest, file: path.join(dir, f) };
    });
    const live = new LiveSession('live-1', 'test', dir, caps);

    const first = live.poll()!;
    expect(first.from).toBe(0);
    const n1 = first.capture.length;
    expect(n1).toBeGreaterThan(0);
    expect(n1).toBeLessThan(64);
    expect(live.poll()).toBeNull(); // nothing new

    for (const [f, b] of full) appendFileSync(path.join(dir, f), b.subarray(Math.floor(b.length / 2)));
    const second = live.poll()!;
    expect(second.from).toBe(n1);
    expect(n1 + second.capture.length).toBe(64);
    expect(live.info().packets).toBe(64);
    expect(live.captureInfos().map((c) => c.packets).reduce((a, b) => a + b)).toBe(64);
    // A frame and its summary come from the arena.
    expect(live.frame(0).length).toBe(live.caplenOf(0));

    // Journeys: the folder correlated as it is now, mapped onto the live rows.
    const snap = svc.buildSession([dir], undefined, live.id);
    const all = live.adoptSnapshot(snap);
    expect(all.from).toBe(0);
    expect(all.journey.length).toBe(64);
    expect(live.info().journeys).toBe(snap.result.journeyCount);
    const page = live.findJourneys('echo request', 0, 10);
    expect(page.total).toBe(3);
    const v = live.journey(page.items[0].id);
    expect(v.hopList).toHaveLength(8);
    for (const h of v.hopList) {
      expect(h.packet).toBeGreaterThanOrEqual(0);
      // The mapped packet is that hop's: same interface, same capture timestamp, and the journey column agrees.
      expect(`${caps[all.capture[h.packet]].node}/${caps[all.capture[h.packet]].iface}`).toBe(`${h.node}/${h.iface}`);
      expect(live.tsNsString(h.packet)).toBe(h.tsNs);
      expect(all.journey[h.packet]).toBe(v.id);
    }
    live.close();
  });
});
