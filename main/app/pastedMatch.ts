// Which journeys a pasted tcpdump line's packet (pastedLine.ts) belongs to: the hops whose row has its addresses,
// ports, tunnel, flags and lengths (an ICMP echo's id and sequence number), and, for what the rows do not keep
// (TCP's acknowledgement number, window, urgent pointer and timestamps, a checksum, a DNS message's id), whose
// frame has it. tcpdump prints TCP's sequence and acknowledgement numbers relative to the connection's first
// (`seq 1:6991, ack 1`) unless run with -S; both read.

import type { CorrelationResult } from '../correlate/result.ts';
import { E_DPORT, E_DST, E_SPORT, E_SRC, E_TTL, E_TYPE, E_VNI, F_IP } from '../correlate/observations.ts';
import { decodeFields } from '../decode/fast.ts';
import { transportChecksum } from '../decode/transportChecksum.ts';
import {
  createPacketFields,
  DEFAULT_DECODE_OPTIONS,
  DEFAULT_GENEVE_PORTS,
  type DecodeOptions,
  ENCAP_GENEVE,
  ENCAP_IPIP,
  ENCAP_VXLAN,
  type PacketFields,
} from '../decode/fields.ts';
import type { FrameSource } from '../session/frames.ts';
import { parseIpv4 } from '../session/interfaces.ts';
import { parseIpv6 } from './journeyIndex.ts';
import { type PastedPacket, type PastedTcp, TCP_ACK, TCP_SYN } from './pastedLine.ts';

/** What pastedJourneys reads: the session's rows, their frames and each row's journey. */
export interface PastedSource {
  result: CorrelationResult;
  frames: FrameSource;
  /**
   * Row r's journey, -1 for none (LoadedSession.journeyCol); empty where the session does not build it (the CLI's,
   * a live window's), which the result's segments then tell.
   */
  journeyCol: Int32Array;
}

const ENCAP_TYPES = { vxlan: ENCAP_VXLAN, geneve: ENCAP_GENEVE, ipip: ENCAP_IPIP } as const;
/** ICMP's and ICMPv6's echo types. */
const ECHO = { request: [8, 128], reply: [0, 129] } as const;
const PROTO_TCP = 6;
/** IPv6's fixed header, which its payload length leaves out. */
const IPV6_HEADER = 40;
const PROTO_UDP = 17;
/** TCP's flags as tcpdump 4.99 prints them (the AE bit, above the byte, only when the line has `e`). */
const FLAGS_BYTE = 0xff;

/** Per journey, 1 when one of its hops' packets is the pasted line's. */
export function pastedJourneys(s: PastedSource, p: PastedPacket): Uint8Array {
  const res = s.result;
  const rows = res.rows;
  const out = new Uint8Array(res.journeyCount);
  const inner = p.src !== '';
  const v4 = inner && !p.v6 ? [parseIpv4(p.src), parseIpv4(p.dst)] : null;
  const v6 = inner && p.v6 ? [parseIpv6(p.src), parseIpv6(p.dst)] : null;
  const o = p.outer;
  const outerAddrs = o ? [parseIpv4(o.src), parseIpv4(o.dst)] : null;
  const jc = s.journeyCol;
  const journeyOf = jc.length === rows.length ? (r: number) => jc[r] : (r: number) => res.journeyOfRow(r);
  const tcp = p.tcp;
  const proto = tcp ? PROTO_TCP : p.udpLength !== null || p.dnsId !== null ? PROTO_UDP : -1;

  // `tcpdump -q` prints a tunnel's outer header as UDP (`10.1.10.9.50582 > 10.1.10.10.8472: UDP, length 1464`): a
  // line of UDP to one of the session's VXLAN or Geneve ports finds the hops in that tunnel header too.
  const opts = res.decodeOptions ?? DEFAULT_DECODE_OPTIONS;
  const tunnel =
    !o && v4 && !tcp && p.udpLength !== null && p.sport >= 0
      ? opts.vxlanPorts.includes(p.dport)
        ? ENCAP_VXLAN
        : (opts.genevePorts ?? DEFAULT_GENEVE_PORTS).some((x) => x === p.sport || x === p.dport)
          ? ENCAP_GENEVE
          : -1
      : -1;

  // The rows whose columns agree with the line (sequence numbers aside: they may be relative).
  const candidates: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    if (journeyOf(r) < 0) continue;
    if (
      tunnel >= 0 &&
      rows.encapCount[r] > 0 &&
      rows.encap(r, E_TYPE) === tunnel &&
      rows.encap(r, E_SRC) >>> 0 === v4![0] &&
      rows.encap(r, E_DST) >>> 0 === v4![1] &&
      rows.encap(r, E_SPORT) === p.sport &&
      rows.encap(r, E_DPORT) === p.dport &&
      (p.ttl === null || rows.encap(r, E_TTL) === p.ttl)
    ) {
      candidates.push(r);
      continue;
    }
    if (o) {
      if (rows.encapCount[r] === 0 || rows.encap(r, E_TYPE) !== ENCAP_TYPES[o.type]) continue;
      if (rows.encap(r, E_SRC) >>> 0 !== outerAddrs![0] || rows.encap(r, E_DST) >>> 0 !== outerAddrs![1])
        continue;
      if (o.sport >= 0 && (rows.encap(r, E_SPORT) !== o.sport || rows.encap(r, E_DPORT) !== o.dport))
        continue;
      if (o.vni !== null && rows.encap(r, E_VNI) !== o.vni) continue;
      if (o.ttl !== null && rows.encap(r, E_TTL) !== o.ttl) continue;
    }
    if (!inner) {
      candidates.push(r);
      continue;
    }
    if ((rows.flags[r] & F_IP) === 0 || rows.isIpv6(r) !== p.v6) continue;
    if (p.sport >= 0 && (rows.srcPort(r) !== p.sport || rows.dstPort(r) !== p.dport)) continue;
    if (proto >= 0 && rows.proto(r) !== proto) continue;
    if (p.ttl !== null && rows.ttl(r) !== p.ttl) continue;
    if (p.ipId !== null && rows.ipId(r) !== p.ipId) continue;
    if (p.frameLength !== null && rows.origLen[r] !== p.frameLength) continue;
    if (p.payloadLength !== null && rows.ipLen(r) > 0 && rows.ipLen(r) - IPV6_HEADER !== p.payloadLength)
      continue;
    if (p.icmpEcho !== null && rows.icmpType(r) !== ECHO[p.icmpEcho][p.v6 ? 1 : 0]) continue;
    if (p.icmpId !== null && rows.icmpId(r) !== p.icmpId) continue;
    if (p.icmpSeq !== null && rows.icmpSeq(r) !== p.icmpSeq) continue;
    if (tcp && !tcpColumnsAgree(rows, r, tcp)) continue;
    if (p.udpLength !== null && proto === PROTO_UDP && !rows.udpFirstFragment(r)) {
      const h = rows.headersLen(r);
      if (h > 0 && rows.ipLen(r) - h !== p.udpLength) continue;
    }
    if (v4 && (rows.src[r] >>> 0 !== v4[0] || rows.dst[r] >>> 0 !== v4[1])) continue;
    if (v6 && !(sameV6(res.rowSrc(r), v6[0]) && sameV6(res.rowDst(r), v6[1]))) continue;
    candidates.push(r);
  }
  if (!candidates.length) return out;

  const frames = new FrameReader(s);
  const bases =
    tcp && (tcp.seq !== null || tcp.ack !== null) ? relativeBases(s, p, candidates, frames) : null;
  const needsFrame =
    p.dnsId !== null ||
    p.bootpXid !== null ||
    p.groups !== null ||
    p.fragId !== null ||
    p.fragOffset !== null ||
    p.cksum !== null ||
    (tcp !== null &&
      (tcp.ack !== null || tcp.win !== null || tcp.urg !== null || tcp.tsVal !== null || tcp.tsEcr !== null));
  for (const r of candidates) {
    const k = journeyOf(r);
    if (out[k] === 1) continue;
    const base = bases?.get(r) ?? null;
    if (tcp && tcp.seq !== null && !sameNumber(tcp.seq, rows.tcpSeq(r), base?.seq)) continue;
    if (needsFrame && !frames.agrees(r, p, base)) continue;
    out[k] = 1;
  }
  return out;
}

function tcpColumnsAgree(rows: CorrelationResult['rows'], r: number, tcp: PastedTcp): boolean {
  const flags = rows.tcpFlags(r);
  if (tcp.flags !== null && (flags & FLAGS_BYTE) !== (tcp.flags & FLAGS_BYTE)) return false;
  if (tcp.flags !== null && tcp.flags > FLAGS_BYTE && (flags & ~FLAGS_BYTE & tcp.flags) === 0) return false;
  const len = rows.tcpPayloadLen(r);
  return tcp.length === null || len < 0 || len === tcp.length;
}

/** A number as tcpdump printed it: as it is (`-S`, a SYN), or relative to `base` (the connection's first). */
function sameNumber(printed: number, actual: number, base: number | undefined): boolean {
  return printed === actual || (base !== undefined && printed === (actual - base) >>> 0);
}

function sameV6(text: string, w: Uint32Array | null): boolean {
  const a = parseIpv6(text);
  return !!a && !!w && a[0] === w[0] && a[1] === w[1] && a[2] === w[2] && a[3] === w[3];
}

/** IPv6 addresses compared as their bytes (memcmp). */
function compareV6(a: string, b: string): number {
  const x = parseIpv6(a);
  const y = parseIpv6(b);
  if (!x || !y) return 0;
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** What tcpdump subtracts from a packet's sequence and acknowledgement numbers. */
interface Base {
  seq: number;
  ack: number;
}

/**
 * For each candidate row tcpdump prints relative numbers for, what it subtracts: print-tcp.c keeps, per capture
 * file and connection (its addresses and ports, either way), the numbers of the first packet with ACK (again at
 * each SYN with ACK), and prints that packet's as they are, later ones' less those. The candidates' captures are
 * walked in file order (a capture's rows are in its file's order) over the connection's packets.
 */
function relativeBases(
  s: PastedSource,
  p: PastedPacket,
  candidates: number[],
  frames: FrameReader,
): Map<number, Base> {
  const res = s.result;
  const rows = res.rows;
  // Per file: a `tcpdump -i any` capture split into a lane per interface is one file, as tcpdump read it.
  const fileOf = res.captures.map((cap, c) => cap.path ?? `#${c}`);
  const files = new Set(candidates.map((r) => fileOf[rows.capture[r]]));
  const wanted = new Set(candidates);
  const state = new Map<string, Base>();
  const out = new Map<number, Base>();
  const first = candidates[0];
  const last = candidates[candidates.length - 1];
  const a = rows.src[first];
  const b = rows.dst[first];
  const v6 = rows.isIpv6(first);
  for (let r = 0; r <= last; r++) {
    const c = fileOf[rows.capture[r]];
    if (!files.has(c) || rows.proto(r) !== PROTO_TCP || (rows.flags[r] & F_IP) === 0 || rows.isIpv6(r) !== v6)
      continue;
    const sp = rows.srcPort(r);
    const dp = rows.dstPort(r);
    const forward = rows.src[r] === a && rows.dst[r] === b && sp === p.sport && dp === p.dport;
    const back = rows.src[r] === b && rows.dst[r] === a && sp === p.dport && dp === p.sport;
    if (!forward && !back) continue;
    const flags = rows.tcpFlags(r);
    if ((flags & TCP_ACK) === 0) continue;
    // tcpdump's order of the two ends: by port, then by address (IPv6 rows keep hashes: read the frame's).
    const rev =
      sp > dp ||
      (sp === dp &&
        (v6 ? compareV6(res.rowSrc(r), res.rowDst(r)) > 0 : rows.src[r] >>> 0 > rows.dst[r] >>> 0));
    const st = state.get(c);
    if (!st || (flags & TCP_SYN) !== 0) {
      const seq = rows.tcpSeq(r);
      const ack = frames.read(r) ? frames.f.tcpAck >>> 0 : 0;
      state.set(c, rev ? { seq: (ack - 1) >>> 0, ack: seq } : { seq, ack: (ack - 1) >>> 0 });
    } else if (wanted.has(r)) out.set(r, rev ? { seq: st.ack, ack: st.seq } : { seq: st.seq, ack: st.ack });
  }
  return out;
}

const TCP_URG = 0x20;
/** TCP header: window and urgent pointer offsets, the fixed header's length; the timestamp option's kind. */
const WIN = 14;
const TCP_CKSUM = 16;
const UDP_CKSUM = 6;
const URG = 18;
const TCP_FIXED = 20;
const OPT_END = 0;
const OPT_NOP = 1;
const OPT_TS = 8;
const OPT_TS_LEN = 10;
/** BOOTP's transaction id (RFC 951): after op, htype, hlen and hops. */
const BOOTP_XID = 4;
/** The two-byte length before a DNS message over TCP. */
const DNS_TCP_LENGTH = 2;

/** An IGMPv3 or MLDv2 report's records after its 8-byte header (RFC 3376 §4.2, RFC 3810 §5.2). */
const REPORT_HEADER = 8;

/**
 * Whether the report at `at` has `groups` as its first records' group addresses, in order; what the capture cut off
 * is not held against it.
 */
function sameGroups(b: Uint8Array, at: number, v6: boolean, groups: string[]): boolean {
  if (at < 0) return true;
  const size = v6 ? 16 : 4;
  let o = at + REPORT_HEADER;
  for (const g of groups) {
    if (o + 4 + size > b.length) return true;
    const want = v6 ? parseIpv6(g) : Uint32Array.of(parseIpv4(g)! >>> 0);
    if (!want) return false;
    for (let w = 0; w < size / 4; w++) {
      const x = o + 4 + 4 * w;
      if (((b[x] << 24) | (b[x + 1] << 16) | (b[x + 2] << 8) | b[x + 3]) >>> 0 !== want[w] >>> 0)
        return false;
    }
    const sources = (b[o + 2] << 8) | b[o + 3];
    o += 4 + size + sources * size + b[o + 1] * 4;
  }
  return true;
}

/** BOOTP's options after its fixed part and the magic cookie (RFC 2131 §3); DHCP's message type option. */
const BOOTP_OPTIONS = 240;
const OPT_PAD = 0;
const OPT_DHCP_TYPE = 53;
const OPT_BOOTP_END = 255;

/** The DHCP message type in the BOOTP message at `at` (its option 53), -1 when the bytes captured have none. */
function dhcpMessageType(b: Uint8Array, at: number): number {
  for (let o = at + BOOTP_OPTIONS; o < b.length;) {
    const code = b[o];
    if (code === OPT_PAD) {
      o++;
      continue;
    }
    if (code === OPT_BOOTP_END || o + 1 >= b.length) return -1;
    if (code === OPT_DHCP_TYPE) return o + 2 < b.length ? b[o + 2] : -1;
    o += 2 + b[o + 1];
  }
  return -1;
}

/** A hop's frame decoded again (the fast decoder), for what its row does not keep. */
class FrameReader {
  readonly f: PacketFields = createPacketFields();
  private readonly opts: DecodeOptions;
  private frame: Uint8Array = new Uint8Array(0);

  constructor(private readonly s: PastedSource) {
    this.opts = { ...(s.result.decodeOptions ?? DEFAULT_DECODE_OPTIONS), key: false };
  }

  /** Decodes row r's frame into `f`; false when it cannot be read. */
  read(r: number): boolean {
    const res = this.s.result;
    try {
      this.frame = this.s.frames.frame(r);
      decodeFields(this.frame, res.captures[res.rows.capture[r]].linkType, this.f, this.opts);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Whether row r's frame has what the line says beyond the row: TCP's ack (as it is, or less `base`), window,
   * urgent pointer and timestamps, `-v`'s TCP or UDP checksum, a fragment's offset and IPv6 id, a DNS message's
   * id, `-v`'s BOOTP transaction id. What the capture cut off is not held against it.
   */
  agrees(r: number, p: PastedPacket, base: Base | null): boolean {
    if (!this.read(r)) return true;
    const f = this.f;
    const b = this.frame;
    const u16 = (at: number) => (at + 2 <= b.length ? (b[at] << 8) | b[at + 1] : -1);
    if (p.dnsId !== null && f.payloadOffset >= 0) {
      // Over TCP the message follows its two-byte length (RFC 1035 §4.2.2).
      const id = u16(f.payloadOffset + (p.tcp ? DNS_TCP_LENGTH : 0));
      if (id >= 0 && id !== p.dnsId) return false;
    }
    if (p.bootpXid !== null && f.payloadOffset >= 0 && f.payloadOffset + BOOTP_XID + 4 <= b.length) {
      const at = f.payloadOffset + BOOTP_XID;
      if (((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0 !== p.bootpXid)
        return false;
      const type = p.dhcpType === null ? -1 : dhcpMessageType(b, f.payloadOffset);
      if (type >= 0 && type !== p.dhcpType) return false;
    }
    if (p.groups !== null && !sameGroups(b, p.v6 ? f.l4Offset : f.payloadOffset, p.v6, p.groups))
      return false;
    if (p.fragId !== null && f.fragId6 >>> 0 !== p.fragId) return false;
    if (p.fragOffset !== null && f.fragOffset !== p.fragOffset) return false;
    const l4 = f.l4Offset;
    if (p.cksum !== null && l4 >= 0) {
      const sum = u16(l4 + (p.tcp ? TCP_CKSUM : UDP_CKSUM));
      if (sum >= 0 && sum !== p.cksum) return false;
      // What it should have been, computed over the hop's frame (0 and 0xffff are one sum in ones' complement).
      const should = p.cksumShould === null ? -1 : transportChecksum(b, f);
      if (should >= 0 && should !== p.cksumShould && (should % 0xffff !== 0 || p.cksumShould! % 0xffff !== 0))
        return false;
    }
    const t = p.tcp;
    if (!t || l4 < 0) return true;
    if (t.ack !== null && (f.tcpFlags & TCP_ACK) !== 0 && !sameNumber(t.ack, f.tcpAck >>> 0, base?.ack))
      return false;
    const win = u16(l4 + WIN);
    if (t.win !== null && win >= 0 && win !== t.win) return false;
    const urg = u16(l4 + URG);
    if (t.urg !== null && (f.tcpFlags & TCP_URG) !== 0 && urg >= 0 && urg !== t.urg) return false;
    if (t.tsVal === null && t.tsEcr === null) return true;
    const end = Math.min(b.length, l4 + (b[l4 + 12] >> 4) * 4);
    for (let o = l4 + TCP_FIXED; o < end;) {
      const kind = b[o];
      if (kind === OPT_END) break;
      if (kind === OPT_NOP) {
        o++;
        continue;
      }
      const len = b[o + 1];
      if (len === undefined || len < 2) break;
      if (kind === OPT_TS && len === OPT_TS_LEN && o + OPT_TS_LEN <= end) {
        const val = ((b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]) >>> 0;
        const ecr = ((b[o + 6] << 24) | (b[o + 7] << 16) | (b[o + 8] << 8) | b[o + 9]) >>> 0;
        return (t.tsVal === null || t.tsVal === val) && (t.tsEcr === null || t.tsEcr === ecr);
      }
      o += len;
    }
    return true;
  }
}
