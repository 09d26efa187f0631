// Clocks: each node's estimated offset against the reference node, its uncertainty and method, and a manual
// override that re-aligns the timeline and latencies at once.

import { useState } from 'react';

import { MAX_MANUAL_OFFSET_NS, OFFSET_UNIT_NS } from '../../../preload/api.ts';
import { useAppState, useController } from '../context.ts';
import { formatDuration } from '../lib/timeScale.ts';

export function ClocksPanel() {
  const ctl = useController();
  const session = useAppState((s) => s.session);
  const [edit, setEdit] = useState<Record<string, string>>({});
  const [bad, setBad] = useState<Record<string, string>>({});
  if (!session) return null;
  /**
   * The override typed for `node` → ns, or why it cannot be applied: a decimal number (an exponent allowed), µs
   * unless a unit follows (s, ms, us, µs, ns; any case, a space allowed): '-1.5', '1.5ms', '.5 MS', '2e3'.
   */
  const parse = (node: string): number | string => {
    const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(s|ms|us|µs|ns)?$/i.exec(
      (edit[node] ?? '').trim(),
    );
    if (!m) return 'a number of microseconds, e.g. -1.5, or with a unit: 1.5ms, -250us, 2s';
    const v = Number(m[1]);
    const unit = (m[2] ?? 'us').toLowerCase();
    const ns = Math.round(v * (OFFSET_UNIT_NS[unit] ?? 1e3)); // µs, Greek μ too
    if (v !== 0 && ns === 0) return 'under half a nanosecond: say 0 to set no offset';
    // As the back end and the CLI's --clock refuse it.
    if (Math.abs(ns) > MAX_MANUAL_OFFSET_NS) return 'at most 50 days (4.32e12 µs) either way';
    return ns;
  };

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
              <td className="mono">
                {formatDuration(c.offsetNs, c.uncertaintyNs ?? Infinity)}
                {c.rate ? (
                  <div className="muted small" data-testid="clock-rate" title={c.note ?? undefined}>
                    {ppmText(c.rate)}
                  </div>
                ) : null}
              </td>
              <td className="mono">{c.uncertaintyNs === null ? '–' : formatDuration(c.uncertaintyNs)}</td>
              <td
                className={c.method === 'traffic-inconsistent' || c.conflict ? 'warn' : undefined}
                title={c.note ?? undefined}
              >
                {c.overridden ? (
                  <>
                    <span className="badge">manual</span>
                    <span className="muted small" data-testid="clock-estimate">
                      {' '}
                      (estimate {formatDuration(c.estimatedOffsetNs)}
                      {c.estimatedRate
                        ? `, drifting ${ppmText(c.estimatedRate)}: ${formatDuration(c.estimatedRate.fromOffsetNs)} → ` +
                          `${formatDuration(c.estimatedRate.toOffsetNs)} over the capture`
                        : ''}
                      )
                    </span>
                    {c.outsideEstimate ? (
                      <div className="warn small" data-testid="override-outside">
                        outside what the traffic says: hops to and from {c.node} may show negative latencies
                        or not be linked
                        {c.estimatedRate
                          ? ' (a steady offset cannot follow a drifting clock: Reset to correct along it)'
                          : ''}
                      </div>
                    ) : null}
                  </>
                ) : (
                  <>
                    {c.method}
                    {c.note ? (
                      <div
                        className={`small clock-note${c.conflict ? ' warn' : ''}`}
                        data-testid="clock-note"
                      >
                        {c.note}
                      </div>
                    ) : null}
                  </>
                )}
              </td>
              <td>
                {c.method === 'reference' ? (
                  <span className="muted small">the reference: the others are offsets from it</span>
                ) : (
                  <form
                    onSubmit={(e) => {
                      e.preventDefault();
                      if (edit[c.node] === undefined) return; // nothing typed: nothing to apply
                      const v = parse(c.node);
                      setBad({ ...bad, [c.node]: typeof v === 'string' ? v : '' });
                      if (typeof v === 'number') void ctl.setClock(c.node, v);
                    }}
                  >
                    <input
                      className={`num${bad[c.node] ? ' invalid' : ''}`}
                      aria-label={`override offset of ${c.node} in microseconds`}
                      title="µs, or with a unit: 1.5ms, -250us, 2s"
                      aria-invalid={!!bad[c.node]}
                      value={edit[c.node] ?? String(c.offsetNs / 1000)}
                      onChange={(e) => {
                        setEdit({ ...edit, [c.node]: e.target.value });
                        setBad({ ...bad, [c.node]: '' });
                      }}
                    />
                    <button type="submit">Apply</button>
                    {c.overridden ? (
                      <button
                        type="button"
                        onClick={() => {
                          // Once reset, the field shows the estimate again, unless something was typed meanwhile.
                          const typed = edit[c.node];
                          setBad({ ...bad, [c.node]: '' }); // the field goes back to the estimate: no error left
                          void ctl.setClock(c.node, null).then(() =>
                            setEdit((e) => {
                              if (e[c.node] !== typed) return e;
                              const { [c.node]: _reset, ...rest } = e;
                              return rest;
                            }),
                          );
                        }}
                      >
                        Reset
                      </button>
                    ) : null}
                    {bad[c.node] ? (
                      <div className="filter-error" role="alert" data-testid="clock-error">
                        {bad[c.node]}
                      </div>
                    ) : null}
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A drift rate with its sign and uncertainty, "+50.35 ± 0.40 ppm", "−3.1 ± 1.2 ppm" (a minus, as offsets have). */
function ppmText(r: { ppm: number; ppmUncertainty: number }): string {
  const digits = r.ppmUncertainty < 1 ? 2 : 1;
  return `${r.ppm < 0 ? '−' : '+'}${Math.abs(r.ppm).toFixed(digits)} ± ${r.ppmUncertainty.toFixed(digits)} ppm`;
}
