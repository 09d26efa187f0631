// The timeline's time ↔ pixel math: fitting, zooming around the cursor, panning, nice ticks, labels.
import { describe, expect, it } from 'vitest';

import {
  endNs,
  fitScale,
  formatDuration,
  formatOffset,
  lowerBound,
  MAX_NS_PER_PX,
  MIN_NS_PER_PX,
  panBy,
  tickStep,
  ticks,
  toNs,
  toPx,
  wheelAction,
  zoomAt,
} from '../../renderer/src/lib/timeScale.ts';

describe('timeScale', () => {
  it('fits a range with a margin on both sides', () => {
    const s = fitScale(1_000_000, 2_000_000, 1000, 0.05);
    expect(toPx(s, 1_000_000)).toBeCloseTo(1000 * (0.05 / 1.1), 6);
    expect(toPx(s, 2_000_000)).toBeCloseTo(1000 * (1.05 / 1.1), 6);
    expect(endNs(s)).toBeCloseTo(2_050_000, 3);
  });

  it('round-trips time and pixels', () => {
    const s = fitScale(-5e9, 5e9, 777);
    for (const t of [-5e9, 0, 1234567, 4.9e9]) expect(toNs(s, toPx(s, t))).toBeCloseTo(t, 3);
  });

  it('keeps the time under the cursor fixed while zooming', () => {
    const s = fitScale(0, 1e9, 1000);
    const at = 321;
    const before = toNs(s, at);
    const z = zoomAt(s, at, 4);
    expect(toNs(z, at)).toBeCloseTo(before, 3);
    expect(z.nsPerPx).toBeCloseTo(s.nsPerPx / 4, 9);
  });

  it('clamps zoom to its limits', () => {
    const s = fitScale(0, 1e6, 1000);
    expect(zoomAt(s, 0, 1e12).nsPerPx).toBe(MIN_NS_PER_PX);
    expect(zoomAt(s, 0, 1e-20).nsPerPx).toBe(MAX_NS_PER_PX);
  });

  it('pans by whole pixels of time: dragging right shows earlier times', () => {
    const s = fitScale(0, 1e9, 1000);
    const p = panBy(s, 100);
    expect(p.startNs).toBeCloseTo(s.startNs - 100 * s.nsPerPx, 3);
    expect(toPx(p, 5e8)).toBeCloseTo(toPx(s, 5e8) + 100, 6);
  });

  it('chooses 1/2/5 steps at least minPx apart and labels them with enough decimals', () => {
    const s = fitScale(0, 1e9, 1000, 0);
    const step = tickStep(s, 90);
    expect([1, 2, 5].some((m) => Math.abs(step / 10 ** Math.floor(Math.log10(step)) - m) < 1e-9)).toBe(true);
    expect(step / s.nsPerPx).toBeGreaterThanOrEqual(90);
    const t = ticks(s, 90);
    expect(t.length).toBeGreaterThan(3);
    for (let i = 1; i < t.length; i++) expect(t[i].ns - t[i - 1].ns).toBeCloseTo(step, 3);
    expect(t.map((x) => x.label)).toContain('0.2 s');
    expect(formatOffset(1_500_000, 500_000)).toBe('0.0015 s');
  });

  it('formats durations in readable units', () => {
    expect(formatDuration(850)).toBe('850 ns');
    expect(formatDuration(12_500)).toBe('12.5 µs');
    expect(formatDuration(1_234_000)).toBe('1.234 ms');
    expect(formatDuration(2.5e9)).toBe('2.5 s');
    expect(formatDuration(-3000)).toBe('−3 µs');
    // A clock estimate to the digit its uncertainty leaves known (a fixed 3 decimals of ms hid ± 814 ns).
    expect(formatDuration(7_000_024, 814)).toBe('7.0000 ms');
    expect(formatDuration(7_000_024, 50_000)).toBe('7.00 ms');
    expect(formatDuration(-7_000_024, 3e6)).toBe('−7 ms');
    expect(formatDuration(3_000_057_400, 810)).toBe('3.0000574 s');
    expect(formatDuration(12_345, 0)).toBe('12.3 µs');
    expect(formatDuration(280, 2_300)).toBe('280 ns');
  });

  it('lowerBound finds the first index at or after a time', () => {
    const a = [1, 3, 3, 7, 9];
    const at = (i: number) => a[i];
    expect(lowerBound(at, 0, a.length, 0)).toBe(0);
    expect(lowerBound(at, 0, a.length, 3)).toBe(1);
    expect(lowerBound(at, 0, a.length, 4)).toBe(3);
    expect(lowerBound(at, 0, a.length, 10)).toBe(5);
  });

  it('the wheel does one thing: scrolls lanes that scroll, zooms on the axis or with Ctrl/⌘, pans sideways', () => {
    const wheel = (deltaY: number, more: Partial<Parameters<typeof wheelAction>[0]> = {}) => ({
      deltaX: 0,
      deltaY,
      shiftKey: false,
      ctrlKey: false,
      metaKey: false,
      ...more,
    });
    const lanes = { overAxis: false, lanesScroll: true };
    const fits = { overAxis: false, lanesScroll: false };
    const axis = { overAxis: true, lanesScroll: true };
    // Lanes that scroll: the wheel scrolls them, nothing else.
    expect(wheelAction(wheel(100), lanes)).toEqual({ kind: 'scroll' });
    expect(wheelAction(wheel(-100), lanes)).toEqual({ kind: 'scroll' });
    // Ctrl or ⌘ (and a trackpad's pinch, which arrives as Ctrl + wheel) zooms there; up zooms in.
    expect(wheelAction(wheel(-100, { ctrlKey: true }), lanes)).toEqual({ kind: 'zoom', factor: 1.25 });
    expect(wheelAction(wheel(100, { metaKey: true }), lanes)).toEqual({ kind: 'zoom', factor: 0.8 });
    // Lanes that all fit, and the axis: nothing to scroll, the wheel zooms.
    expect(wheelAction(wheel(-100), fits)).toEqual({ kind: 'zoom', factor: 1.25 });
    expect(wheelAction(wheel(100), axis)).toEqual({ kind: 'zoom', factor: 0.8 });
    // Sideways (a swipe, or Shift + wheel): pans, later times into view for a step right.
    expect(wheelAction(wheel(5, { deltaX: 40 }), lanes)).toEqual({ kind: 'pan', dxPx: -40 });
    expect(wheelAction(wheel(100, { shiftKey: true }), axis)).toEqual({ kind: 'pan', dxPx: -100 });
    expect(wheelAction(wheel(0), fits)).toEqual({ kind: 'scroll' });
    // A step right moves the view to later times.
    const s = fitScale(0, 1000, 100);
    expect(panBy(s, -10).startNs).toBeGreaterThan(s.startNs);
  });

  it("zooms by a trackpad's small wheel steps in proportion: a pinch of many 2 px events is a notch's zoom, not one per event", () => {
    const pinch = (deltaY: number) =>
      wheelAction(
        { deltaX: 0, deltaY, shiftKey: false, ctrlKey: true, metaKey: false },
        { overAxis: false, lanesScroll: true },
      );
    const step = pinch(-2);
    expect(step.kind).toBe('zoom');
    const f = step.kind === 'zoom' ? step.factor : 0;
    expect(f).toBeGreaterThan(1);
    expect(f).toBeLessThan(1.01);
    // 25 events of 2 px: 50 px, one notch's zoom (it was 1.25^25, 264 times).
    expect(f ** 25).toBeCloseTo(1.25, 6);
    const out = pinch(2);
    expect(out.kind === 'zoom' && out.factor * f).toBeCloseTo(1, 9);
    // A notch zooms one step however long the browser says it is.
    expect(pinch(-53)).toEqual({ kind: 'zoom', factor: 1.25 });
    expect(pinch(-240)).toEqual({ kind: 'zoom', factor: 1.25 });
    // A line-based wheel (Firefox: 3 lines a notch) zooms and pans as far as a pixel-based one.
    const lines = { deltaX: 0, deltaY: -3, deltaMode: 1, shiftKey: false, ctrlKey: false, metaKey: false };
    const z = wheelAction(lines, { overAxis: true, lanesScroll: false });
    expect(z.kind === 'zoom' && z.factor).toBeGreaterThan(1.2);
    expect(wheelAction({ ...lines, deltaX: 3, deltaY: 0 }, { overAxis: true, lanesScroll: false })).toEqual({
      kind: 'pan',
      dxPx: -48,
    });
  });
});
