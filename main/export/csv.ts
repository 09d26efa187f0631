// CSV export: one row per hop of every journey (the spreadsheet view of hopscope.journeys/1), written as bytes
// straight from the columns (export/textBytes.ts); what every hop of a capture repeats (its node and interface,
// the text of each interned MAC pair and encapsulation) is encoded once per command.

import {
  CH_SPLIT,
  ChangeTable,
  changeMask,
  encapOf,
  ethOf,
  pieceRange,
  type HopSources,
  type WireGuardInfo,
} from '../correlate/hops.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { journeyStops, stopLine, type JourneyStops } from '../correlate/stops.ts';
import type { Sink } from './sink.ts';
import { InternedText, lit, RUN_ROOM, TextBytes, utf8Into } from './textBytes.ts';

export const CSV_COLUMNS = [
  'journey',
  'hop',
  'flow',
  'role',
  'node',
  'iface',
  'tsNs',
  'tNs',
  'latencyNs',
  'src',
  'srcPort',
  'dst',
  'dstPort',
  'proto',
  'ttl',
  'ipId',
  'ethSrc',
  'ethDst',
  'ethSrcOwner',
  'ethDstOwner',
  'encap',
  'changes',
  'summary',
  'fromHop',
  'pieceStart',
  'pieceEnd',
  'pieceOf',
  'stop',
];

/**
 * A cell's text: as it is, or quoted with its quotes doubled when it holds a quote, comma or line break. Text
 * that a spreadsheet would take for a formula (=, +, -, @, tab, CR first: an interface name comes from the node,
 * or from a file's name) gets a leading ' (OWASP's CSV-injection advice); numbers are written as they are.
 */
export function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The encap cell's text: `vxlan vni V SRC:SPORT>DST:DPORT` (`geneve vni …` alike) or `ipip SRC>DST`; on a hop seen
 * encrypted in WireGuard (`wg`), `wireguard receiver 0x1a2b3c4d counter N` (the row's addresses and ports are the
 * tunnel's datagram's).
 */
export function encapCell(e: ReturnType<typeof encapOf>, wg: WireGuardInfo | null = null): string {
  const cells = e.map((x) =>
    x.type !== 'ipip'
      ? `${x.type} vni ${x.vni} ${x.outerSrc}:${x.srcPort}>${x.outerDst}:${x.dstPort}`
      : `ipip ${x.outerSrc}>${x.outerDst}`,
  );
  if (wg) {
    const receiver = wg.receiver === null ? '?' : `0x${wg.receiver.toString(16).padStart(8, '0')}`;
    cells.push(`wireguard receiver ${receiver} counter ${wg.counter}`);
  }
  return cells.join(' ');
}

const COMMA_BYTES = lit(',');
const NEWLINE = lit('\n');
const NO_ETH = lit(',,,');
/** The piece cells of a hop that is no piece of a TCP segment. */
const NO_PIECE = lit(',,,');
const CHANGE_CELLS = new ChangeTable((names) => lit(names.join(' ')));
const ROLE_CELLS = { request: lit(',request'), reply: lit(',reply') };

class CsvWriter {
  /** Per capture: `,NODE,IFACE,` (cells). */
  private readonly lane: Uint8Array[];
  /** `ethSrc,ethDst,ethSrcOwner,ethDstOwner` by (interned MAC pair, capture); the encap cell likewise. */
  private readonly ethText: InternedText;
  private readonly encapText: InternedText;
  private readonly sources: HopSources;
  /** The journeys said stopped (found once per result). */
  private readonly stops: JourneyStops;
  /** The current journey's summary cell and its comma, as UTF-8 (no encoder call and no array per journey). */
  private summary = new Uint8Array(1024);

  constructor(
    private readonly out: TextBytes,
    private readonly res: CorrelationResult,
  ) {
    this.sources = res.hopSources();
    this.stops = journeyStops(res);
    this.lane = res.captures.map((c) => lit(`,${csvCell(c.node)},${csvCell(c.iface)},`));
    const node = (r: number) => res.captures[res.rows.capture[r]].node;
    this.ethText = new InternedText(res.rows, 'eth', (r) => {
      const e = ethOf(res.rows, r, node(r), res.macName)!;
      return [e.src, e.dst, e.srcOwner, e.dstOwner].map(csvCell).join(',');
    });
    this.encapText = new InternedText(res.rows, 'encap', (r) =>
      csvCell(encapCell(encapOf(res.rows, r, node(r), res.macName))),
    );
  }

  /** A row's inner source or destination address (IPv6 as text, read from its frame). */
  private address(r: number, dst: boolean): void {
    const res = this.res;
    const rows = res.rows;
    if (rows.isIpv6(r)) this.out.text(csvCell(dst ? res.rowDst(r) : res.rowSrc(r)));
    else {
      this.out.room(RUN_ROOM);
      this.out.dotted(dst ? rows.dst[r] : rows.src[r]);
    }
  }

  journey(k: number, list: number[]): void {
    const out = this.out;
    const res = this.res;
    const rows = res.rows;
    // The cells every hop of the journey repeats: its id, flow and role (written per hop: a few bytes), and its
    // summary (encoded once into a reused buffer).
    const flow = res.flowCount ? res.flowOf[k] + 1 : -1;
    const role = ROLE_CELLS[res.flowRole(k)];
    const cell = csvCell(res.journeySummary(k));
    if (cell.length * 3 + 1 > this.summary.length) this.summary = new Uint8Array(cell.length * 6 + 1);
    const summary = this.summary;
    let summaryLength = utf8Into(cell, summary, 0);
    summary[summaryLength++] = 0x2c; // ,
    // A journey said stopped (correlate/stops.ts): its last hop's `stop` cell.
    const stop = this.stops.of(k);
    const sources = this.sources;
    sources.reset();
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      const cap = rows.capture[r];
      const tc = res.correctedT(r);
      const from = sources.next(r);
      out.room(RUN_ROOM);
      out.int(k + 1);
      out.raw(COMMA_BYTES);
      out.int(i + 1);
      out.raw(COMMA_BYTES);
      if (flow >= 0) out.int(flow);
      out.raw(role);
      out.bytes(this.lane[cap]);
      out.epoch(res.baseSec, rows.t[r]);
      out.raw(COMMA_BYTES);
      out.epoch(res.baseSec, tc);
      out.raw(COMMA_BYTES);
      if (from >= 0) out.num(tc - res.correctedT(list[from]));
      out.raw(COMMA_BYTES);
      const sp = rows.srcPort(r);
      const dp = rows.dstPort(r);
      this.address(r, false);
      out.room(RUN_ROOM);
      out.raw(COMMA_BYTES);
      if (sp >= 0) out.int(sp);
      out.raw(COMMA_BYTES);
      this.address(r, true);
      out.room(RUN_ROOM);
      out.raw(COMMA_BYTES);
      if (dp >= 0) out.int(dp);
      out.raw(COMMA_BYTES);
      out.num(rows.proto(r));
      out.raw(COMMA_BYTES);
      out.num(rows.ttl(r));
      out.raw(COMMA_BYTES);
      out.num(rows.ipId(r));
      out.raw(COMMA_BYTES);
      out.bytes(this.ethText.get(r) ?? NO_ETH);
      out.bytes(COMMA_BYTES);
      const encap = this.encapText.get(r);
      if (encap) out.bytes(encap);
      else if (rows.wireguardData(r)) out.text(csvCell(encapCell([], res.wireguardOf(r))));
      out.bytes(COMMA_BYTES);
      const mask = from < 0 ? 0 : changeMask(rows, list[from], r);
      if (from >= 0) out.bytes(CHANGE_CELLS.get(mask));
      out.bytes(COMMA_BYTES);
      out.prefix(summary, summaryLength);
      // fromHop, then a `split` hop's bytes of hop fromHop's segment (the JSON's `piece`; empty cells on every
      // other hop): a few numbers, within one room.
      out.room(RUN_ROOM);
      if (from >= 0) out.int(from + 1);
      const piece = mask & CH_SPLIT ? pieceRange(rows, r, list[from]) : null;
      if (piece) {
        out.raw(COMMA_BYTES);
        out.num(piece.start);
        out.raw(COMMA_BYTES);
        out.num(piece.end);
        out.raw(COMMA_BYTES);
        out.num(piece.of);
      } else out.raw(NO_PIECE);
      out.raw(COMMA_BYTES);
      if (stop && i === list.length - 1) out.text(csvCell(stopLine(res, k, stop)));
      out.raw(NEWLINE);
    }
  }
}

/**
 * Writes the header and a row per hop of every journey with at least `minHops` hops, or of the chosen
 * `journeys` only (in journey order: the same rows as in the full CSV).
 */
export function writeCsv(
  res: CorrelationResult,
  sink: Sink,
  minHops = 1,
  journeys?: readonly number[],
): void {
  sink.write(CSV_COLUMNS.join(',') + '\n');
  const out = new TextBytes(sink);
  const w = new CsvWriter(out, res);
  const chosen = journeys ? [...new Set(journeys)].sort((a, b) => a - b) : null;
  const n = chosen ? chosen.length : res.journeyCount;
  for (let i = 0; i < n; i++) {
    const k = chosen ? chosen[i] : i;
    const list = res.journeyRows(k);
    if (list.length >= minHops) w.journey(k, list);
  }
  out.done();
}
