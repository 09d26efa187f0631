// The timeline: a canvas with one lane per node/interface (grouped by node), packets as ticks on a clock-
// corrected axis, zoom (wheel) and pan (drag), the selected journey drawn across lanes, the hop under the mouse
// shown in a tooltip. Only visible pixels are drawn: per lane, packets are bucketed into pixel columns. The tool
// row and the time axis (DOM, sticky) stay at the top while the lanes scroll under them.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';

import type { Hop } from '../../../preload/api.ts';
import { useAppState, useController, usePacketsVersion } from '../context.ts';
import { timesLabels, wallClock } from '../lib/format.ts';
import { useFitTexts } from '../lib/useFitTexts.ts';
import { layoutLaneLabels, type Measure } from '../lib/laneLabels.ts';
import {
  endNs,
  fitScale,
  formatDuration,
  lowerBound,
  panBy,
  ticks,
  toNs,
  toPx,
  wheelAction,
  withWidth,
  zoomAt,
  type TimeScale,
} from '../lib/timeScale.ts';

/** The label column's width: at least this, wider for long node or interface names up to LABEL_MAX_W. */
const LABEL_MIN_W = 150;
const LABEL_MAX_W = 300;
const LANE_H = 22;
const AXIS_H = 22;
const FONT = '11px ui-monospace, monospace';
/** The hover tooltip's distance from the pointer, and from the window's edges (px). */
const TIP_GAP = 12;
const TIP_MARGIN = 4;

/** Text widths in the canvas' font (measured on a canvas of our own; ~6.6 px a character without one). */
function fontMeasure(): Measure {
  let g: CanvasRenderingContext2D | null = null;
  try {
    g = document.createElement('canvas').getContext('2d');
  } catch {
    // No canvas (a test DOM): the estimate below.
  }
  if (!g) return (t) => t.length * 6.6;
  g.font = FONT;
  return (t) => g.measureText(t).width;
}

interface Colors {
  fg: string;
  muted: string;
  grid: string;
  tick: string;
  accent: string;
  laneAlt: string;
}

function readColors(el: Element): Colors {
  const css = getComputedStyle(el);
  const color = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    fg: color('--fg', '#222'),
    muted: color('--muted', '#888'),
    grid: color('--grid', '#e5e5e5'),
    tick: color('--tick', '#4a7bd0'),
    accent: color('--accent', '#e0531f'),
    laneAlt: color('--lane-alt', 'rgba(0,0,0,0.03)'),
  };
}

/** The lanes (rows of the timeline) a journey's hops are drawn on. */
function lanesOf(hops: readonly { capture: number }[], captures: readonly { index: number }[]): number[] {
  return hops.map((h) => captures.findIndex((c) => c.index === h.capture)).filter((l) => l >= 0);
}

/**
 * Scrolls the timeline (`box`, which scrolls its canvas under the sticky `head`: tool row and axis) to bring `lanes`
 * into view below the head: all of them when they fit, else from the first. With `ifNoneShown`, only when none of
 * them is in view (its hop marks, drawn across each lane's middle, scrolled away or under the head): a selection
 * keeps the lanes the user scrolled to when they show the journey.
 */
function showLanes(
  box: HTMLElement | null,
  head: HTMLElement | null,
  canvas: HTMLCanvasElement | null,
  lanes: readonly number[],
  ifNoneShown: boolean,
): void {
  if (!box || !head || !canvas || !lanes.length) return;
  // Lane l spans y0 + l·LANE_H and the next LANE_H px of the scrolled content (the canvas' axis band above it lies
  // under the head's axis); what the head covers is not in view.
  const y0 = canvas.offsetTop + AXIS_H;
  const headH = head.offsetHeight;
  const viewTop = box.scrollTop + headH;
  const viewBottom = box.scrollTop + box.clientHeight;
  if (ifNoneShown) {
    const shown = lanes.some((l) => {
      const mid = y0 + (l + 0.5) * LANE_H;
      return mid >= viewTop && mid <= viewBottom;
    });
    if (shown) return;
  }
  const top = y0 + Math.min(...lanes) * LANE_H;
  const bottom = y0 + (Math.max(...lanes) + 1) * LANE_H;
  if (bottom - top > viewBottom - viewTop || top < viewTop) box.scrollTop = top - headH;
  else if (bottom > viewBottom) box.scrollTop = bottom - box.clientHeight;
}

/**
 * The hovered hop in the tooltip: which one, and its latency from the hop it is timed from, said by number (a copy
 * of a broadcast frame is timed from its sender's or its node's first copy, not the hop above), or that it was
 * received in parallel (no hop led to it: no latency), as the hop ladder says it.
 */
function hopSaid(hops: readonly Hop[], i: number): string {
  const h = hops[i];
  const which = `hop ${i + 1} of the selected journey`;
  if (i === 0) return which;
  if (h.fromHop === null || h.latencyNs === null) return `${which}, received in parallel (no latency)`;
  return `${which}, ${h.latencyNs < 0 ? '' : '+'}${formatDuration(h.latencyNs)} since hop ${h.fromHop + 1}`;
}

export function Timeline() {
  const ctl = useController();
  const version = usePacketsVersion();
  const session = useAppState((s) => s.session);
  const journey = useAppState((s) => s.journeyView);
  const selectedPacket = useAppState((s) => s.selectedPacket);
  const theme = useAppState((s) => s.theme);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLDivElement>(null);
  const toolsRef = useRef<HTMLDivElement>(null);
  // The user's zoom/pan, valid while the session's packet rows stay the same; otherwise the view fits all packets.
  const [view, setView] = useState<{ key: string; scale: TimeScale } | null>(null);
  const [width, setWidth] = useState(800);
  // The hovered packet, with the pointer in window coordinates (the tooltip is placed in the window).
  const [hover, setHover] = useState<{ clientX: number; clientY: number; packet: number } | null>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; moved: boolean } | null>(null);
  const axisRef = useRef<HTMLDivElement>(null);
  /** This render's wheel handler, for the listeners below (React's own wheel listeners cannot cancel). */
  const wheelRef = useRef<((e: WheelEvent, overAxis: boolean) => void) | null>(null);
  const colorsRef = useRef<({ key: string } & Colors) | null>(null);

  const [labelTitle, setLabelTitle] = useState<string | undefined>(undefined);

  const captures = useMemo(() => session?.captures ?? [], [session]);
  const height = AXIS_H + captures.length * LANE_H + 4;
  const labels = useMemo(
    () =>
      layoutLaneLabels(
        captures,
        fontMeasure(),
        LABEL_MIN_W,
        Math.max(LABEL_MIN_W, Math.min(LABEL_MAX_W, Math.floor(width * 0.3))),
      ),
    [captures, width],
  );
  const labelW = labels.width;

  // Whether the lanes scroll, for the hint (the wheel scrolls them then, and Ctrl/⌘ + wheel zooms): its box resizes.
  const [lanesScroll, setLanesScroll] = useState(false);
  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      setWidth(Math.max(200, el.clientWidth));
      setLanesScroll(el.scrollHeight > el.clientHeight + 1);
    });
    ro.observe(el);
    setWidth(Math.max(200, el.clientWidth));
    return () => ro.disconnect();
  }, []);
  // The lanes under it come and go with the session.
  useLayoutEffect(() => {
    const el = wrapRef.current;
    if (el) setLanesScroll(el.scrollHeight > el.clientHeight + 1);
  }, [height]);

  useEffect(() => {
    const cv = canvasRef.current;
    const axis = axisRef.current;
    const onCanvas = (e: WheelEvent) => wheelRef.current?.(e, false);
    const onAxis = (e: WheelEvent) => wheelRef.current?.(e, true);
    cv?.addEventListener('wheel', onCanvas, { passive: false });
    axis?.addEventListener('wheel', onAxis, { passive: false });
    return () => {
      cv?.removeEventListener('wheel', onCanvas);
      axis?.removeEventListener('wheel', onAxis);
    };
  }, [session]);

  // A journey selected (in the list, by ↑/↓, from a pane), or the selected one picked again, whose lanes are all
  // scrolled out of view: scroll them in. Only the lanes, only then: the zoom is the user's (the Journey button
  // zooms), and the keyboard stays where it is. A pick of another journey waits for its hops (journeyView).
  const picks = useAppState((st) => st.journeyPicks);
  const selectedJourney = useAppState((st) => st.selectedJourney);
  useEffect(() => {
    if (journey && journey.id === selectedJourney)
      showLanes(
        wrapRef.current,
        headRef.current,
        canvasRef.current,
        lanesOf(journey.hopList, captures),
        true,
      );
  }, [journey, selectedJourney, picks, captures]);

  // Not the revision: a clock override bumps it (journeys and corrected times are recomputed), and the user who
  // zoomed to a journey to see it re-aligned must still see it. New rows (other files, a reload) fit again.
  const key = `${session?.id}:${session?.rowsRevision ?? 1}:${ctl.packets.count > 0}`;
  const ext = ctl.packets.timeExtent();
  const fitted = (): TimeScale | null => (ext ? fitScale(ext[0], ext[1], width - labelW) : null);
  const s = view && view.key === key ? withWidth(view.scale, width - labelW) : fitted();
  const setScale = (scale: TimeScale) => setView({ key, scale });
  const fit = () => setView(null);

  // Publish the visible range (for "export what the timeline shows").
  const rangeStart = s?.startNs;
  const rangeEnd = s ? endNs(s) : undefined;
  useEffect(() => {
    const cur = ctl.store.get().visibleRange;
    const next: [number, number] | null =
      rangeStart === undefined || rangeEnd === undefined ? null : [rangeStart, rangeEnd];
    if (cur?.[0] !== next?.[0] || cur?.[1] !== next?.[1]) ctl.store.set({ visibleRange: next });
  }, [ctl, rangeStart, rangeEnd]);

  useEffect(() => {
    const cv = canvasRef.current;
    if (!cv) return;
    const dpr = window.devicePixelRatio || 1;
    // Assigning the size reallocates the canvas even when unchanged: only on a real change.
    if (cv.width !== Math.floor(width * dpr)) cv.width = Math.floor(width * dpr);
    if (cv.height !== Math.floor(height * dpr)) cv.height = Math.floor(height * dpr);
    const g = cv.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    // Colors come from the theme's CSS variables. Reading them forces a style recalculation of the page (rows
    // were just added): read once per theme, not on every redraw while a million rows load.
    const themeKey = document.documentElement.dataset.theme ?? '';
    if (colorsRef.current?.key !== themeKey) colorsRef.current = { key: themeKey, ...readColors(cv) };
    const { fg, muted, grid, tick, accent, laneAlt } = colorsRef.current;
    g.clearRect(0, 0, width, height);
    g.font = FONT;
    g.textBaseline = 'middle';

    // Labels fitted by measured width (laneLabels.ts): a long node name is ellipsized, not drawn over its first
    // lane's interface and into the plot; the full names are the label column's tooltip.
    captures.forEach((_c, lane) => {
      const y = AXIS_H + lane * LANE_H;
      const l = labels.lanes[lane];
      if (lane % 2) {
        g.fillStyle = laneAlt;
        g.fillRect(0, y, width, LANE_H);
      }
      if (l.node) {
        g.strokeStyle = grid;
        g.beginPath();
        g.moveTo(0, y + 0.5);
        g.lineTo(width, y + 0.5);
        g.stroke();
        g.fillStyle = fg;
        g.fillText(l.node, l.nodeX, y + LANE_H / 2);
      }
      g.fillStyle = muted;
      g.fillText(l.iface, l.ifaceX, y + LANE_H / 2);
    });
    if (!s) return;

    g.save();
    g.beginPath();
    g.rect(labelW, 0, width - labelW, height);
    g.clip();
    g.translate(labelW, 0);
    // The grid under the lanes; the axis' labels and marks are the head's (it stays in view as the lanes scroll).
    for (const t of ticks(s)) {
      g.strokeStyle = grid;
      g.beginPath();
      g.moveTo(Math.round(t.px) + 0.5, AXIS_H);
      g.lineTo(Math.round(t.px) + 0.5, height);
      g.stroke();
    }
    // Packets: per lane, binary-search the visible range, then mark occupied pixel columns.
    const w = Math.ceil(s.widthPx);
    const cols = new Uint8Array(w);
    const t0 = s.startNs;
    const t1 = endNs(s);
    g.fillStyle = tick;
    captures.forEach((c, lane) => {
      const n = ctl.packets.captureCount(c.index);
      if (!n) return;
      // The lane's packets in time order (its file order, unless the capture's clock stepped back or its NIC
      // reordered packets).
      const idx = ctl.packets.byTime(c.index);
      const at = (k: number) => ctl.packets.timeOf(idx[k]);
      const lo = lowerBound(at, 0, n, t0);
      const hi = lowerBound(at, lo, n, t1 + 1);
      cols.fill(0);
      // Hot loop over the visible packets: plain typed-array reads, no calls.
      const ts = ctl.packets.tsNs.data;
      // Raw time = corrected + offset; a drifting clock's offset moves by its rate over the view, taken at its middle
      // (500 ppm moves it 0.025 % of the view's span either side: under a pixel).
      const origin = t0 + ctl.packets.offsetAt(c.index, (t0 + t1) / 2);
      const inv = 1 / s.nsPerPx;
      if (hi - lo <= 4 * w) {
        for (let k = lo; k < hi; k++) {
          const px = Math.floor((ts[idx[k]] - origin) * inv);
          if (px >= 0 && px < w) cols[px] = 1;
        }
      } else {
        // Dense (a million packets fitted into the width): a column is occupied when some packet falls in it,
        // found by binary search per column — O(width × log n) instead of touching every packet on each redraw.
        let k = lo;
        for (let px = 0; px < w && k < hi; px++) {
          // First packet at or after the next column's start (raw times: the lane's offset is in `origin`).
          const edge = origin + (px + 1) * s.nsPerPx;
          let a = k;
          let b = hi;
          while (a < b) {
            const mid = (a + b) >>> 1;
            if (ts[idx[mid]] < edge) a = mid + 1;
            else b = mid;
          }
          if (a > k) cols[px] = 1;
          k = a;
        }
      }
      const y = AXIS_H + lane * LANE_H + 4;
      // One rectangle per run of occupied columns (the same pixels): a dense lane is one rectangle instead of
      // one per pixel column, which the canvas would otherwise record and rasterize on every redraw.
      for (let px = 0; px < w; px++) {
        if (!cols[px]) continue;
        const start = px;
        while (px + 1 < w && cols[px + 1]) px++;
        g.fillRect(start, y, px + 1 - start, LANE_H - 8);
      }
    });
    // The selected journey, hop to hop across lanes.
    if (journey) {
      g.strokeStyle = accent;
      g.fillStyle = accent;
      g.lineWidth = 2;
      g.beginPath();
      // Each hop from the one it is timed from: copies of a broadcast frame fan out from their sender's (or their
      // node's first copy), and one another node received in parallel is a mark with no line to it.
      const at = journey.hopList.map((h) => {
        const lane = captures.findIndex((c) => c.index === h.capture);
        return lane < 0 ? null : { x: toPx(s, h.tRelNs), y: AXIS_H + lane * LANE_H + LANE_H / 2 };
      });
      journey.hopList.forEach((h, i) => {
        const from = h.fromHop === null ? null : at[h.fromHop];
        const to = at[i];
        if (!from || !to) return;
        g.moveTo(from.x, from.y);
        g.lineTo(to.x, to.y);
      });
      g.stroke();
      journey.hopList.forEach((h) => {
        const lane = captures.findIndex((c) => c.index === h.capture);
        if (lane < 0) return;
        g.beginPath();
        g.arc(
          toPx(s, h.tRelNs),
          AXIS_H + lane * LANE_H + LANE_H / 2,
          h.packet === selectedPacket ? 5 : 3.5,
          0,
          Math.PI * 2,
        );
        g.fill();
      });
      g.lineWidth = 1;
    }
    g.restore();
  }, [ctl, version, s, width, height, captures, labels, labelW, journey, selectedPacket, theme]);

  // The tooltip below and right of the pointer; above it where it would leave the window at the bottom, left of
  // it at the right; always inside the window. Placed once its size is known, before it is painted.
  useLayoutEffect(() => {
    const tip = tipRef.current;
    if (!hover || !tip) return;
    const { offsetWidth: w, offsetHeight: h } = tip;
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    let left = hover.clientX + TIP_GAP;
    if (left + w > vw - TIP_MARGIN) left = hover.clientX - TIP_GAP - w;
    let top = hover.clientY + TIP_GAP;
    if (top + h > vh - TIP_MARGIN) top = hover.clientY - TIP_GAP - h;
    tip.style.left = `${Math.max(TIP_MARGIN, Math.min(left, vw - TIP_MARGIN - w))}px`;
    tip.style.top = `${Math.max(TIP_MARGIN, Math.min(top, vh - TIP_MARGIN - h))}px`;
  });

  /** The packet nearest to (x, y) within a few pixels, or -1. */
  const hitTest = (x: number, y: number): number => {
    if (!s || x < labelW) return -1;
    const lane = Math.floor((y - AXIS_H) / LANE_H);
    const c = captures[lane];
    if (!c) return -1;
    return ctl.packets.nearestInCapture(c.index, toNs(s, x - labelW), 5 * s.nsPerPx);
  };

  const local = (e: React.MouseEvent) => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  // Wheel and drag work on the axis too (it spans the canvas' width, so x is the same there). The wheel does one
  // thing at a time (wheelAction): over lanes that scroll it scrolls them, and Ctrl/⌘ + wheel zooms.
  const onWheel = (e: WheelEvent, overAxis: boolean) => {
    if (!s) return;
    const wrap = wrapRef.current;
    const act = wheelAction(e, {
      overAxis,
      lanesScroll: !!wrap && wrap.scrollHeight > wrap.clientHeight + 1,
    });
    if (act.kind === 'scroll') return;
    e.preventDefault(); // no scroll of the lanes (nor the browser's page zoom on Ctrl + wheel) as well
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    setScale(
      act.kind === 'zoom'
        ? zoomAt(s, Math.max(0, e.clientX - r.left - labelW), act.factor)
        : panBy(s, act.dxPx),
    );
  };
  useEffect(() => {
    wheelRef.current = onWheel;
  });
  const onMouseDown = (e: React.MouseEvent) => (drag.current = { x: e.clientX, moved: false });
  /** Pans while a drag is on; false when none is. */
  const dragMove = (e: React.MouseEvent): boolean => {
    if (!drag.current || !s) return false;
    const dx = e.clientX - drag.current.x;
    if (Math.abs(dx) > 2) {
      drag.current = { x: e.clientX, moved: true };
      setScale(panBy(s, dx));
    }
    return true;
  };

  // The tool row's texts give way to a narrow timeline in words before an ellipsis cuts them (each title has the
  // whole): the hint first, then the span across, the times' UTC label last.
  const zoomWith = lanesScroll ? 'Ctrl/⌘ + wheel' : 'wheel';
  const hintTexts = [
    `clock-corrected · ${zoomWith} to zoom · drag to pan`,
    `clock-corrected · ${zoomWith} to zoom`,
    'clock-corrected',
  ];
  const timesTexts = session && ext ? timesLabels(session.baseNs, ext[0], ext[1]) : [''];
  const across = s ? formatDuration(s.nsPerPx * s.widthPx) : '';
  const acrossTexts = [`${across} across`, across];
  const shown = useFitTexts(toolsRef, [timesTexts, acrossTexts, hintTexts]);
  if (!session) return null;
  const hint = hintTexts[0];
  const hoverHop = hover && journey?.hopList.findIndex((h) => h.packet === hover.packet);
  return (
    <div className="timeline" data-testid="timeline" ref={wrapRef}>
      {/* The tool row and the axis stay at the top while the lanes scroll under them (sticky); the canvas' own
          axis band lies under the head's axis, so lanes keep their places in the canvas. */}
      <div className="timeline-head" ref={headRef}>
        <div className="timeline-tools" ref={toolsRef}>
          <span className="title">Timeline</span>
          <span className="muted hint" title={hint} data-testid="timeline-hint" data-fit={2}>
            {hintTexts[shown[2]]}
          </span>
          {ext ? (
            <span
              className="muted"
              data-testid="times-label"
              data-fit={0}
              title={
                `Times in the panes and here are UTC (not this computer's local time), on ` +
                `${session.referenceNode ?? 'the reference node'}'s clock, as the CLI prints them.`
              }
            >
              {timesTexts[shown[0]]}
            </span>
          ) : null}
          <button onClick={() => s && setScale(zoomAt(s, s.widthPx / 2, 2))}>+</button>
          <button onClick={() => s && setScale(zoomAt(s, s.widthPx / 2, 0.5))}>−</button>
          <button onClick={fit}>Fit</button>
          <button
            disabled={!journey || !journey.hopList.length}
            data-testid="zoom-journey"
            title="zoom to the selected journey"
            onClick={() => {
              if (!journey?.hopList.length) return;
              const ts = journey.hopList.map((h) => h.tRelNs);
              setScale(fitScale(Math.min(...ts), Math.max(...ts), width - labelW, 0.15));
              // Its lanes into view too: with many lanes the timeline scrolls, and a journey drawn from a lane below
              // the fold came in from nowhere (its first hop, there, out of sight).
              showLanes(
                wrapRef.current,
                headRef.current,
                canvasRef.current,
                lanesOf(journey.hopList, captures),
                false,
              );
            }}
          >
            Journey
          </button>
          {s ? (
            <span className="muted" data-testid="timeline-span" data-fit={1} title={acrossTexts[0]}>
              {acrossTexts[shown[1]]}
            </span>
          ) : null}
        </div>
        <div
          className="timeline-axis"
          data-testid="timeline-axis"
          style={{ height: AXIS_H, paddingLeft: labelW }}
          ref={axisRef}
          title={`Wheel: zoom${lanesScroll ? ' (over the lanes: Ctrl/⌘ + wheel)' : ''} · drag: pan · double click: fit`}
          onMouseDown={onMouseDown}
          onMouseMove={dragMove}
          onMouseUp={() => (drag.current = null)}
          onMouseLeave={() => (drag.current = null)}
          onDoubleClick={fit}
        >
          <div className="timeline-axis-ticks">
            {s
              ? ticks(s).map((t) => (
                  <span key={t.label} className="timeline-tick" style={{ left: Math.round(t.px) }}>
                    {t.label}
                  </span>
                ))
              : null}
          </div>
        </div>
      </div>
      <canvas
        ref={canvasRef}
        style={{ width, height, marginTop: -AXIS_H }}
        title={labelTitle}
        data-label-width={labelW}
        onMouseDown={onMouseDown}
        onMouseMove={(e) => {
          if (dragMove(e)) return;
          const { x, y } = local(e);
          const lane =
            x < labelW && y >= AXIS_H ? labels.lanes[Math.floor((y - AXIS_H) / LANE_H)] : undefined;
          if (lane?.full !== labelTitle) setLabelTitle(lane?.full);
          const p = hitTest(x, y);
          setHover(p >= 0 ? { clientX: e.clientX, clientY: e.clientY, packet: p } : null);
        }}
        onMouseUp={(e) => {
          const d = drag.current;
          drag.current = null;
          if (d?.moved) return;
          const { x, y } = local(e);
          const p = hitTest(x, y);
          if (p >= 0) ctl.selectPacket(p);
        }}
        onMouseLeave={() => {
          drag.current = null;
          setHover(null);
          setLabelTitle(undefined);
        }}
        onDoubleClick={fit}
      />
      {hover
        ? // In the window, not in the timeline: the timeline scrolls its lanes (a tooltip inside it was cut at its
          // bottom and made it scroll further), and the pointer is in window coordinates.
          createPortal(
            <div className="tooltip" ref={tipRef}>
              <div>
                <b>
                  {session.captures[ctl.packets.capture.data[hover.packet]]?.node}/
                  {session.captures[ctl.packets.capture.data[hover.packet]]?.iface}
                </b>{' '}
                {wallClock(session.baseNs, ctl.packets.timeOf(hover.packet))}
              </div>
              {hoverHop !== null && hoverHop !== undefined && hoverHop >= 0 ? (
                <div data-testid="tooltip-hop">{hopSaid(journey!.hopList, hoverHop)}</div>
              ) : null}
              <div className="mono">{ctl.summaries.get(hover.packet) ?? '…'}</div>
            </div>,
            document.body,
          )
        : null}
    </div>
  );
}
