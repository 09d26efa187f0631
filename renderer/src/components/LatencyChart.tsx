// Per-hop latency of the selected journey as a small bar chart (recharts).

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

import type { JourneyView } from '../../../preload/api.ts';
import { formatDuration } from '../lib/timeScale.ts';

export function LatencyChart({ journey }: { journey: JourneyView }) {
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
  return (
    <div className="latency-chart" data-testid="latency-chart">
      <div className="muted small">Per-hop latency (µs, clock-corrected)</div>
      <ResponsiveContainer width="100%" height={140}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
          <XAxis
            dataKey="name"
            tick={{ fontSize: 10, fill: 'var(--muted)' }}
            interval={0}
            angle={-20}
            height={40}
            textAnchor="end"
          />
          <YAxis tick={{ fontSize: 10, fill: 'var(--muted)' }} width={48} />
          <Tooltip formatter={(v) => formatDuration(Number(v) * 1000)} />
          <Bar dataKey="us" fill="var(--tick)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
