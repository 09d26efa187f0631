// Hex dump, 16 bytes a row with offsets and ASCII, bytes in [start, end) highlighted.

import { memo } from 'react';

export const HexDump = memo(function HexDump({
  bytes,
  highlight,
}: {
  bytes: Uint8Array;
  highlight: [number, number] | null;
}) {
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
    <div className="hexdump mono" data-testid="hexdump">
      {rows}
    </div>
  );
});
