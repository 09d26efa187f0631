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
import { writeEpbBytes, writeIdb, writeShb } from './pcapngWriter.ts';

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
  for (let k = 0; k < res.journeyCount; k++) {
    const rows = res.journeyRows(k);
    count[k] = rows.length;
    for (let i = 0; i < rows.length; i++) {
      hop[rows[i]] = i;
      prev[rows[i]] = i > 0 ? rows[i - 1] : -1;
    }
  }
  return { hop, prev, count };
}

export function exportPcapng(
  res: CorrelationResult,
  frames: FrameSource,
  sink: Sink,
  opts: PcapngExportOptions = {},
): number {
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
  // Comments are built as bytes in one reused buffer (CommentBytes): the same text as
  //   `journey K: duplicate frame`, `journey K hop 1/N: SUMMARY`, `journey K hop H/N +LATENCY[: CHANGES]`.
  const cb = new CommentBytes();
  for (let i = 0; i < order.length; i++) {
    const r = order[i];
    const k = res.journeyOfRow(r);
    cb.reset();
    if (k >= 0) {
      if (rows.flags[r] & F_DUP)
        cb.str('journey ')
          .int(k + 1)
          .str(': duplicate frame');
      else if (hop[r] === 0) {
        cb.str('journey ')
          .int(k + 1)
          .str(' hop 1/')
          .int(count[k])
          .str(': ')
          .str(res.journeySummary(k));
      } else if (hop[r] > 0) {
        const p = prev[r];
        const ch = changesBetween(rows, p, r);
        cb.str('journey ')
          .int(k + 1)
          .str(' hop ')
          .int(hop[r] + 1)
          .str('/')
          .int(count[k])
          .str(' +');
        cb.duration(res.correctedT(r) - res.correctedT(p));
        for (let c = 0; c < ch.length; c++) cb.str(c === 0 ? ': ' : ' ').str(ch[c]);
      }
    }
    // Row time is ns since baseSec (exact in a double); split into whole seconds and nanoseconds.
    const t = corrected ? Math.round(res.correctedT(r)) : rows.t[r];
    const s = Math.floor(t / 1e9);
    let len = frames.locate(r);
    if (len < 0) len = 0;
    writeEpbBytes(
      sink,
      rows.capture[r],
      base + s,
      t - s * 1e9,
      frames.buf,
      frames.start,
      len,
      rows.origLen[r],
      k >= 0 ? k + 1 : 0,
      cb.buf,
      cb.len,
    );
  }
  return order.length;
}
