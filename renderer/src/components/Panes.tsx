// The walkthrough's terminals in one window: one virtualized tcpdump-style list per captured interface, side by
// side. Selecting a packet highlights the same journey's packet in every other pane and scrolls it into view.

import { memo, useCallback, useEffect, useRef, useSyncExternalStore } from 'react';

import type { CaptureInfo } from '../../../preload/api.ts';
import { useAppState, useController, usePacketsVersion } from '../context.ts';
import { wallClock } from '../lib/format.ts';
import { formatDuration } from '../lib/timeScale.ts';
import { useFixedRows } from '../lib/useFixedRows.ts';

const ROW_HEIGHT = 20;

export function Panes() {
  const session = useAppState((s) => s.session);
  if (!session) return null;
  if (!session.captures.length) return <div className="empty">This session has no captures.</div>;
  // One row of panes per node, like the walkthrough's terminals side by side for each machine.
  const nodes = [...new Set(session.captures.map((c) => c.node))];
  return (
    <div className="panes" data-testid="panes">
      {nodes.map((n) => (
        <div className="pane-row" key={n}>
          {session.captures
            .filter((c) => c.node === n)
            .map((c) => (
              <Pane key={c.index} capture={c} baseNs={session.baseNs} reference={session.referenceNode} />
            ))}
        </div>
      ))}
    </div>
  );
}

function Pane({
  capture,
  baseNs,
  reference,
}: {
  capture: CaptureInfo;
  baseNs: string;
  reference: string | null;
}) {
  const ctl = useController();
  usePacketsVersion();
  const selectedPacket = useAppState((s) => s.selectedPacket);
  const selectedJourney = useAppState((s) => s.selectedJourney);
  const focused = useAppState((s) => s.focusedCapture === capture.index);
  const parentRef = useRef<HTMLDivElement>(null);
  const count = ctl.packets.captureCount(capture.index);
  const rows = useFixedRows(parentRef, count, ROW_HEIGHT, 20);
  // Stable callbacks keep the memoized rows from re-rendering when only other rows change.
  const onPick = useCallback((g: number) => ctl.selectPacket(g), [ctl]);
  const onOpen = useCallback((j: number, g: number) => ctl.selectJourney(j, g), [ctl]);
  const { scrollToIndex } = rows;
  // The times shown are corrected to the reference node's clock: the head says by how much (tcpdump on this node
  // printed other times).
  const shift = ctl.packets.captureOffsetNs[capture.index] ?? 0;
  const ppm = (ctl.packets.captureRate[capture.index] ?? 0) * 1e6;
  useSyncExternalStore(ctl.summaries.subscribe, ctl.summaries.getVersion);

  // Follow the selection: the selected packet itself in its pane, the same journey's packet in the others (and a
  // journey picked in the list, no packet chosen yet, in every pane that saw it).
  useEffect(() => {
    if (selectedPacket < 0 && selectedJourney < 0) return;
    let pos = selectedPacket >= 0 ? ctl.packets.positionInCapture(capture.index, selectedPacket) : -1;
    if (pos < 0) pos = ctl.packets.findJourneyInCapture(capture.index, selectedJourney);
    if (pos >= 0) scrollToIndex(pos);
  }, [selectedPacket, selectedJourney, capture.index, ctl, scrollToIndex]);

  return (
    <section
      className={`pane${focused ? ' focused' : ''}`}
      data-testid="pane"
      data-capture={`${capture.node}/${capture.iface}`}
      aria-label={`${capture.node} ${capture.iface}`}
    >
      <header className="pane-head" title={`${capture.node}/${capture.iface}`}>
        {/* A long node name gives way first (CSS): the interface is what tells a node's panes apart. */}
        <span className="pane-node">{capture.node}</span>
        <span className="pane-iface">{capture.iface}</span>
        <span className="pane-count">{count.toLocaleString()} pkts</span>
        {shift || ppm ? (
          <span
            className="badge pane-clock"
            data-testid="pane-clock"
            // The badge's own words first: a narrow pane cuts them short.
            title={
              `${clockBadge(shift, ppm)}: times on ${reference ?? 'the reference node'}'s clock, ` +
              `${formatDuration(-shift)} from what tcpdump on ${capture.node} recorded` +
              (ppm
                ? ` at the first packets across nodes; ${capture.node}'s clock drifts ${ppm > 0 ? '+' : ''}` +
                  `${ppm.toFixed(2)} ppm and is corrected along the capture`
                : '') +
              ' (Clocks tab).'
            }
          >
            {clockBadge(shift, ppm)}
          </span>
        ) : null}
        {capture.drops ? <span className="badge warn">{capture.drops} dropped</span> : null}
        {capture.problems.length ? (
          <span className="badge warn" title={capture.problems.join('\n')}>
            {capture.problems.length} problem{capture.problems.length > 1 ? 's' : ''}
          </span>
        ) : null}
      </header>
      <div
        ref={parentRef}
        className="pane-body"
        tabIndex={0}
        role="listbox"
        aria-label={`packets on ${capture.node} ${capture.iface}`}
        onFocus={() => ctl.store.set({ focusedCapture: capture.index })}
      >
        {count === 0 ? <div className="empty small">No packets on this interface.</div> : null}
        <div style={{ height: rows.totalPx, position: 'relative' }}>
          {Array.from({ length: rows.last - rows.first }, (_, k) => {
            const n = rows.first + k;
            const g = ctl.packets.packetOf(capture.index, n);
            const j = ctl.packets.journey.data[g];
            return (
              <Row
                key={n}
                top={n * ROW_HEIGHT}
                global={g}
                time={wallClock(baseNs, ctl.packets.timeOf(g))}
                summary={ctl.summaries.get(g)}
                selected={g === selectedPacket}
                inJourney={selectedJourney >= 0 && j === selectedJourney}
                journey={j}
                onPick={onPick}
                onOpen={onOpen}
              />
            );
          })}
        </div>
      </div>
    </section>
  );
}

/** The pane head's clock badge: how far this node's times were moved, and whether its clock drifts. */
function clockBadge(shift: number, ppm: number): string {
  return `clock ${formatDuration(-shift)}${ppm ? ' drifting' : ''}`;
}

interface RowProps {
  top: number;
  global: number;
  time: string;
  summary: string | undefined;
  selected: boolean;
  inJourney: boolean;
  journey: number;
  onPick: (g: number) => void;
  onOpen: (j: number, g: number) => void;
}

const Row = memo(function Row(p: RowProps) {
  return (
    <div
      className={`row${p.selected ? ' selected' : ''}${p.inJourney ? ' in-journey' : ''}`}
      role="option"
      aria-selected={p.selected}
      data-packet={p.global}
      data-journey={p.journey}
      style={{ transform: `translateY(${p.top}px)`, height: ROW_HEIGHT }}
      onClick={() => p.onPick(p.global)}
      onDoubleClick={() => p.journey >= 0 && p.onOpen(p.journey, p.global)}
    >
      <span className="t">{p.time}</span>
      <span className="s">{p.summary ?? '…'}</span>
    </div>
  );
});
