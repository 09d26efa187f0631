// The renderer's time labels: pane times are UTC wall-clock times, and the timeline says so with the date(s).
import { describe, expect, it } from 'vitest';

import { timesLabel, utcDate, wallClock } from '../../renderer/src/lib/format.ts';

/** 2026-11-26 23:59:59 UTC, in ns since the epoch (beyond 2^53: a decimal string, as SessionInfo.baseNs). */
const BASE = String(BigInt(Date.UTC(2026, 10, 26, 23, 59, 59)) * 1_000_000n);

describe('time labels', () => {
  it('pane times are UTC, with nanoseconds', () => {
    expect(wallClock(BASE, 0)).toBe('23:59:59.000000000');
    expect(wallClock(BASE, 1.5e9)).toBe('00:00:00.500000000');
  });

  it('the timeline says the times are UTC and on which date, both dates across midnight', () => {
    expect(utcDate(BASE, 0)).toBe('2026-11-26');
    expect(utcDate(BASE, 1.5e9)).toBe('2026-11-27');
    expect(timesLabel(BASE, 0, 0.5e9)).toBe('times UTC, 2026-11-26');
    expect(timesLabel(BASE, -3600e9, 1.5e9)).toBe('times UTC, 2026-11-26 – 2026-11-27');
  });
});
