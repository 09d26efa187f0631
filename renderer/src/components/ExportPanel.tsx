// Export all packets, the selected journey, the journeys the filter lists or the visible range to pcapng / JSON / CSV,
// with progress.

import { useEffect, useState } from 'react';

import type { ExportFormat } from '../../../preload/api.ts';
import { useAppState, useController } from '../context.ts';
import { formatBytes, plural } from '../lib/format.ts';
import type { ExportForm } from '../store/appStore.ts';

/** What the clock-corrected choice means for each format (the JSON and the CSV have both times, it is not asked). */
const bothTimes: Record<ExportFormat, string> = {
  pcapng:
    "Each packet's time in the pcapng: on the reference node's clock (corrected), or as tcpdump recorded it.",
  json: 'The JSON has both times of every hop: tsNs as captured and tNs clock-corrected.',
  csv: 'The CSV has both times of every hop: a tsNs column as captured and a tNs column clock-corrected.',
};

export function ExportPanel() {
  const ctl = useController();
  const session = useAppState((s) => s.session);
  const journey = useAppState((s) => s.selectedJourney);
  const range = useAppState((s) => s.visibleRange);
  const listFilter = useAppState((s) => s.journeyFilter).trim();
  // The form lives in the app's store: another tab, looked at meanwhile, unmounts this panel.
  const form = useAppState((s) => s.exportForm);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);

  useEffect(() => ctl.api.onExportProgress((p) => setProgress({ done: p.done, total: p.total })), [ctl]);
  if (!session) return null;
  const { format, scope, corrected, path } = form;
  const busy = form.busyFor !== null;
  const outcome = form.outcome?.sessionId === session.id ? form.outcome : null;
  const update = (patch: Partial<ExportForm>) =>
    ctl.store.set((s) => ({ exportForm: { ...s.exportForm, ...patch } }));

  const run = async (overwrite = false) => {
    const sessionId = session.id;
    // A scope whose subject is gone (no journey selected, no range shown) is said, never widened to everything.
    const missing =
      scope === 'journey' && journey < 0
        ? 'No journey is selected: select one, or export everything.'
        : scope === 'range' && !range
          ? 'The timeline shows no range: export everything, or a journey.'
          : scope === 'listed' && !listFilter
            ? 'The journey list is not filtered: export everything, or filter it first.'
            : null;
    if (missing) {
      update({ outcome: { sessionId, result: null, error: missing, exists: false } });
      return;
    }
    update({ busyFor: sessionId, outcome: null });
    setProgress(null);
    const r = await ctl.api.exportSession({
      sessionId,
      format,
      clockCorrected: corrected,
      ...(scope === 'journey' ? { journeys: [journey] } : {}),
      ...(scope === 'range' && range ? { rangeNs: range } : {}),
      ...(scope === 'listed' ? { filter: listFilter } : {}),
      ...(path.trim() ? { path: path.trim() } : {}),
      ...(overwrite ? { overwrite } : {}),
    });
    update({
      busyFor: null,
      outcome: r.ok
        ? { sessionId, result: r.value, error: null, exists: false }
        : {
            sessionId,
            result: null,
            error: `${r.error.code}: ${r.error.message}`,
            exists: r.error.detail?.exists === true,
          },
    });
  };

  return (
    <div className="export" data-testid="export">
      <div className="form-row">
        <label>
          Format{' '}
          <select
            value={format}
            onChange={(e) => update({ format: e.target.value as ExportFormat, outcome: null })}
            aria-label="export format"
          >
            <option value="pcapng">pcapng (Wireshark)</option>
            <option value="json">JSON journeys</option>
            <option value="csv">CSV</option>
          </select>
        </label>
        <label>
          Scope{' '}
          <select
            value={scope}
            onChange={(e) => update({ scope: e.target.value as ExportForm['scope'], outcome: null })}
            aria-label="export scope"
          >
            <option value="all">everything</option>
            <option value="journey" disabled={journey < 0}>
              the selected journey
            </option>
            <option value="range" disabled={!range}>
              what the timeline shows
            </option>
            <option value="listed" disabled={!listFilter}>
              {listFilter ? `the journeys the filter lists (${listFilter})` : 'the journeys the filter lists'}
            </option>
          </select>
        </label>
        <label title={bothTimes[format]}>
          <input
            type="checkbox"
            checked={corrected}
            // Only the pcapng has one time per packet to choose; the JSON and the CSV carry both.
            disabled={format !== 'pcapng'}
            onChange={(e) => update({ corrected: e.target.checked })}
          />{' '}
          clock-corrected timestamps
        </label>
      </div>
      <div className="form-row">
        <input
          className="grow"
          placeholder="destination: a full path, e.g. ~/journeys.pcapng (default: a new file in the app's export folder)"
          value={path}
          onChange={(e) =>
            update({
              path: e.target.value,
              outcome: outcome?.exists ? { ...outcome, exists: false } : form.outcome,
            })
          }
          aria-label="export path"
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !busy) void run();
          }}
        />
        <button className="primary" disabled={busy} onClick={() => void run()}>
          {busy ? 'Exporting…' : 'Export'}
        </button>
      </div>
      {busy && progress ? <progress max={progress.total} value={progress.done} /> : null}
      {outcome?.error ? (
        <div className="error-state">
          {outcome.error}
          {outcome.exists ? (
            <>
              {' '}
              <button disabled={busy} onClick={() => void run(true)} data-testid="export-replace">
                Replace it
              </button>
            </>
          ) : null}
        </div>
      ) : null}
      {outcome?.result ? (
        <div className="ok-state" data-testid="export-result" data-path={outcome.result.path}>
          Wrote{' '}
          {outcome.result.journeys !== undefined
            ? `${plural(outcome.result.packets, 'hop')} of ${plural(outcome.result.journeys, 'journey')}`
            : plural(outcome.result.packets, 'packet')}
          , {formatBytes(outcome.result.bytes)} to <span className="mono">{outcome.result.path}</span>
          {outcome.result.downloadUrl ? (
            <>
              {' '}
              · <a href={outcome.result.downloadUrl}>download</a>
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
