// Texts that give way in a row too narrow for them: a fitted item of a flex row has texts from longest to shortest
// and shows the longest the row has room for, instead of being cut mid-word ("times UTC, 2026-11-…"). Its title
// keeps the whole; CSS still cuts the shortest with an ellipsis when even that does not fit.

import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/**
 * Which text each fitted item shows: `widths[i][v]` is the width item i takes with its text v (longest text first),
 * items in order of priority (the first keeps a long text longest), `room` what the row leaves them all. Every item
 * starts at its last text; then each in turn, by priority, takes its first text that still fits.
 */
export function fitTexts(room: number, widths: readonly (readonly number[])[]): number[] {
  const pick = widths.map((w) => w.length - 1);
  let used = widths.reduce((sum, w) => sum + w[w.length - 1], 0);
  widths.forEach((w, i) => {
    const v = w.findIndex((x, v) => v < pick[i] && used - w[pick[i]] + x <= room);
    if (v < 0) return;
    used += w[v] - w[pick[i]];
    pick[i] = v;
  });
  return pick;
}

/** Canvas text widths in a CSS font (null without a canvas: a test DOM). */
let ctx: CanvasRenderingContext2D | null | undefined;
function textWidth(font: string, text: string): number {
  if (ctx === undefined) {
    try {
      ctx = document.createElement('canvas').getContext('2d');
    } catch {
      ctx = null;
    }
  }
  if (!ctx) return text.length * 7;
  ctx.font = font;
  return ctx.measureText(text).width;
}

/** The width an element takes with its whole content: a child the row has cut counts at its full width. */
function naturalWidth(el: HTMLElement): number {
  return Math.max(el.offsetWidth, el.scrollWidth + el.offsetWidth - el.clientWidth) + margins(el);
}

/**
 * An element's fixed horizontal margins (a badge's 4 px). An `auto` one is the row's free room, not the element's:
 * getComputedStyle gives its used width, the typed computed value (Chromium's computedStyleMap) says `auto`.
 */
function margins(el: HTMLElement): number {
  if (typeof el.computedStyleMap !== 'function') return 0;
  const map = el.computedStyleMap();
  let px = 0;
  for (const side of ['margin-left', 'margin-right']) {
    const v = map.get(side);
    if (v instanceof CSSUnitValue && v.unit === 'px') px += v.value;
  }
  return px;
}

/**
 * Measures `row` (a flex row): its children with `data-fit="i"` are the fitted items, i their index in `texts` (each
 * item's texts, longest first; items in order of priority); the other children keep their whole width, so the fitted
 * ones give way first.
 */
function measureRow(row: HTMLElement, texts: readonly (readonly string[])[]): number[] {
  const style = getComputedStyle(row);
  const gap = parseFloat(style.columnGap) || 0;
  let room = row.clientWidth - (parseFloat(style.paddingLeft) || 0) - (parseFloat(style.paddingRight) || 0);
  const widths: number[][] = texts.map((t) => t.map(() => 0));
  const children = [...row.children] as HTMLElement[];
  room -= gap * Math.max(0, children.length - 1);
  for (const el of children) {
    const i = el.dataset.fit === undefined ? -1 : Number(el.dataset.fit);
    if (!(i >= 0 && i < texts.length)) {
      room -= naturalWidth(el);
      continue;
    }
    const s = getComputedStyle(el);
    // Padding and borders around the text; a pixel of slack for the canvas' rounding against the layout's.
    const around =
      el.offsetWidth - el.clientWidth + (parseFloat(s.paddingLeft) || 0) + (parseFloat(s.paddingRight) || 0);
    const min = parseFloat(s.minWidth) || 0;
    const margin = margins(el);
    widths[i] = texts[i].map((t) => Math.max(min, Math.ceil(textWidth(s.font, t)) + around + 1) + margin);
  }
  return fitTexts(room, widths);
}

/**
 * The text each fitted item of the flex row `rowRef` shows (its index in that item's `texts`): measured when the row
 * renders or resizes. The items are the row's children marked `data-fit={i}`.
 */
export function useFitTexts(
  rowRef: RefObject<HTMLElement | null>,
  texts: readonly (readonly string[])[],
): number[] {
  const key = JSON.stringify(texts);
  const [fit, setFit] = useState<{ key: string; pick: number[] }>({ key: '', pick: [] });
  const measure = useRef<() => void>(() => {});
  // Every render: the other children's texts change (a packet count grows) without the row resizing.
  useLayoutEffect(() => {
    measure.current = () => {
      const row = rowRef.current;
      if (!row) return;
      const pick = measureRow(row, texts);
      setFit((f) => (f.key === key && f.pick.join() === pick.join() ? f : { key, pick }));
    };
    measure.current();
  });
  useEffect(() => {
    const row = rowRef.current;
    if (!row || typeof ResizeObserver !== 'function') return;
    const ro = new ResizeObserver(() => measure.current());
    ro.observe(row);
    return () => ro.disconnect();
  }, [rowRef]);
  // Texts not measured yet show whole (the first layout measures them).
  return fit.key === key ? fit.pick : texts.map(() => 0);
}
