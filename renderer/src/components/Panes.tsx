// The walkthrough's terminals in one window: one virtualized tcpdump-style list per captured interface, side by
// side. Selecting a packet highlights the same journey's packet in every other pane and scrolls it into view.

import { memo, useCallback, useEffect, useRef, useSyncExternalStore } from 'react';

import type { CaptureInfo, ClockInfo } from '../../../preload/api.ts';
import { useAppState, useController, usePacketsVersion } from '../context.ts';
import { clockTroubleOf, clockTroubleWhy } from '../lib/clockTrouble.ts';
import { wallClock } from '../lib/format.ts';
import { formatDuration } from '../lib/timeScale.ts';
import { useFitTexts } from '../lib/useFitTexts.ts';
import { useFixedRows } from '../lib/useFixedRows.ts';

const ROW_HEIGHT = 20;
const NO_TEXTS: string[][] = [];

export function Panes() {
  const session = useAppState((s) => s.session);
  if (!session) return null;
  if (!session.captures.length)
    return (
      <div className="empty" data-testid="panes-empty">
        {session.live
          ? 'No interface captured yet: a pane appears for each interface as its capture starts.'
          : 'This session has no captures.'}
      </div>
    );
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
  // printed other times), as the Clocks tab says it.
  const clock = useAppState((s) => s.session?.clocks.find((c) => c.node === capture.node));
  const badge = clock ? clockBadge(clock, reference ?? 'the reference node') : null;
  // The badge gives way first, in words (its shorter texts) before an ellipsis cuts it.
  const headRef = useRef<HTMLElement>(null);
  const fitted = useFitTexts(headRef, badge ? [badge.texts] : NO_TEXTS);
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
      <header className="pane-head" title={`${capture.node}/${capture.iface}`} ref={headRef}>
        {/* A long node name gives way first (CSS): the interface is what tells a node's panes apart. */}
        <span className="pane-node">{capture.node}</span>
        <span className="pane-iface">{capture.iface}</span>
        <span className="pane-count">{count.toLocaleString()} pkts</span>
        {badge ? (
          <span
            className={`badge pane-clock${badge.warn ? ' warn' : ''}`}
            data-testid="pane-clock"
            data-fit={0}
            title={badge.title}
          >
            {badge.texts[fitted[0]] ?? badge.text}
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

/**
 * The pane head's clock badge, or null when there is nothing to say: how far this node's clock is from the
 * reference's, with the Clocks tab's sign (+: ahead) and to the digits its uncertainty leaves known; whether it
 * drifts; and, in the warning colour, whether the packets contradict it (the Clocks tab's ⚠), with by how much
 * when a pair of nodes' packets does. The title says it in words, starting with the badge's own (a narrow pane cuts
 * them short).
 */
function clockBadge(
  c: ClockInfo,
  reference: string,
): { text: string; texts: string[]; title: string; warn: boolean } | null {
  const ppm = c.rate?.ppm ?? 0;
  const trouble = clockTroubleOf([c]);
  const within = c.uncertaintyNs ?? Infinity;
  // An offset within its uncertainty is not known to be one (24 ns ± 814 ns): no digits of it are worth a badge.
  const known = c.offsetNs !== 0 && (c.uncertaintyNs === null || Math.abs(c.offsetNs) > c.uncertaintyNs);
  if (!known && !ppm && !trouble) return null;
  const size = formatDuration(Math.abs(c.offsetNs), within);
  const pm = c.uncertaintyNs ? ` ± ${formatDuration(c.uncertaintyNs)}` : '';
  const amount =
    known || !c.uncertaintyNs
      ? `${c.offsetNs > 0 ? '+' : c.offsetNs < 0 ? '−' : ''}${size}`
      : `±${formatDuration(c.uncertaintyNs)}`;
  // A pair the estimate misses says by how much, in the badge (not only its title): that is how far off hops across
  // the two nodes may be, against the offset's own digits.
  const off = c.conflict ? `, ${formatDuration(c.conflict.byNs)} off ${c.conflict.against}'s packets` : '';
  const mark = trouble ? '⚠ ' : '';
  const text = `${mark}clock ${amount}${ppm ? ' drifting' : ''}${off}`;
  // What a pane too narrow for it shows instead, longest first: the conflict alone, then the clock without its
  // words, then only that there is something to hover for (a ⚠ alone, when in question).
  const texts = [
    text,
    ...(c.conflict ? [`${mark}${formatDuration(c.conflict.byNs)} off ${c.conflict.against}`] : []),
    `${mark}clock ${amount}`,
    `${mark}clock`,
    ...(trouble ? ['⚠'] : []),
  ].filter((t, i, all) => all.indexOf(t) === i);
  const at = ppm ? ' at the first packets across nodes' : '';
  const said = known
    ? `${c.node}'s clock is ${size}${pm} ${c.offsetNs > 0 ? 'ahead of' : 'behind'} ${reference}'s${at}: its ` +
      `times here were moved ${c.offsetNs > 0 ? 'back' : 'forward'} by that much, onto ${reference}'s clock, ` +
      `from what tcpdump on ${c.node} recorded`
    : c.uncertaintyNs
      ? `${c.node}'s clock is within${pm} of ${reference}'s${at}`
      : `${c.node}'s times are as tcpdump recorded them (offset 0)`;
  const drift = ppm
    ? `; it drifts ${ppm > 0 ? '+' : ''}${ppm.toFixed(2)} ppm and its times are corrected along the capture`
    : '';
  const why = clockTroubleWhy(c);
  const warn = trouble ? ` ⚠ ${trouble}${why ? `; ${why}` : ''}.` : '';
  return { text, texts, title: `${text}: ${said}${drift} (Clocks tab).${warn}`, warn: !!trouble };
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
