// Hop details computed lazily, for the journeys that are shown or exported: addresses as text, MAC owners,
// encapsulation, and what changed against the previous hop. Allocates, so never on the ingest path.

import {
  ENCAP_GENEVE,
  ENCAP_IPIP,
  ENCAP_VXLAN,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
} from '../decode/fields.ts';
import {
  F_ETH,
  F_TRUNCATED,
  E_DPORT,
  E_DST,
  E_INNER_DST,
  E_INNER_SRC,
  E_SPORT,
  E_SRC,
  E_TTL,
  E_TYPE,
  E_VNI,
  M_TCP_FLAGS,
  type ObservationTable,
} from './observations.ts';
import { ipv4ToString, isGroupMac, macToString } from './ownership.ts';
import { tcpFlagsString } from '../decode/tcp.ts';

export type HopChange =
  | 'mac'
  | 'ttl'
  | 'encap+vxlan'
  | 'encap-vxlan'
  | 'encap+ipip'
  | 'encap-ipip'
  | 'encap+geneve'
  | 'encap-geneve'
  | 'encap+wireguard'
  | 'encap-wireguard'
  | 'nat-dst'
  | 'nat-src'
  | 'split'
  | 'merged';

export interface EncapInfo {
  type: 'vxlan' | 'geneve' | 'ipip';
  outerSrc: string;
  outerDst: string;
  outerTtl: number;
  /** vxlan and geneve only. */
  vni?: number;
  srcPort?: number;
  dstPort?: number;
  /**
   * vxlan and geneve only: the inner Ethernet header's MACs (the VTEPs' flannel.1 MACs; the tunnel ports' for
   * Geneve), with owners when known; null when the tunnel carries IP directly (Geneve protocol 0x0800/0x86DD).
   */
  innerEth?: EthInfo | null;
}

/**
 * A hop where the packet travels encrypted in a WireGuard transport data message (wireguardJoin.ts): the hop's
 * addresses, ports and TTL are the outer UDP datagram's (tunnel end to tunnel end); the packet inside is not
 * visible there.
 */
export interface WireGuardInfo {
  /** The receiver's index (the peer's session), read from the frame; null when the frame cannot be read. */
  receiver: number | null;
  /** The message counter (its low 32 bits when the frame cannot be read). */
  counter: number;
  /** The encrypted packet's length, padding included (tshark's datalen). */
  dataLength: number;
}

export interface EthInfo {
  src: string;
  /** Null on a Linux cooked capture (`tcpdump -i any`), which records only the source's address. */
  dst: string | null;
  srcOwner: string | null;
  dstOwner: string | null;
}

export interface Hop {
  /** 0-based position in the journey. */
  index: number;
  /** Observation row (index into the result's rows / capture record). */
  row: number;
  capture: number;
  node: string;
  iface: string;
  /** Epoch nanoseconds as captured, and corrected to the reference clock. */
  tsNs: bigint;
  tNs: bigint;
  /**
   * Corrected time since hop `fromHop` (null when that is null): the previous hop, except for the copies of one
   * broadcast or multicast frame (HopSources).
   */
  latencyNs: number | null;
  /**
   * The hop (index) latencyNs and changes are measured from: index − 1, but for a copy of a broadcast or multicast
   * frame the first copy on its node or its sender's; null on the first hop and on a copy another node received
   * in parallel (no hop between them).
   */
  fromHop: number | null;
  src: string;
  dst: string;
  srcPort: number | null;
  dstPort: number | null;
  proto: number;
  ttl: number;
  ipId: number;
  eth: EthInfo | null;
  encap: EncapInfo[];
  changes: HopChange[];
  /** A hop seen only encrypted in WireGuard (its receiver index and counter); null on every other hop. */
  wireguard: WireGuardInfo | null;
  /** A `split` hop's bytes of the whole segment it is timed from (pieceRange); null on every other hop. */
  piece: PieceRange | null;
  truncated: boolean;
}

export type MacNamer = (mac: number, node: string, capture: number) => string | null;

export function ethOf(obs: ObservationTable, r: number, node: string, name: MacNamer): EthInfo | null {
  if (obs.ethPairId(r) === 0) return null;
  const cap = obs.capture[r];
  // Without F_ETH the pair is a cooked capture's source address alone.
  const full = (obs.flags[r] & F_ETH) !== 0;
  return {
    src: macToString(obs.ethSrc(r)),
    dst: full ? macToString(obs.ethDst(r)) : null,
    srcOwner: name(obs.ethSrc(r), node, cap),
    dstOwner: full ? name(obs.ethDst(r), node, cap) : null,
  };
}

export function encapOf(obs: ObservationTable, r: number, node: string, name: MacNamer): EncapInfo[] {
  if (obs.encapCount[r] === 0) return [];
  const t = obs.encap(r, E_TYPE);
  const type = t === ENCAP_VXLAN ? 'vxlan' : t === ENCAP_GENEVE ? 'geneve' : 'ipip';
  const e: EncapInfo = {
    type,
    outerSrc: ipv4ToString(obs.encap(r, E_SRC)),
    outerDst: ipv4ToString(obs.encap(r, E_DST)),
    outerTtl: obs.encap(r, E_TTL),
  };
  if (type !== 'ipip') {
    e.vni = obs.encap(r, E_VNI);
    e.srcPort = obs.encap(r, E_SPORT);
    e.dstPort = obs.encap(r, E_DPORT);
    const s = obs.encap(r, E_INNER_SRC);
    const d = obs.encap(r, E_INNER_DST);
    const cap = obs.capture[r];
    e.innerEth =
      s >= 0
        ? {
            src: macToString(s),
            dst: macToString(d),
            srcOwner: name(s, node, cap),
            dstOwner: name(d, node, cap),
          }
        : null;
  }
  return [e];
}

/** Bits of changeMask, in the order changesBetween names them. */
export const CH_MAC = 1;
export const CH_TTL = 2;
const CH_POP_VXLAN = 4;
const CH_POP_IPIP = 8;
const CH_PUSH_VXLAN = 16;
const CH_PUSH_IPIP = 32;
export const CH_NAT_DST = 64;
export const CH_NAT_SRC = 128;
const CH_POP_GENEVE = 256;
const CH_PUSH_GENEVE = 512;
/** A piece of the hop it is compared with's TCP segment (TSO/GSO cut it on the way: linker's joinCutSegments). */
export const CH_SPLIT = 1024;
/** A TCP segment that holds the hop it is compared with (a piece) and more: GRO/LRO merged the pieces again. */
export const CH_MERGED = 2048;
/** The packet went into (push) or came out of (pop) a WireGuard transport data message (wireguardJoin.ts). */
export const CH_PUSH_WIREGUARD = 4096;
export const CH_POP_WIREGUARD = 8192;
const CH_NAMES: [number, HopChange][] = [
  [CH_MAC, 'mac'],
  [CH_TTL, 'ttl'],
  [CH_POP_VXLAN, 'encap-vxlan'],
  [CH_POP_IPIP, 'encap-ipip'],
  [CH_POP_GENEVE, 'encap-geneve'],
  [CH_POP_WIREGUARD, 'encap-wireguard'],
  [CH_PUSH_VXLAN, 'encap+vxlan'],
  [CH_PUSH_IPIP, 'encap+ipip'],
  [CH_PUSH_GENEVE, 'encap+geneve'],
  [CH_PUSH_WIREGUARD, 'encap+wireguard'],
  [CH_NAT_DST, 'nat-dst'],
  [CH_NAT_SRC, 'nat-src'],
  [CH_SPLIT, 'split'],
  [CH_MERGED, 'merged'],
];

/**
 * Per change mask, a value made from its changes' names, once, when a hop first has that mask (exports turn the
 * mask of every hop of every journey into text). Built on demand: the masks are 14 bits, and a table of every one
 * made up front would cost each exporter its 16,384 values (about 25 MB of a correlate run's memory for the four
 * tables, 5 MB when they were 12 bits), where a capture shows a few dozen masks.
 */
export class ChangeTable<T> {
  private readonly made: (T | undefined)[] = [];
  constructor(private readonly make: (names: readonly HopChange[]) => T) {}

  get(mask: number): T {
    let v = this.made[mask];
    if (v === undefined) this.made[mask] = v = this.make(changeNames(mask));
    return v;
  }
}

const namesMade: (readonly HopChange[] | undefined)[] = [];
/** The changes of a mask (changeMask), by name in CH_NAMES' order; the same frozen array for the same mask. */
export function changeNames(mask: number): readonly HopChange[] {
  let v = namesMade[mask];
  if (v === undefined)
    namesMade[mask] = v = Object.freeze(
      CH_NAMES.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name),
    );
  return v;
}

const pushBit = (t: number): number =>
  t === ENCAP_IPIP ? CH_PUSH_IPIP : t === ENCAP_GENEVE ? CH_PUSH_GENEVE : CH_PUSH_VXLAN;
const popBit = (t: number): number =>
  t === ENCAP_IPIP ? CH_POP_IPIP : t === ENCAP_GENEVE ? CH_POP_GENEVE : CH_POP_VXLAN;

/**
 * What changed from row `p` (previous hop) to row `r`, as CH_* bits (no allocation: exports call it for every
 * hop). At most one encapsulation is popped and one pushed (a tunnel swapped for another: both).
 */
export function changeMask(obs: ObservationTable, p: number, r: number): number {
  let m = 0;
  const pe = (obs.flags[p] & F_ETH) !== 0;
  const re = (obs.flags[r] & F_ETH) !== 0;
  // Both framed: their interned (source, destination) pairs differ exactly when a MAC does (one id a pair).
  if (pe && re) {
    if (obs.ethPairId(p) !== obs.ethPairId(r)) m |= CH_MAC;
  }
  // Two cooked-capture hops (`-i any`): their source addresses are all there is to compare.
  else if (!pe && !re && obs.ethPairId(p) !== 0 && obs.ethPairId(r) !== 0 && obs.ethSrc(p) !== obs.ethSrc(r))
    m |= CH_MAC;
  // Into or out of WireGuard: one side's packet is encrypted, so its TTL, addresses and ports are the tunnel's, not
  // the packet's; nothing of the packet can be compared.
  const pw = obs.wireguardData(p);
  if (pw !== obs.wireguardData(r)) return m | (pw ? CH_POP_WIREGUARD : CH_PUSH_WIREGUARD);
  if (obs.ttl(p) !== obs.ttl(r)) m |= CH_TTL;
  const pc = obs.encapCount[p];
  const rc = obs.encapCount[r];
  if (rc > pc) m |= pushBit(obs.encap(r, E_TYPE));
  else if (rc < pc) m |= popBit(obs.encap(p, E_TYPE));
  else if (rc > 0 && obs.encap(r, E_TYPE) !== obs.encap(p, E_TYPE))
    m |= popBit(obs.encap(p, E_TYPE)) | pushBit(obs.encap(r, E_TYPE));
  if (
    obs.dst[p] !== obs.dst[r] ||
    (obs.dstPort(p) !== obs.dstPort(r) && obs.dstPort(p) >= 0 && obs.dstPort(r) >= 0)
  )
    m |= CH_NAT_DST;
  if (
    obs.src[p] !== obs.src[r] ||
    (obs.srcPort(p) !== obs.srcPort(r) && obs.srcPort(p) >= 0 && obs.srcPort(r) >= 0)
  )
    m |= CH_NAT_SRC;
  // An ICMP id remapped (conntrack's "port" for ICMP, as SNAT takes it) with the addresses kept: nat-src (a
  // reply's de-SNAT rewrites its destination too, already nat-dst).
  else if (
    (m & CH_NAT_DST) === 0 &&
    obs.icmpId(p) !== obs.icmpId(r) &&
    obs.icmpId(p) >= 0 &&
    obs.icmpId(r) >= 0
  )
    m |= CH_NAT_SRC;
  if (pieceOf(obs, r, p)) m |= CH_SPLIT;
  else if (pieceOf(obs, p, r)) m |= CH_MERGED;
  return m;
}

/** Row `a` carries part of row `b`'s TCP payload and less than all of it (same connection: the caller's). */
export function pieceOf(obs: ObservationTable, a: number, b: number): boolean {
  // Every hop of most journeys has the same IP length: settled by one compare (exports ask for every hop).
  if (obs.ipLenCol[a] === obs.ipLenCol[b]) return false;
  const la = obs.tcpPayloadLen(a);
  const lb = obs.tcpPayloadLen(b);
  if (la <= 0 || lb <= la) return false;
  const off = (obs.tcpSeq(a) - obs.tcpSeq(b)) >>> 0;
  return off + la <= lb;
}

/**
 * Which of the whole segment's TCP payload bytes a piece carries: [start, end) of `of`, counted from the whole
 * segment's first byte (as tcpdump's relative sequence numbers count from a connection's first).
 */
export interface PieceRange {
  start: number;
  end: number;
  of: number;
}

/** Where row `r`'s payload lies in row `whole`'s (a split hop and the hop it is timed from), null when no piece. */
export function pieceRange(obs: ObservationTable, r: number, whole: number): PieceRange | null {
  if (!pieceOf(obs, r, whole)) return null;
  const start = (obs.tcpSeq(r) - obs.tcpSeq(whole)) >>> 0;
  return { start, end: start + obs.tcpPayloadLen(r), of: obs.tcpPayloadLen(whole) };
}

/** What changed from row `p` (previous hop) to row `r` (a new array: changeMask for the per-hop paths). */
export function changesBetween(obs: ObservationTable, p: number, r: number): HopChange[] {
  return [...changeNames(changeMask(obs, p, r))];
}

/**
 * Which earlier hop each hop of a journey is timed (latency) and compared (changes) from, fed its rows in order
 * (`next`, after `reset` for each journey). The previous hop, except for copies of one broadcast or multicast frame
 * (a group destination MAC; the same MACs, TTL and encapsulation hop after hop), which fan out to every receiver
 * rather than follow each other: a copy is timed from the first copy on its own node (a bridge flooding it to its
 * ports), else from the copy on the node owning the frame's source MAC (its sender), else from none: another node
 * received the same frame in parallel (a third host's broadcast seen on both nodes' ens33), with no hop between
 * them, and the time between the two copies says only how far apart the clocks are. No allocation per hop.
 */
export class HopSources {
  /**
   * Rows and hop indices of the current run of copies (the previous hop's run): its first runLength entries.
   * A length of its own, not the arrays' (setting an array's length is a runtime call: 2 per hop cost the pcapng
   * export ~60 ms per million rows).
   */
  private readonly runRow: number[] = [];
  private readonly runHop: number[] = [];
  private runLength = 0;
  private prev = -1;
  private hop = 0;
  /**
   * A run of pieces of one TCP segment (TSO/GSO cut it on the way): the hop (and row) of the whole segment they
   * are timed and compared from, and the first piece's hop, which a segment merging them again (GRO) is timed from.
   */
  private wholeHop = -1;
  private wholeRow = -1;
  private firstPieceHop = -1;

  constructor(
    private readonly obs: ObservationTable,
    /** Node index of each capture. */
    private readonly captureNode: ArrayLike<number>,
    /** Node index owning a MAC (-1 unknown). */
    private readonly macNode: (mac: number) => number,
  ) {}

  reset(): void {
    this.prev = -1;
    this.hop = 0;
    this.wholeHop = this.wholeRow = this.firstPieceHop = -1;
    this.runLength = 0;
  }

  /** The hop (index since reset) that row `r`, the next hop, is timed from: -1 for none (the first, a parallel copy). */
  next(r: number): number {
    const p = this.prev;
    const i = this.hop++;
    this.prev = r;
    // Pieces of one TCP segment are each timed from the segment (they travel side by side); a segment that merges
    // them again from the first piece (the later pieces may be stamped after it).
    if (p >= 0 && (this.obs.missing[r] & M_TCP_FLAGS) === 0) {
      const inRun = this.wholeRow >= 0 && pieceOf(this.obs, p, this.wholeRow);
      if (inRun && pieceOf(this.obs, r, this.wholeRow)) return this.wholeHop;
      if (inRun && pieceOf(this.obs, p, r)) {
        this.wholeRow = -1;
        return this.firstPieceHop;
      }
      this.wholeRow = -1;
      if (pieceOf(this.obs, r, p)) {
        this.wholeHop = i - 1;
        this.wholeRow = p;
        this.firstPieceHop = i;
        return i - 1;
      }
    }
    if (p < 0 || !this.copyOf(p, r)) {
      this.runRow[0] = r;
      this.runHop[0] = i;
      this.runLength = 1;
      return i - 1;
    }
    const obs = this.obs;
    const node = this.captureNode[obs.capture[r]];
    let from = -1;
    for (let x = 0; x < this.runLength; x++)
      if (this.captureNode[obs.capture[this.runRow[x]]] === node) {
        from = this.runHop[x];
        break;
      }
    if (from < 0) {
      const first = this.runRow[0];
      if (this.macNode(obs.ethSrc(first)) === this.captureNode[obs.capture[first]]) from = this.runHop[0];
    }
    this.runRow[this.runLength] = r;
    this.runHop[this.runLength++] = i;
    return from;
  }

  /** Row `r` carries the same broadcast/multicast frame as row `p`. */
  private copyOf(p: number, r: number): boolean {
    const obs = this.obs;
    return (
      (obs.flags[r] & F_ETH) !== 0 &&
      (obs.flags[p] & F_ETH) !== 0 &&
      obs.ethPairId(p) === obs.ethPairId(r) &&
      isGroupMac(obs.ethDst(r)) &&
      obs.ttl(p) === obs.ttl(r) &&
      obs.encapCount[p] === obs.encapCount[r]
    );
  }
}

export function hopTruncated(obs: ObservationTable, r: number): boolean {
  return (obs.flags[r] & F_TRUNCATED) !== 0;
}

/**
 * A non-first fragment (or a header cut by snaplen) has no L4 fields: tcpdump prints just the protocol (innerSummary,
 * and export/summaryBytes.ts's innerSummaryInto).
 */
export function withoutL4(obs: ObservationTable, r: number, proto: number): boolean {
  return proto === PROTO_ICMP
    ? obs.icmpType(r) < 0
    : (proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP) && obs.srcPort(r) < 0;
}

/** A tcpdump-like one-line summary of the inner packet of row `r` (from columns only, no bytes needed). */
export function innerSummary(obs: ObservationTable, r: number): string {
  const src = ipv4ToString(obs.src[r]);
  const dst = ipv4ToString(obs.dst[r]);
  const proto = obs.proto(r);
  // The IP header (20 bytes unless the row knows its options) and the TCP/UDP header: tcpdump counts the rest.
  const headers = obs.headersLen(r);
  if (withoutL4(obs, r, proto)) return `${src} > ${dst}: ip-proto-${proto}`;
  if (proto === PROTO_ICMP) {
    const type = obs.icmpType(r);
    const len = obs.ipLen(r) - (headers || 20);
    const what = type === 8 ? 'echo request' : type === 0 ? 'echo reply' : `type ${type}`;
    const idseq = type === 8 || type === 0 ? `, id ${obs.icmpId(r)}, seq ${obs.icmpSeq(r)}` : '';
    return `${src} > ${dst}: ICMP ${what}${idseq}, length ${len}`;
  }
  if (proto === PROTO_TCP) {
    const f = obs.tcpFlags(r);
    const flags = f >= 0 ? tcpFlagsString(f) : 'none';
    const ends = `${src}.${obs.srcPort(r)} > ${dst}.${obs.dstPort(r)}`;
    // Options cut by the snaplen: the header's length, so the payload's, is not known (tcpdump: "[|tcp]").
    if (!headers && hopTruncated(obs, r)) return `${ends}: Flags [${flags}] [|tcp]`;
    const len = Math.max(0, obs.ipLen(r) - (headers || 40));
    return `${ends}: Flags [${flags}], length ${len}`;
  }
  if (proto === PROTO_UDP) {
    return `${src}.${obs.srcPort(r)} > ${dst}.${obs.dstPort(r)}: UDP, length ${Math.max(0, obs.ipLen(r) - (headers || 28))}`;
  }
  // The columns have no chunks: tcpdump's line up to them.
  if (proto === PROTO_SCTP) return `${src}.${obs.srcPort(r)} > ${dst}.${obs.dstPort(r)}: sctp`;
  return `${src} > ${dst}: ip-proto-${proto}, length ${obs.ipLen(r)}`;
}

/** An IPv6 row's summary from the columns, when its frame cannot be re-read (addresses given as text). */
export function ipv6Summary(obs: ObservationTable, r: number, src: string, dst: string): string {
  const proto = obs.proto(r);
  // As tcpdump counts: ICMPv6 its whole message, TCP and UDP their payload (after any extension headers).
  const headers = obs.headersLen(r);
  const s = src || '?';
  const d = dst || '?';
  const after = (h: number) => Math.max(0, obs.ipLen(r) - (headers || h));
  if (proto === PROTO_ICMPV6)
    return `IP6 ${s} > ${d}: ICMP6, type ${obs.icmpType(r)}, length ${after(IPV6_HEADER)}`;
  const ports = `IP6 ${s}.${obs.srcPort(r)} > ${d}.${obs.dstPort(r)}`;
  if (proto === PROTO_TCP && obs.srcPort(r) >= 0) {
    const f = obs.tcpFlags(r);
    return `${ports}: Flags [${f >= 0 ? tcpFlagsString(f) : 'none'}], length ${after(IPV6_HEADER + 20)}`;
  }
  if (proto === PROTO_UDP && obs.srcPort(r) >= 0) return `${ports}: UDP, length ${after(IPV6_HEADER + 8)}`;
  if (proto === PROTO_SCTP && obs.srcPort(r) >= 0) return `${ports}: sctp`;
  return `IP6 ${s} > ${d}: ip-proto-${proto}, length ${obs.ipLen(r) - IPV6_HEADER}`;
}

const IPV6_HEADER = 40;
