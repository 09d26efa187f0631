// The default `hopscope correlate` output: one block per journey, its hops as a ladder like the walkthrough's
// "node-1/cali… → node-1/tunl0 → node-1/ens33 → node-2/ens33 → …", with times, latency and changes.

import type { ClockEstimate } from '../correlate/clockSkew.ts';
import type { Hop } from '../correlate/hops.ts';
import type { CorrelationResult } from '../correlate/result.ts';

/** 03:23:53.287694591 (UTC) from epoch ns. */
export function clockTime(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns - sec * 1_000_000_000n;
  const d = new Date(Number(sec) * 1000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  return `${hh}:${mm}:${ss}.${String(frac).padStart(9, '0')}`;
}

/** A duration for people: 420 ns, 12.3 µs, 4.56 ms, 2.013 s. */
export function duration(ns: number): string {
  const a = Math.abs(ns);
  const sign = ns < 0 ? '-' : '';
  if (a === Infinity) return '∞';
  if (a < 1e3) return `${sign}${Math.round(a)} ns`;
  if (a < 1e6) return `${sign}${(a / 1e3).toFixed(1)} µs`;
  if (a < 1e9) return `${sign}${(a / 1e6).toFixed(2)} ms`;
  return `${sign}${(a / 1e9).toFixed(3)} s`;
}

export function clockLine(c: ClockEstimate): string {
  if (c.method === 'reference') return `clock ${c.node}: reference`;
  if (c.method === 'none') return `clock ${c.node}: unknown offset to ${c.reference} (not corrected)`;
  const sign = c.offsetNs >= 0 ? '+' : '-';
  const unc = c.uncertaintyNs === Infinity ? 'unbounded' : `± ${duration(c.uncertaintyNs)}`;
  const samples = c.samples ? `, ${c.samples} packets` : '';
  return `clock ${c.node}: ${sign}${duration(Math.abs(c.offsetNs))} ${unc} vs ${c.reference} (${c.method}${samples})`;
}

function hopDetail(h: Hop): string {
  const parts: string[] = [`ttl ${h.ttl}`];
  if (h.eth) {
    const s = h.eth.srcOwner ? `${h.eth.src} (${h.eth.srcOwner})` : h.eth.src;
    const d = h.eth.dstOwner ? `${h.eth.dst} (${h.eth.dstOwner})` : h.eth.dst;
    parts.push(`${s} > ${d}`);
  } else parts.push('no ethernet');
  for (const e of h.encap) {
    parts.push(
      e.type === 'vxlan'
        ? `vxlan vni ${e.vni} ${e.outerSrc}.${e.srcPort} > ${e.outerDst}.${e.dstPort}`
        : `ipip ${e.outerSrc} > ${e.outerDst}`,
    );
  }
  const addr = (ip: string, port: number | null): string => (port === null ? ip : `${ip}.${port}`);
  parts.push(`${addr(h.src, h.srcPort)} > ${addr(h.dst, h.dstPort)}`);
  if (h.truncated) parts.push('[truncated]');
  return parts.join('  ');
}

export function journeyBlock(res: CorrelationResult, k: number): string {
  const hops = res.hops(k);
  const flow = res.flowCount ? `  [flow ${res.flowOf[k] + 1} ${res.flowRole(k)}]` : '';
  const amb = res.journeyAmbiguous(k) ? '  [ambiguous match]' : '';
  const lines = [`journey ${k + 1}: ${res.journeySummary(k)}${flow}${amb}`];
  const width = Math.max(...hops.map((h) => h.node.length + h.iface.length + 1));
  for (const h of hops) {
    const arrow = h.index === 0 ? '  ' : '→ ';
    const where = `${h.node}/${h.iface}`.padEnd(width);
    const lat = h.latencyNs === null ? ''.padStart(10) : `+${duration(h.latencyNs)}`.padStart(10);
    const ch = h.changes.length ? `  [${h.changes.join(' ')}]` : '';
    lines.push(`  ${arrow}${where}  ${clockTime(h.tNs)}  ${lat}  ${hopDetail(h)}${ch}`);
  }
  return lines.join('\n');
}
