// A session worker (worker_threads): opens one session off the main thread — a quick scan of the files for the
// panes (posted at once, columns as transferable buffers), then the full read + correlation — and then answers
// the session's journey, clock and export requests. The main side is sessionHandle.ts; the protocol is below.

import { parentPort } from 'node:worker_threads';

import type { ExportRequest, OpenRange, Result, SessionInfo } from '../../preload/api.ts';
import { HopscopeError, toErrorData } from '../common/errors.ts';
import { exportResult } from './exporter.ts';
import { JourneyFilterError } from './journeyFilter.ts';
import type { LoadedSession } from './loadedSession.ts';
import { buildSession, defaultTitle, firstPath, openInputs, openRange } from './sessionBuild.ts';
import { scanInputs, type Scan } from './sessionScan.ts';
import type { ToWorker, FromWorker, PaneCapture, PreviewMsg, ReadyMsg } from './sessionProtocol.ts';
import { LINKTYPE_LINUX_SLL2 } from '../decode/fields.ts';
import { sessionDrops, type Inputs } from '../session/inputs.ts';
import { rangeNs, type TimeRange } from '../session/timeRange.ts';
import { openPacketLimit } from '../common/limits.ts';

const port = parentPort;
if (!port) throw new Error('sessionWorker.ts runs as a worker thread');

let session: LoadedSession | null = null;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** Progress at most every 100 ms: the main thread forwards it to the UI. */
function throttled(phase: 'reading', t0: number): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    post({ t: 'progress', phase, done, total, elapsedMs: now - t0 });
  };
}

function buffersOf(cols: Record<string, ArrayBufferView>): ArrayBuffer[] {
  return Object.values(cols).map((c) => c.buffer as ArrayBuffer);
}

/** True when the correlator's rows are the scan's rows, in the same order (then only journey columns move). */
function sameRows(scan: Scan, s: LoadedSession): boolean {
  const r = s.result.rows;
  if (s.result.rowCount !== scan.count || s.result.baseSec !== scan.baseSec) return false;
  if (s.result.captures.length !== scan.captures.length) return false;
  for (let k = 0; k < scan.captures.length; k++)
    if (s.result.captures[k].path !== scan.captures[k].path) return false;
  const a = scan.rows;
  for (let i = 0; i < scan.count; i++) {
    if (r.capture[i] !== a.capture[i] || r.t[i] !== a.t[i] || r.fileOffset[i] !== a.fileOffset[i])
      return false;
  }
  return true;
}

/** The lanes as the main thread reads them: a `-i any` lane with its node's interface names (its file's). */
function paneCaptures(caps: readonly { path?: string; linkType: number }[], inputs: Inputs): PaneCapture[] {
  const names = new Map(inputs.files.map((f) => [f.path, f.ifnames]));
  return caps.map((c) => {
    const path = c.path ?? '';
    const ifNames = c.linkType === LINKTYPE_LINUX_SLL2 ? names.get(path) : undefined;
    return ifNames ? { path, linkType: c.linkType, ifNames } : { path, linkType: c.linkType };
  });
}

/** What the panes need before correlation: lanes, counts, the time base; no journeys or clocks yet. */
function previewInfo(
  id: string,
  paths: string[],
  title: string | undefined,
  scan: Scan,
  drops: Map<string, number>,
  range: TimeRange | null,
): SessionInfo {
  return {
    id,
    title: title ?? defaultTitle(paths),
    path: firstPath(paths),
    live: false,
    baseNs: (BigInt(scan.baseSec) * 1_000_000_000n).toString(),
    captures: scan.captures.map((c, index) => ({
      index,
      node: c.node,
      iface: c.iface,
      linkType: c.linkType,
      packets: c.packets,
      drops: drops.get(`${c.node}/${c.iface}`) ?? null,
      problems: scan.problems.filter((p) => p.path === c.path).map((p) => p.message),
    })),
    packets: scan.count,
    journeys: 0,
    flows: 0,
    clocks: [],
    referenceNode: null,
    revision: 1,
    correlating: true,
    rowsRevision: 1,
    ...(range ? { range: rangeNs(range) } : {}),
  };
}

function open(
  id: string,
  paths: string[],
  title: string | undefined,
  previewMin: number,
  given: OpenRange | undefined,
): void {
  const t0 = Date.now();
  let scan: Scan | null = null;
  try {
    const inputs = openInputs(paths);
    const range = openRange(inputs, given);
    scan = scanInputs(inputs, throttled('reading', t0), openPacketLimit(), range);
    if (scan.count >= previewMin && scan.captures.length) {
      // Copies go to the main thread (transferred); the originals stay here to check the correlator's rows.
      const rows = {
        capture: scan.rows.capture.slice(),
        t: scan.rows.t.slice(),
        origLen: scan.rows.origLen.slice(),
        caplen: scan.rows.caplen.slice(),
        fileOffset: scan.rows.fileOffset.slice(),
      };
      const m: PreviewMsg = {
        t: 'preview',
        info: previewInfo(id, paths, title, scan, sessionDrops(inputs), range),
        rows,
        captures: paneCaptures(scan.captures, inputs),
        elapsedMs: Date.now() - t0,
      };
      post(m, buffersOf(rows));
    }
    post({ t: 'progress', phase: 'correlating', done: 0, total: 1, elapsedMs: Date.now() - t0 });
    const s = buildSession(
      paths,
      title,
      id,
      inputs,
      (p) => post({ t: 'progress', phase: 'correlating', ...p, elapsedMs: Date.now() - t0 }),
      range,
    );
    session = s;
    const same = scan.count >= previewMin && sameRows(scan, s);
    const cols = {
      journey: s.journeyCol.slice(),
      hop: s.hopCol.slice(),
      proto: s.protoCol.slice(),
      status: s.statusCol.slice(),
    };
    const r = s.result.rows;
    const rows = same
      ? undefined
      : {
          capture: r.capture.slice(0, s.count),
          t: r.t.slice(0, s.count),
          origLen: Uint32Array.from(r.origLen.subarray(0, s.count)),
          caplen: Uint32Array.from(r.caplen.subarray(0, s.count)),
          fileOffset: Float64Array.from(r.fileOffset.subarray(0, s.count)),
        };
    const captures = paneCaptures(s.result.captures, inputs);
    const m: ReadyMsg = {
      t: 'ready',
      info: s.info(),
      cols,
      rows,
      captures,
      elapsedMs: Date.now() - t0,
      threads: s.ingestThreads,
    };
    post(m, [...buffersOf(cols), ...(rows ? buffersOf(rows) : [])]);
  } catch (e) {
    post({ t: 'failed', error: toErrorData(e), previewed: !!scan && scan.count >= previewMin });
  }
}

async function call(
  method: string,
  req: unknown,
): Promise<{ res: Result<unknown>; transfer?: ArrayBuffer[] }> {
  try {
    const s = session;
    if (!s) throw new HopscopeError('USAGE', 'the session is not open');
    switch (method) {
      case 'listJourneys': {
        const q = req as { filter: string; from: number; count: number };
        const r = s.findJourneys(q.filter, q.from, q.count);
        return {
          res: {
            ok: true,
            value: {
              total: r.total,
              from: q.from,
              items: r.items,
              ...(r.error ? { error: r.error } : {}),
              flows: r.flows,
            },
          },
        };
      }
      case 'getJourney': {
        const k = (req as { journeyId: number }).journeyId;
        if (k >= s.result.journeyCount) throw new HopscopeError('USAGE', `no journey ${k}`);
        return { res: { ok: true, value: s.journey(k) } };
      }
      case 'setClockOverride': {
        const q = req as { node: string; offsetNs: number | null };
        if (!s.result.nodes.includes(q.node))
          throw new HopscopeError('USAGE', `no node ${q.node} in this session`);
        s.setManualOffset(q.node, q.offsetNs);
        const cols = {
          journey: s.journeyCol.slice(),
          hop: s.hopCol.slice(),
          proto: s.protoCol.slice(),
          status: s.statusCol.slice(),
        };
        return { res: { ok: true, value: { info: s.info(), cols } }, transfer: buffersOf(cols) };
      }
      case 'exportSession': {
        let q = req as ExportRequest & { path: string };
        // The journeys a filter lists (the journey list's): resolved here, where its index is.
        if (q.filter?.trim()) q = { ...q, journeys: filteredJourneys(s, q.filter, q.journeys) };
        let last = 0;
        const out = await exportResult(s.result, q, q.path, (done, total) => {
          // Throttled: at most a few progress events per second reach the UI.
          const now = Date.now();
          if (done < total && now - last < 200) return;
          last = now;
          post({ t: 'event', name: 'exportProgress', payload: { sessionId: s.id, done, total } });
        });
        return { res: { ok: true, value: out } };
      }
      default:
        throw new HopscopeError('USAGE', `the session worker does not answer ${method}`);
    }
  } catch (e) {
    return { res: { ok: false, error: toErrorData(e) } };
  }
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'open') open(m.id, m.paths, m.title, m.previewMin, m.range);
  else if (m.t === 'call')
    void call(m.method, m.req).then(({ res, transfer }) => post({ t: 'reply', seq: m.seq, res }, transfer));
});
post({ t: 'started' });

/**
 * The journeys journey filter `filter` lists (of `among`, when given), for an export of what the list shows: a
 * filter that cannot be read is FILTER_INVALID, one that lists nothing NO_MATCH (nothing is written), as the CLI's
 * `export --filter`.
 */
function filteredJourneys(s: LoadedSession, filter: string, among: number[] | undefined): number[] {
  let listed: number[] | null;
  try {
    listed = s.matchingJourneys(filter);
  } catch (e) {
    if (e instanceof JourneyFilterError)
      throw new HopscopeError('FILTER_INVALID', `filter ${JSON.stringify(filter)}: ${e.message}`);
    throw e;
  }
  let list = listed ?? Array.from({ length: s.result.journeyCount }, (_, k) => k);
  if (among) {
    const keep = new Set(among);
    list = list.filter((k) => keep.has(k));
  }
  if (list.length === 0)
    throw new HopscopeError(
      'NO_MATCH',
      `no journey matches the filter ${JSON.stringify(filter)}: nothing written`,
    );
  return list;
}
