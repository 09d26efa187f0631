// CSV export: one row per hop of every journey (the spreadsheet view of hopscope.journeys/1).

import type { CorrelationResult } from '../correlate/result.ts';
import type { Sink } from './sink.ts';

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
];

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function writeCsv(res: CorrelationResult, sink: Sink, minHops = 1): void {
  sink.write(CSV_COLUMNS.join(',') + '\n');
  for (let k = 0; k < res.journeyCount; k++) {
    const hops = res.hops(k);
    if (hops.length < minHops) continue;
    const summary = res.journeySummary(k);
    const flow = res.flowCount ? res.flowOf[k] + 1 : '';
    const role = res.flowRole(k);
    let out = '';
    for (const h of hops) {
      const encap = h.encap
        .map((e) =>
          e.type === 'vxlan'
            ? `vxlan vni ${e.vni} ${e.outerSrc}:${e.srcPort}>${e.outerDst}:${e.dstPort}`
            : `ipip ${e.outerSrc}>${e.outerDst}`,
        )
        .join(' ');
      out +=
        [
          k + 1,
          h.index + 1,
          flow,
          role,
          h.node,
          h.iface,
          h.tsNs,
          h.tNs,
          h.latencyNs,
          h.src,
          h.srcPort,
          h.dst,
          h.dstPort,
          h.proto,
          h.ttl,
          h.ipId,
          h.eth?.src,
          h.eth?.dst,
          h.eth?.srcOwner,
          h.eth?.dstOwner,
          encap,
          h.changes.join(' '),
          summary,
        ]
          .map(cell)
          .join(',') + '\n';
    }
    sink.write(out);
  }
}
