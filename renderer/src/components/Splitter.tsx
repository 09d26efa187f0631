// A horizontal divider the user drags (or moves with ↑/↓) to give the panes more or less of the window, as
// Wireshark's pane dividers do; a double click puts it back. It reports the new size of the area it resizes; the
// caller clamps and keeps it.

import { useRef } from 'react';

interface SplitterProps {
  label: string;
  /** The resized area's height now (px), read when a drag starts. */
  size: () => number;
  /** +1: the area is above the divider (dragging down grows it); -1: below (dragging up grows it). */
  side: 1 | -1;
  onResize: (px: number) => void;
  /** A double click: back to the default size. */
  onReset: () => void;
  testId?: string;
}

const KEY_STEP = 20;
/** Its height in the stylesheet (.splitter). */
export const SPLITTER_PX = 5;

export function Splitter({ label, size, side, onResize, onReset, testId }: SplitterProps) {
  const drag = useRef<{ y: number; from: number } | null>(null);
  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="horizontal"
      aria-label={label}
      tabIndex={0}
      data-testid={testId}
      onPointerDown={(e) => {
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { y: e.clientY, from: size() };
      }}
      onPointerMove={(e) => {
        if (!drag.current) return;
        onResize(drag.current.from + side * (e.clientY - drag.current.y));
      }}
      onPointerUp={() => (drag.current = null)}
      onDoubleClick={onReset}
      onPointerCancel={() => (drag.current = null)}
      onKeyDown={(e) => {
        if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
        e.preventDefault();
        e.stopPropagation(); // not the packet selection's ↑/↓
        onResize(size() + side * (e.key === 'ArrowDown' ? KEY_STEP : -KEY_STEP));
      }}
    />
  );
}
