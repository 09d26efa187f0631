// How growing columns grow (main/correlate/columns.ts): doubling, then one reservation of address space on
// Linux, whose untouched pages cost no memory; a reservation that cannot be had falls back to doubling; and the
// row, segment and live-session stores keep every entry across the jump.

import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { Grow } from '../../main/app/liveCorrelatorColumns.ts';
import {
  allocGrown,
  grownCapacity,
  RESERVE_ENTRIES,
  RESERVE_FROM,
  withCapacity,
} from '../../main/correlate/columns.ts';
import { createIdentity } from '../../main/correlate/identity.ts';
import { ObservationTable, PUBLISHED_COLUMNS } from '../../main/correlate/observations.ts';
import { SegmentTable } from '../../main/correlate/segments.ts';
import { createPacketFields } from '../../main/decode/fields.ts';

const LINUX = process.platform === 'linux' && !process.versions.electron;
/** What the stores grow to past RESERVE_FROM entries on this platform. */
const JUMP = LINUX ? RESERVE_ENTRIES : 2 * RESERVE_FROM;

function rssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no VmRSS in /proc/self/status');
  return Number(m[1]) * 1024;
}

describe('grownCapacity', () => {
  it('doubles below RESERVE_FROM, jumps to RESERVE_ENTRIES once past it, and doubles again after', () => {
    expect(grownCapacity(1024, 1025, true)).toBe(2048);
    expect(grownCapacity(1024, 5000, true)).toBe(8192);
    expect(grownCapacity(RESERVE_FROM / 4, RESERVE_FROM / 4 + 1, true)).toBe(RESERVE_FROM / 2);
    expect(grownCapacity(RESERVE_FROM / 2, RESERVE_FROM / 2 + 1, true)).toBe(RESERVE_ENTRIES);
    expect(grownCapacity(RESERVE_FROM, RESERVE_FROM + 1, true)).toBe(RESERVE_ENTRIES);
    expect(grownCapacity(RESERVE_ENTRIES, RESERVE_ENTRIES + 1, true)).toBe(2 * RESERVE_ENTRIES);
    expect(grownCapacity(1024, RESERVE_ENTRIES + 5, true)).toBe(2 * RESERVE_ENTRIES);
    // Without the reservation: plain doubling throughout.
    expect(grownCapacity(RESERVE_FROM, RESERVE_FROM + 1, false)).toBe(2 * RESERVE_FROM);
    expect(grownCapacity(0, 3, false)).toBe(4);
  });

  it('falls back to doubling when the reservation cannot be allocated, and lets other errors through', () => {
    const sizes: number[] = [];
    const got = allocGrown(
      RESERVE_FROM,
      RESERVE_FROM + 1,
      (n) => {
        sizes.push(n);
        if (n === RESERVE_ENTRIES) throw new RangeError('Array buffer allocation failed');
        return n;
      },
      true,
    );
    expect(got).toBe(2 * RESERVE_FROM);
    expect(sizes).toEqual([RESERVE_ENTRIES, 2 * RESERVE_FROM]);
    expect(() =>
      allocGrown(
        RESERVE_FROM,
        RESERVE_FROM + 1,
        () => {
          throw new TypeError('not an allocation failure');
        },
        true,
      ),
    ).toThrow(TypeError);
  });

  it.runIf(LINUX)(
    "costs only the pages written: a reserved column's untouched capacity is not resident",
    () => {
      const before = rssBytes();
      const col = new Float64Array(RESERVE_ENTRIES); // 256 MiB of address space
      col[0] = 1;
      col[RESERVE_ENTRIES - 1] = 2;
      const grown = rssBytes() - before;
      expect(col[0] + col[RESERVE_ENTRIES - 1]).toBe(3);
      expect(grown).toBeLessThan(32 << 20);
    },
  );
});

describe('stores growing past the reservation', () => {
  it('ObservationTable keeps every row', () => {
    const f = createPacketFields();
    const id = createIdentity();
    const t = new ObservationTable(1024);
    const n = RESERVE_FROM + 10;
    for (let i = 0; i < n; i++) t.append(i % 3, i * 64, 60, 60, i >> 10, (i * 997) % 1e9, f, id);
    expect(t.length).toBe(n);
    expect(t.t.length).toBe(JUMP);
    for (const r of [0, 1, 1023, 1024, RESERVE_FROM - 1, RESERVE_FROM, n - 1]) {
      expect(t.capture[r]).toBe(r % 3);
      expect(t.fileOffset[r]).toBe(r * 64);
      expect(t.t[r]).toBe((r >> 10) * 1e9 + ((r * 997) % 1e9));
      expect(t.segment[r]).toBe(-1);
    }
  });

  it('a published ObservationTable keeps its published columns shared as they grow and widen', () => {
    const f = createPacketFields();
    const id = createIdentity();
    const t = ObservationTable.published(1024);
    const shared = () =>
      PUBLISHED_COLUMNS.filter((k) => t.publishedColumns()[k].buffer instanceof SharedArrayBuffer);
    expect(shared()).toEqual([...PUBLISHED_COLUMNS]);
    const before = t.publishedColumns();
    const n = RESERVE_FROM + 10;
    for (let i = 0; i < n; i++) t.append(i % 3, i * 64, 60, 60, i >> 10, i, f, id);
    const grown = t.publishedColumns();
    expect(PUBLISHED_COLUMNS.every((k) => grown[k] !== before[k])).toBe(true);
    expect(shared()).toEqual([...PUBLISHED_COLUMNS]);
    // Only what the main thread reads is shared: the rest stays in plain (transferable, private) buffers.
    expect(t.segment.buffer).toBeInstanceOf(ArrayBuffer);
    t.append(1, 5 * 2 ** 32, 70_000, 70_000, 3, 4, f, id); // widens lengths and offsets
    const wide = t.publishedColumns();
    expect([wide.origLen, wide.caplen, wide.fileOffset].map((a) => a.constructor.name)).toEqual([
      'Uint32Array',
      'Uint32Array',
      'Float64Array',
    ]);
    expect(shared()).toEqual([...PUBLISHED_COLUMNS]);
    for (const r of [0, 1023, 1024, RESERVE_FROM, n - 1]) {
      expect([wide.capture[r], wide.fileOffset[r], wide.origLen[r], wide.caplen[r]]).toEqual([
        r % 3,
        r * 64,
        60,
        60,
      ]);
      expect(wide.t[r]).toBe((r >> 10) * 1e9 + r);
    }
    expect([wide.fileOffset[n], wide.origLen[n], wide.t[n]]).toEqual([5 * 2 ** 32, 70_000, 3e9 + 4]);
  });

  it('SegmentTable keeps every segment', () => {
    const obs = new ObservationTable(16);
    obs.append(0, 0, 60, 60, 7, 5, createPacketFields(), createIdentity());
    const segs = new SegmentTable(1024);
    const n = RESERVE_FROM + 10;
    for (let i = 0; i < n; i++) segs.create(i % 5, 0, obs, i - 1);
    expect(segs.length).toBe(n);
    expect(segs.firstT.length).toBe(JUMP);
    for (const s of [0, 1023, 1024, RESERVE_FROM, n - 1]) {
      expect(segs.node[s]).toBe(s % 5);
      expect(segs.prevSameKey[s]).toBe(s - 1);
      expect(segs.firstT[s]).toBe(7e9 + 5);
    }
  });

  it('withCapacity and the live session columns keep every value', () => {
    const n = RESERVE_FROM + 10;
    const g = new Grow((k) => new Int32Array(k), 1024);
    let w = new Int32Array(1024);
    for (let i = 0; i < n; i++) {
      g.push(i * 5);
      w = withCapacity(w, i + 1, i);
      w[i] = i * 7;
    }
    expect([g.data.length, w.length]).toEqual([JUMP, JUMP]);
    for (const i of [0, 1023, 1024, RESERVE_FROM, n - 1]) {
      expect(g.data[i]).toBe(i * 5);
      expect(w[i]).toBe(i * 7);
    }
  });
});
