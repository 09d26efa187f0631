// The outcome of a correlation, addressed by index (no per-journey objects until asked): journeys in time
// order, their hops materialized on demand, flows, clocks, and the rows (every captured frame) by capture.

import type { TimeRange } from '../session/timeRange.ts';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, type DecodeOptions } from '../decode/fields.ts';
import type { ClockEstimate, NodeClocks } from './clockSkew.ts';
import type { CaptureInfo, Correlator } from './correlator.ts';
import {
  changesBetween,
  encapOf,
  ethOf,
  HopSources,
  hopTruncated,
  innerSummary,
  ipv6Summary,
  pieceRange,
  type Hop,
  type MacNamer,
  type WireGuardInfo,
} from './hops.ts';
import { icmpQueryRole } from './identity.ts';
import type { Links } from './linker.ts';
import { F_DUP, F_ARP, type ObservationTable } from './observations.ts';
import type { SegmentTable } from './segments.ts';
import { ipv4ToString, isGroupMac, type InterfaceInfo, type Ownership } from './ownership.ts';

export interface CaptureSummary extends CaptureInfo {
  packets: number;
}

/**
 * What only a row's frame bytes can tell (the columns keep IPv4 addresses only): given by whoever can read
 * the capture files (main/session/frames.ts attaches one), null when no frames are available.
 */
export interface RowDetail {
  /** The inner IPv6 source and destination as text, null when the frame cannot be read or has none. */
  ipv6(row: number): { src: string; dst: string } | null;
  /** The decoder's one-line summary of the innermost IP packet of the row, null when unavailable. */
  innerSummary(row: number): string | null;
  /** A WireGuard transport data row's receiver index and whole counter, null when the frame cannot be read. */
  wireguard?(row: number): { receiver: number; counter: number } | null;
}

/**
 * The journeys in time order: by the corrected time of their first hop, ties by number. A function of its own, out
 * of CorrelationResult's constructor, whose optimised code left at each part after a loop it had compiled.
 */
function timeOrder(links: Links, segs: SegmentTable, clock: NodeClocks): Int32Array {
  const start = new Float64Array(links.count);
  for (let j = 0; j < links.count; j++) {
    const s = links.first[j];
    start[j] = clock.correct(segs.node[s], segs.firstT[s]);
  }
  const order = new Int32Array(links.count);
  for (let j = 0; j < order.length; j++) order[j] = j;
  let sorted = true;
  for (let j = 1; j < start.length && sorted; j++) if (start[j] < start[j - 1]) sorted = false;
  if (!sorted) order.sort((a, b) => start[a] - start[b] || a - b);
  return order;
}

export class CorrelationResult {
  readonly rows: ObservationTable;
  readonly captures: CaptureSummary[];
  readonly nodes: readonly string[];
  readonly clocks: ClockEstimate[];
  readonly baseSec: number;
  /** The earliest and latest row times (ns from baseSec) when the result was made (Correlator.timeSpan). */
  readonly timeSpan: { readonly lo: number; readonly hi: number };
  /** Per node: what puts its timestamps on the reference clock (whole ns subtracted: clock.offsetAt(node, t)). */
  readonly clock: NodeClocks;
  readonly journeyCount: number;
  /** Flows: filled by computeFlows(). flowOf[k] for journey k; flowCount flows, numbered by first journey. */
  flowOf: Int32Array = new Int32Array(0);
  /** Per flow: its first journey (time order). */
  flowFirst: Int32Array = new Int32Array(0);
  flowCount = 0;

  private readonly own: Ownership;
  private readonly links: Links;
  private readonly captureNode: readonly number[];
  /**
   * Public journey index k (time order) → internal linker journey, and back; null when the links are numbered in
   * time order already (a live window's, window.ts).
   */
  private readonly order: Int32Array | null;
  private readonly rank: Int32Array | null;
  private learned: Map<number, string> | null = null;
  /** Frame-backed detail for IPv6 rows (setRowDetail), null: IPv6 addresses print as ''. */
  rowDetail: RowDetail | null = null;
  /** The decode options the rows were decoded with (for re-decoding frames), null: the defaults. */
  readonly decodeOptions: DecodeOptions | null;
  /**
   * The time range of the captures the rows were read from (`--after`/`--before`, the app's open of a range:
   * session/timeRange.ts), null: every packet. Said by the JSON, the ladder and the pcapng export.
   */
  range: TimeRange | null = null;
  /**
   * The kernel's drops per capture lane (`node/iface`) as session.json records them (set by correlateInputs),
   * empty when unknown: a capture that lost packets is no witness that a packet never came (correlate/stops.ts).
   */
  kernelDrops: ReadonlyMap<string, number> = new Map();

  constructor(
    c: Correlator,
    own: Ownership,
    links: Links,
    clocks: ClockEstimate[],
    clock: NodeClocks,
    ordered = false,
  ) {
    this.rows = c.obs;
    this.nodes = [...c.nodes];
    this.captures = c.captures.map((info, i) => ({ ...info, packets: c.packetCount(i) }));
    this.clocks = clocks;
    this.baseSec = c.baseSec ?? 0;
    this.timeSpan = c.timeSpan();
    // Whole nanoseconds: the estimates have fractions (405.5 ns), and every view of a corrected time (panes,
    // ladder, JSON, CSV, pcapng) must give the same integer; some rounded t − offset, others t − round(offset).
    this.clock = clock.rounded();
    this.own = own;
    this.links = links;
    this.captureNode = [...c.captureNodeIndex()];
    this.journeyCount = links.count;
    this.decodeOptions = c.opts.decode ?? null;
    this.segFirstObs = c.segs.firstObs;
    if (ordered) {
      this.order = this.rank = null;
      return;
    }
    this.order = timeOrder(links, c.segs, this.clock);
    this.rank = new Int32Array(links.count);
    for (let k = 0; k < this.order.length; k++) this.rank[this.order[k]] = k;
  }

  private readonly segFirstObs: Int32Array;

  /** Rows (observations) in the whole result. */
  get rowCount(): number {
    return this.rows.length;
  }

  nodeOfCapture(capture: number): number {
    return this.captureNode[capture];
  }

  /** Journey index (0-based, time order; its id is index + 1) of a row, -1 when it has none (ARP, no IP…). */
  journeyOfRow(row: number): number {
    const s = this.rows.segment[row];
    if (s < 0) return -1;
    const j = this.links.segJourney[s];
    return this.rank ? this.rank[j] : j;
  }

  /**
   * The internal (linker) journey of a row on its journey's path (internal(k) of its journey k), -1 when it has
   * none or is a duplicated frame (journeyRows leaves those out). For passes over every row that only need to
   * tell journeys apart: no time-order lookup per row.
   */
  pathLinkOfRow(row: number): number {
    const s = this.rows.segment[row];
    return s < 0 || (this.rows.flags[row] & F_DUP) !== 0 ? -1 : this.links.segJourney[s];
  }

  isDuplicate(row: number): boolean {
    return (this.rows.flags[row] & F_DUP) !== 0;
  }

  isArp(row: number): boolean {
    return (this.rows.flags[row] & F_ARP) !== 0;
  }

  /** First row of journey k in path order (iterate with nextRow, no allocation). */
  firstRow(k: number): number {
    return this.segFirstObs[this.links.first[this.internal(k)]];
  }

  /** The row after `r` in its journey's path order, -1 at the end. */
  nextRow(r: number): number {
    const n = this.rows.nextInSegment[r];
    if (n >= 0) return n;
    const s = this.links.segNext[this.rows.segment[r]];
    return s >= 0 ? this.segFirstObs[s] : -1;
  }

  /**
   * The chains firstRow and nextRow walk, for passes over every journey's path (export/hopIndex.ts): per segment,
   * the next one on its journey's path (-1 at the end) and its first row.
   */
  pathChains(): { segNext: Int32Array; segFirst: Int32Array } {
    return { segNext: this.links.segNext, segFirst: this.segFirstObs };
  }

  /** The rows of journey k in path order (duplicated frames excluded). */
  journeyRows(k: number): number[] {
    const j = this.internal(k);
    const out: number[] = [];
    const rows = this.rows;
    for (let s = this.links.first[j]; s >= 0; s = this.links.segNext[s]) {
      for (let r = this.segFirstObs[s]; r >= 0; r = rows.nextInSegment[r]) out.push(r);
    }
    return out;
  }

  /**
   * The nodes journey k crosses, in path order: one entry per stay on a node, so a packet that leaves node-1 and
   * comes back (a NodePort on the other node, DNAT'ed back to a pod here) lists node-1 twice, as its ladder does.
   * `rows`: its journeyRows when the caller has them already.
   */
  journeyNodes(k: number, rows: readonly number[] = this.journeyRows(k)): string[] {
    const nodes: string[] = [];
    for (const r of rows) {
      const node = this.captures[this.rows.capture[r]].node;
      if (nodes[nodes.length - 1] !== node) nodes.push(node);
    }
    return nodes;
  }

  /** Whether the journey's cross-node match had an alternative (a retransmission or a key collision nearby). */
  journeyAmbiguous(k: number): boolean {
    return this.links.ambiguous[this.internal(k)] === 1;
  }

  /** Capture-clock epoch ns of a row. */
  tsNs(row: number): bigint {
    return BigInt(this.baseSec) * 1_000_000_000n + BigInt(this.rows.t[row]);
  }

  /** Clock-corrected epoch ns of a row. */
  tNs(row: number): bigint {
    return (
      this.tsNs(row) - BigInt(this.clock.offsetAt(this.captureNode[this.rows.capture[row]], this.rows.t[row]))
    );
  }

  /** Clock-corrected time of a row in ns relative to baseSec (a float64 for arithmetic and plotting). */
  correctedT(row: number): number {
    return this.clock.correct(this.captureNode[this.rows.capture[row]], this.rows.t[row]);
  }

  /** Attaches (or, with null, detaches) the frame-backed detail used for IPv6 rows. */
  setRowDetail(d: RowDetail | null): void {
    this.rowDetail = d;
  }

  /** Inner source address of a row as text (IPv6 read lazily from its frame; '' when unavailable). */
  rowSrc(r: number): string {
    if (!this.rows.isIpv6(r)) return ipv4ToString(this.rows.src[r]);
    return this.rowDetail?.ipv6(r)?.src ?? '';
  }

  /** Inner destination address of a row as text (see rowSrc). */
  rowDst(r: number): string {
    if (!this.rows.isIpv6(r)) return ipv4ToString(this.rows.dst[r]);
    return this.rowDetail?.ipv6(r)?.dst ?? '';
  }

  /**
   * What NAT may rewrite in a row, as tcpdump writes it: `10.1.10.8.51234 > 10.106.23.233.8877` (ports of TCP, UDP,
   * SCTP), `10.244.0.12 > 10.1.10.10 id 9678` (an ICMP echo's id, SNAT's "port"), the addresses alone otherwise.
   * For the exports' comments on a NAT'ed hop: what the packet was before it.
   */
  rowTuple(r: number): string {
    const rows = this.rows;
    const sp = rows.srcPort(r);
    const dp = rows.dstPort(r);
    const id = rows.icmpId(r);
    if (sp >= 0 && dp >= 0) return `${this.rowSrc(r)}.${sp} > ${this.rowDst(r)}.${dp}`;
    return `${this.rowSrc(r)} > ${this.rowDst(r)}${id >= 0 ? ` id ${id}` : ''}`;
  }

  /** The nodes' discovered interfaces (ip -j link/addr files, session.json) the result was correlated with. */
  get interfaces(): readonly InterfaceInfo[] {
    return this.own.interfaces;
  }

  /**
   * The inner packet of journey k as a tcpdump-like line (rowSummary of its first hop, or of its first hop in clear
   * when it was captured encrypted first: WireGuard).
   */
  journeySummary(k: number): string {
    const first = this.firstRow(k);
    if (first < 0) return '';
    let r = first;
    while (r >= 0 && this.rows.wireguardData(r)) r = this.nextRow(r);
    return this.rowSummary(r >= 0 ? r : first);
  }

  /** A row seen only encrypted in WireGuard: its receiver index and counter (hops.ts WireGuardInfo); else null. */
  wireguardOf(r: number): WireGuardInfo | null {
    const rows = this.rows;
    if (!rows.wireguardData(r)) return null;
    const read = this.rowDetail?.wireguard?.(r) ?? null;
    return {
      receiver: read ? read.receiver : null,
      counter: read ? read.counter : rows.wireguardCounter(r),
      dataLength: rows.wireguardDataLength(r),
    };
  }

  /**
   * Row r's inner packet as a tcpdump-like line: from the columns for TCP, UDP and ICMP echo; the decoder's line
   * from the frame for IPv6 and for what the columns cannot say (ICMP errors, IGMP, other protocols, the UDP
   * length of a fragmented datagram), when the frame can be read.
   */
  rowSummary(r: number): string {
    const rows = this.rows;
    if (rows.isIpv6(r))
      return this.rowDetail?.innerSummary(r) ?? ipv6Summary(rows, r, this.rowSrc(r), this.rowDst(r));
    const line = this.summaryFromColumns(r) ? null : this.rowDetail?.innerSummary(r);
    return line ? line.replace(/^IP /, '') : innerSummary(rows, r);
  }

  /**
   * Whether rowSummary(r) is innerSummary(rows, r), whatever the frame says: an IPv4 row whose columns hold all
   * tcpdump prints of it (TCP, UDP but a first fragment, ICMP echo or untyped).
   */
  summaryFromColumns(r: number): boolean {
    const rows = this.rows;
    if (rows.isIpv6(r)) return false;
    const proto = rows.proto(r);
    const type = rows.icmpType(r);
    return (
      proto === PROTO_TCP ||
      (proto === PROTO_UDP && !rows.udpFirstFragment(r)) ||
      (proto === PROTO_ICMP && (type < 0 || type === 0 || type === 8))
    );
  }

  /** Name of a MAC's owner: a discovered interface, the proxy-ARP gateway, or a pod behind a veth. */
  macName: MacNamer = (mac, node) => {
    let byMac = this.nameCache.get(node);
    if (!byMac) this.nameCache.set(node, (byMac = new Map()));
    let n = byMac.get(mac);
    if (n === undefined) {
      n = this.own.nameOf(mac, node) ?? this.learnedNames().get(mac) ?? null;
      byMac.set(mac, n);
    }
    return n;
  };
  private readonly nameCache = new Map<string, Map<number, string | null>>();

  /**
   * Pods' MACs, learned once from the traffic: the source MAC of a journey's first hop on a veth/cali lane
   * is the pod that sent it, the destination MAC of a last hop there is the pod it was delivered to.
   */
  private learnedNames(): Map<number, string> {
    if (this.learned) return this.learned;
    const m = new Map(this.learnedSeed);
    this.learnNames(m, this.learnedSeedCount, this.journeyCount);
    this.learned = m;
    return m;
  }
  private learnedSeed: Map<number, string> = new Map();
  private learnedSeedCount = 0;

  /**
   * What learnedNames() would learn from journeys [0, count) is already in `names` (a live window's frozen
   * journeys): only the journeys after them are read.
   */
  seedLearnedNames(names: Map<number, string>, count: number): void {
    this.learnedSeed = names;
    this.learnedSeedCount = count;
    this.learned = null;
  }

  /** Adds the pods' MACs journeys [from, to) show to `m` (the first one learned for a MAC stays). */
  learnNames(m: Map<number, string>, from: number, to: number): void {
    const podSide = this.captures.map((c) => /^(veth|cali|lxc|eni)/.test(c.iface));
    const rows = this.rows;
    const learn = (mac: number, c: number): void => {
      if (mac < 0 || isGroupMac(mac) || m.has(mac) || this.own.ownersOf(mac).length > 0) return;
      m.set(mac, `pod behind ${this.captures[c].node}/${this.captures[c].iface}`);
    };
    for (let k = from; k < to; k++) {
      const first = this.firstRow(k);
      let last = first;
      for (let r = first; r >= 0; r = this.nextRow(r)) last = r;
      if (podSide[rows.capture[first]]) learn(rows.ethSrc(first), rows.capture[first]);
      if (podSide[rows.capture[last]]) learn(rows.ethDst(last), rows.capture[last]);
    }
  }

  /** Which hop each hop is timed from (HopSources: copies of a broadcast or multicast frame fan out). */
  hopSources(): HopSources {
    return new HopSources(this.rows, this.captureNode, (mac) => this.own.nodeOfMac(mac));
  }

  /** Materializes the hops of journey k. */
  hops(k: number): Hop[] {
    const rows = this.rows;
    const list = this.journeyRows(k);
    const out: Hop[] = [];
    const sources = this.hopSources();
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      const cap = rows.capture[r];
      const info = this.captures[cap];
      const tNs = this.tNs(r);
      const from = sources.next(r);
      const fromHop = from < 0 ? null : from;
      out.push({
        index: i,
        row: r,
        capture: cap,
        node: info.node,
        iface: info.iface,
        tsNs: this.tsNs(r),
        tNs,
        latencyNs: fromHop === null ? null : Number(tNs - out[fromHop].tNs),
        fromHop,
        src: this.rowSrc(r),
        dst: this.rowDst(r),
        srcPort: rows.srcPort(r) >= 0 ? rows.srcPort(r) : null,
        dstPort: rows.dstPort(r) >= 0 ? rows.dstPort(r) : null,
        proto: rows.proto(r),
        ttl: rows.ttl(r),
        ipId: rows.ipId(r),
        eth: ethOf(rows, r, info.node, this.macName),
        encap: encapOf(rows, r, info.node, this.macName),
        changes: from < 0 ? [] : changesBetween(rows, list[from], r),
        wireguard: this.wireguardOf(r),
        piece: from < 0 ? null : pieceRange(rows, r, list[from]),
        truncated: hopTruncated(rows, r),
      });
    }
    return out;
  }

  /** Flow role of journey k: the first journey of a flow and those in its direction are requests. */
  flowRole(k: number): 'request' | 'reply' {
    const rows = this.rows;
    const mine = this.journeyRows(k);
    if (mine.length === 0) return 'request';
    const r0 = mine[0];
    const query = icmpQueryRole(rows.proto(r0), rows.icmpType(r0));
    if (query) return query;
    const first = this.flowFirst[this.flowOf[k]];
    if (first === k) return 'request';
    if (rows.quotesFlow(r0)) {
      // An ICMP error, in the flow of the packet it quotes: a reply when it goes back to the flow's first sender.
      for (const r of this.journeyRows(first)) {
        if (rows.src[r] === rows.dst[r0]) return 'reply';
        if (rows.dst[r] === rows.dst[r0]) return 'request';
      }
      return 'reply';
    }
    for (const r of this.journeyRows(first)) {
      if (rows.src[r] === rows.src[r0] && rows.srcPort(r) === rows.srcPort(r0)) return 'request';
      if (rows.dst[r] === rows.src[r0] && rows.dstPort(r) === rows.srcPort(r0)) return 'reply';
    }
    return 'request';
  }

  /** Internal linker index of public journey k (for computeFlows). */
  internal(k: number): number {
    return this.order ? this.order[k] : k;
  }
}
