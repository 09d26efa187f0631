// Journeys and flows: a filterable, virtualized list; for the selected journey, its hop ladder and latency chart.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';

import type { JourneyStopView, JourneySummary } from '../../../preload/api.ts';
import { useAppState, useController } from '../context.ts';
import { formatDuration } from '../lib/timeScale.ts';
import { plural } from '../lib/format.ts';
import { HopLadder } from './HopLadder.tsx';
import { LatencyChart } from './LatencyChart.tsx';

const PAGE = 2000;
const NONE: JourneySummary[] = [];

/**
 * The flows beside the journey count: the session's, or with a filter those of the listed journeys out of the
 * session's ("2 journeys · 1 of 5 flows"; "2,000+ of" while more journeys are still to load).
 */
function flowCount(listed: number, more: boolean, filtered: boolean, flows: number): string {
  if (!filtered || !flows) return plural(flows, 'flow');
  return `${listed.toLocaleString()}${more ? '+' : ''} of ${plural(flows, 'flow')}`;
}

export function JourneyPanel() {
  const ctl = useController();
  const session = useAppState((s) => s.session);
  const filter = useAppState((s) => s.journeyFilter);
  const selected = useAppState((s) => s.selectedJourney);
  const view = useAppState((s) => s.journeyView);
  const selectedPacket = useAppState((s) => s.selectedPacket);
  const [loaded, setItems] = useState<JourneySummary[]>([]);
  const [loadedTotal, setTotal] = useState(0);
  /** The session's flows in the snapshot the list was loaded from (null: not said; the session's then). */
  const [loadedFlows, setFlows] = useState<number | null>(null);
  /** Why the back end could not read the filter (it then lists nothing). */
  const [filterError, setFilterError] = useState<string>();
  /** The session the loaded list is of. */
  const [listOf, setListOf] = useState<string>();
  const listRef = useRef<HTMLDivElement>(null);
  /** Bumped whenever the list starts over (session, revision, filter): a later page of an older list is dropped. */
  const generation = useRef(0);
  const loadingMore = useRef(false);

  const sessionId = session?.id;
  const revision = session?.revision;
  // A list loaded for another session is not shown while this one's loads: its rows would open this session's
  // journeys of the same numbers, other packets.
  const items = listOf === sessionId ? loaded : NONE;
  const total = listOf === sessionId ? loadedTotal : 0;
  const flows = listOf === sessionId ? loadedFlows : null;
  // While journeys are being computed there are none to list (the back end would hold the request until they
  // are, and the answer would come after the session change that asks again): ask once they are.
  const correlating = !!session?.correlating;
  // The id column as wide as the session's largest id needs ("#20", not room for "#999999"): a narrow list gives
  // the rest to the summary and the duration.
  const idWidth = `${String(Math.max(1, session?.journeys ?? 0)).length + 1.5}ch`;
  useEffect(() => {
    if (!sessionId || correlating) return;
    let live = true;
    const gen = ++generation.current;
    loadingMore.current = false;
    const t = setTimeout(async () => {
      const r = await ctl.api.listJourneys({ sessionId, filter, from: 0, count: PAGE });
      if (!live || gen !== generation.current) return;
      if (r.ok) {
        setItems(r.value.items);
        setTotal(r.value.total);
        // The flows of the snapshot the page came from, beside its journeys (not a newer snapshot's).
        setFlows(r.value.flows ?? null);
        setFilterError(r.value.error);
        setListOf(sessionId);
      } else ctl.store.set({ error: r.error });
    }, 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [ctl, sessionId, revision, filter, correlating]);

  // The flows of the listed journeys (the count line says them under a filter): once per page, not per scroll.
  const listedFlows = useMemo(
    () => new Set(items.map((j) => j.flow).filter((f) => f !== null)).size,
    [items],
  );

  const v = useVirtualizer({
    count: items.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => 22,
    overscan: 10,
  });
  // The next page as the end of what is loaded scrolls into view (a list of 125,000 journeys stopped at 2,000).
  const shown = v.getVirtualItems();
  const lastShown = shown.length ? shown[shown.length - 1].index : -1;
  useEffect(() => {
    if (!sessionId || correlating || loadingMore.current) return;
    if (items.length >= total || lastShown < items.length - PAGE / 10) return;
    loadingMore.current = true;
    const gen = generation.current;
    const from = items.length;
    void ctl.api.listJourneys({ sessionId, filter, from, count: PAGE }).then((r) => {
      if (gen !== generation.current) return;
      loadingMore.current = false;
      if (!r.ok) return ctl.store.set({ error: r.error });
      setItems((prev) => (prev.length === from ? [...prev, ...r.value.items] : prev));
      setTotal(r.value.total);
      setFlows(r.value.flows ?? null);
    });
  }, [ctl, sessionId, filter, correlating, items.length, total, lastShown]);
  if (!session) return null;
  return (
    <div className="journey-panel">
      <div className="journey-list">
        <input
          id="journey-filter"
          className="filter"
          placeholder="Filter journeys, tcpdump-style: host 10.1.10.8 && (icmp || port 80), net 10.244.0.0/16, !udp, node/iface…  ( / )"
          value={filter}
          onChange={(e) => ctl.store.set({ journeyFilter: e.target.value })}
          // Esc gives the keyboard back to the lists (↑/↓), the filter kept.
          onKeyDown={(e) => {
            if (e.key === 'Escape') e.currentTarget.blur();
            // Enter: the first journey that matches, and the keyboard to the list (↑/↓ from there).
            if (e.key === 'Enter' && items.length) {
              e.preventDefault();
              ctl.selectJourney(items[0].id);
              v.scrollToIndex(0, { align: 'auto' });
              listRef.current?.focus();
            }
          }}
        />
        {filterError && listOf === sessionId ? (
          <div className="filter-error" role="alert" data-testid="journey-filter-error">
            {filterError}
          </div>
        ) : null}
        <div className="muted small">
          {plural(total, 'journey')}
          {items.length < total
            ? ` (${items.length.toLocaleString()} loaded, more as you scroll)`
            : ''} ·{' '}
          {flowCount(listedFlows, items.length < total, filter.trim() !== '', flows ?? session.flows)}
        </div>
        <div
          ref={listRef}
          className="list-body"
          role="listbox"
          aria-label="journeys"
          data-testid="journey-list"
          tabIndex={0}
          onKeyDown={(e) => {
            // ↑/↓ (PageUp/PageDown by 20, Home/End to the ends) move the selected journey, keeping it in view.
            const step = {
              ArrowDown: 1,
              ArrowUp: -1,
              PageDown: 20,
              PageUp: -20,
              Home: -Infinity,
              End: Infinity,
            }[e.key];
            if (step === undefined || !items.length) return;
            e.preventDefault();
            e.stopPropagation();
            const at = items.findIndex((j) => j.id === selected);
            // Nothing selected in the list: ↓ and Home from before its first row, ↑ and End from past its last.
            const from = at >= 0 ? at : step > 0 ? -1 : items.length;
            const next = Math.max(0, Math.min(items.length - 1, from + step));
            ctl.selectJourney(items[next].id);
            v.scrollToIndex(next, { align: 'auto' });
          }}
        >
          {!items.length ? (
            <div className="empty small" data-testid="journey-empty">
              {session.journeys
                ? 'No journey matches. Every word must match a whole word: an address or ip:port at any hop ' +
                  '(outer headers too), a port, icmp/tcp/udp/vxlan/geneve, a node, an interface or node/interface, #id, or ' +
                  'summary text; a word with * or ? is an interface glob (cali*, node-1:veth*), a hop on an interface it ' +
                  'names; tcpdump’s [src|dst] host/net/port, ip, ip6, ether host MAC, vlan or vlan N (a hop’s tag), vni N, ' +
                  'geneve [VNI] and ' +
                  'A > B; a line pasted from a pane or from tcpdump finds its packet’s journey; and (&&), or (||), ' +
                  'not (!) and parentheses combine them.'
                : session.correlating
                  ? 'Working out journeys…'
                  : 'No journeys: no packet in this session could be followed (only IP packets are: ARP and ' +
                    'frames that could not be decoded are not).'}
            </div>
          ) : null}
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {v.getVirtualItems().map((it) => {
              const j = items[it.index];
              return (
                <div
                  key={j.id}
                  className={`jrow${j.id === selected ? ' selected' : ''}`}
                  style={{ transform: `translateY(${it.start}px)` }}
                  role="option"
                  aria-selected={j.id === selected}
                  data-testid="journey-row"
                  data-journey={j.id}
                  data-hops={j.hops}
                  data-flow={j.flow ?? undefined}
                  // The row cuts what a narrow list has no room for: all of it on hover.
                  title={`#${j.id + 1} ${j.proto} · ${plural(j.hops, 'hop')} · ${j.summary} · ${j.nodes.join(' → ')} · ${formatDuration(j.durationNs)}`}
                  onClick={() => ctl.selectJourney(j.id)}
                >
                  <span className="jid muted" style={{ width: idWidth }}>
                    #{j.id + 1}
                  </span>
                  <span className="proto">{j.proto}</span>
                  <span className="jhops">{plural(j.hops, 'hop')}</span>
                  <span className="mono jsum">{j.summary}</span>
                  {/* The nodes give way (an ellipsis), the duration stays whole: it is what a list of journeys
                      is compared by, and it came last, where the cut fell. */}
                  <span className="muted jnodes">{j.nodes.join(' → ')}</span>
                  <span className="muted jdur">· {formatDuration(j.durationNs)}</span>
                  {j.stop ? <StoppedBadge stop={j.stop} /> : null}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      <div className="journey-detail">
        {view ? (
          <>
            <div className="journey-title">
              <b>Journey #{view.id + 1}</b> <span className="mono">{view.summary}</span>{' '}
              <span className="muted">
                {plural(view.hopList.length, 'hop')} · {formatDuration(view.durationNs)}
                {view.direction ? ` · ${view.direction}` : ''}
              </span>
              {view.stop ? <StoppedBadge stop={view.stop} /> : null}
            </div>
            <HopLadder
              journey={view}
              baseNs={session.baseNs}
              selectedPacket={selectedPacket}
              onPickHop={(h) => ctl.selectPacket(h.packet)}
            />
            <LatencyChart journey={view} />
          </>
        ) : (
          <div className="empty">Select a journey, or a packet in a pane and press Enter.</div>
        )}
      </div>
    </div>
  );
}

/** A journey said stopped (docs/correlation.md, "Where a packet stopped"): the ladder's last line says where and why. */
function StoppedBadge({ stop }: { stop: JourneyStopView }) {
  return (
    <span
      className="badge stopped"
      data-testid="journey-stopped"
      title={[stop.text, ...stop.evidence].join('\n')}
    >
      ✗ stopped after {stop.after}
    </span>
  );
}
