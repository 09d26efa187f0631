// Clocks: each node's estimated offset against the reference node, its uncertainty and method, and a manual
// override that re-aligns the timeline and latencies at once.

import { useState } from 'react';

import { useAppState, useController } from '../context.ts';
import { formatDuration } from '../lib/timeScale.ts';

/** Why a traffic estimate is inconsistent (as the CLI's clock line says it: main/export/ladder.ts). */
const INCONSISTENT =
  'The bounds from the two directions cross: the clocks drifted apart during the capture (offsets are constant ' +
  'per capture), or a packet was linked to the wrong journey. A shorter capture or an override helps.';

export function ClocksPanel() {
  const ctl = useController();
  const session = useAppState((s) => s.session);
  const [edit, setEdit] = useState<Record<string, string>>({});
  if (!session) return null;
  if (!session.clocks.length)
    return <div className="empty">No clock estimates (one node, or no traffic crossing nodes).</div>;
  return (
    <div className="clocks" data-testid="clocks">
      <p className="muted small">
        Offset = how far the node’s clock is ahead of {session.referenceNode ?? 'the reference node'}{' '}
        (positive = ahead). Timestamps are corrected by subtracting it.
      </p>
      <table>
        <thead>
          <tr>
            <th>Node</th>
            <th>Offset</th>
            <th>± uncertainty</th>
            <th>Method</th>
            <th>Override (µs)</th>
          </tr>
        </thead>
        <tbody>
          {session.clocks.map((c) => (
            <tr key={c.node} data-node={c.node}>
              <td>{c.node}</td>
              <td className="mono">{formatDuration(c.offsetNs)}</td>
              <td className="mono">{c.uncertaintyNs === null ? '–' : formatDuration(c.uncertaintyNs)}</td>
              <td
                className={c.method === 'traffic-inconsistent' ? 'warn' : undefined}
                title={c.method === 'traffic-inconsistent' ? INCONSISTENT : undefined}
              >
                {c.overridden ? <span className="badge">manual</span> : null} {c.method}
                {c.overridden ? (
                  <span className="muted small"> (estimate {formatDuration(c.estimatedOffsetNs)})</span>
                ) : null}
              </td>
              <td>
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    const v = Number(edit[c.node]);
                    if (edit[c.node] !== undefined && Number.isFinite(v)) void ctl.setClock(c.node, v * 1000);
                  }}
                >
                  <input
                    className="num"
                    aria-label={`override offset of ${c.node} in microseconds`}
                    value={edit[c.node] ?? String(c.offsetNs / 1000)}
                    onChange={(e) => setEdit({ ...edit, [c.node]: e.target.value })}
                  />
                  <button type="submit">Apply</button>
                  {c.overridden ? (
                    <button
                      type="button"
                      onClick={() => void ctl.setClock(c.node, null).then(() => setEdit({}))}
                    >
                      Reset
                    </button>
                  ) : null}
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
