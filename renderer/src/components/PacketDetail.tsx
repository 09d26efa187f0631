// Packet detail: the layer tree (click a layer or field) and a hex dump with the chosen bytes highlighted.

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

function LayerTree({
  layers,
  onPick,
  range,
}: {
  layers: Layer[];
  onPick: (r: [number, number]) => void;
  range: [number, number] | null;
}) {
  return (
    <ul className="layer-tree">
      {layers.map((l, i) => (
        <li key={i}>
          <details open>
            <summary
              className={range && range[0] === l.offset && range[1] === l.offset + l.length ? 'picked' : ''}
              onClick={() => onPick([l.offset, l.offset + l.length])}
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
                  className={`field${range && range[0] === f.offset && range[1] === f.offset + f.length ? ' picked' : ''}`}
                  onClick={() => onPick([f.offset, f.offset + f.length])}
                >
                  <span className="fname">{f.name}:</span> <span className="mono">{f.value}</span>
                </li>
              ))}
            </ul>
            {l.children?.length ? <LayerTree layers={l.children} onPick={onPick} range={range} /> : null}
          </details>
        </li>
      ))}
    </ul>
  );
}
