// Export all packets, the selected journey or the visible range to pcapng / JSON / CSV, with progress.

import { useEffect, useState } from 'react';

import type { ExportFormat, ExportResult } from '../../../preload/api.ts';
import { useAppState, useController } from '../context.ts';
import { formatBytes, plural } from '../lib/format.ts';

export function ExportPanel() {
  const ctl = useController();
  const session = useAppState((s) => s.session);
  const journey = useAppState((s) => s.selectedJourney);
  const [format, setFormat] = useState<ExportFormat>('pcapng');
  const range = useAppState((s) => s.visibleRange);
  const [scope, setScope] = useState<'all' | 'journey' | 'range'>('all');
  const [corrected, setCorrected] = useState(true);
  const [path, setPath] = useState('');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<ExportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The path given exists: the next Export replaces it once the user says so. */
  const [exists, setExists] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => ctl.api.onExportProgress((p) => setProgress({ done: p.done, total: p.total })), [ctl]);
  if (!session) return null;

  const run = async (overwrite = false) => {
    setBusy(true);
    setError(null);
    setExists(false);
    setResult(null);
    setProgress(null);
    const r = await ctl.api.exportSession({
      sessionId: session.id,
      format,
      clockCorrected: corrected,
      ...(scope === 'journey' && journey >= 0 ? { journeys: [journey] } : {}),
      ...(scope === 'range' && range ? { rangeNs: range } : {}),
      ...(path.trim() ? { path: path.trim() } : {}),
      ...(overwrite ? { overwrite } : {}),
    });
    setBusy(false);
    if (r.ok) setResult(r.value);
    else {
      setError(`${r.error.code}: ${r.error.message}`);
      setExists(r.error.detail?.exists === true);
    }
  };

  return (
    <div className="export" data-testid="export">
      <div className="form-row">
        <label>
          Format{' '}
          <select
            value={format}
            onChange={(e) => setFormat(e.target.value as ExportFormat)}
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
            onChange={(e) => setScope(e.target.value as 'all' | 'journey' | 'range')}
            aria-label="export scope"
          >
            <option value="all">everything</option>
            <option value="journey" disabled={journey < 0}>
              the selected journey
            </option>
            <option value="range" disabled={!range}>
              what the timeline shows
            </option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={corrected} onChange={(e) => setCorrected(e.target.checked)} />{' '}
          clock-corrected timestamps
        </label>
      </div>
      <div className="form-row">
        <input
          className="grow"
          placeholder="destination: a full path, e.g. ~/journeys.pcapng (default: a new file in the app's export folder)"
          value={path}
          onChange={(e) => {
            setPath(e.target.value);
            setExists(false);
          }}
          aria-label="export path"
        />
        <button className="primary" disabled={busy} onClick={() => void run()}>
          {busy ? 'Exporting…' : 'Export'}
        </button>
      </div>
      {busy && progress ? <progress max={progress.total} value={progress.done} /> : null}
      {error ? (
        <div className="error-state">
          {error}
          {exists ? (
            <>
              {' '}
              <button disabled={busy} onClick={() => void run(true)} data-testid="export-replace">
                Replace it
              </button>
            </>
          ) : null}
        </div>
      ) : null}
      {result ? (
        <div className="ok-state" data-testid="export-result" data-path={result.path}>
          Wrote{' '}
          {result.journeys !== undefined
            ? `${plural(result.packets, 'hop')} of ${plural(result.journeys, 'journey')}`
            : plural(result.packets, 'packet')}
          , {formatBytes(result.bytes)} to <span className="mono">{result.path}</span>
          {result.downloadUrl ? (
            <>
              {' '}
              · <a href={result.downloadUrl}>download</a>
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
