// Packet detail: the layer tree (click a layer or field, or Enter on it) and a hex dump with the chosen bytes
// highlighted.

import { useEffect, useState } from 'react';

import type { Layer, PacketDetail as Detail } from '../../../preload/api.ts';
import { useAppState, useController } from '../context.ts';
import { HexDump } from './HexDump.tsx';

export function PacketDetail() {
  const ctl = useController();
  const session = useAppState((s) => s.session);
  const index = useAppState((s) => s.selectedPacket);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [range, setRange] = useState<[number, number] | null>(null);

  useEffect(() => {
    if (!session || index < 0) return;
    let live = true;
    void ctl.api.getPacketDetail({ sessionId: session.id, index }).then((r) => {
      if (!live) return;
      setDetail(r.ok ? r.value : null);
      setErr(r.ok ? null : r.error.message);
      setRange(null);
    });
    return () => {
      live = false;
    };
  }, [ctl, session, index]);

  if (!session || index < 0) return <div className="empty">Select a packet to see its layers and bytes.</div>;
  if (err) return <div className="error-state">{err}</div>;
  if (!detail) return <div className="empty">Loading…</div>;
  const cap = session.captures[detail.capture];
  return (
    <div className="packet-detail" data-testid="packet-detail">
      <div className="layers">
        <div className="detail-title">
          <b title={`packet ${detail.index + 1} of the session`}>
            {cap?.node}/{cap?.iface} #{ctl.packets.positionInCapture(detail.capture, detail.index) + 1}
          </b>{' '}
          <span className="mono">{detail.summary}</span>
        </div>
        {detail.problem ? <div className="badge warn">{detail.problem}</div> : null}
        <LayerTree layers={detail.layers} onPick={setRange} range={range} />
      </div>
      <HexDump bytes={detail.bytes} highlight={range} />
    </div>
  );
}

/** A click this close to a summary's left edge is on its disclosure triangle (px). */
const MARKER_PX = 16;

/**
 * A layer's identity across packets: its protocol (the name up to its first detail: "Internet Protocol Version 4"
 * of "Internet Protocol Version 4, Src: …") and where it starts. A layer folded on one packet stays folded on the
 * next packet that has it there, and another layer in its place (an ARP where an IPv4 was) is not folded.
 */
function layerKey(l: Layer): string {
  return `${l.name.split(/[,:(]/)[0].trim()}@${l.offset}`;
}

function LayerTree({
  layers,
  onPick,
  range,
}: {
  layers: Layer[];
  onPick: (r: [number, number]) => void;
  range: [number, number] | null;
}) {
  const isPicked = (offset: number, length: number) =>
    !!range && range[0] === offset && range[1] === offset + length;
  // Unique among siblings even for two layers of one protocol at one offset (an empty one before another).
  const seen = new Map<string, number>();
  return (
    <ul className="layer-tree">
      {layers.map((l) => {
        const picked = isPicked(l.offset, l.length);
        const base = layerKey(l);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        return (
          <li key={n ? `${base}#${n}` : base}>
            <details open>
              <summary
                className={picked ? 'picked' : ''}
                onClick={(e) => {
                  // A click on a layer's text (or Enter on it) picks it without folding it; on the triangle, or on
                  // the layer already picked, it folds or unfolds it as well.
                  const onMarker =
                    e.detail > 0 && e.clientX - e.currentTarget.getBoundingClientRect().left < MARKER_PX;
                  if (!picked && !onMarker) e.preventDefault();
                  onPick([l.offset, l.offset + l.length]);
                }}
              >
                {l.name}{' '}
                <span className="muted small">
                  [{l.offset}…{l.offset + l.length})
                </span>
              </summary>
              <ul>
                {l.fields.map((f, k) => (
                  <li
                    key={k}
                    className={`field${isPicked(f.offset, f.length) ? ' picked' : ''}`}
                    tabIndex={0}
                    onClick={() => onPick([f.offset, f.offset + f.length])}
                    onKeyDown={(e) => {
                      // Enter or Space picks a field as a click does (Space would scroll the tree).
                      if (e.key !== 'Enter' && e.key !== ' ') return;
                      e.preventDefault();
                      onPick([f.offset, f.offset + f.length]);
                    }}
                  >
                    <span className="fname">{f.name}:</span> <span className="mono">{f.value}</span>
                  </li>
                ))}
              </ul>
              {l.children?.length ? <LayerTree layers={l.children} onPick={onPick} range={range} /> : null}
            </details>
          </li>
        );
      })}
    </ul>
  );
}
