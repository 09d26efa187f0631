// The `hopscope.journeys/1` document (docs/journeys-json.md), streamed journey by journey into a sink.
// Epoch nanosecond timestamps exceed 2^53, so tsNs/tNs are decimal strings; durations and offsets (well
// below 2^53 ns, i.e. 104 days) are JSON numbers; an unbounded uncertainty is null.

import type { CorrelationResult } from '../correlate/result.ts';
import { CHANGE_NAMES, changeMask, encapOf, ethOf, type Hop } from '../correlate/hops.ts';
import { F_TRUNCATED } from '../correlate/observations.ts';
import type { Sink } from './sink.ts';

/** The JSON array of every change mask. */
const CHANGE_JSON = CHANGE_NAMES.map((names) => JSON.stringify(names));

export const JOURNEYS_SCHEMA = 'hopscope.journeys/1';
export const GENERATOR = 'hopscope 0.1.0';

export interface JsonOptions {
  /** Skip journeys with fewer hops (default 1: all). */
  minHops?: number;
  pretty?: boolean;
}

export function hopJson(h: Hop): Record<string, unknown> {
  return {
    node: h.node,
    iface: h.iface,
    tsNs: h.tsNs.toString(),
    tNs: h.tNs.toString(),
    latencyNs: h.latencyNs,
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
    truncated: h.truncated,
  };
}

export function journeyJson(res: CorrelationResult, k: number): Record<string, unknown> {
  const hops = res.hops(k);
  return {
    id: k + 1,
    summary: res.journeySummary(k),
    flow: res.flowCount ? res.flowOf[k] + 1 : null,
    role: res.flowRole(k),
    ambiguous: res.journeyAmbiguous(k),
    nodes: [...new Set(hops.map((h) => h.node))],
    durationNs: hops.length > 1 ? Number(hops[hops.length - 1].tNs - hops[0].tNs) : 0,
    hops: hops.map(hopJson),
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

/** Epoch ns as a decimal string from (base second, ns since it), without BigInt. */
function epochText(baseSec: number, t: number): string {
  const s = Math.floor(t / 1e9);
  const ns = t - s * 1e9;
  const sec = baseSec + s;
  return sec > 0 ? `${sec}${String(ns).padStart(9, '0')}` : String(BigInt(sec) * 1_000_000_000n + BigInt(ns));
}

/**
 * journeyJson(res, k) serialised directly from the columns: the same document text as
 * JSON.stringify(journeyJson(res, k)) (tested), without the intermediate objects.
 */
export function journeyJsonText(res: CorrelationResult, k: number, q: (s: string) => string): string {
  const rows = res.rows;
  const list = res.journeyRows(k);
  const base = res.baseSec;
  let hops = '';
  const nodes: string[] = [];
  let first = 0;
  let prev = 0;
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    const cap = res.captures[rows.capture[r]];
    const t = rows.t[r];
    const tc = t - Math.round(res.offsetNs[res.nodeOfCapture(rows.capture[r])]);
    if (i === 0) first = tc;
    if (nodes[nodes.length - 1] !== cap.node && !nodes.includes(cap.node)) nodes.push(cap.node);
    const eth = ethOf(rows, r, cap.node, res.macName);
    const encap = encapOf(rows, r, cap.node, res.macName);
    const sp = rows.srcPort(r);
    const dp = rows.dstPort(r);
    hops +=
      (i ? ',' : '') +
      `{"node":${q(cap.node)},"iface":${q(cap.iface)},"tsNs":"${epochText(base, t)}","tNs":"${epochText(base, tc)}",` +
      `"latencyNs":${i === 0 ? 'null' : tc - prev},"src":${q(res.rowSrc(r))},"dst":${q(res.rowDst(r))},` +
      `"srcPort":${sp >= 0 ? sp : 'null'},"dstPort":${dp >= 0 ? dp : 'null'},"proto":${rows.proto(r)},"ttl":${rows.ttl(r)},` +
      `"ipId":${rows.ipId(r)},"eth":${eth ? JSON.stringify(eth) : 'null'},"encap":${encap.length ? JSON.stringify(encap) : '[]'},` +
      `"changes":${i === 0 ? '[]' : CHANGE_JSON[changeMask(rows, list[i - 1], r)]},` +
      `"truncated":${(rows.flags[r] & F_TRUNCATED) !== 0}}`;
    prev = tc;
  }
  return (
    `{"id":${k + 1},"summary":${q(res.journeySummary(k))},"flow":${res.flowCount ? res.flowOf[k] + 1 : 'null'},` +
    `"role":"${res.flowRole(k)}","ambiguous":${res.journeyAmbiguous(k)},"nodes":[${nodes.map(q).join(',')}],` +
    `"durationNs":${list.length > 1 ? prev - first : 0},"hops":[${hops}]}`
  );
}

/** Writes the whole document; journeys are serialised one at a time. */
export function writeJourneysJson(res: CorrelationResult, sink: Sink, opts: JsonOptions = {}): void {
  const head = JSON.stringify(documentHead(res), null, opts.pretty ? 2 : undefined);
  sink.write(head.slice(0, -1).trimEnd() + (opts.pretty ? ',\n  "journeys": [' : ',"journeys":['));
  const min = opts.minHops ?? 1;
  let first = true;
  const quoted = new Map<string, string>();
  const q = (s: string): string => {
    let v = quoted.get(s);
    if (v === undefined) {
      v = JSON.stringify(s);
      if (quoted.size < 4096) quoted.set(s, v);
    }
    return v;
  };
  for (let k = 0; k < res.journeyCount; k++) {
    if (min > 1 && res.journeyRows(k).length < min) continue;
    const j = opts.pretty ? JSON.stringify(journeyJson(res, k), null, 2) : journeyJsonText(res, k, q);
    sink.write((first ? '' : ',') + (opts.pretty ? '\n' + j.replace(/^/gm, '    ') : j));
    first = false;
  }
  sink.write(opts.pretty ? '\n  ]\n}\n' : ']}\n');
}
