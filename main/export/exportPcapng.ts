// Merged pcapng export: every captured frame of every input, in time order, one interface per node/interface
// (if_name "node-1/ens33"), epb_packetid = journey id, and a comment naming the journey hop and its changes.

import type { CorrelationResult } from '../correlate/result.ts';
import { changesBetween } from '../correlate/hops.ts';
import { F_DUP } from '../correlate/observations.ts';
import type { FrameSource } from '../session/frames.ts';
import { CommentBytes } from './commentBytes.ts';
import { GENERATOR } from './journeysJson.ts';
import type { Sink } from './sink.ts';
import { timeOrder } from './order.ts';
import { beginEpb, COMMENT_ROOM, endEpb, OPTION_HEADER, writeIdb, writeShb } from './pcapngWriter.ts';

export interface PcapngExportOptions {
  /** Write clock-corrected timestamps (each node's offset subtracted) instead of the captured ones. */
  correctedTime?: boolean;
  /** Interface descriptions by "node/iface" (from discovery). */
  descriptions?: Map<string, string>;
  /** Interface MACs by "node/iface" (from discovery) when the capture did not carry one. */
  macs?: Map<string, number>;
}

/** Per row: hop number within its journey (0-based, -1 none) and the previous hop's row. */
export function hopIndex(res: CorrelationResult): { hop: Int32Array; prev: Int32Array; count: Int32Array } {
  const n = res.rowCount;
  const hop = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const count = new Int32Array(res.journeyCount);
  // firstRow/nextRow walk journeyRows' order without an array per journey.
  for (let k = 0; k < res.journeyCount; k++) {
    let i = 0;
    let p = -1;
    for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) {
      hop[r] = i++;
      prev[r] = p;
      p = r;
    }
    count[k] = i;
  }
  return { hop, prev, count };
}

/**
 * Writes the merged pcapng into `sink`. With an asynchronous sink (Sink.file(path, { async: true })) the
 * caller finishes with `await sink.end()`; the export waits for it only when its buffers are all in flight.
 */
export async function exportPcapng(
  res: CorrelationResult,
  frames: FrameSource,
  sink: Sink,
  opts: PcapngExportOptions = {},
): Promise<number> {
  const corrected = opts.correctedTime === true;
  const clockNote = res.clocks
    .map((c) => `${c.node} ${c.method}${c.method === 'reference' ? '' : ` ${Math.round(c.offsetNs)} ns`}`)
    .join(', ');
  writeShb(sink, {
    application: GENERATOR,
    os: `${process.platform} ${process.arch}`,
    comment:
      `hopscope session: ${res.captures.length} interfaces on ${res.nodes.join(', ')}; ` +
      `${res.journeyCount} journeys, ${res.flowCount} flows; clocks: ${clockNote}; ` +
      `timestamps ${corrected ? 'clock-corrected to the reference node' : 'as captured'}`,
  });
  for (const c of res.captures) {
    const key = `${c.node}/${c.iface}`;
    writeIdb(sink, {
      linkType: c.linkType,
      snaplen: c.snaplen ?? 262144,
      name: key,
      description: opts.descriptions?.get(key) || c.description || `${c.iface} on ${c.node}`,
      mac: c.mac !== undefined && c.mac >= 0 ? c.mac : opts.macs?.get(key),
    });
  }
  const { hop, prev, count } = hopIndex(res);
  const rows = res.rows;
  const order = timeOrder(res, corrected);
  const base = res.baseSec;
  const flags = rows.flags;
  const capture = rows.capture;
  const origLen = rows.origLen;
  const tcol = rows.t;
  // Comments are built in place, inside the output buffer, with the same text as
  //   `journey K: duplicate frame`, `journey K hop 1/N: SUMMARY`, `journey K hop H/N +LATENCY[: CHANGES]`.
  const cb = new CommentBytes();
  for (let i = 0; i < order.length; i++) {
    if (sink.busy) await sink.ready();
    const r = order[i];
    const k = res.journeyOfRow(r);
    let len = frames.locate(r);
    if (len < 0) len = 0;
    const h = hop[r];
    const dup = k >= 0 && (flags[r] & F_DUP) !== 0;
    const summary = k >= 0 && !dup && h === 0 ? res.journeySummary(k) : '';
    // Row time is ns since baseSec (exact in a double); split into whole seconds and nanoseconds.
    const t = corrected ? Math.round(res.correctedT(r)) : tcol[r];
    const s = Math.floor(t / 1e9);
    const epb = beginEpb(
      sink,
      capture[r],
      base + s,
      t - s * 1e9,
      frames.buf,
      frames.start,
      len,
      origLen[r],
      summary.length * 3 + COMMENT_ROOM,
    );
    if (k >= 0) {
      cb.attach(sink.buffer, epb + OPTION_HEADER);
      if (dup)
        cb.str('journey ')
          .int(k + 1)
          .str(': duplicate frame');
      else if (h === 0) {
        cb.str('journey ')
          .int(k + 1)
          .str(' hop 1/')
          .int(count[k])
          .str(': ')
          .str(summary);
      } else if (h > 0) {
        const p = prev[r];
        const ch = changesBetween(rows, p, r);
        cb.str('journey ')
          .int(k + 1)
          .str(' hop ')
          .int(h + 1)
          .str('/')
          .int(count[k])
          .str(' +');
        cb.duration(res.correctedT(r) - res.correctedT(p));
        for (let c = 0; c < ch.length; c++) cb.str(c === 0 ? ': ' : ' ').str(ch[c]);
      }
      endEpb(sink, epb, cb.len - epb - OPTION_HEADER, k + 1);
    } else endEpb(sink, epb, 0, 0);
  }
  cb.reset();
  return order.length;
}
