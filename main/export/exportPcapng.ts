// Merged pcapng export: every captured frame of every input, in time order, one interface per node/interface
// (if_name "node-1/ens33"), epb_packetid = journey id, and a comment naming the journey hop and its changes.

import { rangeText } from '../session/timeRange.ts';
import { ENCAP_GENEVE } from '../decode/fields.ts';
import { GENEVE_PORT } from '../decode/geneve.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { CH_NAT_DST, CH_NAT_SRC, CH_SPLIT, ChangeTable, changeMask, pieceRange } from '../correlate/hops.ts';
import { F_DUP, type ObservationTable } from '../correlate/observations.ts';
import { journeyStops, type JourneyStops, stopLine } from '../correlate/stops.ts';
import { CommentBytes } from './commentBytes.ts';
import { innerSummaryInto, SUMMARY_BYTES } from './summaryBytes.ts';
import { durationInto } from './durationText.ts';
import { intInto } from './textBytes.ts';
import {
  BATCH_PACKETS,
  BATCH_TEXT,
  BatchSink,
  type Batch,
  COMMENT_ROOM,
  M_CAPLEN,
  M_COMMENT_LEN,
  M_IFACE,
  M_OFFSET_HI,
  M_OFFSET_LO,
  M_ORIGLEN,
  M_PACKET_ID,
  M_TS_HI,
  M_TS_LO,
  META_WORDS,
} from './epbBatch.ts';
import { GENERATOR } from './journeysJson.ts';
import type { Sink } from './sink.ts';
import { mergeByKey, orderKeys, pathOrderInTies } from './order.ts';
import { hopIndex } from './hopIndex.ts';
import { writeIdb, writeShb } from './pcapngWriter.ts';
import { trace, tracing } from '../common/trace.ts';

export interface PcapngExportOptions {
  /** Write clock-corrected timestamps (each node's offset subtracted) instead of the captured ones. */
  correctedTime?: boolean;
  /** Interface descriptions by "node/iface" (from discovery). */
  descriptions?: Map<string, string>;
  /** Interface MACs by "node/iface" (from discovery) when the capture did not carry one. */
  macs?: Map<string, number>;
  /** Write in a worker thread (default: for exports of 20,000 packets or more). */
  worker?: boolean;
  /** A writer created earlier (its thread started while the caller correlated); it is used up. */
  writer?: BatchSink;
}

/**
 * Interface descriptions and MACs by "node/iface" from the interfaces the result was correlated with (discovery:
 * `ip -j` files, session.json): what an interface block says when the capture file itself did not.
 */
export function interfaceNotes(res: CorrelationResult): {
  descriptions: Map<string, string>;
  macs: Map<string, number>;
} {
  const descriptions = new Map<string, string>();
  const macs = new Map<string, number>();
  for (const i of res.interfaces) {
    const key = `${i.node}/${i.name}`;
    if (i.description) descriptions.set(key, i.description);
    if (i.mac >= 0) macs.set(key, i.mac);
  }
  return { descriptions, macs };
}

/**
 * One interface block per lane (if_name "node/iface"): its description and MAC from the capture file, else from
 * `notes` (default: interfaceNotes, discovery's), else "IFACE on NODE" and none. The CLI's and the app's exports.
 */
export function writeInterfaceBlocks(
  sink: Sink,
  res: CorrelationResult,
  notes: { descriptions: Map<string, string>; macs: Map<string, number> } = interfaceNotes(res),
): void {
  for (const c of res.captures) {
    const key = `${c.node}/${c.iface}`;
    writeIdb(sink, {
      linkType: c.linkType,
      snaplen: c.snaplen ?? 262144,
      name: key,
      description: notes.descriptions.get(key) || c.description || `${c.iface} on ${c.node}`,
      mac: c.mac !== undefined && c.mac >= 0 ? c.mac : notes.macs.get(key),
    });
  }
}

/** `1 interface`, `8 interfaces`: the section comment is read by people (and by tests, so no locale). */
function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * The section header's comment, the CLI's and the app's: what the session held, what was exported (the app
 * exports a choice of journeys or a time range), the clocks and whether timestamps were corrected.
 */
export function sessionComment(res: CorrelationResult, corrected: boolean, exported?: string): string {
  return (
    `hopscope session: ${count(res.captures.length, 'interface')} on ${res.nodes.join(', ')}; ` +
    (res.range ? `a time range of the captures: ${rangeText(res.range)}; ` : '') +
    `${count(res.journeyCount, 'journey')}, ${count(res.flowCount, 'flow')}; ` +
    (exported ? `exported: ${exported}; ` : '') +
    `clocks: ${clocksNote(res)}; timestamps ${corrected ? 'clock-corrected to the reference node' : 'as captured'}` +
    vxlanNote(res) +
    geneveNote(res)
  );
}

/**
 * Wireshark decodes Geneve on UDP 6081 by itself; on another port (DecodeOptions.genevePorts) it needs telling,
 * as VXLAN on 8472 does. The tunnel's source port is ephemeral, so the destination ports are the ones to name.
 */
function geneveNote(res: CorrelationResult): string {
  const other = res.rows.tunnelPorts(ENCAP_GENEVE).filter((p) => p !== GENEVE_PORT);
  if (!other.length) return '';
  const first = other[0];
  return (
    `; Geneve on UDP ${other.join(', ')}: in Wireshark, Decode As… UDP port ${first} → Geneve ` +
    `(tshark -d udp.port==${first},geneve) to see the packets inside`
  );
}

/**
 * Wireshark decodes VXLAN on UDP 4789 only: flannel's 8472 shows as plain UDP until told. Said when the session
 * has VXLAN on another port, with the way to tell it.
 */
function vxlanNote(res: CorrelationResult): string {
  const other = res.rows.vxlanPorts().filter((p) => p !== 4789);
  if (!other.length) return '';
  const ports = other.join(', ');
  const first = other[0];
  return (
    `; VXLAN on UDP ${ports}: in Wireshark, Decode As… UDP port ${first} → VXLAN ` +
    `(tshark -d udp.port==${first},vxlan) to see the packets inside`
  );
}

/**
 * The section comment's clocks: "node-2 traffic 406 ns", "node-1 reference", "node-3 not corrected (…)",
 * "node-2 traffic-drift 1200 ns drifting +20.00 ppm" (the offset at the first packets across nodes).
 */
export function clocksNote(res: CorrelationResult): string {
  return res.clocks
    .map(
      (c) =>
        `${c.node} ${c.method === 'none' ? 'not corrected (offset unknown)' : c.method}` +
        (c.method === 'reference' || c.method === 'none' ? '' : ` ${Math.round(c.offsetNs)} ns`) +
        (c.rate ? ` drifting ${c.rate.ppm > 0 ? '+' : ''}${c.rate.ppm.toFixed(2)} ppm` : ''),
    )
    .join(', ');
}

/** Below this many packets the export writes in its own thread (a worker takes ~30 ms to start). */
const WORKER_MIN_PACKETS = 20_000;

/**
 * Writes the merged pcapng into `sink` and returns the packets written; the caller then closes the sink.
 * Frames are read from the captures' files by the batch writer (epbBatch.ts), in a worker thread for large
 * exports (opts.worker overrides).
 */
export async function exportPcapng(
  res: CorrelationResult,
  sink: Sink,
  opts: PcapngExportOptions = {},
): Promise<number> {
  const corrected = opts.correctedTime === true;
  writeShb(sink, {
    application: GENERATOR,
    os: `${process.platform} ${process.arch}`,
    comment: sessionComment(res, corrected),
  });
  const notes = interfaceNotes(res);
  writeInterfaceBlocks(sink, res, {
    descriptions: opts.descriptions ?? notes.descriptions,
    macs: opts.macs ?? notes.macs,
  });
  const writer = opts.writer ?? new BatchSink(opts.worker ?? res.rowCount >= WORKER_MIN_PACKETS);
  try {
    writer.begin({ paths: res.captures.map((c) => c.path ?? null), ...sink.handOff() });
    const n = await fillBatches(res, corrected, writer);
    sink.advance(await writer.finish());
    trace('export: writer finished');
    return n;
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * An ASCII constant as little-endian 32-bit words (the last one padded with zeros) and its length in bytes: put()
 * stores a word at a time (a byte loop was the fill's costliest line, ~27 ms of a million comments).
 */
interface Words {
  words: Uint32Array;
  length: number;
}
const words = (a: Uint8Array): Words => {
  const w = new Uint32Array((a.length + 3) >> 2);
  new Uint8Array(w.buffer).set(a);
  return { words: w, length: a.length };
};
/**
 * `w` into the text at `p` (a DataView on it; room made); the position after it. Up to 3 bytes past that position
 * are written too (4 for an empty `w`, which no caller puts: the empty change mask is skipped): the next part or the
 * comment's zero padding writes over them, and after a batch's last comment no one reads them.
 */
function put(dv: DataView, p: number, w: Words): number {
  const a = w.words;
  // Most constants are one or two words: stored without the loop's bookkeeping.
  dv.setUint32(p, a[0], true);
  if (a.length > 1) {
    dv.setUint32(p + 4, a[1], true);
    for (let q = 2; q < a.length; q++) dv.setUint32(p + 4 * q, a[q], true);
  }
  return p + w.length;
}

const JOURNEY = words(ascii('journey '));
const DUPLICATE = words(ascii(': duplicate frame'));
const HOP_1 = words(ascii(' hop 1/'));
const HOP = words(ascii(' hop '));
const COLON = words(ascii(': '));
const PARALLEL_COPY = words(ascii(' (parallel copy)'));
const SINCE = words(ascii(' (since hop '));
const CLOSE = ascii(')');
const WAS = ascii(' (was ');
const BYTES = ascii(' (bytes ');
const COLON_ONLY = ascii(':');
const OF = ascii(' of ');
/** `: mac ttl …` for every change mask (0: nothing). */
const CHANGE_TEXT = new ChangeTable((names) => words(ascii(names.length ? `: ${names.join(' ')}` : '')));

/**
 * `; ✗ not seen after node-2/flannel.1, though node-2/cni0 was capturing (4 of the 5 other packets …; …)` for a
 * journey said stopped, '' for any other.
 */
function stopComment(res: CorrelationResult, stops: JourneyStops, k: number): string {
  const s = stops.of(k);
  if (!s) return '';
  return `; ✗ ${stopLine(res, k, s)}`;
}

/** Every row in time order as batch entries: where its frame is, its timestamp, journey id and comment. */
async function fillBatches(res: CorrelationResult, corrected: boolean, writer: BatchSink): Promise<number> {
  const rows = res.rows;
  // The time order's merge on the writer's thread (idle until the first batch): asked already when the CLI read the
  // rows (the same promise then), else now, while this one indexes the hops; here after them when the writer has no
  // thread or the columns are not shared.
  const key = orderKeys(res, corrected, writer.threaded);
  const merging = writer.orderInThread(key, rows.capture, res.captures.length, rows.length);
  // The journeys' paths walked on the writer's thread when the CLI asked it as soon as they were linked; the journeys
  // said stopped found meanwhile.
  const walked = writer.hopsAsked(res);
  const stops = journeyStops(res);
  const { hop, prev, count, journey } = walked ? await walked : hopIndex(res);
  trace(`export: hops indexed${walked ? ' (walked in the writer thread)' : ''}`);
  const order = merging
    ? await merging
    : mergeByKey(key, rows.capture, res.captures.length, new Int32Array(rows.length));
  // Its ties in path order: by the writer's thread after its walk when it merged this order before.
  if (!writer.tiesOrdered(res, order)) pathOrderInTies(order, key, { journey, hop });
  trace(`export: time order${merging ? ' (merged in the writer thread)' : ''}`);
  // correctedT(r) = t[r] − its node's offset: the offset per capture, looked up once (a drifting clock's, per row).
  const capNode = Int32Array.from(res.captures, (_, c) => res.nodeOfCapture(c));
  const st: FillState = {
    res,
    corrected,
    hop,
    prev,
    count,
    journey,
    order,
    capNode,
    capOffset: Float64Array.from(capNode, (n) => res.clock.offsetNs[n]),
    drifting: res.clock.drifting,
    tcol: rows.t,
    capture: rows.capture,
    stops,
    cb: new CommentBytes(),
  };
  let waited = 0; // ms this thread waited for the writer to hand a batch back (traced)
  // Traced only: the ms each batch took to fill (the first few show V8 compiling the fill).
  const filled: number[] | null = tracing ? [] : null;
  let b = await writer.next();
  let f0 = filled ? performance.now() : 0;
  for (let i = fillBatch(st, b, 0); i < order.length; i = fillBatch(st, b, i)) {
    filled?.push(performance.now() - f0);
    writer.put(b);
    const w0 = performance.now();
    b = await writer.next();
    waited += performance.now() - w0;
    if (filled) f0 = performance.now();
  }
  filled?.push(performance.now() - f0);
  trace(
    `export: every batch filled (${waited.toFixed(0)} ms waiting for the writer${filled ? fillTimes(filled) : ''})`,
  );
  st.cb.reset();
  if (b.count > 0) writer.put(b);
  return order.length;
}

/** The trace's account of the batches' fill times: the first four's, and the median of the rest. */
function fillTimes(ms: number[]): string {
  const rest = ms.slice(4).sort((a, b) => a - b);
  return (
    `; ${ms.length} batch${ms.length === 1 ? '' : 'es'}, the first ${Math.min(4, ms.length)} filled in ` +
    `${ms
      .slice(0, 4)
      .map((m) => m.toFixed(1))
      .join(', ')} ms` +
    (rest.length ? `, the rest in ${rest[rest.length >> 1].toFixed(2)} ms median` : '')
  );
}

/** What fillBatch reads, for the whole export. */
interface FillState {
  res: CorrelationResult;
  corrected: boolean;
  /** hopIndex's: each row's hop, the row of the hop before it, each journey's hop count and each row's journey. */
  hop: Int32Array;
  prev: Int32Array;
  count: Int32Array;
  journey: Int32Array;
  /** The rows in the order written. */
  order: Int32Array;
  /** Per capture: its node and that node's clock offset. */
  capNode: Int32Array;
  capOffset: Float64Array;
  drifting: boolean;
  tcol: Float64Array;
  capture: ObservationTable['capture'];
  stops: JourneyStops;
  cb: CommentBytes;
}

/** Row r's time on the reference clock (ns since the base second). */
function correctedAt(st: FillState, r: number): number {
  const c = st.capture[r];
  return st.drifting ? st.res.clock.correct(st.capNode[c], st.tcol[r]) : st.tcol[r] - st.capOffset[c];
}

/**
 * Fills batch `b` (empty) with the rows order[from…] until it is full or the rows end; returns where it stopped. Not
 * async, and a function of its own: fillBatches awaits the writer between batches, and this loop inside that async
 * function was optimised, thrown away and compiled again seven times in one export (its code left at each await's
 * resumption and at paths not taken yet), running unoptimised meanwhile.
 */
function fillBatch(st: FillState, b: Batch, from: number): number {
  const { res, corrected, hop, prev, count, journey, order, tcol, capture, stops, cb } = st;
  const rows = res.rows;
  // baseSec·1e9 (exact: baseSec·1953125 < 2^53, and ·2^9 moves only the exponent) as 2^32·baseHi + baseLo − 2^32.
  const baseNs = res.baseSec * 1953125 * 512;
  const baseHi = Math.floor(baseNs / 4294967296) - 1;
  const baseLo = baseNs - baseHi * 4294967296;
  const flags = rows.flags;
  const origLen = rows.origLen;
  const caplen = rows.caplen;
  const fileOffset = rows.fileOffset;
  const text = b.text;
  const dv = new DataView(text.buffer, text.byteOffset, text.byteLength);
  // Comments are built in place, in the batch's text, with the same text as
  //   `journey K: duplicate frame`, `journey K hop 1/N: SUMMARY`, `journey K hop H/N +LATENCY[: CHANGES]`
  //   (`+LATENCY (since hop M)` for a copy of a broadcast/multicast frame timed from an earlier hop than the one
  //   before it, `(parallel copy)` for one another node received in parallel; `: … nat-dst (was A.P > B.Q)` for
  //   a NAT'ed hop, the tuple before it; `; ✗ not seen after …` on the last hop of a journey said stopped).
  // No journey said stopped (the rule): no lookup at each journey's last hop.
  const anyStop = stops.count > 0;
  let tp = 0;
  for (let i = from; i < order.length; i++) {
    const r = order[i];
    const h = hop[r];
    const k = h >= 0 ? journey[r] : res.journeyOfRow(r);
    const dup = k >= 0 && (flags[r] & F_DUP) !== 0;
    // journeySummary(k): r is its first row (IPv6, ICMP errors and other protocols read the frame); one seen only
    // encrypted (WireGuard) is summarized by the journey's first hop in clear.
    // Most are IPv4 rows whose summary the columns give: written as bytes below (innerSummaryInto), no string.
    const first = k >= 0 && !dup && h === 0;
    const sealed = first && rows.wireguardData(r);
    const direct = first && !sealed && res.summaryFromColumns(r);
    const summary = !first || direct ? '' : sealed ? res.journeySummary(k) : res.rowSummary(r);
    // The last hop of a journey said stopped (correlate/stops.ts) says so after its own comment.
    const stop = anyStop && k >= 0 && !dup && h === count[k] - 1 ? stopComment(res, stops, k) : '';
    const extra = (direct ? SUMMARY_BYTES : summary.length) + stop.length;
    // Full: the caller hands it to the writer and calls again with the next batch (this row's comment is built
    // again then: it was not written yet).
    if (b.count === BATCH_PACKETS || (b.count > 0 && tp + COMMENT_ROOM + extra * 3 > BATCH_TEXT)) return i;
    const m = b.count++ * META_WORDS;
    const meta = b.meta;
    // Row time t is ns since baseSec (exact in a double); the EPB's two 32-bit words are those of
    // baseSec·1e9 + t = 2^32·baseHi + (baseLo + t), the low sum's carry added to the high word. baseLo ≥ 2^32, so
    // that sum is never a small integer: one that was while V8 gathered its feedback (as `t − s·1e9` was in a
    // capture's first 3 s) is compiled as 32-bit integer arithmetic and leaves the optimised code at its first
    // overflow (once an export, ~20 ms to recompile and catch up).
    const tr = correctedAt(st, r);
    const lo0 = (corrected ? Math.round(tr) : tcol[r]) + baseLo;
    const carry = Math.floor(lo0 / 4294967296);
    const off = fileOffset[r];
    meta[m + M_IFACE] = capture[r];
    meta[m + M_TS_HI] = baseHi + carry;
    meta[m + M_TS_LO] = lo0 - carry * 4294967296;
    meta[m + M_CAPLEN] = caplen[r];
    meta[m + M_ORIGLEN] = origLen[r];
    // `>>> 0` is the low 32 bits of any safe integer (`%` on a double is a call to fmod).
    meta[m + M_OFFSET_LO] = off >>> 0;
    meta[m + M_OFFSET_HI] = Math.floor(off / 4294967296);
    meta[m + M_PACKET_ID] = k >= 0 ? k + 1 : 0;
    if (k >= 0) {
      // The common parts straight into the text at `p` (room made above); the rare ones through `cb`.
      let p = put(dv, tp, JOURNEY);
      p = intInto(k + 1, text, p);
      if (dup) p = put(dv, p, DUPLICATE);
      else if (h === 0) {
        p = put(dv, p, HOP_1);
        p = intInto(count[k], text, p);
        p = put(dv, p, COLON);
        if (direct) {
          innerSummaryInto(cb.attach(text, p), rows, r);
          p = cb.len;
        } else p = cb.attach(text, p).str(summary).len;
      } else if (h > 0) {
        const from = prev[r];
        p = put(dv, p, HOP);
        p = intInto(h + 1, text, p);
        text[p++] = 0x2f; // /
        p = intInto(count[k], text, p);
        // A copy of a broadcast or multicast frame another node received in parallel: no hop led to it.
        if (from < 0) p = put(dv, p, PARALLEL_COPY);
        else {
          const lat = tr - correctedAt(st, from);
          // A negative latency (clocks known only so well) reads "-4.0 µs", as the ladder's (latency()).
          text[p++] = 0x20;
          if (lat >= 0) text[p++] = 0x2b; // +
          p = durationInto(lat, text, p);
          if (hop[from] !== h - 1) {
            p = put(dv, p, SINCE);
            p = intInto(hop[from] + 1, text, p);
            text[p++] = 0x29; // )
          }
          const ch = changeMask(rows, from, r);
          if (ch !== 0) p = put(dv, p, CHANGE_TEXT.get(ch));
          // What a NAT rewrote is in the packet before it: said, as Wireshark shows one packet at a time.
          if (ch & (CH_NAT_DST | CH_NAT_SRC))
            p = cb.attach(text, p).bytes(WAS).str(res.rowTuple(from)).bytes(CLOSE).len;
          // A piece of a TCP segment cut on the way: which of the segment's bytes (rare: pieceRange's object).
          const piece = ch & CH_SPLIT ? pieceRange(rows, r, from) : null;
          if (piece)
            p = cb
              .attach(text, p)
              .bytes(BYTES)
              .int(piece.start)
              .bytes(COLON_ONLY)
              .int(piece.end)
              .bytes(OF)
              .int(piece.of)
              .bytes(CLOSE).len;
        }
      }
      if (stop) p = cb.attach(text, p).str(stop).len;
      const end = p;
      // Stores past a typed array's end are dropped: a comment longer than the room made would be cut unseen.
      if (end > text.length) throw new RangeError('pcapng export: a comment overran its batch');
      meta[m + M_COMMENT_LEN] = end - tp;
      // Zeros up to the next multiple of 4, where the next comment starts (Batch.text: copied a word at a time).
      tp = (end + 3) & ~3;
      for (let z = end; z < tp; z++) text[z] = 0;
    } else meta[m + M_COMMENT_LEN] = 0;
  }
  return order.length;
}
