// Windowing for lists of fixed-height rows (the packet panes): which rows are visible is arithmetic on the
// scroll offset, so a pane of a million rows costs what its ~50 visible rows cost. (A general virtualizer keeps
// a measurement object per row: a million objects per pane update.)

import { useCallback, useEffect, useState, type RefObject } from 'react';

export interface FixedRows {
  /** First and one-past-last row to render. */
  first: number;
  last: number;
  /** Height of the spacer holding all rows. */
  totalPx: number;
  scrollToIndex(i: number): void;
}

export function useFixedRows(
  ref: RefObject<HTMLElement | null>,
  count: number,
  rowPx: number,
  overscan = 10,
): FixedRows {
  const [view, setView] = useState({ top: 0, height: 0 });

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const read = () => setView({ top: el.scrollTop, height: el.clientHeight });
    read();
    el.addEventListener('scroll', read, { passive: true });
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(read) : null;
    ro?.observe(el);
    return () => {
      el.removeEventListener('scroll', read);
      ro?.disconnect();
    };
  }, [ref]);

  const first = Math.max(0, Math.floor(view.top / rowPx) - overscan);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowPx) + overscan);

  /** Scrolls the least needed to show row i (nothing if it is already in view). */
  const scrollToIndex = useCallback(
    (i: number) => {
      const el = ref.current;
      if (!el) return;
      const top = i * rowPx;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowPx > el.scrollTop + el.clientHeight) el.scrollTop = top + rowPx - el.clientHeight;
    },
    [ref, rowPx],
  );

  return { first, last, totalPx: count * rowPx, scrollToIndex };
}
