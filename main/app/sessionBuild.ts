// Opening a session in one go: the session library's inputs (labels, session.json, ip -j files), read and
// correlated into a LoadedSession. Synchronous: the app runs it in a session worker (sessionWorker.ts); live
// capture's small periodic re-correlation calls it directly.

import path from 'node:path';

import { HopscopeError, type ErrorCode } from '../common/errors.ts';
import { correlateInputs } from '../session/ingest.ts';
import { loadInputs, sessionDrops, type Inputs } from '../session/inputs.ts';
import { defaultThreads, type IngestOptions } from '../session/parallelIngest.ts';
import { problemText } from '../pcap/types.ts';
import { captureSpan, timeRange, type TimeRange } from '../session/timeRange.ts';
import type { OpenRange } from '../../preload/api.ts';
import { LoadedSession } from './loadedSession.ts';

/** The title a session gets from its first path (a NODE:IFACE= label stripped). */
export function firstPath(paths: string[]): string {
  return paths[0].replace(/^[^/=]*:[^=/]+=/, '');
}

export function defaultTitle(paths: string[]): string {
  const first = firstPath(paths);
  return path.basename(first.replace(/\/+$/, '')) || first;
}

export function openInputs(paths: string[]): Inputs {
  const inputs = loadInputs(paths);
  if (!inputs.ok) throw new HopscopeError(inputs.error.code, inputs.error.message, inputs.error.detail);
  if (!inputs.value.files.length) throw new HopscopeError('SESSION_INVALID', 'no capture files to open');
  return inputs.value;
}

/** An open's range (OpenRange) over its inputs (a time of day put on a date by their span: timeOn); null: none. */
export function openRange(inputs: Inputs, range: OpenRange | undefined): TimeRange | null {
  if (!range) return null;
  return timeRange(
    range.after?.trim() || undefined,
    range.before?.trim() || undefined,
    () => captureSpan(inputs.files.map((f) => f.path)),
    { after: 'after', before: 'before' },
  );
}

export function buildSession(
  paths: string[],
  title: string | undefined,
  id: string,
  given?: Inputs,
  onProgress?: IngestOptions['onProgress'],
  range: TimeRange | null = null,
): LoadedSession {
  const inputs = given ?? openInputs(paths);
  // One CPU stays with the UI and the server (on a 2-CPU machine: no ingest workers while the panes scroll).
  const c = correlateInputs(inputs, { onProgress, threads: defaultThreads(1), range });
  if (!c.result.captures.length) {
    // Nothing readable at all: say why (a bad magic, a missing file…) rather than open an empty session.
    const p = c.problems[0]?.problem;
    const code = p && 'code' in p && /^[A-Z_]+$/.test(p.code) ? (p.code as ErrorCode) : 'SESSION_INVALID';
    throw new HopscopeError(
      code,
      p ? `${path.basename(c.problems[0].path)}: ${p.message}` : 'no capture could be read',
      p ? { offset: p.offset } : undefined,
    );
  }
  // Titled after the first file that opened: a non-capture given first (its problem is in the notice) is not it.
  const opened = new Set(c.result.captures.map((x) => x.path));
  const unopened = new Set(c.problems.flatMap((p) => (opened.has(p.path) ? [] : [p.path])));
  const named = paths.filter((p) => !unopened.has(firstPath([p])));
  const s = new LoadedSession(
    id,
    title ?? defaultTitle(named.length ? named : paths),
    firstPath(paths),
    c.correlator,
    c.result,
    c.problems.map((p) => ({
      path: p.path,
      message: problemText(p.problem),
    })),
    sessionDrops(inputs),
  );
  s.ingestThreads = c.threads;
  s.inputWarnings = inputs.warnings;
  s.range = range;
  return s;
}
