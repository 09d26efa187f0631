// The live correlator's per-row journey and hop columns are updated incrementally (only rows that can have
// changed are visited, journeys frozen by the window keep theirs). Property: after every snapshot, the columns
// the main side holds (built from the snapshots' changed ranges alone) equal columns computed from scratch from
// that snapshot's result, whatever the lanes' pace, the quiet lanes, late rows, replays and duplicated frames.
// The main side reads every row's time, lengths and file offset exact from the worker's shared columns.
import fs, { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { LiveCorrelator, QUIET_MS } from '../../main/app/liveCorrelator.ts';
import { LiveSession } from '../../main/app/liveSession.ts';
import type { LiveColumns, LiveRows } from '../../main/app/liveCorrelatorProtocol.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { fixtureCopy, readPcap, shiftRecord, writePcap, type PcapRecord } from './correlate-helpers.ts';
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
  const epoch = (s: number, ns: number) => (BigInt(s) * 1_000_000_000n + BigInt(ns)).toString();

  it('keep every row exact to the ns: near the base from its column time, and once a clock is off by years', () => {
    const base = 1_700_000_000;
    // A lab frame (real bytes) stamped at times near the capture's base, then 1970, the edges of what a double
    // of ns since the worker's base (the first packet's second) holds, and 2106 (u32 seconds).
    const src = readPcap(
      path.join(
        'tests/fixtures/flannel-vxlan',
        readdirSync('tests/fixtures/flannel-vxlan').find((f) => f.endsWith('.pcap'))!,
      ),
    );
    const frame = src.records[0];
    const near = { sec: [base - 9_000_000 + 1, base, base + 12, base - 1], nsec: [999_999_999, 0, 7, 1] };
    const far = {
      sec: [0, base - 9_000_001, base + 9_000_000, 4_294_967_295, base + 3],
      nsec: [1, 123_456_789, 500_000_001, 999_999_999, 5],
    };
    const dir = tempDir('hs-livetimes-');
    const file = path.join(dir, 'n__eth0.pcap');
    const lanes = [{ node: 'n', iface: 'eth0', file }];
    const header = src.header.slice();
    new DataView(header.buffer).setUint32(0, 0xa1b23c4d, true); // nanosecond timestamps
    const part = path.join(dir, 'part');
    // Appends records stamped at these times to the growing capture (its header first).
    const write = (t: { sec: number[]; nsec: number[] }) => {
      const records = t.sec.map((sec, i) => ({ ...frame, sec, nsec: t.nsec[i] }));
      writePcap(part, { header, nano: true, records });
      const bytes = readFileSync(part);
      appendFileSync(file, fs.existsSync(file) ? bytes.subarray(PCAP_HEADER) : bytes);
    };
    const lc = new LiveCorrelator({ id: 't', title: 't', dir, lanes, baseSec: base });
    const live = new LiveSession('t', 't', dir, lanes, base);
    write(near);
    const batch = live.addRows(lc.poll()!);
    near.sec.forEach((s, i) => expect(live.tsNsString(i)).toBe(epoch(s, near.nsec[i])));
    // What the UI gets stays ns since the capture's base.
    expect(Array.from(batch.tsNs)).toEqual([-8_999_999e9 + 999_999_999, 0, 12e9 + 7, -1e9 + 1]);
    write(far);
    const r = lc.poll()!;
    expect(r.far?.row.length).toBeGreaterThan(0);
    live.addRows(r);
    const all = { sec: [...near.sec, ...far.sec], nsec: [...near.nsec, ...far.nsec] };
    all.sec.forEach((s, i) => expect(live.tsNsString(i)).toBe(epoch(s, all.nsec[i])));
    write({ sec: [base + 1], nsec: [2] });
    live.addRows(lc.poll()!);
    expect(live.tsNsString(9)).toBe(epoch(base + 1, 2));
    lc.close();
    live.close();
  });
});

describe('live packet lengths and offsets', () => {
  it('are read from the worker columns sent last, which widen when a frame over 64 KiB or an offset past 4 GiB arrives', () => {
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
    const base = 1_700_000_000;
    const live = new LiveSession('t', 't', '/nonexistent', [{ node: 'n', iface: 'eth0', file }], base);
    // The worker's columns as a published table has them: narrow first, then widened copies of the same rows.
    const columns = (n: number, len: number[], offset: number[], wide: boolean): LiveColumns => ({
      capture: new Uint16Array(n),
      t: new Float64Array(n).fill(1e9),
      caplen: wide ? Uint32Array.from(len) : Uint16Array.from(len),
      origLen: wide ? Uint32Array.from(len) : Uint16Array.from(len),
      protoCol: new Uint8Array(n),
      flags: new Uint8Array(n),
      fileOffset: wide ? Float64Array.from(offset) : Uint32Array.from(offset),
    });
    const msg = (from: number, to: number, cols: LiveColumns | null): LiveRows => ({
      from,
      to,
      baseSec: base,
      columns: cols,
      far: null,
      lanes: [{ linkType: 1, packets: to, problems: [] }],
      limit: null,
    });
    const narrow = columns(4, [60, 65_535, 0, 0], [24, 4_294_967_295, 0, 0], false);
    live.addRows(msg(0, 2, narrow));
    expect(() => live.addRows(msg(2, 5, null))).toThrow(/without columns/);
    const lens = [60, 65_535, 70_000, 60];
    const batch = live.addRows(msg(2, 4, columns(8, lens, [24, 4_294_967_295, far, 24], true)));
    lens.forEach((n, i) => {
      expect(live.origLenOf(i)).toBe(n);
      expect(live.caplenOf(i)).toBe(n);
    });
    expect(batch.length).toBeInstanceOf(Uint32Array);
    expect(Array.from(batch.length)).toEqual([70_000, 60]);
    expect(Array.from(live.batch(0, 4).length)).toEqual(lens);
    expect(Array.from(live.batch(0, 4).tsNs)).toEqual([1e9, 1e9, 1e9, 1e9]);
    // The frames come from where each row's offset says: the one past 4 GiB read whole.
    expect(Array.from(live.frame(0))).toEqual(Array.from(small));
    expect(live.frame(2).length).toBe(big.length);
    expect(Buffer.from(live.frame(2)).equals(Buffer.from(big))).toBe(true);
    expect(Array.from(live.frame(3))).toEqual(Array.from(small));
    live.close();
  });

  it('reach the main side through the shared columns when the worker widens them mid-capture', () => {
    // A lab frame, then one padded to 70,000 bytes (a GRO/TSO super-frame as tcpdump records it), then the first
    // again: the worker's length columns widen after rows were sent.
    const src = readPcap(path.join('tests/fixtures/flannel-vxlan', 'node-1__ens33.pcap'));
    const dir = tempDir('hs-livewide-');
    const file = path.join(dir, 'node-1__ens33.pcap');
    const lanes = [{ node: 'node-1', iface: 'ens33', file }];
    const a = src.records[0];
    const bigData = new Uint8Array(70_000);
    bigData.set(src.records[1].data);
    const b = { ...src.records[1], data: bigData, origLen: 70_000 };
    const lc = new LiveCorrelator({ id: 'w', title: 'w', dir, lanes, baseSec: a.sec });
    const live = new LiveSession('w', 'w', dir, lanes, a.sec);
    writePcap(file, { ...src, records: [a] }, 262_144);
    const first = lc.poll()!;
    expect(first.columns?.origLen).toBeInstanceOf(Uint16Array);
    expect(first.columns?.t.buffer).toBeInstanceOf(SharedArrayBuffer);
    live.addRows(first);
    const grown = path.join(dir, 'grown.pcap');
    writePcap(grown, { ...src, records: [a, b, a] }, 262_144);
    appendFileSync(file, readFileSync(grown).subarray(PCAP_HEADER + 16 + a.data.length));
    const next = lc.poll()!;
    expect(next.columns?.origLen).toBeInstanceOf(Uint32Array);
    live.addRows(next);
    expect([0, 1, 2].map((i) => live.origLenOf(i))).toEqual([a.origLen, 70_000, a.origLen]);
    expect([0, 1, 2].map((i) => live.caplenOf(i))).toEqual([a.data.length, 70_000, a.data.length]);
    expect(Buffer.from(live.frame(1)).equals(Buffer.from(bigData))).toBe(true);
    // Nothing new: the columns sent last hold every row, so none are sent again.
    writePcap(grown, { ...src, records: [a, b, a, a] }, 262_144);
    appendFileSync(file, readFileSync(grown).subarray(PCAP_HEADER + 3 * 16 + 2 * a.data.length + 70_000));
    const last = lc.poll()!;
    expect(last.columns).toBeNull();
    live.addRows(last);
    expect(live.origLenOf(3)).toBe(a.origLen);
    lc.close();
    live.close();
  });
});
