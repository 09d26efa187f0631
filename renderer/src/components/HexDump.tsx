// Hex dump, 16 bytes a row with offsets and ASCII, bytes in [start, end) highlighted and scrolled into view.

import { memo, useLayoutEffect, useRef } from 'react';

export const HexDump = memo(function HexDump({
  bytes,
  highlight,
}: {
  bytes: Uint8Array;
  highlight: [number, number] | null;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // Another packet's dump starts at its top (the effect below may then scroll it to what is picked).
  useLayoutEffect(() => {
    if (ref.current) ref.current.scrollTop = 0;
  }, [bytes]);
  // What was picked in the layer tree may be far down a long packet: its first byte is brought into view in the
  // dump's own scroll box (the layer tree beside it stays where the user clicked), with as much of the range as fits.
  useLayoutEffect(() => {
    const box = ref.current;
    const hl = box?.querySelectorAll<HTMLElement>('.hex .hl');
    if (!box || !hl?.length) return;
    const view = box.getBoundingClientRect();
    const first = hl[0].getBoundingClientRect();
    const last = hl[hl.length - 1].getBoundingClientRect();
    if (first.top < view.top) box.scrollTop += first.top - view.top;
    else if (last.bottom > view.bottom)
      box.scrollTop += Math.min(first.top - view.top, last.bottom - view.bottom);
  }, [bytes, highlight]);

  const rows: React.ReactNode[] = [];
  const inRange = (i: number) => !!highlight && i >= highlight[0] && i < highlight[1];
  for (let off = 0; off < bytes.length; off += 16) {
    const hex: React.ReactNode[] = [];
    const ascii: React.ReactNode[] = [];
    for (let i = off; i < Math.min(off + 16, bytes.length); i++) {
      const b = bytes[i];
      const cls = inRange(i) ? 'hl' : undefined;
      hex.push(
        <span key={i} className={cls}>
          {b.toString(16).padStart(2, '0')}
          {i % 16 === 7 ? '  ' : ' '}
        </span>,
      );
      ascii.push(
        <span key={i} className={cls}>
          {b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'}
        </span>,
      );
    }
    rows.push(
      <div key={off} className="hexrow">
        <span className="off">{off.toString(16).padStart(4, '0')}</span>
        <span className="hex">{hex}</span>
        <span className="ascii">{ascii}</span>
      </div>,
    );
  }
  return (
    <div className="hexdump mono" data-testid="hexdump" ref={ref}>
      {rows}
    </div>
  );
});
