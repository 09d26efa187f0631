// A session held by the app: the correlate library's result (typed-array rows, journeys by index) plus what
// the UI needs from it in columns — journey and hop per packet, protocol, decode status — and lazy per-packet
// detail (summary, layers, bytes) read back from the capture files on demand.

import { rangeNs, type TimeRange } from '../session/timeRange.ts';
import { HopscopeError } from '../common/errors.ts';
import type {
  CaptureInfo,
  ClockInfo,
  Hop,
  JourneyMatches,
  JourneyStopView,
  JourneySummary,
  JourneyView,
  PacketBatch,
  SessionInfo,
} from '../../preload/api.ts';
import { outsideTraffic, type ClockEstimate } from '../correlate/clockSkew.ts';
import type { Correlator } from '../correlate/correlator.ts';
import {
  E_DPORT,
  E_DST,
  E_INNER_DST,
  E_INNER_SRC,
  E_SPORT,
  E_SRC,
  E_TYPE,
  E_VNI,
  F_ETH,
  statusOfFlags,
} from '../correlate/observations.ts';
import { ipv4ToString, type InterfaceInfo } from '../correlate/ownership.ts';
import { ENCAP_GENEVE, ENCAP_IPIP } from '../decode/fields.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { journeyStops, stopText } from '../correlate/stops.ts';
import type { Hop as LibHop } from '../correlate/hops.ts';
import { APP_WORDS, clockReason } from '../export/ladder.ts';
import { FrameSource } from '../session/frames.ts';
import { anyLaneWarnings, sameLaneWarnings } from '../session/ingest.ts';
import {
  createPacketFields,
  decodedLinkType,
  DEFAULT_DECODE_OPTIONS,
  LINKTYPE_ETHERNET,
} from '../decode/fields.ts';
import { readVlanIds } from '../decode/ethernet.ts';
import { decodeFields } from '../decode/fast.ts';
import { summarize } from '../decode/index.ts';
import {
  compileJourneyFilter,
  JourneyFilterError,
  needsVlanIds,
  needsWords,
  parseJourneyFilter,
  type FilterExpr,
} from './journeyFilter.ts';
import { pastedJourneys } from './pastedMatch.ts';
import {
  FAMILY_IP,
  FAMILY_IP6,
  filterText,
  filterWord,
  HOP_IP_BCAST,
  HOP_GENEVE,
  HOP_IPIP,
  HOP_VLAN,
  HOP_VXLAN,
  JourneyIndex,
  VlanIds,
  PORT_SCTP,
  PORT_TCP,
  PORT_UDP,
  ROLE_DST,
  ROLE_SRC,
} from './journeyIndex.ts';

export interface SessionProblem {
  path: string;
  message: string;
}

/** The transports whose ports the filter's `port` reads (as pcap's: TCP, UDP, SCTP). */
const PORT_KINDS: Record<number, number> = { 6: PORT_TCP, 17: PORT_UDP, 132: PORT_SCTP };

/** The journey list's protocol column: the names the filter knows them by (SCTP, not "proto 132"). */
const PROTO_NAMES: Record<number, string> = {
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPIP',
  6: 'TCP',
  17: 'UDP',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMP6',
  103: 'PIM',
  112: 'VRRP',
  132: 'SCTP',
};

/**
 * The IPv4 subnets of a captured interface, from discovery, as (network, mask) pairs: those with a broadcast
 * address (a /31 or /32 has none), for `ip broadcast`. A `-i any` capture's lanes are its packets' interfaces
 * (ingestFiles.ts laneKeyOf); one left whole (`any`: the node's interfaces unknown) has none.
 */
function captureSubnets(ifaces: readonly InterfaceInfo[], node: string, iface: string): Uint32Array {
  const i = ifaces.find((x) => x.node === node && x.name === iface);
  const out: number[] = [];
  i?.addresses.forEach((a, n) => {
    const len = i.prefixLens?.[n] ?? 32;
    if (len > 30) return;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    out.push((a & mask) >>> 0, mask);
  });
  return Uint32Array.from(out);
}

/** A hop's address words: `ip`, or with a port `ip ip:port ip.port port` (IPv6 also `[ip]:port`). */
function endWords(ip: string, port: number, v6: boolean): string {
  // The words go to the index as filter words (filterText): only an IPv6 address can end in `:` (`fd00::`).
  const w = v6 ? filterWord(ip) : ip;
  if (port < 0) return w;
  return `${w} ${ip}:${port} ${ip}.${port} ${port}${v6 ? ` [${ip}]:${port}` : ''}`;
}

/**
 * pcap-filter(7)'s `ip broadcast` on an interface whose netmask is known: a destination whose host part is all
 * ones or all zeros (both conventions), here within one of the interface's own subnets.
 */
function subnetBroadcast(dst: number, nets: Uint32Array): boolean {
  if (dst < 0) return false;
  for (let i = 0; i < nets.length; i += 2) {
    const mask = nets[i + 1];
    if ((dst & mask) >>> 0 !== nets[i]) continue;
    const host = (dst & ~mask) >>> 0;
    if (host === 0 || host === ~mask >>> 0) return true;
  }
  return false;
}

export class LoadedSession {
  revision = 1;
  live = false;
  journeyCol = new Int32Array(0);
  hopCol = new Int16Array(0);
  protoCol = new Uint8Array(0);
  statusCol = new Uint8Array(0);
  /** The estimates before any manual override, per node. */
  estimated = new Map<string, ClockEstimate>();
  manual: Record<string, number> = {};
  frames: FrameSource;
  /** Threads that read the files (1, or more with ingest workers: session/parallelIngest.ts). */
  ingestThreads = 1;
  /** What the inputs said as they were read (session.json's node warnings, files missing or given twice). */
  inputWarnings: string[] = [];
  /** The time range of the captures it was opened as (null: every packet). */
  range: TimeRange | null = null;
  private summaryIndex: JourneyIndex | null = null;
  /** The texts keepSummaries took whose word `stopped` is still to be said again (restateStopped). */
  private keptTexts = 0;

  constructor(
    readonly id: string,
    readonly title: string,
    readonly path: string | null,
    public correlator: Correlator,
    public result: CorrelationResult,
    readonly problems: SessionProblem[],
    readonly drops: Map<string, number> = new Map(),
    /** Build the per-row columns (a live correlator keeps its own, updated incrementally). */
    columns = true,
  ) {
    this.frames = new FrameSource(result);
    for (const c of result.clocks) this.estimated.set(c.node, { ...c });
    if (columns) this.index();
  }

  get count(): number {
    return this.result.rowCount;
  }

  /** Recomputes the per-packet journey/hop columns from the current result. */
  index(): void {
    const res = this.result;
    const rows = res.rows;
    const n = rows.length;
    this.journeyCol = new Int32Array(n).fill(-1);
    this.hopCol = new Int16Array(n).fill(-1);
    this.protoCol = new Uint8Array(n);
    this.statusCol = new Uint8Array(n);
    for (let k = 0; k < res.journeyCount; k++) {
      const list = res.journeyRows(k);
      for (let i = 0; i < list.length; i++) {
        this.journeyCol[list[i]] = k;
        this.hopCol[list[i]] = Math.min(i, 32767);
      }
    }
    for (let r = 0; r < n; r++) {
      const f = rows.flags[r];
      this.protoCol[r] = rows.proto(r) > 0 ? rows.proto(r) : 0;
      // Duplicates of a hop's frame still belong to the journey for highlighting.
      if (this.journeyCol[r] < 0) this.journeyCol[r] = res.journeyOfRow(r);
      this.statusCol[r] = statusOfFlags(f);
    }
    this.summaryIndex = null;
    this.keptTexts = 0;
  }

  /** Re-runs the cross-node phase with manual clock offsets (the per-node grouping is kept). */
  setManualOffset(node: string, offsetNs: number | null): void {
    // The others' offsets are relative to the reference's unshifted clock: moving it alone would shift only its
    // own packets against estimates made from its raw times (the CLI refuses it too).
    if (offsetNs && node === this.result.clocks[0]?.reference)
      throw new HopscopeError(
        'USAGE',
        `${node} is the reference: the other nodes' offsets are relative to it`,
      );
    if (offsetNs === null) delete this.manual[node];
    else this.manual[node] = offsetNs;
    const clock = this.correlator.opts.clock ?? { mode: 'auto' as const };
    this.correlator.opts.clock = { ...clock, manual: { ...this.manual } };
    this.result = this.correlator.result();
    this.frames.close();
    this.frames = new FrameSource(this.result);
    this.index();
    this.revision++;
  }

  baseNs(): string {
    return (BigInt(this.result.baseSec) * 1_000_000_000n).toString();
  }

  captureInfos(): CaptureInfo[] {
    return this.result.captures.map((c, index) => ({
      index,
      node: c.node,
      iface: c.iface,
      linkType: c.linkType,
      packets: c.packets,
      drops: this.drops.get(`${c.node}/${c.iface}`) ?? null,
      problems: [
        ...this.problems.filter((p) => p.path === c.path).map((p) => p.message),
        ...(c.packets > 0 && !decodedLinkType(c.linkType)
          ? [`link type ${c.linkType} is not decoded: its packets are in no journey`]
          : []),
      ],
    }));
  }

  clocks(): ClockInfo[] {
    return this.result.clocks.map((c) => {
      const est = this.estimated.get(c.node) ?? c;
      const overridden = this.manual[c.node] !== undefined;
      return {
        node: c.node,
        // The whole ns the result corrects by (CorrelationResult.offsetNs): the panes' times then match the rest.
        offsetNs: Math.round(c.offsetNs),
        uncertaintyNs: Number.isFinite(c.uncertaintyNs) ? c.uncertaintyNs : null,
        method: c.method,
        overridden,
        estimatedOffsetNs: Math.round(est.offsetNs),
        outsideEstimate: overridden && outsideTraffic(c),
        conflict: c.conflict ? { against: c.conflict.against, byNs: Math.round(c.conflict.byNs) } : null,
        // The CLI's clock line reason in the app's words: the override rather than --clock, durations as the badges
        // write them.
        note: clockReason(c, APP_WORDS),
        estimatedRate: est.rate
          ? {
              ppm: est.rate.ppm,
              ppmUncertainty: est.rate.ppmUncertainty,
              fromOffsetNs: Math.round(
                est.offsetNs + est.rate.ppm * 1e-6 * (est.rate.fromNs - est.rate.atNs),
              ),
              toOffsetNs: Math.round(est.offsetNs + est.rate.ppm * 1e-6 * (est.rate.toNs - est.rate.atNs)),
            }
          : null,
        rate: c.rate
          ? {
              ppm: c.rate.ppm,
              ppmUncertainty: c.rate.ppmUncertainty,
              atNs: (
                BigInt(this.result.baseSec) * 1_000_000_000n +
                BigInt(Math.round(c.rate.atNs))
              ).toString(),
            }
          : null,
      };
    });
  }

  info(): SessionInfo {
    return {
      id: this.id,
      title: this.title,
      path: this.path,
      live: this.live,
      baseNs: this.baseNs(),
      captures: this.captureInfos(),
      packets: this.count,
      journeys: this.result.journeyCount,
      flows: this.result.flowCount,
      clocks: this.result.nodes.length > 1 ? this.clocks() : [],
      referenceNode: this.result.clocks[0]?.reference ?? null,
      revision: this.revision,
      ...(this.notice() ? { notice: this.notice()! } : {}),
      ...(this.range ? { range: rangeNs(this.range) } : {}),
    };
  }

  /**
   * What the session should say above its panes: files not opened, what the inputs warned of, lanes of one name from
   * two places, `-i any` lanes not split into interfaces.
   */
  private notice(): string | null {
    // Lanes are fixed once read (a clock override re-links, it does not re-read): worked out once.
    this.laneNotes ??= [...sameLaneWarnings(this.result), ...anyLaneWarnings(this.result)].map(
      (w) => `Warning: ${w}.`,
    );
    const parts = [
      this.unopened(),
      ...this.inputWarnings.map((w) => `Warning: ${w}.`),
      ...this.laneNotes,
    ].filter((p): p is string => !!p);
    return parts.length ? parts.join(' ') : null;
  }
  private laneNotes: string[] | null = null;

  /**
   * Files that gave no interface at all (not a capture, cut before their first packet): no pane can show their
   * problem, so the session says it. Opened beside good files they were left out without a word.
   */
  private unopened(): string | null {
    const shown = new Set(this.result.captures.map((c) => c.path));
    const lost = this.problems.filter((p) => !shown.has(p.path));
    if (!lost.length) return null;
    const list = lost.map((p) => `${p.path}: ${p.message}`).join('; ');
    return `${lost.length === 1 ? '1 file was' : `${lost.length} files were`} not opened: ${list}`;
  }

  batch(from: number, count: number): PacketBatch {
    const rows = this.result.rows;
    const end = Math.min(this.count, from + count);
    const f = Math.min(from, end);
    return {
      sessionId: this.id,
      from: f,
      capture: rows.capture.slice(f, end),
      tsNs: rows.t.slice(f, end),
      length: Uint32Array.from(rows.origLen.subarray(f, end)),
      journey: this.journeyCol.slice(f, end),
      hop: this.hopCol.slice(f, end),
      proto: this.protoCol.slice(f, end),
      status: this.statusCol.slice(f, end),
    };
  }

  /** The frame's bytes (a view valid until the next call: copy to keep). */
  frame(row: number): Uint8Array {
    return this.frames.frame(row);
  }

  captureOf(row: number): number {
    return this.result.rows.capture[row];
  }
  origLenOf(row: number): number {
    return this.result.rows.origLen[row];
  }
  caplenOf(row: number): number {
    return this.result.rows.caplen[row];
  }
  statusOf(row: number): number {
    return this.statusCol[row];
  }

  linkType(row: number): number {
    return this.result.captures[this.result.rows.capture[row]].linkType;
  }

  tsNsString(row: number): string {
    return this.result.tsNs(row).toString();
  }

  journeySummary(k: number): JourneySummary {
    const res = this.result;
    const rows = res.journeyRows(k);
    const first = rows[0];
    const last = rows[rows.length - 1];
    const p = res.rows.proto(first);
    return {
      id: k,
      summary: res.journeySummary(k),
      proto: PROTO_NAMES[p] ?? (p > 0 ? `proto ${p}` : ''),
      src: res.rowSrc(first),
      dst: res.rowDst(first),
      hops: rows.length,
      nodes: res.journeyNodes(k, rows),
      startRelNs: res.correctedT(first),
      durationNs: res.correctedT(last) - res.correctedT(first),
      flow: res.flowCount ? res.flowOf[k] : null,
      direction: res.flowCount ? res.flowRole(k) : '',
      ...this.stopOf(k),
    };
  }

  /** `{stop}` for a journey said stopped (correlate/stops.ts), `{}` for any other. */
  private stopOf(k: number): { stop?: JourneyStopView } {
    const res = this.result;
    const s = journeyStops(res).of(k);
    if (!s) return {};
    const { head, evidence } = stopText(res, k, s);
    const c = res.captures[s.after];
    return { stop: { after: `${c.node}/${c.iface}`, text: head, evidence } };
  }

  /**
   * Takes the searchable text of journeys [0, count) from an earlier session of the same capture whose journeys
   * up to there are unchanged (a live window's frozen journeys), so a filtered query builds only the rest. Their
   * word `stopped` is said again from this session: whether a frozen journey stopped can change after it froze
   * (the captures' packets a second after it are the evidence; a capture's kernel drops, said later, take a
   * witness back).
   */
  keepSummaries(earlier: LoadedSession, count: number): void {
    const prev = earlier.summaryIndex;
    if (!prev) return;
    this.summaryIndex = prev.prefix(count);
    // On the first query with words (not at every snapshot: finding the stops costs ~0.1 s per million packets).
    this.keptTexts = this.summaryIndex.texts.length;
  }

  /** Says `stopped` again in the texts of journeys [0, keptTexts) (keepSummaries), as this session has them. */
  private restateStopped(ix: JourneyIndex): void {
    // The word is the text's last (indexWords): ` … stopped `.
    const stops = journeyStops(this.result);
    const word = 'stopped ';
    for (let k = 0; k < this.keptTexts; k++) {
      const t = ix.texts[k];
      const said = t.endsWith(` ${word}`);
      if (said !== (stops.of(k) !== null)) ix.texts[k] = said ? t.slice(0, -word.length) : t + word;
    }
    this.keptTexts = 0;
  }

  /**
   * Extends the index's columns to journeys [0, n), from the rows, with no object or string per journey (an IPv6
   * hop's addresses excepted, which the rows keep as hashes): the addresses at each hop where they changed (NAT: a
   * ClusterIP on one hop, the pod's address on the next) and tunnels' outer ones, the ports (inner and VXLAN
   * outer), every hop's MACs (outer and VXLAN inner), the captures crossed, the frame lengths, and the tunnels,
   * tags and subnet broadcasts (HOP_*): `host`, `net`, `port`, `ether`, globs, `less`/`greater`, `ip proto`, `vlan`,
   * `ip broadcast`.
   */
  private indexColumns(ix: JourneyIndex, n: number): void {
    const res = this.result;
    const rows = res.rows;
    const subnets = res.captures.map((cap) => captureSubnets(res.interfaces, cap.node, cap.iface));
    for (let k = ix.count; k < n; k++) {
      let ps = -1;
      let pd = -1;
      let psp = -2;
      let pdp = -2;
      let pe = -1;
      const first = res.firstRow(k);
      for (let r = first; r >= 0; r = res.nextRow(r)) {
        const c = rows.capture[r];
        ix.addCapture(c);
        const pair = rows.ethPairId(r);
        if (pair !== 0 && pair !== pe) {
          ix.addMac(rows.ethSrc(r), ROLE_SRC);
          // Without F_ETH the pair is a cooked capture's source address alone.
          if ((rows.flags[r] & F_ETH) !== 0) ix.addMac(rows.ethDst(r), ROLE_DST);
        }
        pe = pair;
        let bits = rows.vlanTagged(r) ? HOP_VLAN : 0;
        const nets = subnets[c];
        const tunnelled = rows.encapCount[r] > 0;
        if (nets.length > 0) {
          const outer = tunnelled ? rows.encap(r, E_DST) >>> 0 : -1;
          if ((!rows.isIpv6(r) && subnetBroadcast(rows.dst[r] >>> 0, nets)) || subnetBroadcast(outer, nets))
            bits |= HOP_IP_BCAST;
        }
        // A tunnelled hop's outer header (its inner packet is often the previous hop's, skipped below).
        if (tunnelled) {
          ix.addIpv4(rows.encap(r, E_SRC) >>> 0, ROLE_SRC);
          ix.addIpv4(rows.encap(r, E_DST) >>> 0, ROLE_DST);
          const type = rows.encap(r, E_TYPE);
          if (type === ENCAP_IPIP) bits |= HOP_IPIP;
          else {
            bits |= type === ENCAP_GENEVE ? HOP_GENEVE : HOP_VXLAN;
            ix.addPort(rows.encap(r, E_SPORT), PORT_UDP, ROLE_SRC);
            ix.addPort(rows.encap(r, E_DPORT), PORT_UDP, ROLE_DST);
            ix.addMac(rows.encap(r, E_INNER_SRC), ROLE_SRC);
            ix.addMac(rows.encap(r, E_INNER_DST), ROLE_DST);
          }
        }
        ix.addHop(rows.origLen[r], bits);
        const sp = rows.srcPort(r);
        const dp = rows.dstPort(r);
        if (rows.src[r] === ps && rows.dst[r] === pd && sp === psp && dp === pdp) continue;
        ps = rows.src[r];
        pd = rows.dst[r];
        psp = sp;
        pdp = dp;
        if (rows.isIpv6(r)) {
          ix.addIpv6(res.rowSrc(r), ROLE_SRC);
          ix.addIpv6(res.rowDst(r), ROLE_DST);
        } else {
          ix.addIpv4(rows.src[r] >>> 0, ROLE_SRC);
          ix.addIpv4(rows.dst[r] >>> 0, ROLE_DST);
        }
        const kind = PORT_KINDS[rows.proto(r)] ?? 0;
        if (kind) {
          ix.addPort(sp, kind, ROLE_SRC);
          ix.addPort(dp, kind, ROLE_DST);
        }
      }
      ix.finishColumns(rows.isIpv6(first) ? FAMILY_IP6 : FAMILY_IP, rows.proto(first));
    }
  }

  /**
   * Extends the index's words to journeys [0, n) (only a filter with words needs them): the summary, protocol,
   * nodes, flow direction and `#id`; every interface crossed (`node-1/ens33`, and `ens33` alone: a hop on it on any
   * node); the addresses and ports as seen at each hop where they changed, as `ip`, `ip:port`, tcpdump's `ip.port`
   * and the port (IPv6 also as `[ip]:port`), and `a>b` (as addresses and as `ip.port`) for `a > b`; and tunnelled
   * hops' outer headers (`vxlan`/`ipip`, the outer addresses and UDP ports, `vni=N`); `wireguard` for a journey with
   * a hop seen encrypted in WireGuard, `stopped` for one said stopped (correlate/stops.ts: the app's `✗` badge).
   * Straight from the rows: no summary object per journey.
   */
  private indexWords(ix: JourneyIndex, n: number): void {
    const res = this.result;
    const rows = res.rows;
    const stops = journeyStops(res);
    const capWords = res.captures.map((cap) => filterText(`${cap.node}/${cap.iface} ${cap.iface}`));
    const nodeOf = res.captures.map((cap) => cap.node);
    // The captures and nodes a journey has named already: stamped with the journey's number, not a set per journey.
    const capSeen = new Int32Array(res.captures.length).fill(-1);
    const nodeNames = [...new Set(nodeOf)];
    const nodeIx = nodeOf.map((node) => nodeNames.indexOf(node));
    const nodeSeen = new Int32Array(nodeNames.length).fill(-1);
    // One list of words, reused for every journey.
    const out: string[] = [];
    const nodes: string[] = [];
    for (let k = ix.texts.length; k < n; k++) {
      out.length = 0;
      nodes.length = 0;
      let ps = -1;
      let pd = -1;
      let psp = -2;
      let pdp = -2;
      let wireguard = false;
      const first = res.firstRow(k);
      for (let r = first; r >= 0; r = res.nextRow(r)) {
        const c = rows.capture[r];
        if (!wireguard && rows.wireguardData(r)) {
          wireguard = true;
          out.push('wireguard');
        }
        if (nodeSeen[nodeIx[c]] !== k) {
          nodeSeen[nodeIx[c]] = k;
          nodes.push(nodeOf[c]);
        }
        if (capSeen[c] !== k) {
          capSeen[c] = k;
          out.push(capWords[c]);
        }
        if (rows.encapCount[r] > 0) {
          const os = ipv4ToString(rows.encap(r, E_SRC) >>> 0);
          const od = ipv4ToString(rows.encap(r, E_DST) >>> 0);
          out.push(`${os} ${od} ${os}>${od}`);
          const type = rows.encap(r, E_TYPE);
          if (type === ENCAP_IPIP) out.push('ipip');
          else {
            const vni = rows.encap(r, E_VNI);
            const ports = `udp ${rows.encap(r, E_SPORT)} ${rows.encap(r, E_DPORT)} vni=${vni}`;
            out.push(type === ENCAP_GENEVE ? `geneve ${ports} geneve-vni=${vni}` : `vxlan ${ports}`);
          }
        }
        const sp = rows.srcPort(r);
        const dp = rows.dstPort(r);
        if (rows.src[r] === ps && rows.dst[r] === pd && sp === psp && dp === pdp) continue;
        ps = rows.src[r];
        pd = rows.dst[r];
        psp = sp;
        pdp = dp;
        const v6 = rows.isIpv6(r);
        const src = res.rowSrc(r).toLowerCase();
        const dst = res.rowDst(r).toLowerCase();
        out.push(endWords(src, sp, v6), endWords(dst, dp, v6));
        // An ICMP error past a NAT quotes the packet as rewritten there (`udp port 30080` before a DNAT, `8080`
        // after it): that hop's line too, so that its line pasted from a pane finds the journey (errors are few).
        if (r !== first && rows.quotesFlow(r)) {
          const linkType = res.captures[rows.capture[r]].linkType;
          out.push(filterText(summarize(this.frames.frame(r), linkType, { origLen: rows.origLen[r] })));
        }
        // The words go to the index as filter words (filterText): only an IPv6 address can end in `:` (`fd00::`).
        out.push(v6 ? filterWord(`${src}>${dst}`) : `${src}>${dst}`);
        if (sp >= 0 && dp >= 0) out.push(`${src}.${sp}>${dst}.${dp}`);
      }
      const p = rows.proto(first);
      // ICMPv6 also by Wireshark's name for it (tcpdump's is icmp6).
      const proto = p === 58 ? 'ICMP6 ICMPv6' : (PROTO_NAMES[p] ?? (p > 0 ? `proto ${p}` : ''));
      const direction = res.flowCount ? res.flowRole(k) : '';
      // Last, so that keepSummaries can say it again for a frozen journey.
      if (stops.of(k)) out.push('stopped');
      ix.addText(
        `${res.journeySummary(k)} ${proto} ${nodes.join(' ')} ${direction} #${k + 1}`,
        out.join(' '),
      );
    }
  }

  /**
   * Journeys matching a filter, in time order: a tcpdump expression (journeyFilter.ts, docs/architecture.md) over each
   * journey's words (its summary, protocol, nodes, interfaces (`node-1/ens33`, or `ens33` on any node), #id, and
   * addresses and ports at every hop, outer headers too: `192.168.0.3` does not match `192.168.0.33`), its family
   * and the addresses and MACs its hops carry. A filter that cannot be read matches nothing and says why in
   * `error`.
   */
  findJourneys(filter: string, from: number, count: number): JourneyMatches {
    const flows = this.result.flowCount;
    let matches: number[] | null;
    try {
      matches = this.matchingJourneys(filter);
    } catch (e) {
      if (e instanceof JourneyFilterError) return { total: 0, items: [], error: e.message, flows };
      throw e;
    }
    if (!matches) {
      const n = this.result.journeyCount;
      const items: JourneySummary[] = [];
      for (let k = from; k < Math.min(n, from + count); k++) items.push(this.journeySummary(k));
      return { total: n, items, flows };
    }
    return {
      total: matches.length,
      items: matches.slice(from, from + count).map((k) => this.journeySummary(k)),
      flows,
    };
  }

  /**
   * The journeys (indices, time order) a filter keeps (findJourneys' language), null for an empty filter (all);
   * throws JourneyFilterError for one that cannot be read. The CLI's `--filter` too.
   */
  matchingJourneys(filter: string): number[] | null {
    const expr: FilterExpr | null = parseJourneyFilter(filter);
    if (!expr) return null;
    const n = this.result.journeyCount;
    // The index is built once (after what keepSummaries kept): the columns on the first filtered query, the words
    // on the first with words, the VLAN ids on the first `vlan N`.
    const ix = (this.summaryIndex ??= new JourneyIndex());
    ix.captureNames = this.result.captures.map((cap) => ({
      node: cap.node.toLowerCase(),
      iface: cap.iface.toLowerCase(),
    }));
    if (ix.count < n) this.indexColumns(ix, n);
    if (needsWords(expr) && this.keptTexts) this.restateStopped(ix);
    if (needsWords(expr) && ix.texts.length < n) this.indexWords(ix, n);
    if (needsVlanIds(expr)) this.vlanIds(ix, n);
    const test = compileJourneyFilter(expr, ix, (p) => pastedJourneys(this, p));
    const matches: number[] = [];
    for (let k = 0; k < n; k++) if (test(k)) matches.push(k);
    return matches;
  }

  /**
   * Extends the index's VLAN tags to journeys [0, n): the rows keep whether a frame was tagged, not its tags, so a
   * tagged hop's frame is read again (once per session, and only for `vlan N` or a second `vlan`): an Ethernet
   * frame's tags, outermost first (a QinQ frame's outer and inner), another link type's one decoded id.
   */
  private vlanIds(ix: JourneyIndex, n: number): void {
    const v = (ix.vlanIds ??= new VlanIds());
    if (v.count >= n) return;
    const res = this.result;
    const rows = res.rows;
    const f = createPacketFields();
    const opts = { ...(res.decodeOptions ?? DEFAULT_DECODE_OPTIONS), key: false };
    const ids: number[] = [];
    for (let k = v.count; k < n; k++) {
      for (let r = res.firstRow(k); r >= 0; r = res.nextRow(r)) {
        if (!rows.vlanTagged(r)) continue;
        const linkType = res.captures[rows.capture[r]].linkType;
        const frame = this.frames.frame(r);
        if (linkType === LINKTYPE_ETHERNET) readVlanIds(frame, 0, ids);
        else {
          decodeFields(frame, linkType, f, opts);
          ids.length = 0;
          if (f.vlan >= 0) ids.push(f.vlan);
        }
        for (let depth = 0; depth < ids.length; depth++) v.add(depth, ids[depth]);
      }
      v.finish();
    }
  }

  /** Lets go of the capture files it reads frames from. */
  close(): void {
    this.frames.close();
  }

  journey(k: number): JourneyView {
    const base = BigInt(this.result.baseSec) * 1_000_000_000n;
    const hops: Hop[] = this.result.hops(k).map((h: LibHop) => ({
      node: h.node,
      iface: h.iface,
      capture: h.capture,
      packet: h.row,
      tsNs: h.tsNs.toString(),
      tRelNs: Number(h.tNs - base),
      latencyNs: h.latencyNs,
      fromHop: h.fromHop,
      src: h.src,
      dst: h.dst,
      srcPort: h.srcPort,
      dstPort: h.dstPort,
      ttl: h.ttl >= 0 ? h.ttl : null,
      eth: h.eth,
      encap: h.encap.map((e) => ({
        type: e.type,
        outerSrc: e.outerSrc,
        outerDst: e.outerDst,
        ...(e.vni !== undefined ? { vni: e.vni } : {}),
        ...(e.srcPort !== undefined ? { srcPort: e.srcPort } : {}),
        ...(e.dstPort !== undefined ? { dstPort: e.dstPort } : {}),
        ...(e.innerEth !== undefined ? { innerEth: e.innerEth } : {}),
      })),
      changes: h.changes,
      piece: h.piece,
      wireguard: h.wireguard,
    }));
    return { ...this.journeySummary(k), hopList: hops };
  }
}
