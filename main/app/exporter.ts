// Export from the app: everything through the export library's streaming writers, or only chosen journeys /
// a time range (the same pcapng blocks and journey documents, filtered), with progress callbacks.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

import type { ExportRequest, ExportResult } from '../../preload/api.ts';
import { HopscopeError } from '../common/errors.ts';
import { changesBetween, pieceRange } from '../correlate/hops.ts';
import { F_DUP } from '../correlate/observations.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { writeCsv } from '../export/csv.ts';
import { sessionComment, writeInterfaceBlocks } from '../export/exportPcapng.ts';
import { hopIndex } from '../export/hopIndex.ts';
import { latency } from '../export/ladder.ts';
import { pieceBytes } from '../../preload/pieceBytes.ts';
import { documentHead, GENERATOR, JourneyJsonWriter, writeJourneysJson } from '../export/journeysJson.ts';
import { lit, TextBytes } from '../export/textBytes.ts';
import { timeOrder } from '../export/order.ts';
import { writeEpb, writeShb } from '../export/pcapngWriter.ts';
import { refuseInputAsOutput, Sink } from '../export/sink.ts';
import { SESSION_FILE } from '../capture/sessionFolder.ts';
import { FrameSource } from '../session/frames.ts';

const EXT = { pcapng: 'pcapng', json: 'json', csv: 'csv' } as const;
const COMMA = lit(',');
const PROGRESS_EVERY = 20_000;

export type Progress = (done: number, total: number) => void;

export function defaultExportPath(dir: string, title: string, format: ExportRequest['format']): string {
  const stem = title.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'session';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(dir, `${stem}-${stamp}.${EXT[format]}`);
}

/** A session's own files, which an export must never overwrite: its captures, and session.json beside them. */
export function sessionInputs(capturePaths: Iterable<string | null | undefined>): string[] {
  const out: string[] = [];
  for (const p of capturePaths) if (p) out.push(p, path.join(path.dirname(p), SESSION_FILE));
  return out;
}

export async function exportResult(
  res: CorrelationResult,
  req: ExportRequest,
  file: string,
  progress: Progress,
): Promise<ExportResult> {
  const dir = path.dirname(file);
  refuseInputAsOutput(file, sessionInputs(res.captures.map((c) => c.path)));
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const subset = req.journeys !== undefined || req.rangeNs !== undefined;
  // What chose the journeys, when a filter did (sessionWorker resolved it into `journeys`).
  const filter = req.filter?.trim() ? req.filter : undefined;
  const journeys = req.journeys?.filter((k) => k >= 0 && k < res.journeyCount);
  if (req.journeys !== undefined && !journeys?.length)
    throw new HopscopeError('USAGE', 'none of the chosen journeys exist');
  // Replaced only when the user said so (service.ts's exportTarget asked), never a file made meanwhile.
  const sink = Sink.file(file, { keep: req.overwrite !== true });
  const written = await sink.fill(async (): Promise<{ packets: number; journeys?: number }> => {
    if (req.format === 'pcapng') {
      const what =
        filter !== undefined && journeys
          ? `${journeys.length} journey${journeys.length === 1 ? '' : 's'} matching ${JSON.stringify(filter)}`
          : undefined;
      return { packets: await pcapngRows(res, sink, req, journeys, progress, what) };
    }
    // JSON and CSV hold journeys' hops (duplicated frames and packets of no journey are not in them).
    const list = subset ? selectJourneys(res, journeys, req.rangeNs) : null;
    if (req.format === 'json') {
      if (list) return { packets: subsetJson(res, sink, list, progress, filter), journeys: list.length };
      progress(0, res.journeyCount);
      writeJourneysJson(res, sink);
      progress(res.journeyCount, res.journeyCount);
      return { packets: hopCount(res), journeys: res.journeyCount };
    }
    if (list) return { packets: subsetCsv(res, sink, list, progress), journeys: list.length };
    progress(0, res.journeyCount);
    writeCsv(res, sink);
    progress(res.journeyCount, res.journeyCount);
    return { packets: hopCount(res), journeys: res.journeyCount };
  });
  return { path: file, bytes: statSync(file).size, ...written };
}

/** Hops of every journey: the rows a full JSON or CSV export holds. */
function hopCount(res: CorrelationResult): number {
  let n = 0;
  for (let k = 0; k < res.journeyCount; k++) for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) n++;
  return n;
}

function selectJourneys(
  res: CorrelationResult,
  journeys: number[] | undefined,
  range: [number, number] | undefined,
): number[] {
  const list = journeys ?? Array.from({ length: res.journeyCount }, (_, k) => k);
  if (!range) return list;
  return list.filter((k) => {
    const rows = res.journeyRows(k);
    return rows.length > 0 && res.correctedT(rows[0]) >= range[0] && res.correctedT(rows[0]) < range[1];
  });
}

function subsetJson(
  res: CorrelationResult,
  sink: Sink,
  list: number[],
  progress: Progress,
  filter?: string,
): number {
  const selection = { ...(filter !== undefined ? { filter } : {}), journeys: list.map((k) => k + 1) };
  const head = JSON.stringify({ ...documentHead(res), selection });
  sink.write(head.slice(0, -1) + ',"journeys":[');
  let rows = 0;
  const out = new TextBytes(sink);
  const writer = new JourneyJsonWriter(out, res);
  list.forEach((k, i) => {
    if (i) out.bytes(COMMA);
    writer.journey(k);
    rows += res.journeyRows(k).length;
    if (i % 1000 === 0) progress(i, list.length);
  });
  out.done();
  sink.write(']}\n');
  progress(list.length, list.length);
  return rows;
}

/**
 * CSV of chosen journeys: the export library's writer, told which journeys to write, so the rows, columns and
 * journey numbers are exactly those of the full CSV.
 */
function subsetCsv(res: CorrelationResult, sink: Sink, list: number[], progress: Progress): number {
  progress(0, list.length);
  writeCsv(res, sink, 1, list);
  progress(list.length, list.length);
  return list.reduce((n, k) => n + res.journeyRows(k).length, 0);
}

/**
 * The merged pcapng (the export library's blocks and notes: one interface per node/interface, epb_packetid =
 * journey, a comment per hop) of every row, the chosen journeys' rows, or the rows in a time range. Yields to
 * the event loop every PROGRESS_EVERY packets so progress reaches the UI while a long export runs. `chosenBy`:
 * what chose the journeys, for the section's comment (else their ids); the CLI's `--filter`.
 */
export async function pcapngRows(
  res: CorrelationResult,
  sink: Sink,
  req: Pick<ExportRequest, 'clockCorrected' | 'rangeNs'>,
  journeys: readonly number[] | undefined,
  progress: Progress,
  chosenBy?: string,
): Promise<number> {
  const corrected = req.clockCorrected;
  const rows = res.rows;
  const keep = new Uint8Array(res.rowCount);
  if (journeys) for (const k of journeys) for (const r of res.journeyRows(k)) keep[r] = 1;
  else keep.fill(1);
  if (req.rangeNs) {
    const [a, b] = req.rangeNs;
    for (let r = 0; r < res.rowCount; r++)
      if (keep[r]) keep[r] = res.correctedT(r) >= a && res.correctedT(r) < b ? 1 : 0;
  }
  const what = journeys
    ? (chosenBy ?? `journeys ${journeys.map((k) => k + 1).join(', ')}`)
    : req.rangeNs
      ? 'a time range'
      : 'everything';
  writeShb(sink, {
    application: GENERATOR,
    os: `${process.platform} ${process.arch}`,
    comment: sessionComment(res, corrected, what),
  });
  // The CLI's interface blocks: descriptions and MACs from the capture files, else from discovery.
  writeInterfaceBlocks(sink, res);
  const { hop, prev, count, journey } = hopIndex(res);
  const frames = new FrameSource(res);
  const order = timeOrder(res, corrected, { journey, hop });
  let total = 0;
  for (let r = 0; r < keep.length; r++) total += keep[r];
  progress(0, total);
  let written = 0;
  try {
    for (let x = 0; x < order.length; x++) {
      const r = order[x];
      if (!keep[r]) continue;
      const k = res.journeyOfRow(r);
      let comment = '';
      if (k >= 0) {
        if (rows.flags[r] & F_DUP) comment = `journey ${k + 1}: duplicate frame`;
        else if (hop[r] === 0) comment = `journey ${k + 1} hop 1/${count[k]}: ${res.journeySummary(k)}`;
        else if (hop[r] > 0 && prev[r] < 0)
          // A copy of a broadcast or multicast frame another node received in parallel: no hop led to it.
          comment = `journey ${k + 1} hop ${hop[r] + 1}/${count[k]} (parallel copy)`;
        else if (hop[r] > 0) {
          const p = prev[r];
          const ch = changesBetween(rows, p, r);
          const since = hop[p] === hop[r] - 1 ? '' : ` (since hop ${hop[p] + 1})`;
          // A NAT'ed hop says what the packet was before it, as the CLI's export does.
          const was = ch.includes('nat-dst') || ch.includes('nat-src') ? ` (was ${res.rowTuple(p)})` : '';
          // A piece of a TCP segment cut on the way says which of the segment's bytes it carries.
          const piece = ch.includes('split') ? pieceRange(rows, r, p) : null;
          const bytes = piece ? ` (${pieceBytes(piece)})` : '';
          comment = `journey ${k + 1} hop ${hop[r] + 1}/${count[k]} ${latency(res.correctedT(r) - res.correctedT(p))}${since}${ch.length ? `: ${ch.join(' ')}` : ''}${was}${bytes}`;
        }
      }
      // Row time is ns since baseSec (exact in a double); the EPB wants whole seconds and nanoseconds.
      const t = corrected ? Math.round(res.correctedT(r)) : rows.t[r];
      const sec = Math.floor(t / 1e9);
      writeEpb(
        sink,
        rows.capture[r],
        res.baseSec + sec,
        t - sec * 1e9,
        frames.frame(r),
        rows.origLen[r],
        k >= 0 ? k + 1 : 0,
        comment,
      );
      if (++written % PROGRESS_EVERY === 0) {
        progress(written, total);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    frames.close();
  }
  progress(written, total);
  return written;
}
