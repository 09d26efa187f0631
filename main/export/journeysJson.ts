// The `hopscope.journeys/1` document (docs/journeys-json.md), streamed journey by journey into a sink.
// Epoch nanosecond timestamps exceed 2^53, so tsNs/tNs are decimal strings; durations and offsets (well
// below 2^53 ns, i.e. 104 days) are JSON numbers; an unbounded uncertainty is null.

import { rangeNs } from '../session/timeRange.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import {
  CH_SPLIT,
  ChangeTable,
  changeMask,
  encapOf,
  ethOf,
  pieceRange,
  type Hop,
  type HopSources,
} from '../correlate/hops.ts';
import { F_TRUNCATED } from '../correlate/observations.ts';
import { journeyStops, stopJson } from '../correlate/stops.ts';
import { InternedText, lit, RUN_ROOM, TextBytes } from './textBytes.ts';
import type { Sink } from './sink.ts';

export const JOURNEYS_SCHEMA = 'hopscope.journeys/1';
export const GENERATOR = 'hopscope 0.1.0';

export interface JsonOptions {
  /** Skip journeys with fewer hops (default 1: all). */
  minHops?: number;
  pretty?: boolean;
  /** Only these journeys (indices, in this order), said in the document's `selection` with the filter that chose them. */
  journeys?: readonly number[];
  filter?: string;
}

export function hopJson(h: Hop): Record<string, unknown> {
  return {
    node: h.node,
    iface: h.iface,
    tsNs: h.tsNs.toString(),
    tNs: h.tNs.toString(),
    latencyNs: h.latencyNs,
    fromHop: h.fromHop,
    src: h.src,
    dst: h.dst,
    srcPort: h.srcPort,
    dstPort: h.dstPort,
    proto: h.proto,
    ttl: h.ttl,
    ipId: h.ipId,
    eth: h.eth,
    encap: h.encap,
    changes: h.changes,
    // Only on a piece of a TCP segment cut on the way (`split`): which of the segment's bytes it carries.
    ...(h.piece ? { piece: h.piece } : {}),
    // Only on a hop seen encrypted in WireGuard: its receiver index, counter and encrypted length.
    ...(h.wireguard ? { wireguard: h.wireguard } : {}),
    truncated: h.truncated,
  };
}

export function journeyJson(res: CorrelationResult, k: number): Record<string, unknown> {
  const hops = res.hops(k);
  const stop = journeyStops(res).of(k);
  return {
    id: k + 1,
    summary: res.journeySummary(k),
    flow: res.flowCount ? res.flowOf[k] + 1 : null,
    role: res.flowRole(k),
    ambiguous: res.journeyAmbiguous(k),
    nodes: res.journeyNodes(k),
    durationNs: hops.length > 1 ? Number(hops[hops.length - 1].tNs - hops[0].tNs) : 0,
    hops: hops.map(hopJson),
    // Only on a journey said stopped (correlate/stops.ts): where, and what says so.
    ...(stop ? { stop: stopJson(res, stop) } : {}),
  };
}

export function documentHead(res: CorrelationResult): Record<string, unknown> {
  let dups = 0;
  let arp = 0;
  let unkeyed = 0;
  for (let r = 0; r < res.rowCount; r++) {
    if (res.isDuplicate(r)) dups++;
    else if (res.isArp(r)) arp++;
    else if (res.journeyOfRow(r) < 0) unkeyed++;
  }
  return {
    schema: JOURNEYS_SCHEMA,
    generator: GENERATOR,
    timestamps: 'epoch nanoseconds as decimal strings (tsNs as captured, tNs clock-corrected)',
    // A time range of the captures (--after/--before, the app's open of a range): only its packets were read.
    ...(res.range ? { range: rangeNs(res.range) } : {}),
    captures: res.captures.map((c) => ({
      node: c.node,
      iface: c.iface,
      linkType: c.linkType,
      packets: c.packets,
      file: c.path ?? null,
    })),
    clocks: res.clocks.map((c) => ({
      node: c.node,
      reference: c.reference,
      offsetNs: Math.round(c.offsetNs),
      uncertaintyNs: c.uncertaintyNs === Infinity ? null : Math.round(c.uncertaintyNs),
      method: c.method,
      samples: c.samples,
      // Crossed bounds: how far the offset moved at least, over how long (ClockEstimate.drift).
      drift: c.drift
        ? {
            against: c.drift.against,
            movedNs: Math.round(c.drift.movedNs),
            overNs: Math.round(c.drift.overNs),
          }
        : null,
      // A steady offset missing another node's bounds (ClockEstimate.conflict).
      conflict: c.conflict ? { against: c.conflict.against, byNs: Math.round(c.conflict.byNs) } : null,
      // A drifting clock: offsetNs is at atNs and grows by ppm millionths of the time since (ClockEstimate.rate);
      // the line is known from fromNs to toNs (the packets that bounded it).
      rate: c.rate
        ? {
            ppm: c.rate.ppm,
            ppmUncertainty: c.rate.ppmUncertainty,
            atNs: epochNs(res.baseSec, c.rate.atNs),
            fromNs: epochNs(res.baseSec, c.rate.fromNs),
            toNs: epochNs(res.baseSec, c.rate.toNs),
          }
        : null,
    })),
    stats: {
      packets: res.rowCount,
      journeys: res.journeyCount,
      flows: res.flowCount,
      duplicates: dups,
      arp,
      unidentified: unkeyed,
    },
  };
}

// Constant pieces of the journey and hop objects, in journeyJson()'s key order.
const J_ID = lit('{"id":');
const J_SUMMARY = lit(',"summary":');
const J_FLOW = lit(',"flow":');
const J_ROLE = {
  request: lit(',"role":"request","ambiguous":'),
  reply: lit(',"role":"reply","ambiguous":'),
};
const J_NODES = lit(',"nodes":[');
const J_DURATION = lit('],"durationNs":');
const J_HOPS = lit(',"hops":[');
const J_END = lit(']}');
const H_T = lit('","tNs":"');
const H_LATENCY = lit('","latencyNs":');
const H_FROM = lit(',"fromHop":');
const H_SRC = lit(',"src":');
const H_DST = lit(',"dst":');
const H_SPORT = lit(',"srcPort":');
const H_DPORT = lit(',"dstPort":');
const H_PROTO = lit(',"proto":');
const H_TTL = lit(',"ttl":');
const H_IPID = lit(',"ipId":');
const H_ETH = lit(',"eth":');
const H_ENCAP = lit(',"encap":');
const H_CHANGES = lit(',"changes":');
const H_PIECE = lit(',"piece":{"start":');
const H_PIECE_END = lit(',"end":');
const H_PIECE_OF = lit(',"of":');
const H_PIECE_CLOSE = lit('}');
const H_WIREGUARD = lit(',"wireguard":');
const H_TRUNCATED = { yes: lit(',"truncated":true}'), no: lit(',"truncated":false}') };
const NULL = lit('null');
const TRUE = lit('true');
const FALSE = lit('false');
const EMPTY = lit('[]');
const COMMA = lit(',');
/** The JSON array of a change mask's names, as bytes. */
const CHANGE_BYTES = new ChangeTable((names) => lit(JSON.stringify(names)));

/**
 * Writes journeyJson(res, k) as bytes straight from the columns: the same text as
 * JSON.stringify(journeyJson(res, k)) (tested), without the intermediate objects or strings. What every hop
 * of a capture repeats is encoded once per command: the hop's opening up to its timestamp, and the text of
 * each interned MAC pair and encapsulation seen on that capture (their owners' names included).
 */
export class JourneyJsonWriter {
  /** Per capture: `{"node":…,"iface":…,"tsNs":"` (and with a leading comma). */
  private readonly opening: Uint8Array[];
  private readonly openingNext: Uint8Array[];
  /** Text of ethOf() / encapOf() by (interned id, capture). */
  private readonly ethText: InternedText;
  private readonly encapText: InternedText;

  private readonly sources: HopSources;

  constructor(
    private readonly out: TextBytes,
    private readonly res: CorrelationResult,
  ) {
    this.sources = res.hopSources();
    this.opening = res.captures.map((c) =>
      lit(`{"node":${JSON.stringify(c.node)},"iface":${JSON.stringify(c.iface)},"tsNs":"`),
    );
    this.openingNext = this.opening.map((b) => lit(',' + new TextDecoder().decode(b)));
    const node = (r: number) => res.captures[res.rows.capture[r]].node;
    this.ethText = new InternedText(res.rows, 'eth', (r) =>
      JSON.stringify(ethOf(res.rows, r, node(r), res.macName)),
    );
    this.encapText = new InternedText(res.rows, 'encap', (r) =>
      JSON.stringify(encapOf(res.rows, r, node(r), res.macName)),
    );
  }

  /** A row's inner source or destination address, quoted (IPv6 as text, read from its frame). */
  private address(r: number, dst: boolean): void {
    const res = this.res;
    const rows = res.rows;
    if (rows.isIpv6(r)) this.out.str(dst ? res.rowDst(r) : res.rowSrc(r));
    else {
      this.out.room(RUN_ROOM);
      this.out.ipv4(dst ? rows.dst[r] : rows.src[r]);
    }
  }

  /** `,"piece":{…}` of a split hop (rare: the object is fine). */
  private piece(r: number, whole: number): void {
    const p = pieceRange(this.res.rows, r, whole);
    if (!p) return;
    const out = this.out;
    out.room(RUN_ROOM);
    out.raw(H_PIECE);
    out.num(p.start);
    out.raw(H_PIECE_END);
    out.num(p.end);
    out.raw(H_PIECE_OF);
    out.num(p.of);
    out.raw(H_PIECE_CLOSE);
  }

  journey(k: number): void {
    const out = this.out;
    const res = this.res;
    const rows = res.rows;
    const list = res.journeyRows(k);
    const n = list.length;
    // Corrected times first: the journey's duration comes before its hops.
    const tc = new Float64Array(n);
    // One entry per stay on a node, in path order (CorrelationResult.journeyNodes): a revisit is listed again.
    const nodes: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = list[i];
      const node = res.captures[rows.capture[r]].node;
      tc[i] = res.correctedT(r);
      if (nodes[nodes.length - 1] !== node) nodes.push(node);
    }
    out.room(RUN_ROOM);
    out.raw(J_ID);
    out.num(k + 1);
    out.raw(J_SUMMARY);
    out.str(res.journeySummary(k));
    out.room(RUN_ROOM);
    out.raw(J_FLOW);
    if (res.flowCount) out.num(res.flowOf[k] + 1);
    else out.raw(NULL);
    out.raw(J_ROLE[res.flowRole(k)]);
    out.raw(res.journeyAmbiguous(k) ? TRUE : FALSE);
    out.raw(J_NODES);
    for (let i = 0; i < nodes.length; i++) {
      if (i) out.bytes(COMMA);
      out.name(nodes[i]);
    }
    out.room(RUN_ROOM);
    out.raw(J_DURATION);
    out.num(n > 1 ? tc[n - 1] - tc[0] : 0);
    out.raw(J_HOPS);
    const sources = this.sources;
    sources.reset();
    for (let i = 0; i < n; i++) {
      const r = list[i];
      const cap = rows.capture[r];
      const from = sources.next(r);
      out.bytes(i ? this.openingNext[cap] : this.opening[cap]);
      out.epoch(res.baseSec, rows.t[r]);
      out.raw(H_T);
      out.epoch(res.baseSec, tc[i]);
      out.raw(H_LATENCY);
      if (from < 0) out.raw(NULL);
      else out.num(tc[i] - tc[from]);
      out.raw(H_FROM);
      if (from < 0) out.raw(NULL);
      else out.num(from);
      out.raw(H_SRC);
      this.address(r, false);
      out.bytes(H_DST);
      this.address(r, true);
      const sp = rows.srcPort(r);
      const dp = rows.dstPort(r);
      out.room(RUN_ROOM);
      out.raw(H_SPORT);
      if (sp >= 0) out.num(sp);
      else out.raw(NULL);
      out.raw(H_DPORT);
      if (dp >= 0) out.num(dp);
      else out.raw(NULL);
      out.raw(H_PROTO);
      out.num(rows.proto(r));
      out.raw(H_TTL);
      out.num(rows.ttl(r));
      out.raw(H_IPID);
      out.num(rows.ipId(r));
      out.raw(H_ETH);
      out.bytes(this.ethText.get(r) ?? NULL);
      out.bytes(H_ENCAP);
      out.bytes(this.encapText.get(r) ?? EMPTY);
      out.bytes(H_CHANGES);
      const mask = from < 0 ? 0 : changeMask(rows, list[from], r);
      out.bytes(from < 0 ? EMPTY : CHANGE_BYTES.get(mask));
      if (mask & CH_SPLIT) this.piece(r, list[from]);
      if (rows.wireguardData(r)) {
        out.bytes(H_WIREGUARD);
        out.text(JSON.stringify(res.wireguardOf(r)));
      }
      out.bytes(rows.flags[r] & F_TRUNCATED ? H_TRUNCATED.yes : H_TRUNCATED.no);
    }
    const stop = journeyStops(res).of(k);
    if (stop) out.text(`],"stop":${JSON.stringify(stopJson(res, stop))}}`);
    else out.bytes(J_END);
  }
}

/** Writes the whole document; journeys are serialised one at a time. */
export function writeJourneysJson(res: CorrelationResult, sink: Sink, opts: JsonOptions = {}): void {
  const min = opts.minHops ?? 1;
  // The selection names the journeys written: those --min-hops keeps too.
  const chosen = opts.journeys?.filter((k) => min <= 1 || res.journeyRows(k).length >= min);
  const selection = chosen
    ? {
        selection: {
          ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
          journeys: chosen.map((k) => k + 1),
        },
      }
    : {};
  const head = JSON.stringify({ ...documentHead(res), ...selection }, null, opts.pretty ? 2 : undefined);
  sink.write(head.slice(0, -1).trimEnd() + (opts.pretty ? ',\n  "journeys": [' : ',"journeys":['));
  let first = true;
  const out = opts.pretty ? null : new TextBytes(sink);
  const writer = out ? new JourneyJsonWriter(out, res) : null;
  const n = chosen ? chosen.length : res.journeyCount;
  for (let i = 0; i < n; i++) {
    const k = chosen ? chosen[i] : i;
    if (min > 1 && res.journeyRows(k).length < min) continue;
    if (out && writer) {
      if (!first) out.bytes(COMMA);
      writer.journey(k);
    } else {
      const j = JSON.stringify(journeyJson(res, k), null, 2);
      sink.write((first ? '' : ',') + '\n' + j.replace(/^/gm, '    '));
    }
    first = false;
  }
  out?.done();
  sink.write(opts.pretty ? '\n  ]\n}\n' : ']}\n');
}

/** ns from baseSec as epoch ns, a decimal string. */
function epochNs(baseSec: number, ns: number): string {
  return (BigInt(baseSec) * 1_000_000_000n + BigInt(Math.round(ns))).toString();
}
