// Per-hop latency of the selected journey as a small bar chart (recharts).

import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

import type { JourneyView } from '../../../preload/api.ts';
import { formatDuration } from '../lib/timeScale.ts';

const TICK_FONT_PX = 10;
/** The widest a character of a hop's name is at TICK_FONT_PX, about (DejaVu Sans' digits and lower case: 6.1). */
const CHAR_PX = 6.4;
const ANGLE = 20;
const SIN = Math.sin((ANGLE * Math.PI) / 180);
const COS = Math.cos((ANGLE * Math.PI) / 180);
const Y_AXIS_PX = 48;

export function LatencyChart({ journey }: { journey: JourneyView }) {
  // The chart's size: its hover state (the tooltip's hop and where it is drawn) belongs to one geometry. Kept across a
  // resize, or another journey's bars, it showed the hop that had been under the pointer, at its old place, until
  // the pointer moved: the chart starts afresh instead (keyed by both), no tooltip until the pointer moves.
  const [size, setSize] = useState('');
  // A copy of a broadcast frame received in parallel has no latency (no hop led to it): no bar, not a 0 µs one.
  // One timed from another hop than the one before (its sender's, or its node's first copy) says from which: "1→4".
  const data = journey.hopList.flatMap((h, i) =>
    h.latencyNs === null
      ? []
      : [
          {
            name: `${h.fromHop !== null && h.fromHop !== i - 1 ? `${h.fromHop + 1}→` : ''}${i + 1} ${h.node.replace(/^node-/, 'n')}/${h.iface}`,
            us: h.latencyNs / 1000,
          },
        ],
  );
  if (!data.length) return null;
  // The hops' names are slanted under their bars, ending at them: the axis is as tall as the longest needs, and the
  // chart leaves room on its left for the first (long veth names ran out of the chart, cut at its bottom and left).
  const longest = Math.max(...data.map((d) => d.name.length)) * CHAR_PX;
  const axisHeight = Math.max(40, Math.ceil(longest * SIN + TICK_FONT_PX * COS + 10));
  const left = Math.max(0, Math.ceil(data[0].name.length * CHAR_PX * COS) - Y_AXIS_PX);
  return (
    <div className="latency-chart" data-testid="latency-chart">
      <div className="muted small">Per-hop latency (µs, clock-corrected)</div>
      <ResponsiveContainer
        width="100%"
        height={100 + axisHeight}
        onResize={(w, h) => setSize(`${Math.round(w)}x${Math.round(h)}`)}
      >
        <BarChart
          key={`${journey.id} ${data.map((d) => d.name).join(' ')} ${size}`}
          data={data}
          margin={{ top: 4, right: 8, bottom: 0, left }}
        >
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis
            dataKey="name"
            tick={{ fontSize: TICK_FONT_PX, fill: 'var(--muted)' }}
            interval={0}
            angle={-ANGLE}
            height={axisHeight}
            textAnchor="end"
          />
          <YAxis tick={{ fontSize: TICK_FONT_PX, fill: 'var(--muted)' }} width={Y_AXIS_PX} />
          <Tooltip formatter={(v) => formatDuration(Number(v) * 1000)} />
          <Bar dataKey="us" name="latency" fill="var(--tick)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
