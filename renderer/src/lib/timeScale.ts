// Time ↔ pixel math for the timeline (DevTools' NetworkTimeCalculator, in small pure functions). Times are ns
// relative to the session base, as float64 (exact to the ns for ~100 days).

// The app's durations are written one way, the Clocks tab's notes from main included (preload/duration.ts).
export { formatDuration } from '../../../preload/duration.ts';

export interface TimeScale {
  /** Time at pixel 0. */
  startNs: number;
  nsPerPx: number;
  widthPx: number;
}

/** Zoom limits: 1 ns per 10 px down to about a day across the view. */
export const MIN_NS_PER_PX = 0.1;
export const MAX_NS_PER_PX = 86_400e9 / 100;

const clampNsPerPx = (v: number) => Math.min(MAX_NS_PER_PX, Math.max(MIN_NS_PER_PX, v));

/** A scale showing [minNs, maxNs] across widthPx with a small margin on each side. */
export function fitScale(minNs: number, maxNs: number, widthPx: number, marginFrac = 0.03): TimeScale {
  const w = Math.max(1, widthPx);
  const span = Math.max(maxNs - minNs, 1000);
  const margin = span * marginFrac;
  return { startNs: minNs - margin, nsPerPx: clampNsPerPx((span + 2 * margin) / w), widthPx: w };
}

export const toPx = (s: TimeScale, tNs: number): number => (tNs - s.startNs) / s.nsPerPx;
export const toNs = (s: TimeScale, px: number): number => s.startNs + px * s.nsPerPx;
export const endNs = (s: TimeScale): number => s.startNs + s.widthPx * s.nsPerPx;

/** Zoom by `factor` (>1 zooms in) keeping the time under pixel `px` where it is. */
export function zoomAt(s: TimeScale, px: number, factor: number): TimeScale {
  const anchor = toNs(s, px);
  const nsPerPx = clampNsPerPx(s.nsPerPx / factor);
  return { ...s, nsPerPx, startNs: anchor - px * nsPerPx };
}

/** Pan by dragging `dxPx` to the right (content moves right, so earlier times come into view). */
export function panBy(s: TimeScale, dxPx: number): TimeScale {
  return { ...s, startNs: s.startNs - dxPx * s.nsPerPx };
}

export type WheelAction =
  { kind: 'scroll' } | { kind: 'zoom'; factor: number } | { kind: 'pan'; dxPx: number };

/** A wheel step this long (px) or longer zooms by one whole ZOOM_STEP: a mouse wheel's notch (Chromium: 100 px). */
const NOTCH_PX = 50;
const ZOOM_STEP = 1.25;
/** A line of a line-based wheel (Firefox's deltaMode 1, 3 lines a notch), in px. */
const LINE_PX = 16;

/**
 * What one wheel step over the timeline does, one thing only: a sideways step (a trackpad's swipe, Shift +
 * wheel) pans; over the time axis, or over lanes that all fit, the wheel zooms (towards the pointer); over lanes
 * that scroll, the wheel scrolls them (the browser does) and Ctrl/⌘ + wheel zooms (a trackpad's pinch arrives as
 * Ctrl + wheel). A notch zooms by ZOOM_STEP; the small steps a trackpad sends many of zoom by their share of one
 * (a pinch zoomed by 1.25 for each of its dozens of 2 px events: thousands of times in a second).
 */
export function wheelAction(
  e: {
    deltaX: number;
    deltaY: number;
    deltaMode?: number;
    shiftKey: boolean;
    ctrlKey: boolean;
    metaKey: boolean;
  },
  where: { overAxis: boolean; lanesScroll: boolean },
): WheelAction {
  // In px: a line-based wheel's lines, a page-based one's pages as one notch each.
  const unit = e.deltaMode === 1 ? LINE_PX : e.deltaMode === 2 ? NOTCH_PX : 1;
  const deltaX = e.deltaX * unit;
  const deltaY = e.deltaY * unit;
  // Shift + wheel: Chromium sends a sideways step already; a plain deltaY with Shift is one elsewhere.
  const dx = e.shiftKey && deltaX === 0 ? deltaY : deltaX;
  const dy = e.shiftKey && deltaX === 0 ? 0 : deltaY;
  if (Math.abs(dx) > Math.abs(dy)) return { kind: 'pan', dxPx: -dx };
  if (dy === 0) return { kind: 'scroll' };
  if (!where.overAxis && where.lanesScroll && !e.ctrlKey && !e.metaKey) return { kind: 'scroll' };
  const notches = Math.max(-1, Math.min(1, dy / NOTCH_PX));
  return { kind: 'zoom', factor: ZOOM_STEP ** -notches };
}

export function withWidth(s: TimeScale, widthPx: number): TimeScale {
  return { ...s, widthPx: Math.max(1, widthPx) };
}

/** A "nice" step (1, 2 or 5 × 10^k ns) so that ticks are at least minPx apart. */
export function tickStep(s: TimeScale, minPx = 90): number {
  const raw = s.nsPerPx * minPx;
  const exp = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * exp >= raw) return m * exp;
  return 10 * exp;
}

export interface Tick {
  ns: number;
  px: number;
  label: string;
}

export function ticks(s: TimeScale, minPx = 90): Tick[] {
  const step = tickStep(s, minPx);
  const out: Tick[] = [];
  const first = Math.ceil(s.startNs / step) * step;
  for (let t = first; t <= endNs(s); t += step)
    out.push({ ns: t, px: toPx(s, t), label: formatOffset(t, step) });
  return out;
}

/** A tick label: time since the session base with as many decimals as the step needs. */
export function formatOffset(ns: number, stepNs: number): string {
  const decimals = Math.max(0, Math.min(9, Math.ceil(-Math.log10(stepNs / 1e9) - 1e-9)));
  const v = ns / 1e9;
  return `${(Object.is(v, -0) ? 0 : v).toFixed(decimals)} s`;
}

/** First index in ascending `arr[lo..hi)` (read through `at`) whose value is >= t. */
export function lowerBound(at: (i: number) => number, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
