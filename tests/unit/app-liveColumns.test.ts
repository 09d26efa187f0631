// The live correlator's per-row journey and hop columns are updated incrementally (only rows that can have
// changed are visited, journeys frozen by the window keep theirs). Property: after every snapshot, the columns
// the main side holds (built from the snapshots' changed ranges alone) equal columns computed from scratch from
// that snapshot's result, whatever the lanes' pace, the quiet lanes, late rows, replays and duplicated frames.
// The main side's packet columns keep every row's time, lengths and file offset exact.
import fs, { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { LiveCorrelator, QUIET_MS } from '../../main/app/liveCorrelator.ts';
import { LiveSession } from '../../main/app/liveSession.ts';
import type { LiveRows } from '../../main/app/liveCorrelatorProtocol.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { fixtureCopy, shiftRecord, type PcapRecord } from './correlate-helpers.ts';
import { lanesFor } from './app-helpers.ts';
import { tempDir } from '../tempDir.ts';

const PCAP_HEADER = 24;

/**
 * flannel-vxlan replayed 25 ms and 52 ms later, and every 5th record again 30 ms later: within the duplicate
 * window set below (40 ms, longer than the window's ~10 ms lag) a doubled frame can join a journey frozen since.
 * node-1's ens33 stamps its packets 60 ms late (within the 100 ms a node's rows of one packet may lie apart):
 * its rows, delivered but not grouped yet, join journeys that froze meanwhile.
 */
function staged(): string {
  const dir = fixtureCopy('flannel-vxlan', {
    transform: (file, records) => {
      const out: PcapRecord[] = [];
      const late = file === 'node-1__ens33.pcap' ? 60e6 : 0;
      for (const shift of [0, 25e6, 52e6])
        records.forEach((r, i) => {
          out.push(shiftRecord(r, shift + late));
          if (i % 5 === 0) out.push(shiftRecord(r, shift + late + 30e6));
        });
      return out.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec);
    },
  });
  return dir;
}

/** Where each record of a classic pcap ends. */
function recordEnds(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends: number[] = [];
  for (let p = PCAP_HEADER; p + 16 <= bytes.length; p += 16 + dv.getUint32(p + 8, true)) {
    ends.push(p + 16 + dv.getUint32(p + 8, true));
  }
  return ends;
}

describe('live journey columns', () => {
  const src = staged();
  const names = readdirSync(src)
    .filter((f) => f.endsWith('.pcap'))
    .sort();
  const full = names.map((f) => new Uint8Array(readFileSync(path.join(src, f))));
  const ends = full.map(recordEnds);

  it('equal columns recomputed from each snapshot, whatever the delivery', () => {
    let froze = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Per lane: how many eighths of its records it delivers in this step.
            go: fc.array(fc.integer({ min: 0, max: 3 }), {
              minLength: names.length,
              maxLength: names.length,
            }),
            // Wall time until the poll: past QUIET_MS, lanes that got nothing stop holding the watermark back.
            ms: fc.integer({ min: 0, max: QUIET_MS * 1.5 }),
          }),
          { minLength: 3, maxLength: 14 },
        ),
        (steps) => {
          const dir = tempDir('hs-livecols-');
          const lanes = lanesFor(names, dir);
          let clock = 0;
          const lc = new LiveCorrelator({
            id: 'l',
            title: 'l',
            dir,
            lanes,
            baseSec: 0,
            now: () => clock,
            correlate: { maxSkewNs: 20e6, crossWindowNs: 5e6, dupWindowNs: 40e6 },
          });
          const live = new LiveSession('l', 'l', dir, lanes, 0);
          const sent = names.map(() => 0);
          const written = names.map(() => 0);
          const step = (go: number[] | null, ms: number) => {
            names.forEach((_, i) => {
              const n = go
                ? Math.min(ends[i].length, sent[i] + Math.ceil((go[i] * ends[i].length) / 8))
                : ends[i].length;
              const to = n ? ends[i][n - 1] : PCAP_HEADER;
              if (to > written[i] || written[i] === 0) {
                appendFileSync(lanes[i].file, full[i].subarray(written[i], Math.max(to, PCAP_HEADER)));
                written[i] = Math.max(to, PCAP_HEADER);
              }
              sent[i] = n;
            });
            clock += ms;
            const rows = lc.poll();
            if (rows) live.addRows(rows);
            live.adoptJourneys(lc.snapshot(go === null));
            if (lc.window.frozen > froze) froze = lc.window.frozen;
            // The main side's columns against a from-scratch index of the same result.
            const fresh = new LoadedSession('x', 'x', dir, lc.correlator, lc.result!, []);
            fresh.frames.close();
            const got = live.batch(0, live.count);
            expect(live.count).toBe(fresh.count);
            expect(Array.from(got.journey)).toEqual(Array.from(fresh.journeyCol));
            expect(Array.from(got.hop)).toEqual(Array.from(fresh.hopCol));
          };
          for (const s of steps) step(s.go, s.ms);
          step(null, QUIET_MS);
          lc.close();
        },
      ),
      { numRuns: 40, seed: 20261126 },
    );
    expect(froze).toBeGreaterThan(0);
  });
});

describe('live packet times', () => {
  function rows(from: number, sec: number[], nsec: number[]): LiveRows {
    const n = sec.length;
    return {
      from,
      capture: new Uint16Array(n),
      tsSec: Float64Array.from(sec),
      tsNsec: Uint32Array.from(nsec),
      origLen: new Uint32Array(n).fill(60),
      caplen: new Uint32Array(n).fill(60),
      proto: new Uint8Array(n),
      status: new Uint8Array(n),
      fileOffset: new Float64Array(n),
      lanes: [{ linkType: 1, packets: n, problems: [] }],
    };
  }
  const epoch = (s: number, ns: number) => (BigInt(s) * 1_000_000_000n + BigInt(ns)).toString();

  it('keep every row exact to the ns: near the base from its relative time, and once a clock is off by years', () => {
    const base = 1_700_000_000;
    const live = new LiveSession(
      't',
      't',
      '/nonexistent',
      [{ node: 'n', iface: 'eth0', file: 'n.pcap' }],
      base,
    );
    // Near the base (within the 2^53 ns a double holds exactly), then 1970, the edges and 2106 (u32 seconds).
    const near = { sec: [base - 9_000_000 + 1, base, base + 12, base - 1], nsec: [999_999_999, 0, 7, 1] };
    const far = {
      sec: [0, base - 9_000_001, base + 9_000_000, 4_294_967_295, base + 3],
      nsec: [1, 123_456_789, 500_000_001, 999_999_999, 5],
    };
    const batch = live.addRows(rows(0, near.sec, near.nsec));
    near.sec.forEach((s, i) => expect(live.tsNsString(i)).toBe(epoch(s, near.nsec[i])));
    // What the UI gets stays ns since the base.
    expect(Array.from(batch.tsNs)).toEqual([-8_999_999e9 + 999_999_999, 0, 12e9 + 7, -1e9 + 1]);
    live.addRows(rows(4, far.sec, far.nsec));
    const all = { sec: [...near.sec, ...far.sec], nsec: [...near.nsec, ...far.nsec] };
    all.sec.forEach((s, i) => expect(live.tsNsString(i)).toBe(epoch(s, all.nsec[i])));
    live.addRows(rows(9, [base + 1], [2]));
    expect(live.tsNsString(9)).toBe(epoch(base + 1, 2));
  });
});

describe('live packet lengths and offsets', () => {
  it('stay narrow until a frame over 64 KiB or an offset past 4 GiB arrives, then keep every row exact', () => {
    // A sparse capture file: a classic pcap header, a 60-byte frame at byte 24, and a 70,000-byte one at 5 GiB.
    const file = path.join(tempDir('hs-livelen-'), 'n.pcap');
    const far = 5 * 2 ** 32 + 1000;
    const small = Uint8Array.from({ length: 60 }, (_, i) => i);
    const big = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, new Uint8Array(24).fill(0), 0, 24, 0);
    fs.writeSync(fd, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]), 0, 4, 0);
    fs.writeSync(fd, small, 0, 60, 24 + 16);
    fs.writeSync(fd, big, 0, big.length, far + 16);
    fs.closeSync(fd);
    const live = new LiveSession(
      't',
      't',
      '/nonexistent',
      [{ node: 'n', iface: 'eth0', file }],
      1_700_000_000,
    );
    const rows = (from: number, len: number[], offset: number[]): LiveRows => ({
      from,
      capture: new Uint16Array(len.length),
      tsSec: new Float64Array(len.length).fill(1_700_000_001),
      tsNsec: new Uint32Array(len.length),
      origLen: Uint32Array.from(len),
      caplen: Uint32Array.from(len),
      proto: new Uint8Array(len.length),
      status: new Uint8Array(len.length),
      fileOffset: Float64Array.from(offset),
      lanes: [{ linkType: 1, packets: len.length, problems: [] }],
    });
    live.addRows(rows(0, [60, 65_535], [24, 4_294_967_295]));
    const batch = live.addRows(rows(2, [70_000, 60], [far, 24]));
    const lens = [60, 65_535, 70_000, 60];
    lens.forEach((n, i) => {
      expect(live.origLenOf(i)).toBe(n);
      expect(live.caplenOf(i)).toBe(n);
    });
    expect(batch.length).toBeInstanceOf(Uint32Array);
    expect(Array.from(batch.length)).toEqual([70_000, 60]);
    expect(Array.from(live.batch(0, 4).length)).toEqual(lens);
    // The frames come from where each row's offset says: the one past 4 GiB read whole.
    expect(Array.from(live.frame(0))).toEqual(Array.from(small));
    expect(live.frame(2).length).toBe(big.length);
    expect(Buffer.from(live.frame(2)).equals(Buffer.from(big))).toBe(true);
    expect(Array.from(live.frame(3))).toEqual(Array.from(small));
    live.close();
  });
});
